//! The demo describes a consistent past: the January payments of 2021 and 2022 were made on
//! their due day with a verification, so that the 2021 report can be filed with what was
//! received; a payment whose day has not come when the demo is loaded stays planned.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, SKANE, spawn_app, spawn_app_at};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn payments_of(list: &Value, organisation: &str) -> Vec<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|p| p["organisation"] == organisation)
        .cloned()
        .collect()
}

#[actix_web::test]
async fn with_the_clock_in_2022_the_2021_report_of_region_skane_is_filed_with_what_was_received() {
    let app = spawn_app_at(at("2022-02-01T09:00:00Z")).await;
    let call_id = app.call_id().await;

    // Both January payments of every grant were made, on their due day, with a verification.
    app.api_login(OFFICER).await;
    let (status, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 6, "{list}");
    for p in list.as_array().unwrap() {
        assert_eq!(p["status"], "paid", "{p}");
        let year = p["year"].as_i64().unwrap();
        assert_eq!(p["paid_on"], format!("{year}-01-01"), "{p}");
        assert_eq!(p["due_on"], format!("{year}-01-01"), "{p}");
        assert!(
            p["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("DEMO-VER-")),
            "{p}"
        );
    }
    let skane = payments_of(&list, "Region Skåne");
    assert_eq!(skane.len(), 2);

    // The dashboard agrees: everything granted for 2021 was paid.
    let (_, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    let y2021 = years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2021)
        .unwrap();
    assert_eq!(y2021["paid"], y2021["granted"], "{y2021}");

    // Region Skåne files its 2021 report: received is the 2021 grant.
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
    assert_eq!(slot["state"], "not_started", "{slot}");
    let (status, report) = app
        .post_json(
            &csrf,
            "/api/v1/reports",
            json!({"decision_id": slot["decision_id"], "year": 2021}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["received_now"], "2913808", "{report}");
    let id = report["id"].as_str().unwrap().to_string();
    let answers: serde_json::Map<String, Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                json!({"achievement": "achieved", "activities": "Arbetet gjordes.", "obstacles": ""}),
            )
        })
        .collect();
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            json!({
                "answers": answers,
                "costs": {"personal": "2 500 000", "resor": "413 808"},
                "children_total": 20,
                "girls": 9,
                "boys": 11,
                "staff_fte": "3,5",
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{id}/submit"),
            json!({"signer_name": "Sara Persson", "signer_role": "Regiondirektör"}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let (status, report) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "submitted", "{report}");
    let version = &report["versions"][0];
    assert_eq!(version["received"], "2913808", "{report}");
    assert_eq!(version["used"], "2913808", "{report}");
    assert_eq!(version["unused"], "0", "{report}");
}

#[actix_web::test]
async fn loaded_on_the_decision_day_the_payments_are_still_to_come() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.api_login(OFFICER).await;
    let (status, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 6);
    assert!(
        list.iter()
            .all(|p| p["status"] == "planned" && p["paid_on"].is_null()),
        "{list:?}"
    );
}

#[actix_web::test]
async fn loaded_in_the_middle_of_2021_only_the_2021_payments_were_made() {
    let app = spawn_app_at(at("2021-06-01T09:00:00Z")).await;
    let call_id = app.call_id().await;
    app.api_login(OFFICER).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    for p in list.as_array().unwrap() {
        let expected = if p["year"] == 2021 { "paid" } else { "planned" };
        assert_eq!(p["status"], expected, "{p}");
    }
}
