//! The last day is open until 23:59:59 Stockholm time by the server's clock, also on the
//! night summer time ends (when Stockholm goes from UTC+2 to UTC+1).

use crate::helpers::{SKANE, TestApp, csrf_from, spawn_app_without_cases};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// A call whose last day is 2020-10-25.
fn october_call(app: &TestApp) -> String {
    crate::helpers::october_call(
        app,
        "hostutlysning",
        "Höstens utlysning",
        "Sista dagen är natten då sommartiden slutar.",
    )
}

/// Starts and fills Skåne's draft through the pages; returns the application's id.
async fn skane_draft(app: &TestApp, call_id: &str) -> String {
    let (_, page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit = response.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = app.get_text(&edit).await;
    let response = app
        .client
        .post(app.url(&edit))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("project_title", "Höstplan"),
            ("answers.1", "Planen skrevs sent på kvällen."),
            ("budget_present", "1"),
            ("budget.2021.personal", "500000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    edit.split('/').nth(2).unwrap().to_string()
}

async fn submit(app: &TestApp, application_id: &str) -> (u16, String) {
    let (_, page) = app
        .get_text(&format!("/ansokningar/{application_id}/redigera"))
        .await;
    let response = app
        .client
        .post(app.url(&format!("/ansokningar/{application_id}/skicka-in")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[actix_web::test]
async fn the_last_second_of_the_last_day_is_open_when_summer_time_ends() {
    let app = spawn_app_without_cases().await;
    let call_id = october_call(&app);
    app.clock.set(at("2020-10-25T20:00:00Z"));
    app.login(SKANE).await;
    let application_id = skane_draft(&app, &call_id).await;
    // 23:59:59 CET (UTC+1) on 25 October is 22:59:59 UTC.
    app.clock.set(at("2020-10-25T22:59:59Z"));
    let (status, _) = submit(&app, &application_id).await;
    assert_eq!(status, 303);
}

#[actix_web::test]
async fn midnight_after_the_last_day_is_closed_and_the_draft_stays_when_summer_time_ends() {
    let app = spawn_app_without_cases().await;
    let call_id = october_call(&app);
    app.clock.set(at("2020-10-25T20:00:00Z"));
    app.login(SKANE).await;
    let application_id = skane_draft(&app, &call_id).await;
    // 00:00:00 CET on 26 October. (Under summer time's UTC+2 this would have been 22:00 UTC,
    // an hour too early.)
    app.clock.set(at("2020-10-25T23:00:00Z"));
    let (status, page) = submit(&app, &application_id).await;
    assert_eq!(status, 409);
    assert!(page.contains("Ansökningstiden gick ut 2020-10-25"));
    assert!(page.contains("Ert utkast finns kvar"));
    let (status, draft) = app
        .get_text(&format!("/ansokningar/{application_id}/redigera"))
        .await;
    assert_eq!(status, 200);
    assert!(draft.contains("Planen skrevs sent på kvällen."));
    let application = statsbidrag::db::applications::find(&mut app.conn(), &application_id)
        .unwrap()
        .unwrap();
    assert!(application.registration_number.is_none());
}
