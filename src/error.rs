//! The error policy.
//!
//! - The database layer returns [`crate::db::DbError`]; rules and use cases return
//!   [`AppError`]. The web layer turns an `AppError` into a Swedish HTML page
//!   (`web::WebError`), the API into problem JSON (`api::ApiError`).
//! - What a person can fix (bad input, a rule that refuses) carries a Swedish message for
//!   that person, per field where there is a field.
//! - What a person cannot fix (a bug) is logged with its cause and answered with a general
//!   message and status 500: internal causes never reach a client.
//! - A database out of reach or locked for longer than the wait is answered 503 with
//!   `Retry-After` and a Swedish message ("Tjänsten är tillfälligt otillgänglig"), decided
//!   here once for every handler ([`AppError::is_unavailable`]).
//! - Refused access is recorded in the audit trail by the code that refuses it, then
//!   answered 403, or 404 where the existence of the thing must not leak.

use serde::Serialize;

use crate::db::DbError;

/// One Swedish message about one field of a form or an API body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name in the form or in the JSON body.
    pub field: String,
    pub message: String,
}

/// Every problem found in one submission, in the order of the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors(Vec::new())
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems so far: a rule that adds several compares before and after.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The message for a field, for showing beside it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(())` when nothing was found, so that validation can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in (or the session has ended).
    #[error("inloggning krävs")]
    Unauthenticated,
    /// Logged in but not allowed. Already recorded in the audit trail.
    #[error("åtkomst nekad")]
    Forbidden,
    /// Not allowed, with a Swedish explanation of why and what to do instead (only the
    /// organisation's representative may submit). Already recorded in the audit trail.
    #[error("{0}")]
    Refused(String),
    /// Does not exist, or must not be known to exist by this person.
    #[error("hittades inte")]
    NotFound,
    /// The input broke one or more rules; each message names its field.
    #[error("ogiltiga uppgifter")]
    Invalid(FieldErrors),
    /// The request is well-formed but the state of the case refuses it; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// Too many wrong passwords: nothing is checked until the lockout ends. The message
    /// says when, in Swedish; `retry_after` is the same in seconds (`Retry-After`).
    #[error("{message}")]
    TooManyAttempts { retry_after: u64, message: String },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internt fel: {0}")]
    Internal(String),
}

impl AppError {
    /// The HTTP status for this error, the same for pages and the API. (A page answers
    /// `Unauthenticated` with a redirect to the login page instead.)
    pub fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Db(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The database is gone or busy for now (503): see [`DbError::is_unavailable`].
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Db(e) if e.is_unavailable())
    }

    /// Logs what a person cannot fix, with its cause; returns whether it was such an error.
    /// The cause stays in the log and never reaches the client.
    pub fn log_if_internal(&self, context: &str) -> bool {
        match self {
            AppError::Db(e) => {
                tracing::error!(error = %e, context, "database error");
                true
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, context, "internal error");
                true
            }
            _ => false,
        }
    }

    /// Seconds to wait before trying again, for the `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { retry_after, .. } => Some(*retry_after),
            _ if self.is_unavailable() => Some(u64::from(RETRY_AFTER_SECONDS)),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors::single(field, message))
    }
}

/// What a person reads when the database is out of reach (page and problem JSON alike).
pub const UNAVAILABLE_TITLE: &str = "Tjänsten är tillfälligt otillgänglig";
pub const UNAVAILABLE_MESSAGE: &str = "Tjänsten är tillfälligt otillgänglig eftersom databasen inte svarar just nu. Försök igen om en liten stund.";
/// Seconds a client is asked to wait before trying again (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u32 = 10;

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            // Two people doing the same thing at the same moment: the database's unique
            // index refused the second; tell them instead of failing.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict(
                "Det du försökte göra har redan gjorts, troligen av någon annan nyss. Ladda om sidan och se hur det ser ut nu."
                    .into(),
            ),
            other => AppError::Db(DbError::Query(other)),
        }
    }
}
