//! Change decisions (ändringsbeslut) and revocations: a later decision that refers to a
//! signed grant, with its own letter; the grant stays as signed; the ceiling, the amount
//! applied for and the floor at zero still hold; payments follow.

use serde_json::{Value, json};

use crate::helpers::{OFFICER, TestApp, csrf_from, spawn_app};
use crate::letters::extract_pages;

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const OSTERGOTLAND: &str = "232100-0040";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// The signed grant of an organisation's first application.
pub(crate) fn grant_of(app: &TestApp, org_number: &str) -> statsbidrag::db::decisions::Decision {
    let application_id = app.application_id_of(org_number);
    let mut conn = app.conn();
    statsbidrag::db::decisions::for_application(&mut conn, &application_id)
        .unwrap()
        .into_iter()
        .find(|d| d.kind.as_str() == "grant")
        .expect("a signed grant")
}

fn granted_for(app: &TestApp, decision_id: &str, year: i32) -> i64 {
    let mut conn = app.conn();
    statsbidrag::decisions::current_amounts(&mut conn, decision_id).unwrap()[&year].ore() / 100
}

async fn dashboard_year(app: &TestApp, call_id: &str, year: i64) -> Value {
    let (status, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    assert_eq!(status, 200);
    years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == year)
        .cloned()
        .unwrap()
}

async fn letter(app: &TestApp, decision_id: &str) -> (String, String) {
    let response = app
        .get(&format!("/api/v1/decisions/{decision_id}/letter"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let sha = response
        .headers()
        .get("x-content-sha256")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    (extract_pages(&bytes).join("\n"), sha)
}

#[actix_web::test]
async fn lowering_a_grant_gives_back_exactly_that_and_both_letters_read() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let grant = grant_of(&app, OSTERGOTLAND);
    let before_2022 = granted_for(&app, &grant.id, 2022);
    let csrf = app.api_login(OFFICER).await;
    let before = dashboard_year(&app, &call_id, 2022).await;
    assert_eq!(before["available"], "3522221");
    let (original_text, original_sha) = letter(&app, &grant.id).await;

    // What the officer types is checked: nothing changed, a year outside the decision, no
    // reasons.
    let path = format!("/api/v1/decisions/{}/changes", grant.id);
    let (status, body) = app.post_json(&csrf,
        &path,
        json!({"kind": "change", "amounts": {"2022": before_2022.to_string()}, "reasons": "Skäl"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "amounts");
    let (status, body) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "change", "amounts": {"2023": "5"}, "reasons": ""}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"reasons") && fields.contains(&"amounts.2023"),
        "{fields:?}"
    );

    // The officer prepares the lowering; nothing is granted differently until it is signed.
    let (status, draft) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "change", "amounts": {"2022": (before_2022 - 100_000).to_string()},
               "reasons": "Regionen har meddelat att verksamheten 2022 blir mindre än planerat."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["kind"], "change");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["amends_decision_id"], grant.id.as_str());
    assert_eq!(
        draft["amounts"],
        json!([{"year": 2022, "amount": "-100000"}])
    );
    assert_eq!(
        dashboard_year(&app, &call_id, 2022).await["available"],
        "3522221"
    );

    // The decision maker signs it.
    let csrf = app.api_login(DECISION_MAKER).await;
    let change_id = draft["id"].as_str().unwrap();
    let (status, signed) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{change_id}/sign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["status"], "signed");

    // Exactly 100 000 kr more is available for 2022; 2021 is untouched.
    let after = dashboard_year(&app, &call_id, 2022).await;
    assert_eq!(after["available"], "3622221");
    assert_eq!(after["granted_changes"], "-100000");
    assert_eq!(
        dashboard_year(&app, &call_id, 2021).await["available"],
        "3910215"
    );
    assert_eq!(granted_for(&app, &grant.id, 2022), before_2022 - 100_000);

    // Both letters read: the original byte for byte as before, the change with its own
    // words.
    let (again_text, again_sha) = letter(&app, &grant.id).await;
    assert_eq!(again_sha, original_sha);
    assert_eq!(again_text, original_text);
    let (change_text, _) = letter(&app, change_id).await;
    let flat = change_text.replace(['\n', '\u{a0}'], " ");
    assert!(flat.contains("Beslut om ändring av statsbidrag"), "{flat}");
    assert!(flat.contains("Region Östergötland"));
    assert!(flat.contains(&grant.registration_number));
    assert!(
        flat.contains(&format!(
            "sänks beloppet med 100 000 kr, från {} till {}",
            kronor(before_2022),
            kronor(before_2022 - 100_000)
        )),
        "{flat}"
    );
    assert!(flat.contains("Regionen har meddelat"));

    // The 2022 payment that was planned is cancelled and the rest planned anew.
    let (_, payments) = app
        .get_json(&format!(
            "/api/v1/organisations/{}/payments",
            grant.organisation_id
        ))
        .await;
    let of_2022: Vec<&Value> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2022)
        .collect();
    assert_eq!(of_2022.len(), 2, "{of_2022:?}");
    let (was, now) = (before_2022.to_string(), (before_2022 - 100_000).to_string());
    assert!(
        of_2022
            .iter()
            .any(|p| p["status"] == "cancelled" && p["amount"] == was.as_str())
    );
    assert!(
        of_2022
            .iter()
            .any(|p| p["status"] == "planned" && p["amount"] == now.as_str())
    );

    // The case page shows that the grant was changed, and the change (the API session is
    // the browser's too).
    let (_, page) = app
        .get_text(&format!(
            "/ansokningar/{}",
            grant.application_id.clone().unwrap()
        ))
        .await;
    assert!(
        page.contains("Detta beslut har ändrats genom ändringsbeslut"),
        "{page}"
    );
    assert!(page.contains("Ändring av beviljat belopp"));

    // Every step is on record.
    assert!(!app.audit_events("decision.signed").is_empty());
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

fn kronor_of(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

/// "1 234 567 kr", with plain spaces (the letter text is compared with them).
fn kronor(k: i64) -> String {
    statsbidrag::money::Ore::from_kronor(k)
        .to_string()
        .replace('\u{a0}', " ")
}

#[actix_web::test]
async fn a_revocation_after_payment_claims_the_paid_money_back_and_raising_above_the_application_is_refused()
 {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let grant = grant_of(&app, OSTERGOTLAND);
    let granted_2021 = granted_for(&app, &grant.id, 2021);
    let granted_2022 = granted_for(&app, &grant.id, 2022);

    // January 2021: the 2021 payments go out.
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, payments) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<&str> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021)
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

    // Raising 2022 above what was applied for is prepared but refused at signing.
    let path = format!("/api/v1/decisions/{}/changes", grant.id);
    let mut conn = app.conn();
    let applied = statsbidrag::assessment::applied_amounts(
        &mut conn,
        grant.application_id.as_deref().unwrap(),
    )
    .unwrap()[&2022]
        .ore()
        / 100;
    drop(conn);
    let (status, draft) = app.post_json(&csrf,
        &path,
        json!({"kind": "change", "amounts": {"2022": (applied + 1).to_string()}, "reasons": "Höjning."}),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let maker = app.api_login(DECISION_MAKER).await;
    let (status, refused) = app
        .post_json(
            &maker,
            &format!("/api/v1/decisions/{}/sign", draft["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 409);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("högre än det sökta"),
        "{refused}"
    );

    // In September 2021 the grant is revoked: the 2022 payment is cancelled, and the paid
    // 2021 money is claimed back in the letter.
    app.clock.set(at("2021-09-01T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (status, draft) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(
        draft["amounts"],
        json!([{"year": 2021, "amount": (-granted_2021).to_string()},
               {"year": 2022, "amount": (-granted_2022).to_string()}])
    );
    let before_2021 = dashboard_year(&app, &call_id, 2021).await;
    let maker = app.api_login(DECISION_MAKER).await;
    let id = draft["id"].as_str().unwrap();
    let (status, body) = app
        .post_json(&maker, &format!("/api/v1/decisions/{id}/sign"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");

    let after_2021 = dashboard_year(&app, &call_id, 2021).await;
    let available = |v: &Value| v["available"].as_str().unwrap().parse::<i64>().unwrap();
    assert_eq!(
        available(&after_2021),
        available(&before_2021) + granted_2021
    );
    let (text, _) = letter(&app, id).await;
    let flat = text.replace(['\n', '\u{a0}'], " ");
    assert!(
        flat.contains("Beslut om återkallelse av statsbidrag"),
        "{flat}"
    );
    assert!(flat.contains("Återbetalning"));
    assert!(
        flat.contains(&format!(
            "{} för 2021, senast 1 oktober 2021",
            kronor(granted_2021)
        )),
        "{flat}"
    );
    assert!(flat.contains(&format!("{}-2021", grant.registration_number)));
    let mut conn = app.conn();
    let claims = statsbidrag::db::reports::claims_of_decision(&mut conn, id).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].kind.as_str(), "reclaim");
    assert_eq!(claims[0].amount_ore.ore(), granted_2021 * 100);
    drop(conn);

    // The money comes back: the officer records it. The dashboard shows it as reclaimed but
    // does not add it to what is available a second time.
    app.clock.set(at("2021-09-20T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    // Through the case page, a bad day comes back beside the field, as typed.
    let case = format!("/ansokningar/{}", grant.application_id.clone().unwrap());
    let (_, page) = app.get_text(&case).await;
    assert!(page.contains("Registrera som inbetalt"), "{page}");
    let response = app
        .client
        .post(app.url(&format!("/aterkrav/{}/mottaget", claims[0].id)))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("received_on", "2021-13-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"2021-13-01\""));
    assert!(page.contains("field-error"));
    let received = format!("/api/v1/claims/{}/received", claims[0].id);
    let (status, body) = app
        .post_json(&csrf, &received, json!({"received_on": "2021-09-31"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "received_on");
    let (status, body) = app
        .post_json(&csrf, &received, json!({"received_on": "2021-09-18"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post_json(&csrf, &received, json!({"received_on": "2021-09-18"}))
        .await;
    assert_eq!(status, 409, "recorded once");
    let reclaimed = dashboard_year(&app, &call_id, 2021).await;
    assert_eq!(kronor_of(&reclaimed["reclaimed"]), granted_2021);
    assert_eq!(available(&reclaimed), available(&after_2021));

    // A revoked grant cannot be revoked again: nothing is left.
    let csrf = app.api_login(OFFICER).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "revocation", "reasons": "Igen."}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "kind");

    // The web form is there for the officer, and a change is refused to an applicant.
    app.api_login(OFFICER).await;
    let (status, page) = app.get_text(&format!("/beslut/{}/andra", grant.id)).await;
    assert_eq!(status, 200);
    let csrf = csrf_from(&page);
    let response = app
        .client
        .post(app.url(&format!("/beslut/{}/andra", grant.id)))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("kind", "change"),
            ("reasons", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Ingenting är sparat"));
    app.api_login(crate::helpers::SKANE).await;
    let (status, _) = app.get_text(&format!("/beslut/{}/andra", grant.id)).await;
    assert_eq!(status, 404);
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}
