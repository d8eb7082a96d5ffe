//! Logging in under attack: lengths capped before any work, wrong passwords throttled per
//! account and per client address with growing lockouts (the same answers for addresses
//! without an account), the holder told once per storm, and the audit trail bounded.

use std::net::IpAddr;

use chrono::Duration;
use serde_json::json;
use statsbidrag::db::audit::AuditFilter;

use crate::helpers::{OFFICER, PASSWORD, SKANE, TestApp, VGR, csrf_from, spawn_app};
use crate::passwords::mails_to;

const WRONG: &str = "fel lösenord igen";
const LOCKED_TEXT: &str = "För många misslyckade inloggningsförsök";

/// A browser of its own, connecting from `127.0.0.<last>` (every test server listens on
/// 127.0.0.1, which any loopback address reaches).
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .unwrap()
}

/// Logs in through the login form; status, `Retry-After` and page.
async fn page_login(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>, String) {
    let page = client
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = retry_after(&response);
    (status, retry, response.text().await.unwrap())
}

fn retry_after(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Logs in through the API; status, `Retry-After` and the JSON answer.
async fn api_login(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>, serde_json::Value) {
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = retry_after(&response);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    if status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{body}");
    }
    (status, retry, body)
}

fn audit_count(app: &TestApp) -> usize {
    statsbidrag::db::audit::list(&mut app.conn(), &AuditFilter::default(), 1_000_000, 0)
        .unwrap()
        .len()
}

fn outbox_count(app: &TestApp) -> usize {
    statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .len()
}

#[actix_web::test]
async fn over_long_addresses_and_passwords_are_refused_before_any_work() {
    let app = spawn_app().await;
    let client = client_from(1);
    let (audit_before, outbox_before) = (audit_count(&app), outbox_count(&app));
    let huge_email = format!("{}@example.org", "a".repeat(5 * 1024 * 1024));
    let long_password = "x".repeat(1025);

    let (status, _, page) = page_login(&app, &client, &huge_email, WRONG).await;
    assert_eq!(status, 422);
    assert!(page.contains("E-postadressen är för lång. En e-postadress har högst 254 tecken."));
    assert!(page.len() < 100_000, "the address is not shown back");
    let (status, _, page) = page_login(&app, &client, OFFICER, &long_password).await;
    assert_eq!(status, 422);
    assert!(page.contains("Lösenordet är för långt."));
    assert!(page.contains(&format!("value=\"{OFFICER}\"")));

    let (status, _, body) = api_login(&app, &client, &huge_email, WRONG).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "email");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("högst 254 tecken")
    );
    let (status, _, body) = api_login(&app, &client, OFFICER, &long_password).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "password");

    // Refused again and again: nothing stored, and no lockout (nothing was tried).
    for _ in 0..20 {
        let (status, _, _) = api_login(&app, &client, &huge_email, WRONG).await;
        assert_eq!(status, 422);
    }
    assert_eq!(audit_count(&app), audit_before);
    assert_eq!(outbox_count(&app), outbox_before);
    let (status, _, _) = api_login(&app, &client, OFFICER, PASSWORD).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn the_fifth_wrong_password_locks_the_account_even_for_the_right_one_until_the_lockout_ends()
{
    let app = spawn_app().await;
    let client = client_from(1);
    for attempt in 1..=4 {
        let (status, retry, page) = page_login(&app, &client, OFFICER, WRONG).await;
        assert_eq!(status, 401, "attempt {attempt}");
        assert!(retry.is_none());
        assert!(page.contains("Fel e-postadress eller lösenord."));
    }
    let (status, retry, page) = page_login(&app, &client, OFFICER, WRONG).await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("60"));
    assert!(page.contains(LOCKED_TEXT), "{page}");
    assert!(page.contains("försöka igen om 1 minut"));
    assert!(page.contains("lang=\"sv\""));
    assert!(
        page.contains(&format!("value=\"{OFFICER}\"")),
        "typed address kept"
    );

    // Locked: the right password is refused too, on the page and in the API, from
    // anywhere.
    let (status, retry, page) = page_login(&app, &client, OFFICER, PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")));
    assert!(page.contains(LOCKED_TEXT));
    let (status, retry, body) = api_login(&app, &client_from(2), OFFICER, PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")));
    assert_eq!(body["status"], 429);
    assert!(body["detail"].as_str().unwrap().contains(LOCKED_TEXT));

    // Half a minute later the wait is shorter; after the minute the right password works.
    app.clock.set(app.clock_now() + Duration::seconds(30));
    let (status, retry, _) = page_login(&app, &client, OFFICER, PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("30")));
    app.clock.set(app.clock_now() + Duration::seconds(31));
    let (status, _, _) = page_login(&app, &client, OFFICER, PASSWORD).await;
    assert_eq!(status, 303, "the right password works after the lockout");

    // A success ends the run: four wrong passwords are free again.
    let client = client_from(3);
    for _ in 1..=4 {
        let (status, _, _) = page_login(&app, &client, OFFICER, WRONG).await;
        assert_eq!(status, 401);
    }
}

#[actix_web::test]
async fn lockouts_grow_and_an_address_without_an_account_gets_the_same_answers() {
    let app = spawn_app().await;
    let (real, unknown) = (client_from(1), client_from(2));
    let nobody = "ingen.alls@example.org";
    for attempt in 1..=5 {
        let a = api_login(&app, &real, OFFICER, WRONG).await;
        let b = api_login(&app, &unknown, nobody, WRONG).await;
        assert_eq!((a.0, &a.1), (b.0, &b.1), "attempt {attempt}");
        assert_eq!(a.2, b.2, "attempt {attempt}");
    }
    // Each wrong password after a lockout doubles the next one: 2, 4, 8, then 15 minutes.
    for expected in [120, 240, 480, 900, 900] {
        let a = api_login(&app, &real, OFFICER, WRONG).await;
        let b = api_login(&app, &unknown, nobody, WRONG).await;
        assert_eq!(a.0, 429);
        assert_eq!(a, b);
        let seconds: i64 = a.1.unwrap().parse().unwrap();
        app.clock.set(app.clock_now() + Duration::seconds(seconds));
        let a = api_login(&app, &real, OFFICER, WRONG).await;
        let b = api_login(&app, &unknown, nobody, WRONG).await;
        assert_eq!(a.0, 429);
        assert_eq!(a.1, Some(expected.to_string()));
        assert_eq!(a, b);
    }
}

#[actix_web::test]
async fn one_client_address_is_throttled_across_many_accounts() {
    let app = spawn_app().await;
    let attacker = client_from(9);
    for n in 1..30 {
        let (status, _, _) =
            api_login(&app, &attacker, &format!("gissning{n}@example.org"), WRONG).await;
        assert_eq!(status, 401, "attempt {n}");
    }
    let (status, retry, body) = api_login(&app, &attacker, "gissning30@example.org", WRONG).await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")));
    assert!(body["detail"].as_str().unwrap().contains(LOCKED_TEXT));
    // From that address nothing is tried, not even a right password.
    let (status, _, _) = api_login(&app, &attacker, SKANE, PASSWORD).await;
    assert_eq!(status, 429);
    // Others are not locked out with it.
    let (status, _, _) = api_login(&app, &client_from(10), SKANE, PASSWORD).await;
    assert_eq!(status, 200);
    // A lockout is recorded once for the address.
    let throttled = app.audit_events("auth.login_throttled");
    assert_eq!(throttled.len(), 1);
    assert!(throttled[0].summary.contains("127.0.0.9"));
    assert_eq!(throttled[0].entity_type, "client_address");
}

#[actix_web::test]
async fn the_account_holder_is_told_once_per_storm_and_no_one_else() {
    let app = spawn_app().await;
    let attacker = client_from(1);
    for _ in 0..5 {
        api_login(&app, &attacker, VGR, WRONG).await;
        api_login(&app, &attacker, "ingen@vgregion.example", WRONG).await;
    }
    let mails = mails_to(&app, VGR);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("felaktiga inloggningsförsök"));
    assert!(mails[0].body_text.contains("spärrad till"));
    assert!(
        mails[0]
            .body_text
            .contains("https://statsbidrag.example/glomt-losenord")
    );
    assert!(!mails[0].body_text.contains(WRONG), "no password in mail");
    // The storm goes on through lockout after lockout: still the one mail.
    for _ in 0..6 {
        app.clock.set(app.clock_now() + Duration::minutes(16));
        for _ in 0..3 {
            api_login(&app, &attacker, VGR, WRONG).await;
        }
    }
    assert_eq!(mails_to(&app, VGR).len(), 1);
    assert!(mails_to(&app, "ingen@vgregion.example").is_empty());
}

#[actix_web::test]
async fn a_storm_of_failed_logins_leaves_a_bounded_audit_trail() {
    let app = spawn_app().await;
    let before = audit_count(&app);
    // 200 wrong passwords for one account, typed in different ways: one entry for the
    // first, one for the lockout; the address typed as it is normalised.
    let attacker = client_from(1);
    for n in 0..200 {
        let typed = if n % 2 == 0 {
            format!("  {}  ", OFFICER.to_uppercase())
        } else {
            OFFICER.to_string()
        };
        let (status, _, _) = page_login(&app, &attacker, &typed, WRONG).await;
        assert!(status == 401 || status == 429, "{status}");
    }
    let failed = app.audit_events("auth.login_failed");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].summary.contains(OFFICER));
    assert!(failed[0].details.contains(OFFICER));
    let throttled = app.audit_events("auth.login_throttled");
    assert_eq!(throttled.len(), 1);
    assert!(throttled[0].summary.contains("efter 5 misslyckade försök"));
    assert_eq!(audit_count(&app), before + 2);

    // 200 invented addresses from 10 client addresses (20 each, under the address limit),
    // a few minutes later: every one is checked, but at most 20 entries a minute reach the
    // trail.
    app.clock.set(app.clock_now() + Duration::minutes(2));
    let before = audit_count(&app);
    let clients: Vec<_> = (20..30).map(client_from).collect();
    for n in 0..200 {
        let email = format!("p{n}.{}@example.org", "x".repeat(200));
        let (status, _, _) = api_login(&app, &clients[n % 10], &email, WRONG).await;
        assert_eq!(status, 401);
    }
    assert_eq!(audit_count(&app), before + 20);
    // The next minute's first entry counts the rest.
    app.clock.set(app.clock_now() + Duration::minutes(2));
    api_login(&app, &clients[0], "sist@example.org", WRONG).await;
    let summary = app.audit_events("auth.login_failures_summarised");
    assert_eq!(summary.len(), 1);
    assert!(summary[0].summary.contains("Ytterligare 180"));
    assert_eq!(audit_count(&app), before + 22);
}

#[actix_web::test]
async fn wrong_current_passwords_on_the_account_page_are_throttled_too() {
    let app = spawn_app().await;
    let csrf = app.api_login(SKANE).await;
    let body = json!({
        "current_password": WRONG,
        "new_password": "en helt ny lång fras",
        "new_password_again": "en helt ny lång fras",
    });
    for _ in 1..=4 {
        let (status, _) = app
            .post_json(&csrf, "/api/v1/me/password", body.clone())
            .await;
        assert_eq!(status, 422);
    }
    let (status, answer) = app.post_json(&csrf, "/api/v1/me/password", body).await;
    assert_eq!(status, 429);
    assert!(answer["detail"].as_str().unwrap().contains(LOCKED_TEXT));
    // The same lockout holds for logging in.
    let (status, _, _) = api_login(&app, &client_from(5), SKANE, PASSWORD).await;
    assert_eq!(status, 429);
}

#[actix_web::test]
async fn the_shared_throttle_table_stays_bounded() {
    use statsbidrag::accounts::throttle::{SWEEP_AFTER_ATTEMPTS, Throttle};
    let app = spawn_app().await;
    let throttle = Throttle::new(100);
    let mut conn = app.conn();
    let now = app.clock_now();
    // Every attempt a new account from a new address: two rows each.
    for n in 0..1500u32 {
        let address = IpAddr::from((0x0a00_0000 + n).to_be_bytes());
        if let Ok(Ok(attempt)) =
            throttle.begin(&mut conn, &format!("{n}@example.org"), address, now)
        {
            statsbidrag::db::write_tx(&mut conn, |c| throttle.failed(c, &attempt, now)).unwrap();
        }
    }
    let tracked = throttle.tracked(&mut conn).unwrap();
    assert!(
        tracked <= 100 + 2 * i64::from(SWEEP_AFTER_ATTEMPTS),
        "{tracked} rows"
    );
    assert!(tracked < 3000, "pruned: {tracked} rows");
}
