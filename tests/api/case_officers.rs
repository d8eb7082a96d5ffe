//! Each case's responsible officer (issue 16): officers set and change it on the case page,
//! every change is in the audit trail with both names, "Mina ärenden" lists one's own
//! cases; a wrong choice is named beside the field and changes nothing; an applicant is
//! refused and the refusal is recorded; an auditor reads the name but cannot change it.

use crate::helpers::{AUDITOR, OFFICER, SKANE, TestApp, csrf_from, spawn_app};

const OFFICER_2: &str = "handlaggare2@socialstyrelsen.example";
const SKANE_ORGNR: &str = "232100-0255";

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .ok()
        .flatten()
        .map(|u| u.id)
        .unwrap_or_default()
}

async fn choose(app: &TestApp, case: &str, officer_id: &str) -> (u16, String) {
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    let response = app
        .client
        .post(app.url(&format!("/ansokningar/{case}/handlaggare")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("officer_id", officer_id),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[actix_web::test]
async fn officers_set_a_cases_officer_and_find_their_cases() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let (me, colleague) = (user_id(&app, OFFICER), user_id(&app, OFFICER_2));

    app.login(OFFICER).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<dt>Handläggare</dt><dd>Ingen utsedd</dd>"),
        "{page}"
    );
    let (_, mine) = app.get_text("/mina-arenden").await;
    assert!(mine.contains("Du är inte handläggare för något ärende."));

    // An officer takes the case.
    let (status, _) = choose(&app, &case, &me).await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert!(
        page.contains("<dt>Handläggare</dt><dd>Karin Lindqvist</dd>"),
        "{page}"
    );
    let (_, mine) = app.get_text("/mina-arenden").await;
    assert!(mine.contains("Region Skåne"), "{mine}");
    assert!(mine.contains(&format!("/ansokningar/{case}")));

    // A choice that is not an officer is named beside the field; nothing changes.
    let (status, page) = choose(&app, &case, &user_id(&app, SKANE)).await;
    assert_eq!(status, 422);
    assert!(page.contains("Välj en handläggare i listan."), "{page}");
    assert!(page.contains("<dt>Handläggare</dt><dd>Karin Lindqvist</dd>"));

    // Handed to a colleague: recorded with both names, and it leaves "Mina ärenden".
    let (status, _) = choose(&app, &case, &colleague).await;
    assert_eq!(status, 303);
    let set = app.audit_events("application.case_officer_set");
    assert_eq!(set.len(), 2, "one entry per change, none for the refusal");
    assert_eq!(
        set[0].summary,
        "Handläggare för ärendet: Omar Haddad (tidigare Karin Lindqvist)"
    );
    assert_eq!(set[0].entity_id.as_deref(), Some(case.as_str()));
    let (_, mine) = app.get_text("/mina-arenden").await;
    assert!(!mine.contains(&format!("/ansokningar/{case}")));

    // The same choice again is no change and no entry.
    let (status, _) = choose(&app, &case, &colleague).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_events("application.case_officer_set").len(), 2);

    // An auditor reads who it is, without the form; an applicant is refused, on record.
    let (_, page) = app.get_text("/").await;
    let _ = app
        .client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await;
    app.login(AUDITOR).await;
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert!(page.contains("<dt>Handläggare</dt><dd>Omar Haddad</dd>"));
    assert!(!page.contains("name=\"officer_id\""));
    let (status, _) = app.get_text("/mina-arenden").await;
    assert_eq!(status, 403);

    let (_, page) = app.get_text("/").await;
    let _ = app
        .client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await;
    app.login(SKANE).await;
    let denied_before = app.audit_events("access.denied").len();
    let (status, _) = choose(&app, &case, &me).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit_events("access.denied").len(), denied_before + 1);
    let (_, page) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert!(
        !page.contains("<dt>Handläggare</dt>"),
        "the applicant does not see it"
    );
    let row = statsbidrag::db::case_officers::of_case(&mut app.conn(), &case)
        .ok()
        .flatten()
        .map(|r| r.officer_id);
    assert_eq!(row, Some(colleague));
}

#[actix_web::test]
async fn the_case_officer_is_read_and_set_through_the_api_by_officers_only() {
    let app = crate::helpers::spawn_app().await;
    let case = app.application_id_of("232100-0255");
    let omar = statsbidrag::db::accounts::find_by_email(
        &mut app.conn(),
        "handlaggare2@socialstyrelsen.example",
    )
    .unwrap()
    .unwrap();
    let path = format!("/api/v1/applications/{case}/case-officer");
    let csrf = app.api_login(crate::helpers::OFFICER).await;
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"officer_id": null, "name": null}));
    let (status, body) = app
        .put_json(
            &csrf,
            &path,
            serde_json::json!({"officer_id": "ingen-sadan"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "officer_id");
    let (status, body) = app
        .put_json(&csrf, &path, serde_json::json!({"officer_id": omar.id}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Omar Haddad");
    assert_eq!(app.audit_events("application.case_officer_set").len(), 1);
    // Auditors read it; they and applicants do not set it; applicants do not read it.
    let csrf = app.api_login(crate::helpers::AUDITOR).await;
    assert_eq!(app.get_json(&path).await.1["name"], "Omar Haddad");
    let (status, _) = app
        .put_json(&csrf, &path, serde_json::json!({"officer_id": ""}))
        .await;
    assert_eq!(status, 403);
    let csrf = app.api_login(crate::helpers::SKANE).await;
    assert_eq!(app.get_json(&path).await.0, 403);
    let (status, _) = app
        .put_json(&csrf, &path, serde_json::json!({"officer_id": ""}))
        .await;
    assert_eq!(status, 403);
    assert_eq!(app.audit_events("application.case_officer_set").len(), 1);
}
