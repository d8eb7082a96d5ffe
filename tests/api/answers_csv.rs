//! A call's applications with every answer as a CSV for a Swedish spreadsheet (issue 15),
//! through HTTP on the real stack: the demo 2020 call's five long-text questions; a call
//! with typed fields, whose answers are written as people read them (an amount in kronor,
//! a multiple choice by its labels, a table's rows on one line, an attachment question by
//! its files, an unasked question empty); officers, decision makers and auditors may
//! download it, an applicant is refused and the refusal is on record.

use serde_json::{Value, json};

use crate::helpers::{
    AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, new_client, spawn_app, spawn_app_without_cases,
};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

/// A browser of its own, logged in as `email` through the login page.
async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
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
            ("csrf_token", crate::helpers::csrf_from(&page).as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "login of {email}");
    client
}

/// The export as `client` gets it: the status, and the rows read back with semicolons
/// (the byte order mark checked and taken off).
async fn download(
    client: &reqwest::Client,
    app: &TestApp,
    call_id: &str,
) -> (u16, Vec<Vec<String>>) {
    let response = client
        .get(app.url(&format!("/utlysningar/{call_id}/ansokningar-svar.csv")))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"ansokningar-svar-"),
        "{disposition}"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte order mark first");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(!text.contains('\u{feff}'), "one byte order mark only");
    assert!(text.ends_with("\r\n"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (status, rows)
}

/// The cell of `row` under the column `heading`.
fn cell<'a>(header: &[String], row: &'a [String], heading: &str) -> &'a str {
    let at = header
        .iter()
        .position(|h| h == heading)
        .unwrap_or_else(|| panic!("no column {heading}: {header:?}"));
    &row[at]
}

#[actix_web::test]
async fn the_2020_calls_applications_with_every_answer() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let officer = browser(&app, OFFICER).await;

    // The list of applications links the export.
    let response = officer
        .get(app.url(&format!("/utlysningar/{call_id}/ansokningar")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!("/utlysningar/{call_id}/ansokningar-svar.csv?")),
        "{page}"
    );

    let (status, rows) = download(&officer, &app, &call_id).await;
    assert_eq!(status, 200);
    let header = rows[0].clone();
    assert_eq!(
        header,
        [
            "Diarienummer",
            "Organisation",
            "Organisationsnummer",
            "Projektets namn",
            "Status",
            "Inkommen",
            "Sökt 2021 (kr)",
            "Sökt 2022 (kr)",
            "Fråga 1: Förankring i regionen och hos SiS",
            "Fråga 2: Inriktning och avgränsningar",
            "Fråga 3: Samverkan inom regionen och med externa aktörer",
            "Fråga 4: Metoder och arbetssätt",
            "Fråga 5: Omfattning, personal och kostnader",
        ]
    );
    // One row per application that has arrived, each as long as the header.
    assert_eq!(rows.len(), 1 + 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let skane = rows
        .iter()
        .find(|r| r[2] == "232100-0255")
        .cloned()
        .unwrap_or_else(|| panic!("Region Skåne's row: {rows:?}"));
    assert!(skane[0].starts_with("SB-"), "{skane:?}");
    assert_eq!(
        cell(&header, &skane, "Projektets namn"),
        "Integrerad vård vid SiS särskilda ungdomshem Hässleholm"
    );
    assert_eq!(cell(&header, &skane, "Inkommen"), "2020-04-20 12:00");
    assert_eq!(cell(&header, &skane, "Sökt 2021 (kr)"), "2913808,00");
    assert!(
        cell(
            &header,
            &skane,
            "Fråga 1: Förankring i regionen och hos SiS"
        )
        .starts_with("Utvecklingsarbetet bedrivs i samverkan med ett enskilt ungdomshem")
    );
    assert!(
        cell(
            &header,
            &skane,
            "Fråga 5: Omfattning, personal och kostnader"
        )
        .contains("psykiatrisjuksköterska och arbetsterapeut")
    );
    // Every question of every application of the demo is answered.
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[8..].iter().all(|c| !c.is_empty()))
    );
    // The rows go in registration number order, as the list.
    let numbers: Vec<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(numbers, sorted);

    // Decision makers and auditors read the call's applications, so they may export them.
    for email in [DECISION_MAKER, AUDITOR] {
        let client = browser(&app, email).await;
        let (status, theirs) = download(&client, &app, &call_id).await;
        assert_eq!(status, 200, "{email}");
        assert_eq!(theirs, rows, "{email}");
    }

    // An applicant may not: refused, and the refusal is on record with the call.
    let applicant = browser(&app, SKANE).await;
    let (status, _) = download(&applicant, &app, &call_id).await;
    assert_eq!(status, 403);
    let denied = app.audit_events("access.denied");
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some(SKANE)
                && e.entity_id.as_deref() == Some(call_id.as_str())
                && e.summary.contains("exportera svaren")),
        "{denied:?}"
    );
    // Nobody logged in is sent to log in, and gets no file.
    let response = new_client()
        .get(app.url(&format!("/utlysningar/{call_id}/ansokningar-svar.csv")))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status().as_u16(), 200);
}

/// A form of typed fields: a page heading, text, an amount, yes/no with a question asked
/// only on yes, a multiple choice, a table, an attachment.
fn typed_call() -> Value {
    json!({
        "programme": "sis-integrerad-vard",
        "code": "svar-som-csv",
        "title": "Utlysning med typade frågor",
        "description": "För test av exporten med alla svar.",
        "opens_on": "2020-10-01",
        "last_day": "2020-10-25",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": 3,
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "years": [ { "year": 2021, "ceiling": "5000000" } ],
        "sections": [
            { "title": "Om projektet", "kind": "page" },
            { "title": "Beskrivning", "kind": "long_text", "required": true, "max_length": 2000 },
            { "title": "Egen finansiering", "kind": "amount" },
            { "title": "Samverkar ni med en kommun?", "kind": "yes_no", "required": true },
            { "title": "Vilken kommun?", "kind": "short_text",
              "settings": { "show_when": { "field": 4, "equals": "ja" } } },
            { "title": "Målgrupper", "kind": "multiple_choice",
              "settings": { "options": [ { "value": "flickor", "label": "Flickor" },
                                          { "value": "pojkar", "label": "Pojkar" },
                                          { "value": "andra", "label": "Andra" } ] } },
            { "title": "Insatser", "kind": "table",
              "settings": { "columns": [
                  { "key": "insats", "label": "Insats", "kind": "short_text", "required": true },
                  { "key": "kostnad", "label": "Kostnad", "kind": "amount" } ] } },
            { "title": "Projektplan", "kind": "attachment",
              "settings": { "accept": ["txt", "pdf"] } }
        ],
        "cost_categories": [ { "code": "personal", "name": "Personal" } ]
    })
}

#[actix_web::test]
async fn typed_answers_are_written_as_people_read_them() {
    let app = spawn_app_without_cases().await;
    app.clock
        .set("2020-10-02T08:00:00Z".parse().unwrap_or_default());
    let csrf = app.api_login(OFFICER).await;
    let (status, created) = app.post_json(&csrf, "/api/v1/calls", typed_call()).await;
    assert_eq!(status, 201, "{created}");
    let call_id = created["id"].as_str().unwrap().to_string();
    let (status, published) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    let _ = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", csrf.as_str())
        .send()
        .await
        .unwrap();

    // Region Skåne applies: an amount with öre, no to the yes/no (so 5 is not asked, though
    // an answer was typed there first), two target groups, two rows, a file.
    let csrf = app.api_login(SKANE).await;
    let (status, started) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/applications"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let draft = format!("/api/v1/applications/{id}/draft");
    let (status, case) = app
        .put_json(
            &csrf,
            &draft,
            json!({
                "project_title": "Integrerad vård i Skåne",
                "answers": {
                    "2": "Vi bygger ett team.",
                    "3": "250 000,50",
                    "4": "nej",
                    "5": "Malmö",
                    "6": ["pojkar", "flickor"],
                    "7": [ { "insats": "Team", "kostnad": "420 000" },
                           { "insats": "Handledning" } ]
                },
                "budget": [ { "year": 2021, "category": "personal", "amount": "420 000" } ]
            }),
        )
        .await;
    assert_eq!(status, 200, "{case}");
    let added = app
        .client
        .post(app.url(&format!(
            "/api/v1/applications/{id}/attachments?filename=plan.txt&question=8"
        )))
        .header("X-CSRF-Token", csrf.as_str())
        .body("Planen för 2021.".as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(added.status().as_u16(), 201);
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");

    // The officer downloads it.
    let officer = browser(&app, OFFICER).await;
    let (status, rows) = download(&officer, &app, &call_id).await;
    assert_eq!(status, 200);
    let header = rows[0].clone();
    assert_eq!(
        header[6..],
        [
            "Sökt 2021 (kr)",
            "Fråga 2: Beskrivning",
            "Fråga 3: Egen finansiering",
            "Fråga 4: Samverkar ni med en kommun?",
            "Fråga 5: Vilken kommun?",
            "Fråga 6: Målgrupper",
            "Fråga 7: Insatser",
            "Fråga 8: Projektplan",
        ],
        "the page heading has no column"
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row = &rows[1];
    assert_eq!(cell(&header, row, "Organisationsnummer"), "232100-0255");
    assert_eq!(
        cell(&header, row, "Projektets namn"),
        "Integrerad vård i Skåne"
    );
    assert_eq!(cell(&header, row, "Status"), "Inkommen");
    assert_eq!(cell(&header, row, "Sökt 2021 (kr)"), "420000,00");
    assert_eq!(
        cell(&header, row, "Fråga 3: Egen finansiering"),
        "250\u{a0}000,50\u{a0}kr"
    );
    assert_eq!(
        cell(&header, row, "Fråga 4: Samverkar ni med en kommun?"),
        "Nej"
    );
    assert_eq!(
        cell(&header, row, "Fråga 5: Vilken kommun?"),
        "",
        "not asked when the answer to 4 is no"
    );
    assert_eq!(cell(&header, row, "Fråga 6: Målgrupper"), "Flickor, Pojkar");
    assert_eq!(
        cell(&header, row, "Fråga 7: Insatser"),
        "Insats: Team; Kostnad: 420\u{a0}000\u{a0}kr | Insats: Handledning"
    );
    assert_eq!(cell(&header, row, "Fråga 8: Projektplan"), "plan.txt");
}
