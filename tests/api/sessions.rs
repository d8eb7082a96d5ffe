//! Session lifetimes through HTTP: an idle end (30 minutes) and an absolute end (12 hours)
//! by default, changed by the settings; a form posted after the end keeps its text; a
//! session is not written on every request, so a logged-in read neither waits for SQLite's
//! write lock nor fails when the sessions table cannot be written, and a committed action
//! keeps its answer when the session write after it fails.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use statsbidrag::accounts::session_store::SessionSettings;
use statsbidrag::startup::Settings;

use crate::helpers::{PASSWORD, SKANE, TestApp, csrf_from, execute, spawn_configured_at};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The demo in February 2022 (the 2021 payments made, the 2021 reports open), with the
/// sessions as `sessions` says and the rest of the settings as `edit` says.
pub async fn app_in_2022(sessions: SessionSettings, edit: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured_at(at("2022-02-01T09:00:00Z"), |settings| {
        settings.sessions = sessions;
        edit(settings);
    })
    .await
}

/// Region Skåne logged in (page and API share the cookie) with its 2021 report started:
/// the report's id and the API's CSRF token.
pub async fn skane_with_a_report(app: &TestApp) -> (String, String) {
    app.login(SKANE).await;
    let csrf = app.api_login(SKANE).await;
    let (status, slots) = app.get_json("/api/v1/reports").await;
    assert_eq!(status, 200, "{slots}");
    let slot = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["year"] == 2021)
        .unwrap()
        .clone();
    let (status, report) = app
        .post_json(
            &csrf,
            "/api/v1/reports",
            json!({"decision_id": slot["decision_id"], "year": 2021}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    (report["id"].as_str().unwrap().to_string(), csrf)
}

/// The children counted in the report's newest version, as stored.
pub async fn children_total(app: &TestApp, id: &str) -> Value {
    let (status, report) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 200, "{report}");
    report["versions"]
        .as_array()
        .unwrap()
        .last()
        .map(|v| v["children_total"].clone())
        .unwrap_or(Value::Null)
}

async fn logged_in(app: &TestApp) -> bool {
    let (status, body) = app.get_json("/api/v1/me").await;
    assert!(status == 200 || status == 401, "{status} {body}");
    status == 200
}

fn advance(app: &TestApp, by: chrono::Duration) {
    app.clock.set(app.clock_now() + by);
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

fn session_ends(app: &TestApp) -> Vec<NaiveDateTime> {
    use statsbidrag::db::schema::sessions;
    sessions::table
        .select(sessions::expires_at)
        .load(&mut *app.conn())
        .unwrap()
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in page"))
        + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

fn url_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[actix_web::test]
async fn thirty_idle_minutes_end_the_session_and_a_form_posted_then_keeps_its_text() {
    let app = app_in_2022(SessionSettings::default(), |_| {}).await;
    let (id, _) = skane_with_a_report(&app).await;
    let edit = format!("/aterrapporter/{id}/redigera");
    let (status, page) = app.get_text(&edit).await;
    assert_eq!(status, 200);
    let (csrf, form_key) = (csrf_from(&page), hidden(&page, "form_key"));

    // Used within the idle time, the session lives on, past its first 30 minutes.
    advance(&app, minutes(29));
    assert!(logged_in(&app).await);
    advance(&app, minutes(29));
    assert!(logged_in(&app).await, "58 minutes after login, used at 29");

    // Then 30 minutes without a request: logged out.
    advance(&app, minutes(30));
    assert!(!logged_in(&app).await, "30 idle minutes end the session");
    let (status, _) = app.get_text(&edit).await;
    assert_eq!(status, 303, "the report page asks for a login");

    // The form typed meanwhile is posted now: kept, and given back after logging in.
    let response = app
        .client
        .post(app.url(&edit))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("form_key", form_key.as_str()),
            // The counts: the 2020 call's counts field, number 1 of its report-back form.
            ("answers.1.total", "31"),
            ("staff_fte", "2,5"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let target = location(&response);
    let next = url_decode(target.strip_prefix("/logga-in?next=").unwrap());
    assert!(next.starts_with(&format!("{edit}?aterstall=")), "{next}");
    let (_, login_page) = app.get_text(&target).await;
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&login_page).as_str()),
            ("email", SKANE),
            ("password", PASSWORD),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let (status, page) = app.get_text(&next).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Du blev utloggad innan texten sparades"),
        "{page}"
    );
    assert!(page.contains("value=\"31\""), "the typed count is back");
    assert!(page.contains("value=\"2,5\""));
    // Nothing was saved while logged out.
    assert_eq!(children_total(&app, &id).await, Value::Null);
}

#[actix_web::test]
async fn twelve_hours_end_a_session_however_busy() {
    let app = app_in_2022(SessionSettings::default(), |_| {}).await;
    app.login(SKANE).await;
    // A request every 20 minutes for 11 h 40 min: still logged in.
    for _ in 0..35 {
        advance(&app, minutes(20));
        assert!(logged_in(&app).await, "at {}", app.clock_now());
    }
    advance(&app, minutes(21));
    assert!(!logged_in(&app).await, "12 hours after login");
    // Logging in again starts a new 12 hours.
    app.login(SKANE).await;
    assert!(logged_in(&app).await);
}

#[actix_web::test]
async fn the_settings_change_the_idle_and_the_absolute_end() {
    let app = app_in_2022(SessionSettings::new(10, 2), |_| {}).await;
    app.login(SKANE).await;
    advance(&app, minutes(9));
    assert!(logged_in(&app).await);
    advance(&app, minutes(11));
    assert!(!logged_in(&app).await, "10 idle minutes");

    app.login(SKANE).await;
    for _ in 0..14 {
        advance(&app, minutes(8));
        assert!(logged_in(&app).await);
    }
    // 1 h 52 min so far; 2 hours after login the session ends in use.
    advance(&app, minutes(9));
    assert!(!logged_in(&app).await, "2 hours after login");
}

#[actix_web::test]
async fn logged_in_requests_write_the_session_at_most_every_five_minutes() {
    let app = app_in_2022(SessionSettings::default(), |_| {}).await;
    app.login(SKANE).await;
    let ends = session_ends(&app);
    assert_eq!(ends.len(), 1, "{ends:?}");
    let login_end = ends[0];
    assert_eq!(login_end, (app.clock_now() + minutes(30)).naive_utc());

    // Twenty pages and API reads within five minutes: the session row is not written.
    for i in 0..20 {
        advance(&app, chrono::Duration::seconds(15));
        let path = if i % 2 == 0 { "/" } else { "/api/v1/me" };
        let (status, _) = app.get_text(path).await;
        assert_eq!(status, 200);
    }
    assert_eq!(session_ends(&app), vec![login_end], "no write for reads");

    // Past five minutes, the next request extends it, once.
    advance(&app, minutes(1));
    assert!(logged_in(&app).await);
    let extended = (app.clock_now() + minutes(30)).naive_utc();
    assert_eq!(session_ends(&app), vec![extended]);
    advance(&app, minutes(1));
    assert!(logged_in(&app).await);
    assert_eq!(session_ends(&app), vec![extended]);
}

/// Makes the sessions table refuse new and changed rows, as a full disk or a broken table
/// would. (Deleting stays possible: a password change ends the person's other sessions in
/// its own transaction.)
fn refuse_session_writes(app: &TestApp) {
    let mut conn = app.conn();
    if app.test_db.is_postgres() {
        execute(
            &mut conn,
            "CREATE FUNCTION refuse_session_write() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'sessions cannot be written'; END $$ LANGUAGE plpgsql",
        )
        .unwrap();
        execute(
            &mut conn,
            "CREATE TRIGGER sessions_read_only BEFORE INSERT OR UPDATE ON sessions \
             FOR EACH ROW EXECUTE FUNCTION refuse_session_write()",
        )
        .unwrap();
    } else {
        for event in ["INSERT", "UPDATE"] {
            execute(
                &mut conn,
                &format!(
                    "CREATE TRIGGER sessions_no_{event} BEFORE {event} ON sessions \
                     BEGIN SELECT RAISE(ABORT, 'sessions cannot be written'); END"
                ),
            )
            .unwrap();
        }
    }
}

#[actix_web::test]
async fn a_committed_action_keeps_its_answer_when_the_session_cannot_be_written() {
    let app = app_in_2022(SessionSettings::default(), |_| {}).await;
    let (id, csrf) = skane_with_a_report(&app).await;
    let edit = format!("/aterrapporter/{id}/redigera");
    let (_, page) = app.get_text(&edit).await;
    let page_csrf = csrf_from(&page);
    refuse_session_writes(&app);
    // Due for extension: the extension fails, the requests do not.
    advance(&app, minutes(10));

    // An API save: its ordinary answer, and stored.
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            json!({"children_total": "17"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(children_total(&app, &id).await, json!(17));

    // A page save: its ordinary redirect, and stored.
    let response = app
        .client
        .post(app.url(&edit))
        .form(&[
            ("csrf_token", page_csrf.as_str()),
            ("answers.1.total", "19"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "page save");
    assert_eq!(children_total(&app, &id).await, json!(19));

    // A password change renews the session key: the change is made and answered as
    // such although the new session cannot be stored.
    let new_password = "ett-helt-nytt-lösenord-2022";
    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": new_password,
                   "new_password_again": new_password}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let other = crate::helpers::new_client();
    let response = other
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": SKANE, "password": new_password}))
        .send()
        .await
        .unwrap();
    // The new password is in force (the login itself cannot store its session, but it
    // answers as a login).
    assert_eq!(response.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_logged_in_read_does_not_wait_for_the_sqlite_write_lock() {
    let app = app_in_2022(SessionSettings::default(), |settings| {
        settings.db_timeout = Duration::from_secs(10);
    })
    .await;
    if app.test_db.is_postgres() {
        return; // SQLite's single writer only.
    }
    app.login(SKANE).await;
    // Due for extension, which must not wait for the lock either.
    advance(&app, minutes(10));
    let statsbidrag::db::DatabaseUrl::Sqlite(path) = app.test_db.database_url() else {
        return;
    };
    let mut writer = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    diesel::sql_query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .unwrap();
    let started = Instant::now();
    let (status, page) = app.get_text("/").await;
    assert_eq!(status, 200, "{page}");
    assert!(logged_in(&app).await);
    let (status, _) = app.get_text("/aterrapporter").await;
    assert_eq!(status, 200);
    let waited = started.elapsed();
    diesel::sql_query("ROLLBACK").execute(&mut writer).unwrap();
    // The busy timeout is 10 s: reads that waited for the lock would take that long.
    assert!(waited < Duration::from_secs(5), "reads waited {waited:?}");
}

/// Logs a browser of its own in through the API.
async fn other_browser(app: &TestApp) -> reqwest::Client {
    let client = crate::helpers::new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": SKANE, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    client
}

async fn logged_in_with(app: &TestApp, client: &reqwest::Client) -> bool {
    let status = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert!(status == 200 || status == 401, "{status}");
    status == 200
}

#[actix_web::test]
async fn a_new_password_ends_the_persons_other_sessions_found_by_owner_or_by_text() {
    use statsbidrag::db::schema::sessions;
    let app = app_in_2022(SessionSettings::default(), |_| {}).await;
    let csrf = app.api_login(SKANE).await;
    let (second, third) = (other_browser(&app).await, other_browser(&app).await);
    // Each session row names its person.
    let owners: Vec<Option<String>> = sessions::table
        .select(sessions::user_id)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(owners.len(), 3, "{owners:?}");
    assert!(
        owners.iter().all(|o| o.is_some() && *o == owners[0]),
        "{owners:?}"
    );
    // Sessions as stored before sessions had an owner column: found by their text.
    diesel::update(sessions::table)
        .set(sessions::user_id.eq(None::<String>))
        .execute(&mut *app.conn())
        .unwrap();

    let new_password = "ett-helt-nytt-lösenord-2022";
    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": new_password,
                   "new_password_again": new_password}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert!(!logged_in_with(&app, &second).await);
    assert!(!logged_in_with(&app, &third).await);
    assert!(logged_in(&app).await, "the changing session goes on");
}
