//! Report-back (issue 6) through HTTP: the three regions file 2021; unused money becomes a
//! repayment claim with its letter, and once received it is available again; the matrix
//! shows every answer; bad reports are refused with the field named; another organisation
//! cannot file; an approved report never changes; reminders go once before and once after
//! the due day; the public export hides small counts.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, SKANE, TestApp, VGR, execute, spawn_app};
use crate::letters::extract_pages;

const OSTERGOTLAND: &str = "sokande@ostergotland.example";
const AUDITOR: &str = crate::helpers::AUDITOR;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// January 2021: the officer pays the 2021 grants; the clock then stands in February 2022,
/// when the 2021 reports are open (due 2022-03-01 in the 2020 call).
async fn pay_2021(app: &TestApp, call_id: &str) {
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let (status, _) = app
        .post_json(
            &csrf,
            "/api/v1/payments/mark-paid",
            json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-2021-0042"}),
        )
        .await;
    assert_eq!(status, 200);
    app.clock.set(at("2022-02-01T09:00:00Z"));
}

/// Starts the logged-in applicant's 2021 report; returns it.
async fn start_2021(app: &TestApp, csrf: &str) -> Value {
    let (status, slots) = app.get_json("/api/v1/reports").await;
    assert_eq!(status, 200, "{slots}");
    let slot = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["year"] == 2021)
        .unwrap()
        .clone();
    assert_eq!(slot["state"], "not_started");
    let (status, report) = app
        .post_json(
            csrf,
            "/api/v1/reports",
            json!({"decision_id": slot["decision_id"], "year": 2021}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    report
}

/// A draft answering every expected result, with the money used as given.
fn full_draft(report: &Value, costs: Value, girls: i64) -> Value {
    let answers: serde_json::Map<String, Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let achievement = ["achieved", "partly", "not_achieved"][i % 3];
            (
                r["id"].as_str().unwrap().to_string(),
                json!({
                    "achievement": achievement,
                    "activities": format!("Arbete mot resultat {}", r["position"]),
                    "obstacles": if achievement == "achieved" { "" } else { "Svårt att rekrytera" },
                }),
            )
        })
        .collect();
    json!({
        "answers": answers,
        "costs": costs,
        "children_total": 23,
        "girls": girls,
        "boys": 11,
        "staff_fte": "3,5",
    })
}

async fn file(app: &TestApp, who: &str, costs: Value, girls: i64) -> String {
    let csrf = app.api_login(who).await;
    let report = start_2021(app, &csrf).await;
    let id = report["id"].as_str().unwrap().to_string();
    // The counts are a field of the call now; a total without the split is not enough to
    // submit, as before.
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            json!({"children_total": 23}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, check) = app
        .get_json(&format!("/api/v1/reports/{id}/submit-check"))
        .await;
    let problems = field_names(&json!({ "errors": check["problems"] }));
    assert!(
        problems.contains(&"answers.1.girls".to_string())
            && problems.contains(&"answers.1.boys".to_string()),
        "{check}"
    );
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{id}/draft"),
            full_draft(&report, costs, girls),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{id}/submit"),
            json!({"signer_name": "Anna Berg", "signer_role": "Regiondirektör"}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    id
}

fn field_names(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn available_2021(app: &TestApp, call_id: &str) -> String {
    let (status, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    assert_eq!(status, 200);
    years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2021)
        .unwrap()["available"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn three_regions_file_2021_and_the_unused_money_comes_back_for_redistribution() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;

    // Region Skåne received 2 913 808 kr and used 2 513 808 kr: 400 000 kr unused.
    let skane = file(
        &app,
        SKANE,
        json!({"personal": "2 000 000", "resor": "413 808", "utbildning": "100 000"}),
        12,
    )
    .await;

    // Västra Götalandsregionen: first a report missing an answer, then more used than
    // received; both refused with the field named, nothing lost.
    let csrf = app.api_login(VGR).await;
    let report = start_2021(&app, &csrf).await;
    let vgr = report["id"].as_str().unwrap().to_string();
    let mut draft = full_draft(&report, json!({"personal": "4 996 873"}), 10);
    let missing = report["results"][3]["id"].as_str().unwrap().to_string();
    draft["answers"].as_object_mut().unwrap().remove(&missing);
    let (status, _) = app
        .put_json(&csrf, &format!("/api/v1/reports/{vgr}/draft"), draft)
        .await;
    assert_eq!(status, 200, "a draft may be incomplete");
    let (status, problem) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{vgr}/submit"),
            json!({"signer_name": "Johan Karlsson", "signer_role": "Hälso- och sjukvårdsdirektör"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        field_names(&problem),
        [format!("answers.{missing}.achievement")]
    );
    let (status, problem) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{vgr}/draft"),
            full_draft(
                &report,
                json!({"personal": "4 996 873", "resor": "0,01"}),
                10,
            ),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_names(&problem), ["costs"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4\u{a0}996\u{a0}873\u{a0}kr"),
        "{problem}"
    );
    // The refused save stored nothing: the draft still lacks the one answer.
    let (_, stored) = app.get_json(&format!("/api/v1/reports/{vgr}")).await;
    let year_results = report["results"].as_array().unwrap().len();
    assert_eq!(year_results, 7, "the 2021 annex has seven expected results");
    assert_eq!(
        stored["versions"][0]["answers"].as_array().unwrap().len(),
        year_results - 1
    );
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{vgr}/draft"),
            full_draft(&report, json!({"personal": "4 996 873"}), 10),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Another organisation cannot file Region Skåne's report: it does not exist for them,
    // and the attempt is recorded.
    let denied_before = app.audit_events("access.denied").len();
    let (status, _) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/draft"),
            full_draft(&report, json!({}), 1),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/submit"),
            json!({"signer_name": "Johan Karlsson", "signer_role": "Direktör"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json(&format!("/api/v1/reports/{skane}")).await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_events("access.denied").len(), denied_before + 3);

    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{vgr}/submit"),
            json!({"signer_name": "Johan Karlsson", "signer_role": "Hälso- och sjukvårdsdirektör"}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["unused"], "0");

    // Region Östergötland: three girls, shown as "<5" to the public.
    let ostergotland = file(&app, OSTERGOTLAND, json!({"personal": "3 179 104"}), 3).await;

    // The officer's overview: every region's answer to every expected result of 2021.
    app.api_login(OFFICER).await;
    let (status, overview) = app
        .get_json(&format!("/api/v1/calls/{call_id}/reports?year=2021"))
        .await;
    assert_eq!(status, 200, "{overview}");
    let results = overview["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    let regions = overview["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 3);
    for region in regions {
        assert_eq!(region["status"], "submitted", "{region}");
        let answers = region["answers"].as_array().unwrap();
        assert_eq!(answers.len(), 7);
        assert!(
            answers.iter().all(|a| a["achievement"].is_string()),
            "{region}"
        );
    }
    assert_eq!(overview["totals"]["received"], "11089785");
    assert_eq!(overview["totals"]["unused"], "400000");
    let skane_row = regions
        .iter()
        .find(|r| r["organisation"] == "Region Skåne")
        .unwrap();
    assert_eq!(skane_row["unused"], "400000");
    assert_eq!(skane_row["signer"], "Anna Berg, Regiondirektör");

    // Approval of Skåne's report: a repayment claim of exactly 400 000 kr with its letter.
    let before = available_2021(&app, &call_id).await;
    assert_eq!(before, "3910215");
    app.clock.set(at("2022-03-10T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, approved) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    let claim = &approved["repayment"];
    assert_eq!(claim["amount"], "400000");
    assert_eq!(claim["kind"], "repayment");
    assert_eq!(claim["status"], "open");
    assert_eq!(claim["due_on"], "2022-04-09");
    let reference = claim["payment_reference"].as_str().unwrap().to_string();
    assert!(reference.ends_with("-2021"), "{reference}");
    // The claim is open: nothing has come back yet.
    assert_eq!(available_2021(&app, &call_id).await, before);

    let response = app
        .get(&format!("/api/v1/reports/{skane}/repayment/letter"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().contains_key("x-content-sha256"));
    let pdf = response.bytes().await.unwrap();
    let text = extract_pages(&pdf).join(" ");
    assert!(text.contains("400 000 kr"), "{text}");
    assert!(text.contains(&reference), "{text}");
    assert!(text.contains("2022-04-09"), "{text}");
    assert!(text.contains("Region Skåne"), "{text}");
    // Sent to Region Skåne's people with the letter attached.
    let mut conn = app.conn();
    let sent = statsbidrag::db::outbox::list(&mut conn).unwrap();
    assert!(sent.iter().any(|m| m.to_address == SKANE
        && m.subject.contains("återbetalning")
        && m.attachment.is_some()));
    drop(conn);

    // Recorded as received: 2021's available amount grows by exactly 400 000 kr.
    let (status, received) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/repayment/received"),
            json!({"received_on": "2022-03-10"}),
        )
        .await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["status"], "received");
    assert_eq!(available_2021(&app, &call_id).await, "4310215");
    // The next redistribution round for 2021 offers exactly that.
    let (status, round) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/rounds"),
            json!({"year": "2021", "last_day": "2022-03-31"}),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(round["available"], "4310215");
    assert_eq!(round["returned"], "400000");
    // Not twice.
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/repayment/received"),
            json!({"received_on": "2022-03-10"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(available_2021(&app, &call_id).await, "4310215");

    // Approved without unused money: no claim.
    let (status, approved) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{ostergotland}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert!(approved["repayment"].is_null());

    // After approval the report cannot change, through the service or in the database.
    let csrf = app.api_login(SKANE).await;
    let (status, problem) = app
        .put_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/draft"),
            json!({"children_total": 1}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("godkänd"));
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/supplement-answer"),
            json!({}),
        )
        .await;
    assert_eq!(status, 409);
    let mut conn = app.conn();
    assert!(
        execute(
            &mut conn,
            &format!("UPDATE reports SET status = 'draft' WHERE id = '{skane}'")
        )
        .is_err()
    );
    assert!(
        execute(
            &mut conn,
            &format!("UPDATE report_versions SET girls = 1 WHERE report_id = '{skane}'")
        )
        .is_err()
    );
    // The counts are the answer to the call's counts field: frozen the same way.
    assert!(
        execute(
            &mut conn,
            &format!(
                "UPDATE report_field_answers SET body = '{{\"total\":1,\"girls\":1,\"boys\":0}}' \
                 WHERE version_id IN (SELECT id FROM report_versions WHERE report_id = '{skane}')"
            )
        )
        .is_err()
    );
    assert!(
        execute(
            &mut conn,
            &format!("INSERT INTO report_versions (id, report_id, number, status, created_at) VALUES ('x', '{skane}', 9, 'draft', '2022-03-10 10:00:00')")
        )
        .is_err()
    );
    drop(conn);
    assert_eq!(app.audit_events("report.approved").len(), 2);
    assert_eq!(app.audit_events("repayment.received").len(), 1);

    // The public export: approved reports only; three girls are written "<5", and the boys
    // "x" so that the girls cannot be worked out from the total.
    let public = crate::helpers::new_client();
    let response = public
        .get(app.url(&format!("/api/v1/calls/{call_id}/reports/public?year=2021")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let rows: Value = response.json().await.unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let og = rows
        .iter()
        .find(|r| r["organisation"] == "Region Östergötland")
        .unwrap();
    assert_eq!(og["girls"], "<5");
    // 23 − 11 would give the girls away: the boys are hidden too.
    assert_eq!(og["boys"], "x");
    assert_eq!(og["children_total"], "23");
    // The officers' own view shows the count.
    app.api_login(AUDITOR).await;
    let (_, overview) = app
        .get_json(&format!("/api/v1/calls/{call_id}/reports?year=2021"))
        .await;
    let og = overview["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"] == "Region Östergötland")
        .unwrap();
    assert_eq!(og["girls"], 3);
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

#[actix_web::test]
async fn an_officer_asks_for_a_supplement_and_the_region_answers_in_a_new_version() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;
    let skane = file(&app, SKANE, json!({"personal": "2 913 808"}), 12).await;

    let csrf = app.api_login(OFFICER).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/supplement-requests"),
            json!({"message": "Beskriv samverkan med SiS tydligare.", "due_on": "2022-02-20"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "supplement_requested");

    let csrf = app.api_login(SKANE).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/supplement-answer"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let versions = body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["status"], "draft");
    assert_eq!(
        versions[1]["answers"].as_array().unwrap().len(),
        7,
        "copied"
    );
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/submit"),
            json!({"signer_name": "Sara Persson", "signer_role": "Verksamhetschef"}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["version"], 2);
    // The first version is kept as it was.
    let (_, body) = app.get_json(&format!("/api/v1/reports/{skane}")).await;
    assert_eq!(body["versions"][0]["signer_role"], "Regiondirektör");
    assert_eq!(body["versions"][1]["signer_role"], "Verksamhetschef");
    assert_eq!(body["status"], "submitted");
}

#[actix_web::test]
async fn reminders_go_once_before_the_due_day_and_once_after_it() {
    let app = spawn_app().await;
    let links = statsbidrag::outbox::Links::new("https://statsbidrag.example");
    let run = |when: &str| {
        let mut conn = app.conn();
        statsbidrag::reports::reminders::run(&mut conn, at(when), &links, "Socialstyrelsen")
            .unwrap()
    };
    let reminders = |prefix: &str| {
        let mut conn = app.conn();
        statsbidrag::db::outbox::list(&mut conn)
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.starts_with(prefix))
            .count()
    };
    // The 2021 reports are due 2022-03-01; nothing is sent a month before.
    let sent = run("2022-01-20T08:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (0, 0));
    // Fourteen days before: one reminder per region, once.
    let sent = run("2022-02-15T08:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (3, 0));
    let sent = run("2022-02-20T08:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (0, 0));
    // One per person: Region Skåne has three (ombud, representative, uppgiftssamordnare).
    assert_eq!(reminders("Påminnelse: återrapportering"), 5);
    // The due day itself is still in time.
    let sent = run("2022-03-01T20:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (0, 0));
    // The day after: flagged, and one reminder each, once.
    let sent = run("2022-03-02T08:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (0, 3));
    let sent = run("2022-03-09T08:00:00Z");
    assert_eq!((sent.before_due, sent.overdue), (0, 0));
    assert_eq!(reminders("Återrapportering saknas"), 5);

    app.clock.set(at("2022-03-02T08:00:00Z"));
    app.api_login(OFFICER).await;
    let call_id = app.call_id().await;
    let (_, overview) = app
        .get_json(&format!("/api/v1/calls/{call_id}/reports?year=2021"))
        .await;
    assert!(
        overview["regions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["overdue"] == true && r["status"] == "not_started"),
        "{overview}"
    );
}

#[actix_web::test]
async fn a_report_cannot_be_started_before_the_year_has_ended() {
    let app = spawn_app().await;
    app.clock.set(at("2021-11-01T09:00:00Z"));
    let csrf = app.api_login(SKANE).await;
    let (_, slots) = app.get_json("/api/v1/reports").await;
    let slot = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["year"] == 2021)
        .unwrap()
        .clone();
    assert_eq!(slot["state"], "not_open");
    assert_eq!(slot["opens_on"], "2022-01-01");
    let (status, problem) = app
        .post_json(
            &csrf,
            "/api/v1/reports",
            json!({"decision_id": slot["decision_id"], "year": 2021}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("2022-01-01"));
    // Nor by the agency's staff for a region.
    let csrf = app.api_login(OFFICER).await;
    let (status, _) = app
        .post_json(
            &csrf,
            "/api/v1/reports",
            json!({"decision_id": slot["decision_id"], "year": 2021}),
        )
        .await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn the_pages_keep_what_was_typed_and_show_the_matrix() {
    let mut app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;
    app.client = crate::helpers::new_client();
    app.login(SKANE).await;
    let (status, page) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("href=\"/aterrapporter\""));
    let (status, page) = app.get_text("/aterrapporter").await;
    assert_eq!(status, 200);
    assert!(page.contains("Börja återrapportera 2021"), "{page}");
    let csrf = crate::helpers::csrf_from(&page);
    let decision_id = {
        let marker = "name=\"decision_id\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    let response = app
        .client
        .post(app.url("/aterrapporter/starta"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("decision_id", decision_id.as_str()),
            ("year", "2021"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit = response.headers()["location"].to_str().unwrap().to_string();
    let (status, page) = app.get_text(&edit).await;
    assert_eq!(status, 200);
    let csrf = crate::helpers::csrf_from(&page);
    // More used than received, and a count that is not a number: refused, as typed.
    let response = app
        .client
        .post(app.url(&edit))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("costs.personal", "3 000 000"),
            // The counts are the call's counts field, number 1 of its report-back form.
            ("answers.1.girls", "tre"),
            ("answers.1.total", "17"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"3 000 000\""), "typed amount kept");
    assert!(page.contains("value=\"tre\""));
    assert!(page.contains("value=\"17\""));
    assert!(
        page.contains("Ange antalet flickor som ett heltal"),
        "{page}"
    );
    assert!(page.contains("mer än ni har fått utbetalt"));

    // The officer's overview page lists the three regions, with the CSV files.
    app.client = crate::helpers::new_client();
    app.login(OFFICER).await;
    let (status, page) = app
        .get_text(&format!("/utlysningar/{call_id}/aterrapporter?ar=2021"))
        .await;
    assert_eq!(status, 200, "{page}");
    for region in [
        "Region Skåne",
        "Västra Götalandsregionen",
        "Region Östergötland",
    ] {
        assert!(page.contains(region), "{region}");
    }
    let response = app
        .get(&format!("/utlysningar/{call_id}/aterrapporter.csv?ar=2021"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("Organisationsnummer;Bidragsmottagare;Diarienummer"));
    assert!(text.contains("232100-0255;Region Skåne;"), "{text}");
    assert!(text.contains("\r\n"));
    // An applicant may not see the overview.
    app.client = crate::helpers::new_client();
    app.login(VGR).await;
    let response = app
        .get(&format!("/utlysningar/{call_id}/aterrapporter?ar=2021"))
        .await;
    assert_eq!(response.status().as_u16(), 404);
}

/// Posts a form through the pages; returns the status and the page (or the redirect's
/// target for a 303).
async fn post_page(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 303 {
        let to = response.headers()["location"].to_str().unwrap().to_string();
        return (status, to);
    }
    (status, response.text().await.unwrap())
}

/// What the officer's forms may change, read straight from the database.
fn officer_state(
    app: &TestApp,
    report_id: &str,
) -> (String, usize, Vec<(String, Option<String>)>, usize) {
    let mut conn = app.conn();
    let report = statsbidrag::db::reports::find(&mut conn, report_id)
        .unwrap()
        .unwrap();
    let requests = statsbidrag::db::reports::supplement_requests(&mut conn, report_id)
        .unwrap()
        .len();
    let claims = statsbidrag::db::reports::claims_of_report(&mut conn, report_id)
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                c.status.as_str().to_string(),
                c.received_on.map(|d| d.to_string()),
            )
        })
        .collect();
    let mails = statsbidrag::db::outbox::list(&mut conn).unwrap().len();
    (report.status.as_str().to_string(), requests, claims, mails)
}

#[actix_web::test]
async fn the_officers_forms_on_the_report_page_come_back_as_typed_with_the_field_named() {
    let mut app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;
    // 400 000 kr unused: approval makes a repayment claim.
    let skane = file(
        &app,
        SKANE,
        json!({"personal": "2 000 000", "resor": "413 808", "utbildning": "100 000"}),
        12,
    )
    .await;
    app.client = crate::helpers::new_client();
    app.login(OFFICER).await;
    let page_path = format!("/aterrapporter/{skane}");
    let (status, page) = app.get_text(&page_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Begär komplettering"), "{page}");
    let csrf = crate::helpers::csrf_from(&page);
    let submitted = officer_state(&app, &skane);
    assert_eq!((submitted.0.as_str(), submitted.1), ("submitted", 0));

    // A supplement request without a message and with a day that does not exist.
    let supplement = format!("{page_path}/begar-komplettering");
    let (status, page) = post_page(
        &app,
        &supplement,
        &[
            ("csrf_token", csrf.as_str()),
            ("message", "  "),
            ("due_on", "2022-02-31"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Ingenting är sparat"), "{page}");
    assert!(page.contains("href=\"#message\""));
    assert!(page.contains("href=\"#due_on\""));
    assert!(page.contains(
        "<p class=\"field-error\" id=\"message-fel\">Fyll i vad som ska kompletteras.</p>"
    ));
    assert!(page.contains(
        "<p class=\"field-error\" id=\"due_on-fel\">Ange sista svarsdag som år-månad-dag, till exempel 2020-04-20.</p>"
    ));
    assert!(page.contains("name=\"due_on\" type=\"date\" value=\"2022-02-31\""));

    // A message, but an answer day already passed (the clock stands at 2022-02-01).
    let message = "Beskriv samverkan med SiS tydligare.";
    let (status, page) = post_page(
        &app,
        &supplement,
        &[
            ("csrf_token", csrf.as_str()),
            ("message", message),
            ("due_on", "2022-01-20"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains(
        "<p class=\"field-error\" id=\"due_on-fel\">Sista svarsdag kan inte ligga före i dag.</p>"
    ));
    assert!(!page.contains("id=\"message-fel\""), "the message was fine");
    assert!(
        page.contains(&format!(">{message}</textarea>")),
        "typed message kept"
    );
    assert!(page.contains("value=\"2022-01-20\""));

    // A form from a page left open too long: refused, the message still there.
    let (status, page) = post_page(
        &app,
        &supplement,
        &[
            ("csrf_token", "inaktuell"),
            ("message", message),
            ("due_on", "2022-02-20"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Formuläret kom inte från en sida i tjänsten"));
    assert!(page.contains(&format!(">{message}</textarea>")));
    assert!(page.contains("value=\"2022-02-20\""));

    // Approval has nothing to type; its one bad input is a stale form, and it is refused
    // on the page itself.
    let (status, page) = post_page(
        &app,
        &format!("{page_path}/godkann"),
        &[("csrf_token", "inaktuell")],
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Formuläret kom inte från en sida i tjänsten"));
    assert!(page.contains("Godkänn återrapporteringen"));

    // Nothing was stored: no request, no status change, no e-mail, no audit entry.
    assert_eq!(officer_state(&app, &skane), submitted);
    assert!(app.audit_events("report.supplement_requested").is_empty());
    assert!(app.audit_events("report.approved").is_empty());

    // Approved on 2022-03-10: the form for the money coming back offers today's date.
    // A new login: the session ended while the clock moved on.
    app.clock.set(at("2022-03-10T09:00:00Z"));
    app.client = crate::helpers::new_client();
    app.login(OFFICER).await;
    let (_, page) = app.get_text(&page_path).await;
    let csrf = crate::helpers::csrf_from(&page);
    let (status, to) = post_page(
        &app,
        &format!("{page_path}/godkann"),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, page_path.as_str()));
    let (_, page) = app.get_text(&page_path).await;
    assert!(page.contains("name=\"received_on\" type=\"date\" value=\"2022-03-10\""));
    let approved = officer_state(&app, &skane);
    assert_eq!(approved.0, "approved");
    assert_eq!(approved.2, [("open".to_string(), None)]);

    // The day the money came in: one that does not exist, one in the future, and one
    // before the claim was made.
    let received = format!("{page_path}/aterbetalning/mottagen");
    for (typed, said) in [
        (
            "2022-02-31",
            "Ange dagen pengarna kom in som år-månad-dag, till exempel 2020-04-20.",
        ),
        (
            "2022-03-11",
            "Dagen pengarna kom in kan inte ligga i framtiden.",
        ),
        (
            "2022-03-01",
            "Beloppet begärdes 2022-03-10; det kan inte ha kommit in före dess.",
        ),
    ] {
        let (status, page) = post_page(
            &app,
            &received,
            &[("csrf_token", csrf.as_str()), ("received_on", typed)],
        )
        .await;
        assert_eq!(status, 422, "{typed}: {page}");
        assert!(page.contains("href=\"#received_on\""), "{typed}");
        assert!(
            page.contains(&format!(
                "<p class=\"field-error\" id=\"received_on-fel\">{said}</p>"
            )),
            "{typed}: {page}"
        );
        assert!(
            page.contains(&format!(
                "name=\"received_on\" type=\"date\" value=\"{typed}\""
            )),
            "{typed} kept"
        );
    }
    assert_eq!(officer_state(&app, &skane), approved, "nothing stored");
    assert!(app.audit_events("repayment.received").is_empty());

    // The same form with a good day is taken.
    let (status, to) = post_page(
        &app,
        &received,
        &[("csrf_token", csrf.as_str()), ("received_on", "2022-03-10")],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, page_path.as_str()));
    assert_eq!(
        officer_state(&app, &skane).2,
        [("received".to_string(), Some("2022-03-10".to_string()))]
    );
}

/// Unused money repaid after the report, then the grant revoked: the claim back is what the
/// region still holds (paid less repaid), and the year gets the money back once, not twice.
/// A report filed after a lowering counts as received only what the region may keep.
#[actix_web::test]
async fn a_grant_revoked_after_its_repayment_is_claimed_and_counted_once() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;
    let skane = file(
        &app,
        SKANE,
        json!({"personal": "2 000 000", "resor": "413 808", "utbildning": "100 000"}),
        12,
    )
    .await;
    app.clock.set(at("2022-03-10T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/repayment/received"),
            json!({"received_on": "2022-03-10"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(available_2021(&app, &call_id).await, "4310215");

    // April 2022: the grant is revoked.
    app.clock.set(at("2022-04-01T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let grant = crate::changes::grant_of(&app, "232100-0255");
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", grant.id),
            json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let csrf = app
        .api_login("beslutsfattare@socialstyrelsen.example")
        .await;
    let id = draft["id"].as_str().unwrap();
    let (status, body) = app
        .post_json(&csrf, &format!("/api/v1/decisions/{id}/sign"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");

    // Claimed back: 2 913 808 paid less 400 000 already repaid.
    let mut conn = app.conn();
    let claims = statsbidrag::db::reports::claims_of_decision(&mut conn, id).unwrap();
    drop(conn);
    assert_eq!(
        claims.len(),
        1,
        "nothing to claim for 2022: it was not paid"
    );
    assert_eq!(claims[0].year, 2021);
    assert_eq!(claims[0].amount_ore.ore(), 251_380_800);
    // The year gets the whole grant back, the repayment not a second time:
    // 3 910 215 + 2 913 808.
    assert_eq!(available_2021(&app, &call_id).await, "6824023");

    // Västra Götaland's 2021 grant is lowered by 100 000 kr after payment; its report then
    // counts 100 000 kr less as received.
    let vgr_grant = crate::changes::grant_of(&app, "232100-0131");
    let granted = {
        let mut conn = app.conn();
        statsbidrag::decisions::current_amounts(&mut conn, &vgr_grant.id).unwrap()[&2021].ore()
            / 100
    };
    let csrf = app.api_login(OFFICER).await;
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", vgr_grant.id),
            json!({"kind": "change", "amounts": {"2021": (granted - 100_000).to_string()},
                   "reasons": "Lägre kostnader än beräknat."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let csrf = app
        .api_login("beslutsfattare@socialstyrelsen.example")
        .await;
    let id = draft["id"].as_str().unwrap();
    let (status, _) = app
        .post_json(&csrf, &format!("/api/v1/decisions/{id}/sign"), json!({}))
        .await;
    assert_eq!(status, 200);
    let csrf = app.api_login(VGR).await;
    let report = start_2021(&app, &csrf).await;
    assert_eq!(
        report["received_now"],
        (granted - 100_000).to_string(),
        "{report}"
    );
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

/// Every reminder due at `now` and not yet sent, by the plain rule over every slot: what
/// the set-based query of `reminders::due` must agree with.
fn due_by_rule(app: &TestApp, now: &str) -> std::collections::BTreeSet<(String, i32, String)> {
    use statsbidrag::reports::{reminders, workflow};
    let mut conn = app.conn();
    let today = statsbidrag::clock::stockholm_date(at(now));
    let mut due = std::collections::BTreeSet::new();
    let calls = statsbidrag::db::calls::list_calls(
        &mut conn,
        &[
            statsbidrag::codes::CallStatus::Published,
            statsbidrag::codes::CallStatus::Closed,
        ],
    )
    .unwrap();
    for call in calls {
        let rules = workflow::rules_for(&mut conn, &call.id).unwrap();
        for slot in workflow::slots(&mut conn, Some(&call.id), None).unwrap() {
            let Some(kind) = reminders::due_reminder(&slot, &rules, today) else {
                continue;
            };
            let sent =
                statsbidrag::db::reports::reminders_sent(&mut conn, &slot.decision.id, slot.year)
                    .unwrap();
            if !sent.iter().any(|k| k == kind) {
                due.insert((slot.decision.id.clone(), slot.year, kind.to_string()));
            }
        }
    }
    due
}

fn due_by_query(app: &TestApp, now: &str) -> std::collections::BTreeSet<(String, i32, String)> {
    let mut conn = app.conn();
    statsbidrag::reports::reminders::due(&mut conn, at(now))
        .unwrap()
        .into_iter()
        .map(|d| (d.slot.decision_id, d.slot.year, d.kind.to_string()))
        .collect()
}

#[actix_web::test]
async fn the_reminder_query_finds_exactly_what_the_rule_says_is_due() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    pay_2021(&app, &call_id).await;
    // Slots in every state: Skåne's 2021 report submitted and approved, its grant then
    // revoked (2022 owes nothing); Västra Götaland's 2021 report a draft; Östergötland's not
    // started; the 2022 reports not open until 2023.
    let skane = file(
        &app,
        SKANE,
        json!({"personal": "2 000 000", "resor": "413 808", "utbildning": "100 000"}),
        12,
    )
    .await;
    let csrf = app.api_login(VGR).await;
    start_2021(&app, &csrf).await;
    app.clock.set(at("2022-03-10T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/reports/{skane}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    app.clock.set(at("2022-04-01T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let grant = crate::changes::grant_of(&app, "232100-0255");
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", grant.id),
            json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let csrf = app
        .api_login("beslutsfattare@socialstyrelsen.example")
        .await;
    let (status, body) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/sign", draft["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let links = statsbidrag::outbox::Links::new("https://statsbidrag.example");
    let mut seen = 0;
    for (when, then_run) in [
        ("2021-06-01T08:00:00Z", false),
        ("2022-01-20T08:00:00Z", false),
        ("2022-02-15T08:00:00Z", false),
        ("2022-02-15T09:00:00Z", true),
        ("2022-02-20T08:00:00Z", false),
        ("2022-03-02T08:00:00Z", false),
        ("2023-02-20T08:00:00Z", false),
        ("2023-03-05T08:00:00Z", true),
        ("2022-03-02T09:00:00Z", false),
        ("2022-03-02T10:00:00Z", true),
        ("2024-06-01T08:00:00Z", false),
    ] {
        let (rule, query) = (due_by_rule(&app, when), due_by_query(&app, when));
        assert_eq!(rule, query, "at {when}");
        seen += rule.len();
        if then_run {
            let mut conn = app.conn();
            let sent = statsbidrag::reports::reminders::run(
                &mut conn,
                at(when),
                &links,
                "Socialstyrelsen",
            )
            .unwrap();
            assert_eq!(sent.before_due + sent.overdue, rule.len(), "at {when}");
            drop(conn);
            assert!(due_by_query(&app, when).is_empty(), "all sent at {when}");
        }
    }
    assert!(seen >= 6, "the states were exercised: {seen}");
}
