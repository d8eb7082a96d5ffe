//! Who may read what. Refusals are answered without leaking, and recorded.

use crate::helpers::{ADMIN, AUDITOR, OFFICER, SKANE, VGR, spawn_app};

#[actix_web::test]
async fn an_applicant_cannot_read_another_organisations_application_by_page_or_api() {
    let app = spawn_app().await;
    let vgr_application = app.application_id_of("232100-0131");
    let own_application = app.application_id_of("232100-0255");
    app.login(SKANE).await;

    // Their own case reads.
    let (status, page) = app
        .get_text(&format!("/ansokningar/{own_application}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Region Skåne"));

    // Another region's case does not exist, as far as they can tell.
    let (status, page) = app
        .get_text(&format!("/ansokningar/{vgr_application}"))
        .await;
    assert_eq!(status, 404);
    assert!(!page.contains("Västra Götaland"));
    assert!(page.contains("Sidan finns inte"));

    let (status, body) = app
        .get_json(&format!("/api/v1/applications/{vgr_application}"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], 404);
    assert!(!body.to_string().contains("Västra Götaland"));

    // The list shows only their own organisation.
    let (status, list) = app.get_json("/api/v1/applications").await;
    assert_eq!(status, 200);
    let orgs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["organisation"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["Region Skåne"]);

    // Both attempts are in the audit trail, with who and what.
    let denied = app.audit_events("access.denied");
    let attempts: Vec<_> = denied
        .iter()
        .filter(|e| e.entity_id.as_deref() == Some(vgr_application.as_str()))
        .collect();
    assert_eq!(attempts.len(), 2, "{denied:?}");
    for event in attempts {
        assert_eq!(event.actor_email.as_deref(), Some(SKANE));
        assert_eq!(event.actor_role.as_deref(), Some("applicant"));
        assert!(event.actor_organisation_id.is_some());
        assert_eq!(event.entity_type, "application");
    }
}

#[actix_web::test]
async fn the_auditor_reads_the_refused_attempt_in_the_trail() {
    let app = spawn_app().await;
    let vgr_application = app.application_id_of("232100-0131");
    app.login(SKANE).await;
    let (status, _) = app
        .get_text(&format!("/ansokningar/{vgr_application}"))
        .await;
    assert_eq!(status, 404);

    let auditor = crate::helpers::new_client();
    let response = auditor
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": AUDITOR, "password": crate::helpers::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let trail: serde_json::Value = auditor
        .get(app.url("/api/v1/audit-events?action=access.denied"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = trail["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["actor_email"] == SKANE && e["entity_id"] == vgr_application.as_str())
    );

    let page = auditor
        .get(app.url("/granskningslogg?handelse=access.denied"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(SKANE));
    assert!(page.contains("försökte läsa en annan organisations ansökan"));
}

#[actix_web::test]
async fn roles_are_refused_what_is_not_theirs_and_it_is_recorded() {
    let app = spawn_app().await;

    // The officer may not read the audit trail (auditors and administrators do).
    app.login(OFFICER).await;
    let (status, _) = app.get_text("/granskningslogg").await;
    assert_eq!(status, 403);
    let (status, body) = app.get_json("/api/v1/audit-events").await;
    assert_eq!(status, 403);
    assert_eq!(body["title"], "Åtkomst nekad");
    let (status, _) = app.get_text("/admin").await;
    assert_eq!(status, 403);

    // The administrator manages accounts, not cases.
    let admin = crate::helpers::new_client();
    admin
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": ADMIN, "password": crate::helpers::PASSWORD }))
        .send()
        .await
        .unwrap();
    let case = app.application_id_of("232100-0131");
    let response = admin
        .get(app.url(&format!("/api/v1/applications/{case}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = admin.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let denied = app.audit_events("access.denied");
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some(OFFICER) && e.entity_type == "audit_trail")
    );
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some(OFFICER) && e.entity_type == "user")
    );
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some(ADMIN)
                && e.entity_id.as_deref() == Some(case.as_str()))
    );
}

#[actix_web::test]
async fn reading_cases_needs_a_login_but_open_data_does_not() {
    let app = spawn_app().await;
    let case = app.application_id_of("232100-0131");

    let (status, body) = app.get_json("/api/v1/applications").await;
    assert_eq!(status, 401);
    assert_eq!(body["title"], "Inloggning krävs");
    let (status, _) = app.get_json(&format!("/api/v1/applications/{case}")).await;
    assert_eq!(status, 401);

    // A page sends the person to the login page and back afterwards.
    let response = app.get(&format!("/ansokningar/{case}")).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/logga-in?next=/ansokningar/{case}"));

    let (status, _) = app.get_json("/api/v1/calls").await;
    assert_eq!(status, 200);
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Publicerade utlysningar"));

    // Other regions see the 2020 call and its allocation, not the applications.
    app.login(VGR).await;
    let call = app.call_id().await;
    let (_, page) = app.get_text(&format!("/utlysningar/{call}")).await;
    assert!(page.contains("Tabell 1"));
    assert!(!page.contains("Summa sökt"));
}
