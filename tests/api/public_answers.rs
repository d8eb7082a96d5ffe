//! The public allocation table and call page are kept in memory for a moment (the busiest
//! reads); a signing must still show in them at once, and a draft call never leaks.

use crate::decisions::{account, api_login, prepared, small_call, submitted};
use crate::helpers::{OFFICER, TestApp, new_client, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

async fn public_allocation(app: &TestApp, call_id: &str) -> serde_json::Value {
    let response = new_client()
        .get(app.url(&format!("/api/v1/calls/{call_id}/allocation")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn public_page(app: &TestApp, call_id: &str) -> String {
    let response = new_client()
        .get(app.url(&format!("/utlysningar/{call_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.unwrap().replace('\u{a0}', " ")
}

#[actix_web::test]
async fn a_signing_shows_in_the_public_allocation_and_call_page_at_once() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let case = submitted(&app, &jonkoping, &call_id, "600000");
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let decision = prepared(&app, &officer, &csrf, &case, "grant", "600000").await;

    // Read twice: the second answer may come from memory.
    for _ in 0..2 {
        let table = public_allocation(&app, &call_id).await;
        assert_eq!(table["granted_total"], "0", "{table}");
        assert_eq!(table["remaining_total"], "1000000", "{table}");
        let page = public_page(&app, &call_id).await;
        assert!(!page.contains("Region Jönköpings län"), "not yet granted");
    }

    let maker = new_client();
    let maker_csrf = api_login(&app, &maker, DECISION_MAKER).await;
    let response = maker
        .post(app.url(&format!("/api/v1/decisions/{decision}/sign")))
        .header("X-CSRF-Token", &maker_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let table = public_allocation(&app, &call_id).await;
    assert_eq!(table["granted_total"], "600000", "{table}");
    assert_eq!(table["remaining_total"], "400000", "{table}");
    assert_eq!(table["recipients"].as_array().unwrap().len(), 1, "{table}");
    let page = public_page(&app, &call_id).await;
    assert!(page.contains("Region Jönköpings län"), "granted at once");
    assert!(page.contains("400 000"), "what remains");
}

#[actix_web::test]
async fn a_draft_call_seen_by_an_officer_is_not_shown_to_the_public() {
    let app = spawn_app().await;
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let (status, call) = crate::decisions::send(
        &officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/calls/{}/copy", app.call_id().await)),
        &csrf,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 201, "{call}");
    let draft_id = call["id"].as_str().unwrap();
    // The officer reads the draft's table and page first...
    for path in [
        format!("/api/v1/calls/{draft_id}/allocation"),
        format!("/utlysningar/{draft_id}"),
    ] {
        let response = officer.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        // ...and the public still does not learn that it exists.
        let response = new_client().get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}
