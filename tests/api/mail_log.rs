//! The mail log per case (issue 16): the receipt, the supplement request and answer and the
//! decision each leave a message of their kind on their case; the log shows when each was
//! delivered, or why not; an officer sends one again as a new message that names the one
//! it repeats, recorded in the audit trail; a message of another case is not found, and one
//! with a one-time link is neither shown nor sent again. Auditors read but do not resend;
//! applicants are refused, and the refusal is recorded.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use statsbidrag::accounts::{self, Actor};
use statsbidrag::applications::draft::DraftInput;
use statsbidrag::applications::workflow::{self, SupplementInput};
use statsbidrag::mail::{self, MailSettings};
use statsbidrag::outbox::{self, Links, kind};

use crate::decisions::{account, api_login, prepared, send, small_call, submitted};
use crate::helpers::{AUDITOR, OFFICER, TestApp, csrf_from, new_client, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const APPLICANT: &str = "a@jonkoping.example";
const SKANE_ORGNR: &str = "232100-0255";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn actor(app: &TestApp, email: &str) -> Actor {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    accounts::load_actor(&mut conn, &user.id).unwrap().unwrap()
}

fn links() -> Links {
    Links::new("https://statsbidrag.example")
}

/// The officer asks for a supplement and the applicant answers it, an hour apart.
fn supplement(app: &TestApp, officer: &Actor, applicant: &Actor, case: &str) {
    let mut conn = app.conn();
    let now = app.clock_now();
    workflow::request_supplement(
        &mut conn,
        officer,
        case,
        &SupplementInput {
            message: "Beskriv personalen närmare.".into(),
            due_on: "2020-07-15".into(),
            budget_change_allowed: String::new(),
        },
        now,
        &links(),
        "Socialstyrelsen",
    )
    .unwrap();
    let later = now + Duration::hours(1);
    app.clock.set(later);
    workflow::begin_supplement_answer(&mut conn, applicant, case, later).unwrap();
    let input = DraftInput {
        project_title: "Projekt".into(),
        answers: [("1".to_string(), "Planen, med personalen beskriven.".into())].into(),
        // The request does not open the budget: it is kept as it was.
        budget: None,
        supplement_answer: Some("En psykolog på heltid.".into()),
        ..Default::default()
    };
    workflow::save_draft(&mut conn, applicant, case, &input, later).unwrap();
    workflow::submit(
        &mut conn,
        applicant,
        case,
        &accounts::Signed::password(),
        later,
        &links(),
        "Socialstyrelsen",
    )
    .unwrap();
}

fn mail_rows(app: &TestApp) -> Vec<statsbidrag::db::outbox::OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn()).unwrap()
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn of_kind<'a>(log: &'a Value, code: &str) -> Vec<&'a Value> {
    log.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == code)
        .collect()
}

async fn log_out(app: &TestApp) {
    let (_, page) = app.get_text("/").await;
    let _ = app
        .client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await;
}

#[actix_web::test]
async fn a_cases_mail_log_shows_each_message_its_delivery_and_resends() {
    let app = spawn_app().await;
    app.clock.set(at("2020-07-01T08:00:00Z"));
    let call_id = small_call(&app, "1000000");
    let applicant = account(&app, APPLICANT, "applicant", Some("232100-0057"));
    let officer = actor(&app, OFFICER);

    // The case's story: submitted (receipt), a supplement asked for and answered, decided.
    let case = submitted(&app, &applicant, &call_id, "600000");
    app.clock.set(at("2020-07-01T09:00:00Z"));
    supplement(&app, &officer, &applicant, &case);
    app.clock.set(at("2020-07-01T11:00:00Z"));
    let staff = new_client();
    let csrf = api_login(&app, &staff, OFFICER).await;
    let decision = prepared(&app, &staff, &csrf, &case, "grant", "600000").await;
    let maker = new_client();
    let maker_csrf = api_login(&app, &maker, DECISION_MAKER).await;
    let (status, signed) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{decision}/sign")),
        &maker_csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{signed}");

    // Every message about the case carries the case and its kind.
    let rows = mail_rows(&app);
    let about_case: Vec<_> = rows
        .iter()
        .filter(|m| m.application_id.as_deref() == Some(case.as_str()))
        .collect();
    let kinds = |code: &str| about_case.iter().filter(|m| m.kind == code).count();
    assert_eq!(
        kinds(kind::RECEIPT),
        2,
        "the first and the answer: {about_case:?}"
    );
    assert_eq!(kinds(kind::SUPPLEMENT_REQUESTED), 1);
    assert_eq!(kinds(kind::SUPPLEMENT_RECEIVED), 1);
    assert_eq!(kinds(kind::DECISION_SIGNED), 1);
    assert!(
        about_case
            .iter()
            .any(|m| m.kind == kind::SUPPLEMENT_RECEIVED && m.to_address == OFFICER)
    );

    // A message that cannot be delivered, about the same case.
    outbox::queue(
        &mut app.conn(),
        app.clock_now(),
        outbox::About::case(kind::OTHER, &case),
        "inte en adress",
        "Kopia till fel adress",
        "Hej!",
    )
    .unwrap();

    // The officer's log: newest first, every one waiting to be sent, no bodies.
    let (status, log) = get(&staff, &app, &format!("/api/v1/applications/{case}/mail")).await;
    assert_eq!(status, 200, "{log}");
    let list = log.as_array().unwrap();
    assert_eq!(list.len(), 6, "{log}");
    assert_eq!(list[0]["kind"], "other", "newest first: {log}");
    assert!(list.iter().all(|m| m["delivery"] == "waiting"));
    assert!(list.iter().all(|m| m.get("body").is_none()));
    assert_eq!(of_kind(&log, "decision_signed")[0]["kind_label"], "Beslut");
    assert_eq!(of_kind(&log, "decision_signed")[0]["to"], APPLICANT);
    assert!(
        of_kind(&log, "decision_signed")[0]["attachment_name"]
            .as_str()
            .unwrap()
            .ends_with(".pdf")
    );
    assert_eq!(
        of_kind(&log, "supplement_requested")[0]["kind_label"],
        "Begäran om komplettering"
    );

    // The page says the same in Swedish; the case page links to it for staff.
    app.login(OFFICER).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/ansokningar/{case}/e-post\"")));
    let (status, page) = app.get_text(&format!("/ansokningar/{case}/e-post")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Kvittens på ansökan"));
    assert!(page.contains("Komplettering har kommit in"));
    assert!(page.contains("Väntar på att skickas"));
    assert!(page.contains(APPLICANT));

    // The outbox is delivered (as files): the log shows when, and why one failed.
    let dir = tempfile::tempdir().unwrap();
    let settings = MailSettings {
        send_interval: None,
        ..MailSettings::files(dir.path().join("outbox"))
    };
    let clock: statsbidrag::clock::SharedClock = Arc::new(app.clock.clone());
    let report = mail::deliver_due(&app.db, &clock, &settings).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let (_, log) = get(&staff, &app, &format!("/api/v1/applications/{case}/mail")).await;
    let failing = &of_kind(&log, "other")[0];
    assert_eq!(failing["delivery"], "failing");
    assert_eq!(failing["attempts"], 1);
    assert_eq!(failing["sent_at"], Value::Null);
    assert!(
        failing["last_error"]
            .as_str()
            .unwrap()
            .contains("mottagarens adress")
    );
    let receipt = of_kind(&log, "receipt")[1].clone();
    assert_eq!(receipt["delivery"], "sent");
    assert_eq!(receipt["sent_at"], "2020-07-01T11:00:00Z");
    let (_, page) = app.get_text(&format!("/ansokningar/{case}/e-post")).await;
    assert!(page.contains("Inte skickat:"), "{page}");
    assert!(page.contains("mottagarens adress"));
    assert!(page.contains("2020-07-01 13:00"), "sent, in Stockholm time");

    // One message with its text.
    let receipt_id = receipt["id"].as_str().unwrap().to_string();
    let (status, page) = app
        .get_text(&format!("/ansokningar/{case}/e-post/{receipt_id}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("har tagit emot er ansökan"), "{page}");

    // Sent again through the API: a new message naming the first, on record.
    app.clock.set(at("2020-07-01T12:00:00Z"));
    let (status, copy) = send(
        &staff,
        reqwest::Method::POST,
        app.url(&format!(
            "/api/v1/applications/{case}/mail/{receipt_id}/resend"
        )),
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["resent_from"], receipt_id.as_str());
    assert_eq!(copy["kind"], "receipt");
    assert_eq!(copy["to"], APPLICANT);
    assert_eq!(copy["delivery"], "waiting");
    let stored = statsbidrag::db::outbox::find(&mut app.conn(), copy["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    let original = statsbidrag::db::outbox::find(&mut app.conn(), &receipt_id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.resent_from.as_deref(), Some(receipt_id.as_str()));
    assert_eq!(stored.application_id.as_deref(), Some(case.as_str()));
    assert_eq!(stored.body_text, original.body_text);
    let resent = app.audit_events("mail.resent");
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].entity_id.as_deref(), Some(case.as_str()));
    assert_eq!(resent[0].actor_email.as_deref(), Some(OFFICER));
    assert!(
        resent[0].summary.contains("Kvittens på ansökan"),
        "{}",
        resent[0].summary
    );

    // And through the page: back on the log, which names what it repeats.
    let (_, page) = app.get_text(&format!("/ansokningar/{case}/e-post")).await;
    let response = app
        .client
        .post(app.url(&format!(
            "/ansokningar/{case}/e-post/{receipt_id}/skicka-igen"
        )))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = app.get_text(&back).await;
    assert!(page.contains("Meddelandet är lagt i kö"), "{page}");
    assert!(page.contains("Skickat igen från meddelandet köat 2020-07-01"));
    assert_eq!(app.audit_events("mail.resent").len(), 2);

    // A message of this case asked for under another case is not found there.
    let skane = app.application_id_of(SKANE_ORGNR);
    let (status, _) = send(
        &staff,
        reqwest::Method::POST,
        app.url(&format!(
            "/api/v1/applications/{skane}/mail/{receipt_id}/resend"
        )),
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get_text(&format!("/ansokningar/{skane}/e-post/{receipt_id}"))
        .await;
    assert_eq!(status, 404);

    // A message with a one-time link: its text is not shown and it is not sent again.
    outbox::queue_with_one_time_link(
        &mut app.conn(),
        app.clock_now(),
        outbox::About::case(kind::OTHER, &case),
        APPLICANT,
        "Välj lösenord",
        "Länk: https://statsbidrag.example/valj-losenord/HEMLIGTOKEN",
    )
    .unwrap();
    let linked = mail_rows(&app)
        .into_iter()
        .find(|m| m.subject == "Välj lösenord")
        .unwrap();
    let (status, problem) = send(
        &staff,
        reqwest::Method::POST,
        app.url(&format!(
            "/api/v1/applications/{case}/mail/{}/resend",
            linked.id
        )),
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("engångslänk"),
        "{problem}"
    );
    let (status, page) = app
        .get_text(&format!("/ansokningar/{case}/e-post/{}", linked.id))
        .await;
    assert_eq!(status, 200);
    assert!(!page.contains("HEMLIGTOKEN"));
    assert!(page.contains("Texten visas inte"));
    assert!(!page.contains("skicka-igen"), "no resend form for it");
    // Through the page the refusal is said on the log itself.
    let response = app
        .client
        .post(app.url(&format!(
            "/ansokningar/{case}/e-post/{}/skicka-igen",
            linked.id
        )))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("engångslänk"), "{page}");
    assert!(
        page.contains("Kvittens på ansökan"),
        "the log is shown: {page}"
    );
    let (_, list) = get(&staff, &app, &format!("/api/v1/applications/{case}/mail")).await;
    assert_eq!(of_kind(&list, "other")[0]["one_time_link"], true);
    assert_eq!(app.audit_events("mail.resent").len(), 2);

    // The auditor reads the log but cannot send anything again; the refusal is recorded.
    let auditor = new_client();
    let auditor_csrf = api_login(&app, &auditor, AUDITOR).await;
    let (status, log) = get(&auditor, &app, &format!("/api/v1/applications/{case}/mail")).await;
    assert_eq!(status, 200);
    assert_eq!(log.as_array().unwrap().len(), 9);
    let denied = app.audit_events("access.denied").len();
    let (status, _) = send(
        &auditor,
        reqwest::Method::POST,
        app.url(&format!(
            "/api/v1/applications/{case}/mail/{receipt_id}/resend"
        )),
        &auditor_csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.audit_events("access.denied").len(), denied + 1);
    assert_eq!(app.audit_events("mail.resent").len(), 2);
    log_out(&app).await;
    app.login(AUDITOR).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{case}/e-post")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("skicka-igen"),
        "no resend form for an auditor"
    );

    // The decision maker reads it too.
    let (status, _) = get(&maker, &app, &format!("/api/v1/applications/{case}/mail")).await;
    assert_eq!(status, 200);

    // The applicant is refused, on record, through the API and the page.
    let own = new_client();
    api_login(&app, &own, APPLICANT).await;
    let denied = app.audit_events("access.denied").len();
    let (status, _) = get(&own, &app, &format!("/api/v1/applications/{case}/mail")).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit_events("access.denied").len(), denied + 1);
    log_out(&app).await;
    app.login(APPLICANT).await;
    let (status, _) = app.get_text(&format!("/ansokningar/{case}/e-post")).await;
    assert_eq!(status, 403);
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert!(!page.contains("/e-post\""), "no link for the applicant");
    assert_eq!(app.audit_events("access.denied").len(), denied + 2);
}
