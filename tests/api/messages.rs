//! Messages both ways on a case (issue 16): an officer writes, the region's people read
//! (and the officer sees it read), the region answers with a file, the officer reads; each
//! message e-mails the other side that there is one, with the link and without the text;
//! someone of another region is refused as if the case did not exist, on record; an
//! auditor reads without marking anything read and cannot write; a refused message comes
//! back as typed, with the Swedish message beside the field; a message never changes.

use chrono::Duration;
use serde_json::{Value, json};
use statsbidrag::db::outbox::OutboxMessage;

use crate::helpers::{
    ADMIN, AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, VGR, csrf_from, execute, new_client,
    spawn_app,
};
use crate::uploads::pdf;

const SKANE_ORGNR: &str = "232100-0255";
const SKANE_REPRESENTATIVE: &str = "representant@skane.example";
const SKANE_COORDINATOR: &str = "samordnare@skane.example";
const SECRET: &str = "Budgeten för 2022 räknas om, se kostnadsslag 3";

/// A browser of one person's, logged in through the login form.
async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let (_, page) = get(app, &client, "/logga-in").await;
    let response = client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
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

/// Writes a message on the thread's page, as urlencoded or (with a file) multipart form,
/// with the page's CSRF token: the status, and the target of the redirect or the page.
async fn write(
    app: &TestApp,
    client: &reqwest::Client,
    case: &str,
    text: &str,
    about: &str,
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let thread = format!("/ansokningar/{case}/meddelanden");
    let (_, page) = get(app, client, &thread).await;
    let csrf = csrf_from(&page);
    let request = client.post(app.url(&thread));
    let request = match file {
        None => request.form(&[
            ("csrf_token", csrf.as_str()),
            ("text", text),
            ("about", about),
        ]),
        Some((name, bytes)) => {
            let boundary = "----statsbidrag-meddelande-7f3a";
            let mut body = Vec::new();
            for (field, value) in [
                ("csrf_token", csrf.as_str()),
                ("text", text),
                ("about", about),
            ] {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
                    )
                    .as_bytes(),
                );
            }
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            request
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
        }
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 303 {
        let to = response.headers()["location"].to_str().unwrap().to_string();
        (status, to)
    } else {
        (status, response.text().await.unwrap())
    }
}

/// Someone of their own in the API: a client with its session, and its CSRF token.
struct Person {
    client: reqwest::Client,
    csrf: String,
}

async fn api_person(app: &TestApp, email: &str) -> Person {
    let client = new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "API login of {email}");
    let body: Value = response.json().await.unwrap();
    Person {
        client,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

impl Person {
    async fn get_json(&self, app: &TestApp, path: &str) -> (u16, Value) {
        let response = self.client.get(app.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post_json(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(app.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The e-mails about new messages, oldest first.
fn message_mails(app: &TestApp) -> Vec<OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "message")
        .collect()
}

fn registration_number(app: &TestApp, case: &str) -> String {
    statsbidrag::db::applications::find(&mut app.conn(), case)
        .unwrap()
        .unwrap()
        .registration_number
        .unwrap()
}

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .id
}

/// "Läst 2026-12-02 14:03 av NN" at the test clock's present.
fn read_now(app: &TestApp, name: &str) -> String {
    format!(
        "Läst {} av {name}",
        statsbidrag::clock::format_stockholm(app.clock_now().naive_utc())
    )
}

#[actix_web::test]
async fn a_thread_both_ways_with_receipts_files_and_mails() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let dnr = registration_number(&app, &case);
    let thread = format!("/ansokningar/{case}/meddelanden");

    // The officer finds no message yet, and writes one.
    let officer = browser(&app, OFFICER).await;
    let (status, page) = get(&app, &officer, &format!("/ansokningar/{case}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"{thread}\">Meddelanden (0 olästa)</a>")),
        "{page}"
    );
    let (status, page) = get(&app, &officer, &thread).await;
    assert_eq!(status, 200);
    assert!(page.contains("Inga meddelanden ännu."), "{page}");
    let (status, to) = write(&app, &officer, &case, SECRET, "grant", None).await;
    assert_eq!(status, 303, "{to}");
    assert!(
        to.starts_with(&format!("{thread}?skickat=1#meddelande-")),
        "{to}"
    );
    let (_, page) = get(&app, &officer, &to).await;
    assert!(page.contains("Meddelandet är skickat."));
    assert!(page.contains(SECRET));
    assert!(page.contains("Karin Lindqvist, Socialstyrelsen"), "{page}");
    assert!(page.contains("Gäller: Beslut och bidrag"));
    assert!(page.contains("Oläst"));
    let sent = app.audit_events("message.sent");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].entity_id.as_deref(), Some(case.as_str()));
    assert!(!sent[0].summary.contains(SECRET), "the trail keeps no text");

    // Each of Skåne's people is told, with the link and without the text.
    let mails = message_mails(&app);
    let mut to: Vec<&str> = mails.iter().map(|m| m.to_address.as_str()).collect();
    to.sort();
    assert_eq!(to, [SKANE_REPRESENTATIVE, SKANE_COORDINATOR, SKANE]);
    for mail in &mails {
        assert_eq!(mail.application_id.as_deref(), Some(case.as_str()));
        assert_eq!(mail.subject, format!("Nytt meddelande i ärende {dnr}"));
        assert!(
            mail.body_text.contains(&format!("{thread}\n")),
            "{}",
            mail.body_text
        );
        assert!(mail.body_text.contains("Socialstyrelsen"));
        assert!(mail.body_text.contains(&format!("Ange diarienummer {dnr}")));
        assert!(!mail.body_text.contains(SECRET));
        assert!(!mail.body_text.contains("kostnadsslag"));
    }

    // Skåne's ombud sees one unread, opens the thread: it is read, by her, now.
    app.clock.set(app.clock_now() + Duration::minutes(7));
    let skane = browser(&app, SKANE).await;
    let (_, page) = get(&app, &skane, &format!("/ansokningar/{case}")).await;
    assert!(page.contains("Meddelanden (1 oläst)"), "{page}");
    let (status, page) = get(&app, &skane, &thread).await;
    assert_eq!(status, 200);
    assert!(page.contains(SECRET));
    assert!(page.contains(">Nytt</span>"));
    let read_by_sara = read_now(&app, "Sara Persson");
    assert!(page.contains(&read_by_sara), "{page}");
    let (_, page) = get(&app, &skane, &format!("/ansokningar/{case}")).await;
    assert!(page.contains("Meddelanden (0 olästa)"));
    assert_eq!(app.audit_events("message.read").len(), 1);

    // The receipt shows on the officer's side; opening the thread again reads nothing more.
    app.clock.set(app.clock_now() + Duration::minutes(5));
    let (_, page) = get(&app, &officer, &thread).await;
    assert!(page.contains(&read_by_sara), "{page}");
    assert!(!page.contains(">Nytt</span>"));
    let (_, page) = get(&app, &skane, &thread).await;
    assert!(page.contains(&read_by_sara), "the first reading stays");
    assert_eq!(app.audit_events("message.read").len(), 1);

    // The coordinator answers with a file; no officer is responsible yet, so the unit's
    // mailbox is told.
    let coordinator = browser(&app, SKANE_COORDINATOR).await;
    let budget = pdf(1_500);
    let (status, to) = write(
        &app,
        &coordinator,
        &case,
        "Här är den nya budgeten.",
        "",
        Some(("Budget 2022 Skåne.pdf", &budget)),
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let contact = {
        let call = statsbidrag::db::applications::find(&mut app.conn(), &case)
            .unwrap()
            .unwrap()
            .call_id;
        statsbidrag::agency::of_call(&mut app.conn(), &call)
            .unwrap()
            .email
    };
    let mails = message_mails(&app);
    assert_eq!(mails.len(), 4);
    assert_eq!(mails[3].to_address, contact);
    assert!(mails[3].body_text.contains("Region Skåne"));
    assert!(!mails[3].body_text.contains("nya budgeten"));

    // With a responsible officer, the officer is told instead.
    statsbidrag::db::case_officers::set(
        &mut app.conn(),
        &statsbidrag::db::case_officers::CaseOfficer {
            application_id: case.clone(),
            officer_id: user_id(&app, OFFICER),
            assigned_at: app.clock_now().naive_utc(),
            assigned_by: user_id(&app, OFFICER),
        },
    )
    .unwrap();
    app.clock.set(app.clock_now() + Duration::minutes(1));
    let (status, _) = write(&app, &skane, &case, "Och en fråga till.", "report", None).await;
    assert_eq!(status, 303);
    let mails = message_mails(&app);
    assert_eq!(mails.len(), 5);
    assert_eq!(mails[4].to_address, OFFICER);
    assert!(!mails[4].body_text.contains("fråga till"));

    // The queues see two unread messages from the organisation in this case.
    let waiting = statsbidrag::messages::unread_for_staff(&mut app.conn()).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].application.id, case);
    assert_eq!(waiting[0].unread, 2);
    assert_eq!(
        statsbidrag::messages::unread_count_for_staff(&mut app.conn()).unwrap(),
        2
    );

    // The officer reads them; the file downloads as it was sent.
    app.clock.set(app.clock_now() + Duration::minutes(30));
    let (_, page) = get(&app, &officer, &format!("/ansokningar/{case}")).await;
    assert!(page.contains("Meddelanden (2 olästa)"), "{page}");
    let (_, page) = get(&app, &officer, &thread).await;
    assert!(page.contains("Elin Nyström, Region Skåne"), "{page}");
    assert!(page.contains("Budget 2022 Skåne.pdf"));
    assert!(page.contains(&read_now(&app, "Karin Lindqvist")));
    assert_eq!(page.matches(">Nytt</span>").count(), 2);
    let link_start = page
        .find(&format!("{thread}/filer/"))
        .expect("a link to the file");
    let link_end = link_start + page[link_start..].find('"').unwrap();
    let link = &page[link_start..link_end];
    assert!(link.ends_with(".pdf"), "{link}");
    let response = officer.get(app.url(link)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), budget);
    assert!(
        statsbidrag::messages::unread_for_staff(&mut app.conn())
            .unwrap()
            .is_empty()
    );

    // The thread is oldest first.
    let first = page.find(SECRET).unwrap();
    let second = page.find("Här är den nya budgeten.").unwrap();
    let third = page.find("Och en fråga till.").unwrap();
    assert!(first < second && second < third);

    // Another region's person does not get the file either.
    let vgr = browser(&app, VGR).await;
    let (status, _) = get(&app, &vgr, link).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn the_api_thread_marks_read_and_refuses_the_wrong_people() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let path = format!("/api/v1/applications/{case}/messages");

    let csrf = app.api_login(OFFICER).await;
    let (status, sent) = app
        .post_json(
            &csrf,
            &path,
            json!({ "text": SECRET, "about": "application" }),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["side"], "agency");
    assert_eq!(sent["about"], "application");
    assert_eq!(sent["sender_name"], "Karin Lindqvist");
    assert_eq!(sent["read_at"], Value::Null);
    let mails = message_mails(&app);
    assert_eq!(mails.len(), 3);
    assert!(mails.iter().all(|m| {
        m.kind == "message"
            && m.application_id.as_deref() == Some(case.as_str())
            && m.body_text
                .contains(&format!("/ansokningar/{case}/meddelanden"))
            && !m.body_text.contains(SECRET)
    }));

    // Another region: no such case, as on the case page; both attempts on record.
    let vgr = api_person(&app, VGR).await;
    let denied_before = app.audit_events("access.denied").len();
    let (status, body) = vgr.get_json(&app, &path).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains(SECRET));
    let (status, _) = vgr
        .post_json(&app, &path, json!({ "text": "Hej från VGR" }))
        .await;
    assert_eq!(status, 404);
    let denied = app.audit_events("access.denied");
    assert_eq!(denied.len(), denied_before + 2);
    assert!(denied[..2].iter().all(|e| {
        e.entity_id.as_deref() == Some(case.as_str()) && e.actor_email.as_deref() == Some(VGR)
    }));

    // The auditor reads without reading it for anyone, and may not write (403, on record).
    let auditor = api_person(&app, AUDITOR).await;
    let (status, thread) = auditor.get_json(&app, &path).await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["messages"][0]["text"], SECRET);
    assert_eq!(thread["messages"][0]["read_at"], Value::Null);
    let (status, body) = auditor
        .post_json(&app, &path, json!({ "text": "Revisorn skriver" }))
        .await;
    assert_eq!(status, 403, "{body}");
    let denied = app.audit_events("access.denied");
    assert_eq!(denied[0].actor_email.as_deref(), Some(AUDITOR));
    assert!(denied[0].summary.contains("skriva ett meddelande"));

    // The administrator manages accounts, not cases.
    let admin = api_person(&app, ADMIN).await;
    let (status, _) = admin.get_json(&app, &path).await;
    assert_eq!(status, 403);

    // Skåne's representative reads it through the API: read, by him.
    let skane = api_person(&app, SKANE_REPRESENTATIVE).await;
    let (status, thread) = skane.get_json(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(thread["messages"][0]["read_by_name"], "Jonas Berg");
    assert!(thread["messages"][0]["read_at"].is_string());

    // A text refused is named, in Swedish, beside its field; an unknown subject too.
    let (status, body) = skane
        .post_json(&app, &path, json!({ "text": "   ", "about": "budget" }))
        .await;
    assert_eq!(status, 422);
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == "text" && e["message"] == "Fyll i ditt meddelande.")
    );
    assert!(errors.iter().any(|e| e["field"] == "about"));
    let (status, body) = skane
        .post_json(&app, &path, json!({ "text": "a".repeat(5_001) }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][0]["message"],
        "Texten är för lång: 5\u{a0}001 tecken, högst 5\u{a0}000 är tillåtna."
    );
    let (status, answer) = skane
        .post_json(&app, &path, json!({ "text": "Tack, vi återkommer." }))
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["side"], "organisation");
    assert_eq!(answer["about"], Value::Null);

    // The officer's reading of the API marks the answer read.
    let (_, thread) = app.get_json(&path).await;
    assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
    assert_eq!(thread["messages"][1]["read_by_name"], "Karin Lindqvist");
}

#[actix_web::test]
async fn a_refused_message_comes_back_as_typed() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let skane = browser(&app, SKANE).await;

    let (status, page) = write(&app, &skane, &case, "  ", "report", None).await;
    assert_eq!(status, 422);
    assert!(page.contains("Fyll i ditt meddelande."), "{page}");
    assert!(page.contains("<option value=\"report\" selected>Återrapport</option>"));
    assert!(page.contains("aria-invalid=\"true\""));

    let long = format!("{} slut", "Lång text. ".repeat(500));
    let (status, page) = write(&app, &skane, &case, &long, "", None).await;
    assert_eq!(status, 422);
    assert!(page.contains("Texten är för lång"), "{page}");
    assert!(
        page.contains(&format!(">{long}</textarea>")),
        "the text is kept"
    );

    // A file that is not a PDF is named beside the file field; the text stays.
    let (status, page) = write(
        &app,
        &skane,
        &case,
        "Med en bilaga",
        "",
        Some(("budget.pdf", b"PK\x03\x04 inte en pdf")),
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Filen är inte en läsbar PDF."), "{page}");
    assert!(page.contains(">Med en bilaga</textarea>"));

    // Without the form's CSRF token nothing is sent; the text stays.
    let response = skane
        .post(app.url(&format!("/ansokningar/{case}/meddelanden")))
        .form(&[("csrf_token", "fel"), ("text", "Utan token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(">Utan token</textarea>")
    );

    assert!(message_mails(&app).is_empty());
    assert!(app.audit_events("message.sent").is_empty());
    let stored = statsbidrag::db::messages::of_case(&mut app.conn(), &case).unwrap();
    assert!(stored.is_empty());

    // The auditor's page has no form.
    let auditor = browser(&app, AUDITOR).await;
    let (status, page) = get(&app, &auditor, &format!("/ansokningar/{case}/meddelanden")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("name=\"text\""));
    assert!(page.contains("Du kan läsa meddelandena i ärendet men inte skriva."));
}

#[actix_web::test]
async fn a_message_never_changes() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let skane = browser(&app, SKANE).await;
    let (status, _) = write(
        &app,
        &skane,
        &case,
        "Ett meddelande",
        "",
        Some(("bilaga.pdf", &pdf(1_200))),
    )
    .await;
    assert_eq!(status, 303);
    let message = statsbidrag::db::messages::of_case(&mut app.conn(), &case)
        .unwrap()
        .remove(0);

    // No way to change or remove it in the API.
    let csrf = app.api_login(SKANE).await;
    let path = format!("/api/v1/applications/{case}/messages");
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        for target in [path.clone(), format!("{path}/{}", message.id)] {
            let response = app
                .client
                .request(method.clone(), app.url(&target))
                .header("X-CSRF-Token", &csrf)
                .json(&json!({ "text": "Ändrat" }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                status == 404 || status == 405,
                "{method} {target}: {status}"
            );
        }
    }

    // The database refuses it too: the text, the sender, removal; the file likewise.
    let mut conn = app.conn();
    let id = &message.id;
    for sql in [
        format!("UPDATE case_messages SET body = 'Ändrat' WHERE id = '{id}'"),
        format!("UPDATE case_messages SET sender_side = 'agency' WHERE id = '{id}'"),
        format!("DELETE FROM case_messages WHERE id = '{id}'"),
        format!("UPDATE case_message_files SET filename = 'x.pdf' WHERE message_id = '{id}'"),
        format!("DELETE FROM case_message_files WHERE message_id = '{id}'"),
    ] {
        assert!(execute(&mut conn, &sql).is_err(), "{sql}");
    }
    // Its read fields are set once; then they stay.
    let officer = user_id(&app, OFFICER);
    let at = "2026-12-02 14:03:00";
    let set_read = format!(
        "UPDATE case_messages SET read_at = '{at}', read_by = '{officer}' WHERE id = '{id}'"
    );
    assert_eq!(execute(&mut conn, &set_read).unwrap(), 1);
    assert!(execute(&mut conn, &set_read).is_err());
    assert!(
        execute(
            &mut conn,
            &format!("UPDATE case_messages SET read_at = NULL, read_by = NULL WHERE id = '{id}'")
        )
        .is_err()
    );
    let stored = statsbidrag::db::messages::find(&mut conn, id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "Ett meddelande");
    assert_eq!(stored.read_by.as_deref(), Some(officer.as_str()));
}

#[actix_web::test]
async fn an_officer_with_a_conflict_of_interest_neither_writes_nor_reads_for_the_agency() {
    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let path = format!("/api/v1/applications/{case}/messages");
    let skane = api_person(&app, SKANE).await;
    let (status, _) = skane
        .post_json(
            &app,
            &path,
            json!({ "text": "En fråga om beslutet", "about": "grant" }),
        )
        .await;
    assert_eq!(status, 201);

    let officer = api_person(&app, OFFICER).await;
    let (status, body) = officer
        .post_json(
            &app,
            &format!("/api/v1/applications/{case}/conflicts"),
            json!({ "reason": "Nära släkting i projektgruppen" }),
        )
        .await;
    assert!(status == 200 || status == 201, "{body}");
    let (status, thread) = officer.get_json(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(thread["messages"][0]["read_at"], Value::Null);
    let (status, body) = officer
        .post_json(&app, &path, json!({ "text": "Svar" }))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("jäv"), "{body}");
    assert_eq!(
        app.audit_events("access.denied")[0].actor_email.as_deref(),
        Some(OFFICER)
    );
    assert_eq!(
        statsbidrag::messages::unread_count_for_staff(&mut app.conn()).unwrap(),
        1
    );
}
