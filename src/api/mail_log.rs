//! A case's mail log as JSON (issue 16): the messages queued about a case, without their
//! text, and an officer's "send again". The work is `mail_log`'s.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, CsrfChecked};
use crate::http::{Authenticated, State};
use crate::mail_log::{self, Entry};

/// The mail log part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(paths(list, resend), components(schemas(MailMessageDto)))]
pub struct MailLogApiDoc;

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(at, Utc)
}

/// One e-mail queued about a case, without its text.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailMessageDto {
    pub id: String,
    /// Which kind of message (`receipt`, `supplement_requested`, `decision_signed`,
    /// `report_reminder`, `draft_reminder`, `report_open`, `repayment_reminder`, …).
    pub kind: String,
    /// The kind in Swedish, as the mail log shows it.
    pub kind_label: String,
    pub to: String,
    pub subject: String,
    pub attachment_name: Option<String>,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When the mail server (or the file) took it; `null` while not sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// `sent`, `waiting` (not tried yet) or `failing` (tried; `last_error` says why, and it
    /// is tried again at `next_attempt_at`).
    #[schema(example = "sent")]
    pub delivery: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The message this one sends again, when an officer sent it again.
    pub resent_from: Option<String>,
    /// It carries a one-time link: its text is never shown and it cannot be sent again.
    pub one_time_link: bool,
}

impl MailMessageDto {
    fn new(entry: &Entry) -> MailMessageDto {
        let m = &entry.message;
        MailMessageDto {
            id: m.id.clone(),
            kind: m.kind.clone(),
            kind_label: entry.kind_label().to_string(),
            to: m.to_address.clone(),
            subject: m.subject.clone(),
            attachment_name: m.attachment_name.clone(),
            queued_at: utc(m.created_at),
            sent_at: m.sent_at.map(utc),
            delivery: entry.delivery().code().to_string(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            next_attempt_at: m.sent_at.is_none().then(|| utc(m.next_attempt_at)),
            resent_from: m.resent_from.clone(),
            one_time_link: entry.one_time_link,
        }
    }
}

/// Every e-mail the service queued about the case, newest first, without their text. For
/// officers, decision makers and auditors; applicants are refused (and the refusal is
/// recorded).
#[utoipa::path(get, path = "/api/v1/applications/{id}/mail", tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, body = Vec<MailMessageDto>), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<MailMessageDto>>, ApiError> {
    let (id, now) = (path.into_inner(), state.clock.now());
    let log = state
        .db
        .run(move |c| mail_log::list(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(
        log.entries.iter().map(MailMessageDto::new).collect(),
    ))
}

/// Sends a message of the case again (officers): a new message with the same recipient,
/// text and attachment, whose `resent_from` names the one it repeats; recorded in the audit
/// trail. A message of another case is not found (404); one that carried a one-time link is
/// refused (409).
#[utoipa::path(post, path = "/api/v1/applications/{id}/mail/{message_id}/resend", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("message_id" = String, Path, description = "The message's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = MailMessageDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn resend(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, message_id) = path.into_inner();
    let now = state.clock.now();
    let entry = state
        .db
        .run(move |c| mail_log::resend(c, &actor.0, &id, &message_id, now))
        .await?;
    Ok(HttpResponse::Created().json(MailMessageDto::new(&entry)))
}
