//! The grant's story through the pages, as people click it: an officer writes and publishes
//! the call, regions draft, submit and answer a supplement, the officer lists and exports the
//! applications; and what must be refused is refused without losing what was typed.
//!
//! Every write goes through a page's form as a browser would send it: GET the page, read the
//! form's fields (hidden CSRF token, pre-filled values, stored amounts with no-break spaces),
//! change what the person types, POST all of it.

use chrono::{DateTime, Utc};

use crate::helpers::{
    AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, VGR, nbsp, new_client, spawn_app_without_cases,
};

const OSTERGOTLAND: &str = "sokande@ostergotland.example";

const CALL_CODE: &str = "2020-integrerad-vard";
const CALL_TITLE: &str = "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2021–2022";
const CALL_DESCRIPTION: &str = "Socialstyrelsen utlyser statsbidrag till regioner som vill delta i pilotprojektet om integrerad vård för barn och unga som vårdas vid SiS särskilda ungdomshem och som även har stora behov av psykiatrisk vård.";
const SECTION_1: &str = "Förankring i regionen och hos SiS";
const SECTION_2: &str = "Inriktning och avgränsningar";

const SKANE_TITLE: &str = "Integrerad vård vid SiS särskilda ungdomshem Hässleholm";
const SKANE_ANSWER_1: &str = "Utvecklingsarbetet bedrivs i samverkan med SiS särskilda ungdomshem Hässleholm, som tar emot skolpliktiga flickor och pojkar.";
const SKANE_ANSWER_2: &str = "Regionen avser att använda en stor del av 2021 för att utreda och planera förutsättningarna för den integrerade vården.";

/// Region Skåne's budget: 2 913 808 kr for 2021 and 3 301 802 kr for 2022.
const SKANE_BUDGET: &[(&str, &str)] = &[
    ("2021.personal", "2 500 000"),
    ("2021.resor", "113 808"),
    ("2021.utbildning", "200 000"),
    ("2021.ovrigt", "100 000"),
    ("2022.personal", "2 800 000"),
    ("2022.resor", "201 802"),
    ("2022.utbildning", "200 000"),
    ("2022.ovrigt", "100 000"),
];

/// 3 500 000 kr for 2021 and 3 600 000 kr for 2022.
const VGR_BUDGET: &[(&str, &str)] = &[
    ("2021.personal", "3 000 000"),
    ("2021.resor", "150 000"),
    ("2021.utbildning", "250 000"),
    ("2021.ovrigt", "100 000"),
    ("2022.personal", "3 200 000"),
    ("2022.resor", "150 000"),
    ("2022.utbildning", "150 000"),
    ("2022.ovrigt", "100 000"),
];

/// 1 200 000 kr for 2021 and 1 300 000 kr for 2022.
const OSTERGOTLAND_BUDGET: &[(&str, &str)] = &[
    ("2021.personal", "1 000 000"),
    ("2021.resor", "50 000"),
    ("2021.utbildning", "100 000"),
    ("2021.ovrigt", "50 000"),
    ("2022.personal", "1 100 000"),
    ("2022.resor", "50 000"),
    ("2022.utbildning", "100 000"),
    ("2022.ovrigt", "50 000"),
];

fn at(time: &str) -> DateTime<Utc> {
    time.parse().expect("time")
}

type Fields = Vec<(String, String)>;

/// One person at one computer: a cookie jar of their own, redirects not followed.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            client: new_client(),
            base: app.address.clone(),
        }
    }

    async fn logged_in(app: &TestApp, email: &str) -> Browser {
        let browser = Browser::new(app);
        let response = browser.log_in(email, "/").await;
        assert_eq!(response.status().as_u16(), 303, "login of {email}");
        browser
    }

    /// Fills in and sends the login form, asking to come back to `next` afterwards.
    async fn log_in(&self, email: &str, next: &str) -> reqwest::Response {
        let (status, page) = self.get(&format!("/logga-in?next={}", encode(next))).await;
        assert_eq!(status, 200, "login page: {page}");
        let mut fields = form_fields(&page, "/logga-in");
        assert_eq!(
            value(&fields, "next"),
            next,
            "the login form keeps where to go"
        );
        set(&mut fields, "email", email);
        set(&mut fields, "password", PASSWORD);
        self.post("/logga-in", &fields).await
    }

    async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self.get_response(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    async fn post(&self, path: &str, fields: &[(String, String)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    async fn post_text(&self, path: &str, fields: &[(String, String)]) -> (u16, String) {
        let response = self.post(path, fields).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Sends a form that should succeed: a 303 whose target is returned.
    async fn post_redirect(&self, path: &str, fields: &[(String, String)]) -> String {
        let response = self.post(path, fields).await;
        let status = response.status().as_u16();
        if status != 303 {
            let body = response.text().await.unwrap_or_default();
            panic!(
                "POST {path}: expected 303, got {status}: {}",
                error_part(&body)
            );
        }
        location(&response)
    }

    /// Sends the form with this action as the page shows it, unchanged (a button press).
    async fn press(&self, page: &str, action: &str) -> String {
        let fields = form_fields(page, action);
        self.post_redirect(action, &fields).await
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

/// The part of a page worth printing when a step fails: its main content.
fn error_part(html: &str) -> &str {
    match html.find("<main") {
        Some(i) => &html[i..html.len().min(i + 3000)],
        None => &html[..html.len().min(3000)],
    }
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8")
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The value of an attribute in an opening tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// What a browser would send for the form with this action: hidden and text inputs,
/// checked boxes, text areas and the chosen option of each list, in page order. Buttons and
/// file inputs are left out (a test adds `action` itself).
fn form_fields(html: &str, action: &str) -> Fields {
    let marker = format!("action=\"{action}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("the page has no form for {action}: {}", error_part(html)));
    let form = &html[start..];
    let form = &form[..form.find("</form>").expect("end of form")];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with("<input") {
            let tag = &rest[..rest.find('>').expect("end of tag")];
            if let Some(name) = attr(tag, "name") {
                let value = unescape(attr(tag, "value").unwrap_or(""));
                match attr(tag, "type").unwrap_or("text") {
                    "checkbox" | "radio" => {
                        if tag.contains(" checked") {
                            fields.push((name.to_string(), value));
                        }
                    }
                    "submit" | "button" | "file" => {}
                    _ => fields.push((name.to_string(), value)),
                }
            }
        } else if rest.starts_with("<textarea") {
            let open = rest.find('>').expect("end of tag");
            let close = rest.find("</textarea>").expect("end of textarea");
            let name = attr(&rest[..open], "name").expect("textarea name");
            fields.push((name.to_string(), unescape(&rest[open + 1..close])));
            rest = &rest[close..];
        } else if rest.starts_with("<select") {
            let open = rest.find('>').expect("end of tag");
            let close = rest.find("</select>").expect("end of select");
            let name = attr(&rest[..open], "name").expect("select name");
            let options: Vec<&str> = rest[open..close]
                .split("<option")
                .skip(1)
                .map(|o| &o[..o.find('>').unwrap_or(o.len())])
                .collect();
            let chosen = options
                .iter()
                .find(|o| o.contains(" selected"))
                .or(options.first())
                .and_then(|o| attr(o, "value"))
                .unwrap_or("");
            fields.push((name.to_string(), unescape(chosen)));
            rest = &rest[close..];
        }
        rest = &rest[1..];
    }
    fields
}

/// Types into a field the page has; a field the page lacks is a failure.
fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let field = fields
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("the form has no field {name}"));
    field.1 = value.to_string();
}

fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("the form has no field {name}"))
}

/// Ticks a checkbox the page shows.
fn check(fields: &mut Fields, page: &str, name: &str, value: &str) {
    assert!(
        page.contains(&format!(
            "name=\"{name}\" type=\"checkbox\" value=\"{value}\""
        )),
        "the page has no checkbox {name}={value}"
    );
    fields.push((name.to_string(), value.to_string()));
}

/// Presses one of the form's submit buttons.
fn press_button(fields: &mut Fields, name: &str, value: &str) {
    fields.push((name.to_string(), value.to_string()));
}

fn call_count(app: &TestApp) -> usize {
    statsbidrag::db::calls::list_calls(&mut app.conn(), &[])
        .expect("calls")
        .len()
}

/// What the officer types into the new-call form for the call of 2020. The four cost
/// categories the form starts with are kept as they are.
fn fill_2020_call(fields: &mut Fields, page: &str, code: &str) {
    set(fields, "programme", "sis-integrerad-vard");
    set(fields, "code", code);
    set(fields, "title", CALL_TITLE);
    set(fields, "description", CALL_DESCRIPTION);
    set(fields, "opens_on", "2020-01-31");
    set(fields, "last_day", "2020-04-20");
    set(fields, "max_recipients", "4");
    set(fields, "payment_month", "1");
    set(fields, "report_due_month", "3");
    set(fields, "report_due_day", "1");
    set(fields, "years.0.year", "2021");
    set(fields, "years.0.ceiling", "15 000 000");
    set(fields, "years.1.year", "2022");
    set(fields, "years.1.ceiling", "15 000 000");
    set(fields, "sections.0.title", SECTION_1);
    set(
        fields,
        "sections.0.help_text",
        "Beskriv hur ansökan är förankrad i regionens ledning och hos SiS.",
    );
    set(fields, "sections.0.max_length", "8000");
    check(fields, page, "sections.0.required", "true");
    set(fields, "sections.1.title", SECTION_2);
    set(
        fields,
        "sections.1.help_text",
        "Beskriv inriktningen på det planerade utvecklingsarbetet och hur det avgränsas.",
    );
    set(fields, "sections.1.max_length", "8000");
    check(fields, page, "sections.1.required", "true");
    set(
        fields,
        "criteria.0.title",
        "Samverkan och förankring hos SiS",
    );
    set(
        fields,
        "criteria.0.description",
        "Arbetet är förberett genom samverkan med ett eller flera av SiS särskilda ungdomshem.",
    );
    set(fields, "expected_results.0.year", "2021");
    set(fields, "expected_results.0.area", "Arbetsformer");
    set(
        fields,
        "expected_results.0.title",
        "Samverkan om integrerad vård",
    );
    set(
        fields,
        "expected_results.0.body",
        "Regionen har i samverkan med SiS bidragit till att utveckla former för att bedöma behov av integrerad vård.",
    );
}

/// The officer writes the 2020 call through the form on 20 January 2020 and publishes it.
/// Returns the call's id.
async fn officer_publishes_the_2020_call(app: &TestApp) -> String {
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Browser::logged_in(app, OFFICER).await;
    let (status, page) = officer.get("/utlysningar/ny").await;
    assert_eq!(status, 200);
    let mut fields = form_fields(&page, "/utlysningar/ny");
    fill_2020_call(&mut fields, &page, CALL_CODE);
    let call_page = officer.post_redirect("/utlysningar/ny", &fields).await;
    let call_id = call_page
        .strip_prefix("/utlysningar/")
        .expect("to the call's page")
        .to_string();
    let (_, page) = officer.get(&call_page).await;
    let published = officer
        .press(&page, &format!("/utlysningar/{call_id}/publicera"))
        .await;
    assert_eq!(published, call_page);
    call_id
}

/// Starts the organisation's application from the call's page. Returns its id.
async fn start_application(browser: &Browser, call_id: &str) -> String {
    let (status, page) = browser.get(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    let edit = browser
        .press(&page, &format!("/utlysningar/{call_id}/ansok"))
        .await;
    edit.strip_prefix("/ansokningar/")
        .and_then(|rest| rest.strip_suffix("/redigera"))
        .unwrap_or_else(|| panic!("to the edit page, not {edit}"))
        .to_string()
}

fn edit_path(id: &str) -> String {
    format!("/ansokningar/{id}/redigera")
}

/// Types a whole application into the edit form: title, both answers, the budget with a
/// description for the staff, and one staff line.
fn fill_application(fields: &mut Fields, title: &str, answers: [&str; 2], budget: &[(&str, &str)]) {
    set(fields, "project_title", title);
    set(fields, "answers.1", answers[0]);
    set(fields, "answers.2", answers[1]);
    for (cell, amount) in budget {
        set(fields, &format!("budget.{cell}"), amount);
    }
    set(
        fields,
        "budget.2021.personal.description",
        "Psykiatrisjuksköterska, psykolog och läkare",
    );
    set(fields, "staff.0.year", "2021");
    set(fields, "staff.0.role", "Psykiatrisjuksköterska");
    set(fields, "staff.0.fte_percent", "100");
    set(fields, "staff.0.months", "12");
    set(fields, "staff.0.cost", "650 000");
}

/// Logs in, starts and saves a complete draft. Returns the browser and the case's id.
async fn saved_draft(
    app: &TestApp,
    call_id: &str,
    email: &str,
    title: &str,
    answers: [&str; 2],
    budget: &[(&str, &str)],
) -> (Browser, String) {
    let browser = Browser::logged_in(app, email).await;
    let id = start_application(&browser, call_id).await;
    let (status, page) = browser.get(&edit_path(&id)).await;
    assert_eq!(status, 200);
    let mut fields = form_fields(&page, &edit_path(&id));
    fill_application(&mut fields, title, answers, budget);
    press_button(&mut fields, "action", "save");
    let saved = browser.post_redirect(&edit_path(&id), &fields).await;
    assert_eq!(saved, format!("{}?sparat=1", edit_path(&id)));
    (browser, id)
}

/// Presses "Skicka in ansökan" on the confirmation page; returns where it leads.
async fn confirm_and_submit(browser: &Browser, id: &str) -> String {
    let confirm = format!("/ansokningar/{id}/skicka-in");
    let (status, page) = browser.get(&confirm).await;
    assert_eq!(status, 200);
    browser.press(&page, &confirm).await
}

/// A region applies from start to receipt. Returns the case's id.
async fn region_applies(
    app: &TestApp,
    call_id: &str,
    email: &str,
    title: &str,
    answers: [&str; 2],
    budget: &[(&str, &str)],
) -> String {
    let (browser, id) = saved_draft(app, call_id, email, title, answers, budget).await;
    let receipt = confirm_and_submit(&browser, &id).await;
    assert_eq!(receipt, format!("/ansokningar/{id}/kvitto?version=1"));
    id
}

#[actix_web::test]
async fn an_officer_creates_and_publishes_a_call_through_the_form() {
    let app = spawn_app_without_cases().await;
    app.clock.set(at("2020-01-20T10:00:00Z"));
    assert_eq!(call_count(&app), 0);
    let officer = Browser::logged_in(&app, OFFICER).await;

    // The new form starts with next year and the agency's four cost categories.
    let (status, page) = officer.get("/utlysningar/ny").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Ny utlysning</h1>"));
    let mut fields = form_fields(&page, "/utlysningar/ny");
    assert_eq!(value(&fields, "years.0.year"), "2021");
    for (i, (code, name)) in [
        ("personal", "Personal"),
        ("resor", "Resor"),
        ("utbildning", "Utbildning"),
        ("ovrigt", "Övrigt"),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(value(&fields, &format!("cost_categories.{i}.code")), *code);
        assert_eq!(value(&fields, &format!("cost_categories.{i}.name")), *name);
    }
    fill_2020_call(&mut fields, &page, CALL_CODE);
    let call_page = officer.post_redirect("/utlysningar/ny", &fields).await;
    let call_id = call_page
        .strip_prefix("/utlysningar/")
        .expect("to the call's page")
        .to_string();
    assert_eq!(call_count(&app), 1);

    // A draft: the officer sees it with its terms, the public does not.
    let (status, page) = officer.get(&call_page).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("<h1>{CALL_TITLE}</h1>")));
    assert!(page.contains("Utkast, inte publicerad"));
    assert!(page.contains(CALL_DESCRIPTION));
    assert!(page.contains("2020-01-31 – 2020-04-20"));
    assert!(page.contains(&format!("<strong>2021:</strong> {}", nbsp("15 000 000 kr"))));
    assert!(page.contains(&format!("<strong>2022:</strong> {}", nbsp("15 000 000 kr"))));
    assert!(page.contains(SECTION_1) && page.contains(SECTION_2));
    assert!(page.contains("personal, resor, utbildning, övrigt"));
    assert!(page.contains("Samverkan om integrerad vård"));
    let public = Browser::new(&app);
    let (status, _) = public.get(&call_page).await;
    assert_eq!(status, 404, "a draft call is not public");
    let (_, home) = public.get("/").await;
    assert!(!home.contains(CALL_TITLE));

    // Opening the draft and saving it unchanged keeps every term.
    let (status, edit_page) = officer.get(&format!("{call_page}/redigera")).await;
    assert_eq!(status, 200);
    assert!(edit_page.contains("Ändra utkast till utlysning"));
    let fields = form_fields(&edit_page, &format!("{call_page}/redigera"));
    assert_eq!(value(&fields, "years.1.ceiling"), "15000000");
    assert_eq!(value(&fields, "sections.1.title"), SECTION_2);
    assert!(fields.contains(&("sections.1.required".to_string(), "true".to_string())));
    assert_eq!(
        officer
            .post_redirect(&format!("{call_page}/redigera"), &fields)
            .await,
        call_page
    );
    let (_, again) = officer.get(&call_page).await;
    assert_eq!(
        again.matches("(obligatorisk)").count(),
        2,
        "both questions still required"
    );
    assert!(again.contains(&format!("<strong>2022:</strong> {}", nbsp("15 000 000 kr"))));
    assert!(again.contains("personal, resor, utbildning, övrigt"));
    assert!(again.contains("Samverkan om integrerad vård"));
    let (_, page) = officer.get(&call_page).await;

    // Publishing.
    let published = officer
        .press(&page, &format!("/utlysningar/{call_id}/publicera"))
        .await;
    assert_eq!(published, call_page);
    let (_, page) = officer.get(&call_page).await;
    assert!(page.contains("Publicerad, inte öppen än"));
    assert!(!page.contains("Publicera utlysningen"));
    assert_eq!(app.audit_events("call.published").len(), 1);

    // Anyone, logged out, finds it on the start page.
    let anonymous = Browser::new(&app);
    let (status, home) = anonymous.get("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Publicerade utlysningar"));
    assert!(home.contains(&format!(
        "<a href=\"/utlysningar/{call_id}\">{CALL_TITLE}</a>"
    )));
    assert!(home.contains("2020-04-20"));
    let (status, page) = anonymous.get(&call_page).await;
    assert_eq!(status, 200);
    assert!(page.contains(CALL_DESCRIPTION));

    // A last day before the first: the form comes back with everything typed and the
    // message beside the field; nothing is stored.
    let (_, page) = officer.get("/utlysningar/ny").await;
    let mut fields = form_fields(&page, "/utlysningar/ny");
    fill_2020_call(&mut fields, &page, "2021-integrerad-vard");
    let title = "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2023–2024";
    let description = "Utlysningen avser de två sista åren av pilotprojektet, 2023 och 2024, för de regioner som deltar.";
    set(&mut fields, "title", title);
    set(&mut fields, "description", description);
    set(&mut fields, "opens_on", "2021-02-01");
    set(&mut fields, "last_day", "2021-01-15");
    let (status, page) = officer.post_text("/utlysningar/ny", &fields).await;
    assert_eq!(status, 422, "{}", error_part(&page));
    assert!(page.contains(&format!("value=\"{title}\"")));
    assert!(page.contains(&format!(">{description}</textarea>")));
    assert!(page.contains("value=\"2021-integrerad-vard\""));
    assert!(page.contains("value=\"2021-02-01\""));
    assert!(page.contains("value=\"2021-01-15\""));
    assert!(page.contains(&format!("value=\"{SECTION_1}\"")));
    assert!(page.contains(
        "<p class=\"field-error\" id=\"last_day-fel\">Sista ansökningsdag kan inte ligga före första ansökningsdag.</p>"
    ));
    assert!(page.contains("aria-describedby=\"last_day-fel\""));
    assert!(page.contains("Ingenting är sparat."));
    let kept = form_fields(&page, "/utlysningar/ny");
    assert_eq!(value(&kept, "years.0.ceiling"), "15 000 000");
    assert!(kept.contains(&("eligible_kinds".to_string(), "region".to_string())));
    assert!(kept.contains(&("sections.0.required".to_string(), "true".to_string())));
    assert_eq!(
        value(&kept, "criteria.0.title"),
        "Samverkan och förankring hos SiS"
    );
    assert_eq!(value(&kept, "expected_results.0.area"), "Arbetsformer");
    assert_eq!(value(&kept, "cost_categories.3.name"), "Övrigt");
    assert_eq!(call_count(&app), 1, "the refused call was not stored");
    assert_eq!(app.audit_events("call.created").len(), 1);
}

#[actix_web::test]
async fn an_applicant_drafts_and_submits_and_gets_a_receipt() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let skane = Browser::logged_in(&app, SKANE).await;

    let (status, page) = skane.get(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Öppen för ansökningar"));
    assert!(page.contains("Börja en ansökan"));
    let id = start_application(&skane, &call_id).await;
    let edit = edit_path(&id);
    let (_, page) = skane.get(&format!("/utlysningar/{call_id}")).await;
    assert!(page.contains("Gå till er ansökan (utkast)"));

    // A draft with bad amounts: refused as a whole, everything typed still in the form.
    let (status, page) = skane.get(&edit).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ansökan från Region Skåne"));
    let mut fields = form_fields(&page, &edit);
    set(&mut fields, "project_title", SKANE_TITLE);
    set(&mut fields, "answers.1", SKANE_ANSWER_1);
    set(&mut fields, "answers.2", SKANE_ANSWER_2);
    set(&mut fields, "budget.2021.personal", "-5");
    set(&mut fields, "budget.2022.resor", "tio");
    set(&mut fields, "budget.2021.resor", "113 808");
    set(
        &mut fields,
        "budget.2021.resor.description",
        "Resor till Hässleholm",
    );
    set(&mut fields, "staff.0.year", "2021");
    set(&mut fields, "staff.0.role", "Psykolog");
    set(&mut fields, "staff.0.fte_percent", "150");
    set(&mut fields, "staff.0.months", "12");
    set(&mut fields, "staff.0.cost", "600 000");
    press_button(&mut fields, "action", "save");
    let (status, page) = skane.post_text(&edit, &fields).await;
    assert_eq!(status, 422, "{}", error_part(&page));
    assert!(page.contains(
        "<p class=\"field-error\" id=\"budget.2021.personal-fel\">Beloppet får inte vara negativt.</p>"
    ));
    assert!(page.contains("id=\"budget.2022.resor-fel\">Skriv beloppet med siffror"));
    assert!(page.contains(&format!(">{SKANE_ANSWER_1}</textarea>")));
    assert!(page.contains(&format!(">{SKANE_ANSWER_2}</textarea>")));
    assert!(page.contains(&format!("value=\"{SKANE_TITLE}\"")));
    assert!(page.contains("name=\"budget.2021.personal\" type=\"text\" inputmode=\"numeric\" class=\"amount\" value=\"-5\""));
    assert!(page.contains("value=\"tio\""));
    assert!(page.contains("value=\"113 808\""));
    assert!(page.contains("Ingenting är sparat."));
    let kept = form_fields(&page, &edit);
    assert_eq!(
        value(&kept, "budget.2021.resor.description"),
        "Resor till Hässleholm"
    );
    assert_eq!(value(&kept, "staff.0.role"), "Psykolog");
    assert_eq!(value(&kept, "staff.0.fte_percent"), "150");
    assert_eq!(value(&kept, "staff.0.cost"), "600 000");
    assert!(page.contains(
        "id=\"staff.0.fte_percent-fel\">Ange andel av heltid i procent mellan 1 och 100."
    ));

    // Nothing of it was stored.
    let (_, page) = skane.get(&edit).await;
    assert!(!page.contains(SKANE_ANSWER_1));
    assert!(!page.contains(SKANE_TITLE));
    assert!(!page.contains("value=\"-5\""));
    assert!(app.audit_events("application.draft_saved").is_empty());

    // A good draft is saved, and the page shows the sums per year.
    let mut fields = form_fields(&page, &edit);
    fill_application(
        &mut fields,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    );
    press_button(&mut fields, "action", "save");
    let saved = skane.post_redirect(&edit, &fields).await;
    assert_eq!(saved, format!("{edit}?sparat=1"));
    let (status, page) = skane.get(&saved).await;
    assert_eq!(status, 200);
    assert!(page.contains("Utkastet är sparat."));
    assert!(page.contains(&format!(">{SKANE_ANSWER_1}</textarea>")));
    assert!(page.contains(&format!(
        "Summa 2021 (sparad)</th><td class=\"num\">{}",
        nbsp("2 913 808 kr")
    )));
    assert!(page.contains(&format!(
        "Summa 2022 (sparad)</th><td class=\"num\">{}",
        nbsp("3 301 802 kr")
    )));
    let stored = form_fields(&page, &edit);
    assert_eq!(value(&stored, "budget.2021.personal"), nbsp("2 500 000"));
    assert_eq!(value(&stored, "budget.2022.resor"), nbsp("201 802"));
    assert_eq!(
        value(&stored, "budget.2021.personal.description"),
        "Psykiatrisjuksköterska, psykolog och läkare"
    );
    assert_eq!(value(&stored, "staff.0.role"), "Psykiatrisjuksköterska");
    assert_eq!(value(&stored, "staff.0.cost"), nbsp("650 000"));

    // The whole application to check before submitting, and the button to do it.
    let confirm = format!("/ansokningar/{id}/skicka-in");
    let (status, page) = skane.get(&confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Granska och skicka in</h1>"));
    assert!(page.contains("Region Skåne, 232100-0255"));
    assert!(page.contains(SKANE_TITLE));
    assert!(page.contains(SKANE_ANSWER_1) && page.contains(SKANE_ANSWER_2));
    assert!(page.contains(&nbsp("2 500 000 kr")));
    assert!(page.contains(&nbsp("2 913 808 kr")) && page.contains(&nbsp("3 301 802 kr")));
    assert!(page.contains("Psykiatrisjuksköterska"));
    assert!(!page.contains("Ansökan är inte klar att skicka in"));
    assert!(page.contains("Jag, Sara Persson, skickar in ansökan för Region Skåne"));
    assert!(page.contains("Skicka in ansökan</button>"));

    let receipt = skane.press(&page, &confirm).await;
    assert_eq!(receipt, format!("/ansokningar/{id}/kvitto?version=1"));
    let (status, page) = skane.get(&receipt).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ansökan har kommit in"));
    assert!(page.contains("<strong>SB-2020-0001</strong>"));
    assert!(page.contains("Sara Persson (sokande@skane.example)"));
    assert!(page.contains("Region Skåne, 232100-0255"));
    assert!(page.contains("2020-03-01 10:00"));

    // The draft is locked now.
    let (status, page) = skane.get(&edit).await;
    assert_eq!(status, 409);
    assert!(page.contains("Ansökan är inskickad och låst"));

    let mail = statsbidrag::db::outbox::list(&mut app.conn()).expect("outbox");
    let receipt_mail = mail
        .iter()
        .find(|m| m.to_address == SKANE && m.subject.contains("SB-2020-0001"))
        .unwrap_or_else(|| panic!("no receipt to {SKANE}: {mail:?}"));
    assert!(receipt_mail.subject.starts_with("Kvittens"));
    assert!(receipt_mail.body_text.contains("Region Skåne"));
}

/// A draft saved at 23:00 in Stockholm on the last day; the confirmation page open.
async fn draft_on_the_last_evening(app: &TestApp) -> (Browser, String, String) {
    let call_id = officer_publishes_the_2020_call(app).await;
    app.clock.set(at("2020-04-20T21:00:00Z"));
    let (skane, id) = saved_draft(
        app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let (status, confirm_page) = skane.get(&format!("/ansokningar/{id}/skicka-in")).await;
    assert_eq!(status, 200);
    assert!(confirm_page.contains("Skicka in ansökan</button>"));
    (skane, id, confirm_page)
}

#[actix_web::test]
async fn after_the_deadline_submit_is_refused_and_the_draft_stays() {
    let app = spawn_app_without_cases().await;
    let (skane, id, confirm_page) = draft_on_the_last_evening(&app).await;

    // One second into 21 April in Stockholm, the button on the open page is pressed.
    app.clock.set(at("2020-04-20T22:00:01Z"));
    let confirm = format!("/ansokningar/{id}/skicka-in");
    let fields = form_fields(&confirm_page, &confirm);
    let (status, page) = skane.post_text(&confirm, &fields).await;
    assert_eq!(status, 409, "{}", error_part(&page));
    assert!(page.contains("Ansökningstiden gick ut 2020-04-20 kl. 23.59"));
    assert!(page.contains("Ert utkast finns kvar."));

    // The draft is there to read and change; it is not registered and no receipt went out.
    let (status, page) = skane.get(&edit_path(&id)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!(">{SKANE_ANSWER_1}</textarea>")));
    assert!(page.contains(&nbsp("2 913 808 kr")));
    let (_, page) = skane.get(&confirm).await;
    assert!(page.contains("Ansökningstiden gick ut"));
    assert!(!page.contains("Skicka in ansökan</button>"));
    let (_, case) = skane.get(&format!("/ansokningar/{id}")).await;
    assert!(case.contains("Inget ännu (utkast)"));
    assert!(app.audit_events("application.submitted").is_empty());
    let mail = statsbidrag::db::outbox::list(&mut app.conn()).expect("outbox");
    assert!(
        mail.iter().all(|m| !m.subject.starts_with("Kvittens")),
        "{mail:?}"
    );
}

#[actix_web::test]
async fn the_last_second_of_the_last_day_still_takes_the_application() {
    let app = spawn_app_without_cases().await;
    let (skane, id, confirm_page) = draft_on_the_last_evening(&app).await;

    // 23:59:59 in Stockholm.
    app.clock.set(at("2020-04-20T21:59:59Z"));
    let receipt = skane
        .press(&confirm_page, &format!("/ansokningar/{id}/skicka-in"))
        .await;
    assert_eq!(receipt, format!("/ansokningar/{id}/kvitto?version=1"));
    let (status, page) = skane.get(&receipt).await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>SB-2020-0001</strong>"));
    assert!(page.contains("2020-04-20 23:59"));
}

/// The restore link the login page was sent to after the form was kept.
fn kept_form_target(location: &str, id: &str) -> String {
    let encoded = location
        .strip_prefix("/logga-in?next=")
        .unwrap_or_else(|| panic!("to the login page, not {location}"));
    let next = decode(encoded);
    assert!(
        next.starts_with(&format!("{}?aterstall=", edit_path(id))),
        "{next}"
    );
    next
}

/// A long text, typed for a while.
fn long_answer() -> String {
    let sentence = "Teamet består av psykiatrisjuksköterska, psykolog och läkare som arbetar på ungdomshemmet varje vecka och samordnar vården med hemregionen.";
    let mut text = String::from(
        "Reviderad beskrivning: barn & unga \"med störst behov\" (<18 år) – 'integrerad vård'.",
    );
    for n in 1..=20 {
        text.push_str(&format!(" {n}. {sentence}"));
    }
    text
}

/// Logs in again through the login page and comes back to the kept form.
async fn back_after_login(browser: &Browser, next: &str) -> String {
    let response = browser.log_in(SKANE, next).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), next);
    let (status, page) = browser.get(next).await;
    assert_eq!(status, 200);
    page
}

#[actix_web::test]
async fn a_session_that_expires_while_typing_keeps_the_text() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let (skane, id) = saved_draft(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let edit = edit_path(&id);
    let (_, kept_page) = skane.get(&edit).await;

    // The session ends (here: logged out in another tab) while the person types.
    let home = skane.press(&kept_page, "/logga-ut").await;
    assert_eq!(home, "/");
    let (_, page) = skane.get("/").await;
    assert!(page.contains("Logga in för att söka"));

    let typed = long_answer();
    let mut fields = form_fields(&kept_page, &edit);
    set(&mut fields, "answers.2", &typed);
    press_button(&mut fields, "action", "save");
    let response = skane.post(&edit, &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let next = kept_form_target(&location(&response), &id);

    // Back after logging in: the text is in the form, not yet saved.
    let page = back_after_login(&skane, &next).await;
    assert!(page.contains("Du blev utloggad innan texten sparades"));
    let restored = form_fields(&page, &edit);
    assert_eq!(value(&restored, "answers.2"), typed);
    assert_eq!(value(&restored, "answers.1"), SKANE_ANSWER_1);
    assert_eq!(value(&restored, "budget.2021.resor"), nbsp("113 808"));
    let (_, case) = skane.get(&format!("/ansokningar/{id}")).await;
    assert!(!case.contains("Reviderad beskrivning"));
    assert!(case.contains(SKANE_ANSWER_2));

    // The kept text is picked up once; then it is saved like any draft.
    let (_, again) = skane.get(&next).await;
    assert!(!again.contains("Reviderad beskrivning"));
    assert!(!again.contains("Du blev utloggad"));
    let mut fields = restored;
    press_button(&mut fields, "action", "save");
    skane.post_redirect(&edit, &fields).await;
    let (_, case) = skane.get(&format!("/ansokningar/{id}")).await;
    assert!(unescape(&case).contains(&typed));
    assert!(!case.contains(SKANE_ANSWER_2));
    assert!(
        case.contains(&nbsp("2 913 808 kr")),
        "the budget is kept too"
    );
}

#[actix_web::test]
async fn a_session_that_times_out_after_hours_of_typing_keeps_the_text() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let (skane, id) = saved_draft(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let edit = edit_path(&id);
    let (_, kept_page) = skane.get(&edit).await;

    // Nine hours at the same page: the session has run out.
    app.clock.set(at("2020-03-01T18:00:00Z"));
    let typed = long_answer();
    let mut fields = form_fields(&kept_page, &edit);
    set(&mut fields, "answers.1", &typed);
    press_button(&mut fields, "action", "save");
    let response = skane.post(&edit, &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let next = kept_form_target(&location(&response), &id);

    let page = back_after_login(&skane, &next).await;
    assert!(page.contains("Du blev utloggad innan texten sparades"));
    assert_eq!(value(&form_fields(&page, &edit), "answers.1"), typed);
    let (_, case) = skane.get(&format!("/ansokningar/{id}")).await;
    assert!(!case.contains("Reviderad beskrivning"));
    assert!(case.contains(SKANE_ANSWER_1));
}

#[actix_web::test]
async fn supplement_round_trip_through_the_pages() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let (skane, id) = saved_draft(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    assert_eq!(
        confirm_and_submit(&skane, &id).await,
        format!("/ansokningar/{id}/kvitto?version=1")
    );
    let case = format!("/ansokningar/{id}");

    // The officer asks for a supplement, and allows a changed budget.
    app.clock.set(at("2020-03-05T09:00:00Z"));
    let officer = Browser::logged_in(&app, OFFICER).await;
    let (status, page) = officer.get(&case).await;
    assert_eq!(status, 200);
    assert!(page.contains("status-submitted\">Inkommen</span>"));
    let request = format!("/ansokningar/{id}/begar-komplettering");
    let mut fields = form_fields(&page, &request);
    let asked = "Beskriv hur arbetet avgränsas till de barn och unga som har störst behov, och se över personalkostnaderna för 2021.";
    set(&mut fields, "message", asked);
    set(&mut fields, "due_on", "2020-03-20");
    check(&mut fields, &page, "budget_change_allowed", "true");
    let back = officer.post_redirect(&request, &fields).await;
    assert_eq!(back, case);
    let (_, page) = officer.get(&case).await;
    assert!(page.contains("Komplettering begärd"));
    assert!(page.contains(asked));

    // The applicant answers in a new version.
    // Days later, the applicant logs in again (the old session has run out).
    let (status, _) = skane.get(&case).await;
    assert_eq!(status, 303, "the session of 1 March has ended");
    let skane = Browser::logged_in(&app, SKANE).await;
    let (_, page) = skane.get(&case).await;
    assert!(page.contains(asked));
    assert!(page.contains("Svara på kompletteringen"));
    let edit = skane
        .press(&page, &format!("/ansokningar/{id}/komplettera"))
        .await;
    assert_eq!(edit, edit_path(&id));
    let (status, page) = skane.get(&edit).await;
    assert_eq!(status, 200);
    assert!(page.contains("Komplettering: version 2"));
    assert!(page.contains("svar senast 2020-03-20"));
    assert!(page.contains("Ni kan ändra budgeten i svaret."));
    let revised = "Arbetet avgränsas till de barn och unga med störst behov: autism, självskadebeteende och psykos.";
    let mut fields = form_fields(&page, &edit);
    assert_eq!(
        value(&fields, "answers.2"),
        SKANE_ANSWER_2,
        "version 1 copied"
    );
    assert_eq!(value(&fields, "budget.2021.personal"), nbsp("2 500 000"));
    set(&mut fields, "answers.2", revised);
    set(&mut fields, "budget.2021.personal", "2 600 000");
    press_button(&mut fields, "action", "submit");
    let confirm = skane.post_redirect(&edit, &fields).await;
    assert_eq!(confirm, format!("/ansokningar/{id}/skicka-in"));

    // Without an answer to the request it cannot be sent.
    let (status, page) = skane.get(&confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ansökan är inte klar att skicka in"));
    assert!(page.contains("Skriv ert svar på kompletteringen"));
    assert!(page.contains(&format!("{edit}#supplement_answer")));
    assert!(!page.contains("Skicka in ansökan</button>"));
    assert!(
        !page.contains(&format!("action=\"{edit}\"")),
        "the confirmation page has no edit form"
    );

    let (_, page) = skane.get(&edit).await;
    let mut fields = form_fields(&page, &edit);
    assert_eq!(value(&fields, "answers.2"), revised);
    let answer = "Vi har förtydligat avgränsningen i fråga 2 och ökat personalkostnaden för 2021.";
    set(&mut fields, "supplement_answer", answer);
    press_button(&mut fields, "action", "submit");
    assert_eq!(skane.post_redirect(&edit, &fields).await, confirm);
    let (_, page) = skane.get(&confirm).await;
    assert!(!page.contains("Ansökan är inte klar att skicka in"));
    assert!(page.contains(answer));
    assert!(page.contains(&nbsp("3 013 808 kr")));
    let receipt = skane.press(&page, &confirm).await;
    assert_eq!(receipt, format!("/ansokningar/{id}/kvitto?version=2"));
    let (_, page) = skane.get(&receipt).await;
    assert!(page.contains("<strong>SB-2020-0001</strong>"));
    assert!(page.contains("<dt>Version</dt><dd>2</dd>"));

    // The officer reads both versions and what changed.
    let (_, page) = officer.get(&case).await;
    assert!(page.contains("Version 2, inskickad"));
    assert!(page.contains("Version 1, inskickad"));
    assert!(page.contains("Ändringar jämfört med version 1 (2)"));
    assert!(page.contains(&format!(
        "<th scope=\"row\">Fråga 2: {SECTION_2}</th><td><del>{SKANE_ANSWER_2}</del></td><td><ins>{revised}</ins></td>"
    )));
    assert!(page.contains(&format!("<th scope=\"row\">Budget 2021, Personal</th><td><del>{} (Psykiatrisjuksköterska, psykolog och läkare)</del></td><td><ins>{} (Psykiatrisjuksköterska, psykolog och läkare)</ins></td>", nbsp("2 500 000 kr"), nbsp("2 600 000 kr"))));
    assert!(!page.contains("Budget 2022, Personal"));
    assert!(page.contains(answer));
    assert!(page.contains("status-submitted\">Inkommen</span>"));
    let mail = statsbidrag::db::outbox::list(&mut app.conn()).expect("outbox");
    assert!(
        mail.iter()
            .any(|m| m.to_address == OFFICER && m.subject.contains("Komplettering inkommen")),
        "{mail:?}"
    );

    // And finds it complete.
    let complete = officer
        .press(&page, &format!("/ansokningar/{id}/komplett"))
        .await;
    assert_eq!(complete, case);
    let (_, page) = officer.get(&case).await;
    assert!(page.contains("<span class=\"status status-complete\">Komplett</span>"));
    assert!(!page.contains("Markera ansökan som komplett"));
    assert_eq!(app.audit_events("application.complete").len(), 1);
}

/// The organisations in the order the list page shows them.
fn organisations_in_order(page: &str, names: &[&str]) -> Vec<String> {
    let body = &page[page.find("<tbody>").expect("table")..];
    let mut found: Vec<(usize, String)> = names
        .iter()
        .filter_map(|n| {
            body.find(&format!("<td>{n}<br>"))
                .map(|i| (i, n.to_string()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[actix_web::test]
async fn officer_list_sorts_filters_and_exports_csv() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    // Västra Götaland first, Skåne last: the registration numbers are not in name order.
    let vgr = region_applies(
        &app,
        &call_id,
        VGR,
        "Integrerad vård vid SiS särskilda ungdomshem i Västra Götaland",
        [
            "Ansökan utgår från ett arbete i samverkan med samtliga sex ungdomshem i regionen.",
            "Arbetet riktas till barn och unga med omfattande behov av psykiatrisk vård.",
        ],
        VGR_BUDGET,
    )
    .await;
    let _ostergotland = region_applies(
        &app,
        &call_id,
        OSTERGOTLAND,
        "Integrerad vård vid SiS ungdomshem Eknäs",
        [
            "Arbetet bedrivs tillsammans med SiS ungdomshem Eknäs.",
            "Arbetet riktas till flickor med självskadebeteende.",
        ],
        OSTERGOTLAND_BUDGET,
    )
    .await;
    let skane = region_applies(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let names = [
        "Region Skåne",
        "Region Östergötland",
        "Västra Götalandsregionen",
    ];

    let officer = Browser::logged_in(&app, OFFICER).await;
    let list = format!("/utlysningar/{call_id}/ansokningar");
    let (status, page) = officer.get(&list).await;
    assert_eq!(status, 200);
    assert!(page.contains("Visar 3 av 3 ansökningar"));
    assert_eq!(
        organisations_in_order(&page, &names),
        [
            "Västra Götalandsregionen",
            "Region Östergötland",
            "Region Skåne"
        ],
        "by registration number"
    );
    assert!(page.contains(&format!("<a href=\"/ansokningar/{vgr}\">SB-2020-0001</a>")));
    assert!(page.contains(&format!(
        "<a href=\"/ansokningar/{skane}\">SB-2020-0003</a>"
    )));
    assert!(page.contains(&format!(
        "Summa sökt</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        nbsp("7 613 808 kr"),
        nbsp("8 201 802 kr")
    )));

    let (status, page) = officer.get(&format!("{list}?sort=organisation")).await;
    assert_eq!(status, 200);
    assert_eq!(organisations_in_order(&page, &names), names);
    let header = &page[page.find("<thead>").unwrap()..page.find("</thead>").unwrap()];
    assert!(unescape(header).contains("aria-sort=\"ascending\"><a href=\"?status=&q=&sort=organisation&descending=true\">Organisation</a>"), "{header}");
    let (_, page) = officer
        .get(&format!("{list}?sort=organisation&descending=true"))
        .await;
    assert_eq!(
        organisations_in_order(&page, &names),
        [
            "Västra Götalandsregionen",
            "Region Östergötland",
            "Region Skåne"
        ]
    );
    let (_, page) = officer.get(&format!("{list}?sort=requested_2021")).await;
    assert_eq!(
        organisations_in_order(&page, &names),
        [
            "Region Östergötland",
            "Region Skåne",
            "Västra Götalandsregionen"
        ],
        "by the amount for 2021"
    );

    let (status, page) = officer.get(&format!("{list}?q={}", encode("skåne"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Visar 1 av 3 ansökningar"));
    assert_eq!(organisations_in_order(&page, &names), ["Region Skåne"]);
    assert!(page.contains("value=\"skåne\""));
    assert!(page.contains(&format!(
        "Summa sökt</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        nbsp("2 913 808 kr"),
        nbsp("3 301 802 kr")
    )));

    // The export opens in a Swedish spreadsheet.
    let response = officer.get_response(&format!("{list}.csv")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("ansokningar-{CALL_CODE}.csv"))
    );
    let bytes = response.bytes().await.expect("csv");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[0],
        "Diarienummer;Organisation;Organisationsnummer;Status;Inkommen;Sökt 2021 (kr);Sökt 2022 (kr)"
    );
    assert!(lines[1].starts_with("SB-2020-0001;Västra Götalandsregionen;232100-0131;Inkommen;"));
    assert_eq!(
        lines[3],
        "SB-2020-0003;Region Skåne;232100-0255;Inkommen;2020-03-01 10:00;2913808,00;3301802,00"
    );
    assert_eq!(lines[4], "Summa;;;;;7613808,00;8201802,00");
    let (_, filtered) = officer
        .get(&format!("{list}.csv?q={}", encode("skåne")))
        .await;
    assert!(filtered.contains("Region Skåne") && !filtered.contains("Västra"));

    // An applicant may not list the others.
    let applicant = Browser::logged_in(&app, SKANE).await;
    let (status, page) = applicant.get(&list).await;
    assert_eq!(status, 403);
    assert!(page.contains("Åtkomst nekad"));
    assert!(!page.contains("Västra Götalandsregionen"));
    let (status, body) = applicant.get(&format!("{list}.csv")).await;
    assert_eq!(status, 403);
    assert!(!body.contains("Västra Götalandsregionen"));
    let denied = app.audit_events("access.denied");
    let by_skane: Vec<_> = denied
        .iter()
        .filter(|e| e.actor_email.as_deref() == Some(SKANE) && e.entity_type == "call")
        .collect();
    assert_eq!(by_skane.len(), 2, "{denied:?}");
    assert!(
        by_skane
            .iter()
            .any(|e| e.summary.contains("lista en utlysnings ansökningar"))
    );
    assert!(
        by_skane
            .iter()
            .any(|e| e.summary.contains("exportera en utlysnings ansökningar"))
    );
}

#[actix_web::test]
async fn missing_csrf_token_is_refused_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let (skane, id) = saved_draft(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let edit = edit_path(&id);
    let (_, page) = skane.get(&edit).await;
    let typed = "En ny text som kom från en annan webbplats.";

    for token in [None, Some("en-gammal-token")] {
        let mut fields = form_fields(&page, &edit);
        set(&mut fields, "answers.1", typed);
        set(&mut fields, "budget.2021.personal", "1 000");
        match token {
            None => fields.retain(|(k, _)| k != "csrf_token"),
            Some(t) => set(&mut fields, "csrf_token", t),
        }
        press_button(&mut fields, "action", "save");
        let (status, refused) = skane.post_text(&edit, &fields).await;
        assert_eq!(status, 403, "token {token:?}: {}", error_part(&refused));
        assert!(refused.contains("Ingenting sparades; det du skrev står kvar"));
        assert!(refused.contains(&format!(">{typed}</textarea>")));
        assert!(refused.contains("value=\"1 000\""));
    }

    // The stored draft is as it was.
    let (_, page) = skane.get(&edit).await;
    assert!(!page.contains(typed));
    assert!(page.contains(&format!(">{SKANE_ANSWER_1}</textarea>")));
    assert!(page.contains(&nbsp("2 913 808 kr")));
    assert_eq!(app.audit_events("application.draft_saved").len(), 1);

    // The call form too.
    let officer = Browser::logged_in(&app, OFFICER).await;
    let (_, page) = officer.get("/utlysningar/ny").await;
    let mut fields = form_fields(&page, "/utlysningar/ny");
    fill_2020_call(&mut fields, &page, "2021-integrerad-vard");
    let title = "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2023–2024";
    set(&mut fields, "title", title);
    fields.retain(|(k, _)| k != "csrf_token");
    let (status, refused) = officer.post_text("/utlysningar/ny", &fields).await;
    assert_eq!(status, 403);
    assert!(refused.contains(&format!("value=\"{title}\"")));
    assert!(refused.contains("Ingenting sparades"));
    assert_eq!(call_count(&app), 1);
}

#[actix_web::test]
async fn an_auditor_cannot_change_anything_through_the_pages() {
    let app = spawn_app_without_cases().await;
    let call_id = officer_publishes_the_2020_call(&app).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let id = region_applies(
        &app,
        &call_id,
        SKANE,
        SKANE_TITLE,
        [SKANE_ANSWER_1, SKANE_ANSWER_2],
        SKANE_BUDGET,
    )
    .await;
    let case = format!("/ansokningar/{id}");

    // The auditor reads the case, with a good CSRF token of their own.
    let auditor = Browser::logged_in(&app, AUDITOR).await;
    let (status, page) = auditor.get(&case).await;
    assert_eq!(status, 200);
    assert!(page.contains(SKANE_ANSWER_1));
    assert!(!page.contains("Begär komplettering"));
    assert!(!page.contains("Markera ansökan som komplett"));
    let csrf = crate::helpers::csrf_from(&page);
    let (status, _) = auditor.get("/utlysningar/ny").await;
    assert_eq!(status, 403, "no form for the auditor");

    // A call form as an officer's page has it, sent by the auditor.
    let officer = Browser::logged_in(&app, OFFICER).await;
    let (_, form_page) = officer.get("/utlysningar/ny").await;
    let mut fields = form_fields(&form_page, "/utlysningar/ny");
    fill_2020_call(&mut fields, &form_page, "2021-integrerad-vard");
    set(&mut fields, "csrf_token", &csrf);
    let (status, _) = auditor.post_text("/utlysningar/ny", &fields).await;
    assert_eq!(status, 403);

    let draft: Fields = vec![
        ("csrf_token".into(), csrf.clone()),
        ("project_title".into(), "Ändrad av revisorn".into()),
        ("answers.1".into(), "Revisorn skrev här.".into()),
        ("budget_present".into(), "1".into()),
        ("budget.2021.personal".into(), "1".into()),
        ("action".into(), "save".into()),
    ];
    let (edit_status, _) = auditor.post_text(&edit_path(&id), &draft).await;

    let supplement: Fields = vec![
        ("csrf_token".into(), csrf.clone()),
        ("message".into(), "Revisorn begär en komplettering.".into()),
        ("due_on".into(), "2020-03-20".into()),
        ("budget_change_allowed".into(), "true".into()),
    ];
    let (status, _) = auditor
        .post_text(&format!("{case}/begar-komplettering"), &supplement)
        .await;
    assert!(
        status == 403 || status == 404,
        "supplement request: {status}"
    );
    let (status, _) = auditor
        .post_text(
            &format!("{case}/komplett"),
            &[("csrf_token".into(), csrf.clone())],
        )
        .await;
    assert!(status == 403 || status == 404, "mark complete: {status}");

    // Nothing changed.
    assert_eq!(call_count(&app), 1);
    let (_, page) = officer.get(&case).await;
    assert!(page.contains(SKANE_TITLE));
    assert!(page.contains(SKANE_ANSWER_1));
    assert!(!page.contains("Revisorn"));
    assert!(page.contains("Ingen komplettering har begärts."));
    assert!(page.contains("status-submitted\">Inkommen</span>"));
    assert!(page.contains(&nbsp("2 913 808 kr")));

    // Every attempt is in the audit trail, with what was tried.
    let denied = app.audit_events("access.denied");
    let by_auditor = |entity_type: &str, attempted: &str| {
        denied
            .iter()
            .filter(|e| {
                e.actor_email.as_deref() == Some(AUDITOR)
                    && e.entity_type == entity_type
                    && e.summary.contains(attempted)
            })
            .count()
    };
    let attempts: Vec<_> = denied
        .iter()
        .filter(|e| e.actor_email.as_deref() == Some(AUDITOR))
        .map(|e| {
            (
                e.entity_type.as_str(),
                e.entity_id.as_deref(),
                e.summary.as_str(),
            )
        })
        .collect();
    assert_eq!(
        by_auditor("call", "skapa en utlysning"),
        2,
        "the GET and the POST of the call form: {attempts:?}"
    );
    for attempted in ["begära komplettering", "markera en ansökan komplett"] {
        assert!(
            denied
                .iter()
                .any(|e| e.actor_email.as_deref() == Some(AUDITOR)
                    && e.entity_type == "application"
                    && e.entity_id.as_deref() == Some(id.as_str())
                    && e.summary.contains(attempted)
                    && e.actor_role.as_deref() == Some("auditor")),
            "{attempted}: {attempts:?}"
        );
    }

    // The draft edit is refused before the draft is even shown, and recorded once.
    assert!(
        edit_status == 403 || edit_status == 404,
        "draft edit by the auditor: {edit_status}"
    );
    assert_eq!(
        by_auditor("application", "ändra en ansökan"),
        1,
        "the draft edit is recorded: {attempts:?}"
    );
}

/// A post forged by another site arrives without the session (the cookie is SameSite) and
/// without the browser's form key: it is not kept, so it cannot be planted in someone's form.
#[actix_web::test]
async fn a_forged_post_without_the_form_key_is_not_kept() {
    let app = spawn_app_without_cases().await;
    let (skane, id, _) = draft_on_the_last_evening(&app).await;
    let (_, page) = skane.get(&edit_path(&id)).await;
    let mut fields = form_fields(&page, &edit_path(&id));
    set(
        &mut fields,
        "answers.1",
        "Text som en annan webbplats vill plantera.",
    );
    // Another browser: no session, no form key cookie; the posted key is a guess.
    let forger = Browser::new(&app);
    let response = forger.post(&edit_path(&id), &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let target = location(&response);
    assert!(!target.contains("aterstall"), "{target}");
    let stashed: i64 = {
        use diesel::prelude::*;
        statsbidrag::db::schema::form_stashes::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(stashed, 0);
    let (_, page) = skane.get(&edit_path(&id)).await;
    assert!(!page.contains("Text som en annan webbplats"));
}

/// A form key made up by the poster is not one the server issued: nothing is kept, so
/// nobody can fill the store anonymously.
#[actix_web::test]
async fn a_made_up_form_key_keeps_nothing() {
    let app = spawn_app_without_cases().await;
    let (skane, id, _) = draft_on_the_last_evening(&app).await;
    let (_, page) = skane.get(&edit_path(&id)).await;
    let mut fields = form_fields(&page, &edit_path(&id));
    set(&mut fields, "answers.1", "Text utan utfärdad nyckel.");
    let made_up = "a".repeat(32);
    set(&mut fields, "form_key", &made_up);
    let anonymous = Browser::new(&app);
    let response = anonymous
        .client
        .post(format!("{}{}", anonymous.base, edit_path(&id)))
        .header("Cookie", format!("statsbidrag_form={made_up}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(!location(&response).contains("aterstall"));
    let stashed: i64 = {
        use diesel::prelude::*;
        statsbidrag::db::schema::form_stashes::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(stashed, 0);
}

/// Someone with an account of their own keeps a form in their own name and sends the link
/// to a victim: the victim's form shows nothing of it, since a kept form is given back
/// only to the person and browser that kept it.
#[actix_web::test]
async fn a_kept_form_is_given_back_only_to_whoever_kept_it() {
    let app = spawn_app_without_cases().await;
    let (skane, id, _) = draft_on_the_last_evening(&app).await;
    let (_, victim_page) = skane.get(&edit_path(&id)).await;
    let mut fields = form_fields(&victim_page, &edit_path(&id));
    set(&mut fields, "answers.1", "Planterad text från någon annan.");

    // The attacker logs in, opens a form of their own (and gets a real form key), logs out.
    let call_id = {
        let (_, list) = app.get_json("/api/v1/calls").await;
        list[0]["id"].as_str().unwrap().to_string()
    };
    let attacker = Browser::logged_in(&app, VGR).await;
    let attacker_id = start_application(&attacker, &call_id).await;
    let (_, own_page) = attacker.get(&edit_path(&attacker_id)).await;
    let own = form_fields(&own_page, &edit_path(&attacker_id));
    set(&mut fields, "form_key", value(&own, "form_key"));
    let logout = form_fields(&own_page, "/logga-ut");
    attacker.post("/logga-ut", &logout).await;

    // Without a session, with their own key, to the victim's form: kept in their name.
    let response = attacker.post(&edit_path(&id), &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let link = kept_form_target(&location(&response), &id);

    // The victim follows the link and logs in: their form shows nothing planted.
    let victim = Browser::new(&app);
    let response = victim.log_in(SKANE, &link).await;
    assert_eq!(location(&response), link);
    let (status, page) = victim.get(&link).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Planterad text"), "planted text shown");
    assert!(!page.contains("Du blev utloggad"));
    assert!(page.contains(SKANE_ANSWER_1));
}
