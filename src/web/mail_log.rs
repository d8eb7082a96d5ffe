//! A case's mail log (issue 16): the list, one message with its text, and an officer's
//! "Skicka igen". The rules are `mail_log`'s.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::drafting::{CsrfForm, check_csrf};
use super::{PageContext, WebError, redirect, render};
use crate::error::AppError;
use crate::http::{Authenticated, State};
use crate::mail_log::{self, MailLog, MessageView};

#[derive(Template)]
#[template(path = "mail_log.html")]
struct MailLogPage {
    ctx: PageContext,
    log: MailLog,
    /// Back from "Skicka igen": the copy is queued.
    resent: bool,
    /// Why a message was not sent again.
    refusal: Option<String>,
}

impl MailLogPage {
    fn may_resend(&self) -> bool {
        self.ctx.actor.as_ref().is_some_and(mail_log::may_resend)
    }
}

#[derive(Template)]
#[template(path = "mail_message.html")]
struct MailMessagePage {
    ctx: PageContext,
    view: MessageView,
}

impl MailMessagePage {
    fn may_resend(&self) -> bool {
        self.ctx.actor.as_ref().is_some_and(mail_log::may_resend)
    }

    /// The text as paragraphs of lines, as the e-mail shows it.
    fn paragraphs(&self) -> Vec<Vec<String>> {
        let text = self
            .view
            .body
            .as_deref()
            .unwrap_or_default()
            .replace("\r\n", "\n");
        text.split("\n\n")
            .map(|p| p.lines().map(str::to_string).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LogQuery {
    #[serde(default, rename = "skickat-igen")]
    resent: Option<String>,
}

async fn log_page(
    state: &State,
    session: &Session,
    actor: crate::accounts::Actor,
    id: String,
    resent: bool,
    refusal: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let (who, now) = (actor.clone(), state.clock.now());
    let log = state
        .db
        .run(move |c| mail_log::list(c, &who, &id, now))
        .await?;
    let page = MailLogPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        log,
        resent,
        refusal,
    };
    render(status, &page)
}

/// `GET /ansokningar/{id}/e-post`: the case's mail log (case staff and auditors).
pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, WebError> {
    let resent = query.resent.is_some();
    log_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        resent,
        None,
        StatusCode::OK,
    )
    .await
}

/// `GET /ansokningar/{id}/e-post/{message_id}`: one message with its text.
pub async fn message(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, message_id) = path.into_inner();
    let (who, now) = (actor.0.clone(), state.clock.now());
    let view = state
        .db
        .run(move |c| mail_log::show(c, &who, &id, &message_id, now))
        .await?;
    let page = MailMessagePage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        view,
    };
    render(StatusCode::OK, &page)
}

/// `POST /ansokningar/{id}/e-post/{message_id}/skicka-igen` (officers).
pub async fn resend(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let (id, message_id) = path.into_inner();
    let (who, case, now) = (actor.0.clone(), id.clone(), state.clock.now());
    let result = state
        .db
        .run(move |c| mail_log::resend(c, &who, &case, &message_id, now))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/ansokningar/{}/e-post?skickat-igen=1",
            super::format::url_encode(&id)
        ))),
        // Shown on the log itself, beside the messages it is about.
        Err(AppError::Conflict(message)) => {
            log_page(
                &state,
                &session,
                actor.0,
                id,
                false,
                Some(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
