//! The mail log of a case (issue 16): every e-mail the service queued about a case (the
//! outbox keeps each message's case and kind), with where it stands: delivered, waiting, or
//! failing and why. The agency's case staff and auditors read it; an officer can send a
//! message again, as a new message that names the one it repeats. Applicants are refused.
//!
//! A message that carries a one-time link (to choose a password) never shows its text and
//! is never sent again: its link must be used once, by its owner, and a new one is asked
//! for instead.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit;
use crate::codes::Role;
use crate::db::applications::Application;
use crate::db::outbox::{self as store, LoggedMessage};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::outbox;

pub mod action {
    /// An officer sent a message of a case's mail log again.
    pub const MAIL_RESENT: &str = "mail.resent";
}

/// Who reads a case's mail log: the agency's case staff (officers, decision makers) and
/// auditors, as for every list of cases.
pub fn may_read(actor: &Actor) -> bool {
    crate::access::can_list_all_cases(actor)
}

/// Who sends a message again: officers (auditors and decision makers only read).
pub fn may_resend(actor: &Actor) -> bool {
    actor.role == Role::Officer
}

/// What the refusal says when a one-time-link message is asked to be sent again.
pub const ONE_TIME_LINK_REFUSED: &str = "Meddelandet innehöll en engångslänk och kan inte skickas igen. Personen kan i stället begära en ny länk på sidan Glömt lösenord, eller bjudas in på nytt.";

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The mail server (or the file) took it.
    Sent,
    /// Not tried yet.
    Waiting,
    /// Tried and failed; it is tried again later (`last_error` says why).
    Failing,
}

impl Delivery {
    pub fn of(message: &LoggedMessage) -> Delivery {
        if message.sent_at.is_some() {
            Delivery::Sent
        } else if message.attempts > 0 {
            Delivery::Failing
        } else {
            Delivery::Waiting
        }
    }

    /// The code the API sends.
    pub fn code(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Waiting => "waiting",
            Delivery::Failing => "failing",
        }
    }
}

/// One message of the log.
#[derive(Debug, Clone)]
pub struct Entry {
    pub message: LoggedMessage,
    /// It carries a one-time link: its text is never shown and it is never sent again.
    pub one_time_link: bool,
    /// When the message this one repeats was queued (for "Skickat igen från …").
    pub resent_from_at: Option<NaiveDateTime>,
}

impl Entry {
    pub fn kind_label(&self) -> &'static str {
        outbox::kind_label(&self.message.kind)
    }

    pub fn delivery(&self) -> Delivery {
        Delivery::of(&self.message)
    }

    pub fn is_sent(&self) -> bool {
        self.delivery() == Delivery::Sent
    }

    pub fn is_failing(&self) -> bool {
        self.delivery() == Delivery::Failing
    }
}

/// A case's mail log, newest first.
#[derive(Debug, Clone)]
pub struct MailLog {
    pub application: Application,
    pub entries: Vec<Entry>,
}

impl MailLog {
    /// The case as people name it: its registration number.
    pub fn case_name(&self) -> String {
        case_name(&self.application)
    }
}

fn case_name(application: &Application) -> String {
    application
        .registration_number
        .clone()
        .unwrap_or_else(|| "Ansökan".to_string())
}

/// The case, for those who may read its mail log; others are refused and recorded. An
/// applicant of another organisation, and anyone asking for a draft never sent in, learns
/// nothing of the case (404), as on the case page.
fn case_for_reader(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let submitted = application.submitted_at.is_some();
    let may_read_case =
        crate::access::can_read_application(actor, &application.organisation_id, submitted);
    if may_read_case && may_read(actor) {
        return Ok(application);
    }
    audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
    Err(if may_read_case {
        AppError::Forbidden
    } else {
        AppError::NotFound
    })
}

fn entries(conn: &mut DbConnection, messages: Vec<LoggedMessage>) -> Result<Vec<Entry>, AppError> {
    let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let marked = store::marked_for_redaction_among(conn, &ids)?;
    let queued_at = |id: &str| messages.iter().find(|m| m.id == id).map(|m| m.created_at);
    let out = messages
        .iter()
        .map(|m| Entry {
            one_time_link: marked.contains(&m.id),
            resent_from_at: m.resent_from.as_deref().and_then(queued_at),
            message: m.clone(),
        })
        .collect();
    Ok(out)
}

/// Every message queued about the case, newest first.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<MailLog, AppError> {
    let application =
        case_for_reader(conn, actor, application_id, now, "läsa ärendets e-postlogg")?;
    let messages = store::of_case(conn, &application.id)?;
    Ok(MailLog {
        entries: entries(conn, messages)?,
        application,
    })
}

/// One message with its text (withheld for a one-time link).
#[derive(Debug, Clone)]
pub struct MessageView {
    pub application: Application,
    pub entry: Entry,
    /// The text as queued; `None` when it carries a one-time link.
    pub body: Option<String>,
}

impl MessageView {
    pub fn case_name(&self) -> String {
        case_name(&self.application)
    }
}

/// One message of the case's log, with its text. A message of another case (or of no case)
/// is not found here.
pub fn show(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<MessageView, AppError> {
    let application = case_for_reader(
        conn,
        actor,
        application_id,
        now,
        "läsa ett e-postmeddelande i ärendet",
    )?;
    let message = store::find(conn, message_id)?
        .filter(|m| m.application_id.as_deref() == Some(application.id.as_str()))
        .ok_or(AppError::NotFound)?;
    let one_time_link = store::is_marked_for_redaction(conn, &message.id)?;
    let resent_from_at = match &message.resent_from {
        Some(id) => store::find(conn, id)?.map(|m| m.created_at),
        None => None,
    };
    let body = (!one_time_link).then(|| message.body_text.clone());
    Ok(MessageView {
        entry: Entry {
            message: logged(&message),
            one_time_link,
            resent_from_at,
        },
        body,
        application,
    })
}

fn logged(m: &store::OutboxMessage) -> LoggedMessage {
    LoggedMessage {
        id: m.id.clone(),
        created_at: m.created_at,
        to_address: m.to_address.clone(),
        subject: m.subject.clone(),
        attachment_name: m.attachment_name.clone(),
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        sent_at: m.sent_at,
        last_error: m.last_error.clone(),
        application_id: m.application_id.clone(),
        kind: m.kind.clone(),
        resent_from: m.resent_from.clone(),
    }
}

/// Sends a message of the case again (officers): a new message in the outbox with the same
/// recipient, text and attachment, naming the one it repeats; recorded in the audit trail.
/// Returns the new message as the log lists it.
pub fn resend(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Entry, AppError> {
    let application = case_for_reader(
        conn,
        actor,
        application_id,
        now,
        "skicka e-post igen i ärendet",
    )?;
    if !may_resend(actor) {
        // Recorded before the transaction: a refusal must stay on record.
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(&application.id),
            "skicka e-post igen i ärendet",
        )?;
        return Err(AppError::Forbidden);
    }
    db::write_tx(conn, |conn| {
        let original = store::find(conn, message_id)?
            .filter(|m| m.application_id.as_deref() == Some(application.id.as_str()))
            .ok_or(AppError::NotFound)?;
        if store::is_marked_for_redaction(conn, &original.id)? {
            return Err(AppError::Conflict(ONE_TIME_LINK_REFUSED.to_string()));
        }
        let new_id = outbox::queue_again(conn, now, &original)?;
        let label = outbox::kind_label(&original.kind);
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::MAIL_RESENT,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "E-post skickad igen i {}: {} till {}",
                    case_name(&application),
                    label,
                    original.to_address
                ),
                details: json!({
                    "message_id": original.id,
                    "new_message_id": new_id,
                    "kind": original.kind,
                    "to": original.to_address,
                }),
            },
        )?;
        let copy = store::find(conn, &new_id)?.ok_or(AppError::NotFound)?;
        Ok(Entry {
            message: logged(&copy),
            one_time_link: false,
            resent_from_at: Some(original.created_at),
        })
    })
}
