//! The report-back lists at scale (issue 12): the overview, the report lists and the
//! report-back files read a kept row per grant year and kept counts and sums per call
//! year instead of working out every grant year of a call. These tests hold the kept rows
//! to what the sources say after each step of the real flows (signing, a change, a
//! revocation, a report's draft, submit, supplement, approval and repayment) on both
//! backends, and check that the streamed files, read on a chunk at a time, list every
//! region once and in the overview's order. Speed is measured by scripts/load.py, never
//! here.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, SKANE, TestApp, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const OSTERGOTLAND: &str = "232100-0040";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// The kept rows and totals agree with the sources.
fn assert_kept(app: &TestApp, after: &str) {
    let mut conn = app.conn();
    let differences = statsbidrag::db::reports::kept_differences(&mut conn).unwrap();
    assert!(
        differences.is_empty(),
        "after {after}:\n{}",
        differences.join("\n")
    );
}

async fn total_count(app: &TestApp, path: &str) -> (Value, i64) {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let total = response
        .headers()
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("X-Total-Count");
    (response.json().await.unwrap(), total)
}

async fn sign(app: &TestApp, decision_id: &str) {
    let maker = app.api_login(DECISION_MAKER).await;
    let (status, body) = app
        .post_json(
            &maker,
            &format!("/api/v1/decisions/{decision_id}/sign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A draft answering every expected result of the report's year, with the money used.
fn full_draft(report: &Value, personal: &str) -> Value {
    let answers: serde_json::Map<String, Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                json!({"achievement": "partly", "activities": "Arbete", "obstacles": "Hinder"}),
            )
        })
        .collect();
    json!({
        "answers": answers,
        "costs": {"personal": personal},
        "children_total": 23, "girls": 12, "boys": 11, "staff_fte": "3,5",
    })
}

#[actix_web::test]
async fn the_kept_rows_follow_every_step_of_the_report_back_and_of_changes() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    // The demo's grants were signed through the service's own signing.
    assert_kept(&app, "loading the demo");
    app.api_login(OFFICER).await;
    let (_, owed_before) = total_count(&app, "/api/v1/reports").await;
    assert_eq!(owed_before, 6, "three grants of two years each");

    // A change lowers Östergötland's 2022; a revocation of another grant's years leaves
    // them owed no report.
    let grant = crate::changes::grant_of(&app, OSTERGOTLAND);
    let csrf = app.api_login(OFFICER).await;
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", grant.id),
            json!({"kind": "change", "amounts": {"2022": "3000000"},
                   "reasons": "Verksamheten 2022 blir mindre."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_kept(&app, "a change prepared");
    sign(&app, draft["id"].as_str().unwrap()).await;
    assert_kept(&app, "a change signed");
    let csrf = app.api_login(OFFICER).await;
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", grant.id),
            json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    sign(&app, draft["id"].as_str().unwrap()).await;
    assert_kept(&app, "a revocation signed");
    app.api_login(OFFICER).await;
    let (slots, owed) = total_count(&app, "/api/v1/reports").await;
    assert_eq!(owed, 4, "the revoked grant's two years owe nothing");
    assert_eq!(slots.as_array().unwrap().len(), 4);
    assert!(
        slots
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["decision_id"] != grant.id.as_str()),
        "{slots}"
    );
    let (overview, regions) =
        total_count(&app, &format!("/api/v1/calls/{call_id}/reports?year=2021")).await;
    assert_eq!(regions, 2, "{overview}");
    assert_eq!(overview["years"], json!([2021, 2022]));

    // January 2021 the officer pays 2021; in February 2022 Region Skåne reports.
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, payments) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<&str> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021 && p["status"] == "planned")
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/payments/mark-paid",
            json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_kept(&app, "payments");
    app.clock.set(at("2022-02-01T09:00:00Z"));

    let csrf = app.api_login(SKANE).await;
    let (_, slots) = app.get_json("/api/v1/reports").await;
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
    assert_kept(&app, "a report started");
    let id = report["id"].as_str().unwrap().to_string();
    // Received 2 913 808 kr, used 2 513 808 kr: 400 000 kr unused.
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            full_draft(&report, "2 513 808"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_kept(&app, "a draft saved");
    let submit = |csrf: String, id: String| {
        let app = &app;
        async move {
            let (status, body) = app
                .post_json(
                    &csrf,
                    &format!("/api/v1/reports/{id}/submit"),
                    json!({"signer_name": "Anna Berg", "signer_role": "Regiondirektör"}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    submit(csrf.clone(), id.clone()).await;
    assert_kept(&app, "a report submitted");

    // The overview's status filter and sums come from the kept rows.
    app.api_login(OFFICER).await;
    let (overview, _) =
        total_count(&app, &format!("/api/v1/calls/{call_id}/reports?year=2021")).await;
    assert_eq!(overview["totals"]["received"], "2913808", "{overview}");
    assert_eq!(overview["totals"]["unused"], "400000");

    // A supplement asked for and answered in a second version.
    let csrf = app.api_login(OFFICER).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{id}/supplement-requests"),
            json!({"message": "Beskriv kostnaderna närmare.", "due_on": "2022-03-15"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_kept(&app, "a supplement requested");
    let csrf = app.api_login(SKANE).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{id}/supplement-answer"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            full_draft(&report, "2 613 808"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_kept(&app, "a supplement begun");
    submit(csrf, id.clone()).await;
    assert_kept(&app, "a supplement submitted");

    // Approval makes a repayment claim of the 300 000 kr unused; its receipt is repaid.
    app.clock.set(at("2022-03-10T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, approved) = app
        .post_json(&csrf, &format!("/api/v1/reports/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["repayment"]["amount"], "300000");
    assert_kept(&app, "approval");
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{id}/repayment/received"),
            json!({"received_on": "2022-03-10"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_kept(&app, "a repayment received");
    let (overview, _) =
        total_count(&app, &format!("/api/v1/calls/{call_id}/reports?year=2021")).await;
    assert_eq!(overview["totals"]["unused"], "300000", "{overview}");
    assert_eq!(overview["totals"]["repaid"], "300000");
    // The public export lists the approved report only.
    let (status, public) = app
        .get_json(&format!("/api/v1/calls/{call_id}/reports/public?year=2021"))
        .await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public.as_array().unwrap().len(), 1, "{public}");
    assert_eq!(public[0]["organisation"], "Region Skåne");
}

/// The overview's pages, its CSV and the public export over a generated call with more
/// regions than a streamed chunk holds: every region once, in the overview's order, and
/// the kept rows as the generator left them agree with the sources.
#[actix_web::test]
async fn the_streamed_files_list_every_region_once_in_order_across_chunks() {
    let (app, report) = crate::generate::generated_app(1_600).await;
    assert_kept(&app, "generating");
    app.api_login(&report.auditor_email).await;
    let call = &report.decided_call_id;
    let (overview, total) = total_count(&app, &format!("/api/v1/calls/{call}/reports")).await;
    let year = overview["year"].as_i64().unwrap();
    assert!(total > 500, "more regions than a chunk: {total}");
    // The pages of the API, read to the end.
    let mut paged: Vec<String> = Vec::new();
    let mut offset = 0;
    while offset < total {
        let (page, _) = total_count(
            &app,
            &format!("/api/v1/calls/{call}/reports?year={year}&limit=500&offset={offset}"),
        )
        .await;
        paged.extend(
            page["regions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["registration_number"].as_str().unwrap().to_string()),
        );
        offset += 500;
    }
    assert_eq!(paged.len() as i64, total);
    let (status, csv) = app
        .get_text(&format!("/utlysningar/{call}/aterrapporter.csv?ar={year}"))
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    // A header, a row per region, a row of sums.
    assert_eq!(lines.len() as i64, total + 2, "{}", lines[0]);
    let numbers: Vec<String> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            l.split(';')
                .nth(2)
                .unwrap_or_default()
                .trim_matches('"')
                .to_string()
        })
        .collect();
    assert_eq!(numbers, paged, "the file lists the overview's order");
    assert!(lines[lines.len() - 1].contains("Summa"));

    let (status, public) = app
        .get_json(&format!("/api/v1/calls/{call}/reports/public?year={year}"))
        .await;
    assert_eq!(status, 200);
    let public = public.as_array().unwrap();
    let approved = overview_approved(&app, call, year, total).await;
    assert_eq!(public.len(), approved);
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        public
            .iter()
            .all(|r| seen.insert(r["registration_number"].as_str().unwrap().to_string()))
    );
}

/// How many of a call year's regions have an approved report, read from the API's pages.
async fn overview_approved(app: &TestApp, call: &str, year: i64, total: i64) -> usize {
    let mut approved = 0;
    let mut offset = 0;
    while offset < total {
        let (page, _) = total_count(
            app,
            &format!("/api/v1/calls/{call}/reports?year={year}&limit=500&offset={offset}"),
        )
        .await;
        approved += page["regions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "approved")
            .count();
        offset += 500;
    }
    approved
}
