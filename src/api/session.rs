use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ApiError;
use super::dto::{LoginRequest, SessionDto};
use crate::accounts::links::MailContext;
use crate::accounts::{self, Actor};
use crate::error::AppError;
use crate::http::{self, Authenticated, SESSION_USER, State};

/// Logs in; the answer sets the session cookie and gives the CSRF token for writes.
/// After five wrong passwords for an address (or thirty from one client), logins are
/// refused for a while (429 with `Retry-After`), whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = LoginRequest,
    responses((status = 200, body = SessionDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem, description = "Lösenord är avstängda (LOCAL_LOGIN=false)."),
              (status = 422, body = super::Problem),
              (status = 429, body = super::Problem,
                  description = "För många misslyckade försök; försök igen efter Retry-After sekunder.")))]
pub async fn login(
    state: State,
    session: Session,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<SessionDto>, ApiError> {
    if !state.local_login() {
        // As on the login page: with passwords off, a right one opens nothing either.
        return Err(AppError::Refused(
            "Inloggning med e-postadress och lösenord är avstängd i den här tjänsten. Logga in med e-legitimation."
                .into(),
        )
        .into());
    }
    let LoginRequest { email, password } = body.into_inner();
    let now = state.clock.now();
    let mail = MailContext::new(&state.links, &state.agency_name);
    let actor = accounts::login::log_in(
        &state.db,
        state.login_gate(&req),
        &mail,
        &email,
        password,
        now,
    )
    .await?;
    session.renew();
    session
        .insert(SESSION_USER, &actor.user_id)
        .map_err(|e| AppError::Internal(format!("session insert: {e}")))?;
    let csrf_token = http::renew_csrf_token(&session)?;
    Ok(web::Json(SessionDto { actor, csrf_token }))
}

/// Logs out. Needs the `X-CSRF-Token` header.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem)))]
pub async fn logout(
    state: State,
    session: Session,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require_csrf(&req, &session)?;
    let now = state.clock.now();
    let actor = actor.0;
    state
        .db
        .run(move |c| accounts::record_logout(c, &actor, now))
        .await?;
    session.purge();
    Ok(HttpResponse::NoContent().finish())
}

/// The logged-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Actor), (status = 401, body = super::Problem)))]
pub async fn me(actor: Authenticated) -> web::Json<Actor> {
    web::Json(actor.0)
}

/// Whether the request's `X-CSRF-Token` header is the session's CSRF token.
pub fn csrf_header_matches(req: &HttpRequest, session: &Session) -> bool {
    let submitted = req
        .headers()
        .get("X-CSRF-Token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    http::csrf_matches(session, submitted)
}

/// Logging out carries the session's CSRF token. (It answers 422 without it, as it always
/// has; the other writes use [`super::CsrfChecked`], which answers 403.)
pub fn require_csrf(req: &HttpRequest, session: &Session) -> Result<(), ApiError> {
    if csrf_header_matches(req, session) {
        Ok(())
    } else {
        Err(ApiError(AppError::invalid(
            "X-CSRF-Token",
            "CSRF-token saknas eller stämmer inte. Hämta den vid inloggningen.",
        )))
    }
}
