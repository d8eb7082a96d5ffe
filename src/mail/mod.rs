//! Delivering the outbox. Messages are queued in `outbox_messages` by the transaction of the
//! event that causes them (see `crate::outbox`); this module sends them, over SMTP when
//! `SMTP_HOST` is set and otherwise as `.eml` files under `OUTBOX_DIR`.
//!
//! A background task started with the server runs a delivery round every few seconds
//! (`deliver_due`, which tests call directly). A round takes due messages one at a time:
//!
//! 1. **Claim**, in a write transaction of its own: the message's `next_attempt_at` moves a
//!    lease (`LEASE`) into the future, by an UPDATE that repeats the due condition, so of two
//!    server processes only the one whose UPDATE changed the row sends it
//!    (`db::outbox::claim_next`). A process that dies holding a claim delays the message by
//!    the lease, and loses nothing.
//! 2. **Send**, outside any transaction and off the async workers: SMTP with a timeout per
//!    command well below the lease, or a file named after the row.
//! 3. **Mark**: `sent_at` right after the server accepted the message; on failure one more
//!    attempt, the error, and `next_attempt_at` after an exponential backoff (`backoff`).
//!
//! Nothing twice, with one window that no outbox can close: if the process dies (or the
//! database stops answering) after the mail server has accepted a message and before
//! `sent_at` is written, the claim runs out and the message is sent again. SMTP has no
//! two-phase commit to close it. Every message therefore carries a `Message-ID` made from the
//! row's id, the same on every attempt, by which the receiving side recognises the
//! duplicate. The file delivery has no such window: the file is named after the row and a
//! repeated write replaces it.

mod message;

pub use message::message_id;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport};

use crate::clock::{Clock, SharedClock, to_db};
use crate::db::outbox::{self as store, OutboxMessage};
use crate::db::{Db, DbError};
use crate::jobs::Shutdown;

pub const DEFAULT_SMTP_PORT: u16 = 587;
/// The default with `SMTP_TLS=tls` (submissions).
pub const DEFAULT_SMTPS_PORT: u16 = 465;
pub const DEFAULT_MAIL_FROM: &str = "Socialstyrelsen statsbidrag <no-reply@statsbidrag.example>";
pub const DEFAULT_OUTBOX_DIR: &str = "data/outbox";
/// How often the background sender looks for due messages.
pub const DEFAULT_SEND_INTERVAL: StdDuration = StdDuration::from_secs(5);

/// How long a claim keeps other senders off a message. It must outlast the longest send:
/// every SMTP command times out after `SMTP_TIMEOUT`, and a send is about eight commands.
pub const LEASE: Duration = Duration::minutes(10);
const SMTP_TIMEOUT: StdDuration = StdDuration::from_secs(30);
/// The first retry waits this long; each further one twice as long as the one before.
const FIRST_BACKOFF_SECONDS: i64 = 30;
const MAX_BACKOFF_SECONDS: i64 = 60 * 60;
/// Messages per round at most; a full round is followed by another at once.
const MAX_PER_ROUND: usize = 50;
/// `last_error` keeps this many characters.
const MAX_ERROR_CHARS: usize = 1000;

/// Where and how e-mail goes.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The SMTP server; `None` writes each message as a file under `outbox_dir` instead.
    pub smtp: Option<SmtpSettings>,
    /// `MAIL_FROM`: the sender, as `Name <address>` or a bare address.
    pub from: String,
    /// `OUTBOX_DIR`: where messages are written when there is no SMTP server.
    pub outbox_dir: PathBuf,
    /// How often the background sender runs a round; `None` starts no background sender
    /// (tests run their rounds with `deliver_due`).
    pub send_interval: Option<StdDuration>,
}

impl MailSettings {
    /// No SMTP: files under `outbox_dir`, sent by the background sender.
    pub fn files(outbox_dir: impl Into<PathBuf>) -> MailSettings {
        MailSettings {
            smtp: None,
            from: DEFAULT_MAIL_FROM.to_string(),
            outbox_dir: outbox_dir.into(),
            send_interval: Some(DEFAULT_SEND_INTERVAL),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Password>,
}

/// How the connection to the SMTP server is protected (`SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// A plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    fn name(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(secret: impl Into<String>) -> Password {
        Password(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl FromStr for Password {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Password, Self::Err> {
        Ok(Password(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("e-postinställningarna: {0}")]
    Config(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("e-postutskicket avbröts")]
    Canceled,
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Accepted by the SMTP server or written to a file, and marked sent.
    pub sent: usize,
    /// Failed, and set to be tried again later.
    pub failed: usize,
    /// The round stopped at its limit with messages still due.
    pub more_due: bool,
}

/// The delay before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, …,
/// at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    Duration::seconds((FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS))
}

/// Runs one delivery round now: sends every due message (up to a limit per round) and
/// marks each sent or failed. The background sender calls this; tests call it to deliver
/// without waiting for the timer. Safe to run concurrently, also from several processes.
pub async fn deliver_due(
    db: &Db,
    clock: &SharedClock,
    settings: &MailSettings,
) -> Result<DeliveryReport, MailError> {
    Mailer::new(settings)?.deliver_due(db, clock).await
}

/// Starts the background sender on the current (actix) runtime: a round at once, then one
/// every `interval`, or at once again after a round that stopped at its limit. Ends at
/// `shutdown`; a round in progress stops after the message it is sending.
pub fn spawn_sender(
    db: Db,
    clock: SharedClock,
    mailer: Mailer,
    interval: StdDuration,
    shutdown: Shutdown,
) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        while !shutdown.requested() {
            let more_due = match mailer.deliver_due_until(&db, &clock, &shutdown).await {
                Ok(report) => report.more_due,
                Err(e) => {
                    tracing::error!(error = %e, "e-mail delivery round failed");
                    false
                }
            };
            if !more_due {
                actix_web::rt::time::sleep(interval).await;
            }
        }
    })
}

/// A configured way of delivering messages, made once from `MailSettings`.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    delivery: Delivery,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the sender's domain.
    id_domain: String,
}

enum Delivery {
    Smtp {
        transport: SmtpTransport,
        /// `smtp://host:port (tls)`, for logs; never the credentials.
        label: String,
    },
    Files {
        dir: PathBuf,
    },
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("delivery", &self.describe())
            .field("from", &self.inner.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// Checks the settings (the sender's address, the credentials, TLS) and prepares the
    /// transport. Connects to nothing yet.
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::Config(format!("MAIL_FROM \"{}\": {e}", settings.from)))?;
        let id_domain = from.email.domain().to_string();
        let delivery = match &settings.smtp {
            None => Delivery::Files {
                dir: settings.outbox_dir.clone(),
            },
            Some(smtp) => Delivery::Smtp {
                transport: smtp_transport(smtp)?,
                label: format!("smtp://{}:{} ({})", smtp.host, smtp.port, smtp.tls.name()),
            },
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                delivery,
                from,
                id_domain,
            }),
        })
    }

    /// Where messages go, for the log at start.
    pub fn describe(&self) -> String {
        match &self.inner.delivery {
            Delivery::Smtp { label, .. } => label.clone(),
            Delivery::Files { dir } => format!("files in {}", dir.display()),
        }
    }

    /// One delivery round, on a blocking thread.
    pub async fn deliver_due(
        &self,
        db: &Db,
        clock: &SharedClock,
    ) -> Result<DeliveryReport, MailError> {
        self.deliver_due_until(db, clock, &Shutdown::default())
            .await
    }

    /// One delivery round on a blocking thread, stopping early at `shutdown`.
    pub async fn deliver_due_until(
        &self,
        db: &Db,
        clock: &SharedClock,
        shutdown: &Shutdown,
    ) -> Result<DeliveryReport, MailError> {
        let mailer = self.clone();
        let db = db.clone();
        let clock = clock.clone();
        let shutdown = shutdown.clone();
        actix_web::rt::task::spawn_blocking(move || {
            mailer.deliver_due_blocking_until(&db, &*clock, &shutdown)
        })
        .await
        .map_err(|_| MailError::Canceled)?
    }

    /// One delivery round on the calling thread, which it blocks (database and network).
    pub fn deliver_due_blocking(
        &self,
        db: &Db,
        clock: &dyn Clock,
    ) -> Result<DeliveryReport, MailError> {
        self.deliver_due_blocking_until(db, clock, &Shutdown::default())
    }

    /// As [`Mailer::deliver_due_blocking`], asking `shutdown` before each message: a
    /// stopping process sends nothing more (what is unsent stays due for the next sender).
    pub fn deliver_due_blocking_until(
        &self,
        db: &Db,
        clock: &dyn Clock,
        shutdown: &Shutdown,
    ) -> Result<DeliveryReport, MailError> {
        let mut report = DeliveryReport::default();
        while report.sent + report.failed < MAX_PER_ROUND {
            if shutdown.requested() {
                return Ok(report);
            }
            let now = clock.now();
            let claimed = db.write_blocking(|c| -> Result<_, DbError> {
                Ok(store::claim_next(c, to_db(now), to_db(now + LEASE))?)
            })?;
            let Some(message) = claimed else {
                return Ok(report);
            };
            let attempt = message.attempts + 1;
            match self.send(&message) {
                Ok(()) => {
                    // The server has the message. From here until `sent_at` is committed
                    // lies the window described at the top of this module.
                    mark_sent(db, &message.id, clock)?;
                    tracing::info!(
                        outbox_id = %message.id,
                        attempt,
                        via = %self.describe(),
                        "e-mail sent"
                    );
                    report.sent += 1;
                }
                Err(error) => {
                    let retry_at = clock.now() + backoff(attempt);
                    let stored: String = error.chars().take(MAX_ERROR_CHARS).collect();
                    // Queued with the process's other SQLite writers, not in the busy handler.
                    db.write_blocking(|c| -> Result<_, DbError> {
                        Ok(store::mark_failed(
                            c,
                            &message.id,
                            &stored,
                            to_db(retry_at),
                        )?)
                    })?;
                    tracing::warn!(
                        outbox_id = %message.id,
                        attempt,
                        via = %self.describe(),
                        error = %error,
                        retry_at = %retry_at,
                        "e-mail not sent; will try again"
                    );
                    report.failed += 1;
                }
            }
        }
        report.more_due = true;
        Ok(report)
    }

    /// Hands one message to the server, or writes its file.
    fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let email = message::build(message, &self.inner.from, &self.inner.id_domain)?;
        match &self.inner.delivery {
            Delivery::Smtp { transport, .. } => transport
                .send(&email)
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}")),
            Delivery::Files { dir } => write_eml(dir, &message.id, &email.formatted())
                .map(|_| ())
                .map_err(|e| format!("{}: {e}", dir.display())),
        }
    }
}

/// Marks a message sent, trying a few times: the server already has it, and a mark that
/// never lands means it is sent again when the claim runs out.
fn mark_sent(db: &Db, id: &str, clock: &dyn Clock) -> Result<(), MailError> {
    let mut last_error = None;
    for pause_ms in [0, 200, 1000, 3000] {
        if pause_ms > 0 {
            std::thread::sleep(StdDuration::from_millis(pause_ms));
        }
        let result = db.write_blocking(|c| -> Result<_, DbError> {
            Ok(store::mark_sent(c, id, to_db(clock.now()))?)
        });
        match result {
            Ok(true) => return Ok(()),
            Ok(false) => {
                // Only when a claim ran out during the send and another sender sent it too.
                tracing::warn!(outbox_id = %id, "e-mail was already marked sent by another sender");
                return Ok(());
            }
            Err(e) => last_error = Some(e),
        }
    }
    let error = last_error.unwrap_or(DbError::Canceled);
    tracing::error!(
        outbox_id = %id,
        error = %error,
        "e-mail sent but not marked sent: it will be sent again when its claim runs out"
    );
    Err(error.into())
}

fn smtp_transport(smtp: &SmtpSettings) -> Result<SmtpTransport, MailError> {
    let host = smtp.host.trim();
    if host.is_empty() {
        return Err(MailError::Config("SMTP_HOST är tom".into()));
    }
    let builder = match smtp.tls {
        SmtpTls::None => SmtpTransport::builder_dangerous(host),
        SmtpTls::Starttls => SmtpTransport::starttls_relay(host)
            .map_err(|e| MailError::Config(format!("SMTP_TLS=starttls för {host}: {e}")))?,
        SmtpTls::Tls => SmtpTransport::relay(host)
            .map_err(|e| MailError::Config(format!("SMTP_TLS=tls för {host}: {e}")))?,
    };
    let builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    let builder = match (&smtp.username, &smtp.password) {
        (Some(user), Some(password)) => builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        )),
        (None, None) => builder,
        (Some(_), None) => {
            return Err(MailError::Config(
                "SMTP_USERNAME är satt men inte SMTP_PASSWORD".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(MailError::Config(
                "SMTP_PASSWORD är satt men inte SMTP_USERNAME".into(),
            ));
        }
    };
    Ok(builder.build())
}

/// Writes `<id>.eml` whole or not at all: a temporary file, synced, then renamed. Writing
/// the same message again replaces its file, so a repeated delivery makes no second copy.
fn write_eml(dir: &Path, id: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("outbox id {id:?} is not a file name"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{id}.eml"));
    let partial = dir.join(format!(".{id}.eml.partial"));
    {
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(
            seconds,
            [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(i32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn the_password_never_shows() {
        let settings = SmtpSettings {
            host: "smtp.example".into(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: Some("statsbidrag".into()),
            password: Some(Password::new("hemligt-lösen")),
        };
        assert!(!format!("{settings:?}").contains("hemligt"));
        let mailer = Mailer::new(&MailSettings {
            smtp: Some(settings),
            ..MailSettings::files("unused")
        });
        assert!(matches!(&mailer, Ok(m) if !format!("{m:?}").contains("hemligt")));
    }

    #[test]
    fn a_bad_sender_or_half_credentials_are_refused() {
        let bad_from = MailSettings {
            from: "inte en adress".into(),
            ..MailSettings::files("unused")
        };
        assert!(matches!(Mailer::new(&bad_from), Err(MailError::Config(_))));
        let half = MailSettings {
            smtp: Some(SmtpSettings {
                host: "smtp.example".into(),
                port: 587,
                tls: SmtpTls::None,
                username: Some("statsbidrag".into()),
                password: None,
            }),
            ..MailSettings::files("unused")
        };
        assert!(matches!(Mailer::new(&half), Err(MailError::Config(_))));
    }
}
