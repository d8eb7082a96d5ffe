//! The OpenAPI document describes the API as it answers (issue 11), so that it cannot drift:
//!
//! - the main operations are driven through HTTP as each role (applicant, officer, decision
//!   maker, auditor, nobody), with answers that succeed and answers that refuse, and every
//!   real answer is checked against the document as served: its status is documented for
//!   the operation, its content type is the documented one, and its body validates against
//!   the documented schema (`$ref`s resolved in the document itself);
//! - every operation declares its errors (problem JSON) and its security, and the security
//!   is held to the handlers by calling each operation without a login and without the CSRF
//!   token;
//! - every enum in the document lists exactly the codes the API sends.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, new_client, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

/// The document as served, and what was checked against it.
struct Contract {
    doc: Value,
    failures: Vec<String>,
    checked: BTreeSet<(String, String, u16)>,
}

/// One person's client: cookies and the CSRF token of their login.
struct Person {
    client: reqwest::Client,
    csrf: String,
}

/// One path segment as it stands in a `$ref`: JSON Pointer escaped, then the characters a
/// URI fragment may not carry percent-encoded.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

impl Contract {
    async fn load(app: &TestApp) -> Contract {
        let (status, doc) = app.get_json("/api/v1/openapi.json").await;
        assert_eq!(status, 200);
        Contract {
            doc,
            failures: Vec::new(),
            checked: BTreeSet::new(),
        }
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        &self.doc["paths"][template][method]
    }

    /// Checks one real answer against the document; records what is wrong.
    fn check(
        &mut self,
        method: &str,
        template: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
    ) {
        self.checked
            .insert((method.to_string(), template.to_string(), status));
        let label = format!("{} {template} → {status}", method.to_uppercase());
        if let Err(e) = self.conforms(method, template, status, content_type, body) {
            self.failures.push(format!("{label}: {e}"));
        }
    }

    fn conforms(
        &self,
        method: &str,
        template: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), String> {
        let operation = self.operation(method, template);
        if operation.is_null() {
            return Err("the operation is not in the document".into());
        }
        let responses = &operation["responses"];
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let key = [exact.as_str(), range.as_str(), "default"]
            .into_iter()
            .find(|k| !responses[*k].is_null())
            .ok_or_else(|| {
                format!(
                    "status not documented (documented: {:?})",
                    responses.as_object().map(|o| o.keys().collect::<Vec<_>>())
                )
            })?;
        let content = &responses[key]["content"];
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if body.is_empty() && content.as_object().is_none_or(|c| c.is_empty()) {
            return Ok(());
        }
        if content[&media].is_null() {
            return Err(format!(
                "content type {media:?} not documented (documented: {:?})",
                content.as_object().map(|o| o.keys().collect::<Vec<_>>())
            ));
        }
        if !(media == "application/json" || media.ends_with("+json")) {
            return Ok(());
        }
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
        let pointer = format!(
            "#/paths/{}/{method}/responses/{key}/content/{}/schema",
            escape(template),
            escape(&media)
        );
        let mut root = self.doc.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["$ref"] = json!(pointer);
        let validator = jsonschema::draft202012::new(&root)
            .map_err(|e| format!("the documented schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .take(5)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            let shown = instance.to_string();
            let shown = &shown[..shown.len().min(400)];
            Err(format!("{} (body {shown})", errors.join("; ")))
        }
    }

    fn assert_no_failures(&self) {
        assert!(
            self.failures.is_empty(),
            "answers that break the OpenAPI document:\n{}",
            self.failures.join("\n")
        );
    }
}

/// Sends one request as `who` (nobody when `None`), checks the answer against the
/// document and returns the status and the JSON body (null if none).
#[allow(clippy::too_many_arguments)]
async fn call(
    app: &TestApp,
    contract: &mut Contract,
    who: Option<&Person>,
    method: &str,
    template: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let anonymous;
    let client = match who {
        Some(person) => &person.client,
        None => {
            anonymous = new_client();
            &anonymous
        }
    };
    let http_method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = client.request(http_method, app.url(path));
    if let Some(person) = who {
        request = request.header("X-CSRF-Token", &person.csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    contract.check(method, template, status, &content_type, &bytes);
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

async fn log_in(app: &TestApp, contract: &mut Contract, email: &str) -> Person {
    let client = new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.bytes().await.unwrap();
    contract.check("post", "/api/v1/session", status, &content_type, &bytes);
    assert_eq!(status, 200, "login of {email}");
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    Person {
        client,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_string()
}

#[actix_web::test]
async fn real_answers_of_the_main_operations_match_the_document() {
    let app = spawn_app().await;
    let mut c = Contract::load(&app).await;
    let c = &mut c;

    // Nobody: the open data, and refusals.
    let (status, calls) = call(&app, c, None, "get", "/api/v1/calls", "/api/v1/calls", None).await;
    assert_eq!(status, 200);
    let call_id = id_of(&calls[0]);
    let call_path = format!("/api/v1/calls/{call_id}");
    for (template, suffix) in [
        ("/api/v1/calls/{id}", ""),
        ("/api/v1/calls/{id}/allocation", "/allocation"),
        ("/api/v1/calls/{id}/amendments", "/amendments"),
    ] {
        let (status, _) = call(
            &app,
            c,
            None,
            "get",
            template,
            &format!("{call_path}{suffix}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{template}");
    }
    let (status, _) = call(
        &app,
        c,
        None,
        "get",
        "/api/v1/calls/{id}",
        "/api/v1/calls/nej",
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        c,
        None,
        "get",
        "/api/v1/calls/{id}/reports/public",
        &format!("{call_path}/reports/public"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        c,
        None,
        "get",
        "/api/v1/calls/{id}/reports/public",
        &format!("{call_path}/reports/public?year=2021"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    for path in ["/healthz", "/readyz"] {
        let (status, _) = call(&app, c, None, "get", path, path, None).await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, _) = call(&app, c, None, "get", "/api/v1/me", "/api/v1/me", None).await;
    assert_eq!(status, 401);
    let (status, _) = call(
        &app,
        c,
        None,
        "post",
        "/api/v1/session",
        "/api/v1/session",
        Some(json!({ "email": OFFICER, "password": "fel lösenord här" })),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = call(
        &app,
        c,
        None,
        "post",
        "/api/v1/session",
        "/api/v1/session",
        Some(json!({ "email": "", "password": "" })),
    )
    .await;
    assert_eq!(status, 422);

    // The applicant: their own case, and what they may not do.
    let skane = log_in(&app, c, SKANE).await;
    let s = Some(&skane);
    let (status, me) = call(&app, c, s, "get", "/api/v1/me", "/api/v1/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "applicant");
    let org_id = me["organisation_id"].as_str().unwrap().to_string();
    let (status, list) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/applications",
        "/api/v1/applications",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let application_id = id_of(&list[0]);
    let application_path = format!("/api/v1/applications/{application_id}");
    let (status, case) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/applications/{id}",
        &application_path,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let decision_id = id_of(&case["decisions"][0]);
    let (status, _) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/applications/{id}/submit-check",
        &format!("{application_path}/submit-check"),
        None,
    )
    .await;
    assert!(status < 500, "{status}");
    let (status, _) = call(
        &app,
        c,
        s,
        "put",
        "/api/v1/applications/{id}/draft",
        &format!("{application_path}/draft"),
        Some(json!({ "project_title": "Nytt namn" })),
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    let (status, _) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/organisations/{id}/payments",
        &format!("/api/v1/organisations/{org_id}/payments"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/decisions/{id}",
        &format!("/api/v1/decisions/{decision_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/audit-events",
        "/api/v1/audit-events",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        c,
        s,
        "post",
        "/api/v1/calls",
        "/api/v1/calls",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        c,
        s,
        "get",
        "/api/v1/reports",
        "/api/v1/reports",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, c, s, "get", "/api/v1/rounds", "/api/v1/rounds", None).await;
    assert_eq!(status, 200);

    // The officer: the case work, and input that breaks the rules.
    let officer = log_in(&app, c, OFFICER).await;
    let o = Some(&officer);
    for (template, path) in [
        ("/api/v1/applications", "/api/v1/applications".to_string()),
        ("/api/v1/applications/{id}", application_path.clone()),
        (
            "/api/v1/applications/{id}/assessment",
            format!("{application_path}/assessment"),
        ),
        (
            "/api/v1/calls/{id}/payments",
            format!("{call_path}/payments"),
        ),
        (
            "/api/v1/calls/{id}/dashboard",
            format!("{call_path}/dashboard"),
        ),
        ("/api/v1/calls/{id}/rounds", format!("{call_path}/rounds")),
        (
            "/api/v1/calls/{id}/reports",
            format!("{call_path}/reports?year=2021"),
        ),
        (
            "/api/v1/decisions/{id}",
            format!("/api/v1/decisions/{decision_id}"),
        ),
        (
            "/api/v1/decisions/{id}/letter",
            format!("/api/v1/decisions/{decision_id}/letter"),
        ),
        ("/api/v1/calls", "/api/v1/calls".to_string()),
    ] {
        let (status, _) = call(&app, c, o, "get", template, &path, None).await;
        assert_eq!(status, 200, "{template}");
    }
    let (_, payments) = call(
        &app,
        c,
        o,
        "get",
        "/api/v1/calls/{id}/payments",
        &format!("{call_path}/payments"),
        None,
    )
    .await;
    if let Some(payment) = payments.as_array().and_then(|p| p.first()) {
        let (status, _) = call(
            &app,
            c,
            o,
            "get",
            "/api/v1/payments/{id}",
            &format!("/api/v1/payments/{}", id_of(payment)),
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/calls",
        "/api/v1/calls",
        Some(json!({ "title": "" })),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/calls",
        "/api/v1/calls",
        Some(json!("inte ett objekt")),
    )
    .await;
    assert_eq!(status, 422);
    let (status, copy) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/calls/{id}/copy",
        &format!("{call_path}/copy"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    let copy_path = format!("/api/v1/calls/{}", id_of(&copy));
    let (status, _) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/calls/{id}/publish",
        &format!("{copy_path}/publish"),
        None,
    )
    .await;
    assert!((200..500).contains(&status), "{status}");
    let (status, _) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/applications/{id}/supplement-requests",
        &format!("{application_path}/supplement-requests"),
        Some(json!({ "message": "" })),
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    let (status, _) = call(
        &app,
        c,
        o,
        "post",
        "/api/v1/decisions/{id}/sign",
        &format!("/api/v1/decisions/{decision_id}/sign"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    // Without the CSRF token.
    let unguarded = Person {
        client: officer.client.clone(),
        csrf: String::new(),
    };
    let (status, _) = call(
        &app,
        c,
        Some(&unguarded),
        "post",
        "/api/v1/calls/{id}/copy",
        &format!("{call_path}/copy"),
        None,
    )
    .await;
    assert_eq!(status, 403);

    // The decision maker: a decision already signed cannot be signed again.
    let dm = log_in(&app, c, DECISION_MAKER).await;
    let d = Some(&dm);
    let (status, decision) = call(
        &app,
        c,
        d,
        "get",
        "/api/v1/decisions/{id}",
        &format!("/api/v1/decisions/{decision_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(decision["status"], "signed", "{decision}");
    let (status, _) = call(
        &app,
        c,
        d,
        "post",
        "/api/v1/decisions/{id}/sign",
        &format!("/api/v1/decisions/{decision_id}/sign"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &app,
        c,
        d,
        "get",
        "/api/v1/decisions/{id}",
        "/api/v1/decisions/finns-inte",
        None,
    )
    .await;
    assert_eq!(status, 404);

    // The auditor: reads the trail, writes nothing.
    let auditor = log_in(&app, c, AUDITOR).await;
    let a = Some(&auditor);
    let (status, trail) = call(
        &app,
        c,
        a,
        "get",
        "/api/v1/audit-events",
        "/api/v1/audit-events",
        None,
    )
    .await;
    assert_eq!(status, 200, "{trail}");
    let (status, _) = call(
        &app,
        c,
        a,
        "get",
        "/api/v1/audit-events",
        "/api/v1/audit-events?page=x",
        None,
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        c,
        a,
        "post",
        "/api/v1/calls/{id}/copy",
        &format!("{call_path}/copy"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        c,
        a,
        "delete",
        "/api/v1/session",
        "/api/v1/session",
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, c, a, "get", "/api/v1/me", "/api/v1/me", None).await;
    assert_eq!(status, 401);

    c.assert_no_failures();
    // Both kinds of answer were seen: successes and each documented kind of refusal.
    let statuses: BTreeSet<u16> = c.checked.iter().map(|(_, _, s)| *s).collect();
    for expected in [200, 201, 204, 401, 403, 404, 409, 422] {
        assert!(
            statuses.contains(&expected),
            "no answer {expected} was checked"
        );
    }
}

/// Every operation of the document, with its path ids filled in with a stand-in.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((method.clone(), template.clone(), operation.clone()));
            }
        }
    }
    out
}

fn is_public(operation: &Value) -> bool {
    operation["security"] == json!([{}])
}

#[actix_web::test]
async fn every_operation_declares_its_errors_and_its_security_and_keeps_them() {
    let app = spawn_app().await;
    let mut contract = Contract::load(&app).await;
    let doc = contract.doc.clone();
    let problem = json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } });
    let mut failures = Vec::new();
    let mut ids = BTreeMap::new();
    let all = operations(&doc);
    assert!(all.len() >= 60, "only {} operations", all.len());

    for (method, template, operation) in &all {
        let label = format!("{} {template}", method.to_uppercase());
        let id = operation["operationId"].as_str().unwrap_or("");
        if id.is_empty() {
            failures.push(format!("{label}: no operationId"));
        }
        if let Some(other) = ids.insert(id.to_string(), label.clone()) {
            failures.push(format!("{label}: operationId {id} also names {other}"));
        }
        let security = &operation["security"];
        if !security.is_array() || security.as_array().unwrap().is_empty() {
            failures.push(format!(
                "{label}: no security declared (public ones say security: [{{}}])"
            ));
        }
        if !template.starts_with("/api/") {
            continue;
        }
        let write = method != "get";
        let responses = &operation["responses"];
        let mut needed = vec!["422", "5XX"];
        if template.contains('{') {
            needed.push("404");
        }
        if !is_public(operation) {
            needed.extend(["401", "403"]);
            let schemes: BTreeSet<&str> = security[0]
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let expected: BTreeSet<&str> = if write {
                ["session", "csrf"].into()
            } else {
                ["session"].into()
            };
            if schemes != expected {
                failures.push(format!(
                    "{label}: security {schemes:?}, expected {expected:?}"
                ));
            }
            if write {
                needed.push("409");
            }
        }
        for status in needed {
            if responses[status].is_null() {
                failures.push(format!("{label}: {status} not declared"));
            }
        }
        for (status, response) in responses.as_object().unwrap() {
            if (status.starts_with('4') || status.starts_with('5'))
                && response["content"] != problem
            {
                failures.push(format!(
                    "{label}: {status} is not problem JSON: {}",
                    response["content"]
                ));
            }
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "header" && parameter["name"] == "X-CSRF-Token" {
                failures.push(format!(
                    "{label}: X-CSRF-Token as a parameter (it is the csrf scheme)"
                ));
            }
        }
    }

    // The declared security is the handlers' own: without a login only the public ones
    // answer anything but 401, and a logged-in write without the CSRF token is refused
    // before it does anything. Every answer is checked against the document too.
    let officer = log_in(&app, &mut contract, OFFICER).await;
    let unguarded = Person {
        client: officer.client.clone(),
        csrf: String::new(),
    };
    for (method, template, operation) in &all {
        let label = format!("{} {template}", method.to_uppercase());
        let path = template
            .replace("{id}", "okand")
            .replace("{attachment_id}", "okand");
        let body = (method != "get").then(|| json!({}));
        let (status, _) = call(
            &app,
            &mut contract,
            None,
            method,
            template,
            &path,
            body.clone(),
        )
        .await;
        if is_public(operation) {
            if status == 401 && !(method == "post" && template == "/api/v1/session") {
                failures.push(format!(
                    "{label}: public in the document, 401 without a login"
                ));
            }
        } else if status != 401 {
            failures.push(format!(
                "{label}: needs a login in the document, {status} without one"
            ));
        }
        if method != "get" && !is_public(operation) && template != "/api/v1/session" {
            let (status, _) = call(
                &app,
                &mut contract,
                Some(&unguarded),
                method,
                template,
                &path,
                body,
            )
            .await;
            if status != 403 {
                failures.push(format!(
                    "{label}: {status} for a write without the CSRF token"
                ));
            }
        }
    }
    contract.assert_no_failures();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The serialised codes of every variant of an enum.
fn codes<T: serde::Serialize>(all: &[T]) -> BTreeSet<String> {
    all.iter()
        .map(|v| {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[actix_web::test]
async fn every_enum_in_the_document_is_what_the_api_sends() {
    use statsbidrag::calls::CallPhase;
    use statsbidrag::codes::*;
    use statsbidrag::decisions::Outcome;

    let app = spawn_app().await;
    let contract = Contract::load(&app).await;
    // What the API sends for each enum: its serde codes (the same the DTOs serialise).
    let sent: BTreeMap<&str, BTreeSet<String>> = BTreeMap::from([
        ("Role", codes(Role::ALL)),
        ("OrgKind", codes(OrgKind::ALL)),
        ("OrgRole", codes(statsbidrag::codes::OrgRole::ALL)),
        (
            "ColumnKind",
            codes(statsbidrag::calls::form::ColumnKind::ALL),
        ),
        ("FieldKind", codes(statsbidrag::calls::form::FieldKind::ALL)),
        (
            "FormKind",
            codes(statsbidrag::calls::form_editor::FormKind::ALL),
        ),
        ("NumberStatus", codes(NumberStatus::ALL)),
        ("CallStatus", codes(CallStatus::ALL)),
        ("ApplicationKind", codes(ApplicationKind::ALL)),
        ("ApplicationStatus", codes(ApplicationStatus::ALL)),
        ("VersionStatus", codes(VersionStatus::ALL)),
        ("SupplementStatus", codes(SupplementStatus::ALL)),
        ("DecisionKind", codes(DecisionKind::ALL)),
        ("DecisionStatus", codes(DecisionStatus::ALL)),
        ("PaymentStatus", codes(PaymentStatus::ALL)),
        ("Rating", codes(Rating::ALL)),
        ("Recommendation", codes(Recommendation::ALL)),
        ("Outcome", codes(Outcome::ALL)),
        ("QueueKind", codes(&statsbidrag::queues::QueueKind::ALL)),
        ("ChangeKind", codes(statsbidrag::codes::ChangeKind::ALL)),
        (
            "ChangeRequestStatus",
            codes(statsbidrag::codes::ChangeRequestStatus::ALL),
        ),
        (
            "MessageSide",
            codes(statsbidrag::messages::MessageSide::ALL),
        ),
        (
            "MessageAbout",
            codes(statsbidrag::messages::MessageAbout::ALL),
        ),
        (
            "CallPhase",
            codes(&[
                CallPhase::Draft,
                CallPhase::NotYetOpen,
                CallPhase::Open,
                CallPhase::DeadlinePassed,
                CallPhase::ClosedEarly,
            ]),
        ),
    ]);
    let mut failures = Vec::new();
    let mut found = 0;
    for (name, schema) in contract.doc["components"]["schemas"].as_object().unwrap() {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        found += 1;
        let documented: BTreeSet<String> = values
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        match sent.get(name.as_str()) {
            Some(codes) if *codes == documented => {}
            Some(codes) => {
                failures.push(format!("{name}: documented {documented:?}, sent {codes:?}"))
            }
            None => failures.push(format!(
                "{name}: an enum this test does not know; add it to the table"
            )),
        }
    }
    // Enums written inline (not as components) are not allowed to hide from the table.
    fn inline_enums(value: &Value, path: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if map.contains_key("enum") && !path.starts_with("/components/schemas/") {
                    out.push(path.to_string());
                }
                for (k, v) in map {
                    inline_enums(v, &format!("{path}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    inline_enums(v, &format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut inline = Vec::new();
    inline_enums(&contract.doc["paths"], "/paths", &mut inline);
    for path in inline {
        failures.push(format!("{path}: an inline enum; make it a component"));
    }
    assert!(found >= 10, "only {found} enums in the document");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
