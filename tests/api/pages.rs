//! The service's frame: health, OpenAPI, assets, errors, headers and accessibility basics.

use crate::helpers::{AUDITOR, SKANE, spawn_app};

#[actix_web::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let expected = if app.test_db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert_eq!(body["database"], expected);
}

#[actix_web::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/calls",
        "/api/v1/calls/{id}",
        "/api/v1/calls/{id}/allocation",
        "/api/v1/applications",
        "/api/v1/applications/{id}",
        "/api/v1/audit-events",
        "/api/v1/session",
        "/api/v1/me",
        "/healthz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not described");
    }
    assert!(doc["components"]["schemas"].get("AllocationDto").is_some());
}

#[actix_web::test]
async fn unknown_addresses_get_a_swedish_page_or_problem_json() {
    let app = spawn_app().await;
    let (status, page) = app.get_text("/finns-inte").await;
    assert_eq!(status, 404);
    assert!(page.contains("Sidan finns inte"));
    let (status, body) = app.get_json("/api/v1/finns-inte").await;
    assert_eq!(status, 404);
    assert_eq!(body["title"], "Finns inte");
    let (status, _) = app.get_text("/utlysningar/inte-ett-id").await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/v1/calls/inte-ett-id/allocation").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn pages_carry_security_headers_and_the_stylesheet_loads() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let response = app.get("/static/app.css").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains(":focus-visible"));
}

#[actix_web::test]
async fn pages_are_swedish_with_landmarks_labels_and_a_skip_link() {
    let app = spawn_app().await;
    let call = app.call_id().await;
    let case = format!("/ansokningar/{}", app.application_id_of("232100-0255"));
    let anonymous = ["/", "/logga-in", "/tillganglighet"].map(str::to_string);
    let logged_in = ["/".to_string(), format!("/utlysningar/{call}"), case];
    for (login, pages) in [(false, &anonymous), (true, &logged_in)] {
        if login {
            app.login(SKANE).await;
        }
        check_pages(&app, pages).await;
    }
}

async fn check_pages(app: &crate::helpers::TestApp, pages: &[String]) {
    for path in pages {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("<html lang=\"sv\">"), "{path}");
        assert!(html.contains("<main id=\"innehall\""), "{path}");
        assert!(html.contains("<header"), "{path}");
        assert!(html.contains("<nav aria-label=\"Huvudmeny\">"), "{path}");
        assert!(html.contains("href=\"#innehall\""), "{path}");
        assert_eq!(html.matches("<h1").count(), 1, "{path} has one h1");
        // Every visible input has a label.
        for id in html.match_indices("<input id=\"").map(|(i, _)| {
            let rest = &html[i + 11..];
            rest[..rest.find('"').unwrap()].to_string()
        }) {
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "{path}: #{id} has no label"
            );
        }
    }
}

#[actix_web::test]
async fn the_auditor_sees_everything_read_only() {
    let app = spawn_app().await;
    app.login(AUDITOR).await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Du kan inte ändra något"));
    for org in [
        "Region Skåne",
        "Västra Götalandsregionen",
        "Region Östergötland",
        "Region Stockholm",
    ] {
        assert!(home.contains(org), "{org}");
    }
    assert!(
        !home.contains("<form method=\"post\" action=\"/utlysningar"),
        "no write forms"
    );
    let (status, trail) = app.get_text("/granskningslogg").await;
    assert_eq!(status, 200);
    assert!(trail.contains("Fixturer inlästa"));
}
