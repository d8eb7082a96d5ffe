//! Logging in and out.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PageContext, WebError, redirect, render};
use crate::accounts;
use crate::accounts::links::MailContext;
use crate::error::{AppError, FieldErrors};
use crate::http::{self, MaybeActor, State};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageContext,
    email: String,
    next: String,
    errors: FieldErrors,
    /// Logging in with e-legitimation is offered (an identity provider is configured).
    eid: bool,
    /// The e-mail and password form is shown.
    local_login: bool,
}

impl LoginPage {
    fn new(
        state: &State,
        session: &Session,
        email: String,
        next: String,
        errors: FieldErrors,
    ) -> Result<LoginPage, AppError> {
        Ok(LoginPage {
            ctx: PageContext::new(
                None,
                http::csrf_token(session)?,
                &state.agency_name,
                "login",
            ),
            email,
            next,
            errors,
            eid: state.oidc.is_some(),
            local_login: state.local_login(),
        })
    }

    /// The `next` parameter, percent-encoded, for the e-legitimation link.
    fn next_query(&self) -> String {
        super::format::url_encode(&self.next)
    }
}

/// The login page again, with `errors` (e.g. why a login with e-legitimation failed, under
/// the field `e-legitimation`).
pub(crate) fn login_page(
    state: &State,
    session: &Session,
    status: StatusCode,
    next: &str,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let page = LoginPage::new(state, session, String::new(), safe_next(next), errors)?;
    render(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only paths on this site: never an open redirect to somewhere else. A path starts with
/// one `/` and holds only visible ASCII without a backslash: browsers drop tabs and line
/// breaks from a `Location` (so `/\t/evil.example` would become `//evil.example`, another
/// host) and read `\` as `/`. Real paths come percent-encoded, so nothing else is needed.
pub(crate) fn safe_next(next: &str) -> String {
    let visible = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let mut chars = next.chars();
    let same_site = chars.next() == Some('/') && chars.next() != Some('/');
    if visible && same_site {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn login_form(
    state: State,
    session: Session,
    actor: MaybeActor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    if actor.0.is_some() {
        return Ok(redirect(&safe_next(&query.next)));
    }
    let page = LoginPage::new(
        &state,
        &session,
        String::new(),
        safe_next(&query.next),
        FieldErrors::new(),
    )?;
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    state: State,
    session: Session,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let next = safe_next(&form.next);
    // The typed address is shown again, unless it is too long to be one.
    let typed = if form.email.chars().count() <= accounts::login::MAX_EMAIL_LENGTH {
        form.email.clone()
    } else {
        String::new()
    };
    let again = |status: StatusCode, errors: FieldErrors, session: &Session| {
        let page = LoginPage::new(&state, session, typed.clone(), next.clone(), errors)?;
        render(status, &page)
    };
    if !state.local_login() {
        // The form is not shown; a POST to it anyway is refused before anything is checked.
        return again(
            StatusCode::FORBIDDEN,
            FieldErrors::single(
                "e-legitimation",
                "Inloggning med e-postadress och lösenord är avstängd i den här tjänsten. Logga in med e-legitimation.",
            ),
            &session,
        );
    }
    if !http::csrf_matches(&session, &form.csrf_token) {
        return again(
            StatusCode::FORBIDDEN,
            FieldErrors::single(
                "csrf_token",
                "Sidan hade varit öppen för länge eller kom från en annan webbplats. Försök logga in igen.",
            ),
            &session,
        );
    }
    let now = state.clock.now();
    let mail = MailContext::new(&state.links, &state.agency_name);
    let gate = state.login_gate(&req);
    let outcome =
        accounts::login::log_in(&state.db, gate, &mail, &form.email, form.password, now).await;
    let actor = match outcome {
        Ok(actor) => actor,
        Err(AppError::Invalid(errors)) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, errors, &session);
        }
        Err(AppError::Unauthenticated) => {
            return again(
                StatusCode::UNAUTHORIZED,
                FieldErrors::single("email", "Fel e-postadress eller lösenord."),
                &session,
            );
        }
        Err(AppError::TooManyAttempts {
            retry_after,
            message,
        }) => {
            let mut response = again(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::single("email", message),
                &session,
            )?;
            if let Ok(value) = retry_after.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(response);
        }
        Err(other) => return Err(other.into()),
    };
    super::oidc::start_session(&session, &actor, &super::oidc::LoginMethod::Password)?;
    Ok(redirect(&next))
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    state: State,
    session: Session,
    actor: MaybeActor,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, WebError> {
    let Some(actor) = actor.0 else {
        return Ok(redirect("/"));
    };
    if !http::csrf_matches(&session, &form.csrf_token) {
        return Err(AppError::invalid(
            "csrf_token",
            "Utloggningen kom inte från en sida i tjänsten. Ladda om sidan och försök igen.",
        )
        .into());
    }
    let now = state.clock.now();
    state
        .db
        .run(move |c| accounts::record_logout(c, &actor, now))
        .await?;
    session.purge();
    Ok(redirect("/"))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirects_only_within_the_site() {
        assert_eq!(safe_next("/ansokningar/x"), "/ansokningar/x");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/\n/evil.example"), "/");
        assert_eq!(safe_next("/ /evil.example"), "/");
        assert_eq!(safe_next("/\u{3000}/evil.example"), "/");
        assert_eq!(safe_next("/"), "/");
        assert_eq!(
            safe_next("/utlysningar/x?ar=2021&y=%C3%A5"),
            "/utlysningar/x?ar=2021&y=%C3%A5"
        );
    }
}
