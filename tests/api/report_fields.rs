//! A call's own report-back fields (issue 15) through HTTP: the officer builds them through
//! the API (a draft call), and they are given to the 2020 call, whose grants owe reports.
//! Bad answers are refused beside their field in Swedish and nothing is stored; good ones
//! are stored in their canonical form; a required question that is asked blocks submit, one
//! a condition hides does not; submitted answers never change; the answers are shown on
//! the report page, in the overview and its file, and counts by sex reach the public export
//! with small counts hidden.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, SKANE, TestApp, csrf_from, execute, nbsp, spawn_app};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// A draft call whose report-back asks eight fields of several types; the officer writes
/// it through the API. Returns its id.
async fn officer_builds_the_fields(app: &TestApp) -> String {
    let csrf = app.api_login(OFFICER).await;
    let call = json!({
        "programme": "sis-integrerad-vard",
        "code": "sis-2099",
        "title": "Formulär för återrapportering",
        "description": "Ett utkast vars återrapportering prövas.",
        "opens_on": "2099-01-31",
        "last_day": "2099-04-20",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": 3,
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "years": [{ "year": 2100, "ceiling": "1000000" }],
        "sections": [{ "title": "Plan", "required": true, "max_length": 1000 }],
        "cost_categories": [{ "code": "personal", "name": "Personal" }],
        "report_fields": [
            { "title": "Samverkan under året", "kind": "page",
              "help_text": "Frågorna gäller hela året." },
            { "title": "Har ni samverkat med skolan?", "kind": "yes_no", "required": true },
            { "title": "Beskriv samverkan", "kind": "long_text", "required": true,
              "max_length": 500,
              "settings": { "show_when": { "field": 2, "equals": "ja" } } },
            { "title": "Medfinansiering", "kind": "amount", "required": true,
              "settings": { "min": 0 } },
            { "title": "Personal i samverkan", "kind": "table",
              "settings": { "columns": [
                  { "key": "role", "label": "Befattning", "kind": "short_text", "required": true },
                  { "key": "cost", "label": "Kostnad", "kind": "amount" } ],
                  "max_rows": 10 } },
            { "title": "Barn i samverkan", "kind": "sex_counts", "required": true },
            { "title": "Kanaler", "kind": "multiple_choice",
              "settings": { "options": [
                  { "value": "a", "label": "Möten" },
                  { "value": "b", "label": "Telefon" },
                  { "value": "c", "label": "Video" } ] } },
            { "title": "Startdatum", "kind": "date" }
        ]
    });
    let (status, body) = app.post_json(&csrf, "/api/v1/calls", call).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// The fields the officer built, given to the 2020 call as if it had asked them from the
/// start: a published call's forms no longer change through the service.
fn give_to(app: &TestApp, from_call: &str, to_call: &str) {
    let mut conn = app.conn();
    // The 2020 call's counts of children (its first field of counts by sex, from the
    // fixture) stay its counts field, first, numbered 0 so that the fields given keep the
    // numbers the officer built them with.
    let moved = execute(
        &mut conn,
        &format!(
            "UPDATE call_report_fields SET position = 0 \
             WHERE call_id = '{to_call}' AND kind = 'sex_counts'"
        ),
    )
    .unwrap();
    assert_eq!(moved, 1);
    let copied = execute(
        &mut conn,
        &format!(
            "INSERT INTO call_report_fields \
                (id, call_id, position, title, help_text, required, max_length, kind, settings) \
             SELECT id || '-2020', '{to_call}', position, title, help_text, required, \
                max_length, kind, settings \
             FROM call_report_fields WHERE call_id = '{from_call}'"
        ),
    )
    .unwrap();
    assert_eq!(copied, 8);
}

/// January 2021: the officer pays the 2021 grants; then February 2022, when the 2021
/// reports are open.
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

/// Skåne starts its 2021 report; returns the report and the CSRF token.
async fn start_2021(app: &TestApp) -> (Value, String) {
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
    (report, csrf)
}

/// The fixed part of a report, complete, with the own fields' answers beside it in
/// `answers` (keyed by field number).
fn draft(report: &Value, own: Value) -> Value {
    let mut answers: serde_json::Map<String, Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                json!({"achievement": "achieved", "activities": "Arbete enligt plan", "obstacles": ""}),
            )
        })
        .collect();
    for (k, v) in own.as_object().unwrap() {
        answers.insert(k.clone(), v.clone());
    }
    json!({
        "answers": answers,
        "costs": {"personal": "2 000 000"},
        "children_total": 23,
        "girls": 12,
        "boys": 11,
        "staff_fte": "3,5",
    })
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

fn message<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no message for {field}: {problem}"))
}

/// The draft's (or latest version's) own answers, by field number.
fn own_answers(report: &Value) -> std::collections::BTreeMap<i64, Value> {
    report["versions"].as_array().unwrap().last().unwrap()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["position"].as_i64().unwrap(), f.clone()))
        .collect()
}

/// The good answers: a small count of girls, so that the public export must hide it.
fn good_answers() -> Value {
    json!({
        "2": "Ja",
        "3": "Vi träffades varje månad.",
        "4": "12 500,50",
        "5": [{"role": "Kurator", "cost": "420 000"}, {"role": "", "cost": ""}],
        "6": {"total": "12", "girls": "3", "boys": "9"},
        "7": ["c", "a"],
        "8": "2021-03-01"
    })
}

#[actix_web::test]
async fn a_calls_own_report_fields_are_read_by_type_required_when_asked_and_frozen() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let draft_call = officer_builds_the_fields(&app).await;
    give_to(&app, &draft_call, &call_id);
    pay_2021(&app, &call_id).await;
    let (report, csrf) = start_2021(&app).await;
    let id = report["id"].as_str().unwrap().to_string();
    let draft_path = format!("/api/v1/reports/{id}/draft");

    // Bad values: each named by its field, with a message in Swedish; nothing is stored,
    // not even the well-formed rest.
    let bad = json!({
        "2": "kanske",
        "4": "12,505",
        "5": [{"role": "", "cost": "tio"}],
        "6": {"total": 3, "girls": 2, "boys": 2},
        "8": "1 mars",
        "9": "ingen sådan fråga"
    });
    let (status, problem) = app.put_json(&csrf, &draft_path, draft(&report, bad)).await;
    assert_eq!(status, 422, "{problem}");
    let mut names = field_names(&problem);
    names.sort();
    assert_eq!(
        names,
        [
            "answers.2",
            "answers.4",
            "answers.5.0.cost",
            "answers.5.0.role",
            "answers.6.total",
            "answers.8",
            "answers.9"
        ]
    );
    assert_eq!(message(&problem, "answers.2"), "Svara ja eller nej.");
    assert_eq!(message(&problem, "answers.5.0.role"), "Fyll i befattning.");
    assert_eq!(
        message(&problem, "answers.6.total"),
        "Flickor och pojkar kan tillsammans inte vara fler än totalt."
    );
    let (_, shown) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert!(own_answers(&shown).is_empty(), "{shown}");
    assert_eq!(shown["versions"][0]["answers"], json!([]), "nothing stored");

    // Good values are stored in the canonical form of their type.
    let (status, saved) = app
        .put_json(&csrf, &draft_path, draft(&report, good_answers()))
        .await;
    assert_eq!(status, 200, "{saved}");
    let own = own_answers(&saved);
    assert_eq!(own[&2]["value"], "ja");
    assert_eq!(own[&2]["text"], "Ja");
    assert_eq!(own[&2]["kind"], "yes_no");
    assert_eq!(own[&3]["value"], "Vi träffades varje månad.");
    assert_eq!(own[&4]["value"], "12500.5");
    assert_eq!(
        own[&5]["value"],
        json!([{"role": "Kurator", "cost": "42000000"}])
    );
    assert_eq!(
        own[&5]["text"],
        "Befattning: Kurator; Kostnad: 420\u{a0}000\u{a0}kr"
    );
    assert_eq!(
        own[&6]["value"],
        json!({"total": 12, "girls": 3, "boys": 9})
    );
    assert_eq!(own[&7]["value"], json!(["a", "c"]));
    assert_eq!(own[&7]["text"], "Möten, Video");
    assert_eq!(own[&8]["value"], "2021-03-01");
    assert!(!own.contains_key(&1), "a heading takes no answer");

    // The edit page shows each field by its type, with what is stored (the session the
    // API opened serves the pages too).
    let (status, page) = app.get_text(&format!("/aterrapporter/{id}/redigera")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Samverkan under året</h2>"), "the heading");
    assert!(page.contains(r#"type="radio" name="answers.2" value="ja" checked"#));
    assert!(page.contains(r#"<textarea id="answers.3" name="answers.3" rows="5" maxlength="500""#));
    assert!(
        page.contains("Besvaras bara om svaret på fråga 2"),
        "the condition is told"
    );
    assert!(page.contains(&format!(r#"value="{}""#, nbsp("12 500,50"))));
    assert!(
        page.contains(r#"name="answers.5.0.role" type="text" inputmode="text" value="Kurator""#)
    );
    assert!(
        page.contains(r#"id="answers.5.3.role""#),
        "three blank rows below the typed one"
    );
    assert!(!page.contains(r#"id="answers.5.4.role""#));
    assert!(page.contains(r#"name="answers.6.girls" type="text" inputmode="numeric" value="3""#));
    assert!(page.contains(r#"type="checkbox" name="answers.7" value="c" checked"#));
    assert!(page.contains(r#"type="checkbox" name="answers.7" value="b">"#));

    // The form, posted with a bad cell, comes back as typed with the message beside it.
    let csrf_page = csrf_from(&page);
    let form = [
        ("csrf_token", csrf_page.as_str()),
        ("answers.2", "ja"),
        ("answers.3", "Varje månad"),
        ("answers.4", "100"),
        ("answers.5.0.role", "Kurator"),
        ("answers.5.0.cost", "mycket"),
        ("answers.5.1.role", ""),
        ("answers.6.total", "12"),
        ("answers.6.girls", "3"),
        ("answers.6.boys", "9"),
        ("answers.7", "a"),
        ("answers.7", "b"),
        ("action", "save"),
    ];
    let response = app
        .client
        .post(app.url(&format!("/aterrapporter/{id}/redigera")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"id="answers.5.0.cost-fel""#),
        "the message beside the cell"
    );
    assert!(
        page.contains(r##"href="#answers.5.0.cost""##),
        "the summary links to the cell"
    );
    assert!(page.contains(r#"value="mycket""#), "what was typed is kept");
    assert!(page.contains(r#"type="checkbox" name="answers.7" value="b" checked"#));
    let csrf = app.api_login(SKANE).await;
    let (_, shown) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(
        own_answers(&shown)[&7]["value"],
        json!(["a", "c"]),
        "nothing stored"
    );

    // A required question that is asked blocks submit; one a condition hides does not.
    let mut missing = good_answers();
    missing.as_object_mut().unwrap().remove("3");
    missing.as_object_mut().unwrap().remove("4");
    let (status, body) = app
        .put_json(&csrf, &draft_path, draft(&report, missing))
        .await;
    assert_eq!(status, 200, "a draft may be incomplete: {body}");
    let (_, check) = app
        .get_json(&format!("/api/v1/reports/{id}/submit-check"))
        .await;
    assert_eq!(check["ready"], false);
    let problems: Vec<&str> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["answers.3", "answers.4"]);
    let signer = json!({"signer_name": "Anna Berg", "signer_role": "Regiondirektör"});
    let submit_path = format!("/api/v1/reports/{id}/submit");
    let (status, problem) = app.post_json(&csrf, &submit_path, signer.clone()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_names(&problem), ["answers.3", "answers.4"]);
    assert_eq!(
        message(&problem, "answers.4"),
        "Frågan måste besvaras: Medfinansiering."
    );
    let mut hidden = good_answers();
    hidden["2"] = json!("nej");
    let (status, saved) = app
        .put_json(&csrf, &draft_path, draft(&report, hidden))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert!(
        !own_answers(&saved).contains_key(&3),
        "an answer a condition hides is not shown"
    );
    let (_, check) = app
        .get_json(&format!("/api/v1/reports/{id}/submit-check"))
        .await;
    assert_eq!(check["problems"], json!([]), "{check}");

    // Submitted with every answer; from then on the answers never change.
    let (status, saved) = app
        .put_json(&csrf, &draft_path, draft(&report, good_answers()))
        .await;
    assert_eq!(status, 200, "{saved}");
    let (status, receipt) = app.post_json(&csrf, &submit_path, signer).await;
    assert_eq!(status, 200, "{receipt}");
    let (status, _) = app
        .put_json(&csrf, &draft_path, draft(&report, json!({"2": "nej"})))
        .await;
    assert_eq!(status, 409);
    let mut conn = app.conn();
    for sql in [
        "UPDATE report_field_answers SET body = 'nej'".to_string(),
        "DELETE FROM report_field_answers".to_string(),
        // An answer to the one field not answered (the heading's row), added afterwards.
        format!(
            "INSERT INTO report_field_answers (version_id, field_id, body) \
             SELECT DISTINCT a.version_id, f.id, 'x' \
             FROM report_field_answers a CROSS JOIN call_report_fields f \
             WHERE f.call_id = '{call_id}' AND f.position = 1"
        ),
    ] {
        assert!(execute(&mut conn, &sql).is_err(), "{sql}");
    }
    drop(conn);
    let (_, shown) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(own_answers(&shown)[&2]["value"], "ja");

    // The report's page shows every answer by its type.
    let (status, page) = app.get_text(&format!("/aterrapporter/{id}")).await;
    assert_eq!(status, 200);
    for text in [
        "Har ni samverkat med skolan?".to_string(),
        "Vi träffades varje månad.".to_string(),
        nbsp("12 500,50 kr"),
        "<td>Kurator</td>".to_string(),
        nbsp("420 000 kr"),
        "Totalt 12, flickor 3, pojkar 9".to_string(),
        "Möten, Video".to_string(),
        "2021-03-01".to_string(),
    ] {
        assert!(page.contains(&text), "{text} on the report page");
    }

    // The officers' overview and its file list each region's answers.
    app.clock.set(at("2022-03-10T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, overview) = app
        .get_json(&format!("/api/v1/calls/{call_id}/reports?year=2021"))
        .await;
    assert_eq!(status, 200, "{overview}");
    let skane = overview["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"] == "Region Skåne")
        .unwrap();
    let fields: Vec<i64> = skane["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["position"].as_i64().unwrap())
        .collect();
    // The counts field (0) among them: the counts sent as `children_total`, `girls`, `boys`.
    assert_eq!(fields, [0, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        (&skane["children_total"], &skane["girls"], &skane["boys"]),
        (&json!(23), &json!(12), &json!(11))
    );
    let (status, csv) = app
        .get_text(&format!("/utlysningar/{call_id}/aterrapporter.csv?ar=2021"))
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains("F6 Barn i samverkan: flickor"), "{csv}");
    let (status, page) = app
        .get_text(&format!("/utlysningar/{call_id}/aterrapporter?ar=2021"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Utlysningens frågor 2021"));

    // Approved, the counts by sex reach the public export with small counts hidden: three
    // girls are "<5", and the boys "x" so that the girls cannot be worked out.
    let (status, approved) = app
        .post_json(&csrf, &format!("/api/v1/reports/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 200, "{approved}");
    let public = crate::helpers::new_client();
    let rows: Value = public
        .get(app.url(&format!("/api/v1/calls/{call_id}/reports/public?year=2021")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"] == "Region Skåne")
        .unwrap();
    assert_eq!(
        row["personal_statistics"],
        json!([{"position": 6, "title": "Barn i samverkan", "total": "12", "girls": "<5", "boys": "x"}])
    );
    // The counts field is the fixed counts, not a second time among the statistics.
    assert_eq!(
        (&row["children_total"], &row["girls"], &row["boys"]),
        (&json!("23"), &json!("12"), &json!("11"))
    );
    let csv = public
        .get(app.url(&format!(
            "/utlysningar/{call_id}/aterrapporter-offentlig.csv?ar=2021"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("F6 Barn i samverkan: totalt"), "{csv}");
    assert!(csv.contains("12;<5;x"), "{csv}");
}
