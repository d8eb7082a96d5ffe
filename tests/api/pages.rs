//! The service's frame: health, OpenAPI, assets, errors, headers and accessibility basics.

use crate::helpers::{AUDITOR, SKANE, spawn_app};

#[actix_web::test]
async fn liveness_answers_without_asking_the_database() {
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

/// The newest migration folder of the backend under test, as diesel writes its version.
fn newest_migration(postgres: bool) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(if postgres { "postgres" } else { "sqlite" });
    std::fs::read_dir(dir)
        .expect("migrations folder")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let version = name.split('_').next()?.replace('-', "");
            version
                .chars()
                .all(|c| c.is_ascii_digit())
                .then_some(version)
        })
        .max()
        .expect("a migration")
}

#[actix_web::test]
async fn readiness_proves_the_schema_and_a_write_and_says_why_not() {
    let app = spawn_app().await;
    let postgres = app.test_db.is_postgres();
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["schema_version"], newest_migration(postgres).as_str());

    // A database that refuses writes (read-only, full disk) is not ready, though it reads.
    let refuse = if postgres {
        vec![
            "CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'read-only'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_probe BEFORE INSERT OR UPDATE ON readiness_checks FOR EACH ROW EXECUTE FUNCTION refuse_writes()",
        ]
    } else {
        vec![
            "CREATE TRIGGER refuse_probe_update BEFORE UPDATE ON readiness_checks BEGIN SELECT RAISE(ABORT, 'read-only'); END",
            "CREATE TRIGGER refuse_probe_insert BEFORE INSERT ON readiness_checks BEGIN SELECT RAISE(ABORT, 'read-only'); END",
        ]
    };
    for sql in refuse {
        crate::helpers::execute(&mut app.conn(), sql).expect("install the refusal");
    }
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert!(
        body["reason"].as_str().unwrap().contains("skrivningar"),
        "{body}"
    );
    // Liveness does not ask the database: the process is fine and must not be restarted.
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    let lift = if postgres {
        "DROP TRIGGER refuse_probe ON readiness_checks"
    } else {
        "DROP TRIGGER refuse_probe_update"
    };
    crate::helpers::execute(&mut app.conn(), lift).unwrap();
    if !postgres {
        crate::helpers::execute(&mut app.conn(), "DROP TRIGGER refuse_probe_insert").unwrap();
    }
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200, "ready again once writes are taken");

    // A database missing a migration this binary needs (an older or foreign one).
    crate::helpers::execute(
        &mut app.conn(),
        &format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = '{}'",
            newest_migration(postgres)
        ),
    )
    .unwrap();
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("migreringar"),
        "{body}"
    );

    // A database that is not ours at all (no migration table).
    crate::helpers::execute(&mut app.conn(), "DROP TABLE __diesel_schema_migrations").unwrap();
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("schemaversion"),
        "{body}"
    );
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
        "/readyz",
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
