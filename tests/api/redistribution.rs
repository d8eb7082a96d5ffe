//! Autumn redistribution: what is left under the 2021 ceiling of the 2020 call is offered to
//! the regions already granted; their applications for more are decided as top-ups that
//! together never pass what is available, also when signed at the same moment; the letters,
//! the payments and the dashboard agree to the krona.

use reqwest::Method;
use serde_json::{Value, json};

use crate::decisions::{account, api_login, send};
use crate::helpers::{OFFICER, SKANE, TestApp, VGR, csrf_from, new_client, spawn_app};
use crate::letters::extract_pages;

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const SECOND_MAKER: &str = "beslutsfattare2@socialstyrelsen.example";
const STOCKHOLM: &str = "sokande@stockholm.example";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn kronor(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

/// Applies in the round for `amount` kronor of staff costs.
async fn apply(app: &TestApp, email: &str, round: &str, amount: &str) -> (u16, Value) {
    let client = new_client();
    let csrf = api_login(app, &client, email).await;
    send(
        &client,
        Method::POST,
        app.url(&format!("/api/v1/rounds/{round}/applications")),
        &csrf,
        json!({"amounts": {"personal": amount},
               "descriptions": {"personal": "Ytterligare sjuksköterska på avdelningen"},
               "reasons": "Fler ungdomar än väntat behöver vård under hösten."}),
    )
    .await
}

/// The officer assesses the case, proposes `amount` for 2021 and prepares the decision.
async fn prepare(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    id: &str,
    rec: &str,
    amount: &str,
) -> Value {
    let criteria = {
        let mut conn = app.conn();
        let application = statsbidrag::db::applications::find(&mut conn, id)
            .unwrap()
            .unwrap();
        let call = statsbidrag::db::calls::find_call(&mut conn, &application.call_id)
            .unwrap()
            .unwrap();
        statsbidrag::db::calls::load_definition(&mut conn, call)
            .unwrap()
            .criteria
            .len()
    };
    let ratings: Vec<Value> = (1..=criteria)
        .map(|p| json!({"criterion": p, "rating": "met", "comment": ""}))
        .collect();
    let (status, body) = send(
        client,
        Method::PUT,
        app.url(&format!("/api/v1/applications/{id}/assessment")),
        csrf,
        json!({ "ratings": ratings }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        client,
        Method::POST,
        app.url(&format!("/api/v1/applications/{id}/proposals")),
        csrf,
        json!({"recommendation": rec, "reasons": "Behovet är väl beskrivet.", "amounts": {"2021": amount}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        client,
        Method::POST,
        app.url(&format!("/api/v1/applications/{id}/decisions")),
        csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[actix_web::test]
async fn autumn_2021_top_ups_never_pass_what_is_left_and_everything_agrees() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    account(&app, SECOND_MAKER, "decision_maker", None);
    app.clock.set(at("2021-09-01T08:00:00Z"));

    // The officer opens the round; what is typed is checked first.
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let open = |body: Value| {
        send(
            &officer,
            Method::POST,
            app.url(&format!("/api/v1/calls/{call_id}/rounds")),
            &csrf,
            body,
        )
    };
    let (status, body) = open(json!({"year": "2030", "last_day": "2021-08-01"})).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["year", "last_day"]);
    let (status, round) = open(json!({"year": "2021", "last_day": "2021-09-30"})).await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(round["available"], "3910215");
    assert_eq!(round["taking_applications"], true);
    let round_id = round["id"].as_str().unwrap().to_string();
    let (status, _) = open(json!({"year": "2021", "last_day": "2021-10-30"})).await;
    assert_eq!(status, 422, "one open round per year");

    // A negative amount is refused with its field; a region without a grant is refused and
    // the refusal is on record.
    let (status, body) = apply(&app, SKANE, &round_id, "-500000").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "amounts.personal");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("negativt")
    );
    let denied_before = app.audit_events("access.denied").len();
    let (status, body) = apply(&app, STOCKHOLM, &round_id, "1000000").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Region Stockholm har inget beviljat statsbidrag i utlysningen"),
        "{body}"
    );
    assert_eq!(app.audit_events("access.denied").len(), denied_before + 1);

    // Skåne asks for 500 000 kr, Västra Götaland for 4 000 000 kr: more than is left, which
    // one may ask for.
    let (status, skane) = apply(&app, SKANE, &round_id, "500 000").await;
    assert_eq!(status, 201, "{skane}");
    let (status, vgr) = apply(&app, VGR, &round_id, "4000000").await;
    assert_eq!(status, 201, "{vgr}");
    let (status, _) = apply(&app, SKANE, &round_id, "1").await;
    assert_eq!(status, 403, "one application per organisation and round");
    let (_, round) = send(
        &officer,
        Method::GET,
        app.url(&format!("/api/v1/rounds/{round_id}")),
        &csrf,
        Value::Null,
    )
    .await;
    assert_eq!(round["requested"], "4500000");
    assert_eq!(round["available"], "3910215");

    // Granting both in full is refused: 4 000 000 kr is more than what is left.
    let skane_id = skane["application_id"].as_str().unwrap();
    let vgr_id = vgr["application_id"].as_str().unwrap();
    app.clock.set(at("2021-10-05T08:00:00Z"));
    let csrf = api_login(&app, &officer, OFFICER).await;
    let skane_draft = prepare(&app, &officer, &csrf, skane_id, "grant", "500000").await;
    assert_eq!(skane_draft["kind"], "top_up");
    let vgr_draft = prepare(&app, &officer, &csrf, vgr_id, "partial", "3500000").await;

    // Two decision makers sign at the same moment: 500 000 + 3 500 000 passes 3 910 215, so
    // exactly one signing goes through.
    let (maker1, maker2) = (new_client(), new_client());
    let csrf1 = api_login(&app, &maker1, DECISION_MAKER).await;
    let csrf2 = api_login(&app, &maker2, SECOND_MAKER).await;
    let sign = |client: &reqwest::Client, csrf: &str, id: &str| {
        client
            .post(app.url(&format!("/api/v1/decisions/{id}/sign")))
            .header("X-CSRF-Token", csrf)
            .send()
    };
    let (r1, r2) = tokio::join!(
        sign(&maker1, &csrf1, skane_draft["id"].as_str().unwrap()),
        sign(&maker2, &csrf2, vgr_draft["id"].as_str().unwrap())
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    let bodies = [r1.text().await.unwrap(), r2.text().await.unwrap()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{bodies:?}");
    let skane_won = bodies[0].contains("\"status\":\"signed\"");
    let refusal = bodies
        .iter()
        .find(|b| b.contains("taket"))
        .unwrap()
        .replace('\u{a0}', " ");
    let left = if skane_won {
        "3 410 215 kr återstår"
    } else {
        "410 215 kr återstår"
    };
    assert!(refusal.contains(left), "{refusal}");

    // The one refused is decided again within what is left, to the krona; nothing more can
    // then be granted for 2021.
    let (loser_id, rest) = if skane_won {
        (vgr_id, "3410215")
    } else {
        (skane_id, "410215")
    };
    let redo = prepare(&app, &officer, &csrf, loser_id, "partial", rest).await;
    let (status, body) = send(
        &maker1,
        Method::POST,
        app.url(&format!(
            "/api/v1/decisions/{}/sign",
            redo["id"].as_str().unwrap()
        )),
        &csrf1,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The round, the dashboard, the payments and the letters agree.
    let (_, round) = send(
        &officer,
        Method::GET,
        app.url(&format!("/api/v1/rounds/{round_id}")),
        &csrf,
        Value::Null,
    )
    .await;
    assert_eq!(round["available"], "0");
    assert_eq!(round["granted_top_up"], "3910215");
    let granted_in_round: i64 = round["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| kronor(&a["granted"]))
        .sum();
    assert_eq!(granted_in_round, 3_910_215);
    let (_, years) = send(
        &officer,
        Method::GET,
        app.url(&format!("/api/v1/calls/{call_id}/dashboard")),
        &csrf,
        Value::Null,
    )
    .await;
    let y2021 = years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2021)
        .unwrap();
    assert_eq!(y2021["granted"], "15000000");
    assert_eq!(y2021["granted_top_up"], "3910215");
    assert_eq!(y2021["available"], "0");

    let (_, payments) = send(
        &officer,
        Method::GET,
        app.url(&format!("/api/v1/calls/{call_id}/payments")),
        &csrf,
        Value::Null,
    )
    .await;
    let top_up_payments: Vec<&Value> = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["due_on"] == "2021-10-05")
        .collect();
    assert_eq!(top_up_payments.len(), 2, "{payments}");
    assert_eq!(
        top_up_payments
            .iter()
            .map(|p| kronor(&p["amount"]))
            .sum::<i64>(),
        3_910_215
    );

    let mut in_letters = 0;
    for id in [skane_id, vgr_id] {
        let mut conn = app.conn();
        let decision = statsbidrag::db::decisions::for_application(&mut conn, id)
            .unwrap()
            .into_iter()
            .find(|d| d.status.as_str() == "signed")
            .unwrap();
        let amount =
            statsbidrag::db::decisions::years(&mut conn, &decision.id).unwrap()[0].amount_ore;
        drop(conn);
        let response = officer
            .get(app.url(&format!("/api/v1/decisions/{}/letter", decision.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let text = extract_pages(&response.bytes().await.unwrap())
            .join(" ")
            .replace(['\n', '\u{a0}'], " ");
        assert!(
            text.contains("Beslut om ytterligare statsbidrag för 2021"),
            "{text}"
        );
        assert!(text.contains("ytterligare statsbidrag med sammanlagt"));
        assert!(text.contains(&amount.to_string().replace('\u{a0}', " ")));
        in_letters += amount.ore() / 100;
    }
    assert_eq!(in_letters, 3_910_215);

    // The round's page shows what is left, the applications and what each was granted.
    let response = officer
        .get(app.url(&format!("/omfordelningar/{round_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Ej fördelat (tillgängligt)"));
    assert!(page.contains("Region Skåne") && page.contains("Västra Götalandsregionen"));

    // Västra Götaland got less than the 4 000 000 kr it asked for, whoever signed first: the
    // round, its case page and its top-up letter say so, and refuse the rest.
    assert!(page.contains("Delvis beviljad"), "{page}");
    let vgr_row = round["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["application_id"] == vgr_id)
        .unwrap();
    assert_eq!(vgr_row["outcome"], "partly_granted", "{vgr_row}");
    let case = officer
        .get(app.url(&format!("/ansokningar/{vgr_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace('\u{a0}', " ");
    assert!(case.contains(">Delvis beviljad</span>"), "{case}");
    assert!(case.contains("Socialstyrelsen avslår ansökan i övrigt."));
    assert!(
        case.contains("4 000 000 kr"),
        "what was applied for: {case}"
    );
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Logs out of the browser session and in as someone else.
async fn switch_to(app: &TestApp, email: &str) {
    let (_, page) = app.get_text("/").await;
    let csrf = csrf_from(&page);
    app.client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    app.login(email).await;
}

#[actix_web::test]
async fn the_round_is_opened_and_applied_for_through_the_pages() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    app.clock.set(at("2021-09-01T08:00:00Z"));
    app.login(OFFICER).await;
    let (status, page) = app
        .get_text(&format!("/utlysningar/{call_id}/omfordelning"))
        .await;
    assert_eq!(status, 200);
    assert!(page.replace('\u{a0}', " ").contains("3 910 215 kr"));
    let csrf = csrf_from(&page);
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/omfordelning")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("year", "2021"),
            ("last_day", "i morgon"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("i morgon"), "what was typed stays");
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/omfordelning")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("year", "2021"),
            ("last_day", "2021-09-30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "on to the round");
    let round_url = location(&response);
    assert!(round_url.starts_with("/omfordelningar/"));

    // Skåne sees the round on its start page and applies; a missing description is named.
    switch_to(&app, SKANE).await;
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Sök ytterligare medel"), "{home}");
    let (status, form) = app.get_text(&format!("{round_url}/ansok")).await;
    assert_eq!(status, 200);
    let csrf = csrf_from(&form);
    let response = app
        .client
        .post(app.url(&format!("{round_url}/ansok")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("amounts.personal", "500 000"),
            ("descriptions.personal", ""),
            ("reasons", "Fler platser i höst."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Fler platser i höst."));
    assert!(page.contains("id=\"descriptions.personal\""));

    // The session ends while the form is being filled in: what was typed is kept for this
    // browser and offered again after logging in.
    let form_key = form
        .split("name=\"form_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let (_, home) = app.get_text("/").await;
    app.client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", csrf_from(&home).as_str())])
        .send()
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url(&format!("{round_url}/ansok")))
        .form(&[
            ("form_key", form_key.as_str()),
            ("amounts.personal", "500 000"),
            ("reasons", "Skrivet innan sessionen tog slut."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let next = location(&response)
        .strip_prefix("/logga-in?next=")
        .unwrap()
        .replace("%2F", "/")
        .replace("%3F", "?")
        .replace("%3D", "=");
    assert!(
        next.starts_with(&format!("{round_url}/ansok?aterstall=")),
        "{next}"
    );
    app.login(SKANE).await;
    let (status, kept) = app.get_text(&next).await;
    assert_eq!(status, 200);
    assert!(kept.contains("Du blev utloggad innan ansökan skickades in"));
    assert!(kept.contains("Skrivet innan sessionen tog slut."));
    assert!(kept.contains("value=\"500 000\""));
    let csrf = csrf_from(&kept);

    let response = app
        .client
        .post(app.url(&format!("{round_url}/ansok")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("amounts.personal", "500 000"),
            ("descriptions.personal", "En sjuksköterska till"),
            ("reasons", "Fler platser i höst."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let (_, case) = app.get_text(&location(&response)).await;
    assert!(case.contains("Ytterligare medel 2021"), "{case}");
    assert!(case.contains("Fler platser i höst."));

    // Stockholm, without a grant, is told why.
    switch_to(&app, STOCKHOLM).await;
    let (status, form) = app.get_text(&format!("{round_url}/ansok")).await;
    assert_eq!(status, 200);
    assert!(form.contains("har inget beviljat statsbidrag i utlysningen"));
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}
