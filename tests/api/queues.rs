//! The officers' queues (issue 16): what waits for the agency across all calls, through
//! HTTP, with the officer's own cases apart.

use serde_json::{Value, json};

use crate::changes::grant_of;
use crate::helpers::{AUDITOR, OFFICER, SKANE, TestApp, VGR, spawn_app};

const SKANE_NUMBER: &str = "232100-0255";
const OFFICER_2: &str = "handlaggare2@socialstyrelsen.example";

fn queue<'a>(queues: &'a Value, code: &str) -> &'a Value {
    queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == code)
        .unwrap_or_else(|| panic!("no queue {code} in {queues}"))
}

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .id
}

#[actix_web::test]
async fn change_requests_and_messages_wait_in_the_queues_until_handled() {
    let app = spawn_app().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();

    let _ = app.api_login(OFFICER).await;
    let (status, before) = app.get_json("/api/v1/queues").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(queue(&before, "change_requests")["count"], 0);
    assert_eq!(queue(&before, "messages")["count"], 0);

    // Skåne asks for a change and writes a message.
    let csrf = app.api_login(SKANE).await;
    let (status, _) = app.get_json("/api/v1/queues").await;
    assert_eq!(status, 403, "applicants have no queues");
    let (status, sent) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{case}/change-requests"),
            json!({"kind": "content", "submit": true, "description": "Arbetet leds från Lund."}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let request_id = sent["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{case}/messages"),
            json!({"text": "Vi har en fråga om utbetalningen.", "about": "grant"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // Both wait for the agency, with links to where they are handled; the auditor reads
    // the queues too.
    let _ = app.api_login(AUDITOR).await;
    let (status, queues) = app.get_json("/api/v1/queues").await;
    assert_eq!(status, 200);
    let requests = queue(&queues, "change_requests");
    assert_eq!(requests["count"], 1);
    assert_eq!(
        requests["items"][0]["link"],
        format!("/andringar/{request_id}")
    );
    assert_eq!(requests["items"][0]["organisation"], "Region Skåne");
    let messages = queue(&queues, "messages");
    assert_eq!(messages["count"], 1);
    assert_eq!(
        messages["items"][0]["link"],
        format!("/ansokningar/{case}/meddelanden")
    );

    // The case is Omar's: in his own queues, not in Karin's.
    // The case is Omar's, set on the case page as officers do.
    let _ = app.api_login(OFFICER).await;
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    let response = app
        .client
        .post(app.url(&format!("/ansokningar/{case}/handlaggare")))
        .form(&[
            ("csrf_token", crate::helpers::csrf_from(&page)),
            ("officer_id", user_id(&app, OFFICER_2)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let (_, mine) = app.get_json("/api/v1/queues?mine=true").await;
    assert_eq!(queue(&mine, "change_requests")["count"], 0);
    assert_eq!(queue(&mine, "messages")["count"], 0);
    let _ = app.api_login(OFFICER_2).await;
    let (_, mine) = app.get_json("/api/v1/queues?mine=true").await;
    assert_eq!(queue(&mine, "change_requests")["count"], 1);
    assert_eq!(queue(&mine, "messages")["count"], 1);

    // Read and answered, they leave the queues.
    let (status, _) = app
        .get_json(&format!("/api/v1/applications/{case}/messages"))
        .await;
    assert_eq!(status, 200);
    let csrf = app.api_login(OFFICER_2).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/change-requests/{request_id}/answer"),
            json!({"outcome": "approved", "answer": "Det går bra."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, after) = app.get_json("/api/v1/queues").await;
    assert_eq!(queue(&after, "change_requests")["count"], 0);
    assert_eq!(queue(&after, "messages")["count"], 0);

    // The page lists the same, and another region's person is refused it.
    let (status, page) = app.get_text("/arbetskoer").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Ändringsansökningar att besvara (0)"),
        "{page}"
    );
    let _ = app.api_login(VGR).await;
    let (status, _) = app.get_text("/arbetskoer").await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn a_supplement_past_its_day_waits_in_the_queue() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let _ = call_id;
    // A case of the demo with an open supplement request whose day has passed: asked
    // today with a due day before today is refused, so the clock moves on instead.
    let case = app.application_id_of("232100-0131");
    let officer = statsbidrag::db::accounts::find_by_email(&mut app.conn(), OFFICER)
        .unwrap()
        .unwrap();
    let request = statsbidrag::db::applications::SupplementRequest {
        id: statsbidrag::db::new_id(),
        application_id: case.clone(),
        requested_by: Some(officer.id),
        requested_at: app.clock_now().naive_utc(),
        message: "Skicka budgeten per kostnadsslag.".into(),
        due_on: chrono::NaiveDate::from_ymd_opt(2020, 7, 10).unwrap(),
        status: statsbidrag::codes::SupplementStatus::Open,
        answered_at: None,
        answered_by: None,
        answer_text: None,
        budget_change_allowed: false,
    };
    statsbidrag::db::applications::insert_supplement_request(&mut app.conn(), &request).unwrap();
    let _ = app.api_login(OFFICER).await;
    let (_, queues) = app.get_json("/api/v1/queues").await;
    assert_eq!(
        queue(&queues, "supplements_overdue")["count"],
        0,
        "not yet past"
    );
    app.clock.set("2020-07-11T08:00:00Z".parse().unwrap());
    let _ = app.api_login(OFFICER).await;
    let (_, queues) = app.get_json("/api/v1/queues").await;
    let overdue = queue(&queues, "supplements_overdue");
    assert_eq!(overdue["count"], 1, "{overdue}");
    assert_eq!(overdue["items"][0]["due_on"], "2020-07-10");
    assert_eq!(overdue["items"][0]["link"], format!("/ansokningar/{case}"));
}
