//! Delivering the outbox: over SMTP to a real listener (`smtp.rs`), through a dead server
//! and back, as files without SMTP, and with rounds racing each other. Each test has its own
//! database, SQLite or (with TEST_DATABASE_URL) PostgreSQL.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::Duration as StdDuration;

use chrono::Duration;
use statsbidrag::clock::SharedClock;
use statsbidrag::db::outbox::{self as store, OutboxMessage};
use statsbidrag::mail::{self, DeliveryReport, MailSettings, Mailer};
use statsbidrag::outbox::{self, MailAttachment};

use crate::helpers::{TestApp, spawn_app_with_mail, spawn_app_with_smtp};
use crate::smtp::SmtpServer;

const SUBJECT: &str = "Beslut om statsbidrag – Region Skåne";
const SKANE_MAIL: &str = "sokande@skane.example";
const ID_DOMAIN: &str = "statsbidrag.example";

fn body() -> String {
    [
        "Hej,",
        "",
        "Socialstyrelsen har beslutat om statsbidrag för integrerad vård vid SiS särskilda \
         ungdomshem. Beslutet finns i den bifogade filen; läs det noga, särskilt villkoren för \
         återrapportering och återbetalning.",
        ".En rad som börjar med punkt, för SMTP:s punktfyllnad.",
        ".",
        "Med vänliga hälsningar",
        "Socialstyrelsen – enheten för statsbidrag",
    ]
    .join("\n")
}

/// Not a real PDF: every byte value, so that any mangling shows.
fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend(b"\n%%EOF\n");
    bytes
}

fn clock_of(app: &TestApp) -> SharedClock {
    Arc::new(app.clock.clone())
}

fn queue_decision(app: &TestApp, to: &str) {
    outbox::queue_with_attachment(
        &mut app.conn(),
        app.clock_now(),
        outbox::About::account(outbox::kind::OTHER),
        to,
        SUBJECT,
        &body(),
        MailAttachment {
            filename: "beslut-SB-2020-0001.pdf".into(),
            content_type: "application/pdf".into(),
            content: pdf(),
        },
    )
    .unwrap();
}

fn queue_plain(app: &TestApp, to: &str, subject: &str) {
    outbox::queue(
        &mut app.conn(),
        app.clock_now(),
        outbox::About::account(outbox::kind::OTHER),
        to,
        subject,
        "Hej på er!",
    )
    .unwrap();
}

fn messages(app: &TestApp) -> Vec<OutboxMessage> {
    store::list(&mut app.conn()).unwrap()
}

fn pending(app: &TestApp) -> i64 {
    store::pending_count(&mut app.conn()).unwrap()
}

async fn round(app: &TestApp, settings: &MailSettings) -> DeliveryReport {
    mail::deliver_due(&app.db, &clock_of(app), settings)
        .await
        .unwrap()
}

fn report(sent: usize, failed: usize) -> DeliveryReport {
    DeliveryReport {
        sent,
        failed,
        more_due: false,
    }
}

#[actix_web::test]
async fn a_queued_decision_reaches_the_smtp_server_once_with_its_letter() {
    let server = SmtpServer::start();
    let (app, settings) = spawn_app_with_smtp(server.port()).await;
    assert!(messages(&app).is_empty());
    queue_decision(&app, SKANE_MAIL);

    assert_eq!(round(&app, &settings).await, report(1, 0));

    let received = server.received();
    assert_eq!(received.len(), 1);
    let envelope = &received[0];
    assert_eq!(envelope.mail_from, "no-reply@statsbidrag.example");
    assert_eq!(envelope.recipients, [SKANE_MAIL]);

    let row = &messages(&app)[0];
    let email = Part::parse(&envelope.data);
    assert_eq!(decode_words(email.header("Subject")), SUBJECT);
    assert!(email.header("To").contains(SKANE_MAIL));
    assert!(
        email
            .header("From")
            .contains("no-reply@statsbidrag.example")
    );
    assert_eq!(
        email.header("Message-ID"),
        mail::message_id(&row.id, ID_DOMAIN)
    );
    assert_eq!(
        email.header("Message-ID"),
        format!("<{}@{ID_DOMAIN}>", row.id)
    );
    assert!(email.header("Content-Type").starts_with("multipart/mixed"));

    let parts = email.parts();
    assert_eq!(parts.len(), 2);
    let text = &parts[0];
    assert!(text.header("Content-Type").starts_with("text/plain"));
    assert_eq!(
        text.param("Content-Type", "charset")
            .map(|c| c.to_lowercase()),
        Some("utf-8".into())
    );
    assert_eq!(String::from_utf8(text.decoded()).unwrap(), body());

    let letter = &parts[1];
    assert_eq!(letter.header("Content-Type"), "application/pdf");
    assert!(
        letter
            .header("Content-Disposition")
            .starts_with("attachment")
    );
    assert_eq!(
        letter.param("Content-Disposition", "filename").as_deref(),
        Some("beslut-SB-2020-0001.pdf")
    );
    assert_eq!(
        letter
            .header("Content-Transfer-Encoding")
            .to_ascii_lowercase(),
        "base64"
    );
    assert_eq!(letter.decoded(), pdf());

    assert_eq!(row.sent_at, Some(app.clock_now().naive_utc()));
    assert_eq!(row.attempts, 0);
    assert_eq!(row.last_error, None);
    assert_eq!(pending(&app), 0);

    // A second round finds nothing to send.
    assert_eq!(round(&app, &settings).await, report(0, 0));
    assert_eq!(server.received().len(), 1);
}

#[actix_web::test]
async fn a_dead_mail_server_delays_the_messages_and_loses_none() {
    let mut server = SmtpServer::start();
    let port = server.port();
    server.stop();
    let (app, settings) = spawn_app_with_smtp(port).await;
    for i in 1..=5 {
        queue_plain(
            &app,
            &format!("person{i}@skane.example"),
            &format!("Påminnelse {i}"),
        );
    }
    let failed_at = app.clock_now();

    assert_eq!(round(&app, &settings).await, report(0, 5));
    for message in messages(&app) {
        assert_eq!(message.sent_at, None);
        assert_eq!(message.attempts, 1);
        let error = message.last_error.expect("the error is kept");
        assert!(error.starts_with("SMTP:"), "{error}");
        assert_eq!(
            message.next_attempt_at,
            (failed_at + Duration::seconds(30)).naive_utc()
        );
        assert!(message.next_attempt_at > failed_at.naive_utc());
    }
    assert_eq!(pending(&app), 5);

    server.restart();
    assert_eq!(server.port(), port);
    // Back up, but the retry is not due yet.
    assert_eq!(round(&app, &settings).await, report(0, 0));
    assert!(server.received().is_empty());

    app.clock.set(failed_at + Duration::seconds(31));
    assert_eq!(round(&app, &settings).await, report(5, 0));
    assert_eq!(round(&app, &settings).await, report(0, 0));

    let rows = messages(&app);
    let received = server.received();
    assert_eq!(received.len(), 5);
    let ids: BTreeSet<String> = received
        .iter()
        .map(|r| Part::parse(&r.data).header("Message-ID"))
        .collect();
    let expected: BTreeSet<String> = rows
        .iter()
        .map(|m| mail::message_id(&m.id, ID_DOMAIN))
        .collect();
    assert_eq!(ids, expected, "every message exactly once");
    let recipients: BTreeSet<String> = received.iter().map(|r| r.recipients.join(",")).collect();
    assert_eq!(recipients.len(), 5);
    for message in rows {
        assert_eq!(message.sent_at, Some(app.clock_now().naive_utc()));
        assert_eq!(message.attempts, 1, "one failed attempt before");
    }
    assert_eq!(pending(&app), 0);
}

#[actix_web::test]
async fn the_backoff_grows_with_each_failure() {
    let mut server = SmtpServer::start();
    let port = server.port();
    server.stop();
    let (app, settings) = spawn_app_with_smtp(port).await;
    queue_plain(&app, SKANE_MAIL, "Påminnelse");
    let mut now = app.clock_now();
    for (attempts, wait) in [(1, 30), (2, 60), (3, 120), (4, 240)] {
        assert_eq!(round(&app, &settings).await, report(0, 1));
        let message = &messages(&app)[0];
        assert_eq!(message.attempts, attempts);
        assert_eq!(
            message.next_attempt_at,
            (now + Duration::seconds(wait)).naive_utc()
        );
        // Just before the retry: nothing happens.
        app.clock.set(now + Duration::seconds(wait - 1));
        assert_eq!(round(&app, &settings).await, report(0, 0));
        now += Duration::seconds(wait);
        app.clock.set(now);
    }
}

#[actix_web::test]
async fn without_smtp_messages_are_written_as_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    let outbox_dir = dir.path().join("utkorg");
    let settings = MailSettings {
        send_interval: None,
        ..MailSettings::files(&outbox_dir)
    };
    let app = spawn_app_with_mail(settings.clone()).await;
    queue_decision(&app, SKANE_MAIL);
    queue_plain(&app, "person@vgregion.example", "Kvittens");

    assert_eq!(round(&app, &settings).await, report(2, 0));
    assert_eq!(round(&app, &settings).await, report(0, 0));

    let rows = messages(&app);
    let mut files: Vec<String> = std::fs::read_dir(&outbox_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut expected: Vec<String> = rows.iter().map(|m| format!("{}.eml", m.id)).collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "one file per message, nothing half-written"
    );
    for row in &rows {
        assert!(row.sent_at.is_some());
        let raw = std::fs::read_to_string(outbox_dir.join(format!("{}.eml", row.id))).unwrap();
        let email = Part::parse(&raw);
        assert!(email.header("To").contains(&row.to_address));
        assert_eq!(decode_words(email.header("Subject")), row.subject);
        assert_eq!(
            email.header("Message-ID"),
            mail::message_id(&row.id, ID_DOMAIN)
        );
        if row.attachment.is_some() {
            let parts = email.parts();
            assert_eq!(parts[1].decoded(), pdf());
            assert_eq!(String::from_utf8(parts[0].decoded()).unwrap(), body());
        }
    }
    assert_eq!(pending(&app), 0);
}

#[actix_web::test]
async fn concurrent_rounds_deliver_each_message_exactly_once() {
    let server = SmtpServer::start();
    let (app, settings) = spawn_app_with_smtp(server.port()).await;
    const MESSAGES: usize = 30;
    for i in 0..MESSAGES {
        queue_plain(
            &app,
            &format!("person{i}@skane.example"),
            &format!("Nr {i}"),
        );
    }
    // Three senders, each with a connection pool of its own as if in separate processes,
    // released at the same moment.
    const SENDERS: usize = 3;
    let barrier = Arc::new(Barrier::new(SENDERS));
    let rounds: Vec<_> = (0..SENDERS)
        .map(|_| {
            let db = app.test_db.connect();
            let clock = clock_of(&app);
            let mailer = Mailer::new(&settings).unwrap();
            let barrier = barrier.clone();
            actix_web::rt::task::spawn_blocking(move || {
                barrier.wait();
                mailer.deliver_due_blocking(&db, clock.as_ref())
            })
        })
        .collect();
    let mut sent = 0;
    for handle in rounds {
        let report = handle.await.unwrap().unwrap();
        assert_eq!(report.failed, 0);
        sent += report.sent;
    }
    assert_eq!(sent, MESSAGES);

    let received = server.received();
    assert_eq!(received.len(), MESSAGES, "no message twice");
    let ids: BTreeSet<String> = received
        .iter()
        .map(|r| Part::parse(&r.data).header("Message-ID"))
        .collect();
    let expected: BTreeSet<String> = messages(&app)
        .iter()
        .map(|m| mail::message_id(&m.id, ID_DOMAIN))
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(pending(&app), 0);
    assert_eq!(round(&app, &settings).await, report(0, 0));
}

#[actix_web::test]
async fn a_claimed_message_is_not_taken_again_until_its_lease_runs_out() {
    let server = SmtpServer::start();
    let (app, settings) = spawn_app_with_smtp(server.port()).await;
    queue_plain(&app, SKANE_MAIL, "Kvittens");
    let now = app.clock_now();
    // Another process claims the message and dies before sending it.
    let claimed = store::claim_next(
        &mut app.conn(),
        now.naive_utc(),
        (now + mail::LEASE).naive_utc(),
    )
    .unwrap();
    assert!(claimed.is_some());
    assert_eq!(round(&app, &settings).await, report(0, 0));
    assert!(server.received().is_empty());
    // When the lease has run out, the message goes.
    app.clock.set(now + mail::LEASE);
    assert_eq!(round(&app, &settings).await, report(1, 0));
    assert_eq!(server.received().len(), 1);
}

#[actix_web::test]
async fn an_address_that_does_not_parse_is_kept_and_retried() {
    let server = SmtpServer::start();
    let (app, settings) = spawn_app_with_smtp(server.port()).await;
    queue_plain(&app, "inte en adress", "Kvittens");
    queue_plain(&app, SKANE_MAIL, "Kvittens");
    assert_eq!(round(&app, &settings).await, report(1, 1));
    let bad = messages(&app)
        .into_iter()
        .find(|m| m.to_address == "inte en adress")
        .unwrap();
    assert_eq!(bad.sent_at, None);
    assert_eq!(bad.attempts, 1);
    assert!(bad.last_error.unwrap().contains("mottagarens adress"));
    assert_eq!(server.received().len(), 1);
}

#[actix_web::test]
async fn the_background_sender_delivers_without_being_asked() {
    let dir = tempfile::tempdir().unwrap();
    let settings = MailSettings {
        send_interval: Some(StdDuration::from_millis(100)),
        ..MailSettings::files(dir.path().join("outbox"))
    };
    let app = spawn_app_with_mail(settings).await;
    queue_plain(&app, SKANE_MAIL, "Kvittens");
    let mut waited = 0;
    while pending(&app) > 0 {
        assert!(waited < 100, "not delivered within 10 s");
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
        waited += 1;
    }
    let id = &messages(&app)[0].id;
    assert!(
        dir.path()
            .join("outbox")
            .join(format!("{id}.eml"))
            .is_file()
    );
}

// Just enough MIME to read what lettre wrote.

struct Part {
    headers: Vec<(String, String)>,
    body: String,
}

impl Part {
    fn parse(raw: &str) -> Part {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                headers.last_mut().unwrap().1.push_str(line);
            } else {
                let (name, value) = line.split_once(':').unwrap();
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        Part {
            headers,
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }

    fn param(&self, header: &str, name: &str) -> Option<String> {
        self.header(header).split(';').skip(1).find_map(|p| {
            let (key, value) = p.trim().split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().trim_matches('"').to_string())
        })
    }

    fn parts(&self) -> Vec<Part> {
        let boundary = format!("--{}", self.param("Content-Type", "boundary").unwrap());
        let mut parts = Vec::new();
        for chunk in self.body.split(&boundary).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.strip_prefix('\n').unwrap_or(chunk);
            let chunk = chunk.strip_suffix('\n').unwrap_or(chunk);
            parts.push(Part::parse(chunk));
        }
        parts
    }

    fn decoded(&self) -> Vec<u8> {
        let encoding = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        match encoding.as_str() {
            "base64" => base64(&self.body),
            "quoted-printable" => quoted_printable(&self.body),
            _ => self.body.as_bytes().to_vec(),
        }
    }
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let value = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\n') {
            i += 2; // a soft line break
        } else {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        }
    }
    out
}

/// A header value with RFC 2047 encoded words, decoded.
fn decode_words(value: String) -> String {
    let mut out = Vec::new();
    let mut previous_encoded = false;
    for (i, token) in value.split_whitespace().enumerate() {
        let word = token.strip_prefix("=?").and_then(|t| t.strip_suffix("?="));
        match word {
            Some(word) => {
                let mut pieces = word.splitn(3, '?');
                let (_charset, encoding, text) = (
                    pieces.next().unwrap(),
                    pieces.next().unwrap(),
                    pieces.next().unwrap(),
                );
                if i > 0 && !previous_encoded {
                    out.push(b' ');
                }
                match encoding {
                    "B" | "b" => out.extend(base64(text)),
                    _ => out.extend(quoted_printable(&text.replace('_', " "))),
                }
                previous_encoded = true;
            }
            None => {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend(token.as_bytes());
                previous_encoded = false;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
