//! Attachments on the application edit page and in the API: every button of the page posts
//! the whole form, so an upload saves what was typed (or, refused, shows it again); the
//! 10 MB limit and its Swedish message hold on both; a PDF is a PDF by being readable; file
//! names lose the characters that hide what they are.

use serde_json::{Value, json};
use statsbidrag::accounts;
use statsbidrag::calls::edit::{self, CallInput, CallYearInput, CategoryInput, SectionInput};

use crate::helpers::{OFFICER, SKANE, TestApp, csrf_from, spawn_app_without_cases};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// A published call open on 2020-10-02 (the clock is set there), with two cost categories,
/// set up directly (the call forms have tests of their own).
pub(crate) fn open_call(app: &TestApp) -> String {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, OFFICER)
        .unwrap()
        .unwrap();
    let officer = accounts::load_actor(&mut conn, &user.id).unwrap().unwrap();
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: "hostutlysning".into(),
        title: "Höstens utlysning".into(),
        description: "En utlysning för proven.".into(),
        opens_on: "2020-10-01".into(),
        last_day: "2020-10-25".into(),
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
        cost_categories: vec![
            CategoryInput {
                code: "personal".into(),
                name: "Personal".into(),
            },
            CategoryInput {
                code: "resor".into(),
                name: "Resor".into(),
            },
        ],
        ..Default::default()
    };
    let now = at("2020-10-02T08:00:00Z");
    app.clock.set(now);
    let call = edit::create(&mut conn, &officer, &input, now).unwrap();
    edit::publish(&mut conn, &officer, &call.id, now).unwrap();
    call.id
}

/// Skåne logged in through the pages with a new, empty draft; its id.
pub(crate) async fn skane_draft(app: &TestApp) -> String {
    let call_id = open_call(app);
    app.login(SKANE).await;
    let (_, page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit = response.headers()["location"].to_str().unwrap().to_string();
    edit.split('/').nth(2).unwrap().to_string()
}

pub(crate) fn edit_path(id: &str) -> String {
    format!("/ansokningar/{id}/redigera")
}

/// The edit page's CSRF token and form key, as a browser would send them back.
pub(crate) async fn form_tokens(app: &TestApp, id: &str) -> (String, String) {
    let (status, page) = app.get_text(&edit_path(id)).await;
    assert_eq!(status, 200, "{page}");
    let marker = "name=\"form_key\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    (csrf_from(&page), page[start..end].to_string())
}

/// The case as the API shows it (the page login's session reads the API too).
pub(crate) async fn case(app: &TestApp, id: &str) -> Value {
    let (status, case) = app.get_json(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(status, 200, "{case}");
    case
}

/// A one-page PDF of exactly `size` bytes (its content stream is padded with spaces), with
/// a correct cross-reference table: a PDF any reader opens.
pub(crate) fn pdf(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ];
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    // The rest of the file has a fixed length whatever the padding (the stream's length and
    // the offsets are written with ten digits; leading zeros are allowed), so the padding
    // that makes `size` is known.
    let stream_at = out.len();
    let fixed = out.len() + tail(&offsets, 0, 0, 0).len();
    assert!(size >= fixed, "a PDF needs at least {fixed} bytes");
    let padding = size - fixed;
    let xref_at = stream_at + tail_stream(padding).len();
    out.extend_from_slice(&tail(&offsets, stream_at, xref_at, padding));
    assert_eq!(out.len(), size);
    out
}

fn tail_stream(padding: usize) -> Vec<u8> {
    let mut stream = format!("4 0 obj\n<< /Length {padding:010} >>\nstream\n").into_bytes();
    stream.resize(stream.len() + padding, b' ');
    stream.extend_from_slice(b"\nendstream\nendobj\n");
    stream
}

fn tail(offsets: &[usize], stream_at: usize, xref_at: usize, padding: usize) -> Vec<u8> {
    let mut out = tail_stream(padding);
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets.iter().chain([&stream_at]) {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref_at:010}\n%%EOF\n").as_bytes(),
    );
    out
}

/// Something that starts like a PDF and is not one.
fn fake_pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

/// A `multipart/form-data` body as a browser sends it: the fields, then the file.
pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----statsbidrag-prov-7f3a9c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts the edit form as multipart, as the page does; the status and the answer (the
/// redirect's target, or the page).
pub(crate) async fn post_edit(
    app: &TestApp,
    id: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let (csrf, form_key) = form_tokens(app, id).await;
    let mut all = vec![
        ("csrf_token", csrf.as_str()),
        ("form_key", form_key.as_str()),
    ];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, file);
    let response = app
        .client
        .post(app.url(&edit_path(id)))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    (status, location.unwrap_or(text))
}

/// The message shown beside a field of the edit page (`<p class="field-error" id="F-fel">`).
pub(crate) fn message_beside(page: &str, field: &str) -> String {
    let marker = format!("id=\"{field}-fel\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no message beside {field}"))
        + marker.len();
    let end = page[start..].find("</p>").unwrap() + start;
    page[start..end].to_string()
}

const TYPED: &str = "Planen som skrevs innan bilagan laddades upp.";

fn typed_fields(answer: &'static str, personal: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("project_title", "Barn i fokus"),
        ("answers.1", answer),
        ("budget_present", "1"),
        ("budget.2021.personal", personal),
        ("budget.2021.personal.description", "Projektledare"),
    ]
}

#[actix_web::test]
async fn uploading_an_attachment_saves_the_typed_text_with_it() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;
    let content = pdf(50_000);

    let mut fields = typed_fields(TYPED, "300 000");
    fields.push(("action", "upload"));
    let (status, location) =
        post_edit(&app, &id, &fields, Some(("Budgetbilaga.pdf", &content))).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        location,
        format!("{}?sparat=bilaga#bilagor", edit_path(&id))
    );

    // The text and the file are both stored, and the page says exactly that.
    let (_, page) = app.get_text(&location).await;
    assert!(
        page.contains("Utkastet är sparat och bilagan är bifogad."),
        "{page}"
    );
    assert!(page.contains(TYPED));
    assert!(page.contains("Budgetbilaga.pdf"));
    let case = case(&app, &id).await;
    let version = &case["versions"][0];
    assert_eq!(case["project_title"], "Barn i fokus");
    assert_eq!(version["answers"][0]["body"], TYPED, "{version}");
    assert_eq!(version["budget"][0]["amount"], "300000");
    assert_eq!(version["attachments"][0]["filename"], "Budgetbilaga.pdf");
    assert_eq!(version["attachments"][0]["size_bytes"], 50_000);

    // Removing it saves the text typed since, too.
    let attachment_id = version["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut fields = typed_fields("Planen, ändrad innan bilagan togs bort.", "300 000");
    fields.push(("remove_attachment", &attachment_id));
    let (status, location) = post_edit(&app, &id, &fields, None).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        location,
        format!("{}?sparat=borttagen#bilagor", edit_path(&id))
    );
    let case = crate::uploads::case(&app, &id).await;
    let version = &case["versions"][0];
    assert_eq!(
        version["answers"][0]["body"],
        "Planen, ändrad innan bilagan togs bort."
    );
    assert_eq!(version["attachments"], json!([]));
    assert_eq!(app.audit_events("attachment.added").len(), 1);
    assert_eq!(app.audit_events("attachment.removed").len(), 1);
}

#[actix_web::test]
async fn an_upload_with_text_that_breaks_a_rule_stores_nothing_and_shows_everything_again() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;
    let before = case(&app, &id).await;

    let mut fields = typed_fields(TYPED, "6 000 000");
    fields.push(("action", "upload"));
    let (status, page) = post_edit(&app, &id, &fields, Some(("bilaga.pdf", &pdf(2_000)))).await;
    assert_eq!(status, 422);
    assert!(page.contains("Ingenting är sparat. Det du skrev står kvar i formuläret."));
    assert!(!page.contains("Utkastet är sparat"));
    assert!(page.contains(TYPED));
    assert!(page.contains("value=\"6 000 000\""));
    assert!(
        message_beside(&page, "file").contains("Välj den igen"),
        "{page}"
    );
    assert_eq!(case(&app, &id).await, before);
    assert_eq!(app.audit_events("attachment.added").len(), 0);
}

#[actix_web::test]
async fn a_5_mb_pdf_is_attached_and_an_11_mb_one_is_refused_in_swedish_with_the_text_kept() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;

    // Page: 5 MB is well within the limit.
    let mut fields = typed_fields(TYPED, "300 000");
    fields.push(("action", "upload"));
    let five = pdf(5_000_000);
    let (status, location) = post_edit(&app, &id, &fields, Some(("fem.pdf", &five))).await;
    assert_eq!(status, 303, "{location}");
    let before = case(&app, &id).await;
    assert_eq!(
        before["versions"][0]["attachments"][0]["size_bytes"],
        5_000_000
    );

    // Page: 11 MB is refused beside the file field, in Swedish, and what was typed stays.
    let mut fields = typed_fields("Ny text som inte får försvinna.", "400 000");
    fields.push(("action", "upload"));
    let eleven = pdf(11_000_000);
    let (status, page) = post_edit(&app, &id, &fields, Some(("elva.pdf", &eleven))).await;
    assert_eq!(status, 422, "{page}");
    assert!(!page.contains("Payload"));
    assert!(
        message_beside(&page, "file")
            .starts_with("Filen är för stor. En bilaga får vara högst 10 MB."),
        "{page}"
    );
    assert!(page.contains("Ny text som inte får försvinna."));
    assert!(page.contains("value=\"400 000\""));
    assert_eq!(case(&app, &id).await, before);

    // API: the same file sizes, the same limit and message.
    let csrf = app.api_login(SKANE).await;
    let upload = |bytes: Vec<u8>| {
        app.client
            .post(app.url(&format!("/api/v1/applications/{id}/attachments")))
            .query(&[("filename", "api.pdf")])
            .header("X-CSRF-Token", &csrf)
            .header("Content-Type", "application/pdf")
            .body(bytes)
            .send()
    };
    let response = upload(five).await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let response = upload(eleven).await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "file");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Filen är för stor. En bilaga får vara högst 10 MB."),
        "{problem}"
    );
    assert_eq!(app.audit_events("attachment.added").len(), 2);
}

#[actix_web::test]
async fn a_pdf_is_a_pdf_by_being_readable_and_names_lose_hidden_characters() {
    let app = spawn_app_without_cases().await;
    let id = skane_draft(&app).await;

    // Page: starts like a PDF, is not one: refused beside the file field, text kept.
    let mut fields = typed_fields(TYPED, "300 000");
    fields.push(("action", "upload"));
    let (status, page) =
        post_edit(&app, &id, &fields, Some(("bilaga.pdf", &fake_pdf(5_000)))).await;
    assert_eq!(status, 422);
    assert!(
        message_beside(&page, "file").contains("inte en läsbar PDF"),
        "{page}"
    );
    assert!(page.contains(TYPED));

    // Page: a name that would show as "fakturaexe.pdf" reversed loses its direction mark.
    let (status, location) = post_edit(
        &app,
        &id,
        &fields,
        Some(("faktura\u{202e}fdp.exe", &pdf(3_000))),
    )
    .await;
    assert_eq!(status, 303, "{location}");

    // API: the same checks.
    let csrf = app.api_login(SKANE).await;
    let upload = |filename: &'static str, bytes: Vec<u8>| {
        app.client
            .post(app.url(&format!("/api/v1/applications/{id}/attachments")))
            .query(&[("filename", filename)])
            .header("X-CSRF-Token", &csrf)
            .header("Content-Type", "application/pdf")
            .body(bytes)
            .send()
    };
    let response = upload("bilaga.pdf", fake_pdf(5_000)).await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "file");
    // C0 control characters (BEL, ESC) are refused in any query before the handler
    // (`input_guard`); direction marks, which are not, are taken out of the name.
    let response = upload("rapport\u{7}\u{1b}[31m.pdf", pdf(3_000))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "filename");
    let response = upload(
        "\u{2067}rapport\u{2069}\u{200f}\u{061c}\u{200e}\u{202a}[31m.pdf",
        pdf(3_000),
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let attachment: Value = response.json().await.unwrap();
    assert_eq!(attachment["filename"], "rapport[31m.pdf");

    let case = case(&app, &id).await;
    let names: Vec<&str> = case["versions"][0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fakturafdp.exe.pdf", "rapport[31m.pdf"]);
}
