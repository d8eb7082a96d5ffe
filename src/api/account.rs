//! One's own account through the API: changing the password. (Invitations and resets go
//! by e-mailed links to pages, where a person types the new password.)

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;

use super::{ApiError, CsrfChecked};
use crate::accounts::credentials::{self, PasswordChangeInput};
use crate::accounts::links::MailContext;
use crate::http::{Authenticated, State};

/// The account part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(paths(change_password), components(schemas(PasswordChangeInput)))]
pub struct AccountApiDoc;

/// Changes the logged-in person's own password: the current one, and the new one twice
/// (at least 12 characters). Every other session of the person ends; this one continues
/// under a new session cookie, with the same CSRF token. Needs the `X-CSRF-Token` header.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session",
    request_body = PasswordChangeInput,
    responses(
        (status = 204, description = "Lösenordet är bytt."),
        (status = 401, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::Problem, content_type = "application/problem+json",
            description = "Fel nuvarande lösenord (fältet current_password), eller ett nytt lösenord som bryter mot reglerna."),
        (status = 429, body = super::Problem, content_type = "application/problem+json",
            description = "För många fel nuvarande lösenord; försök igen efter Retry-After sekunder.")))]
pub async fn change_password(
    state: State,
    session: Session,
    actor: Authenticated,
    _csrf: CsrfChecked,
    req: HttpRequest,
    body: web::Json<PasswordChangeInput>,
) -> Result<HttpResponse, ApiError> {
    let mail = MailContext::new(&state.links, &state.agency_name);
    let now = state.clock.now();
    let gate = state.login_gate(&req);
    credentials::change_password(&state.db, gate, &actor.0, body.into_inner(), &mail, now).await?;
    // Every session of the person has ended, this one too: it goes on under a new key.
    session.renew();
    Ok(HttpResponse::NoContent().finish())
}
