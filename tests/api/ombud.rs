//! Ombudsansökan (issue 14): a person applies to become an organisation's ombud with PDFs
//! that prove their mandate; the officer asks for a supplement, approves or writes off,
//! each step told by a letter and an e-mail; an approval makes the person the ombud (and an
//! earlier ombud a representative, logged out at once). Real HTTP in, database out.

use diesel::RunQueryDsl;
use statsbidrag::calls::edit::{self, CallInput, CallYearInput, CategoryInput, SectionInput};
use statsbidrag::codes::OrgRole;
use statsbidrag::db::ombud_requests::OmbudRequest;
use statsbidrag::db::outbox::OutboxMessage;

use crate::helpers::{
    ADMIN, OFFICER, PASSWORD, SKANE, TestApp, VGR, csrf_from, execute, new_client, spawn_app,
};
use crate::letters::extract_pages;
use crate::uploads::{message_beside, pdf};

/// The demo person who acts for no organisation yet.
const MARIA: &str = "blivande.ombud@sormland.example";
/// Region Skåne's representative (not its ombud).
const JONAS: &str = "representant@skane.example";
const SKANE_ORGNR: &str = "232100-0255";
/// A municipality the register does not know (a valid number made up for the test).
const TESTBY_ORGNR: &str = "212000-2718";

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
    client
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A `multipart/form-data` body as a browser sends it: the fields, then the files, each in
/// its own field.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----statsbidrag-ombud-5c1e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a page's form as multipart with the page's CSRF token: the status and the
/// redirect's target, or the page.
async fn post_multipart(
    app: &TestApp,
    client: &reqwest::Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (u16, String) {
    let (_, page) = get(app, client, form_page).await;
    let csrf = csrf_from(&page);
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, files);
    let response = client
        .post(app.url(action))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// Posts a urlencoded form of a page with its CSRF token.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, page) = get(app, client, form_page).await;
    let csrf = csrf_from(&page);
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    let response = client
        .post(app.url(action))
        .form(&all)
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn answer(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    (status, location.unwrap_or(text))
}

/// The form of a new request, filled in for a municipality the person signs for.
fn testby(signs: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("org_number", TESTBY_ORGNR),
        ("org_name", "Testby kommun"),
        ("org_kind", "municipality"),
        ("signs_for_organisation", signs),
        ("contact_email", "maria.oberg@testby.example"),
        ("contact_phone", "070-123 45 67"),
        ("message", "Jag är kommunens nämndsekreterare."),
    ]
}

async fn file(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (u16, String) {
    post_multipart(
        app,
        client,
        "/ombudsansokan/ny",
        "/ombudsansokan/ny",
        fields,
        files,
    )
    .await
}

/// The id in a redirect to a request's page (`/ombudsansokan/{id}?klart=…`).
fn id_from(location: &str) -> String {
    location
        .trim_start_matches("/ombudsansokan/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

fn request(app: &TestApp, id: &str) -> OmbudRequest {
    statsbidrag::db::ombud_requests::find(&mut app.conn(), id)
        .unwrap()
        .unwrap()
}

fn user(app: &TestApp, email: &str) -> statsbidrag::db::accounts::User {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
}

fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn()).unwrap()
}

fn mail_to(app: &TestApp, to: &str) -> Vec<OutboxMessage> {
    outbox(app)
        .into_iter()
        .filter(|m| m.to_address == to)
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut *app.conn())
        .unwrap()
        .n
}

/// What every ombudsansökan test leaves counted: requests, steps, documents, letters,
/// messages.
fn counts(app: &TestApp) -> [i64; 5] {
    [
        count(app, "ombud_requests"),
        count(app, "ombud_request_steps"),
        count(app, "ombud_request_documents"),
        count(app, "ombud_request_letters"),
        count(app, "outbox_messages"),
    ]
}

/// The links to a request's letters on its page, in order.
fn letter_links(page: &str) -> Vec<String> {
    page.match_indices("/brev/")
        .map(|(at, _)| {
            let start = page[..at].rfind('"').unwrap() + 1;
            let end = page[at..].find('"').unwrap() + at;
            page[start..end].to_string()
        })
        .collect()
}

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Vec<u8>) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
    }
    (status, response.bytes().await.unwrap().to_vec())
}

/// A call for municipalities, open on the test clock's day.
fn municipal_call(app: &TestApp) -> String {
    let mut conn = app.conn();
    let officer = statsbidrag::accounts::load_actor(&mut conn, &user(app, OFFICER).id)
        .unwrap()
        .unwrap();
    let now = app.clock_now();
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: "kommuner-2021".into(),
        title: "Statsbidrag till kommuner 2021".into(),
        description: "För test.".into(),
        opens_on: "2020-06-01".into(),
        last_day: "2020-09-30".into(),
        max_recipients: "4".into(),
        payment_month: "1".into(),
        report_due_month: "3".into(),
        report_due_day: "1".into(),
        eligible_kinds: vec!["municipality".into()],
        years: vec![CallYearInput {
            year: "2021".into(),
            ceiling: "1000000".into(),
        }],
        sections: vec![SectionInput {
            title: "Plan".into(),
            help_text: String::new(),
            required: "true".into(),
            max_length: "1000".into(),
            ..Default::default()
        }],
        cost_categories: vec![CategoryInput {
            code: "personal".into(),
            name: "Personal".into(),
        }],
        ..Default::default()
    };
    let call = edit::create(&mut conn, &officer, &input, now).unwrap();
    edit::publish(&mut conn, &officer, &call.id, now).unwrap();
    call.id
}

#[actix_web::test]
async fn a_person_becomes_ombud_of_a_new_organisation_after_a_supplement_and_applies_for_it() {
    let app = spawn_app().await;
    // Maria has logged in with e-legitimation before: her number is kept masked (and
    // hashed). No e-mail may ever carry it.
    execute(
        &mut app.conn(),
        "UPDATE users SET pin_hash = 'prov-hash', pin_masked = '19800101-****' WHERE email = 'blivande.ombud@sormland.example'",
    )
    .unwrap();
    let maria = logged_in(&app, MARIA).await;

    // The start page leads a person without an organisation to the ombudsansökan.
    let (status, home) = get(&app, &maria, "/").await;
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("href=\"/ombudsansokan\""), "{home}");
    let (status, form) = get(&app, &maria, "/ombudsansokan/ny").await;
    assert_eq!(status, 200);
    assert!(form.contains("Tecknar du själv organisationens firma?"));
    assert!(
        form.contains(&format!("value=\"{MARIA}\"")),
        "contact prefilled"
    );

    // She files for a municipality the register does not know, with a power of attorney.
    let delegation = pdf(2_000);
    let power = pdf(2_500);
    let (status, location) = file(
        &app,
        &maria,
        &testby("nej"),
        &[
            ("doc_delegation", "delegationsordning.pdf", &delegation),
            ("doc_power_of_attorney", "fullmakt.pdf", &power),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(location.ends_with("?klart=inskickad"));
    let id = id_from(&location);
    let filed = request(&app, &id);
    assert_eq!(filed.reference, "OMB-2020-0001");
    assert_eq!(filed.status.as_str(), "submitted");
    assert_eq!(filed.filed_method.as_str(), "password");
    assert_eq!(filed.organisation_id, None, "not in the register yet");
    assert!(!filed.signs_for_organisation);
    assert_eq!(counts(&app)[..4], [1, 1, 2, 0]);
    let (_, page) = get(&app, &maria, &location).await;
    assert!(page.contains("Din ombudsansökan är inskickad"));
    assert!(page.contains("delegationsordning.pdf") && page.contains("fullmakt.pdf"));
    assert_eq!(app.audit_events("ombud_request.submitted").len(), 1);
    let receipt = mail_to(&app, "maria.oberg@testby.example");
    assert_eq!(receipt.len(), 1);
    assert!(receipt[0].subject.contains("OMB-2020-0001"));

    // The officer finds it in the queue and asks for a supplement.
    let officer = logged_in(&app, OFFICER).await;
    let (status, queue) = get(&app, &officer, "/ombudsansokningar").await;
    assert_eq!(status, 200);
    assert!(queue.contains("OMB-2020-0001") && queue.contains("Testby kommun"));
    let (status, nav) = get(&app, &officer, "/").await;
    assert_eq!(status, 200);
    assert!(nav.contains("href=\"/ombudsansokningar\""));
    let case = format!("/ombudsansokningar/{id}");
    let (status, case_page) = get(&app, &officer, &case).await;
    assert_eq!(status, 200);
    assert!(case_page.contains("finns inte i registret"));
    // The officer opens the documents.
    let (status, bytes) = download(
        &app,
        &officer,
        &format!(
            "/ombudsansokan/{id}/dokument/{}",
            statsbidrag::db::ombud_requests::documents_of(&mut app.conn(), &id).unwrap()[0].id
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, delegation);
    let (status, location) = post_form(
        &app,
        &officer,
        &case,
        &format!("{case}/komplettering"),
        &[(
            "message",
            "Bifoga kommunstyrelsens protokoll om delegationen.",
        )],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(request(&app, &id).status.as_str(), "supplement_requested");
    assert_eq!(count(&app, "ombud_request_letters"), 1);
    let asked = mail_to(&app, "maria.oberg@testby.example");
    assert_eq!(asked.len(), 2);
    assert!(asked[1].subject.contains("Komplettering begärs"));

    // She reads what is asked, adds a document and a reply, and sends it in again.
    let page_path = format!("/ombudsansokan/{id}");
    let (_, page) = get(&app, &maria, &page_path).await;
    assert!(page.contains("Bifoga kommunstyrelsens protokoll om delegationen."));
    assert!(page.contains("Skicka in kompletteringen"));
    let (status, letter) = download(&app, &maria, &letter_links(&page)[0]).await;
    assert_eq!(status, 200);
    assert!(letter.starts_with(b"%PDF-"));
    let minutes = pdf(3_000);
    let (status, location) = post_multipart(
        &app,
        &maria,
        &page_path,
        &format!("{page_path}/komplettera"),
        &[("reply", "Här är protokollet från kommunstyrelsen.")],
        &[("doc_other", "protokoll.pdf", &minutes)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let again = request(&app, &id);
    assert_eq!(again.status.as_str(), "submitted");
    assert_eq!(counts(&app)[..4], [1, 3, 3, 1]);
    let documents = statsbidrag::db::ombud_requests::documents_of(&mut app.conn(), &id).unwrap();
    assert_eq!(
        documents.iter().map(|d| d.round).collect::<Vec<_>>(),
        [1, 1, 2],
        "the supplement adds a round; the first documents stay"
    );

    // The officer approves, confirming the number (typed without the dash) and the kind.
    let (status, location) = post_form(
        &app,
        &officer,
        &case,
        &format!("{case}/godkann"),
        &[
            ("org_number", "2120002718"),
            ("org_name", "Testby kommun"),
            ("org_kind", "municipality"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let approved = request(&app, &id);
    assert_eq!(approved.status.as_str(), "approved");
    let organisation =
        statsbidrag::db::organisations::find_by_number(&mut app.conn(), TESTBY_ORGNR)
            .unwrap()
            .unwrap();
    assert_eq!(
        approved.organisation_id.as_deref(),
        Some(organisation.id.as_str())
    );
    assert_eq!(organisation.name, "Testby kommun");
    assert_eq!(organisation.kind.as_str(), "municipality");
    assert_eq!(organisation.number_status.as_str(), "confirmed");
    assert!(organisation.number_source.contains("OMB-2020-0001"));
    assert!(organisation.number_source.contains("Karin Lindqvist"));
    let person = user(&app, MARIA);
    assert_eq!(
        person.organisation_id.as_deref(),
        Some(organisation.id.as_str())
    );
    assert_eq!(person.org_role, Some(OrgRole::Ombud));
    assert_eq!(app.audit_events("ombud_request.approved").len(), 1);
    let created = app.audit_events("organisation.created");
    let created: Vec<_> = created
        .iter()
        .filter(|e| e.entity_id.as_deref() == Some(organisation.id.as_str()))
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor_email.as_deref(), Some(OFFICER));

    // Her page has the decision letter, which says she is the ombud.
    let (_, page) = get(&app, &maria, &page_path).await;
    let links = letter_links(&page);
    assert_eq!(links.len(), 2);
    let (status, letter) = download(&app, &maria, &links[1]).await;
    assert_eq!(status, 200);
    let text = extract_pages(&letter).join(" ");
    assert!(text.contains("Beslut om ombud för Testby kommun"), "{text}");
    assert!(text.contains("212000-2718"), "{text}");
    assert!(!text.contains("19800101"));

    // Every e-mail says what happened and links to the service, never with her number.
    let mails = mail_to(&app, "maria.oberg@testby.example");
    assert_eq!(mails.len(), 4);
    let approval = &mails[3];
    assert!(approval.subject.contains("du är ombud för Testby kommun"));
    assert!(
        approval
            .body_text
            .contains(&format!("https://statsbidrag.example/ombudsansokan/{id}"))
    );
    for mail in &mails {
        assert!(
            !mail.body_text.contains("19800101") && !mail.subject.contains("19800101"),
            "{}",
            mail.body_text
        );
    }

    // As the ombud she starts an application in an open call for municipalities and
    // submits it.
    let call_id = municipal_call(&app);
    let (_, call_page) = get(&app, &maria, &format!("/utlysningar/{call_id}")).await;
    let response = maria
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&call_page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit_path = response.headers()["location"].to_str().unwrap().to_string();
    let application_id = edit_path.split('/').nth(2).unwrap().to_string();
    let (status, location) = post_form(
        &app,
        &maria,
        &edit_path,
        &edit_path,
        &[
            ("project_title", "Testbys plan"),
            ("answers.1", "Maria skrev planen."),
            ("budget_present", "1"),
            ("budget.2021.personal", "400000"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let confirm = format!("/ansokningar/{application_id}/skicka-in");
    let (status, location) = post_form(&app, &maria, &confirm, &confirm, &[]).await;
    assert_eq!(status, 303, "{location}");
    let submitted = app
        .audit_events("application.submitted")
        .into_iter()
        .filter(|e| e.entity_id.as_deref() == Some(application_id.as_str()))
        .count();
    assert_eq!(submitted, 1);
}

#[actix_web::test]
async fn a_later_approved_request_replaces_the_ombud_who_becomes_a_representative() {
    let app = spawn_app().await;
    // Region Skåne's ombud is logged in in a browser of her own.
    let sara = logged_in(&app, SKANE).await;
    let skane = statsbidrag::db::organisations::find_by_number(&mut app.conn(), SKANE_ORGNR)
        .unwrap()
        .unwrap();
    let people = format!("/organisationer/{}/personer", skane.id);
    assert_eq!(get(&app, &sara, &people).await.0, 200);

    // Region Skåne's representative applies to become its ombud: allowed, the form starts
    // from the organisation.
    let jonas = logged_in(&app, JONAS).await;
    let (_, form) = get(&app, &jonas, "/ombudsansokan/ny").await;
    assert!(form.contains(&format!("value=\"{SKANE_ORGNR}\"")), "{form}");
    let delegation = pdf(2_000);
    let (status, location) = file(
        &app,
        &jonas,
        &[
            ("org_number", SKANE_ORGNR),
            ("org_name", "Region Skåne"),
            ("org_kind", "region"),
            ("signs_for_organisation", "ja"),
            ("contact_email", JONAS),
        ],
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let id = id_from(&location);
    assert_eq!(
        request(&app, &id).organisation_id.as_deref(),
        Some(skane.id.as_str())
    );

    // The officer sees who would be replaced, and approves (the register has the region).
    let officer = logged_in(&app, OFFICER).await;
    let case = format!("/ombudsansokningar/{id}");
    let (_, case_page) = get(&app, &officer, &case).await;
    assert!(
        case_page.contains("Sara Persson"),
        "the current ombud is shown"
    );
    let (status, location) =
        post_form(&app, &officer, &case, &format!("{case}/godkann"), &[]).await;
    assert_eq!(status, 303, "{location}");

    let new_ombud = statsbidrag::db::accounts::ombud_of(&mut app.conn(), &skane.id)
        .unwrap()
        .unwrap();
    assert_eq!(new_ombud.email, JONAS);
    let earlier = user(&app, SKANE);
    assert_eq!(earlier.organisation_id.as_deref(), Some(skane.id.as_str()));
    assert_eq!(earlier.org_role, Some(OrgRole::Representative));

    // Her sessions ended at once: her old cookie gets the login page.
    let response = sara.get(app.url(&people)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/logga-in")
    );
    let replaced = app.audit_events("organisation.ombud_replaced");
    assert_eq!(replaced.len(), 1);
    assert!(replaced[0].summary.contains("Sara Persson"));
    let told = mail_to(&app, SKANE);
    assert_eq!(told.len(), 1);
    assert!(told[0].subject.contains("nytt ombud"));
    assert!(told[0].body_text.contains("representant"));
    let approved = mail_to(&app, JONAS);
    assert!(approved.iter().any(|m| m.subject.contains("du är ombud")));

    // She logs in again as a representative: she may still work, but not manage
    // representatives.
    let sara = logged_in(&app, SKANE).await;
    let (status, page) = get(&app, &sara, &people).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&format!("/organisationer/{}/ta-bort", skane.id)));
}

#[actix_web::test]
async fn the_officer_writes_a_request_off_with_the_reason_in_a_letter_and_an_email() {
    let app = spawn_app().await;
    let maria = logged_in(&app, MARIA).await;
    let delegation = pdf(2_000);
    let (status, location) = file(
        &app,
        &maria,
        &testby("ja"),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let id = id_from(&location);

    // A new request is refused while this one is handled.
    let (_, form) = get(&app, &maria, "/ombudsansokan/ny").await;
    assert!(form.contains("Du har redan en ombudsansökan som handläggs"));

    let officer = logged_in(&app, OFFICER).await;
    let case = format!("/ombudsansokningar/{id}");
    // Without a reason: refused beside the field, nothing stored.
    let before = counts(&app);
    let (status, page) = post_form(
        &app,
        &officer,
        &case,
        &format!("{case}/avskriv"),
        &[("reason", "  ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "reason").contains("Skriv skälet"));
    assert_eq!(counts(&app), before);

    let reason = "Delegationsordningen ger inte sekreteraren rätt att företräda kommunen.";
    let (status, location) = post_form(
        &app,
        &officer,
        &case,
        &format!("{case}/avskriv"),
        &[("reason", reason)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let written_off = request(&app, &id);
    assert_eq!(written_off.status.as_str(), "written_off");
    assert!(written_off.decided_at.is_some());
    assert_eq!(user(&app, MARIA).organisation_id, None);
    assert_eq!(app.audit_events("ombud_request.written_off").len(), 1);

    // The letter gives the reason; the e-mail says what happened and where to read it.
    let (_, page) = get(&app, &maria, &format!("/ombudsansokan/{id}")).await;
    assert!(page.contains("Avskriven"));
    let links = letter_links(&page);
    assert_eq!(links.len(), 1);
    let (status, letter) = download(&app, &maria, &links[0]).await;
    assert_eq!(status, 200);
    let text = extract_pages(&letter).join(" ");
    assert!(text.contains("avskriver"), "{text}");
    assert!(
        text.contains("Delegationsordningen ger inte sekreteraren"),
        "{text}"
    );
    let mails = mail_to(&app, "maria.oberg@testby.example");
    let told = mails.last().unwrap();
    assert!(told.subject.contains("avskriven"));
    assert!(
        told.body_text
            .contains(&format!("https://statsbidrag.example/ombudsansokan/{id}"))
    );

    // A decided request is handled no more.
    let (status, _) = post_form(
        &app,
        &officer,
        &case,
        &format!("{case}/komplettering"),
        &[("message", "Något mer")],
    )
    .await;
    assert_eq!(status, 409);

    // She may file a new one now.
    let (_, form) = get(&app, &maria, "/ombudsansokan/ny").await;
    assert!(form.contains("Skicka in ombudsansökan"));
}

#[actix_web::test]
async fn a_form_that_breaks_a_rule_stores_nothing_and_comes_back_as_typed() {
    let app = spawn_app().await;
    let maria = logged_in(&app, MARIA).await;
    let delegation = pdf(2_000);
    let before = counts(&app);

    let with = |field: &'static str, value: &'static str| {
        let mut fields = testby("ja");
        for f in fields.iter_mut() {
            if f.0 == field {
                f.1 = value;
            }
        }
        fields
    };

    // A number whose check digit is wrong.
    let (status, page) = file(
        &app,
        &maria,
        &with("org_number", "212000-2719"),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "org_number").contains("kontrollsiffran"));
    assert!(page.contains("aria-describedby=\"org_number-hint org_number-fel\""));
    assert!(page.contains("value=\"212000-2719\""), "typed values kept");
    assert!(page.contains("value=\"Testby kommun\""));
    assert!(page.contains("Jag är kommunens nämndsekreterare."));
    // The file has to be chosen again: said beside it.
    assert!(message_beside(&page, "doc_delegation").contains("Välj den igen"));
    assert_eq!(counts(&app), before);

    // No name.
    let (status, page) = file(
        &app,
        &maria,
        &with("org_name", " "),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "org_name").contains("Ange organisationens namn"));
    assert_eq!(counts(&app), before);

    // No documents: the municipality's delegation is missing.
    let (status, page) = file(&app, &maria, &testby("ja"), &[]).await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "doc_delegation").contains("delegationsordningen"));
    assert_eq!(counts(&app), before);
    // No documents and no kind chosen.
    let (status, page) = file(&app, &maria, &with("org_kind", ""), &[]).await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "org_kind").contains("Välj vilken sorts organisation"));
    assert!(message_beside(&page, "documents").contains("Bifoga"));
    assert_eq!(counts(&app), before);

    // A file that is not a PDF.
    let (status, page) = file(
        &app,
        &maria,
        &testby("ja"),
        &[("doc_delegation", "delegation.pdf", b"inte en pdf alls")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "doc_delegation").contains("inte en läsbar PDF"));
    assert_eq!(counts(&app), before);

    // Not signing for the organisation, and no power of attorney.
    let (status, page) = file(
        &app,
        &maria,
        &testby("nej"),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(message_beside(&page, "doc_power_of_attorney").contains("fullmakt"));
    assert!(
        page.contains("id=\"signs-nej\" name=\"signs_for_organisation\" value=\"nej\" checked")
    );
    assert_eq!(counts(&app), before);
    assert!(app.audit_events("ombud_request.submitted").is_empty());
}

#[actix_web::test]
async fn refusals_are_answered_and_recorded() {
    let app = spawn_app().await;
    let maria = logged_in(&app, MARIA).await;
    let delegation = pdf(2_000);
    let (status, location) = file(
        &app,
        &maria,
        &testby("ja"),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let id = id_from(&location);
    let case = format!("/ombudsansokningar/{id}");
    let denied_by = |email: &str| {
        app.audit_events("access.denied")
            .iter()
            .filter(|e| e.actor_email.as_deref() == Some(email))
            .count()
    };

    // An applicant cannot handle a request: someone else's is not found, her own refused.
    let sara = logged_in(&app, SKANE).await;
    let (_, home) = get(&app, &sara, "/").await;
    let response = sara
        .post(app.url(&format!("{case}/godkann")))
        .form(&[("csrf_token", csrf_from(&home).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(denied_by(SKANE), 1);
    let (_, own) = get(&app, &maria, &format!("/ombudsansokan/{id}")).await;
    let response = maria
        .post(app.url(&format!("{case}/godkann")))
        .form(&[("csrf_token", csrf_from(&own).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(denied_by(MARIA), 1);

    // Someone else's request page and its documents: 404, recorded.
    let (status, page) = get(&app, &sara, &format!("/ombudsansokan/{id}")).await;
    assert_eq!(status, 404);
    assert!(!page.contains("Testby kommun"));
    let document = statsbidrag::db::ombud_requests::documents_of(&mut app.conn(), &id).unwrap()[0]
        .id
        .clone();
    let (status, _) = download(
        &app,
        &sara,
        &format!("/ombudsansokan/{id}/dokument/{document}"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(denied_by(SKANE), 3);

    // The administrator manages accounts, not requests: refused, recorded.
    let admin = logged_in(&app, ADMIN).await;
    let (_, admin_page) = get(&app, &admin, "/admin").await;
    let response = admin
        .post(app.url(&format!("{case}/godkann")))
        .form(&[
            ("csrf_token", csrf_from(&admin_page).as_str()),
            ("org_number", TESTBY_ORGNR),
            ("org_name", "Testby kommun"),
            ("org_kind", "municipality"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(denied_by(ADMIN), 1);
    assert_eq!(request(&app, &id).status.as_str(), "submitted");
    assert_eq!(get(&app, &admin, "/ombudsansokningar").await.0, 403);

    // A person who acts for another organisation cannot file for this one.
    let before = counts(&app);
    let johan = logged_in(&app, VGR).await;
    let (status, page) = file(
        &app,
        &johan,
        &[
            ("org_number", SKANE_ORGNR),
            ("org_name", "Region Skåne"),
            ("org_kind", "region"),
            ("signs_for_organisation", "ja"),
            ("contact_email", VGR),
        ],
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        page.contains("Du företräder redan Västra Götalandsregionen"),
        "{page}"
    );
    assert!(page.contains("ett konto kan bara företräda en organisation"));
    assert_eq!(counts(&app), before);
    assert_eq!(denied_by(VGR), 1);

    // The agency's staff cannot file one.
    let officer = logged_in(&app, OFFICER).await;
    let (status, page) = get(&app, &officer, "/ombudsansokan/ny").await;
    assert_eq!(status, 403);
    assert!(page.contains("Myndighetens personal kan inte ansöka"));
    assert_eq!(denied_by(OFFICER), 1);
}

#[actix_web::test]
async fn what_was_filed_never_changes_in_the_database() {
    let app = spawn_app().await;
    let maria = logged_in(&app, MARIA).await;
    let delegation = pdf(2_000);
    let (status, location) = file(
        &app,
        &maria,
        &testby("ja"),
        &[("doc_delegation", "delegation.pdf", &delegation)],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let id = id_from(&location);
    let mut conn = app.conn();
    // Every column of the tables as `schema.rs` names them.
    use diesel::QueryDsl;
    use statsbidrag::db::schema::{
        ombud_request_counters, ombud_request_documents, ombud_request_letters,
        ombud_request_steps, ombud_requests,
    };
    ombud_requests::table
        .select(ombud_requests::all_columns)
        .limit(1)
        .execute(&mut *conn)
        .unwrap();
    ombud_request_steps::table
        .select(ombud_request_steps::all_columns)
        .limit(1)
        .execute(&mut *conn)
        .unwrap();
    ombud_request_documents::table
        .select(ombud_request_documents::all_columns)
        .limit(1)
        .execute(&mut *conn)
        .unwrap();
    ombud_request_letters::table
        .select(ombud_request_letters::all_columns)
        .limit(1)
        .execute(&mut *conn)
        .unwrap();
    ombud_request_counters::table
        .select(ombud_request_counters::all_columns)
        .limit(1)
        .execute(&mut *conn)
        .unwrap();

    for statement in [
        format!("UPDATE ombud_requests SET org_name = 'Annan kommun' WHERE id = '{id}'"),
        format!("DELETE FROM ombud_request_documents WHERE request_id = '{id}'"),
        format!("UPDATE ombud_request_steps SET message = 'ändrat' WHERE request_id = '{id}'"),
        format!("DELETE FROM ombud_requests WHERE id = '{id}'"),
    ] {
        assert!(
            execute(&mut conn, &statement).is_err(),
            "refused: {statement}"
        );
    }
    assert_eq!(request(&app, &id).org_name, "Testby kommun");
}
