//! Outgoing e-mail. A message is written to the outbox table in the same transaction as the
//! event that causes it: if the event is stored, so is its message, and a dead mail server
//! loses nothing. `mail` delivers the queue over SMTP (or as files). The texts are Swedish,
//! from `templates/email/`.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::agency::Contact;
use crate::db::outbox::{self as store, OutboxMessage};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Queues one message to be sent as soon as possible.
pub fn queue(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    insert(conn, now, to, subject, body, None).map(|_| ())
}

/// Queues a message that carries a one-time link (to choose a password): once sent, its
/// text is removed from the outbox, so that the database does not keep a usable link.
pub fn queue_with_one_time_link(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    let id = insert(conn, now, to, subject, body, None)?;
    store::mark_for_redaction(conn, &id)?;
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    subject: &str,
    body: &str,
    attachment: Option<MailAttachment>,
) -> Result<String, AppError> {
    let (name, content_type, content) = match attachment {
        Some(a) => (Some(a.filename), Some(a.content_type), Some(a.content)),
        None => (None, None, None),
    };
    let id = db::new_id();
    store::insert(
        conn,
        &OutboxMessage {
            id: id.clone(),
            created_at: now.naive_utc(),
            to_address: to.to_string(),
            subject: subject.to_string(),
            body_text: body.to_string(),
            attachment_name: name,
            attachment_content_type: content_type,
            attachment: content,
            attempts: 0,
            next_attempt_at: now.naive_utc(),
            sent_at: None,
            last_error: None,
        },
    )?;
    Ok(id)
}

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

/// Kvittens: the application has arrived.
#[derive(Template)]
#[template(path = "email/receipt.txt")]
pub struct Receipt<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub call_title: &'a str,
    pub project_title: &'a str,
    pub version: i32,
    pub submitted_at: &'a str,
    pub submitted_by: &'a str,
    pub link: &'a str,
    /// Who the applicant asks about the case (the programme's contact).
    pub contact: &'a Contact,
    /// What happens now (`applications::what_happens_next`).
    pub next_steps: &'a [String],
}

impl Receipt<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Kvittens: ansökan {} har kommit in till {}",
            self.registration_number, self.agency
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

/// Komplettering begärd, to the applicant's people.
#[derive(Template)]
#[template(path = "email/supplement_requested.txt")]
pub struct SupplementRequested<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub message: &'a str,
    pub due_on: &'a str,
    pub budget_change_allowed: bool,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl SupplementRequested<'_> {
    pub fn subject(&self) -> String {
        format!("Komplettering begärs: ansökan {}", self.registration_number)
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

/// Komplettering inkommen, to the officer who asked for it.
#[derive(Template)]
#[template(path = "email/supplement_received.txt")]
pub struct SupplementReceived<'a> {
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub version: i32,
    pub submitted_at: &'a str,
    pub submitted_by: &'a str,
    pub link: &'a str,
}

impl SupplementReceived<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Komplettering inkommen: {} från {}",
            self.registration_number, self.organisation
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

/// Addresses of the service in messages, from `PUBLIC_URL`.
#[derive(Debug, Clone)]
pub struct Links {
    pub base: String,
}

impl Links {
    pub fn new(base: &str) -> Links {
        Links {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn case(&self, application_id: &str) -> String {
        format!("{}/ansokningar/{application_id}", self.base)
    }
}

/// A file sent with a message (a decision letter).
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Queues a message with an attachment.
pub fn queue_with_attachment(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    subject: &str,
    body: &str,
    attachment: MailAttachment,
) -> Result<(), AppError> {
    insert(conn, now, to, subject, body, Some(attachment)).map(|_| ())
}

/// Beslut fattat, to the applicant's people, with the letter attached.
#[derive(Template)]
#[template(path = "email/decision_signed.txt")]
pub struct DecisionSigned<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    /// "ansökan beviljad", "ansökan delvis beviljad", "ansökan avslagen", "ändringsbeslut"...
    pub kind: &'a str,
    pub organisation: &'a str,
    pub call_title: &'a str,
    pub decided_on: &'a str,
    pub link: &'a str,
    pub sha256: &'a str,
    pub contact: &'a Contact,
}

impl DecisionSigned<'_> {
    pub fn subject(&self) -> String {
        let what = if self.kind == "ansökan avslagen" {
            "Beslut om avslag"
        } else {
            "Beslut om statsbidrag"
        };
        format!(
            "{what}: {} – {}",
            self.registration_number, self.organisation
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}
