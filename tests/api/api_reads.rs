//! Every object a page shows has a read in the API with its id (issue 11): the reclaim a
//! change decision makes, a payment, the letter stating a claim, and the redistribution
//! rounds (a call's, and those open to an organisation). Each read keeps the pages' access
//! rules: an applicant reads only their own organisation's (404 for another's), the
//! administrator none; every refusal is in the audit trail.

use serde_json::{Value, json};

use crate::helpers::{ADMIN, AUDITOR, OFFICER, SKANE, TestApp, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const OSTERGOTLAND: &str = "sokande@ostergotland.example";
const STOCKHOLM: &str = "sokande@stockholm.example";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn denied(app: &TestApp, entity_id: &str) -> usize {
    app.audit_events("access.denied")
        .iter()
        .filter(|e| e.entity_id.as_deref() == Some(entity_id))
        .count()
}

/// Asks for `path` as `email`: the status and the body.
async fn read_as(app: &TestApp, email: &str, path: &str) -> (u16, Value) {
    app.api_login(email).await;
    app.get_json(path).await
}

/// Pays Region Östergötland's 2021 grant in January 2021 and revokes the grant in
/// September: the change decision claims the paid money back. Returns the change
/// decision's id.
async fn revoked_after_payment(app: &TestApp) -> String {
    let call_id = app.call_id().await;
    let grant = crate::changes::grant_of(app, "232100-0040");
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, payments) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<&str> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021 && p["organisation"] == "Region Östergötland")
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let (status, _) = app
        .post_json(
            &csrf,
            "/api/v1/payments/mark-paid",
            json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-1"}),
        )
        .await;
    assert_eq!(status, 200);
    app.clock.set(at("2021-09-01T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, draft) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{}/changes", grant.id),
            json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let maker = app.api_login(DECISION_MAKER).await;
    let (status, body) = app
        .post_json(&maker, &format!("/api/v1/decisions/{id}/sign"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

#[actix_web::test]
async fn a_reclaim_made_by_a_change_decision_is_read_by_its_id_with_its_letter() {
    let app = spawn_app().await;
    let change = revoked_after_payment(&app).await;

    // The change decision lists its claim; the claim reads by its id.
    let (status, decision) = read_as(&app, OFFICER, &format!("/api/v1/decisions/{change}")).await;
    assert_eq!(status, 200, "{decision}");
    let claims = decision["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 1, "{decision}");
    let claim_id = claims[0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/claims/{claim_id}");
    let (status, claim) = app.get_json(&path).await;
    assert_eq!(status, 200, "{claim}");
    assert_eq!(claim["kind"], "reclaim");
    assert_eq!(claim["decision_id"], change.as_str());
    assert_eq!(claim["year"], 2021);
    assert_eq!(claim["amount"], "3179104");
    assert_eq!(claim["status"], "open");
    assert_eq!(claim["due_on"], "2021-10-01");
    assert!(claim["report_id"].is_null());

    // Its letter is the change decision's, byte for byte.
    let response = app.get(&format!("{path}/letter")).await;
    assert_eq!(response.status().as_u16(), 200);
    let sha = response.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(Some(sha.as_str()), decision["letter_sha256"].as_str());
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF"));

    // The organisation's own people read it; an auditor reads it.
    let (status, own) = read_as(&app, OSTERGOTLAND, &path).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["id"], claim_id.as_str());
    let (status, _) = read_as(&app, AUDITOR, &path).await;
    assert_eq!(status, 200);

    // Another organisation is told it does not exist, the administrator is refused; both
    // attempts are in the audit trail. An unknown id is 404 as well.
    let before = denied(&app, &claim_id);
    let (status, problem) = read_as(&app, SKANE, &path).await;
    assert_eq!(status, 404, "{problem}");
    let (status, _) = read_as(&app, SKANE, &format!("{path}/letter")).await;
    assert_eq!(status, 404);
    let (status, _) = read_as(&app, ADMIN, &path).await;
    assert_eq!(status, 403);
    assert_eq!(denied(&app, &claim_id), before + 3);
    let (status, _) = read_as(&app, OFFICER, "/api/v1/claims/no-such-claim").await;
    assert_eq!(status, 404);

    // Recorded as received, the read says so.
    let csrf = app.api_login(OFFICER).await;
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("{path}/received"),
            json!({"received_on": "2021-09-01"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, claim) = app.get_json(&path).await;
    assert_eq!(claim["status"], "received");
    assert_eq!(claim["received_on"], "2021-09-01");
}

#[actix_web::test]
async fn a_payment_is_read_by_its_id_by_the_agency_and_its_own_organisation_only() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.api_login(OFFICER).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == "Region Skåne" && p["year"] == 2021)
        .unwrap()
        .clone();
    let id = listed["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/payments/{id}");
    let (status, payment) = app.get_json(&path).await;
    assert_eq!(status, 200, "{payment}");
    assert_eq!(payment, listed, "the read and the list agree");
    assert_eq!(payment["amount"], "2913808");

    let (status, own) = read_as(&app, SKANE, &path).await;
    assert_eq!(status, 200, "{own}");
    let (status, _) = read_as(&app, AUDITOR, &path).await;
    assert_eq!(status, 200);
    let before = denied(&app, &id);
    let (status, _) = read_as(&app, OSTERGOTLAND, &path).await;
    assert_eq!(status, 404);
    let (status, _) = read_as(&app, ADMIN, &path).await;
    assert_eq!(status, 403);
    assert_eq!(denied(&app, &id), before + 2);
    let (status, _) = read_as(&app, OFFICER, "/api/v1/payments/no-such-payment").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn redistribution_rounds_are_listed_per_call_and_open_ones_per_organisation() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.clock.set(at("2021-09-01T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, round) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/rounds"),
            json!({"year": "2021", "last_day": "2021-09-30"}),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    let round_id = round["id"].as_str().unwrap().to_string();

    // A call's rounds, as its page of rounds lists them: the agency and auditors.
    let path = format!("/api/v1/calls/{call_id}/rounds");
    let (status, rounds) = app.get_json(&path).await;
    assert_eq!(status, 200, "{rounds}");
    assert_eq!(rounds.as_array().unwrap().len(), 1);
    assert_eq!(rounds[0]["id"], round_id.as_str());
    assert_eq!(rounds[0]["year"], 2021);
    assert_eq!(rounds[0]["last_day"], "2021-09-30");
    assert_eq!(rounds[0]["status"], "open");
    let (status, _) = read_as(&app, AUDITOR, &path).await;
    assert_eq!(status, 200);
    let before = denied(&app, &call_id);
    let (status, _) = read_as(&app, SKANE, &path).await;
    assert_eq!(status, 403);
    assert_eq!(denied(&app, &call_id), before + 1);
    let (status, _) = read_as(&app, OFFICER, "/api/v1/calls/no-such-call/rounds").await;
    assert_eq!(status, 404);

    // The rounds open to an organisation, as its start page lists them: a granted region
    // sees the round, the refused one does not.
    let (status, open) = read_as(&app, SKANE, "/api/v1/rounds").await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["id"], round_id.as_str());
    assert!(open[0]["call_title"].as_str().is_some());
    let (status, open) = read_as(&app, STOCKHOLM, "/api/v1/rounds").await;
    assert_eq!(status, 200);
    assert!(open.as_array().unwrap().is_empty(), "{open}");
    let (status, open) = read_as(&app, AUDITOR, "/api/v1/rounds").await;
    assert_eq!(status, 200);
    assert_eq!(open.as_array().unwrap().len(), 1);
    let (status, _) = read_as(&app, ADMIN, "/api/v1/rounds").await;
    assert_eq!(status, 403);
}

/// The administrator's page of accounts and an organisation's page of people have their
/// reads: the same people, the same rules, never a password.
#[actix_web::test]
async fn people_and_organisations_are_read_with_the_pages_rules() {
    let app = spawn_app().await;
    let skane_org = {
        let mut conn = app.conn();
        statsbidrag::db::organisations::find_by_number(&mut conn, "232100-0255")
            .expect("query")
            .expect("Region Skåne")
            .id
    };
    let vgr_org = {
        let mut conn = app.conn();
        statsbidrag::db::organisations::find_by_number(&mut conn, "232100-0131")
            .expect("query")
            .expect("Västra Götalandsregionen")
            .id
    };
    let people_path = format!("/api/v1/organisations/{skane_org}/people");

    // The organisation's own people read it, as on the page.
    let (status, body) = read_as(&app, SKANE, &people_path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organisation"]["name"], "Region Skåne");
    assert_eq!(body["organisation"]["org_number"], "232100-0255");
    let people = body["people"].as_array().unwrap();
    assert!(people.iter().any(|p| p["email"] == SKANE), "{body}");
    assert!(
        people
            .iter()
            .all(|p| p["organisation_id"] == skane_org.as_str())
    );
    let text = body.to_string();
    assert!(
        !text.contains("password_hash") && !text.contains("$argon2"),
        "{text}"
    );

    // Another organisation's people: 404, recorded.
    let before = denied(&app, &vgr_org);
    let (status, _) = read_as(
        &app,
        SKANE,
        &format!("/api/v1/organisations/{vgr_org}/people"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(denied(&app, &vgr_org), before + 1);

    // The agency's officers read who acts for an organisation; the administrator, who
    // manages the agency's staff only, reads the overview of accounts but no organisation's
    // people.
    let (status, body) = read_as(&app, OFFICER, &people_path).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = read_as(&app, ADMIN, &people_path).await;
    assert_eq!(status, 404);
    let (status, body) = read_as(&app, ADMIN, "/api/v1/accounts").await;
    assert_eq!(status, 200, "{body}");
    let everyone = body["people"].as_array().unwrap();
    for email in [SKANE, OFFICER, AUDITOR, ADMIN] {
        assert!(everyone.iter().any(|p| p["email"] == email), "{email}");
    }
    assert!(
        everyone
            .iter()
            .any(|p| p["email"] == OFFICER && p["role"] == "officer" && p["active"] == true)
    );
    assert!(body["organisations"].as_array().unwrap().len() >= 21);

    // Nobody else reads the overview: 403, recorded.
    for email in [OFFICER, SKANE, AUDITOR] {
        let (status, body) = read_as(&app, email, "/api/v1/accounts").await;
        assert_eq!(status, 403, "{email}: {body}");
    }
    // Without a session: 401.
    let anonymous = reqwest::Client::new()
        .get(app.url("/api/v1/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}
