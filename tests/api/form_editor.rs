//! The officers' form editor (issue 15), through HTTP on the real stack: a draft call's
//! application form built with every field type on the pages (added, settings edited,
//! moved, removed, previewed), exported as JSON and imported into another draft call
//! through the API; bad JSON and bad settings answered beside their fields with nothing
//! changed; others than officers refused and the refusal on record; a published call's
//! forms frozen; every change saved as a version of the form.

use serde_json::{Value, json};

use crate::helpers::{AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, new_client, spawn_app};

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

/// An API client of its own, logged in as `email`; with its CSRF token.
async fn api_client(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "API login of {email}");
    let body: Value = response.json().await.unwrap();
    (client, body["csrf_token"].as_str().unwrap().to_string())
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn get_json(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put_json(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let response = client
        .put(app.url(path))
        .header("X-CSRF-Token", csrf)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Posts a page form; the status, where it leads and the page.
async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, response.text().await.unwrap_or_default())
}

fn value_of<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    let end = html[start..].find('"').map(|i| i + start).unwrap_or(start);
    &html[start..end]
}

/// A draft call made through the API, with one free-text question.
async fn draft_call(client: &reqwest::Client, app: &TestApp, csrf: &str, code: &str) -> String {
    let response = client
        .post(app.url("/api/v1/calls"))
        .header("X-CSRF-Token", csrf)
        .json(&json!({
            "programme": "sis-integrerad-vard",
            "code": code,
            "title": format!("Utlysning {code}"),
            "description": "För test av formulärbyggaren.",
            "opens_on": "2020-06-01",
            "last_day": "2020-09-30",
            "max_recipients": 4,
            "payment_month": 1,
            "report_due_month": 3,
            "report_due_day": 1,
            "eligible_kinds": ["region"],
            "years": [{ "year": 2021, "ceiling": "1000000" }],
            "sections": [{ "title": "Plan", "required": true, "max_length": 1000 }],
            "cost_categories": [{ "code": "personal", "name": "Personal" }],
            "criteria": [],
            "expected_results": []
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn error_fields(problem: &Value) -> Vec<String> {
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

#[actix_web::test]
async fn an_officer_builds_a_form_on_the_pages_and_moves_it_by_json() {
    let app = spawn_app().await;
    let (api, csrf) = api_client(&app, OFFICER).await;
    let a = draft_call(&api, &app, &csrf, "formular-a").await;
    let b = draft_call(&api, &app, &csrf, "formular-b").await;
    let officer = browser(&app, OFFICER).await;

    // The call page links the editor; the editor lists the one question.
    let (status, page) = get(&officer, &app, &format!("/utlysningar/{a}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/utlysningar/{a}/formular")));
    let editor = format!("/utlysningar/{a}/formular?form=application");
    let (status, page) = get(&officer, &app, &editor).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("1. Plan") && page.contains("Lång text"));
    let token = crate::helpers::csrf_from(&page);
    let first_stamp = value_of(&page, "stamp").to_string();
    assert_eq!(first_stamp.len(), 16);

    // Every type, added last, settings as plain inputs.
    let add = format!("/utlysningar/{a}/formular/application/ny");
    let fields: Vec<Vec<(&str, &str)>> = vec![
        vec![("title", "Del 2: Uppgifter"), ("kind", "page")],
        vec![
            ("title", "Projektets namn"),
            ("kind", "short_text"),
            ("max_length", "120"),
        ],
        vec![
            ("title", "Antal deltagare"),
            ("kind", "integer"),
            ("min", "0"),
            ("max", "500"),
        ],
        vec![("title", "Egen insats"), ("kind", "amount"), ("min", "0")],
        vec![
            ("title", "Andel tid"),
            ("kind", "percentage"),
            ("max", "100"),
        ],
        vec![("title", "Startdatum"), ("kind", "date")],
        vec![("title", "Samverkar ni med kommunen?"), ("kind", "yes_no")],
        vec![
            ("title", "Beskriv samverkan"),
            ("kind", "long_text"),
            ("show_when", "8"),
            ("show_when_equals", "Ja"),
        ],
        vec![
            ("title", "Huvudman"),
            ("kind", "single_choice"),
            ("options", "Region\nKommun"),
        ],
        vec![
            ("title", "Målgrupper"),
            ("kind", "multiple_choice"),
            ("options", "barn|Barn\nunga|Unga vuxna"),
        ],
        vec![("title", "Kontaktens e-post"), ("kind", "email")],
        vec![("title", "Telefon"), ("kind", "phone")],
        vec![
            ("title", "Partens organisationsnummer"),
            ("kind", "org_number"),
        ],
        vec![
            ("title", "Projektplan"),
            ("kind", "attachment"),
            ("accept", "pdf"),
            ("accept", "docx"),
            ("max_size_mb", "5"),
        ],
        vec![
            ("title", "Bemanning"),
            ("kind", "table"),
            (
                "columns",
                "roll|Befattning|kort text|obligatorisk\nkostnad|Kostnad|belopp",
            ),
            ("max_rows", "10"),
        ],
        vec![
            ("title", "Antal barn"),
            ("kind", "sex_counts"),
            ("required", "true"),
        ],
        vec![("title", "Tas bort sedan"), ("kind", "short_text")],
    ];
    for field in &fields {
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend(field.iter().copied());
        let (status, location, body) = post(&officer, &app, &add, &form).await;
        assert_eq!(status, 303, "{field:?}: {body}");
        assert!(location.starts_with(&format!(
            "/utlysningar/{a}/formular?form=application#fields."
        )));
    }

    // A choice without options comes back on the field's page, with the message beside
    // the options and everything typed kept; nothing is added.
    let (status, _, page) = post(
        &officer,
        &app,
        &add,
        &[
            ("csrf_token", &token),
            ("title", "Utan alternativ"),
            ("kind", "single_choice"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("<title>Fel: Ny fråga"), "{page}");
    assert!(page.contains("Ange minst två alternativ"));
    assert!(page.contains("id=\"options\"") && page.contains("aria-invalid=\"true\""));
    assert!(page.contains("value=\"Utan alternativ\""));

    // A page left open while the form changed: its buttons are refused, nothing moves.
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/3/upp"),
        &[("csrf_token", &token), ("stamp", &first_stamp)],
    )
    .await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Formuläret har ändrats sedan sidan visades"));

    // Edit the settings of a field on its own page.
    let (status, page) = get(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/4"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"Antal deltagare\"") && page.contains("value=\"500\""));
    let (status, _, body) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/4"),
        &[
            ("csrf_token", &token),
            ("title", "Antal deltagare"),
            ("help_text", "Räkna varje person en gång."),
            ("kind", "integer"),
            ("required", "true"),
            ("min", "1"),
            ("max", "400"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    // min above max is the rules' to refuse, beside the input.
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/4"),
        &[
            ("csrf_token", &token),
            ("title", "Antal deltagare"),
            ("kind", "integer"),
            ("min", "9"),
            ("max", "3"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Det minsta värdet är större än det största."),
        "{page}"
    );

    // Moving the yes/no question below the one that depends on it is refused by the rules.
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/8/ned"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Villkoret måste gälla en tidigare fråga"),
        "{page}"
    );
    // The heading moves up, and the condition follows the question it names.
    let (status, _, _) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/2/upp"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(status, 303);
    // A question another depends on is not removed; the last one is.
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/8/ta-bort"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("visas bara beroende på svaret på fråga 8"),
        "{page}"
    );
    let (status, _, _) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/application/18/ta-bort"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(status, 303);

    // The list: in order, types, required and the condition.
    let (_, page) = get(&officer, &app, &editor).await;
    assert!(
        page.contains("1. Del 2: Uppgifter") && page.contains("2. Plan"),
        "{page}"
    );
    assert!(
        page.contains("Besvaras bara om svaret på fråga 8 (Samverkar ni med kommunen?) är Ja.")
    );
    assert!(!page.contains("Tas bort sedan"));

    // The preview shows the form as the applicant does.
    let (status, page) = get(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/forhandsgranska?form=application"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    for title in [
        "Del 2: Uppgifter",
        "Bemanning",
        "Målgrupper",
        "Unga vuxna",
        "Projektplan",
    ] {
        assert!(page.contains(title), "{title}");
    }
    assert!(page.contains("name=\"answers.4\"") && page.contains("type=\"file\""));
    assert!(page.contains("name=\"answers.16.0.roll\"") && page.contains("answers.17.total"));

    // The export: a file to download, the same JSON as the API's.
    let response = officer
        .get(app.url(&format!("/utlysningar/{a}/formular.json?form=application")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains("attachment")
            && disposition.contains("formular-formular-a-application.json")
    );
    let exported: Value = response.json().await.unwrap();
    let (status, api_export) = get_json(
        &api,
        &app,
        &format!("/api/v1/calls/{a}/form?form=application"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(exported, api_export);
    assert_eq!(exported["form"], "application");
    let list = exported["fields"].as_array().unwrap();
    assert_eq!(list.len(), 17);
    let kinds: std::collections::BTreeSet<&str> =
        list.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 16, "every type: {kinds:?}");
    let integer = &list[3];
    assert_eq!(integer["title"], "Antal deltagare");
    assert_eq!(integer["settings"], json!({ "min": 1, "max": 400 }));
    assert_eq!(
        list[8]["settings"]["show_when"],
        json!({ "field": 8, "equals": "ja" }),
        "{list:?}"
    );
    assert_eq!(
        list[9]["settings"]["options"][0],
        json!({ "value": "region", "label": "Region" })
    );
    assert_eq!(
        list[14]["settings"],
        json!({ "accept": ["pdf", "docx"], "max_size_mb": 5 })
    );

    // The versions: the state before the editor, then one per change; the last is the
    // form as it stands, and the export says so.
    let (status, versions) = get_json(
        &api,
        &app,
        &format!("/api/v1/calls/{a}/form/versions?form=application"),
    )
    .await;
    assert_eq!(status, 200);
    let versions = versions.as_array().unwrap().clone();
    assert_eq!(versions.len(), 1 + fields.len() + 1 + 1 + 1, "{versions:?}");
    // Made through the call API, the form's first version is that save's, by the officer.
    assert!(versions[0]["saved_by_name"].is_string());
    assert_eq!(versions[0]["fields"].as_array().unwrap().len(), 1);
    let last = versions.last().unwrap();
    assert_eq!(last["fields"], exported["fields"]);
    assert!(last["saved_by_name"].is_string());
    assert_eq!(exported["version"], last["version"]);
    // Each change is the call's own audit entry, as for the call form.
    let updated = app.audit_events("call.updated");
    assert!(
        updated
            .iter()
            .filter(|e| e.entity_id.as_deref() == Some(a.as_str()))
            .count()
            >= 20
    );

    // Imported into another draft call through the API: the same form.
    let (status, before_b) = get_json(&api, &app, &format!("/api/v1/calls/{b}/form")).await;
    assert_eq!(status, 200);
    let (status, imported) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{b}/form?form=application"),
        &exported,
    )
    .await;
    assert_eq!(status, 200, "{imported}");
    assert_eq!(imported["fields"], exported["fields"]);
    assert!(imported["version"].is_i64());
    assert_ne!(before_b["fields"], imported["fields"]);

    // Bad settings and bad JSON: each problem beside its field, in Swedish; nothing changes.
    let (_, versions_before) =
        get_json(&api, &app, &format!("/api/v1/calls/{b}/form/versions")).await;
    let mut bad = exported.clone();
    bad["fields"][3]["settings"] = json!({ "min": "noll" });
    bad["fields"][9]["settings"]["options"] = json!([{ "value": "a", "label": "A" }]);
    bad["fields"][5]["kind"] = json!("colour");
    let (status, problem) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{b}/form?form=application"),
        &bad,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let names = error_fields(&problem);
    for name in ["fields.3.settings", "fields.5.kind", "fields.9.options"] {
        assert!(names.contains(&name.to_string()), "{name}: {problem}");
    }
    assert!(problem.to_string().contains("Ange minst två alternativ"));
    let (status, problem) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{b}/form?form=application"),
        &json!({ "form": "application", "fields": [{ "title": "", "kind": "integer" }, "x"] }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["fields.0.title", "fields.1"]);
    // Into the report form: the form must say so, and attachments are not allowed there.
    let (status, problem) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{b}/form?form=report"),
        &exported,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["form"]);
    let mut as_report = exported.clone();
    as_report["form"] = json!("report");
    let (status, problem) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{b}/form?form=report"),
        &as_report,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["fields.14.kind"], "{problem}");
    let (_, after_b) = get_json(&api, &app, &format!("/api/v1/calls/{b}/form")).await;
    assert_eq!(after_b["fields"], imported["fields"]);
    let (_, versions_after) =
        get_json(&api, &app, &format!("/api/v1/calls/{b}/form/versions")).await;
    assert_eq!(versions_before, versions_after);

    // The page's import: bad JSON is named beside the text box and kept; good JSON replaces
    // the report form; and a form copied from another call replaces it again.
    let report_editor = format!("/utlysningar/{b}/formular?form=report");
    let (status, page) = get(&officer, &app, &report_editor).await;
    assert_eq!(status, 200);
    assert!(page.contains("Formuläret har inga frågor än."));
    let import = format!("/utlysningar/{b}/formular/report/importera");
    let (status, _, page) = post(
        &officer,
        &app,
        &import,
        &[("csrf_token", &token), ("form_json", "{\"fields\": [")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Texten är inte giltig JSON") && page.contains("{&quot;fields&quot;: [")
            || page.contains("{&#34;fields&#34;: ["),
        "{page}"
    );
    let report_json = json!({
        "form": "report",
        "fields": [
            { "title": "Hur många deltog?", "required": true, "kind": "sex_counts" },
            { "title": "Vad gick bra?", "kind": "long_text", "max_length": 2000 }
        ]
    })
    .to_string();
    let (status, _, body) = post(
        &officer,
        &app,
        &import,
        &[("csrf_token", &token), ("form_json", &report_json)],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, report) = get_json(&api, &app, &format!("/api/v1/calls/{b}/form?form=report")).await;
    assert_eq!(report["fields"].as_array().unwrap().len(), 2);
    let (status, _, body) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/report/kopiera"),
        &[
            ("csrf_token", &token),
            ("source", &b),
            ("source_form", "report"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, copied) = get_json(&api, &app, &format!("/api/v1/calls/{a}/form?form=report")).await;
    assert_eq!(copied["fields"], report["fields"]);
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{a}/formular/report/kopiera"),
        &[
            ("csrf_token", &token),
            ("source", "finns-inte"),
            ("source_form", "report"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Den utlysningen finns inte."));
}

#[actix_web::test]
async fn only_officers_change_forms_and_a_published_calls_forms_are_frozen() {
    let app = spawn_app().await;
    let (api, csrf) = api_client(&app, OFFICER).await;
    let draft = draft_call(&api, &app, &csrf, "formular-c").await;
    let (status, export) = get_json(&api, &app, &format!("/api/v1/calls/{draft}/form")).await;
    assert_eq!(status, 200);

    // An auditor reads the form, but may not change it: refused, and on record.
    let (auditor, auditor_csrf) = api_client(&app, AUDITOR).await;
    let (status, read) = get_json(&auditor, &app, &format!("/api/v1/calls/{draft}/form")).await;
    assert_eq!(status, 200);
    assert_eq!(read, export);
    let (status, _) = put_json(
        &auditor,
        &app,
        &auditor_csrf,
        &format!("/api/v1/calls/{draft}/form"),
        &export,
    )
    .await;
    assert_eq!(status, 403);
    let denied = app.audit_events("access.denied");
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some(AUDITOR)
                && e.entity_id.as_deref() == Some(draft.as_str())
                && e.summary.contains("formulär")),
        "{denied:?}"
    );
    // Through the pages too.
    let auditor_page = browser(&app, AUDITOR).await;
    let (status, page) = get(
        &auditor_page,
        &app,
        &format!("/utlysningar/{draft}/formular"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!page.contains("Lägg till en fråga"));
    let token = crate::helpers::csrf_from(&page);
    let (status, _, _) = post(
        &auditor_page,
        &app,
        &format!("/utlysningar/{draft}/formular/application/ny"),
        &[
            ("csrf_token", &token),
            ("title", "Smyg"),
            ("kind", "short_text"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // An applicant does not read the agency's form editor.
    let (skane, _) = api_client(&app, SKANE).await;
    let (status, _) = get_json(&skane, &app, &format!("/api/v1/calls/{draft}/form")).await;
    assert_eq!(status, 403);
    let (_, after) = get_json(&api, &app, &format!("/api/v1/calls/{draft}/form")).await;
    assert_eq!(after, export);

    // The 2020 call is published: its form is shown, previewed and exported, never changed.
    let published = app.call_id().await;
    let (status, form) = get_json(&api, &app, &format!("/api/v1/calls/{published}/form")).await;
    assert_eq!(status, 200);
    assert!(!form["fields"].as_array().unwrap().is_empty());
    let (status, problem) = put_json(
        &api,
        &app,
        &csrf,
        &format!("/api/v1/calls/{published}/form?form=application"),
        &form,
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("publicerad")
    );
    let officer = browser(&app, OFFICER).await;
    let (status, page) = get(
        &officer,
        &app,
        &format!("/utlysningar/{published}/formular"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Utlysningen är publicerad. Formulären är låsta"));
    assert!(!page.contains("Lägg till en fråga") && !page.contains("Flytta upp"));
    let token = crate::helpers::csrf_from(&page);
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{published}/formular/application/ny"),
        &[
            ("csrf_token", &token),
            ("title", "Ny"),
            ("kind", "short_text"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("publicerad"));
    let (status, page) = get(
        &officer,
        &app,
        &format!("/utlysningar/{published}/formular/forhandsgranska"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"answers.1\""));
    let (status, _) = get(
        &officer,
        &app,
        &format!("/utlysningar/{published}/formular.json?form=report"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, versions) = get_json(
        &api,
        &app,
        &format!("/api/v1/calls/{published}/form/versions"),
    )
    .await;
    assert_eq!(status, 200);
    // Loaded from the fixtures, the 2020 call's forms are on record as their first
    // versions, saved by no one; nothing since (they are frozen).
    let versions = versions.as_array().cloned().unwrap_or_default();
    let shown: Vec<(String, i64)> = versions
        .iter()
        .map(|v| {
            (
                v["form"].as_str().unwrap_or_default().to_string(),
                v["version"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [("application".to_string(), 1), ("report".to_string(), 1)]
    );
    assert!(versions.iter().all(|v| v["saved_by"].is_null()));
    assert_eq!(versions[0]["fields"].as_array().map(Vec::len), Some(5));
}

/// What a browser sends for the page form with this action: inputs (checked boxes and
/// radios only), text areas, and the chosen option of each select.
fn page_form(html: &str, action: &str) -> Vec<(String, String)> {
    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let marker = format!(" {name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = tag[start..].find('"')? + start;
        Some(&tag[start..end])
    }
    fn unescape(text: &str) -> String {
        text.replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with("<input") {
            let tag = &rest[..rest.find('>').unwrap()];
            if let Some(name) = attr(tag, "name") {
                let value = unescape(attr(tag, "value").unwrap_or(""));
                match attr(tag, "type").unwrap_or("text") {
                    "checkbox" | "radio" => {
                        if tag.contains(" checked") {
                            fields.push((name.to_string(), value));
                        }
                    }
                    "submit" | "button" | "file" => {}
                    _ => fields.push((name.to_string(), value)),
                }
            }
        } else if rest.starts_with("<textarea") {
            let open = rest.find('>').unwrap();
            let close = rest.find("</textarea>").unwrap();
            let name = attr(&rest[..open], "name").unwrap();
            fields.push((name.to_string(), unescape(&rest[open + 1..close])));
            rest = &rest[close..];
        } else if rest.starts_with("<select") {
            let open = rest.find('>').unwrap();
            let close = rest.find("</select>").unwrap();
            let name = attr(&rest[..open], "name").unwrap();
            let options: Vec<&str> = rest[open..close]
                .split("<option")
                .skip(1)
                .map(|o| &o[..o.find('>').unwrap_or(o.len())])
                .collect();
            let chosen = options
                .iter()
                .find(|o| o.contains(" selected"))
                .or(options.first())
                .and_then(|o| attr(o, "value"))
                .unwrap_or("");
            fields.push((name.to_string(), unescape(chosen)));
            rest = &rest[close..];
        }
        rest = &rest[1..];
    }
    fields
}

#[actix_web::test]
async fn saves_through_the_call_form_and_the_call_api_are_versions_of_the_form() {
    let app = spawn_app().await;
    let (api, csrf) = api_client(&app, OFFICER).await;
    let id = draft_call(&api, &app, &csrf, "versioner").await;
    let versions_of = |form: &'static str| {
        let (api, app, id) = (&api, &app, &id);
        async move {
            let (status, versions) = get_json(
                api,
                app,
                &format!("/api/v1/calls/{id}/form/versions?form={form}"),
            )
            .await;
            assert_eq!(status, 200, "{versions}");
            versions.as_array().cloned().unwrap_or_default()
        }
    };

    // Created through the API: the application form's first version, by the officer; the
    // export says the form as it stands is that version.
    let versions = versions_of("application").await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["version"], 1);
    assert!(versions[0]["saved_by_name"].is_string());
    let (_, export) = get_json(&api, &app, &format!("/api/v1/calls/{id}/form")).await;
    assert_eq!(export["version"], 1);
    assert_eq!(versions[0]["fields"], export["fields"]);
    // The report form was sent empty: nothing to record.
    let reports_at_start = versions_of("report").await.len();
    assert_eq!(reports_at_start, 0);

    // Saved through `PUT /api/v1/calls/{id}` with a question added: a new version.
    let body = json!({
        "programme": "sis-integrerad-vard",
        "code": "versioner",
        "title": "Utlysning versioner",
        "description": "För test av formulärbyggaren.",
        "opens_on": "2020-06-01",
        "last_day": "2020-09-30",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": 3,
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "years": [{ "year": 2021, "ceiling": "1000000" }],
        "sections": [
            { "title": "Plan", "required": true, "max_length": 1000 },
            { "title": "Antal deltagare", "kind": "integer", "settings": { "min": 1 } }
        ],
        "cost_categories": [{ "code": "personal", "name": "Personal" }],
        "criteria": [],
        "expected_results": []
    });
    let (status, saved) = put_json(&api, &app, &csrf, &format!("/api/v1/calls/{id}"), &body).await;
    assert_eq!(status, 200, "{saved}");
    let versions = versions_of("application").await;
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[1]["fields"][1]["title"], "Antal deltagare");
    assert_eq!(versions[1]["fields"][1]["settings"], json!({ "min": 1 }));
    let (_, export) = get_json(&api, &app, &format!("/api/v1/calls/{id}/form")).await;
    assert_eq!(export["version"], 2);
    assert_eq!(versions_of("report").await.len(), reports_at_start);

    // The same again: no new version.
    let (status, saved) = put_json(&api, &app, &csrf, &format!("/api/v1/calls/{id}"), &body).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(versions_of("application").await.len(), 2);

    // The call form on the pages, saved as it is shown: no new version; with a question's
    // text changed: a new one, by the officer, in the same JSON the editor records (its
    // next change adds one version only).
    let officer = browser(&app, OFFICER).await;
    let edit = format!("/utlysningar/{id}/redigera");
    let (status, page) = get(&officer, &app, &edit).await;
    assert_eq!(status, 200);
    let fields = page_form(&page, &edit);
    let response = officer
        .post(app.url(&edit))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );
    assert_eq!(
        versions_of("application").await.len(),
        2,
        "an unchanged save"
    );
    assert_eq!(versions_of("report").await.len(), reports_at_start);
    let mut changed = fields.clone();
    let title = changed
        .iter_mut()
        .find(|(k, _)| k == "sections.0.title")
        .unwrap();
    title.1 = "Projektplan".into();
    let response = officer
        .post(app.url(&edit))
        .form(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let versions = versions_of("application").await;
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[2]["fields"][0]["title"], "Projektplan");
    assert!(versions[2]["saved_by_name"].is_string());
    let (_, export) = get_json(&api, &app, &format!("/api/v1/calls/{id}/form")).await;
    assert_eq!(export["version"], 3);

    // The editor's next change is one version more, not two.
    let editor = format!("/utlysningar/{id}/formular?form=application");
    let (status, page) = get(&officer, &app, &editor).await;
    assert_eq!(status, 200);
    let token = crate::helpers::csrf_from(&page);
    let (status, _, page) = post(
        &officer,
        &app,
        &format!("/utlysningar/{id}/formular/application/ny"),
        &[
            ("csrf_token", &token),
            ("title", "Startdatum"),
            ("kind", "date"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(versions_of("application").await.len(), 4);

    // A copy starts its own history with the form as copied.
    let (status, copy) = api
        .post(app.url(&format!("/api/v1/calls/{id}/copy")))
        .header("X-CSRF-Token", csrf.as_str())
        .json(&json!({}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 201);
    let copy: Value = copy.json().await.unwrap();
    let copy_id = copy["id"].as_str().unwrap();
    let (_, copied) = get_json(
        &api,
        &app,
        &format!("/api/v1/calls/{copy_id}/form/versions?form=application"),
    )
    .await;
    let copied = copied.as_array().cloned().unwrap_or_default();
    assert_eq!(copied.len(), 1, "{copied:?}");
    let latest = versions_of("application").await;
    assert_eq!(copied[0]["fields"], latest[3]["fields"]);
}
