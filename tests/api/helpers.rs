//! The test harness: every test gets its own database (a temporary SQLite file, or a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` names a server) and the real application on
//! a free port, with the demo fixtures loaded and a clock that stands still.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use statsbidrag::accounts::session_store::SessionSettings;
use statsbidrag::clock::ManualClock;
use statsbidrag::db::{DatabaseUrl, Db, DbConnection};
use statsbidrag::mail::{MailSettings, SmtpSettings, SmtpTls};
use statsbidrag::startup::{Application, Settings};

/// Every demo account gets this password in tests.
pub const PASSWORD: &str = "testlösenord-för-demo";

pub const OFFICER: &str = "handlaggare@socialstyrelsen.example";
pub const AUDITOR: &str = "revisor@revision.example";
pub const ADMIN: &str = "admin@socialstyrelsen.example";
pub const SKANE: &str = "sokande@skane.example";
pub const VGR: &str = "sokande@vgregion.example";

/// A database of its own, removed when dropped.
pub struct TestDb {
    pub url: String,
    pg_admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                let name = format!("sbtest_{}", uuid_simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL {admin_url}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("TEST_DATABASE_URL ends with /DATABASE");
                TestDb {
                    url: format!("{base}/{name}"),
                    pg_admin: Some((admin_url, name)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("test.sqlite3");
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    pg_admin: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg_admin.is_some()
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url).expect("test database url")
    }

    pub fn connect(&self) -> Db {
        Db::connect(&self.database_url(), 4).expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_admin
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

fn uuid_simple() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// 2020-06-30 16:00 in Stockholm: the afternoon the 2020 decisions were made.
pub fn decision_day() -> DateTime<Utc> {
    "2020-06-30T14:00:00Z".parse().expect("time")
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    pub test_db: TestDb,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

/// Organisations, programmes and the demo accounts, but no call and no case: for replaying
/// the grant from its first step.
pub async fn spawn_app_without_cases() -> TestApp {
    spawn(true, false).await
}

pub async fn spawn_app_with(load_demo: bool) -> TestApp {
    spawn(load_demo, true).await
}

async fn spawn(load_demo: bool, load_demo_cases: bool) -> TestApp {
    spawn_with_mail(load_demo, load_demo_cases, None).await
}

/// Reference data only (no demo accounts or cases), e-mail as `mail` says.
pub async fn spawn_app_with_mail(mail: MailSettings) -> TestApp {
    spawn_with_mail(false, false, Some(mail)).await
}

/// An app whose e-mail goes over SMTP, without TLS, to a test listener on 127.0.0.1:`port`.
/// No background sender: the test runs its rounds with `mail::deliver_due`.
pub async fn spawn_app_with_smtp(port: u16) -> (TestApp, MailSettings) {
    let mail = smtp_mail_settings(port);
    (spawn_app_with_mail(mail.clone()).await, mail)
}

pub fn smtp_mail_settings(port: u16) -> MailSettings {
    MailSettings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        }),
        from: statsbidrag::mail::DEFAULT_MAIL_FROM.into(),
        // Not used with SMTP; never ./data.
        outbox_dir: std::env::temp_dir().join("statsbidrag-test-outbox-unused"),
        send_interval: None,
    }
}

/// E-mail in tests unless a test asks otherwise: no SMTP, files in the test's own temp dir
/// (beside the SQLite file; on PostgreSQL a fresh path under the system temp dir, made
/// only if something is written), and no background sender, so that the outbox stays as
/// the events left it until a test delivers with `mail::deliver_due`.
fn default_test_mail(test_db: &TestDb) -> MailSettings {
    let dir: PathBuf = match test_db.database_url() {
        DatabaseUrl::Sqlite(path) => path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir),
        DatabaseUrl::Postgres(_) => {
            std::env::temp_dir().join(format!("statsbidrag-test-{}", uuid_simple()))
        }
    };
    MailSettings {
        send_interval: None,
        ..MailSettings::files(dir.join("outbox"))
    }
}

async fn spawn_with_mail(
    load_demo: bool,
    load_demo_cases: bool,
    mail: Option<MailSettings>,
) -> TestApp {
    spawn_configured(|settings| {
        settings.load_demo = load_demo;
        settings.load_demo_cases = load_demo_cases;
        if let Some(mail) = mail {
            settings.mail = mail;
        }
    })
    .await
}

/// The demo loaded with the clock at `now` (the demo shows as past only what is past then).
pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    spawn_configured_at(now, |_| {}).await
}

/// Sessions in the test harness: an idle time of 8 hours (the service's default is 30
/// minutes), because the stories move the clock by hours between one click and the next
/// (drafted at 20:00, sent in at midnight) to test deadlines, not sessions. The tests of
/// session lifetimes (`sessions.rs`) set the service's defaults or their own.
pub fn story_sessions() -> SessionSettings {
    SessionSettings::new(8 * 60, 12)
}

/// The demo app with settings changed by `edit` (which starts from the defaults above).
pub async fn spawn_configured(edit: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured_at(decision_day(), edit).await
}

/// As [`spawn_configured`], with the clock (and the demo's load day) at `now`.
pub async fn spawn_configured_at(now: DateTime<Utc>, edit: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = TestDb::new();
    let clock = ManualClock::new(now);
    let mut settings = Settings {
        database_url: test_db.database_url(),
        bind_address: "127.0.0.1:0".into(),
        load_demo: true,
        load_demo_cases: true,
        public_url: Some("https://statsbidrag.example".into()),
        demo_password: Some(PASSWORD.into()),
        cookie_secure: false,
        db_pool_size: 4,
        db_timeout: statsbidrag::db::DEFAULT_TIMEOUT,
        sessions: story_sessions(),
        trusted_proxies: Vec::new(),
        workers: Some(1),
        mail: default_test_mail(&test_db),
        oidc: None,
    };
    edit(&mut settings);
    let (app, _report) = Application::build(settings, Arc::new(clock.clone()))
        .await
        .expect("build app");
    let address = format!("http://{}", app.address());
    let db = app.db().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        clock,
        client: new_client(),
        test_db,
    }
}

/// A browser of its own: cookies kept, redirects not followed (tests look at them).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the first hidden `csrf_token` field in a page.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a csrf_token field") + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end].to_string()
}

/// Amounts in pages use no-break spaces; tests write them with ordinary ones.
pub fn nbsp(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// Logs in through the login form, as a person would. Returns the status of the POST.
    pub async fn login_as(&self, email: &str, password: &str) -> reqwest::Response {
        let (_, page) = self.get_text("/logga-in").await;
        let csrf = csrf_from(&page);
        self.client
            .post(self.url("/logga-in"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("POST /logga-in")
    }

    pub async fn login(&self, email: &str) {
        let response = self.login_as(email, PASSWORD).await;
        assert_eq!(response.status().as_u16(), 303, "login of {email} failed");
    }

    /// Logs in through the API; returns the CSRF token for writes.
    pub async fn api_login(&self, email: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("POST /api/v1/session");
        assert_eq!(response.status().as_u16(), 200, "API login of {email}");
        let body: serde_json::Value = response.json().await.expect("json");
        body["csrf_token"].as_str().expect("csrf_token").to_string()
    }

    /// The 2020 call's id, read from the public API.
    pub async fn call_id(&self) -> String {
        let (status, calls) = self.get_json("/api/v1/calls").await;
        assert_eq!(status, 200);
        calls[0]["id"].as_str().expect("a call").to_string()
    }

    /// The id of an organisation's application, straight from the database.
    pub fn application_id_of(&self, org_number: &str) -> String {
        let mut conn = self.db.get().expect("connection");
        let org = statsbidrag::db::organisations::find_by_number(&mut conn, org_number)
            .expect("query")
            .expect("organisation");
        statsbidrag::db::applications::list_with_organisation(&mut conn, None, Some(&org.id))
            .expect("query")
            .into_iter()
            .next()
            .expect("an application")
            .0
            .id
    }

    pub fn conn(&self) -> statsbidrag::db::PooledConnection {
        self.db.get().expect("connection")
    }

    /// Audit entries of an action, newest first.
    pub fn audit_events(&self, action: &str) -> Vec<statsbidrag::db::audit::AuditEvent> {
        let mut conn = self.conn();
        statsbidrag::db::audit::list(
            &mut conn,
            &statsbidrag::db::audit::AuditFilter {
                action: Some(action.to_string()),
                ..Default::default()
            },
            1000,
            0,
        )
        .expect("audit query")
    }
}

/// Runs a raw statement, for tests of what the database itself refuses.
pub fn execute(conn: &mut DbConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn)
}

impl TestApp {
    /// POSTs JSON with the CSRF token; the status and the JSON answer (null if none).
    pub async fn post_json(
        &self,
        csrf: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("X-CSRF-Token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// PUTs JSON with the CSRF token; the status and the JSON answer (null if none).
    pub async fn put_json(
        &self,
        csrf: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .put(self.url(path))
            .header("X-CSRF-Token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}

impl TestApp {
    pub fn clock_now(&self) -> DateTime<Utc> {
        use statsbidrag::clock::Clock;
        self.clock.now()
    }
}

/// The demo data with e-mail over SMTP to a test listener (no background sender).
pub async fn spawn_demo_app_with_smtp(port: u16) -> (TestApp, MailSettings) {
    let mail = smtp_mail_settings(port);
    (spawn_with_mail(true, true, Some(mail.clone())).await, mail)
}

/// A second service instance on `app`'s database (as behind a load balancer), with the
/// same clock and the settings of `spawn_configured` changed by `edit`; its mail goes to a
/// directory of its own. Dropping it leaves the database alone: `app` owns it.
pub async fn spawn_instance_beside(app: &TestApp, edit: impl FnOnce(&mut Settings)) -> TestApp {
    let alias = TestDb {
        url: app.test_db.url.clone(),
        pg_admin: None,
        _dir: None,
    };
    let mut settings = Settings {
        database_url: alias.database_url(),
        bind_address: "127.0.0.1:0".into(),
        load_demo: true,
        load_demo_cases: true,
        public_url: Some("https://statsbidrag.example".into()),
        demo_password: Some(PASSWORD.into()),
        cookie_secure: false,
        db_pool_size: 4,
        db_timeout: statsbidrag::db::DEFAULT_TIMEOUT,
        sessions: story_sessions(),
        trusted_proxies: Vec::new(),
        workers: Some(1),
        mail: MailSettings {
            send_interval: None,
            ..MailSettings::files(
                std::env::temp_dir().join(format!("statsbidrag-test-{}", uuid_simple())),
            )
        },
        oidc: None,
    };
    edit(&mut settings);
    let (instance, _report) = Application::build(settings, Arc::new(app.clock.clone()))
        .await
        .expect("build second instance");
    let address = format!("http://{}", instance.address());
    let db = instance.db().clone();
    actix_web::rt::spawn(instance.run_until_stopped());
    TestApp {
        address,
        db,
        clock: app.clock.clone(),
        client: new_client(),
        test_db: alias,
    }
}

/// An open call (2020-10-01 to its last day 2020-10-25, one question, one cost category,
/// 2021 under a ceiling of 1 000 000 kr), made and published directly by the officer: for
/// the tests whose subject is not the call forms (they have tests of their own).
pub fn october_call(app: &TestApp, code: &str, title: &str, description: &str) -> String {
    use statsbidrag::calls::edit::{self, CallInput, CallYearInput, CategoryInput, SectionInput};
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, OFFICER)
        .unwrap()
        .unwrap();
    let officer = statsbidrag::accounts::load_actor(&mut conn, &user.id)
        .unwrap()
        .unwrap();
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: code.into(),
        title: title.into(),
        description: description.into(),
        opens_on: "2020-10-01".into(),
        last_day: "2020-10-25".into(),
        max_recipients: "4".into(),
        payment_month: "1".into(),
        report_due_month: "3".into(),
        report_due_day: "1".into(),
        eligible_kinds: vec!["region".into()],
        years: vec![CallYearInput {
            year: "2021".into(),
            ceiling: "1000000".into(),
        }],
        sections: vec![SectionInput {
            title: "Plan".into(),
            required: "true".into(),
            max_length: "1000".into(),
            ..Default::default()
        }],
        cost_categories: vec![CategoryInput {
            code: "personal".into(),
            name: "Personal".into(),
        }],
        ..Default::default()
    };
    let now: DateTime<Utc> = "2020-10-02T08:00:00Z".parse().unwrap();
    let call = edit::create(&mut conn, &officer, &input, now).unwrap();
    edit::publish(&mut conn, &officer, &call.id, now).unwrap();
    call.id
}
