//! Payments: planned per year when a grant is signed, marked paid in batches, never changed
//! once paid, and exported for the finance system.

use crate::helpers::{OFFICER, SKANE, csrf_from, spawn_app};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

#[actix_web::test]
async fn signed_grants_are_planned_per_year_and_paid_once() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.api_login(OFFICER).await;
    let (status, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    assert_eq!(status, 200);
    let payments = list.as_array().unwrap();
    assert_eq!(payments.len(), 6, "three grants, two years each");
    let sum = |year: i64| -> i64 {
        payments
            .iter()
            .filter(|p| p["year"] == year)
            .map(|p| p["amount"].as_str().unwrap().parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum(2021), 11_089_785);
    assert_eq!(sum(2022), 11_477_779);
    assert!(payments.iter().all(|p| p["status"] == "planned"));
    assert!(
        payments
            .iter()
            .all(|p| p["due_on"] == format!("{}-01-01", p["year"]))
    );

    // January 2021: the officer pays the 2021 batch.
    app.clock.set(at("2021-01-15T09:00:00Z"));
    // Half a year later: a new session.
    let csrf = app.api_login(OFFICER).await;
    let ids: Vec<String> = payments
        .iter()
        .filter(|p| p["year"] == 2021)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let mark = |ids: Vec<String>| {
        app.client
            .post(app.url("/api/v1/payments/mark-paid"))
            .header("X-CSRF-Token", &csrf)
            .json(&serde_json::json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-2021-0042"}))
            .send()
    };
    let response = mark(ids.clone()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let paid: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "paid")
        .collect();
    assert_eq!(paid.len(), 3);
    assert!(paid.iter().all(|p| p["reference"] == "VER-2021-0042"));

    // Marking a paid payment again is refused, and the batch is all or nothing.
    let mut again = ids.clone();
    let planned_2022 = payments.iter().find(|p| p["year"] == 2022).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    again.insert(0, planned_2022.clone());
    let response = mark(again).await.unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("redan markerad som betald"),
        "{body}"
    );
    let still_planned = statsbidrag::db::payments::find(&mut app.conn(), &planned_2022)
        .unwrap()
        .unwrap();
    assert_eq!(still_planned.status.as_str(), "planned");
    // The database itself refuses to change a paid payment.
    let refused = crate::helpers::execute(
        &mut app.conn(),
        &format!("UPDATE payments SET amount_ore = 1 WHERE id = '{}'", ids[0]),
    );
    assert!(refused.is_err());
    assert_eq!(app.audit_events("payment.paid").len(), 1);
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

#[actix_web::test]
async fn the_payment_file_opens_in_a_swedish_spreadsheet() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.login(OFFICER).await;
    let response = app
        .get(&format!("/utlysningar/{call_id}/utbetalningar.csv"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("Organisationsnummer;Mottagare;Belopp (kr);Referens;Förfallodag"));
    assert!(
        text.contains("232100-0255;Region Skåne;2913808,00;SB-2020-0001;2021-01-01;2021;Planerad"),
        "{text}"
    );
    // The page lists them with the sums.
    let (status, page) = app
        .get_text(&format!("/utlysningar/{call_id}/utbetalningar"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(&crate::helpers::nbsp("22 567 564 kr")));
}

#[actix_web::test]
async fn a_region_sees_its_own_payments_only() {
    let app = spawn_app().await;
    let skane = statsbidrag::db::organisations::find_by_number(&mut app.conn(), "232100-0255")
        .unwrap()
        .unwrap();
    let vgr = statsbidrag::db::organisations::find_by_number(&mut app.conn(), "232100-0131")
        .unwrap()
        .unwrap();
    app.api_login(SKANE).await;
    let (status, own) = app
        .get_json(&format!("/api/v1/organisations/{}/payments", skane.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(own.as_array().unwrap().len(), 2);
    let (status, _) = app
        .get_json(&format!("/api/v1/organisations/{}/payments", vgr.id))
        .await;
    assert_eq!(status, 404);
    let call_id = app.call_id().await;
    let (status, _) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_events("access.denied").len(), 2);
}

#[actix_web::test]
async fn a_batch_without_its_reference_keeps_what_was_typed() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.clock.set(at("2021-01-15T09:00:00Z"));
    app.login(OFFICER).await;
    let (_, page) = app
        .get_text(&format!("/utlysningar/{call_id}/utbetalningar"))
        .await;
    let marker = "name=\"payment_ids\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let id = page[start..start + page[start..].find('"').unwrap()].to_string();
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/utbetalningar")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("payment_ids", id.as_str()),
            ("paid_on", "2021-01-15"),
            ("reference", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Fyll i referensen"));
    assert!(page.contains("value=\"2021-01-15\""));
    assert!(page.contains(&format!("value=\"{id}\" checked")));
    let payment = statsbidrag::db::payments::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(payment.status.as_str(), "planned");
}

#[actix_web::test]
async fn the_dashboard_agrees_with_the_decisions_and_payments() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let response = app
        .client
        .post(app.url("/api/v1/payments/mark-paid"))
        .header("X-CSRF-Token", &csrf)
        .json(
            &serde_json::json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (status, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(years[0]["year"], 2021);
    assert_eq!(years[0]["ceiling"], "15000000");
    assert_eq!(years[0]["granted"], "11089785");
    assert_eq!(years[0]["paid"], "11089785");
    assert_eq!(years[0]["available"], "3910215");
    assert_eq!(years[1]["paid"], "0");
    assert_eq!(years[1]["available"], "3522221");
    // The page draws it, with the figures written out.
    let (status, page) = app
        .get_text(&format!("/utlysningar/{call_id}/ekonomi"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"));
    assert!(page.contains(
        "Beviljat 11 089 785 kr varav utbetalt 11 089 785 kr; tillgängligt 3 910 215 kr"
    ));
    // Not for applicants.
    let region = crate::helpers::new_client();
    let login = region
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    region
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&login).as_str()),
            ("email", SKANE),
            ("password", crate::helpers::PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let response = region
        .get(app.url(&format!("/api/v1/calls/{call_id}/dashboard")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}
