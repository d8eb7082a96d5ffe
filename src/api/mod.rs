//! The JSON API under `/api/v1`: the same reads as the pages, for machines. Published calls
//! and their allocation tables are open data; the rest needs a login (the session cookie of
//! `POST /api/v1/session`), and writes carry the session's CSRF token in `X-CSRF-Token`.
//! Errors are problem JSON (RFC 9457) with Swedish messages per field.

mod account;
mod applications;
mod audit;
mod calls;
mod case_officer;
mod change_requests;
mod decisions;
pub mod dto;
mod forms;
mod mail_log;
mod messages;
mod openapi;
mod organisations;
mod payments;
mod queues;
mod redistribution;
mod reports;
mod search;
mod session;

use std::fmt;
use std::future::{Ready, ready};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, guard, web};
use serde::Serialize;

use crate::error::{AppError, FieldError};
use crate::http::SESSION_USER;

pub use openapi::{ApiDoc, api_document};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        reports::routes(
            web::scope("/api/v1")
                .app_data(json_config())
                .app_data(path_config())
                .app_data(query_config())
                .route("/openapi.json", web::get().to(openapi::document))
                .route("/calls", web::get().to(calls::list))
                .route("/calls", web::post().to(calls::create))
                .route("/calls/{id}", web::get().to(calls::show))
                .route("/calls/{id}", web::put().to(calls::update))
                .route("/calls/{id}/publish", web::post().to(calls::publish))
                .route("/calls/{id}/close", web::post().to(calls::close))
                .route("/calls/{id}/copy", web::post().to(calls::copy))
                .route("/calls/{id}/amendments", web::get().to(calls::amendments))
                .route("/calls/{id}/allocation", web::get().to(calls::allocation))
                .route("/calls/{id}/form", web::get().to(forms::show))
                .route("/queues", web::get().to(queues::list))
                .route(
                    "/applications/{id}/case-officer",
                    web::get().to(case_officer::show),
                )
                .route(
                    "/applications/{id}/case-officer",
                    web::put().to(case_officer::set),
                )
                .route(
                    "/applications/{id}/change-requests",
                    web::get().to(change_requests::list),
                )
                .route(
                    "/applications/{id}/change-requests",
                    web::post().to(change_requests::create),
                )
                .route(
                    "/change-requests/{id}",
                    web::get().to(change_requests::show),
                )
                .route(
                    "/change-requests/{id}",
                    web::put().to(change_requests::update),
                )
                .route(
                    "/change-requests/{id}/submit",
                    web::post().to(change_requests::submit),
                )
                .route(
                    "/change-requests/{id}/answer",
                    web::post().to(change_requests::answer),
                )
                .route(
                    "/change-requests/{id}/supplement-request",
                    web::post().to(change_requests::request_supplement),
                )
                .route(
                    "/change-requests/{id}/supplement-answer",
                    web::post().to(change_requests::answer_supplement),
                )
                .route("/calls/{id}/form", web::put().to(forms::import))
                .route("/calls/{id}/form/versions", web::get().to(forms::versions))
                .route(
                    "/calls/{id}/applications",
                    web::post().to(applications::start),
                )
                .route(
                    "/applications/{id}/assessment",
                    web::get().to(decisions::show_assessment),
                )
                .route(
                    "/applications/{id}/assessment",
                    web::put().to(decisions::assess),
                )
                .route(
                    "/applications/{id}/conflicts",
                    web::post().to(decisions::declare_conflict),
                )
                .route(
                    "/applications/{id}/proposals",
                    web::post().to(decisions::propose),
                )
                .route(
                    "/applications/{id}/decisions",
                    web::post().to(decisions::prepare),
                )
                .route("/calls/{id}/payments", web::get().to(payments::for_call))
                .route("/calls/{id}/dashboard", web::get().to(payments::dashboard))
                .route(
                    "/organisations/{id}/payments",
                    web::get().to(payments::for_organisation),
                )
                .route("/payments/mark-paid", web::post().to(payments::mark_paid))
                .route("/payments/{id}", web::get().to(payments::show))
                .route("/claims/{id}", web::get().to(payments::claim))
                .route("/claims/{id}/letter", web::get().to(payments::claim_letter))
                .route(
                    "/calls/{id}/rounds",
                    web::get().to(redistribution::for_call),
                )
                .route("/rounds", web::get().to(redistribution::open_rounds))
                .route("/calls/{id}/rounds", web::post().to(redistribution::open))
                .route("/rounds/{id}", web::get().to(redistribution::show))
                .route("/rounds/{id}/close", web::post().to(redistribution::close))
                .route(
                    "/rounds/{id}/applications",
                    web::post().to(redistribution::apply),
                )
                .route("/decisions/{id}", web::get().to(decisions::show))
                .route("/decisions/{id}/sign", web::post().to(decisions::sign))
                .route(
                    "/decisions/{id}/changes",
                    web::post().to(decisions::prepare_change),
                )
                .route("/decisions/{id}/letter", web::get().to(decisions::letter))
                .route("/applications", web::get().to(applications::list))
                .route("/applications/{id}", web::get().to(applications::show))
                .route(
                    "/applications/{id}/draft",
                    web::put().to(applications::save_draft),
                )
                .route(
                    "/applications/{id}/submit-check",
                    web::get().to(applications::submit_check),
                )
                .route(
                    "/applications/{id}/submit",
                    web::post().to(applications::submit),
                )
                .route(
                    "/applications/{id}/supplement-requests",
                    web::post().to(applications::request_supplement),
                )
                .route(
                    "/applications/{id}/supplement-answer",
                    web::post().to(applications::begin_supplement_answer),
                )
                .route(
                    "/applications/{id}/complete",
                    web::post().to(applications::mark_complete),
                )
                .service(
                    web::resource("/applications/{id}/attachments")
                        .guard(guard::Post())
                        .app_data(web::PayloadConfig::new(ATTACHMENT_BODY_LIMIT))
                        .route(web::post().to(applications::add_attachment)),
                )
                .route(
                    "/applications/{id}/attachments/{attachment_id}",
                    web::get().to(applications::download_attachment),
                )
                .route(
                    "/applications/{id}/attachments/{attachment_id}",
                    web::delete().to(applications::remove_attachment),
                )
                .route(
                    "/applications/{id}/messages",
                    web::get().to(messages::thread),
                )
                .route(
                    "/applications/{id}/messages",
                    web::post().to(messages::send),
                )
                .route(
                    "/applications/{id}/messages/files/{file_id}",
                    web::get().to(messages::file),
                )
                .route("/applications/{id}/mail", web::get().to(mail_log::list))
                .route(
                    "/applications/{id}/mail/{message_id}/resend",
                    web::post().to(mail_log::resend),
                )
                .route("/audit-events", web::get().to(audit::list))
                .route("/search", web::get().to(search::search_cases))
                .route("/accounts", web::get().to(organisations::accounts_overview))
                .route(
                    "/organisations/{id}/people",
                    web::get().to(organisations::people),
                )
                .route("/me", web::get().to(session::me))
                .route("/me/password", web::post().to(account::change_password))
                .route("/session", web::post().to(session::login))
                .route("/session", web::delete().to(session::logout)),
        )
        .default_service(web::to(not_found)),
    );
}

/// The largest JSON body read: above the longest text a form allows, so that a text too
/// long is answered by the rules, naming its field.
const JSON_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The largest attachment body read: 1 MiB above the 10 MB an attachment may have, so that
/// a file slightly too large is answered by the rules (field `file`); a larger body is
/// answered with the same Swedish message without being read (see
/// `applications::add_attachment`).
const ATTACHMENT_BODY_LIMIT: usize =
    crate::applications::workflow::ATTACHMENT_MAX_BYTES + 1024 * 1024;

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::NotFound))
}

/// A write's proof that it comes from the logged-in person's own client: the header
/// `X-CSRF-Token` equal to the session's token (the one `POST /api/v1/session` gave). As an
/// extractor it is checked before the body is read, so a refused write does nothing at all.
/// Without a login the answer is 401, as for any request that needs one.
pub struct CsrfChecked;

impl FromRequest for CsrfChecked {
    type Error = actix_web::Error;
    type Future = Ready<Result<CsrfChecked, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let logged_in = matches!(session.get::<String>(SESSION_USER), Ok(Some(_)));
        ready(if !logged_in {
            Err(ApiError(AppError::Unauthenticated).into())
        } else if session::csrf_header_matches(req, &session) {
            Ok(CsrfChecked)
        } else {
            Err(CsrfRefused.into())
        })
    }
}

/// A write without the session's CSRF token: 403, with the header named as the field.
#[derive(Debug)]
pub struct CsrfRefused;

impl fmt::Display for CsrfRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CSRF-token saknas eller stämmer inte")
    }
}

impl ResponseError for CsrfRefused {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        problem(
            StatusCode::FORBIDDEN,
            "Åtkomst nekad",
            "Begäran saknar giltig CSRF-token och utfördes inte.".to_string(),
            vec![FieldError {
                field: "X-CSRF-Token".into(),
                message: "CSRF-token saknas eller stämmer inte. Skicka den token som inloggningen (POST /api/v1/session) gav, i huvudet X-CSRF-Token.".into(),
            }],
        )
    }
}

fn problem(
    status: StatusCode,
    title: &str,
    detail: String,
    errors: Vec<FieldError>,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        })
}

/// A problem report (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// One Swedish message per field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError(e)
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> ApiError {
        ApiError(AppError::Db(e))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, detail, errors) = match &self.0 {
            AppError::Unauthenticated => (
                "Inloggning krävs",
                "Logga in med POST /api/v1/session.".to_string(),
                vec![],
            ),
            AppError::Forbidden => (
                "Åtkomst nekad",
                "Du har inte behörighet till detta. Försöket har loggats.".to_string(),
                vec![],
            ),
            AppError::NotFound => ("Finns inte", "Resursen finns inte.".to_string(), vec![]),
            AppError::Invalid(errors) => (
                "Ogiltiga uppgifter",
                "Ett eller flera fält behöver rättas.".to_string(),
                errors.clone().into_vec(),
            ),
            AppError::Refused(message) => ("Åtkomst nekad", message.clone(), vec![]),
            AppError::Conflict(message) => ("Går inte att genomföra", message.clone(), vec![]),
            AppError::Db(_) if self.0.is_unavailable() => {
                self.0.log_if_internal("API");
                let mut response = problem(
                    status,
                    crate::error::UNAVAILABLE_TITLE,
                    crate::error::UNAVAILABLE_MESSAGE.to_string(),
                    vec![],
                );
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
                );
                return response;
            }
            AppError::TooManyAttempts { message, .. } => {
                ("För många försök", message.clone(), vec![])
            }
            AppError::Db(_) | AppError::Internal(_) => {
                self.0.log_if_internal("API");
                (
                    "Tekniskt fel",
                    "Ett tekniskt fel uppstod och ingenting sparades.".to_string(),
                    vec![],
                )
            }
        };
        let mut response = problem(status, title, detail, errors);
        if let Some(seconds) = self.0.retry_after()
            && let Ok(value) = seconds.to_string().parse()
        {
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, value);
        }
        response
    }
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_BODY_LIMIT)
        .error_handler(|err, _req| {
            let message = match &err {
                actix_web::error::JsonPayloadError::ContentType => {
                    "Skicka JSON med Content-Type: application/json.".to_string()
                }
                actix_web::error::JsonPayloadError::Deserialize(e) => {
                    format!("JSON-kroppen kunde inte läsas: {e}")
                }
                actix_web::error::JsonPayloadError::Overflow { .. }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                    "JSON-kroppen är för stor.".to_string()
                }
                _ => "JSON-kroppen kunde inte läsas.".to_string(),
            };
            ApiError(AppError::invalid("body", message)).into()
        })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| ApiError(AppError::NotFound).into())
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError(AppError::invalid(
            "query",
            format!("Frågeparametrarna kunde inte läsas: {err}"),
        ))
        .into()
    })
}
