//! Bad characters never cost a 500: NUL (which PostgreSQL refuses in text), other control
//! characters and bytes that are not UTF-8, in a JSON field, a form field (urlencoded and
//! multipart), a path id or a query, are answered with a 4xx and a Swedish message on both
//! databases, and nothing is stored.

use serde_json::{Value, json};

use crate::helpers::{AUDITOR, OFFICER, TestApp, csrf_from, spawn_app_without_cases};
use crate::uploads::{case, edit_path, form_tokens, post_edit, skane_draft};

const CONTROL: &str = "otillåtet tecken";

/// A draft of Skåne's with a title, and the page login's CSRF token (the session's, which
/// the API takes as `X-CSRF-Token` too).
async fn draft_with_title(app: &TestApp) -> (String, String) {
    let id = skane_draft(app).await;
    let (csrf, _) = form_tokens(app, &id).await;
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/applications/{id}/draft"),
            json!({ "project_title": "Barn i fokus" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (id, csrf)
}

fn assert_problem(status: u16, body: &Value, expected_status: u16, field: &str, words: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["status"], expected_status, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["field"], field, "{body}");
    assert!(error["message"].as_str().unwrap().contains(words), "{body}");
}

#[actix_web::test]
async fn nul_in_a_json_field_is_refused_in_swedish_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let (id, csrf) = draft_with_title(&app).await;
    let before = case(&app, &id).await;

    for title in ["Barn\u{0}i fokus", "Barn\u{1b}i fokus"] {
        let response = app
            .client
            .put(app.url(&format!("/api/v1/applications/{id}/draft")))
            .header("X-CSRF-Token", &csrf)
            .json(&json!({ "project_title": title, "answers": { "1": "Text" } }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_problem(status, &body, 422, "project_title", CONTROL);
    }
    // Nested: the field is named by its path.
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/applications/{id}/draft"),
            json!({ "project_title": "Barn i fokus", "answers": { "1": "a\u{0}b" } }),
        )
        .await;
    assert_problem(status, &body, 422, "answers.1", CONTROL);
    // Tab and line breaks are text.
    let (status, body) = app
        .put_json(
            &csrf,
            &format!("/api/v1/applications/{id}/draft"),
            json!({ "project_title": "Barn i fokus", "answers": { "1": "Rad ett\r\n\tRad två" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = case(&app, &id).await;
    assert_eq!(after["project_title"], before["project_title"]);
}

#[actix_web::test]
async fn nul_in_a_login_is_refused_not_a_server_error() {
    let app = spawn_app_without_cases().await;
    let (status, body) = app
        .post_json(
            "",
            "/api/v1/session",
            json!({ "email": "handlaggare@socialstyrelsen.example\u{0}", "password": "x" }),
        )
        .await;
    assert_problem(status, &body, 422, "email", CONTROL);

    // The login page: the Swedish error page.
    let (_, page) = app.get_text("/logga-in").await;
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("email", "a\u{0}@example.se"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(CONTROL), "{page}");
    assert!(page.contains("lang=\"sv\""), "{page}");
}

#[actix_web::test]
async fn nul_in_a_form_field_urlencoded_or_multipart_is_refused_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let (id, _) = draft_with_title(&app).await;
    let before = case(&app, &id).await;

    let (csrf, form_key) = form_tokens(&app, &id).await;
    let response = app
        .client
        .post(app.url(&edit_path(&id)))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("form_key", form_key.as_str()),
            ("project_title", "Ny\u{0}titel"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(CONTROL), "{page}");

    let (status, page) = post_edit(&app, &id, &[("project_title", "Ny\u{0}titel")], None).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains(CONTROL), "{page}");

    assert_eq!(case(&app, &id).await, before);
}

#[actix_web::test]
async fn nul_in_a_path_id_is_not_found_in_the_api_and_on_pages() {
    let app = spawn_app_without_cases().await;
    app.login(OFFICER).await;
    for path in [
        "/api/v1/applications/a%00b",
        "/api/v1/calls/%00",
        "/api/v1/decisions/x%1Fy",
        "/api/v1/calls/%FF%FE",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["title"], "Finns inte", "{path}");
    }
    for path in [
        "/ansokningar/a%00b",
        "/utlysningar/%00/redigera",
        "/beslut/%C3%28/andra",
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("Sidan finns inte"), "{path}: {page}");
    }
}

#[actix_web::test]
async fn nul_or_broken_utf8_in_a_query_is_refused_in_swedish() {
    let app = spawn_app_without_cases().await;
    app.login(AUDITOR).await;
    let (status, body) = app.get_json("/api/v1/audit-events?action=a%00b").await;
    assert_problem(status, &body, 422, "action", CONTROL);
    let (status, body) = app.get_json("/api/v1/audit-events?entity_id=%FF").await;
    assert_problem(status, &body, 422, "entity_id", "UTF-8");
    let (status, page) = app.get_text("/granskningslogg?handelse=%00").await;
    assert_eq!(status, 422);
    assert!(page.contains(CONTROL), "{page}");
}

#[actix_web::test]
async fn broken_utf8_in_a_body_is_refused_in_swedish_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let (id, csrf) = draft_with_title(&app).await;
    let before = case(&app, &id).await;

    let response = app
        .client
        .put(app.url(&format!("/api/v1/applications/{id}/draft")))
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "application/json")
        .body(b"{\"project_title\":\"Barn \xff\xfe i fokus\"}".to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8"),
        "{body}"
    );

    let (csrf, form_key) = form_tokens(&app, &id).await;
    let response = app
        .client
        .post(app.url(&edit_path(&id)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf_token={csrf}&form_key={form_key}&project_title=Barn%FF"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("UTF-8"), "{page}");

    assert_eq!(case(&app, &id).await, before);
}
