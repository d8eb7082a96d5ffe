//! The forms on the case page and the application's journey as people meet them (issue 13):
//! a refused officer's form comes back like the applicant's ("Fel:" in the title, each field
//! marked and described by its message, a summary linking to the fields, everything typed
//! kept); a form that worked leaves a confirmation shown once; the application's steps, the
//! report form's contents, which button moves forward, call badges, numbers written one way,
//! and the case's payments in plain words.

use crate::decisions::{account, api_login, send, small_call, submitted};
use crate::helpers::{OFFICER, PASSWORD, SKANE, TestApp, new_client, spawn_app, spawn_app_at};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

type Fields = Vec<(String, String)>;

/// A browser of its own, logged in as `email`.
async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let page = text(&client, app, "/logga-in").await.1;
    let response = client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
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

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Sends a form that should succeed; where it leads.
async fn post_redirect(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> String {
    let response = post(client, app, path, fields).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 303, "POST {path}: {}", main_of(&body));
    location
}

fn csrf_of(html: &str) -> String {
    crate::helpers::csrf_from(html)
}

fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap_or(0);
    &html[start..html.len().min(start + 4000)]
}

fn title_of(html: &str) -> &str {
    let start = html.find("<title>").unwrap() + "<title>".len();
    &html[start..start + html[start..].find("</title>").unwrap()]
}

fn unescape(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// What a browser sends for the form with this action: inputs (checked ones only for boxes
/// and radios) and text areas.
fn form_fields(html: &str, action: &str) -> Fields {
    let marker = format!("action=\"{action}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no form for {action}: {}", main_of(html)));
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with("<input") {
            let tag = &rest[..rest.find('>').unwrap()];
            if let Some(name) = attr(tag, "name") {
                let value = unescape(attr(tag, "value").unwrap_or(""));
                match attr(tag, "type").unwrap_or("text") {
                    "checkbox" | "radio" => {
                        if tag.contains(" checked") {
                            fields.push((name.to_string(), value));
                        }
                    }
                    "submit" | "file" => {}
                    _ => fields.push((name.to_string(), value)),
                }
            }
        } else if rest.starts_with("<textarea") {
            let open = rest.find('>').unwrap();
            let close = rest.find("</textarea>").unwrap();
            let name = attr(&rest[..open], "name").unwrap();
            fields.push((name.to_string(), unescape(&rest[open + 1..close])));
            rest = &rest[close..];
        }
        rest = &rest[1..];
    }
    fields
}

fn set(fields: &mut Fields, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(field) => field.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The opening tag of the element with this id.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!(" id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element with id {id}: {}", main_of(html)));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap() + 1]
}

/// A field marked as wrong the accessible way: `aria-invalid`, described by its message,
/// which is on the page; and the summary at the top links to it.
fn assert_marked(html: &str, field_id: &str, message_part: &str) {
    let field = tag_with_id(html, field_id);
    assert!(field.contains("aria-invalid=\"true\""), "{field}");
    let described = attr(field, "aria-describedby").unwrap_or_else(|| panic!("{field}"));
    let message = tag_with_id(html, described);
    assert!(message.contains("field-error"), "{message}");
    let summary = &html[html
        .find("class=\"error-summary\"")
        .expect("an error summary")..];
    let summary = &summary[..summary.find("</div>").unwrap()];
    assert!(
        summary.contains(&format!("href=\"#{field_id}\""))
            || summary.contains(&format!("href=\"#{}\"", described.trim_end_matches("-fel"))),
        "the summary links to {field_id}: {summary}"
    );
    assert!(
        unescape(&html.replace('\u{a0}', " ")).contains(message_part),
        "{message_part}: {}",
        main_of(html)
    );
}

/// An application submitted by Region Jönköpings län to a small open call, for the officer
/// to work on.
async fn submitted_case(app: &TestApp) -> String {
    let call_id = small_call(app, "1000000");
    let applicant = account(app, "a@jonkoping.example", "applicant", Some("232100-0057"));
    submitted(app, &applicant, &call_id, "500000")
}

#[actix_web::test]
async fn an_officers_refused_assessment_comes_back_marked_and_as_typed() {
    let app = spawn_app().await;
    let id = submitted_case(&app).await;
    let case = format!("/ansokningar/{id}");
    let action = format!("{case}/bedomning");
    let officer = browser(&app, OFFICER).await;
    let (status, page) = text(&officer, &app, &case).await;
    assert_eq!(status, 200);
    assert!(!title_of(&page).starts_with("Fel:"));

    // A comment but no rating: refused, the comment kept, the rating's group marked.
    let typed = "Förankringen hos <SiS> & regionen är oklar.";
    let mut fields = form_fields(&page, &action);
    set(&mut fields, "ratings.1.comment", typed);
    let response = post(&officer, &app, &action, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "), "{}", title_of(&page));
    assert_marked(&page, "rating-1-met", "Välj en bedömning");
    assert_eq!(
        value(&form_fields(&page, &action), "ratings.1.comment"),
        Some(typed),
        "the comment comes back as typed"
    );
    assert!(!page.contains(&format!("{typed}<")), "escaped, never raw");

    // A rating short of "met" without a reason: the rating stays chosen, the comment marked.
    let mut fields = form_fields(&page, &action);
    set(&mut fields, "ratings.1.rating", "partly");
    set(&mut fields, "ratings.1.comment", "");
    let response = post(&officer, &app, &action, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "));
    assert_marked(&page, "ratings.1.comment", "Motivera en bedömning");
    assert!(tag_with_id(&page, "rating-1-partly").contains(" checked"));

    // Put right, it is saved, confirmed once, and the form starts from what was saved.
    let mut fields = form_fields(&page, &action);
    set(&mut fields, "ratings.1.comment", typed);
    assert_eq!(post_redirect(&officer, &app, &action, &fields).await, case);
    let (_, page) = text(&officer, &app, &case).await;
    assert!(page.contains("role=\"status\">Bedömningen är sparad.</p>"));
    assert!(!title_of(&page).starts_with("Fel:"));
    assert!(tag_with_id(&page, "rating-1-partly").contains(" checked"));
    assert_eq!(
        value(&form_fields(&page, &action), "ratings.1.comment"),
        Some(typed)
    );
}

#[actix_web::test]
async fn the_supplement_proposal_and_preparation_forms_keep_what_was_typed() {
    let app = spawn_app().await;
    let id = submitted_case(&app).await;
    let case = format!("/ansokningar/{id}");
    let officer = browser(&app, OFFICER).await;

    // A supplement request with a day that does not exist.
    let (_, page) = text(&officer, &app, &case).await;
    let request = format!("{case}/begar-komplettering");
    let asked = "Beskriv förankringen hos SiS.";
    let mut fields = form_fields(&page, &request);
    set(&mut fields, "message", asked);
    set(&mut fields, "due_on", "2020-02-30");
    let response = post(&officer, &app, &request, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "));
    assert_marked(&page, "due_on", "år-månad-dag");
    let again = form_fields(&page, &request);
    assert_eq!(value(&again, "message"), Some(asked));
    assert_eq!(value(&again, "due_on"), Some("2020-02-30"));

    // The officer assesses through the API, then proposes more than was asked for.
    let api = new_client();
    let csrf = api_login(&app, &api, OFFICER).await;
    let (status, body) = send(
        &api,
        reqwest::Method::PUT,
        app.url(&format!("/api/v1/applications/{id}/assessment")),
        &csrf,
        serde_json::json!({"ratings": [{"criterion": 1, "rating": "met", "comment": ""}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = text(&officer, &app, &case).await;
    let propose = format!("{case}/forslag");
    let reasons = "Väl förankrat; beloppet bör ändå prövas.";
    let mut fields = form_fields(&page, &propose);
    set(&mut fields, "recommendation", "partial");
    set(&mut fields, "amounts.2021", "600 000");
    set(&mut fields, "reasons", reasons);
    let response = post(&officer, &app, &propose, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "));
    assert_marked(&page, "amounts.2021", "högre än det sökta");
    let again = form_fields(&page, &propose);
    assert_eq!(value(&again, "reasons"), Some(reasons));
    assert_eq!(value(&again, "recommendation"), Some("partial"));
    assert_eq!(value(&again, "amounts.2021"), Some("600 000"));

    // Proposed within what was asked: confirmed.
    let mut fields = again;
    set(&mut fields, "amounts.2021", "400 000");
    assert_eq!(post_redirect(&officer, &app, &propose, &fields).await, case);
    let (_, page) = text(&officer, &app, &case).await;
    assert!(page.contains("role=\"status\">Förslaget är sparat.</p>"));

    // The letter's reasons, far too long: the message is beside this form's field (the
    // rules call it "reasons", as the proposal's), in thousands with no-break spaces.
    let prepare = format!("{case}/bered-beslut");
    let long = "x".repeat(8001);
    let mut fields = form_fields(&page, &prepare);
    set(&mut fields, "prepare_reasons", &long);
    let response = post(&officer, &app, &prepare, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "));
    assert_marked(&page, "prepare_reasons", "8 001 tecken, högst 8 000");
    assert!(page.contains("8\u{a0}001 tecken, högst 8\u{a0}000"));
    assert!(
        !tag_with_id(&page, "reasons").contains("aria-invalid"),
        "the proposal's field is not the one marked"
    );
    assert_eq!(
        value(&form_fields(&page, &prepare), "prepare_reasons"),
        Some(long.as_str())
    );
    let mut fields = form_fields(&page, &prepare);
    set(&mut fields, "prepare_reasons", "");
    assert_eq!(post_redirect(&officer, &app, &prepare, &fields).await, case);
    let (_, page) = text(&officer, &app, &case).await;
    assert!(page.contains("role=\"status\">Beslutet är berett."));
}

#[actix_web::test]
async fn signing_confirms_once_and_the_api_is_left_alone() {
    let app = spawn_app().await;
    let id = submitted_case(&app).await;
    let case = format!("/ansokningar/{id}");
    let api = new_client();
    let csrf = api_login(&app, &api, OFFICER).await;
    let decision = crate::decisions::prepared(&app, &api, &csrf, &id, "grant", "500000").await;

    let maker = browser(&app, DECISION_MAKER).await;
    let (status, page) = text(&maker, &app, &case).await;
    assert_eq!(status, 200);
    assert!(!page.contains("class=\"flash\""), "nothing to confirm yet");
    let sign = format!("/beslut/{decision}/fatta");
    let fields = form_fields(&page, &sign);
    assert_eq!(post_redirect(&maker, &app, &sign, &fields).await, case);

    // A JSON read in between neither shows nor spends the confirmation.
    let response = maker
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(!body.to_string().contains("Beslutsbrevet är skapat"));

    let confirmation = "Beslutet är fattat. Beslutsbrevet är skapat.";
    let (status, page) = text(&maker, &app, &case).await;
    assert_eq!(status, 200);
    assert_eq!(page.matches(confirmation).count(), 1, "{}", main_of(&page));
    let region = &page[page.find("class=\"flash\"").unwrap()..];
    assert!(region.starts_with("class=\"flash\" role=\"status\">"));
    let main = page.find("<main").unwrap();
    assert!(page.find("class=\"flash\"").unwrap() > main);
    assert!(page.find("class=\"flash\"").unwrap() < page.find("<h1").unwrap());

    let (_, reload) = text(&maker, &app, &case).await;
    assert!(!reload.contains(confirmation), "shown once only");
}

#[actix_web::test]
async fn the_application_shows_its_steps_and_the_forward_button_is_the_primary_one() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let applicant = browser(&app, "a@jonkoping.example").await;
    let (_, call_page) = text(&applicant, &app, &format!("/utlysningar/{call_id}")).await;
    let start = format!("/utlysningar/{call_id}/ansok");
    let edit = post_redirect(&applicant, &app, &start, &form_fields(&call_page, &start)).await;
    let id = edit
        .trim_start_matches("/ansokningar/")
        .trim_end_matches("/redigera")
        .to_string();

    // 1 Fill in: the current step; the confirmation of the start shows once.
    let (status, page) = text(&applicant, &app, &edit).await;
    assert_eq!(status, 200);
    assert!(page.contains("role=\"status\">Ansökan är påbörjad."));
    assert_current_step(&page, "Fyll i");
    assert!(page.contains(
        "<button type=\"submit\" name=\"action\" value=\"submit\" class=\"button\">Spara och granska inför inskickning</button>"
    ));
    assert!(page.contains(
        "<button type=\"submit\" name=\"action\" value=\"save\" class=\"button secondary\">Spara utkast</button>"
    ));
    let (_, again) = text(&applicant, &app, &edit).await;
    assert!(!again.contains("Ansökan är påbörjad."));

    // On the case page, review and submit is the way forward.
    let (_, case) = text(&applicant, &app, &format!("/ansokningar/{id}")).await;
    assert!(case.contains(&format!(
        "<a class=\"button\" href=\"/ansokningar/{id}/skicka-in\">Granska och skicka in</a>"
    )));
    assert!(case.contains(&format!(
        "<a class=\"button secondary\" href=\"/ansokningar/{id}/redigera\">Fortsätt med utkastet</a>"
    )));

    // 2 Review.
    let (status, page) = text(&applicant, &app, &format!("/ansokningar/{id}/skicka-in")).await;
    assert_eq!(status, 200);
    assert_current_step(&page, "Granska");
    assert!(page.contains("class=\"button secondary\" href=\"/ansokningar/"));

    // The receipt: all three done, the last where one stands.
    let other = account(&app, "a@uppsala.example", "applicant", Some("232100-0024"));
    let sent = submitted(&app, &other, &call_id, "100000");
    let uppsala = browser(&app, "a@uppsala.example").await;
    let (status, page) = text(&uppsala, &app, &format!("/ansokningar/{sent}/kvitto")).await;
    assert_eq!(status, 200);
    assert_current_step(&page, "Skicka in");
    let steps = &page[page.find("<ol class=\"steps\"").unwrap()..];
    let steps = &steps[..steps.find("</ol>").unwrap()];
    assert_eq!(steps.matches("(klart)").count(), 3, "{steps}");
}

/// The step indicator is an ordered list whose current step, and only it, is marked.
fn assert_current_step(page: &str, name: &str) {
    let start = page
        .find("<ol class=\"steps\"")
        .unwrap_or_else(|| panic!("no steps: {}", main_of(page)));
    let steps = &page[start..];
    let steps = &steps[..steps.find("</ol>").unwrap()];
    assert_eq!(steps.matches("aria-current=\"step\"").count(), 1, "{steps}");
    let current = &steps[steps.find("aria-current=\"step\"").unwrap()..];
    let current = &current[..current.find("</li>").unwrap()];
    assert!(current.contains(name), "{current}");
    for other in ["Fyll i", "Granska", "Skicka in"] {
        assert!(steps.contains(other), "{steps}");
    }
}

#[actix_web::test]
async fn the_report_form_has_contents_and_a_forward_button() {
    let app = spawn_app_at("2022-02-01T09:00:00Z".parse().unwrap()).await;
    let skane = browser(&app, SKANE).await;
    let (status, page) = text(&skane, &app, "/aterrapporter").await;
    assert_eq!(status, 200);
    let start = "/aterrapporter/starta";
    // The first start form: Region Skåne's grant, for 2021.
    let mut fields = form_fields(&page, start);
    set(&mut fields, "year", "2021");
    let edit = post_redirect(&skane, &app, start, &fields).await;
    let (status, page) = text(&skane, &app, &edit).await;
    assert_eq!(status, 200, "{}", main_of(&page));
    assert!(page.contains("role=\"status\">Återrapporteringen är påbörjad."));

    let toc = &page[page.find("<nav class=\"toc\"").expect("contents")..];
    let toc = &toc[..toc.find("</nav>").unwrap()];
    let targets: Vec<&str> = toc
        .split("href=\"#")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(targets.len() >= 4, "{toc}");
    for target in &targets {
        tag_with_id(&page, target);
    }
    for section in ["forvantade-resultat", "personal", "costs"] {
        assert!(targets.contains(&section), "{toc}");
        assert!(tag_with_id(&page, section).starts_with("<h2"));
    }
    assert!(page.contains("Högst 4\u{a0}000 tecken per text."));
    assert!(
        page.contains(
            "value=\"submit\" class=\"button\">Spara och granska inför inlämning</button>"
        )
    );
    assert!(page.contains("value=\"save\" class=\"button secondary\">Spara utkast</button>"));
}

#[actix_web::test]
async fn open_and_closed_calls_have_badges_that_differ_beyond_colour() {
    let app = spawn_app().await;
    let closed = app.call_id().await;
    let open = small_call(&app, "1000000");
    assert_ne!(open, closed);
    let (_, home) = app.get_text("/").await;
    let open_badge = badge(&home, &open);
    let closed_badge = badge(&home, &closed);
    assert!(open_badge.0.contains("status-call-open"), "{open_badge:?}");
    assert!(
        closed_badge.0.contains("status-call-closed"),
        "{closed_badge:?}"
    );
    assert_ne!(open_badge.1, closed_badge.1, "the words differ too");
    let (_, page) = app.get_text(&format!("/utlysningar/{closed}")).await;
    assert!(page.contains(&format!(
        "<span class=\"status status-call-closed\">{}</span>",
        closed_badge.1
    )));
    let (_, css) = app.get_text("/static/app.css").await;
    assert!(css.contains(".status.status-call-open {"));
    assert!(css.contains(".status.status-call-closed {"));
}

/// The class and the text of the badge in the row that links to a call.
fn badge(page: &str, call_id: &str) -> (String, String) {
    let row = &page[page
        .find(&format!("href=\"/utlysningar/{call_id}\""))
        .unwrap_or_else(|| panic!("{call_id} is listed: {}", main_of(page)))..];
    let row = &row[..row.find("</tr>").unwrap()];
    let span = &row[row.find("<span class=\"status ").unwrap()..];
    let class = attr(span, "class").unwrap().to_string();
    let words = &span[span.find('>').unwrap() + 1..span.find("</span>").unwrap()];
    (class, words.to_string())
}

#[actix_web::test]
async fn numbers_of_a_thousand_or_more_are_written_with_a_no_break_space() {
    let app = spawn_app().await;
    let closed = app.call_id().await;
    let (_, page) = app.get_text(&format!("/utlysningar/{closed}")).await;
    assert!(page.contains("Högst 8\u{a0}000 tecken."), "the 2020 call");
    assert!(!page.contains("8000 tecken"));

    // An answer over the small call's limit of 1 000 characters.
    let call_id = small_call(&app, "1000000");
    account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let applicant = browser(&app, "a@jonkoping.example").await;
    let (_, call_page) = text(&applicant, &app, &format!("/utlysningar/{call_id}")).await;
    assert!(call_page.contains("Högst 1\u{a0}000 tecken."));
    let start = format!("/utlysningar/{call_id}/ansok");
    let edit = post_redirect(&applicant, &app, &start, &form_fields(&call_page, &start)).await;
    let (_, page) = text(&applicant, &app, &edit).await;
    assert!(page.contains("Högst 1\u{a0}000 tecken."));
    let mut fields = form_fields(&page, &edit);
    set(&mut fields, "answers.1", &"å".repeat(1234));
    set(&mut fields, "action", "save");
    let response = post(&applicant, &app, &edit, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("1\u{a0}234 tecken, högst 1\u{a0}000 är tillåtna"),
        "{}",
        main_of(&page)
    );
}

#[actix_web::test]
async fn the_case_page_shows_its_payments_in_plain_words() {
    // Mid-2021: the January 2021 payment was made, the 2022 one is still to come.
    let app = spawn_app_at("2021-06-01T09:00:00Z".parse().unwrap()).await;
    let id = app.application_id_of("232100-0255");
    let case = format!("/ansokningar/{id}");
    for who in [SKANE, OFFICER] {
        let person = browser(&app, who).await;
        let (status, page) = text(&person, &app, &case).await;
        assert_eq!(status, 200);
        let section = &page[page
            .find("<h2 id=\"utbetalningar\">Utbetalningar</h2>")
            .unwrap_or_else(|| panic!("{who} sees the payments: {}", main_of(&page)))..];
        let table = &section[..section.find("</table>").unwrap()];
        assert!(table.contains("<th scope=\"col\">Planerad utbetalning</th>"));
        assert!(table.contains(
            "<tr><td>2021-01-01</td><td>2021</td><td class=\"num\">2\u{a0}913\u{a0}808\u{a0}kr</td><td>Utbetald 2021-01-01</td></tr>"
        ), "{table}");
        assert!(table.contains(
            "<tr><td>2022-01-01</td><td>2022</td><td class=\"num\">3\u{a0}363\u{a0}938\u{a0}kr</td><td>Planerad</td></tr>"
        ), "{table}");
        assert!(!table.contains("Förfallodag"));
    }

    // The organisation's own list names the day the same way.
    let skane = browser(&app, SKANE).await;
    let (_, home) = text(&skane, &app, "/").await;
    let org_link = &home[home.find("href=\"/organisationer/").unwrap() + 6..];
    let org_path = &org_link[..org_link.find('"').unwrap()];
    let payments = org_path.replace("/personer", "/utbetalningar");
    let (status, page) = text(&skane, &app, &payments).await;
    assert_eq!(status, 200, "{payments}");
    assert!(page.contains("Planerad utbetalningsdag"));
    assert!(!page.contains("Förfallodag"));
}

#[actix_web::test]
async fn a_refused_received_day_comes_back_beside_its_own_claim() {
    // September 2021: Region Östergötland's grant is revoked after the 2021 payment was
    // made, so the letter claims the money back; a stopped 2022 payment shows as such.
    let app = spawn_app_at("2021-09-01T09:00:00Z".parse().unwrap()).await;
    let grant = crate::changes::grant_of(&app, "232100-0040");
    let api = new_client();
    let csrf = api_login(&app, &api, OFFICER).await;
    let (status, draft) = send(
        &api,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{}/changes", grant.id)),
        &csrf,
        serde_json::json!({"kind": "revocation", "reasons": "Verksamheten har upphört."}),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let maker = new_client();
    let maker_csrf = api_login(&app, &maker, DECISION_MAKER).await;
    let revocation = draft["id"].as_str().unwrap();
    let (status, body) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{revocation}/sign")),
        &maker_csrf,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claim = statsbidrag::db::reports::claims_of_decision(&mut app.conn(), revocation)
        .unwrap()
        .remove(0);

    let officer = browser(&app, OFFICER).await;
    let case = format!("/ansokningar/{}", grant.application_id.clone().unwrap());
    let (_, page) = text(&officer, &app, &case).await;
    assert!(page.contains("<td>Stoppad</td>"), "{}", main_of(&page));
    let action = format!("/aterkrav/{}/mottaget", claim.id);
    let mut fields = form_fields(&page, &action);
    set(&mut fields, "received_on", "2021-13-01");
    let response = post(&officer, &app, &action, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(title_of(&page).starts_with("Fel: "));
    let field = format!("received_on-{}", claim.id);
    assert_marked(&page, &field, "år-månad-dag");
    assert!(tag_with_id(&page, &field).contains("value=\"2021-13-01\""));

    let mut fields = form_fields(&page, &action);
    set(&mut fields, "received_on", "2021-09-01");
    assert_eq!(post_redirect(&officer, &app, &action, &fields).await, case);
    let (_, page) = text(&officer, &app, &case).await;
    assert!(page.contains("role=\"status\">Inbetalningen är registrerad.</p>"));
}
