//! Amounts are read one way everywhere: `250 000` is two hundred and fifty thousand kronor,
//! and an amount that could be read two ways (`250,000`, `1.000`) is refused with a Swedish
//! message showing the accepted form, on pages and in the API; JSON numbers still work.

use serde_json::json;

use crate::changes::grant_of;
use crate::helpers::{OFFICER, SKANE, spawn_app, spawn_app_without_cases};
use crate::uploads::{case, edit_path, form_tokens, skane_draft};

const ACCEPTED_FORM: &str = "250 000 eller 250000,50";

#[actix_web::test]
async fn ambiguous_amounts_typed_on_the_page_are_refused_beside_the_field_and_not_stored() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;
    let before = case(&app, &id).await;

    let post = |personal: &'static str, resor: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            let (csrf, form_key) = form_tokens(app, &id).await;
            let response = app
                .client
                .post(app.url(&edit_path(&id)))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("form_key", form_key.as_str()),
                    ("project_title", "Barn i fokus"),
                    ("answers.1", "Planen."),
                    ("budget_present", "1"),
                    ("budget.2021.personal", personal),
                    ("budget.2021.resor", resor),
                    ("action", "save"),
                ])
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };

    // Today's misreadings: 250,000 was 250 kr and 1.000 was 1 kr.
    let (status, page) = post("250,000", "1.000").await;
    assert_eq!(status, 422, "{page}");
    for (field, typed) in [
        ("budget.2021.personal", "250,000"),
        ("budget.2021.resor", "1.000"),
    ] {
        let message = crate::uploads::message_beside(&page, field);
        assert!(message.contains(ACCEPTED_FORM), "{field}: {message}");
        assert!(page.contains(&format!("value=\"{typed}\"")), "{typed} kept");
    }
    assert!(page.contains("Ingenting är sparat."));
    assert_eq!(case(&app, &id).await, before);

    // Grouped with a space (or a no-break space, as the page itself shows amounts).
    let (status, _) = post("250 000", "1\u{a0}000").await;
    assert_eq!(status, 303);
    let case = case(&app, &id).await;
    let budget = &case["versions"][0]["budget"];
    assert_eq!(budget[0]["category"], "personal", "{budget}");
    assert_eq!(budget[0]["amount"], "250000");
    assert_eq!(budget[1]["category"], "resor");
    assert_eq!(budget[1]["amount"], "1000");
    let (_, page) = app.get_text(&edit_path(&id)).await;
    assert!(page.contains("value=\"250\u{a0}000\""));
}

#[actix_web::test]
async fn ambiguous_amounts_sent_to_the_api_are_refused_and_json_numbers_still_work() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;
    let csrf = app.api_login(SKANE).await;
    let before = case(&app, &id).await;
    let path = format!("/api/v1/applications/{id}/draft");
    let draft = |personal: serde_json::Value| {
        json!({
            "project_title": "Barn i fokus",
            "answers": { "1": "Planen." },
            "budget": [{ "year": 2021, "category": "personal", "amount": personal }]
        })
    };

    for typed in ["250,000", "1.000", "1.000.000", "1 00", "250000,505"] {
        let (status, problem) = app.put_json(&csrf, &path, draft(json!(typed))).await;
        assert_eq!(status, 422, "{typed}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "budget.2021.personal");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(ACCEPTED_FORM), "{typed}: {message}");
    }
    // A JSON number goes through the same parser: kronor with öre are not whole kronor.
    let (status, problem) = app.put_json(&csrf, &path, draft(json!(1234.5))).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["errors"][0]["message"],
        "Ange beloppet i hela kronor, utan öre, som 250 000."
    );
    assert_eq!(case(&app, &id).await, before);

    for (sent, stored) in [
        (json!("250 000"), "250000"),
        (json!("250 000 kr"), "250000"),
        (json!(2913808), "2913808"),
        (json!(2913808.0), "2913808"),
    ] {
        let (status, body) = app.put_json(&csrf, &path, draft(sent.clone())).await;
        assert_eq!(status, 200, "{sent}: {body}");
        let case = case(&app, &id).await;
        assert_eq!(case["versions"][0]["budget"][0]["amount"], stored, "{sent}");
    }
}

#[actix_web::test]
async fn amounts_by_year_in_the_api_take_json_numbers_and_refuse_ambiguous_text() {
    let app = spawn_app().await;
    let grant = grant_of(&app, "232100-0040");
    let csrf = app.api_login(OFFICER).await;
    let path = format!("/api/v1/decisions/{}/changes", grant.id);
    let granted_2022 = {
        let mut conn = app.conn();
        statsbidrag::decisions::current_amounts(&mut conn, &grant.id).unwrap()[&2022].ore() / 100
    };
    let reasons = "Regionen har meddelat att verksamheten 2022 blir mindre än planerat.";

    let (status, problem) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "change", "amounts": {"2022": "1.000"}, "reasons": reasons}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "amounts.2022");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(ACCEPTED_FORM)
    );

    // A JSON number, as an API client sends an amount: read, not refused as the wrong type.
    let (status, draft) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "change", "amounts": {"2022": granted_2022 - 100_000}, "reasons": reasons}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(
        draft["amounts"],
        json!([{"year": 2022, "amount": "-100000"}])
    );
}
