//! Assessment and decisions: officers assess side by side and propose, a decision maker signs
//! under the ceiling, the letter is made once with its checksum, and two decision makers
//! signing at the same moment can never together pass the ceiling.

use statsbidrag::accounts::{self, Actor, NewAccount};
use statsbidrag::applications::draft::{BudgetInput, DraftInput};
use statsbidrag::applications::workflow;
use statsbidrag::calls::edit::{
    self, CallInput, CallYearInput, CategoryInput, CriterionInput, ExpectedResultInput,
    SectionInput,
};
use statsbidrag::outbox::Links;

use crate::helpers::{OFFICER, PASSWORD, TestApp, new_client, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

fn actor(app: &TestApp, email: &str) -> Actor {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    accounts::load_actor(&mut conn, &user.id).unwrap().unwrap()
}

pub(crate) fn account(app: &TestApp, email: &str, role: &str, org: Option<&str>) -> Actor {
    let mut conn = app.conn();
    accounts::create_account(
        &mut conn,
        None,
        &NewAccount {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role: role.into(),
            org_number: org.map(str::to_string),
            org_role: org.map(|_| statsbidrag::codes::OrgRole::Representative),
            password: Some(PASSWORD.into()),
        },
        app.clock_now(),
    )
    .unwrap();
    drop(conn);
    actor(app, email)
}

/// A small call open on the test clock's day (2020-06-30), set up directly: the call forms
/// and the application forms have tests of their own.
pub(crate) fn small_call(app: &TestApp, ceiling: &str) -> String {
    let officer = actor(app, OFFICER);
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: "liten-utlysning".into(),
        title: "Liten utlysning".into(),
        description: "För test av beslut.".into(),
        opens_on: "2020-06-01".into(),
        last_day: "2020-09-30".into(),
        max_recipients: "4".into(),
        payment_month: "1".into(),
        report_due_month: "3".into(),
        report_due_day: "1".into(),
        eligible_kinds: vec!["region".into()],
        years: vec![CallYearInput {
            year: "2021".into(),
            ceiling: ceiling.into(),
        }],
        sections: vec![SectionInput {
            title: "Plan".into(),
            required: "true".into(),
            max_length: "1000".into(),
            ..Default::default()
        }],
        cost_categories: vec![CategoryInput {
            code: "personal".into(),
            name: "Personal".into(),
        }],
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
    let mut conn = app.conn();
    let now = app.clock_now();
    let call = edit::create(&mut conn, &officer, &input, now).unwrap();
    edit::publish(&mut conn, &officer, &call.id, now).unwrap();
    call.id
}

/// An organisation's submitted application for `amount` kronor in 2021.
pub(crate) fn submitted(app: &TestApp, applicant: &Actor, call_id: &str, amount: &str) -> String {
    let mut conn = app.conn();
    let now = app.clock_now();
    let application = workflow::start(&mut conn, applicant, call_id, now).unwrap();
    let input = DraftInput {
        project_title: "Projekt".into(),
        answers: [("1".to_string(), "Planen.".into())].into(),
        budget: Some(vec![BudgetInput {
            year: "2021".into(),
            category: "personal".into(),
            amount: amount.into(),
            description: String::new(),
        }]),
        ..Default::default()
    };
    workflow::save_draft(&mut conn, applicant, &application.id, &input, now).unwrap();
    workflow::submit(
        &mut conn,
        applicant,
        &application.id,
        &statsbidrag::accounts::Signed::password(),
        now,
        &Links::new("https://statsbidrag.example"),
        "Socialstyrelsen",
    )
    .unwrap();
    application.id
}

pub(crate) async fn api_login(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "API login of {email}");
    let body: serde_json::Value = response.json().await.unwrap();
    body["csrf_token"].as_str().unwrap().to_string()
}

pub(crate) async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    csrf: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = client
        .request(method, url)
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// The officer assesses and proposes `amount` for 2021 and prepares the decision; returns
/// the draft decision's id.
pub(crate) async fn prepared(
    app: &TestApp,
    officer: &reqwest::Client,
    csrf: &str,
    id: &str,
    recommendation: &str,
    amount: &str,
) -> String {
    let (status, body) = send(
        officer,
        reqwest::Method::PUT,
        app.url(&format!("/api/v1/applications/{id}/assessment")),
        csrf,
        serde_json::json!({"ratings": [{"criterion": 1, "rating": "met", "comment": ""}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/applications/{id}/proposals")),
        csrf,
        serde_json::json!({"recommendation": recommendation, "reasons": "Uppfyller kriterierna.", "amounts": {"2021": amount}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/applications/{id}/decisions")),
        csrf,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn granted_2021(app: &TestApp, call_id: &str) -> i64 {
    statsbidrag::db::decisions::signed_amounts_for_call(&mut app.conn(), call_id)
        .unwrap()
        .iter()
        .filter(|s| s.year == 2021)
        .map(|s| s.amount.ore())
        .sum()
}

#[actix_web::test]
async fn two_decision_makers_signing_at_once_never_pass_the_ceiling() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let uppsala = account(&app, "a@uppsala.example", "applicant", Some("232100-0024"));
    let first = submitted(&app, &jonkoping, &call_id, "600000");
    let second = submitted(&app, &uppsala, &call_id, "600000");
    account(
        &app,
        "beslutsfattare2@socialstyrelsen.example",
        "decision_maker",
        None,
    );

    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let d1 = prepared(&app, &officer, &csrf, &first, "grant", "600000").await;
    let d2 = prepared(&app, &officer, &csrf, &second, "grant", "600000").await;

    let (maker1, maker2) = (new_client(), new_client());
    let csrf1 = api_login(&app, &maker1, DECISION_MAKER).await;
    let csrf2 = api_login(&app, &maker2, "beslutsfattare2@socialstyrelsen.example").await;
    let sign = |client: &reqwest::Client, csrf: &str, id: &str| {
        client
            .post(app.url(&format!("/api/v1/decisions/{id}/sign")))
            .header("X-CSRF-Token", csrf)
            .send()
    };
    let (r1, r2) = tokio::join!(sign(&maker1, &csrf1, &d1), sign(&maker2, &csrf2, &d2));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    let mut statuses = vec![r1.status().as_u16(), r2.status().as_u16()];
    let bodies = [r1.text().await.unwrap(), r2.text().await.unwrap()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{bodies:?}");
    let refusal = bodies.iter().find(|b| b.contains("taket")).unwrap();
    assert!(
        refusal
            .replace('\u{a0}', " ")
            .contains("400 000 kr återstår"),
        "{refusal}"
    );
    assert_eq!(granted_2021(&app, &call_id), 60_000_000);
    assert_eq!(
        app.audit_events("decision.signed")
            .iter()
            .filter(|e| e.entity_id.as_deref() == Some(d1.as_str())
                || e.entity_id.as_deref() == Some(d2.as_str()))
            .count(),
        1
    );
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

#[actix_web::test]
async fn a_signed_grant_has_a_letter_made_once_with_its_checksum() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &jonkoping, &call_id, "750000");
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let decision = prepared(&app, &officer, &csrf, &application, "partial", "700000").await;

    // The officer cannot sign; the decision maker can.
    let (status, _) = send(
        &officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{decision}/sign")),
        &csrf,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 403);
    let maker = new_client();
    let csrf_maker = api_login(&app, &maker, DECISION_MAKER).await;
    let (status, signed) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{decision}/sign")),
        &csrf_maker,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["amounts"][0]["amount"], "700000");
    let recorded = signed["letter_sha256"].as_str().unwrap().to_string();

    // The region downloads it; the bytes hash to what was recorded, every time.
    let region = new_client();
    api_login(&app, &region, "a@jonkoping.example").await;
    for _ in 0..2 {
        let response = region
            .get(app.url(&format!("/api/v1/decisions/{decision}/letter")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), recorded);
    }
    // The auditor sees the same checksum on the case page.
    let auditor = new_client();
    api_login(&app, &auditor, crate::helpers::AUDITOR).await;
    let page = auditor
        .get(app.url(&format!("/ansokningar/{application}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&recorded));
    // Another region cannot fetch it.
    let other = new_client();
    api_login(&app, &other, crate::helpers::SKANE).await;
    let response = other
        .get(app.url(&format!("/api/v1/decisions/{decision}/letter")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    // The decision and its letter are queued to the region with the PDF attached.
    let outbox = statsbidrag::db::outbox::list(&mut app.conn()).unwrap();
    let mail = outbox
        .iter()
        .find(|m| {
            m.to_address == "a@jonkoping.example" && m.subject.starts_with("Beslut om statsbidrag")
        })
        .unwrap();
    assert_eq!(
        mail.attachment_content_type.as_deref(),
        Some("application/pdf")
    );
    // Signed means signed: a second signing is refused and the database refuses a change.
    let (status, _) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{decision}/sign")),
        &csrf_maker,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 409);
    let refused = crate::helpers::execute(
        &mut app.conn(),
        &format!("UPDATE decision_documents SET sha256 = 'x' WHERE decision_id = '{decision}'"),
    );
    assert!(refused.is_err());
}

#[actix_web::test]
async fn a_conflicted_officer_neither_assesses_nor_decides_and_the_declaration_stays() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &jonkoping, &call_id, "500000");
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let (status, body) = send(
        &officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/applications/{application}/conflicts")),
        &csrf,
        serde_json::json!({"reason": "Min make arbetar i projektet."}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["conflicts"][0]["reason"],
        "Min make arbetar i projektet."
    );
    let (status, body) = send(
        &officer,
        reqwest::Method::PUT,
        app.url(&format!("/api/v1/applications/{application}/assessment")),
        &csrf,
        serde_json::json!({"ratings": [{"criterion": 1, "rating": "met"}]}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("jäv"));
    // A colleague assesses; amounts above what was applied for are refused, per field.
    account(&app, "kollega@socialstyrelsen.example", "officer", None);
    let colleague = new_client();
    let csrf2 = api_login(&app, &colleague, "kollega@socialstyrelsen.example").await;
    let (status, body) = send(
        &colleague,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/applications/{application}/proposals")),
        &csrf2,
        serde_json::json!({"recommendation": "partial", "reasons": "Delvis.", "amounts": {"2021": "500001"}}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "amounts.2021");
    let assessment: serde_json::Value = colleague
        .get(app.url(&format!("/api/v1/applications/{application}/assessment")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(assessment["conflicts"].as_array().unwrap().len(), 1);
    assert!(!app.audit_events("assessment.conflict_declared").is_empty());
}

/// The same steps through the pages: assess, propose, prepare, sign, download.
#[actix_web::test]
async fn an_officer_and_a_decision_maker_decide_through_the_pages() {
    use crate::helpers::csrf_from;
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &jonkoping, &call_id, "500000");
    let case = format!("/ansokningar/{application}");

    app.login(OFFICER).await;
    let (status, page) = app.get_text(&case).await;
    assert_eq!(status, 200);
    assert!(page.contains("Din bedömning"));
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    let csrf = csrf_from(&page);
    let response = post(
        format!("{case}/bedomning"),
        vec![
            ("csrf_token", csrf.clone()),
            ("ratings.1.criterion", "1".into()),
            ("ratings.1.rating", "partly".into()),
            ("ratings.1.comment", "Förankringen hos SiS är tunn.".into()),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let response = post(
        format!("{case}/forslag"),
        vec![
            ("csrf_token", csrf.clone()),
            ("recommendation", "grant".into()),
            ("amounts.2021", "500 000".into()),
            ("reasons", "Ansökan uppfyller kriterierna.".into()),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let response = post(
        format!("{case}/bered-beslut"),
        vec![("csrf_token", csrf.clone()), ("reasons", String::new())],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, page) = app.get_text(&case).await;
    assert!(page.contains("Förankringen hos SiS är tunn."));
    assert!(page.contains("utkast, inte fattat"));
    assert!(!page.contains("Fatta beslutet"), "officers do not sign");

    let maker = new_client();
    let login = maker
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    maker
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&login).as_str()),
            ("email", DECISION_MAKER),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let home = maker
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Beredda beslut som väntar"));
    let page = maker
        .get(app.url(&case))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "action=\"/beslut/";
    let start = page.find(marker).unwrap() + marker.len();
    let decision_id = page[start..start + page[start..].find('/').unwrap()].to_string();
    let response = maker
        .post(app.url(&format!("/beslut/{decision_id}/fatta")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let page = maker
        .get(app.url(&case))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hämta beslutsbrevet (PDF)"));
    // The status says how it was decided: everything applied for was granted.
    assert!(page.contains(">Beviljad</span>"), "{page}");
    let letter = maker
        .get(app.url(&format!("/beslut/{decision_id}/brev.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(letter.status().as_u16(), 200);
    assert!(letter.bytes().await.unwrap().starts_with(b"%PDF"));
    // The money kept per call and year agrees with the rows (issue 12).
    crate::ledger::assert_consistent(&app);
}

/// The mail server is down while decisions are signed; when it is back, every decision
/// message arrives exactly once, with its letter.
#[actix_web::test]
async fn decision_letters_survive_a_dead_mail_server_and_arrive_exactly_once() {
    let mut smtp = crate::smtp::SmtpServer::start();
    let (app, mail) = crate::helpers::spawn_demo_app_with_smtp(smtp.port()).await;
    let clock: statsbidrag::clock::SharedClock = std::sync::Arc::new(app.clock.clone());
    let call_id = small_call(&app, "2000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let uppsala = account(&app, "a@uppsala.example", "applicant", Some("232100-0024"));
    let first = submitted(&app, &jonkoping, &call_id, "600000");
    let second = submitted(&app, &uppsala, &call_id, "700000");
    // Receipts so far go out while the server is up.
    statsbidrag::mail::deliver_due(&app.db, &clock, &mail)
        .await
        .unwrap();
    let before = smtp.received().len();

    smtp.stop();
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let d1 = prepared(&app, &officer, &csrf, &first, "grant", "600000").await;
    let d2 = prepared(&app, &officer, &csrf, &second, "grant", "700000").await;
    let maker = new_client();
    let csrf_maker = api_login(&app, &maker, DECISION_MAKER).await;
    for d in [&d1, &d2] {
        let (status, body) = send(
            &maker,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/decisions/{d}/sign")),
            &csrf_maker,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let report = statsbidrag::mail::deliver_due(&app.db, &clock, &mail)
        .await
        .unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(smtp.received().len(), before);

    smtp.restart();
    app.clock.set(app.clock_now() + chrono::Duration::hours(2));
    statsbidrag::mail::deliver_due(&app.db, &clock, &mail)
        .await
        .unwrap();
    statsbidrag::mail::deliver_due(&app.db, &clock, &mail)
        .await
        .unwrap();
    let decisions: Vec<_> = smtp
        .received()
        .into_iter()
        .skip(before)
        // Only decisions carry a PDF.
        .filter(|m| m.data.contains("application/pdf"))
        .collect();
    let mut recipients: Vec<String> = decisions
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["a@jonkoping.example", "a@uppsala.example"]);
    assert_eq!(
        statsbidrag::db::outbox::pending_count(&mut app.conn()).unwrap(),
        0
    );
}

/// The demo's 2020 decisions were signed through the same rules, and their letters made then:
/// three grants and one rejection, to the krona, with every expected result annexed.
#[actix_web::test]
async fn the_2020_decisions_have_their_letters_with_tabell_1_and_bilaga_1() {
    use diesel::prelude::*;
    use statsbidrag::db::schema::{decision_documents, decisions, expected_results};
    let app = spawn_app().await;
    let mut conn = app.conn();
    let letters: Vec<(String, String, Vec<u8>)> = decision_documents::table
        .inner_join(decisions::table)
        .select((
            decisions::kind,
            decision_documents::sha256,
            decision_documents::content,
        ))
        .load(&mut *conn)
        .unwrap();
    let mut kinds: Vec<&str> = letters.iter().map(|(k, _, _)| k.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["grant", "grant", "grant", "rejection"]);
    let results: Vec<String> = expected_results::table
        .select(expected_results::title)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(results.len(), 14);
    let text = |bytes: &[u8]| {
        crate::letters::extract_pages(bytes)
            .join("\n")
            .replace('\u{a0}', " ")
    };
    let skane = letters
        .iter()
        .map(|(_, _, pdf)| text(pdf))
        .find(|t| t.contains("Region Skåne"))
        .expect("Region Skåne's letter");
    assert!(skane.contains("2 913 808 kr"), "{skane}");
    assert!(skane.contains("3 363 938 kr"));
    assert!(skane.contains("Bilaga 1"));
    for title in &results {
        let words = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let flat = skane.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&words), "missing expected result: {title}");
    }
    let rejection = letters
        .iter()
        .find(|(k, _, _)| k == "rejection")
        .map(|(_, _, pdf)| text(pdf))
        .unwrap();
    assert!(rejection.contains("avslår"));
    assert!(!rejection.contains("Bilaga 1"));
    // Each stored checksum is the checksum of the stored bytes.
    use sha2::Digest;
    for (_, sha, pdf) in &letters {
        assert_eq!(&hex::encode(sha2::Sha256::digest(pdf)), sha);
    }
}

/// A proposal that breaks a rule comes back with the message beside its field and every
/// typed value kept; nothing is stored.
#[actix_web::test]
async fn a_refused_proposal_keeps_what_the_officer_typed() {
    use crate::helpers::csrf_from;
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &jonkoping, &call_id, "500000");
    let case = format!("/ansokningar/{application}");
    app.login(OFFICER).await;
    let (_, page) = app.get_text(&case).await;
    let response = app
        .client
        .post(app.url(&format!("{case}/forslag")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("recommendation", "partial"),
            ("amounts.2021", "600 000"),
            ("reasons", "Regionens plan är tunn men lovande."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap().replace('\u{a0}', " ");
    assert!(page.contains("är högre än det sökta"), "{page}");
    assert!(page.contains("Regionens plan är tunn men lovande."));
    assert!(page.contains("value=\"600 000\""));
    assert!(page.contains("value=\"partial\" checked"));
    assert!(
        statsbidrag::db::assessments::proposals(&mut app.conn(), &application)
            .unwrap()
            .is_empty()
    );
}
