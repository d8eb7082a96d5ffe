//! The command line. Every option can also come from the environment.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::accounts::oidc::{OidcSettings, Secret};
use crate::accounts::session_store::{self, SessionSettings};
use crate::accounts::{self, NewAccount};
use crate::clock::{Clock, SystemClock};
use crate::db::{self, DatabaseUrl, Db};
use crate::fixtures;
use crate::generate;
use crate::mail::{self, MailSettings, Password, SmtpSettings, SmtpTls};
use crate::startup::{Application, Settings};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/statsbidrag.sqlite3";

#[derive(Debug, Parser)]
#[command(
    name = "statsbidrag",
    version,
    about = "Handläggning av statsbidrag: utlysningar, ansökningar, beslut, utbetalningar och återrapportering.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// postgres://… for PostgreSQL, sqlite://PATH for an embedded SQLite file. Its value
    /// (which may hold a password) is never shown by --help.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load reference and demo data from a fixture folder, all or nothing.
    LoadFixtures {
        /// The folder: organisations.csv, programmes.toml, calls/*.toml, demo/*.toml.
        dir: PathBuf,
        /// One password for every demo account (otherwise a random one each, printed).
        #[arg(long, env = "DEMO_PASSWORD", hide_env_values = true)]
        demo_password: Option<String>,
    },
    /// Create an account, with a password its owner chooses and types: for the operator's
    /// own first administrator account. The password is read from the first line of
    /// standard input. Everyone else is invited from the service and chooses their own
    /// password through the e-mailed link.
    CreateUser {
        #[arg(long)]
        email: String,
        /// officer, decision_maker, applicant, auditor or admin.
        #[arg(long)]
        role: String,
        /// The person's name (defaults to the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the
        /// command line, where other users can see them).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Fill a database with generated data for load tests: half the applications in an
    /// open call, half decided with payments and report-back (see src/generate.rs).
    /// Refuses a database that already has applications or accounts, unless --force.
    Generate {
        /// Applications in all (e.g. 1000 or 100000).
        #[arg(long, default_value_t = 1000)]
        applications: usize,
        /// The password of every generated account (at least 12 characters).
        #[arg(long, env = "GENERATE_PASSWORD", hide_env_values = true)]
        password: String,
        /// Add to a database that already has applications or accounts.
        #[arg(long)]
        force: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write what was made (ids, e-mail addresses, the drafts to submit) as JSON here.
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "BIND_ADDRESS", default_value = "127.0.0.1:8080")]
    pub bind_address: String,
    /// Load the demo cases and accounts when the database is empty. Default: yes on
    /// SQLite (the one-command demo), no on PostgreSQL (production), where it must be asked
    /// for.
    #[arg(long, env = "LOAD_DEMO", action = ArgAction::Set)]
    pub load_demo: Option<bool>,
    /// One password for every demo account (otherwise a random one each, printed once).
    #[arg(long, env = "DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,
    /// Mark the session cookie Secure (set when served over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false, action = ArgAction::Set)]
    pub cookie_secure: bool,
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Seconds a request waits for the database (a pooled connection, a new PostgreSQL
    /// connection, SQLite's write lock) before it is answered 503, "try again shortly".
    #[arg(
        long,
        env = "DB_TIMEOUT_SECONDS",
        default_value_t = db::DEFAULT_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=300)
    )]
    pub db_timeout_seconds: u64,
    /// Minutes without a request after which a session ends (logged out).
    #[arg(
        long,
        env = "SESSION_IDLE_MINUTES",
        default_value_t = session_store::DEFAULT_IDLE_MINUTES,
        value_parser = clap::value_parser!(u32).range(1..=24 * 60)
    )]
    pub session_idle_minutes: u32,
    /// Hours after logging in after which a session ends, however busy.
    #[arg(
        long,
        env = "SESSION_MAX_HOURS",
        default_value_t = session_store::DEFAULT_MAX_HOURS,
        value_parser = clap::value_parser!(u32).range(1..=24 * 30)
    )]
    pub session_max_hours: u32,
    /// Reverse proxies in front of the service (IP addresses, comma-separated). Only for a
    /// request from one of them is the client's address read from `X-Forwarded-For` (for
    /// throttling logins per address); otherwise the connection's own address counts.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address people use to reach the service, for links in e-mail
    /// (default: http:// and the bound address).
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The SMTP server that e-mail is handed to. Without it, e-mail is written as .eml
    /// files under OUTBOX_DIR.
    #[arg(long, env = "SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Default 587, or 465 with SMTP_TLS=tls.
    #[arg(long, env = "SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the connection to the SMTP server is protected.
    #[arg(
        long,
        env = "SMTP_TLS",
        value_enum,
        ignore_case = true,
        default_value_t = SmtpTls::Starttls
    )]
    pub smtp_tls: SmtpTls,
    #[arg(long, env = "SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Prefer the environment variable: a flag is visible to other users of the machine.
    #[arg(long, env = "SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<Password>,
    /// The sender of every message.
    #[arg(long, env = "MAIL_FROM", default_value = mail::DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// Where e-mail is written when SMTP_HOST is not set.
    #[arg(long, env = "OUTBOX_DIR", default_value = mail::DEFAULT_OUTBOX_DIR)]
    pub outbox_dir: PathBuf,
    /// The OpenID Connect provider for logging in with e-legitimation (BankID, Freja eID):
    /// its issuer identifier, exactly as in its discovery document. With OIDC_CLIENT_ID and
    /// OIDC_CLIENT_SECRET, all three or none; without them only local accounts log in.
    #[arg(long, env = "OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The service's client id at the provider.
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret. Prefer the environment variable: a flag is visible to other users
    /// of the machine.
    #[arg(long, env = "OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<Secret>,
    /// The agency's staff may log in with e-legitimation too (otherwise only applicants).
    #[arg(long, env = "OIDC_STAFF_LOGIN", default_value_t = false, action = ArgAction::Set)]
    pub oidc_staff_login: bool,
    /// Logging in with e-mail address and password; false leaves e-legitimation only (needs
    /// the OIDC_* settings).
    #[arg(long, env = "LOCAL_LOGIN", default_value_t = true, action = ArgAction::Set)]
    pub local_login: bool,
}

impl ServeArgs {
    /// The identity provider's settings, if any; a Swedish error when they are half given.
    pub fn oidc_settings(&self) -> anyhow::Result<Option<OidcSettings>> {
        OidcSettings::from_parts(
            self.oidc_issuer.as_deref(),
            self.oidc_client_id.as_deref(),
            self.oidc_client_secret.as_ref().map(Secret::expose),
            self.oidc_staff_login,
            self.local_login,
        )
        .map_err(|message| anyhow::anyhow!(message))
    }

    pub fn mail_settings(&self) -> MailSettings {
        let smtp = self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|host| !host.is_empty())
            .map(|host| SmtpSettings {
                host: host.to_string(),
                port: self.smtp_port.unwrap_or(match self.smtp_tls {
                    SmtpTls::Tls => mail::DEFAULT_SMTPS_PORT,
                    SmtpTls::None | SmtpTls::Starttls => mail::DEFAULT_SMTP_PORT,
                }),
                tls: self.smtp_tls,
                username: self.smtp_username.clone().filter(|u| !u.is_empty()),
                password: self.smtp_password.clone(),
            });
        MailSettings {
            smtp,
            from: self.mail_from.clone(),
            outbox_dir: self.outbox_dir.clone(),
            send_interval: Some(mail::DEFAULT_SEND_INTERVAL),
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database_url)?;
    match cli.command {
        None => serve(url, cli.serve).await,
        Some(Command::Serve(args)) => serve(url, *args).await,
        Some(Command::Migrate) => {
            let db = Db::connect(&url, 1)?;
            let applied = db::run_migrations(&mut *db.get()?)?;
            println!(
                "{}: {} migrering(ar) körda{}",
                url.backend_name(),
                applied.len(),
                if applied.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", applied.join(", "))
                }
            );
            Ok(())
        }
        Some(Command::LoadFixtures { dir, demo_password }) => {
            let db = Db::connect(&url, 1)?;
            let mut conn = db.get()?;
            db::run_migrations(&mut conn)?;
            let set = fixtures::read_dir(&dir)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("ingenting lästes in; databasen är oförändrad")?;
            let report = fixtures::load(
                &mut conn,
                &set,
                &fixtures::LoadOptions { demo_password },
                SystemClock.now(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("ingenting lästes in; databasen är oförändrad")?;
            print_report(&report);
            Ok(())
        }
        Some(Command::Generate {
            applications,
            password,
            force,
            seed,
            manifest,
        }) => {
            if password.chars().count() < accounts::MIN_PASSWORD_LENGTH {
                bail!("--password: minst {} tecken", accounts::MIN_PASSWORD_LENGTH);
            }
            let db = Db::connect(&url, 1)?;
            let mut conn = db.get()?;
            let options = generate::Options {
                applications,
                password,
                force,
                seed,
            };
            let report = generate::generate(&mut conn, &options, SystemClock.now())?;
            println!(
                "{}: {} ansökningar ({} utkast), {} beslut, {} utbetalningar, {} återrapporter, {} organisationer, {} konton, {} granskningshändelser på {:.1} s",
                report.backend,
                report.applications,
                report.drafts,
                report.decisions,
                report.payments,
                report.reports,
                report.organisations,
                report.accounts,
                report.audit_events,
                report.seconds
            );
            if let Some(path) = manifest {
                std::fs::write(&path, serde_json::to_string_pretty(&report)?)
                    .with_context(|| format!("kunde inte skriva {}", path.display()))?;
            }
            Ok(())
        }
        Some(Command::CreateUser {
            email,
            role,
            name,
            password_stdin: _,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("kunde inte läsa lösenordet från standard in")?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let db = Db::connect(&url, 1)?;
            let mut conn = db.get()?;
            db::run_migrations(&mut conn)?;
            let input = NewAccount {
                name: name.unwrap_or_else(|| email.clone()),
                email,
                role,
                // No one is given a role in an organisation from here either: that is the
                // ombudsansökan's and the organisation's own people's (issue 14).
                org_number: None,
                org_role: None,
                password: Some(password),
            };
            let now = SystemClock.now();
            match db::write_tx(&mut conn, |c| {
                accounts::create_account(c, None, &input, now)
            }) {
                Ok(user) => {
                    println!("Konto skapat: {} ({})", user.email, user.role.label());
                    Ok(())
                }
                Err(crate::error::AppError::Invalid(errors)) => {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| format!("  --{}: {}", e.field, e.message))
                        .collect();
                    bail!("kontot skapades inte:\n{}", lines.join("\n"))
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let mail = args.mail_settings();
    let oidc = args.oidc_settings()?;
    // Demo accounts with printed passwords belong to the embedded demo, never by default to
    // a production database.
    let load_demo = args
        .load_demo
        .unwrap_or(matches!(url, DatabaseUrl::Sqlite(_)));
    let settings = Settings {
        database_url: url,
        bind_address: args.bind_address,
        load_demo,
        load_demo_cases: true,
        public_url: args.public_url,
        demo_password: args.demo_password,
        cookie_secure: args.cookie_secure,
        db_pool_size: args.db_pool_size,
        db_timeout: std::time::Duration::from_secs(args.db_timeout_seconds),
        sessions: SessionSettings::new(args.session_idle_minutes, args.session_max_hours),
        trusted_proxies: args.trusted_proxies,
        workers: None,
        mail,
        oidc,
    };
    let clock = std::sync::Arc::new(SystemClock);
    let (app, report) = Application::build(settings, clock).await?;
    if let Some(report) = report {
        print_report(&report);
    }
    println!("Tjänsten svarar på http://{}", app.address());
    let stopped = app.run_until_stopped().await?;
    if !stopped.background_finished {
        // A background job is still inside a blocking call (a send to an SMTP server that
        // does not answer): the runtime would wait for its thread. Its message stays
        // claimed and is sent again after the claim; nothing else is lost.
        tracing::warn!("background work still running at shutdown; exiting without it");
        std::process::exit(0);
    }
    Ok(())
}

fn print_report(report: &fixtures::LoadReport) {
    println!(
        "Inläst: {} organisationer, {} bidragsprogram, {} utlysningar, {} ansökningar, {} beslut.",
        report.organisations,
        report.programmes,
        report.calls,
        report.applications,
        report.decisions
    );
    if report.logins.is_empty() {
        return;
    }
    println!();
    println!("Demokonton (lösenorden visas bara den här gången):");
    for login in &report.logins {
        let org = login
            .organisation
            .as_ref()
            .map(|o| format!(", {o}"))
            .unwrap_or_default();
        println!(
            "  {:<16} {:<42} {}   ({}{org})",
            login.role.label(),
            login.email,
            login.password,
            login.name
        );
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail_of(args: &[&str]) -> MailSettings {
        let cli = Cli::try_parse_from(std::iter::once("statsbidrag").chain(args.iter().copied()));
        match cli {
            Ok(cli) => cli.serve.mail_settings(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn smtp_settings_from_flags() {
        let mail = mail_of(&[
            "--smtp-host",
            "smtp.myndighet.example",
            "--smtp-tls",
            "tls",
            "--smtp-username",
            "statsbidrag",
            "--smtp-password",
            "hemligt",
            "--outbox-dir",
            "/var/lib/statsbidrag/outbox",
        ]);
        let smtp = mail.smtp.as_ref().map(|s| (s.host.as_str(), s.port, s.tls));
        assert_eq!(smtp, Some(("smtp.myndighet.example", 465, SmtpTls::Tls)));
        assert_eq!(
            mail.smtp.and_then(|s| s.password),
            Some(Password::new("hemligt"))
        );
        assert_eq!(
            mail.outbox_dir,
            PathBuf::from("/var/lib/statsbidrag/outbox")
        );

        let mail = mail_of(&["--smtp-host", "smtp.example", "--smtp-tls", "STARTTLS"]);
        let smtp = mail.smtp.as_ref().map(|s| (s.port, s.tls));
        assert_eq!(smtp, Some((587, SmtpTls::Starttls)));
    }

    #[test]
    fn without_smtp_host_mail_goes_to_files() {
        let mail = mail_of(&["--smtp-host", " "]);
        assert!(mail.smtp.is_none());
        assert!(mail.send_interval.is_some());
    }
}
