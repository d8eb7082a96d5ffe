//! What a public e-service owes its users (issue 13): who to ask, on every page, on the case
//! page, the receipt, in e-mail and in decision letters made from now on; the page about
//! cookies and personal data, read from the running service; and the accessibility
//! statement.

use statsbidrag::accounts::session_store::SessionSettings;
use statsbidrag::applications::draft::{BudgetInput, DraftInput};
use statsbidrag::applications::workflow;
use statsbidrag::db::outbox::OutboxMessage;
use statsbidrag::letters::{Letter, render};

use crate::decisions::{account, api_login, prepared, send, small_call, submitted};
use crate::helpers::{OFFICER, SKANE, TestApp, csrf_from, new_client, spawn_app, spawn_configured};
use crate::letters::extract_pages;

/// The agency's contact, as `fixtures/agency.toml` gives it.
const AGENCY_PHONE: &str = "075-247 30 00";
const AGENCY_EMAIL: &str = "registrator@socialstyrelsen.example";
/// The demo programme's unit, as `fixtures/programmes.toml` gives it.
const UNIT: &str = "Avdelningen Behörighet och statsbidrag";
const UNIT_EMAIL: &str = "statsbidrag@socialstyrelsen.example";
const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn()).unwrap()
}

fn registration_number(app: &TestApp, application_id: &str) -> String {
    statsbidrag::db::applications::find(&mut app.conn(), application_id)
        .unwrap()
        .unwrap()
        .registration_number
        .expect("a registration number")
}

fn name_of(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .name
}

/// The footer of a page: the agency's phone and e-mail, and the links to the pages about
/// contact, accessibility and personal data.
fn assert_footer(path: &str, html: &str) {
    let footer = &html[html
        .find("<footer")
        .unwrap_or_else(|| panic!("{path}: no footer"))..];
    let mail = format!("href=\"mailto:{AGENCY_EMAIL}\"");
    for expected in [
        "Socialstyrelsen",
        AGENCY_PHONE,
        "href=\"tel:+46752473000\"",
        mail.as_str(),
        "href=\"/kontakt\"",
        "href=\"/personuppgifter\"",
        "href=\"/tillganglighet\"",
    ] {
        assert!(
            footer.contains(expected),
            "{path}: {expected:?} in {footer}"
        );
    }
}

#[actix_web::test]
async fn every_page_has_the_agencys_contact_in_its_footer() {
    let app = spawn_app().await;
    for path in ["/", "/logga-in", "/tillganglighet", "/kontakt"] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert_footer(path, &html);
    }
    // Error pages are rendered without the application's state, and still have it.
    let (status, html) = app.get_text("/sidan-finns-inte").await;
    assert_eq!(status, 404);
    assert_footer("404", &html);

    app.login(SKANE).await;
    let case = format!("/ansokningar/{}", app.application_id_of("232100-0255"));
    for path in ["/", case.as_str(), "/konto"] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert_footer(path, &html);
    }
}

#[actix_web::test]
async fn the_contact_page_names_the_agency_and_the_unit_running_each_grant() {
    let app = spawn_app().await;
    let (status, html) = app.get_text("/kontakt").await;
    assert_eq!(status, 200);
    let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
    assert_eq!(main.matches("<h1").count(), 1);
    let unit_mail = format!("href=\"mailto:{UNIT_EMAIL}\"");
    for expected in [
        "<h1>Kontakt</h1>",
        // The agency.
        "Socialstyrelsen, 106 30 Stockholm",
        AGENCY_PHONE,
        AGENCY_EMAIL,
        "https://www.socialstyrelsen.se",
        // The demo programme and who runs it.
        "Statsbidrag till regioner för pilotprojekt SiS integrerad vård",
        "Avdelningen Behörighet och statsbidrag på Socialstyrelsen",
        unit_mail.as_str(),
        "diarienummer",
        // Where questions about personal data go.
        "dataskyddsombud@socialstyrelsen.example",
    ] {
        assert!(main.contains(expected), "{expected:?} in {main}");
    }
    // The footer marks it as the page one is on.
    assert!(html.contains("href=\"/kontakt\" aria-current=\"page\""));
}

#[actix_web::test]
async fn the_applicant_sees_who_to_ask_about_the_case_and_who_presented_the_decision() {
    let app = spawn_app().await;
    let id = app.application_id_of("232100-0255");
    let number = registration_number(&app, &id);
    let officer = name_of(&app, OFFICER);
    app.login(SKANE).await;
    let (status, page) = app.get_text(&format!("/ansokningar/{id}")).await;
    assert_eq!(status, 200);
    let start = page
        .find("<h2 id=\"fragor-om-arendet\">Frågor om ärendet?</h2>")
        .expect("the contact box");
    let rest = &page[start..];
    let contact_box = &rest[..rest.find("</section>").unwrap()];
    for expected in [
        format!("Kontakta {UNIT} på Socialstyrelsen och ange diarienummer {number}."),
        format!("href=\"mailto:{UNIT_EMAIL}\""),
        AGENCY_PHONE.to_string(),
        // The demo's decision on Skåne's application was presented by the demo officer.
        format!("Handläggare (föredragande i beslutet): {officer}"),
    ] {
        assert!(
            contact_box.contains(&expected),
            "{expected:?} in {contact_box}"
        );
    }
    // The accessibility statement says the decision can be read as text on this page:
    // the applicant does see it (its reasons and the closing lines).
    assert!(page.contains("Skäl för beslutet"), "decision text");
    assert!(page.contains("har varit föredragande."), "decision text");

    // Before a decision is signed no officer is named: the unit is who to ask.
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let undecided = submitted(&app, &jonkoping, &call_id, "400000");
    let applicant = new_client();
    let login = applicant
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = applicant
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&login).as_str()),
            ("email", "a@jonkoping.example"),
            ("password", crate::helpers::PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let page = applicant
        .get(app.url(&format!("/ansokningar/{undecided}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Frågor om ärendet?"));
    assert!(page.contains(&format!(
        "och ange diarienummer {}",
        registration_number(&app, &undecided)
    )));
    assert!(!page.contains("Handläggare (föredragande i beslutet)"));

    // The agency's own staff are the contact: their case page has no such box.
    let staff = TestApp {
        client: new_client(),
        ..app
    };
    staff.login(OFFICER).await;
    let (_, page) = staff.get_text(&format!("/ansokningar/{id}")).await;
    assert!(!page.contains("Frågor om ärendet?"));
}

#[actix_web::test]
async fn the_receipt_and_its_email_say_who_to_ask_and_which_number_to_give() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let applicant = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    // A draft made directly (the forms have tests of their own), sent in through the page.
    let id = {
        let mut conn = app.conn();
        let now = app.clock_now();
        let application = workflow::start(&mut conn, &applicant, &call_id, now).unwrap();
        let input = DraftInput {
            project_title: "Projekt".into(),
            answers: [("1".to_string(), "Planen.".into())].into(),
            budget: Some(vec![BudgetInput {
                year: "2021".into(),
                category: "personal".into(),
                amount: "300000".into(),
                description: String::new(),
            }]),
            ..Default::default()
        };
        workflow::save_draft(&mut conn, &applicant, &application.id, &input, now).unwrap();
        application.id
    };
    app.login("a@jonkoping.example").await;
    let (status, confirm) = app.get_text(&format!("/ansokningar/{id}/skicka-in")).await;
    assert_eq!(status, 200);
    let response = app
        .client
        .post(app.url(&format!("/ansokningar/{id}/skicka-in")))
        .form(&[("csrf_token", csrf_from(&confirm).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let receipt_path = response.headers()["location"].to_str().unwrap().to_string();
    assert!(receipt_path.starts_with(&format!("/ansokningar/{id}/kvitto")));
    let number = registration_number(&app, &id);

    let (status, receipt) = app.get_text(&receipt_path).await;
    assert_eq!(status, 200);
    let main = &receipt[receipt.find("<main").unwrap()..receipt.find("</main>").unwrap()];
    for expected in [
        "Frågor om ärendet?".to_string(),
        format!(
            "Kontakta {UNIT} på Socialstyrelsen och ange diarienummer <strong>{number}</strong>."
        ),
        format!("href=\"mailto:{UNIT_EMAIL}\""),
        AGENCY_PHONE.to_string(),
        // What happens now: the call's last day, supplements, the decision, the money.
        "Vad händer nu?".to_string(),
        "Ansökningstiden går ut den 2020-09-30.".to_string(),
        "begär vi en komplettering".to_string(),
        "När beslutet är fattat får ni beslutsbrevet med e-post.".to_string(),
        "Beviljade medel betalas ut i januari varje bidragsår.".to_string(),
    ] {
        assert!(main.contains(&expected), "{expected:?} in {main}");
    }

    let mail = outbox(&app)
        .into_iter()
        .find(|m| m.to_address == "a@jonkoping.example" && m.subject.starts_with("Kvittens"))
        .expect("the receipt e-mail");
    assert!(mail.body_text.contains(&format!("Diarienummer: {number}")));
    for step in [
        "Vad händer nu?",
        "- Ansökningstiden går ut den 2020-09-30.",
        "- När beslutet är fattat får ni beslutsbrevet med e-post.",
        "- Beviljade medel betalas ut i januari varje bidragsår.",
    ] {
        assert!(
            mail.body_text.contains(step),
            "{step:?} in {}",
            mail.body_text
        );
    }
    assert!(
        mail.body_text.contains(&format!(
            "Har ni frågor om ärendet? Kontakta {UNIT} på Socialstyrelsen: e-post {UNIT_EMAIL}, \
             telefon {AGENCY_PHONE}. Ange diarienummer {number}."
        )),
        "{}",
        mail.body_text
    );
}

#[actix_web::test]
async fn a_letter_signed_now_names_the_programmes_contact_and_so_does_its_email() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let region = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &region, &call_id, "750000");
    let number = registration_number(&app, &application);
    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let decision = prepared(&app, &officer, &csrf, &application, "grant", "750000").await;
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

    // The region downloads the letter: the contact is at the foot of every page.
    let reader = new_client();
    api_login(&app, &reader, "a@jonkoping.example").await;
    let response = reader
        .get(app.url(&format!("/api/v1/decisions/{decision}/letter")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response.bytes().await.unwrap();
    let pages = extract_pages(&pdf);
    assert!(!pages.is_empty());
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!(
                "Frågor om beslutet: {UNIT} på Socialstyrelsen E-post {UNIT_EMAIL} · Telefon \
                 {AGENCY_PHONE}"
            )),
            "page {}: {page}",
            i + 1
        );
    }

    // The decision's e-mail ends with the same contact and the number to give.
    let mail = outbox(&app)
        .into_iter()
        .find(|m| {
            m.to_address == "a@jonkoping.example" && m.subject.starts_with("Beslut om statsbidrag")
        })
        .expect("the decision e-mail");
    assert!(
        mail.body_text.contains(&format!(
            "Kontakta {UNIT} på Socialstyrelsen: e-post {UNIT_EMAIL}, telefon {AGENCY_PHONE}. \
             Ange diarienummer {number}."
        )),
        "{}",
        mail.body_text
    );
}

/// Letters signed before the contact was written keep their words: their stored JSON has no
/// contact, reads as none, and renders (were it ever rendered again) without a footer.
#[test]
fn a_letter_stored_without_a_contact_reads_and_renders_without_one() {
    let mut letter = crate::letters::letter_sample::skane_letter();
    letter.contact = None;
    let json = serde_json::to_string(&letter).unwrap();
    assert!(!json.contains("\"contact\""), "{json}");
    let stored: Letter = serde_json::from_str(&json).unwrap();
    assert_eq!(stored.contact, None);
    let text = extract_pages(&render(&stored).unwrap()).join(" ");
    assert!(!text.contains("Frågor om beslutet"), "{text}");
}

#[actix_web::test]
async fn account_emails_end_with_the_agencys_contact() {
    let app = spawn_app().await;
    let (_, form) = app.get_text("/glomt-losenord").await;
    let response = app
        .client
        .post(app.url("/glomt-losenord"))
        .form(&[("csrf_token", csrf_from(&form).as_str()), ("email", SKANE)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mail = outbox(&app)
        .into_iter()
        .find(|m| m.to_address == SKANE)
        .expect("the reset e-mail");
    assert!(
        mail.body_text.contains(&format!(
            "Har du frågor om ditt konto eller om e-tjänsten? Kontakta Socialstyrelsen: e-post \
             {AGENCY_EMAIL}, telefon {AGENCY_PHONE}."
        )),
        "{}",
        mail.body_text
    );
}

#[actix_web::test]
async fn the_page_on_cookies_and_personal_data_tells_what_this_service_really_does() {
    // Not the default 30 minutes and 12 hours: the page says what the service runs with.
    let app = spawn_configured(|settings| {
        settings.sessions = SessionSettings::new(17, 5);
    })
    .await;
    let (status, html) = app.get_text("/personuppgifter").await;
    assert_eq!(status, 200);
    let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
    for expected in [
        "<h1>Kakor och personuppgifter</h1>",
        "<code>statsbidrag_session</code>",
        "<code>statsbidrag_form</code>",
        "efter 17 minuter utan att du gör något och senast 5 timmar efter att du loggade in",
        "inga kakor för statistik, analys eller marknadsföring",
        "IP-adress",
        "allmänna handlingar",
        "offentlighets- och sekretesslagen (2009:400)",
        "enligt myndighetens arkivregler",
        "dataskyddsombud@socialstyrelsen.example",
        "Integritetsskyddsmyndigheten (IMY)",
        "href=\"https://www.imy.se\"",
    ] {
        assert!(main.contains(expected), "{expected:?} in {main}");
    }
    assert!(!main.contains("30 minuter"), "the default idle time");
    assert!(!main.contains("12 timmar"), "the default longest session");

    // The cookie the page names is the one the service sets, and there is no other
    // before logging in (no analytics, nothing from other sites).
    let response = app.get("/logga-in").await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(
        cookies[0].starts_with("statsbidrag_session="),
        "{cookies:?}"
    );
    // And its footer link is there on every page.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("<a href=\"/personuppgifter\">Kakor och personuppgifter</a>"));
}

#[actix_web::test]
async fn the_accessibility_statement_follows_diggs_structure() {
    let app = spawn_app().await;
    let (status, html) = app.get_text("/tillganglighet").await;
    assert_eq!(status, 200);
    let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
    let mail = format!("href=\"mailto:{AGENCY_EMAIL}\"");
    for expected in [
        "delvis förenlig",
        "lagen (2018:1937)",
        "href=\"https://www.digg.se/tdosanmalan\"",
        // The known fault, and the wide tables' scrolling (within WCAG 1.4.10).
        "Beslutsbrev i PDF-format är inte taggade för skärmläsare",
        "Breda tabeller",
        "320 pixlar",
        // How to report them.
        mail.as_str(),
        AGENCY_PHONE,
        // How it was tested, and when.
        "axe-core",
        "Chromium",
        "tangentbord",
        "Tjänsten publicerades den 2 december 2026.",
        "Redogörelsen uppdaterades den 2 december 2026.",
    ] {
        assert!(main.contains(expected), "{expected:?} in {main}");
    }
    // Faults fixed since are no longer listed as faults: the browser suite checks reflow
    // and the officers' forms on every run.
    for fixed in [
        "måste man på en del sidor skrolla i sidled",
        "saknar på några ställen den markering",
    ] {
        assert!(!main.contains(fixed), "{fixed:?} still listed in {main}");
    }
}
