//! Messages on a case in the API (issue 16): the thread, which marks the other side's
//! messages read as the page does, and writing a message. Files are sent on the page
//! (`POST /ansokningar/{id}/meddelanden`); here they are listed and downloaded.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::dto::PdfFile;
use super::{ApiError, CsrfChecked};
use crate::db::messages::MessageFileInfo;
use crate::http::{Authenticated, State};
use crate::messages::{self, MessageAbout, MessageInput, MessageSide, MessageView, Thread};

/// The messages part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(
    paths(thread, send, file),
    components(schemas(
        MessageThreadDto,
        MessageDto,
        MessageFileDto,
        MessageInput,
        MessageSide,
        MessageAbout
    ))
)]
pub struct MessagesApiDoc;

/// A case's messages, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageThreadDto {
    pub application_id: String,
    pub registration_number: Option<String>,
    pub organisation: String,
    pub messages: Vec<MessageDto>,
}

/// One message, with its read receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    pub id: String,
    /// Who wrote it.
    pub sender_name: String,
    /// Which side wrote it: the agency or the applicant organisation.
    pub side: MessageSide,
    /// What it concerns, if the writer said.
    pub about: Option<MessageAbout>,
    pub text: String,
    pub sent_at: DateTime<Utc>,
    /// When someone of the other side first read it; null while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// Who of the other side read it first.
    pub read_by_name: Option<String>,
    pub files: Vec<MessageFileDto>,
}

/// A file sent with a message (a PDF). The content is at `download`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageFileDto {
    pub id: String,
    pub filename: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    /// `/api/v1/applications/{id}/messages/files/{file_id}`.
    pub download: String,
}

fn file_dto(application_id: &str, f: &MessageFileInfo) -> MessageFileDto {
    MessageFileDto {
        id: f.id.clone(),
        filename: f.filename.clone(),
        size_bytes: f.size_bytes,
        sha256: f.sha256.clone(),
        download: format!(
            "/api/v1/applications/{application_id}/messages/files/{}",
            f.id
        ),
    }
}

fn message_dto(application_id: &str, v: &MessageView) -> MessageDto {
    MessageDto {
        id: v.message.id.clone(),
        sender_name: v.sender_name.clone(),
        side: v.message.sender_side,
        about: v.message.about,
        text: v.message.body.clone(),
        sent_at: v.message.sent_at.and_utc(),
        read_at: v.message.read_at.map(|at| at.and_utc()),
        read_by_name: v.reader_name.clone(),
        files: v
            .files
            .iter()
            .map(|f| file_dto(application_id, f))
            .collect(),
    }
}

fn thread_dto(thread: &Thread) -> MessageThreadDto {
    let id = &thread.application.id;
    MessageThreadDto {
        application_id: id.clone(),
        registration_number: thread.application.registration_number.clone(),
        organisation: thread.organisation.name.clone(),
        messages: thread.messages.iter().map(|m| message_dto(id, m)).collect(),
    }
}

/// The case's messages, oldest first, for whoever may read the case. Reading them marks
/// the other side's unread messages read, as opening the page does (an auditor's reading
/// marks nothing).
#[utoipa::path(get, path = "/api/v1/applications/{id}/messages", tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, body = MessageThreadDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn thread(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<MessageThreadDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let thread = state
        .db
        .run(move |c| messages::read_thread(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(thread_dto(&thread)))
}

/// Writes a message in the case (the agency's officers and decision makers, and the
/// organisation's people). The other side is told by e-mail that there is a message,
/// without its text. Files are sent with the page's form, not here.
#[utoipa::path(post, path = "/api/v1/applications/{id}/messages", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = MessageInput,
    responses((status = 201, body = MessageDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn send(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<MessageInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let input = body.into_inner();
    let now = state.clock.now();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let case = id.clone();
    let sent = state
        .db
        .run(move |c| messages::send(c, &actor.0, &case, &input, None, now, &links, &agency))
        .await?;
    let view = MessageView {
        message: sent.message,
        sender_name: sent.sender_name,
        reader_name: None,
        files: sent.files,
        new: false,
    };
    Ok(HttpResponse::Created().json(message_dto(&id, &view)))
}

/// A file sent with a message, the PDF as uploaded.
#[utoipa::path(get, path = "/api/v1/applications/{id}/messages/files/{file_id}",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("file_id" = String, Path, description = "The file's id")),
    responses((status = 200, content_type = "application/pdf", body = PdfFile),
              (status = 401, body = super::Problem), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem), (status = 409, body = super::Problem)))]
pub async fn file(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, file_id) = path.into_inner();
    let now = state.clock.now();
    let file = state
        .db
        .run(move |c| messages::download_file(c, &actor.0, &id, &file_id, now))
        .await?;
    Ok(crate::http::file_response(
        &file.filename,
        &file.content_type,
        Some(&file.sha256),
        file.content,
    ))
}
