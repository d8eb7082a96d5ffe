//! The database out of reach: requests answer 503 within seconds, in Swedish, as a page or
//! problem JSON, with Retry-After; and the service recovers by itself when the database is
//! back. On PostgreSQL the connection is cut by a TCP forwarder between the service and the
//! server; on SQLite another connection holds the write lock beyond the busy timeout.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;
use statsbidrag::accounts::session_store::SessionSettings;
use statsbidrag::db::DatabaseUrl;

use crate::helpers::{TestApp, csrf_from};
use crate::sessions::{app_in_2022, children_total, skane_with_a_report};

const UNAVAILABLE: &str = "Tjänsten är tillfälligt otillgänglig";

/// Forwards TCP connections from a local port to `upstream` until cut; while cut, every
/// open connection is closed and new ones are closed at once (as a server that went away).
struct Forwarder {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Forwarder {
    fn start(upstream: &str) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream.to_string();
        let (cut_flag, open_list) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if cut_flag.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                {
                    let mut open = open_list.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Forwarder { port, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// A request's status, body and Retry-After, and how long it took.
async fn timed_get(app: &TestApp, path: &str) -> (u16, String, Option<String>, Duration) {
    let started = Instant::now();
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.text().await.unwrap();
    (status, body, retry_after, started.elapsed())
}

async fn assert_unavailable(app: &TestApp, path: &str, json: bool) {
    let (status, body, retry_after, took) = timed_get(app, path).await;
    assert_eq!(status, 503, "{path}: {body}");
    assert!(body.contains(UNAVAILABLE), "{path}: {body}");
    assert!(retry_after.is_some(), "{path}: Retry-After");
    if json {
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], 503, "{problem}");
    } else {
        assert!(body.contains("<html"), "{path}: a page");
    }
    // The wait is 2 s; far below the 30 s of old, with room for a slow machine.
    assert!(took < Duration::from_secs(10), "{path} took {took:?}");
}

/// Asks again until the answer is 200 (the pool reconnects by itself within a second or
/// two); fails after 20 seconds.
async fn assert_back(app: &TestApp, path: &str) {
    let started = Instant::now();
    loop {
        let (status, body, _, _) = timed_get(app, path).await;
        if status == 200 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path} still {status}: {body}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn with_postgresql_gone_requests_answer_503_in_seconds_and_recover_by_themselves() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.trim().is_empty()) {
        return; // PostgreSQL only; the SQLite equivalent is below.
    }
    let forwarder = Forwarder::start("127.0.0.1:5432");
    let port = forwarder.port;
    let app = app_in_2022(SessionSettings::default(), move |settings| {
        settings.db_timeout = Duration::from_secs(2);
        let DatabaseUrl::Postgres(url) = &settings.database_url else {
            return;
        };
        let forwarded = url.replace("127.0.0.1:5432", &format!("127.0.0.1:{port}"));
        assert_ne!(&forwarded, url, "the test server is at 127.0.0.1:5432");
        settings.database_url = DatabaseUrl::parse(&forwarded).unwrap();
    })
    .await;
    crate::helpers::TestApp::login(&app, crate::helpers::SKANE).await;
    let paths = [
        ("/", false),
        ("/aterrapporter", false),
        ("/api/v1/me", true),
        ("/api/v1/calls", true),
    ];
    for (path, _) in paths {
        assert_back(&app, path).await;
    }

    forwarder.cut();
    for (path, json) in paths {
        assert_unavailable(&app, path, json).await;
    }
    // A page without a login and a public API read alike.
    let anonymous = crate::helpers::new_client();
    let started = Instant::now();
    let response = anonymous.get(app.url("/logga-in")).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert!(status == 503 || status == 200, "{status}");
    if status == 503 {
        assert!(body.contains(UNAVAILABLE), "{body}");
    }
    assert!(started.elapsed() < Duration::from_secs(10));

    forwarder.restore();
    for (path, _) in paths {
        assert_back(&app, path).await;
    }
    // Still logged in: the session was never lost.
    let (status, _) = app.get_json("/api/v1/me").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn with_the_sqlite_write_lock_held_a_write_answers_503_and_stores_nothing() {
    let app = app_in_2022(SessionSettings::default(), |settings| {
        settings.db_timeout = Duration::from_secs(1);
    })
    .await;
    let DatabaseUrl::Sqlite(path) = app.test_db.database_url() else {
        return; // SQLite only; PostgreSQL's outage is above.
    };
    let (id, csrf) = skane_with_a_report(&app).await;
    let edit = format!("/aterrapporter/{id}/redigera");
    let (_, page) = app.get_text(&edit).await;
    let page_csrf = csrf_from(&page);

    let mut writer = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    diesel::sql_query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .unwrap();

    let started = Instant::now();
    let response = app
        .client
        .put(app.url(&format!("/api/v1/reports/{id}/draft")))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"children_total": "17"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["title"].as_str().unwrap().contains(UNAVAILABLE),
        "{problem}"
    );

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
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.unwrap();
    assert!(body.contains(UNAVAILABLE), "{body}");
    assert!(started.elapsed() < Duration::from_secs(10));

    diesel::sql_query("ROLLBACK").execute(&mut writer).unwrap();
    // Nothing half-stored; the same write goes through once the lock is free.
    assert_eq!(children_total(&app, &id).await, serde_json::Value::Null);
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            json!({"children_total": "17"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(children_total(&app, &id).await, json!(17));
}
