//! A person's own password: "Mitt konto" with "Byt lösenord", "Glömt lösenordet?", and the
//! page an e-mailed link opens to choose a password (invitation or reset). Passwords are
//! never written back into a page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PageContext, WebError, render};
use crate::accounts::credentials::{
    self, LinkHolder, NewPasswordInput, PasswordChangeInput, RESET_INTERVAL,
};
use crate::accounts::links::{self, LinkProblem, MailContext};
use crate::accounts::{Actor, MIN_PASSWORD_LENGTH};
use crate::db::account_links::LinkPurpose;
use crate::error::{AppError, FieldErrors};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageContext,
    errors: FieldErrors,
    changed: bool,
}

impl AccountPage {
    fn min_length(&self) -> usize {
        MIN_PASSWORD_LENGTH
    }

    fn email(&self) -> &str {
        self.ctx.actor.as_ref().map_or("", |a| a.email.as_str())
    }
}

fn account_page(
    state: &State,
    session: &Session,
    actor: Actor,
    errors: FieldErrors,
    changed: bool,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let page = AccountPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "account")?,
        errors,
        changed,
    };
    render(status, &page)
}

pub async fn account(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    account_page(
        &state,
        &session,
        actor.0,
        FieldErrors::new(),
        false,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

pub async fn change(
    state: State,
    session: Session,
    actor: Authenticated,
    req: HttpRequest,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = actor.0;
    if !http::csrf_matches(&session, &form.csrf_token) {
        let errors = FieldErrors::single("csrf_token", super::CSRF_REFUSED);
        return account_page(
            &state,
            &session,
            actor,
            errors,
            false,
            StatusCode::FORBIDDEN,
        );
    }
    let input = PasswordChangeInput {
        current_password: form.current_password,
        new_password: form.new_password,
        new_password_again: form.new_password_again,
    };
    let mail = MailContext::new(&state.links, &state.agency_name);
    let now = state.clock.now();
    let gate = state.login_gate(&req);
    match credentials::change_password(&state.db, gate, &actor, input, &mail, now).await {
        Ok(()) => {
            // Every session of the person has ended, this one too: this browser goes on
            // under a new key, the others must log in again.
            session.renew();
            account_page(
                &state,
                &session,
                actor,
                FieldErrors::new(),
                true,
                StatusCode::OK,
            )
        }
        Err(AppError::Invalid(errors)) => account_page(
            &state,
            &session,
            actor,
            errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::TooManyAttempts {
            retry_after,
            message,
        }) => {
            let mut response = account_page(
                &state,
                &session,
                actor,
                FieldErrors::single("current_password", message),
                false,
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            if let Ok(value) = retry_after.to_string().parse() {
                response
                    .headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    ctx: PageContext,
    email: String,
    errors: FieldErrors,
    sent: bool,
}

impl ForgotPage {
    fn valid_minutes(&self) -> i64 {
        links::RESET_VALID_FOR.num_minutes()
    }

    fn interval_minutes(&self) -> i64 {
        RESET_INTERVAL.num_minutes()
    }
}

fn forgot_page(
    state: &State,
    session: &Session,
    email: String,
    errors: FieldErrors,
    sent: bool,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let page = ForgotPage {
        ctx: PageContext::new(
            None,
            http::csrf_token(session)?,
            &state.agency_name,
            "login",
        ),
        email,
        errors,
        sent,
    };
    render(status, &page)
}

pub async fn forgot_form(state: State, session: Session) -> Result<HttpResponse, WebError> {
    forgot_page(
        &state,
        &session,
        String::new(),
        FieldErrors::new(),
        false,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
}

/// Asks for a reset link. The answer is the same whether the address has an account or not.
pub async fn forgot(
    state: State,
    session: Session,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    // What was typed is shown again only on an error, and never longer than an address.
    let typed: String = form
        .email
        .chars()
        .take(credentials::MAX_EMAIL_LENGTH)
        .collect();
    if !http::csrf_matches(&session, &form.csrf_token) {
        let errors = FieldErrors::single("csrf_token", super::CSRF_REFUSED);
        return forgot_page(
            &state,
            &session,
            typed,
            errors,
            false,
            StatusCode::FORBIDDEN,
        );
    }
    if form.email.trim().is_empty() {
        let errors = FieldErrors::single("email", "Ange din e-postadress.");
        return forgot_page(
            &state,
            &session,
            typed,
            errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mail = MailContext::new(&state.links, &state.agency_name);
    let now = state.clock.now();
    let email = form.email;
    state
        .db
        .run(move |c| credentials::request_reset(c, &email, &mail, now))
        .await?;
    forgot_page(
        &state,
        &session,
        String::new(),
        FieldErrors::new(),
        true,
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "choose_password.html")]
struct ChoosePage {
    ctx: PageContext,
    token: String,
    holder: Option<LinkHolder>,
    problem: Option<String>,
    errors: FieldErrors,
    done: bool,
    /// The service has an identity provider: an invitation may be taken up with it.
    eid: bool,
    /// Local accounts are allowed: a password may be chosen.
    local_login: bool,
}

impl ChoosePage {
    fn min_length(&self) -> usize {
        MIN_PASSWORD_LENGTH
    }

    fn is_reset(&self) -> bool {
        self.holder
            .as_ref()
            .is_some_and(|h| h.purpose == LinkPurpose::Reset)
    }
}

struct Choose {
    token: String,
    outcome: Result<LinkHolder, LinkProblem>,
    errors: FieldErrors,
    done: bool,
}

fn choose_page(
    state: &State,
    session: &Session,
    shown: Choose,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let (holder, problem, status) = match shown.outcome {
        Ok(holder) => (Some(holder), None, status),
        Err(problem) => (None, Some(problem.message()), problem_status(problem)),
    };
    let page = ChoosePage {
        ctx: PageContext::new(
            None,
            http::csrf_token(session)?,
            &state.agency_name,
            "login",
        ),
        token: if shown.done {
            String::new()
        } else {
            shown.token
        },
        holder,
        problem,
        errors: shown.errors,
        done: shown.done,
        eid: state.oidc.is_some(),
        local_login: state.local_login(),
    };
    render(status, &page)
}

/// An unknown link is not found; a link that was good once is gone.
fn problem_status(problem: LinkProblem) -> StatusCode {
    match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    }
}

pub async fn choose_form(
    state: State,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let token = path.into_inner();
    let now = state.clock.now();
    let probe = token.clone();
    let outcome = state
        .db
        .run(move |c| credentials::inspect_link(c, &probe, now))
        .await?;
    let shown = Choose {
        token,
        outcome,
        errors: FieldErrors::new(),
        done: false,
    };
    choose_page(&state, &session, shown, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

pub async fn choose(
    state: State,
    session: Session,
    form: web::Form<ChooseForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let now = state.clock.now();
    if !state.local_login() {
        // The page offers no password then; one posted anyway is not kept, and the link
        // stays usable for e-legitimation.
        let probe = form.token.clone();
        let outcome = state
            .db
            .run(move |c| credentials::inspect_link(c, &probe, now))
            .await?;
        let shown = Choose {
            token: form.token,
            outcome,
            errors: FieldErrors::single(
                "new_password",
                "Lösenord används inte i den här tjänsten. Ta emot inbjudan med e-legitimation.",
            ),
            done: false,
        };
        return choose_page(&state, &session, shown, StatusCode::FORBIDDEN);
    }
    if !http::csrf_matches(&session, &form.csrf_token) {
        let probe = form.token.clone();
        let outcome = state
            .db
            .run(move |c| credentials::inspect_link(c, &probe, now))
            .await?;
        let shown = Choose {
            token: form.token,
            outcome,
            errors: FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            done: false,
        };
        return choose_page(&state, &session, shown, StatusCode::FORBIDDEN);
    }
    let input = NewPasswordInput {
        new_password: form.new_password,
        new_password_again: form.new_password_again,
    };
    let mail = MailContext::new(&state.links, &state.agency_name);
    match credentials::use_link(&state.db, form.token.clone(), input, &mail, now).await {
        Ok(outcome) => {
            let done = outcome.is_ok();
            let shown = Choose {
                token: form.token,
                outcome,
                errors: FieldErrors::new(),
                done,
            };
            choose_page(&state, &session, shown, StatusCode::OK)
        }
        Err(AppError::Invalid(errors)) => {
            let probe = form.token.clone();
            let outcome = state
                .db
                .run(move |c| credentials::inspect_link(c, &probe, now))
                .await?;
            let shown = Choose {
                token: form.token,
                outcome,
                errors,
                done: false,
            };
            choose_page(&state, &session, shown, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(other.into()),
    }
}
