//! Decisions as people read them (issue 11): a partial grant says what was applied for, what
//! is granted and that the application is otherwise refused, with the reasons; a refusal
//! says so; the status says the outcome on the case page and in every list; and the case
//! page shows the whole decision as text, the same words as its letter.

use serde_json::{Value, json};

use crate::decisions::{account, api_login, prepared, send, small_call, submitted};
use crate::helpers::{OFFICER, PASSWORD, TestApp, csrf_from, new_client, spawn_app};
use crate::letters::extract_pages;

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

/// Text with every run of whitespace (no-break spaces too) made one plain space.
fn flat(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A page's text without its tags, flattened.
fn page_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    flat(&out.replace("&amp;", "&"))
}

async fn letter_text(client: &reqwest::Client, app: &TestApp, decision_id: &str) -> String {
    let response = client
        .get(app.url(&format!("/api/v1/decisions/{decision_id}/letter")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    flat(&extract_pages(&response.bytes().await.unwrap()).join(" "))
}

async fn web_login(app: &TestApp, client: &reqwest::Client, email: &str) {
    let login = client
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
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
    assert_eq!(response.status().as_u16(), 303, "login of {email}");
}

async fn get_text(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// Every heading and every paragraph or list item of the decision's words (as the API gives
/// them) is in `text`: the page and the letter say the same.
fn says_every_word_of(text: &str, decision: &Value, what: &str) {
    for section in decision["text"]["sections"].as_array().unwrap() {
        let heading = flat(section["heading"].as_str().unwrap());
        assert!(
            text.contains(&heading),
            "{what} lacks the heading {heading:?}"
        );
        for line in section["body"].as_str().unwrap().split('\n') {
            let line = flat(line.trim_start_matches("- "));
            if !line.is_empty() {
                assert!(text.contains(&line), "{what} lacks {line:?}\n{text}");
            }
        }
    }
}

#[actix_web::test]
async fn a_partial_grant_says_what_was_applied_for_and_refuses_the_rest_on_page_letter_and_lists() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let applicant = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &applicant, &call_id, "500000");
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let draft = prepared(&app, &officer, &csrf, &application, "partial", "300000").await;

    // The draft already reads as it will: the decision maker sees the whole text.
    let (_, page) = get_text(&officer, &app, &format!("/ansokningar/{application}")).await;
    let page = page_text(&page);
    assert!(
        page.contains("Socialstyrelsen avslår ansökan i övrigt."),
        "{page}"
    );
    assert!(page.contains("Utkast, inte fattat"), "{page}");

    let maker = new_client();
    let csrf_maker = api_login(&app, &maker, DECISION_MAKER).await;
    let (status, decision) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{draft}/sign")),
        &csrf_maker,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["outcome"], "partly_granted");
    assert_eq!(
        decision["applied"],
        json!([{"year": 2021, "amount": "500000"}])
    );
    assert_eq!(
        decision["amounts"],
        json!([{"year": 2021, "amount": "300000"}])
    );
    let table = &decision["text"]["table"];
    assert_eq!(table["columns"], json!(["Sökt belopp", "Beviljat belopp"]));
    assert_eq!(
        table["rows"],
        json!([{"year": 2021, "amounts": ["500000", "300000"]}])
    );
    // The e-mail with the letter says it too.
    let mail = statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .find(|m| m.to_address == "a@jonkoping.example" && m.attachment_name.is_some())
        .expect("the decision's e-mail");
    assert!(
        mail.body_text.contains(": ansökan delvis beviljad."),
        "{}",
        mail.body_text
    );
    let beslut = decision["text"]["sections"][0]["body"].as_str().unwrap();
    assert!(
        beslut.contains("Socialstyrelsen avslår ansökan i övrigt."),
        "{beslut}"
    );

    // The letter: applied for and granted, per year and in total, and the rest refused with
    // the reasons.
    let letter = letter_text(&maker, &app, &draft).await;
    for expected in [
        "Sökt belopp",
        "Beviljat belopp",
        "500 000 kr",
        "300 000 kr",
        "Ansökan gällde sammanlagt 500 000 kr.",
        "Socialstyrelsen avslår ansökan i övrigt.",
        "200 000 kr av de 500 000 kr som har sökts för 2021",
        "Skäl för beslutet",
        "Uppfyller kriterierna.",
        "Hur man överklagar",
    ] {
        assert!(
            letter.contains(expected),
            "the letter lacks {expected:?}: {letter}"
        );
    }
    says_every_word_of(&letter, &decision, "the letter");

    // The applicant's case page shows the whole decision as text, the letter's words.
    let region = new_client();
    web_login(&app, &region, "a@jonkoping.example").await;
    let (status, html) = get_text(&region, &app, &format!("/ansokningar/{application}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("status-partly_granted\">Delvis beviljad</span>"),
        "{html}"
    );
    let page = page_text(&html);
    says_every_word_of(&page, &decision, "the case page");
    for expected in [
        "Beslutsdatum 2020-06-30",
        "Beslutsfattare Eva Sandberg",
        "Föredragande Karin Lindqvist",
        "Sökt belopp Beviljat belopp",
        "2021 500 000 kr 300 000 kr",
        "I detta ärende har Eva Sandberg beslutat. Karin Lindqvist har varit föredragande.",
        "Villkor",
        "för 2021: senast 1 mars 2022",
        "Hur man överklagar",
        "Bilaga 1",
        "Förväntade resultat 2021",
        "Rutiner för samverkan finns",
        "Regionen och SiS har gemensamma rutiner.",
    ] {
        assert!(
            page.contains(expected),
            "the case page lacks {expected:?}: {page}"
        );
    }

    // Every list says the outcome: the applicant's start page, the officer's list (and its
    // filter), the CSV and the API.
    let (_, home) = get_text(&region, &app, "/").await;
    assert!(home.contains("Delvis beviljad"), "{home}");
    let (_, list) = get_text(
        &officer,
        &app,
        &format!("/utlysningar/{call_id}/ansokningar?status=partly_granted"),
    )
    .await;
    assert!(list.contains("Delvis beviljad"), "{list}");
    assert!(list.contains("Region Jönköpings län"), "{list}");
    let (_, none) = get_text(
        &officer,
        &app,
        &format!("/utlysningar/{call_id}/ansokningar?status=granted"),
    )
    .await;
    assert!(!none.contains("Region Jönköpings län"), "{none}");
    let (status, csv) = get_text(
        &officer,
        &app,
        &format!("/utlysningar/{call_id}/ansokningar.csv"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(csv.contains(";Delvis beviljad;"), "{csv}");
    let response = officer
        .get(app.url(&format!("/api/v1/applications?call_id={call_id}")))
        .send()
        .await
        .unwrap();
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows[0]["status"], "decided", "{rows}");
    assert_eq!(rows[0]["outcome"], "partly_granted", "{rows}");
    let response = region
        .get(app.url(&format!("/api/v1/applications/{application}")))
        .send()
        .await
        .unwrap();
    let case: Value = response.json().await.unwrap();
    assert_eq!(case["outcome"], "partly_granted", "{case}");
    assert_eq!(case["decisions"][0]["outcome"], "partly_granted", "{case}");

    // A change decision reads the same way on the page: before and after, in words.
    let (status, change) = send(
        &officer,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{draft}/changes")),
        &csrf,
        json!({"kind": "change", "amounts": {"2021": "250 000"}, "reasons": "Regionen har minskat arbetet."}),
    )
    .await;
    assert_eq!(status, 201, "{change}");
    let change_id = change["id"].as_str().unwrap().to_string();
    let (status, change) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{change_id}/sign")),
        &csrf_maker,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{change}");
    assert!(change["outcome"].is_null(), "{change}");
    assert_eq!(
        change["text"]["table"]["rows"],
        json!([{"year": 2021, "amounts": ["300000", "250000"]}])
    );
    let letter = letter_text(&maker, &app, &change_id).await;
    says_every_word_of(&letter, &change, "the change letter");
    let (_, html) = get_text(&region, &app, &format!("/ansokningar/{application}")).await;
    let page = page_text(&html);
    says_every_word_of(&page, &change, "the case page");
    assert!(
        page.contains("sänks beloppet med 50 000 kr, från 300 000 kr till 250 000 kr"),
        "{page}"
    );
    assert!(page.contains("Beviljat före ändringen Beviljat efter ändringen"));
    // How the application was answered does not change with a later change decision.
    assert!(html.contains(">Delvis beviljad</span>"));
}

#[actix_web::test]
async fn a_grant_in_full_and_a_refusal_read_as_such_in_the_demo() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let officer = new_client();
    web_login(&app, &officer, OFFICER).await;

    let skane = app.application_id_of("232100-0255");
    let (_, html) = get_text(&officer, &app, &format!("/ansokningar/{skane}")).await;
    assert!(html.contains("status-granted\">Beviljad</span>"), "{html}");
    let page = page_text(&html);
    for expected in [
        "Socialstyrelsen beviljar Region Skåne statsbidrag med sammanlagt 6 277 746 kr för 2021 och 2022, det belopp som har sökts, enligt tabellen nedan.",
        "2021 2 913 808 kr 2 913 808 kr",
        "2022 3 363 938 kr 3 363 938 kr",
        "Summa 6 277 746 kr 6 277 746 kr",
        "för 2022: senast 1 mars 2023",
        "Bilaga 1 till beslut om statsbidrag för 2021 och 2022",
    ] {
        assert!(
            page.contains(expected),
            "Skåne's case lacks {expected:?}: {page}"
        );
    }
    assert!(!page.contains("avslår ansökan i övrigt"));

    let stockholm = app.application_id_of("232100-0016");
    let (_, html) = get_text(&officer, &app, &format!("/ansokningar/{stockholm}")).await;
    assert!(html.contains("status-rejected\">Avslagen</span>"), "{html}");
    let page = page_text(&html);
    assert!(
        page.contains("Socialstyrelsen avslår ansökan om statsbidrag från Region Stockholm"),
        "{page}"
    );
    assert!(page.contains("Digitala verktyg för specialiserade insatser"));
    assert!(page.contains("Hur man överklagar"));
    assert!(!page.contains("Bilaga 1"));

    // The lists say the outcome.
    let (_, list) = get_text(
        &officer,
        &app,
        &format!("/utlysningar/{call_id}/ansokningar"),
    )
    .await;
    assert_eq!(list.matches(">Beviljad</span>").count(), 3, "{list}");
    assert_eq!(list.matches(">Avslagen</span>").count(), 1, "{list}");
    let (_, csv) = get_text(
        &officer,
        &app,
        &format!("/utlysningar/{call_id}/ansokningar.csv"),
    )
    .await;
    assert_eq!(csv.matches(";Beviljad;").count(), 3, "{csv}");
    assert_eq!(csv.matches(";Avslagen;").count(), 1, "{csv}");
    let rows: Value = officer
        .get(app.url(&format!("/api/v1/applications?call_id={call_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut outcomes: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["granted", "granted", "granted", "rejected"]);

    // The refused applicant sees it on the start page too.
    let region = new_client();
    web_login(&app, &region, "sokande@stockholm.example").await;
    let (_, home) = get_text(&region, &app, "/").await;
    assert!(home.contains(">Avslagen</span>"), "{home}");
}
