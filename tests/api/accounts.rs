//! Logging in and out, sessions and CSRF.

use crate::helpers::{OFFICER, PASSWORD, SKANE, csrf_from, new_client, spawn_app};

#[actix_web::test]
async fn a_wrong_password_is_refused_in_swedish_and_the_address_is_kept() {
    let app = spawn_app().await;
    let response = app.login_as(OFFICER, "fel lösenord").await;
    assert_eq!(response.status().as_u16(), 401);
    let page = response.text().await.unwrap();
    assert!(page.contains("Fel e-postadress eller lösenord."));
    assert!(
        page.contains(&format!("value=\"{OFFICER}\"")),
        "typed address kept"
    );
    assert!(page.contains("lang=\"sv\""));

    let failed = app.audit_events("auth.login_failed");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].summary.contains(OFFICER));
    assert!(
        !failed[0].details.contains("fel lösenord"),
        "passwords are never logged"
    );

    // An unknown address gets the same answer.
    let response = app.login_as("ingen@example.org", PASSWORD).await;
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Fel e-postadress eller lösenord.")
    );

    let response = app.login_as(OFFICER, "").await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Ange ditt lösenord.")
    );
}

#[actix_web::test]
async fn a_login_without_the_forms_csrf_token_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[("email", OFFICER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("Försök logga in igen"));
    assert!(app.audit_events("auth.login").is_empty());

    // A token from another browser's session does not work either.
    let other = new_client();
    let foreign = csrf_from(
        &other
            .get(app.url("/logga-in"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let (_, _own_page) = app.get_text("/logga-in").await;
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", foreign.as_str()),
            ("email", OFFICER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_and_same_site_and_logout_ends_it_on_the_server() {
    let app = spawn_app().await;
    let response = app.login_as(OFFICER, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("statsbidrag_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let cookie_pair = cookie.split(';').next().unwrap().to_string();
    assert_eq!(app.audit_events("auth.login").len(), 1);

    let (_, home) = app.get_text("/").await;
    let csrf = csrf_from(&home);
    let response = app
        .client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(app.audit_events("auth.logout").len(), 1);

    // Replaying the old cookie does not bring the session back.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = stale
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie_pair)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[actix_web::test]
async fn a_logout_with_a_wrong_token_is_refused() {
    let app = spawn_app().await;
    app.login(SKANE).await;
    let response = app
        .client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", "fel")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let (status, me) = app.get_json("/api/v1/me").await;
    assert_eq!(status, 200, "still logged in");
    assert_eq!(me["email"], SKANE);
}

#[actix_web::test]
async fn the_api_logs_in_and_out_with_problem_json_on_errors() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": "", "password": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .body("inte json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);

    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": OFFICER, "password": "fel" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    let csrf = app.api_login(OFFICER).await;
    let (status, me) = app.get_json("/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "officer");

    let response = app
        .client
        .delete(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422, "no CSRF header");
    let response = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let (status, _) = app.get_json("/api/v1/me").await;
    assert_eq!(status, 401);
}
