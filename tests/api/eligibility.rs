//! A call that requires approved report-backs for earlier grants in the programme (the
//! 2023–2024 money was conditional on correct reporting for 2021–2022).

use statsbidrag::accounts::{self, NewAccount};

use crate::helpers::{OFFICER, PASSWORD, SKANE, TestApp, csrf_from, new_client, spawn_app};

/// The follow-up call, written by the officer through the API.
async fn follow_up_call(app: &TestApp) -> String {
    let csrf = app.api_login(OFFICER).await;
    let call = serde_json::json!({
        "programme": "sis-integrerad-vard",
        "code": "2020-integrerad-vard-2023-2024",
        "title": "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2023–2024",
        "description": "För de regioner som använt och redovisat medlen för 2021 och 2022 korrekt.",
        "opens_on": "2020-06-01",
        "last_day": "2020-09-30",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": 3,
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "requires_approved_reports": true,
        "years": [{"year": 2023, "ceiling": "15000000"}, {"year": 2024, "ceiling": "15000000"}],
        "sections": [{"title": "Plan", "required": true, "max_length": 2000}],
        "cost_categories": [{"code": "personal", "name": "Personal"}]
    });
    let response = app
        .client
        .post(app.url("/api/v1/calls"))
        .header("X-CSRF-Token", &csrf)
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/calls/{id}/publish")))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    id
}

async fn logged_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let login = client
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&login).as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    client
}

async fn start(app: &TestApp, client: &reqwest::Client, call_id: &str) -> (u16, String) {
    let page = client
        .get(app.url(&format!("/utlysningar/{call_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, page + &response.text().await.unwrap())
}

#[actix_web::test]
async fn a_region_without_approved_reports_is_told_why_it_may_not_apply() {
    let app = spawn_app().await;
    let call_id = follow_up_call(&app).await;

    // Region Skåne was granted 2021 and 2022 in 2020; neither report is approved yet.
    let skane = logged_in(&app, SKANE).await;
    let (status, text) = start(&app, &skane, &call_id).await;
    assert_eq!(status, 409);
    assert!(
        text.contains(
            "återrapporteringen inte godkänd för: 2021 (SB-2020-0001), 2022 (SB-2020-0001)"
        ),
        "{text}"
    );

    // A region without earlier grants may apply.
    accounts::create_account(
        &mut app.conn(),
        None,
        &NewAccount {
            email: "a@uppsala.example".into(),
            name: "Uppsala".into(),
            role: "applicant".into(),
            org_number: Some("232100-0024".into()),
            org_role: Some(statsbidrag::codes::OrgRole::Representative),
            password: Some(PASSWORD.into()),
        },
        app.clock_now(),
    )
    .unwrap();
    let uppsala = logged_in(&app, "a@uppsala.example").await;
    let (status, _) = start(&app, &uppsala, &call_id).await;
    assert_eq!(status, 303);

    // Once both reports are approved, Skåne may apply too. (The report-back itself comes
    // with its own issue; the rows are written directly here.)
    let decision: String = {
        use diesel::prelude::*;
        use statsbidrag::db::schema::{decisions, organisations};
        decisions::table
            .inner_join(organisations::table)
            .filter(organisations::org_number.eq("232100-0255"))
            .select(decisions::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    for year in [2021, 2022] {
        crate::helpers::execute(
            &mut app.conn(),
            &format!(
                "INSERT INTO reports (id, decision_id, organisation_id, year, status, opens_on, due_on, created_at) \
                 SELECT 'r{year}', '{decision}', organisation_id, {year}, 'approved', '{year}-12-31', '{}-03-01', '2020-06-30 12:00:00' FROM decisions WHERE id = '{decision}'",
                year + 1
            ),
        )
        .unwrap();
    }
    let (status, _) = start(&app, &skane, &call_id).await;
    assert_eq!(status, 303);
}
