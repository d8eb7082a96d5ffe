//! Submitting signs: a person who logged in with e-legitimation proves who they are once
//! more, with a fresh e-legitimation (`oidc::start_signing`), before an application or a
//! report is sent in; a person logged in with a password has proved it at login. How they
//! did is recorded with the submission (`accounts::Signed`).

use actix_session::Session;
use chrono::{DateTime, Utc};

use super::oidc;
use crate::accounts::{Actor, Signed};
use crate::error::AppError;

/// What the confirmation page asks for before the submit button: nothing, or a fresh
/// e-legitimation.
pub fn needed(session: &Session, actor: &Actor, now: DateTime<Utc>) -> bool {
    oidc::fresh_signature(session, actor, now).is_none()
}

/// The proof to record with a submission, or a refusal that says what to do.
pub fn required(session: &Session, actor: &Actor, now: DateTime<Utc>) -> Result<Signed, AppError> {
    match oidc::fresh_signature(session, actor, now) {
        Some(signature) if signature.method == oidc::METHOD_ELEGITIMATION => {
            Ok(Signed::e_legitimation(signature.loa))
        }
        Some(_) => Ok(Signed::password()),
        None => Err(AppError::Refused(
            "Du loggade in med e-legitimation. Skriv under med e-legitimation på bekräftelsesidan innan du skickar in; underskriften gäller i tio minuter."
                .into(),
        )),
    }
}

/// One signature signs one submission. A password login keeps no signature, and its
/// session is left untouched (removing a key marks the session changed: one more write).
pub fn used(session: &Session) {
    if oidc::login_method(session) != oidc::LoginMethod::Password {
        oidc::consume_signature(session);
    }
}
