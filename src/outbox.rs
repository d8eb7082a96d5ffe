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

/// What a message is about: its kind (`kind`) and, for mail about a case, the case. The
/// mail log of a case (`mail_log`) is read from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About<'a> {
    pub kind: &'static str,
    pub case: Option<&'a str>,
}

impl<'a> About<'a> {
    /// Mail about a case (an application and the grant and reports that follow it).
    pub fn case(kind: &'static str, application_id: &'a str) -> About<'a> {
        About {
            kind,
            case: Some(application_id),
        }
    }

    /// Mail about a person's account, or about something that is not one case.
    pub fn account(kind: &'static str) -> About<'static> {
        About { kind, case: None }
    }
}

/// The kinds of message, as stored in `outbox_messages.kind`. Each has a Swedish label
/// (`kind_label`) for the mail log.
pub mod kind {
    pub const RECEIPT: &str = "receipt";
    pub const SUPPLEMENT_REQUESTED: &str = "supplement_requested";
    pub const SUPPLEMENT_RECEIVED: &str = "supplement_received";
    pub const DECISION_SIGNED: &str = "decision_signed";
    pub const REPORT_RECEIPT: &str = "report_receipt";
    pub const REPORT_SUPPLEMENT_REQUESTED: &str = "report_supplement_requested";
    pub const REPORT_SUPPLEMENT_RECEIVED: &str = "report_supplement_received";
    pub const REPORT_APPROVED: &str = "report_approved";
    pub const REPORT_REMINDER: &str = "report_reminder";
    pub const INVITATION: &str = "invitation";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const LOGIN_WARNING: &str = "login_warning";
    pub const OMBUD: &str = "ombud";
    pub const MESSAGE: &str = "message";
    pub const CHANGE_REQUEST: &str = "change_request";
    pub const DIGEST: &str = "digest";
    pub const DRAFT_REMINDER: &str = "draft_reminder";
    pub const REPORT_OPEN: &str = "report_open";
    pub const REPAYMENT_REMINDER: &str = "repayment_reminder";
    pub const OTHER: &str = "other";
}

/// The Swedish name of a kind of message, for the mail log.
pub fn kind_label(code: &str) -> &'static str {
    match code {
        kind::RECEIPT => "Kvittens på ansökan",
        kind::SUPPLEMENT_REQUESTED => "Begäran om komplettering",
        kind::SUPPLEMENT_RECEIVED => "Komplettering har kommit in",
        kind::DECISION_SIGNED => "Beslut",
        kind::REPORT_RECEIPT => "Kvittens på återrapport",
        kind::REPORT_SUPPLEMENT_REQUESTED => "Begäran om komplettering av återrapport",
        kind::REPORT_SUPPLEMENT_RECEIVED => "Komplettering av återrapport har kommit in",
        kind::REPORT_APPROVED => "Återrapport godkänd",
        kind::REPORT_REMINDER => "Påminnelse om återrapport",
        kind::INVITATION => "Inbjudan",
        kind::PASSWORD_RESET => "Nytt lösenord",
        kind::PASSWORD_CHANGED => "Lösenordet ändrat",
        kind::LOGIN_WARNING => "Varning om inloggningsförsök",
        kind::OMBUD => "Ombudsansökan",
        kind::MESSAGE => "Nytt meddelande",
        kind::CHANGE_REQUEST => "Ändringsansökan",
        kind::DIGEST => "Daglig sammanställning",
        kind::DRAFT_REMINDER => "Påminnelse om ej inskickad ansökan",
        kind::REPORT_OPEN => "Återrapporteringen har öppnat",
        kind::REPAYMENT_REMINDER => "Påminnelse om återbetalning",
        _ => "Övrigt",
    }
}

/// Queues one message to be sent as soon as possible.
pub fn queue(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    about: About<'_>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    insert(conn, now, about, to, subject, body, None, None).map(|_| ())
}

/// Queues a message that carries a one-time link (to choose a password): once sent, its
/// text is removed from the outbox, so that the database does not keep a usable link.
pub fn queue_with_one_time_link(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    about: About<'_>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    let id = insert(conn, now, about, to, subject, body, None, None)?;
    store::mark_for_redaction(conn, &id)?;
    Ok(())
}

/// Queues a copy of an earlier message (an officer's "skicka igen" in the mail log), with
/// the same text and attachment, naming the message it repeats. Returns the new id.
pub fn queue_again(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    original: &OutboxMessage,
) -> Result<String, AppError> {
    let attachment = match (
        &original.attachment_name,
        &original.attachment_content_type,
        &original.attachment,
    ) {
        (Some(name), Some(content_type), Some(content)) => Some(MailAttachment {
            filename: name.clone(),
            content_type: content_type.clone(),
            content: content.clone(),
        }),
        _ => None,
    };
    insert(
        conn,
        now,
        About {
            kind: kind_code(&original.kind),
            case: original.application_id.as_deref(),
        },
        &original.to_address,
        &original.subject,
        &original.body_text,
        attachment,
        Some(&original.id),
    )
}

/// The stored kind as one of the `kind` constants (unknown codes become `other`).
fn kind_code(code: &str) -> &'static str {
    const ALL: [&str; 21] = [
        kind::RECEIPT,
        kind::SUPPLEMENT_REQUESTED,
        kind::SUPPLEMENT_RECEIVED,
        kind::DECISION_SIGNED,
        kind::REPORT_RECEIPT,
        kind::REPORT_SUPPLEMENT_REQUESTED,
        kind::REPORT_SUPPLEMENT_RECEIVED,
        kind::REPORT_APPROVED,
        kind::REPORT_REMINDER,
        kind::INVITATION,
        kind::PASSWORD_RESET,
        kind::PASSWORD_CHANGED,
        kind::LOGIN_WARNING,
        kind::OMBUD,
        kind::MESSAGE,
        kind::CHANGE_REQUEST,
        kind::DIGEST,
        kind::DRAFT_REMINDER,
        kind::REPORT_OPEN,
        kind::REPAYMENT_REMINDER,
        kind::OTHER,
    ];
    ALL.into_iter().find(|k| *k == code).unwrap_or(kind::OTHER)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    about: About<'_>,
    to: &str,
    subject: &str,
    body: &str,
    attachment: Option<MailAttachment>,
    resent_from: Option<&str>,
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
            application_id: about.case.map(str::to_string),
            kind: about.kind.to_string(),
            resent_from: resent_from.map(str::to_string),
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
    about: About<'_>,
    to: &str,
    subject: &str,
    body: &str,
    attachment: MailAttachment,
) -> Result<(), AppError> {
    insert(conn, now, about, to, subject, body, Some(attachment), None).map(|_| ())
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
