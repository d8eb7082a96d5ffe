//! The JSON API under `/api/v1`: the same reads as the pages, for machines. Published calls
//! and their allocation tables are open data; the rest needs a login (the session cookie of
//! `POST /api/v1/session`), and writes carry the session's CSRF token in `X-CSRF-Token`.
//! Errors are problem JSON (RFC 9457) with Swedish messages per field.

mod applications;
mod audit;
mod calls;
pub mod dto;
mod openapi;
mod session;

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;

use crate::error::{AppError, FieldError};

pub use openapi::ApiDoc;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(json_config())
            .app_data(path_config())
            .app_data(query_config())
            .route("/openapi.json", web::get().to(openapi::document))
            .route("/calls", web::get().to(calls::list))
            .route("/calls/{id}", web::get().to(calls::show))
            .route("/calls/{id}/allocation", web::get().to(calls::allocation))
            .route("/applications", web::get().to(applications::list))
            .route("/applications/{id}", web::get().to(applications::show))
            .route("/audit-events", web::get().to(audit::list))
            .route("/me", web::get().to(session::me))
            .route("/session", web::post().to(session::login))
            .route("/session", web::delete().to(session::logout))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::NotFound))
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
            AppError::Db(_) | AppError::Internal(_) => {
                self.0.log_if_internal("API");
                (
                    "Tekniskt fel",
                    "Ett tekniskt fel uppstod och ingenting sparades.".to_string(),
                    vec![],
                )
            }
        };
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
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(1024 * 1024)
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
