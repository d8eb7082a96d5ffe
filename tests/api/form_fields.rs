//! Forms as data (issue 15), the applicant's side: a call whose application form has a field
//! of every type, built through the API; an applicant fills it in through the API and the
//! edit page, each bad value is named beside its field in Swedish and nothing is stored;
//! good values are stored in their type's canonical form and shown in their type's form;
//! a required attachment question takes a file of its own kinds; a hidden question is not
//! required; a supplement copies every answer and the change list reads them as people do.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, SKANE, TestApp, csrf_from, spawn_app_without_cases};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Ends the client's session (one person at a time on the test's client).
async fn log_out(app: &TestApp, csrf: &str) {
    let response = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

/// The `<input>` tag with an id.
fn tag<'a>(page: &'a str, id: &str) -> &'a str {
    let Some(at) = page.find(&format!("id=\"{id}\"")) else {
        return "";
    };
    let start = page[..at].rfind('<').unwrap_or(at);
    let end = page[at..].find('>').map_or(page.len(), |e| at + e);
    &page[start..end]
}

/// The value an input shows.
fn value_of(page: &str, id: &str) -> String {
    let tag = tag(page, id);
    tag.split_once("value=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value.to_string())
        .unwrap_or_default()
}

fn message<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
}

/// The application form: one field of every type, in pages, with a condition.
fn every_type() -> Value {
    json!([
        { "title": "Om projektet", "kind": "page", "help_text": "Första sidan." },
        { "title": "Projektets namn", "kind": "short_text", "required": true, "max_length": 60 },
        { "title": "Beskrivning", "kind": "long_text", "required": true, "max_length": 2000 },
        { "title": "Antal platser", "kind": "integer", "required": true,
          "settings": { "min": 1, "max": 40 } },
        { "title": "Egen finansiering", "kind": "amount", "settings": { "max": 1000000 } },
        { "title": "Andel av tiden", "kind": "percentage" },
        { "title": "Startdag", "kind": "date", "required": true },
        { "title": "Samverkar ni med en kommun?", "kind": "yes_no", "required": true },
        { "title": "Vilken kommun?", "kind": "short_text", "required": true,
          "settings": { "show_when": { "field": 8, "equals": "ja" } } },
        { "title": "Huvudman", "kind": "single_choice", "required": true,
          "settings": { "options": [ { "value": "region", "label": "Regionen" },
                                      { "value": "sis", "label": "SiS" } ] } },
        { "title": "Målgrupper", "kind": "multiple_choice",
          "settings": { "options": [ { "value": "flickor", "label": "Flickor" },
                                      { "value": "pojkar", "label": "Pojkar" },
                                      { "value": "andra", "label": "Andra" } ] } },
        { "title": "Kontaktens e-post", "kind": "email", "required": true },
        { "title": "Kontaktens telefon", "kind": "phone" },
        { "title": "Samverkanspartens organisationsnummer", "kind": "org_number" },
        { "title": "Underlag", "kind": "page" },
        { "title": "Projektplan", "kind": "attachment", "required": true,
          "settings": { "accept": ["txt", "pdf"], "max_size_mb": 1 } },
        { "title": "Insatser", "kind": "table", "required": true,
          "settings": { "columns": [
              { "key": "insats", "label": "Insats", "kind": "short_text", "required": true },
              { "key": "kostnad", "label": "Kostnad", "kind": "amount" },
              { "key": "start", "label": "Start", "kind": "date" } ],
            "max_rows": 5 } },
        { "title": "Barn i målgruppen", "kind": "sex_counts" }
    ])
}

fn call(sections: Value) -> Value {
    json!({
        "programme": "sis-integrerad-vard",
        "code": "formular-som-data",
        "title": "Utlysning med formulär som data",
        "description": "Ett formulär med alla typer av fält.",
        "opens_on": "2020-10-01",
        "last_day": "2020-10-25",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": 3,
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "years": [ { "year": 2021, "ceiling": "5000000" } ],
        "sections": sections,
        "cost_categories": [ { "code": "personal", "name": "Personal" } ]
    })
}

/// The officer builds the call through the API and publishes it; its id.
async fn publish_call(app: &TestApp) -> String {
    let csrf = app.api_login(OFFICER).await;
    // A definition the rules refuse is named field by field and not stored.
    let mut bad = every_type();
    bad[3]["settings"] = json!({ "min": 50, "max": 40 });
    bad[9]["settings"] = json!({ "options": [ { "value": "region", "label": "Regionen" } ] });
    bad[8]["settings"] = json!({ "show_when": { "field": 12, "equals": "ja" } });
    bad[15]["settings"] = json!({ "accept": ["exe"] });
    let (status, problem) = app.post_json(&csrf, "/api/v1/calls", call(bad)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            "sections.3.min",
            "sections.8.show_when",
            "sections.9.options",
            "sections.15.accept"
        ]
    );
    assert_eq!(
        message(&problem, "sections.3.min"),
        "Det minsta värdet är större än det största."
    );
    let (_, calls) = app.get_json("/api/v1/calls").await;
    assert_eq!(calls, json!([]), "nothing stored");

    let (status, created) = app
        .post_json(&csrf, "/api/v1/calls", call(every_type()))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let (status, published) = app
        .post_json(&csrf, &format!("/api/v1/calls/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, 200, "{published}");
    // The API shows the form as data: types and settings.
    let (_, shown) = app.get_json(&format!("/api/v1/calls/{id}")).await;
    let sections = shown["sections"].as_array().cloned().unwrap_or_default();
    assert_eq!(sections.len(), 18, "{shown}");
    assert_eq!(sections[16]["kind"], "table");
    assert_eq!(sections[16]["settings"]["columns"][1]["kind"], "amount");
    assert_eq!(sections[8]["settings"]["show_when"]["field"], 8);
    id
}

#[actix_web::test]
async fn a_form_with_every_field_type_is_filled_in_checked_stored_and_shown() {
    let app = spawn_app_without_cases().await;
    app.clock
        .set("2020-10-02T08:00:00Z".parse().unwrap_or_default());
    let call_id = publish_call(&app).await;

    let csrf = app.api_login(SKANE).await;
    let (status, started) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/applications"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap_or_default().to_string();
    let draft = format!("/api/v1/applications/{id}/draft");

    // Every bad value is named beside its field, table cells and counts by their part.
    let bad = json!({
        "project_title": "Integrerad vård",
        "answers": {
            "1": "Ett svar på en rubrik",
            "2": "x".repeat(61),
            "4": "41",
            "5": "12.500",
            "6": "101",
            "7": "1 mars",
            "8": "kanske",
            "10": "kommunen",
            "11": ["flickor", "vuxna"],
            "12": "inte en adress",
            "13": "ring mig",
            "14": "232100-0256",
            "16": "en text",
            "17": [ { "insats": "", "kostnad": "100" }, { "insats": "Team", "kostnad": "tio" } ],
            "18": { "total": "3", "girls": "2", "boys": "2" }
        }
    });
    let (status, problem) = app.put_json(&csrf, &draft, bad).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            "answers.1",
            "answers.10",
            "answers.11",
            "answers.12",
            "answers.13",
            "answers.14",
            "answers.16",
            "answers.17.0.insats",
            "answers.17.1.kostnad",
            "answers.18.total",
            "answers.2",
            "answers.4",
            "answers.5",
            "answers.6",
            "answers.7",
            "answers.8",
        ]
    );
    assert_eq!(
        message(&problem, "answers.4"),
        "Ange talet mellan 1 och 40."
    );
    assert_eq!(message(&problem, "answers.10"), "Välj ett av alternativen.");
    assert_eq!(
        message(&problem, "answers.18.total"),
        "Flickor och pojkar kan tillsammans inte vara fler än totalt."
    );
    let (_, case) = app.get_json(&format!("/api/v1/applications/{id}")).await;
    assert!(
        case["versions"][0]["answers"]
            .as_array()
            .is_some_and(|a| a.iter().all(|a| a["body"].is_null())),
        "nothing stored: {case}"
    );

    // Good values, every shape the API takes (numbers as numbers, lists, rows, parts).
    let good = json!({
        "project_title": "Integrerad vård",
        "answers": {
            "2": "Integrerad vård i Skåne",
            "3": "Vi bygger ett team.",
            "4": 12,
            "5": "250 000,50",
            "6": "12,5 %",
            "7": "2021-01-04",
            "8": "nej",
            "9": "Malmö",
            "10": "region",
            "11": ["pojkar", "flickor"],
            "12": "projekt@skane.example",
            "13": "040-675 30 00",
            "14": "232100-0255",
            "17": [ { "insats": "Team", "kostnad": 420000, "start": "2021-02-01" },
                    { "insats": "", "kostnad": "" } ],
            "18": { "total": 12, "girls": 5, "boys": 6 }
        },
        "budget": [ { "year": 2021, "category": "personal", "amount": "420 000" } ]
    });
    let (status, case) = app.put_json(&csrf, &draft, good).await;
    assert_eq!(status, 200, "{case}");
    let answers = case["versions"][0]["answers"].clone();
    let answer = |n: i64| {
        answers
            .as_array()
            .and_then(|a| a.iter().find(|a| a["section_position"] == n))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        answer(1),
        Value::Null,
        "a page takes no answer and is not listed"
    );
    assert_eq!(answer(4)["body"], "12");
    assert_eq!(answer(5)["body"], "25000050", "an amount is stored in öre");
    assert_eq!(answer(5)["value"], "250000.5");
    assert_eq!(answer(5)["text"], "250\u{a0}000,50\u{a0}kr");
    assert_eq!(answer(6)["body"], "12.5");
    assert_eq!(answer(8)["text"], "Nej");
    assert_eq!(
        answer(9)["asked"],
        false,
        "asked only when the answer to 8 is ja"
    );
    assert_eq!(answer(10)["text"], "Regionen");
    assert_eq!(answer(11)["value"], json!(["flickor", "pojkar"]));
    assert_eq!(answer(14)["body"], "232100-0255");
    assert_eq!(
        answer(17)["value"],
        json!([{ "insats": "Team", "kostnad": "42000000", "start": "2021-02-01" }])
    );
    assert_eq!(
        answer(18)["value"],
        json!({ "total": 12, "girls": 5, "boys": 6 })
    );

    // The required attachment question is missing; the condition's question is not asked.
    let (status, check) = app
        .get_json(&format!("/api/v1/applications/{id}/submit-check"))
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(
        fields(&json!({ "errors": check["problems"] })),
        ["answers.16"]
    );
    assert_eq!(
        check["problems"][0]["message"],
        "Lägg till bilagan: Projektplan."
    );

    // A file of a kind the question does not take is refused beside the question.
    let upload = |name: &str, body: &[u8], question: &str| {
        app.client
            .post(app.url(&format!(
                "/api/v1/applications/{id}/attachments?filename={name}&question={question}"
            )))
            .header("X-CSRF-Token", csrf.as_str())
            .body(body.to_vec())
            .send()
    };
    let refused = upload("plan.docx", b"PK\x03\x04rest", "16").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let problem: Value = refused.json().await.unwrap_or_default();
    assert_eq!(fields(&problem), ["answers.16"], "{problem}");
    let refused = upload("plan.txt", b"text\0with a nul", "16").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422, "a txt must be text");
    let refused = upload("plan.txt", b"Planen.", "3").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422, "question 3 takes no file");
    let added = upload("plan.txt", "Planen för 2021.".as_bytes(), "16")
        .await
        .unwrap();
    assert_eq!(added.status().as_u16(), 201);
    let added: Value = added.json().await.unwrap_or_default();
    let file = app
        .get(&format!(
            "/api/v1/applications/{id}/attachments/{}",
            added["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(
        file.headers()["content-type"].to_str().unwrap_or_default(),
        "text/plain; charset=utf-8"
    );

    // The edit page shows every type in its own form, with what is stored.
    log_out(&app, &csrf).await;
    app.login(SKANE).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{id}/redigera")).await;
    assert_eq!(status, 200);
    assert!(page.contains("csrf_token"), "{page}");
    assert!(
        page.contains("id=\"answers.1\">Om projektet</h2>"),
        "{page}"
    );
    assert_eq!(value_of(&page, "answers.5"), "250\u{a0}000,50");
    assert!(page.contains("name=\"answers.8\" value=\"nej\" checked"));
    assert!(page.contains("name=\"answers.11\" value=\"flickor\" checked"));
    assert!(page.contains("name=\"answers.11\" value=\"andra\">"));
    assert_eq!(value_of(&page, "answers.17.0.kostnad"), "420\u{a0}000");
    assert_eq!(value_of(&page, "answers.18.girls"), "5");
    assert!(tag(&page, "answers.18.girls").contains("inputmode=\"numeric\""));
    assert!(
        page.contains("Besvaras bara om svaret på fråga 8 (Samverkar ni med en kommun?) är Ja.")
    );
    assert!(page.contains(">plan.txt</a>"));

    // The page form posts the same names: a checkbox unticked, a row added, yes to 8
    // without answering 9 (now asked, so required at submission).
    let token = csrf_from(&page);
    let key_at = page.find("name=\"form_key\" value=\"").unwrap_or_default() + 23;
    let form_key = page[key_at..key_at + page[key_at..].find('"').unwrap_or_default()].to_string();
    let form: Vec<(&str, &str)> = vec![
        ("csrf_token", &token),
        ("form_key", &form_key),
        ("project_title", "Integrerad vård"),
        ("answers.2", "Integrerad vård i Skåne"),
        ("answers.3", "Vi bygger ett team."),
        ("answers.4", "12"),
        ("answers.7", "2021-01-04"),
        ("answers.8", "ja"),
        ("answers.10", "sis"),
        ("answers.11", "pojkar"),
        ("answers.12", "projekt@skane.example"),
        ("answers.17.0.insats", "Team"),
        ("answers.17.0.kostnad", "420 000"),
        ("answers.17.1.insats", "Handledning"),
        ("answers.17.1.start", "2021-03-01"),
        ("answers.18.total", "12"),
        ("action", "save"),
    ];
    let saved = app
        .client
        .post(app.url(&format!("/ansokningar/{id}/redigera")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 303);
    let csrf = app.api_login(SKANE).await;
    let (_, case) = app.get_json(&format!("/api/v1/applications/{id}")).await;
    let answers = case["versions"][0]["answers"].clone();
    let answer = |n: i64| {
        answers
            .as_array()
            .and_then(|a| a.iter().find(|a| a["section_position"] == n))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(answer(11)["value"], json!(["pojkar"]));
    assert_eq!(
        answer(17)["text"],
        "Insats: Team; Kostnad: 420\u{a0}000\u{a0}kr | Insats: Handledning; Start: 2021-03-01"
    );
    assert_eq!(
        answer(18)["value"],
        json!({ "total": 12, "girls": null, "boys": null })
    );
    let (_, check) = app
        .get_json(&format!("/api/v1/applications/{id}/submit-check"))
        .await;
    assert_eq!(
        fields(&json!({ "errors": check["problems"] })),
        ["answers.9"]
    );

    // Answered, the application is submitted and its answers are frozen.
    let (status, case) = app
        .put_json(
            &csrf,
            &draft,
            json!({
                "project_title": "Integrerad vård",
                "answers": {
                    "2": "Integrerad vård i Skåne", "3": "Vi bygger ett team.", "4": "12",
                    "7": "2021-01-04", "8": "ja", "9": "Malmö", "10": "sis",
                    "12": "projekt@skane.example",
                    "17": [ { "insats": "Team", "kostnad": "420 000" } ]
                }
            }),
        )
        .await;
    assert_eq!(status, 200, "{case}");
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let frozen = statsbidrag::db::applications::versions(&mut app.conn(), &id)
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|v| v.id)
        .unwrap_or_default();
    let changed = crate::helpers::execute(
        &mut app.conn(),
        &format!("UPDATE application_answers SET body = 'x' WHERE version_id = '{frozen}'"),
    );
    assert!(changed.is_err(), "a submitted version's answers are frozen");

    // The officer sees the application with every answer in its form, the hidden answers
    // of unasked questions left out.
    log_out(&app, &csrf).await;
    app.login(OFFICER).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{id}")).await;
    assert_eq!(status, 200);
    for shown in [
        "Integrerad vård i Skåne",
        "SiS",
        "Malmö",
        "<td>Team</td><td>420\u{a0}000\u{a0}kr</td>",
        "plan.txt",
    ] {
        assert!(page.contains(shown), "{shown} missing");
    }

    // A supplement copies every answer; the change list reads them as people do.
    let (_, page) = app.get_text("/").await;
    log_out(&app, &csrf_from(&page)).await;
    let officer = app.api_login(OFFICER).await;
    let (status, request) = app
        .post_json(
            &officer,
            &format!("/api/v1/applications/{id}/supplement-requests"),
            json!({ "message": "Ange egen finansiering.", "due_on": "2020-10-20", "budget_change_allowed": false }),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    log_out(&app, &officer).await;
    let csrf = app.api_login(SKANE).await;
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{id}/supplement-answer"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, case) = app
        .put_json(
            &csrf,
            &draft,
            json!({
                "project_title": "Integrerad vård",
                "supplement_answer": "Egen finansiering tillagd.",
                "answers": {
                    "2": "Integrerad vård i Skåne", "3": "Vi bygger ett team.", "4": "12",
                    "5": "100 000", "7": "2021-01-04", "8": "ja", "9": "Malmö", "10": "sis",
                    "12": "projekt@skane.example",
                    "17": [ { "insats": "Team", "kostnad": "420 000" } ]
                }
            }),
        )
        .await;
    assert_eq!(status, 200, "{case}");
    let v2 = &case["versions"][1];
    assert_eq!(
        v2["attachments"].as_array().map(Vec::len),
        Some(1),
        "the question's file is copied: {v2}"
    );
    let (status, receipt) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let (_, case) = app.get_json(&format!("/api/v1/applications/{id}")).await;
    let changes = case["versions"][1]["changes"].clone();
    assert!(
        changes.as_array().is_some_and(|c| c.iter().any(|c| {
            c["what"] == "Fråga 5: Egen finansiering" && c["after"] == "100\u{a0}000\u{a0}kr"
        })),
        "{changes}"
    );
}
