//! Building the running service: database ready, server bound, middleware in place.

use std::net::{SocketAddr, TcpListener};

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use rand::RngCore;
use tracing_actix_web::TracingLogger;

use crate::accounts::session_store::{DbSessionStore, SessionSettings};
use crate::clock::SharedClock;
use crate::db::{self, DatabaseUrl, Db, DbError};
use crate::fixtures::{self, FixtureError, LoadOptions, LoadReport};
use crate::http::AppState;
use crate::mail::{MailError, MailSettings, Mailer};
use crate::web::FormKeySecret;

/// The session cookie's name (the page about cookies names it too).
pub const SESSION_COOKIE: &str = "statsbidrag_session";

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind_address: String,
    pub load_demo: bool,
    /// With `load_demo`: also the 2020 call and its cases (otherwise organisations,
    /// programmes and accounts only).
    pub load_demo_cases: bool,
    /// Where people reach the service, for links in e-mail (default: the bound address).
    pub public_url: Option<String>,
    pub demo_password: Option<String>,
    pub cookie_secure: bool,
    pub db_pool_size: u32,
    /// How long a request waits for the database before it is answered 503
    /// (`DB_TIMEOUT_SECONDS`).
    pub db_timeout: std::time::Duration,
    /// Idle and absolute session lifetimes.
    pub sessions: SessionSettings,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login throttling).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Worker threads; actix's default (one per core) when `None`.
    pub workers: Option<usize>,
    /// E-mail delivery: SMTP or files, the sender, the background sender's interval.
    pub mail: MailSettings,
    /// Logging in with e-legitimation through an OpenID Connect provider (`OIDC_*`,
    /// `LOCAL_LOGIN`); `None`: local accounts only.
    pub oidc: Option<crate::accounts::oidc::OidcSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("fixturerna: {0}")]
    Fixtures(#[from] FixtureError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("kan inte lyssna på {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    address: SocketAddr,
    server: Server,
    db: Db,
    /// The mail sender and the reminder job, when mail is sent in the background.
    background: Vec<actix_web::rt::task::JoinHandle<()>>,
    shutdown: crate::jobs::Shutdown,
}

/// How long a stopping service waits for its background jobs to reach the end of a chunk.
pub const BACKGROUND_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// How the service stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Every background job ended within [`BACKGROUND_GRACE`]. When not (an SMTP server
    /// that does not answer holds a send for up to its timeouts), the caller should end the
    /// process without waiting for the job's thread: the runtime would wait for it.
    pub background_finished: bool,
}

impl Application {
    /// Connects, migrates, loads the fixtures into an empty database, and binds the
    /// server. Returns what was loaded, if anything, so that the caller can print the demo
    /// logins once.
    pub async fn build(
        settings: Settings,
        clock: SharedClock,
    ) -> Result<(Application, Option<LoadReport>), StartupError> {
        // Bad mail settings, or an agency file that does not read, stop the start before
        // anything is touched.
        let mailer = Mailer::new(&settings.mail)?;
        crate::agency::check()
            .map_err(|e| StartupError::Other(format!("fixtures/agency.toml: {e}")))?;
        let db = Db::connect_with_timeout(
            &settings.database_url,
            settings.db_pool_size,
            settings.db_timeout,
        )?;
        let prepared = {
            let db = db.clone();
            let settings = settings.clone();
            let now = clock.now();
            actix_web::rt::task::spawn_blocking(move || prepare_database(&db, &settings, now))
                .await
                .map_err(|e| StartupError::Other(format!("start-up task: {e}")))??
        };
        let (report, key, form_key_secret) = prepared;
        let form_key_secret = web::Data::new(form_key_secret);
        let listener =
            TcpListener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let oidc = match &settings.oidc {
            Some(oidc) => Some(std::sync::Arc::new(
                oidc_provider(&db, oidc, &public_url, clock.now()).await?,
            )),
            None => None,
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            clock: clock.clone(),
            agency_name: crate::agency::agency().name.clone(),
            links: crate::outbox::Links::new(&public_url),
            oidc,
            login_throttle: std::sync::Arc::new(crate::accounts::throttle::Throttle::default()),
            trusted_proxies: settings.trusted_proxies.clone().into(),
            sessions: settings.sessions,
        });
        let (reminder_links, agency_name) = (state.links.clone(), state.agency_name.clone());
        let session_store = DbSessionStore::new(db.clone(), clock.clone(), settings.sessions);
        let session_idle =
            actix_web::cookie::time::Duration::seconds(settings.sessions.idle.num_seconds());
        let cookie_secure = settings.cookie_secure;
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(
                    SessionMiddleware::builder(session_store.clone(), key.clone())
                        .cookie_name(SESSION_COOKIE.to_string())
                        .cookie_http_only(true)
                        .cookie_secure(cookie_secure)
                        .cookie_same_site(SameSite::Lax)
                        .cookie_content_security(CookieContentSecurity::Private)
                        // The store decides the idle and absolute ends and extends a
                        // session at most every few minutes (`session_store`); actix-session
                        // writes only when the session's contents change.
                        .session_lifecycle(
                            BrowserSession::default()
                                .state_ttl(session_idle)
                                .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                        )
                        .build(),
                )
                .wrap(actix_web::middleware::from_fn(
                    crate::http::session_unavailable,
                ))
                // Outside the session: a request with characters no text may have is
                // answered before its session is even loaded.
                .wrap(actix_web::middleware::from_fn(crate::input_guard::guard))
                .wrap(TracingLogger::<crate::request_log::RedactedRootSpan>::new())
                .wrap(actix_web::middleware::from_fn(move |req, next| {
                    crate::headers::add(cookie_secure, req, next)
                }))
                .app_data(state.clone())
                .app_data(form_key_secret.clone())
                .app_data(crate::web::form_config())
                .route("/healthz", web::get().to(crate::health::liveness))
                .route("/readyz", web::get().to(crate::health::readiness))
                .configure(crate::api::routes)
                .configure(crate::web::routes)
                .default_service(web::to(not_found_page))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(delivery = %mailer.describe(), "e-mail delivery");
        // Background jobs stop between chunks once the server has stopped (see `jobs`).
        let shutdown = crate::jobs::Shutdown::default();
        let mut background = Vec::new();
        if let Some(interval) = settings.mail.send_interval {
            background.push(crate::mail::spawn_sender(
                db.clone(),
                clock.clone(),
                mailer,
                interval,
                shutdown.clone(),
            ));
            // Report-back reminders go out with the mail: at start and hourly, where mail is
            // sent in the background at all (tests run `reports::reminders::run` with their
            // own clock). With several instances one of them runs each round (a lease).
            background.push(crate::reports::reminders::spawn(
                db.clone(),
                clock.clone(),
                reminder_links.clone(),
                agency_name.clone(),
                std::time::Duration::from_secs(3600),
                shutdown.clone(),
            ));
            // The notifications of issue 16 (digests, draft and repayment reminders, report
            // opening) on the same hourly tick, under a lease of their own.
            background.push(crate::notifications::spawn(
                db.clone(),
                clock.clone(),
                reminder_links,
                agency_name,
                std::time::Duration::from_secs(3600),
                shutdown.clone(),
            ));
        }
        Ok((
            Application {
                address,
                server: server.run(),
                db,
                background,
                shutdown,
            },
            report,
        ))
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until the server stops (SIGTERM, SIGINT); then asks the background jobs to
    /// stop and waits for them a little (a job stops at the end of its current chunk, a
    /// message being sent is finished and marked).
    pub async fn run_until_stopped(self) -> std::io::Result<Stopped> {
        let result = self.server.await;
        self.shutdown.request();
        let deadline = actix_web::rt::time::Instant::now() + BACKGROUND_GRACE;
        let mut background_finished = true;
        for job in self.background {
            let left = deadline.saturating_duration_since(actix_web::rt::time::Instant::now());
            if actix_web::rt::time::timeout(left, job).await.is_err() {
                background_finished = false;
            }
        }
        result.map(|()| Stopped {
            background_finished,
        })
    }

    /// The flag that stops the background jobs (set when the server stops).
    pub fn shutdown(&self) -> crate::jobs::Shutdown {
        self.shutdown.clone()
    }
}

/// Migrations, fixtures on an empty database, the session signing key and the form key
/// secret (each made once and kept in the database, so that a restart logs no one out and
/// loses no kept form).
pub fn prepare_database(
    db: &Db,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Option<LoadReport>, Key, FormKeySecret), StartupError> {
    let mut conn = db.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    let empty = db::organisations::count(&mut conn).map_err(DbError::from)? == 0
        && db::accounts::count(&mut conn).map_err(DbError::from)? == 0;
    let report = if empty {
        let mut set = fixtures::embedded()?;
        if !settings.load_demo {
            set = set.without_demo();
        } else if !settings.load_demo_cases {
            set = set.without_calls();
        }
        let options = LoadOptions {
            demo_password: settings.demo_password.clone(),
        };
        Some(fixtures::load(&mut conn, &set, &options, now)?)
    } else {
        None
    };
    let secret = db::secrets::get_or_create(&mut conn, "session_key", now.naive_utc(), || {
        let mut bytes = [0u8; 64];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    })
    .map_err(DbError::from)?;
    let bytes =
        hex::decode(secret).map_err(|e| StartupError::Other(format!("stored session key: {e}")))?;
    let key = Key::try_from(bytes.as_slice())
        .map_err(|e| StartupError::Other(format!("stored session key: {e}")))?;
    let form_secret = db::secrets::get_or_create(&mut conn, "form_key", now.naive_utc(), || {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    })
    .map_err(DbError::from)?;
    let form_secret = hex::decode(form_secret)
        .map_err(|e| StartupError::Other(format!("stored form key secret: {e}")))?;
    Ok((report, key, FormKeySecret(form_secret)))
}

/// The identity provider's handle (nothing is fetched from it until the first login) with
/// the key that recognises people's numbers, made once and kept in the database.
async fn oidc_provider(
    db: &Db,
    settings: &crate::accounts::oidc::OidcSettings,
    public_url: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::accounts::oidc::Provider, StartupError> {
    let key = db
        .run(move |c| crate::accounts::people::recognition_key(c, now))
        .await
        .map_err(|e| StartupError::Other(format!("nyckeln för personnummer: {e}")))?;
    let provider = crate::accounts::oidc::Provider::new(settings.clone(), public_url, key)
        .map_err(StartupError::Other)?;
    tracing::info!(
        issuer = %settings.issuer,
        redirect_uri = provider.redirect_uri(),
        staff_login = settings.staff_login,
        local_login = settings.local_login,
        "e-legitimation (OpenID Connect)"
    );
    Ok(provider)
}

async fn not_found_page() -> Result<HttpResponse, crate::web::WebError> {
    Err(crate::error::AppError::NotFound.into())
}
