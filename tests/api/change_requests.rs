//! Change requests (ändringsansökan, issue 16): the recipient asks, the officer answers,
//! and where amounts or conditions change a decision maker signs a change decision under
//! the rules every decision meets. Through HTTP, read back from the database.

use serde_json::{Value, json};

use statsbidrag::applications::draft::{BudgetInput, DraftInput};
use statsbidrag::applications::workflow;
use statsbidrag::calls::edit::{
    self, CallInput, CallYearInput, CategoryInput, CriterionInput, ExpectedResultInput,
    SectionInput,
};
use statsbidrag::outbox::Links;

use crate::changes::grant_of;
use crate::helpers::{OFFICER, SKANE, TestApp, VGR, new_client, spawn_app};
use crate::letters::extract_pages;

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const SKANE_NUMBER: &str = "232100-0255";

fn ore(kronor: i64) -> i64 {
    kronor * 100
}

/// The grant's budget per year and category as the service reads it.
fn grant_state(
    app: &TestApp,
    grant: &statsbidrag::db::decisions::Decision,
) -> statsbidrag::change_requests::rules::GrantState {
    statsbidrag::change_requests::grant_state(&mut app.conn(), grant).unwrap()
}

fn outbox(app: &TestApp) -> Vec<statsbidrag::db::outbox::OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn()).unwrap()
}

async fn payments(app: &TestApp, organisation_id: &str) -> Vec<Value> {
    let (status, body) = app
        .get_json(&format!("/api/v1/organisations/{organisation_id}/payments"))
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn sign(app: &TestApp, decision_id: &str) -> Value {
    let csrf = app.api_login(DECISION_MAKER).await;
    let (status, signed) = app
        .post_json(
            &csrf,
            &format!("/api/v1/decisions/{decision_id}/sign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{signed}");
    signed
}

fn actor(app: &TestApp, email: &str) -> statsbidrag::accounts::Actor {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    statsbidrag::accounts::load_actor(&mut conn, &user.id)
        .unwrap()
        .unwrap()
}

/// A signed grant whose application has a budget by cost category (the demo's 2020 cases
/// have none: the public sources do not give it). The call and the application are set up
/// directly, as in `decisions.rs`; the officer's proposal and the signing go through HTTP.
async fn budgeted_grant(app: &TestApp) -> statsbidrag::db::decisions::Decision {
    let officer = actor(app, OFFICER);
    let category = |code: &str, name: &str| CategoryInput {
        code: code.into(),
        name: name.into(),
    };
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: "andringar".into(),
        title: "Utlysning med budget".into(),
        description: "För test av ändringsansökan.".into(),
        opens_on: "2020-06-01".into(),
        last_day: "2020-09-30".into(),
        max_recipients: "4".into(),
        payment_month: "1".into(),
        report_due_month: "3".into(),
        report_due_day: "1".into(),
        eligible_kinds: vec!["region".into()],
        years: vec![CallYearInput {
            year: "2021".into(),
            ceiling: "5000000".into(),
        }],
        sections: vec![SectionInput {
            title: "Plan".into(),
            required: "true".into(),
            max_length: "1000".into(),
            ..Default::default()
        }],
        cost_categories: vec![category("personal", "Personal"), category("resor", "Resor")],
        criteria: vec![CriterionInput {
            title: "Förankring".into(),
            description: "Arbetet är förankrat.".into(),
        }],
        expected_results: vec![ExpectedResultInput {
            year: "2021".into(),
            area: "Samverkan".into(),
            title: "Rutiner för samverkan finns".into(),
            body: "Regionen och SiS har gemensamma rutiner.".into(),
        }],
        ..Default::default()
    };
    let now = app.clock_now();
    let call_id = {
        let mut conn = app.conn();
        let call = edit::create(&mut conn, &officer, &input, now).unwrap();
        edit::publish(&mut conn, &officer, &call.id, now).unwrap();
        call.id
    };
    let applicant = actor(app, SKANE);
    let application_id = {
        let mut conn = app.conn();
        let application = workflow::start(&mut conn, &applicant, &call_id, now).unwrap();
        let line = |category: &str, amount: &str| BudgetInput {
            year: "2021".into(),
            category: category.into(),
            amount: amount.into(),
            description: String::new(),
        };
        let draft = DraftInput {
            project_title: "Projekt med budget".into(),
            answers: [("1".to_string(), "Planen.".into())].into(),
            budget: Some(vec![line("personal", "600000"), line("resor", "400000")]),
            ..Default::default()
        };
        workflow::save_draft(&mut conn, &applicant, &application.id, &draft, now).unwrap();
        workflow::submit(
            &mut conn,
            &applicant,
            &application.id,
            &statsbidrag::accounts::Signed::password(),
            now,
            &Links::new("https://statsbidrag.example"),
            "Socialstyrelsen",
        )
        .unwrap();
        application.id
    };
    let client = new_client();
    let csrf = crate::decisions::api_login(app, &client, OFFICER).await;
    let draft =
        crate::decisions::prepared(app, &client, &csrf, &application_id, "grant", "1000000").await;
    sign(app, &draft).await;
    let mut conn = app.conn();
    statsbidrag::db::decisions::find(&mut conn, &draft)
        .unwrap()
        .unwrap()
}

#[actix_web::test]
async fn a_budget_move_approved_in_part_is_a_change_decision_that_keeps_the_payments() {
    let app = spawn_app().await;
    let grant = budgeted_grant(&app).await;
    let case = grant.application_id.clone().unwrap();
    let state = grant_state(&app, &grant);
    // The first year with a budget of at least two categories, and its two largest lines.
    let (year, budget) = state
        .budget
        .iter()
        .find(|(y, b)| {
            b.values().filter(|a| a.is_positive()).count() >= 2
                && state.amounts.get(y).is_some_and(|a| a.is_positive())
        })
        .map(|(y, b)| (*y, b.clone()))
        .expect("a year with a budget");
    let mut lines: Vec<(String, i64)> = budget
        .iter()
        .map(|(id, a)| (id.clone(), a.ore() / 100))
        .collect();
    lines.sort_by_key(|(_, a)| -a);
    let ((from, from_kr), (to, to_kr)) = (lines[0].clone(), lines[1].clone());
    let path = format!("/api/v1/applications/{case}/change-requests");

    // Only the recipient asks: the officer and another region are refused.
    let csrf = app.api_login(OFFICER).await;
    let (status, _) = app
        .post_json(&csrf, &path, json!({"kind": "content"}))
        .await;
    assert_eq!(status, 403);
    let csrf = app.api_login(VGR).await;
    let (status, _) = app
        .post_json(&csrf, &path, json!({"kind": "content"}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json(&path).await;
    assert_eq!(status, 404);

    // Skåne's first try does not keep the total; the messages name the fields.
    let csrf = app.api_login(SKANE).await;
    let (status, body) = app
        .post_json(
            &csrf,
            &path,
            json!({"kind": "budget", "year": year.to_string(), "submit": true,
                   "budget": {from.clone(): (from_kr - 100_000).to_string(), to.clone(): (to_kr + 90_000).to_string()},
                   "description": ""}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"budget") && fields.contains(&"description"),
        "{fields:?}"
    );
    assert!(
        body["errors"]
            .to_string()
            .contains("ska vara densamma som i dag"),
        "{body}"
    );

    // Saved as a draft first, then sent in: 100 000 kr from the largest line to the next.
    let move_to = json!({"kind": "budget", "year": year.to_string(),
        "budget": {from.clone(): (from_kr - 100_000).to_string(), to.clone(): (to_kr + 100_000).to_string()},
        "description": "Fler resor till SiS-hemmen och mindre personal än planerat."});
    let (status, draft) = app.post_json(&csrf, &path, move_to.clone()).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_str().unwrap().to_string();
    // The agency does not see a draft.
    let (status, sent) = app
        .post_json(
            &csrf,
            &format!("/api/v1/change-requests/{id}/submit"),
            move_to,
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["status"], "submitted");
    assert_eq!(sent["number"], 1);
    let line = |body: &Value, id: &str| -> Value {
        body["budget"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["cost_category_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(line(&sent, &from)["requested_ore"], ore(from_kr - 100_000));
    assert_eq!(line(&sent, &from)["before_ore"], ore(from_kr));
    // Sent in, it no longer changes.
    let (status, _) = app
        .put_json(
            &csrf,
            &format!("/api/v1/change-requests/{id}"),
            json!({"kind": "content", "description": "x"}),
        )
        .await;
    assert_eq!(status, 409);
    // A receipt to the sender, on the case's mail log.
    let receipt = outbox(&app)
        .into_iter()
        .find(|m| m.to_address == SKANE && m.kind == "change_request")
        .expect("a receipt");
    assert_eq!(receipt.application_id.as_deref(), Some(case.as_str()));
    assert!(
        receipt.subject.contains("Kvittens: ändringsansökan 1"),
        "{}",
        receipt.subject
    );

    let before = payments(&app, &grant.organisation_id).await;

    // The officer approves half of the move; what is typed is checked first.
    let csrf = app.api_login(OFFICER).await;
    let answer_path = format!("/api/v1/change-requests/{id}/answer");
    let (status, body) = app
        .post_json(
            &csrf,
            &answer_path,
            json!({"outcome": "partly_approved", "answer": "",
                   "budget": {from.clone(): (from_kr - 50_000).to_string(), to.clone(): (to_kr + 40_000).to_string()}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, answered) = app
        .post_json(
            &csrf,
            &answer_path,
            json!({"outcome": "partly_approved",
                   "answer": "Hälften av flytten godkänns: personalen behövs för det integrerade arbetssättet.",
                   "budget": {from.clone(): (from_kr - 50_000).to_string(), to.clone(): (to_kr + 50_000).to_string()}}),
        )
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "partly_approved");
    assert_eq!(line(&answered, &to)["approved_ore"], ore(to_kr + 50_000));
    let change_id = answered["change_decision_id"].as_str().unwrap().to_string();
    assert_eq!(answered["change_decision_signed"], false);
    // Answered once.
    let (status, _) = app
        .post_json(
            &csrf,
            &answer_path,
            json!({"outcome": "refused", "answer": "Nej."}),
        )
        .await;
    assert_eq!(status, 409);
    // Until it is signed, the budget is as before.
    assert_eq!(
        grant_state(&app, &grant).budget[&year][&from].ore(),
        ore(from_kr)
    );

    // The decision maker signs the change decision: its letter states the approved budget,
    // the grant's amounts and payments stay as they were.
    sign(&app, &change_id).await;
    let response = app
        .get(&format!("/api/v1/decisions/{change_id}/letter"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let text = extract_pages(&response.bytes().await.unwrap())
        .join("\n")
        .replace(['\n', '\u{a0}'], " ");
    assert!(text.contains("Beslut om ändring av statsbidrag"), "{text}");
    assert!(text.contains("Beviljat belopp ändras inte"), "{text}");
    assert!(
        text.contains(&format!(
            "Godkänd fördelning mellan kostnadsslag för {year}"
        )),
        "{text}"
    );
    assert!(text.contains("Hälften av flytten godkänns"), "{text}");
    let after = payments(&app, &grant.organisation_id).await;
    assert_eq!(before, after, "a budget move changes no payment");
    let state = grant_state(&app, &grant);
    assert_eq!(state.budget[&year][&from].ore(), ore(from_kr - 50_000));
    assert_eq!(state.budget[&year][&to].ore(), ore(to_kr + 50_000));
    assert_eq!(state.amounts, grant_state(&app, &grant).amounts);

    // The recipient reads the answer; the audit trail has every step.
    let csrf = app.api_login(SKANE).await;
    let _ = csrf;
    let (status, read) = app.get_json(&format!("/api/v1/change-requests/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["change_decision_signed"], true);
    let (status, page) = app.get_text(&format!("/andringar/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Delvis beviljad") && page.contains("Svaret är ett ändringsbeslut, fattat"),
        "{page}"
    );
    for action in [
        "change_request.created",
        "change_request.submitted",
        "change_request.answered",
    ] {
        assert_eq!(app.audit_events(action).len(), 1, "{action}");
    }
}

#[actix_web::test]
async fn a_declined_grant_frees_its_money_for_a_round_at_once() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();
    let held = grant_state(&app, &grant).amounts;
    let year = *held.iter().find(|(_, a)| a.is_positive()).unwrap().0;
    let declined = held[&year].ore() / 100;
    let csrf = app.api_login(OFFICER).await;
    let (_, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    let available = |years: &Value| -> i64 {
        years
            .as_array()
            .unwrap()
            .iter()
            .find(|y| y["year"] == year)
            .unwrap()["available"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let before = available(&years);
    let _ = csrf;

    let csrf = app.api_login(SKANE).await;
    let (status, sent) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{case}/change-requests"),
            json!({"kind": "decline", "submit": true,
                   "description": "Regionen kan inte bemanna verksamheten och avstår bidraget."}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"].as_str().unwrap();

    // A decline is approved or refused, not in part; approved, it is a revocation.
    let csrf = app.api_login(OFFICER).await;
    let path = format!("/api/v1/change-requests/{id}/answer");
    let (status, body) = app
        .post_json(
            &csrf,
            &path,
            json!({"outcome": "partly_approved", "answer": "Skäl."}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, answered) = app
        .post_json(
            &csrf,
            &path,
            json!({"outcome": "approved", "answer": "Regionen har avstått bidraget innan det har betalats ut."}),
        )
        .await;
    assert_eq!(status, 200, "{answered}");
    let change_id = answered["change_decision_id"].as_str().unwrap().to_string();
    let (_, draft) = app
        .get_json(&format!("/api/v1/decisions/{change_id}"))
        .await;
    assert_eq!(draft["kind"], "revocation", "{draft}");
    sign(&app, &change_id).await;

    // Every planned payment is cancelled, and the money is free under the ceiling now: a
    // round opened today has it to give.
    let left = payments(&app, &grant.organisation_id).await;
    assert!(
        left.iter()
            .filter(|p| p["decision_id"] == grant.id.as_str())
            .all(|p| p["status"] == "cancelled"),
        "{left:?}"
    );
    let csrf = app.api_login(OFFICER).await;
    let (_, years) = app
        .get_json(&format!("/api/v1/calls/{call_id}/dashboard"))
        .await;
    assert_eq!(available(&years), before + declined);
    let (status, round) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call_id}/rounds"),
            json!({"year": year.to_string(), "last_day": format!("{year}-09-30")}),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(round["available"], (before + declined).to_string());
}

#[actix_web::test]
async fn a_changed_content_is_answered_without_a_decision_and_the_answer_is_mailed() {
    let app = spawn_app().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();
    let csrf = app.api_login(SKANE).await;
    let (status, sent) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{case}/change-requests"),
            json!({"kind": "content", "submit": true,
                   "description": "Samordnaren byts: arbetet leds från Lund i stället för Malmö."}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"].as_str().unwrap();
    let csrf = app.api_login(OFFICER).await;
    let (status, answered) = app
        .post_json(
            &csrf,
            &format!("/api/v1/change-requests/{id}/answer"),
            json!({"outcome": "approved", "answer": "Ändringen påverkar inte projektets mål."}),
        )
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "approved");
    assert!(answered["change_decision_id"].is_null());
    let answers: Vec<_> = outbox(&app)
        .into_iter()
        .filter(|m| m.subject.starts_with("Svar på ändringsansökan 1"))
        .collect();
    assert!(!answers.is_empty());
    assert!(
        answers
            .iter()
            .all(|m| m.application_id.as_deref() == Some(case.as_str())
                && m.kind == "change_request")
    );
    assert!(answers.iter().any(|m| m.to_address == SKANE));
}

#[actix_web::test]
async fn the_web_form_keeps_what_was_typed_and_the_officer_answers_on_the_page() {
    let app = spawn_app().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();
    app.login(SKANE).await;
    let (status, page) = app
        .get_text(&format!("/ansokningar/{case}/andringar"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Ny ändringsansökan"), "{page}");
    let csrf = crate::helpers::csrf_from(&page);
    let post = |form: Vec<(&'static str, String)>| {
        let url = app.url(&format!("/ansokningar/{case}/andringar"));
        let client = app.client.clone();
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    // Giving back more than the year's grant, with a description: refused beside the field,
    // the text kept, nothing stored.
    let response = post(vec![
        ("csrf_token", csrf.clone()),
        ("kind", "give_back".into()),
        ("year", "2021".into()),
        ("amount", "9 999 999".into()),
        (
            "description",
            "Vi lämnar tillbaka <det vi inte använder>.".into(),
        ),
        ("action", "submit".into()),
    ])
    .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Ni kan inte lämna tillbaka mer än så"),
        "{page}"
    );
    assert!(
        page.contains("Vi lämnar tillbaka &#60;det vi inte använder&#62;."),
        "{page}"
    );
    assert!(page.contains("value=\"9 999 999\""), "{page}");
    assert!(
        statsbidrag::db::change_requests::of_case(&mut app.conn(), &case)
            .unwrap()
            .is_empty()
    );
    // 100 000 kr given back: sent in, and the page says so.
    let response = post(vec![
        ("csrf_token", csrf.clone()),
        ("kind", "give_back".into()),
        ("year", "2021".into()),
        ("amount", "100 000".into()),
        (
            "description",
            "Verksamheten startar senare än planerat.".into(),
        ),
        ("action", "submit".into()),
    ])
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/andringar/"), "{location}");
    let (_, page) = app.get_text(&location).await;
    assert!(
        page.contains("Inskickad") && page.contains("100\u{a0}000\u{a0}kr"),
        "{page}"
    );

    // The officer's page has the answer form; approved in part, it is a change decision
    // lowering 2021 by what was approved.
    app.get_text("/").await;
    let (_, home) = app.get_text("/").await;
    let logout_csrf = crate::helpers::csrf_from(&home);
    app.client
        .post(app.url("/logga-ut"))
        .form(&[("csrf_token", logout_csrf.as_str())])
        .send()
        .await
        .unwrap();
    app.login(OFFICER).await;
    let (status, page) = app.get_text(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Svara på ändringsansökan"), "{page}");
    let csrf = crate::helpers::csrf_from(&page);
    let response = app
        .client
        .post(app.url(&format!("{location}/svar")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("outcome", "partly_approved"),
            ("amount", "60 000"),
            (
                "answer",
                "60 000 kr kan lämnas tillbaka; resten behövs för hösten.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let request = statsbidrag::db::change_requests::of_case(&mut app.conn(), &case)
        .unwrap()
        .remove(0);
    assert_eq!(request.status.as_str(), "partly_approved");
    let change = statsbidrag::db::decisions::find(
        &mut app.conn(),
        request.change_decision_id.as_deref().unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(change.kind.as_str(), "change");
    let years = statsbidrag::db::decisions::years(&mut app.conn(), &change.id).unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(
        (years[0].year, years[0].amount_ore.ore()),
        (2021, -ore(60_000))
    );
}

/// Posts a page form as multipart, with one file.
async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> reqwest::Response {
    let boundary = "----statsbidrag-andring-41c9";
    let mut body = Vec::new();
    for (field, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(path))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_content_change_carries_files_that_freeze_when_it_is_sent_in() {
    let app = spawn_app().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();
    app.login(SKANE).await;
    let (_, page) = app
        .get_text(&format!("/ansokningar/{case}/andringar"))
        .await;
    let csrf = crate::helpers::csrf_from(&page);
    let new = format!("/ansokningar/{case}/andringar");
    let text = "Ny organisation av arbetet, se bilagan.";

    // Not a PDF: named beside the file field, the text kept, nothing stored.
    let response = post_multipart(
        &app,
        &new,
        &[
            ("csrf_token", &csrf),
            ("kind", "content"),
            ("description", text),
            ("action", "save"),
        ],
        ("organisation.pdf", b"PK\x03\x04 inte en pdf"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"file-fel\""), "{page}");
    assert!(page.contains(text), "{page}");
    assert!(
        statsbidrag::db::change_requests::of_case(&mut app.conn(), &case)
            .unwrap()
            .is_empty()
    );

    // A PDF with the draft; then sent in from the draft's page.
    let pdf = crate::uploads::pdf(2_000);
    let response = post_multipart(
        &app,
        &new,
        &[
            ("csrf_token", &csrf),
            ("kind", "content"),
            ("description", text),
            ("action", "save"),
        ],
        ("Organisation 2022.pdf", &pdf),
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = app.get_text(&location).await;
    assert!(page.contains("Organisation 2022.pdf"), "{page}");
    let response = app
        .client
        .post(app.url(&location))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("kind", "content"),
            ("description", text),
            ("action", "submit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let request = statsbidrag::db::change_requests::of_case(&mut app.conn(), &case)
        .unwrap()
        .remove(0);
    assert_eq!(request.status.as_str(), "submitted");
    let files = statsbidrag::db::change_requests::files_of(&mut app.conn(), &request.id).unwrap();
    assert_eq!(files.len(), 1);
    // Sent in, its files stay as they are: the database refuses to remove one.
    assert!(
        statsbidrag::db::change_requests::delete_file(&mut app.conn(), &request.id, &files[0].id)
            .is_err()
    );

    // The officer downloads it byte for byte; another region does not find it.
    let download = format!("/andringar/{}/filer/{}.pdf", request.id, files[0].id);
    let csrf = app.api_login(OFFICER).await;
    let _ = csrf;
    let response = app.get(&download).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);
    let (_, api) = app
        .get_json(&format!("/api/v1/change-requests/{}", request.id))
        .await;
    assert_eq!(api["files"][0]["filename"], "Organisation 2022.pdf");
    let _ = app.api_login(VGR).await;
    assert_eq!(app.get(&download).await.status().as_u16(), 404);
}

#[actix_web::test]
async fn the_officer_asks_for_a_supplement_and_answers_after_it_has_come_in() {
    let app = spawn_app().await;
    let grant = grant_of(&app, SKANE_NUMBER);
    let case = grant.application_id.clone().unwrap();
    let csrf = app.api_login(SKANE).await;
    let (status, sent) = app
        .post_json(
            &csrf,
            &format!("/api/v1/applications/{case}/change-requests"),
            json!({"kind": "content", "submit": true, "description": "Ny samordnare."}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"].as_str().unwrap().to_string();

    // Asked with a day already past: refused beside the field.
    let csrf = app.api_login(OFFICER).await;
    let ask = format!("/api/v1/change-requests/{id}/supplement-request");
    let (status, body) = app
        .post_json(
            &csrf,
            &ask,
            json!({"message": "Vem blir samordnare?", "due_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "due_on");
    let (status, asked) = app
        .post_json(
            &csrf,
            &ask,
            json!({"message": "Vem blir samordnare?", "due_on": "2020-07-15"}),
        )
        .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["status"], "supplement_requested");
    // While it waits, it is not answered.
    let (status, _) = app
        .post_json(
            &csrf,
            &format!("/api/v1/change-requests/{id}/answer"),
            json!({"outcome": "approved", "answer": "Ja."}),
        )
        .await;
    assert_eq!(status, 409);
    let mails: Vec<_> = outbox(&app)
        .into_iter()
        .filter(|m| {
            m.subject
                .starts_with("Komplettering begärs: ändringsansökan 1")
        })
        .collect();
    assert!(mails.iter().any(|m| m.to_address == SKANE), "{mails:?}");
    assert!(mails.iter().all(|m| m.kind == "change_request"));

    // The recipient answers; empty is refused; then the officer can answer.
    let csrf = app.api_login(SKANE).await;
    let reply = format!("/api/v1/change-requests/{id}/supplement-answer");
    let (status, body) = app.post_json(&csrf, &reply, json!({"answer": " "})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "supplement_answer");
    let (status, answered) = app
        .post_json(
            &csrf,
            &reply,
            json!({"answer": "Anna Berg, kurator, från 1 augusti."}),
        )
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "submitted");
    assert_eq!(
        answered["supplements"][0]["answer"],
        "Anna Berg, kurator, från 1 augusti."
    );
    let (status, _) = app
        .post_json(&csrf, &reply, json!({"answer": "Igen."}))
        .await;
    assert_eq!(status, 409, "answered once");
    let csrf = app.api_login(OFFICER).await;
    let (status, done) = app
        .post_json(
            &csrf,
            &format!("/api/v1/change-requests/{id}/answer"),
            json!({"outcome": "approved", "answer": "Ändringen godtas."}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let (_, page) = app.get_text(&format!("/andringar/{id}")).await;
    assert!(
        page.contains("Kompletteringar") && page.contains("Anna Berg, kurator"),
        "{page}"
    );
    for action in [
        "change_request.supplement_requested",
        "change_request.supplement_answered",
    ] {
        assert_eq!(app.audit_events(action).len(), 1, "{action}");
    }
}
