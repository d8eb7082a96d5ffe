//! Actions on someone else's account, from the administrator's list or an organisation's
//! list of people: a new invitation, deactivation, reactivation. Each answers with a
//! redirect back to the list, which says what was done.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{WebError, redirect};
use crate::accounts::links::MailContext;
use crate::accounts::{activation, invitations};
use crate::db::accounts::User;
use crate::error::AppError;
use crate::http::{self, Authenticated, State};

/// What `?klart=…` on a list after an action says: one of a fixed set of messages, never
/// text from the address. Read leniently, so that no address makes the list fail.
pub fn notice(req: &HttpRequest) -> Option<&'static str> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    let done = pairs.0.into_iter().rev().find(|(key, _)| key == "klart")?.1;
    match done.as_str() {
        "inbjudan" => Some("En ny inbjudan har skickats. Den tidigare länken gäller inte längre."),
        "inaktiverat" => Some(
            "Kontot är inaktiverat. Personens inloggningar har avslutats och kontot kan inte användas förrän det återaktiveras.",
        ),
        "aktiverat" => Some("Kontot är återaktiverat."),
        "borttagen" => {
            Some("Personen är borttagen ur organisationen. Personens inloggningar har avslutats.")
        }
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    /// `organisation` to return to the person's organisation's list; otherwise the
    /// administrator's list.
    #[serde(default)]
    back: String,
}

/// Back to a list of this site: the person's organisation's, or the administrator's.
fn back_to(form: &ActionForm, user: &User, done: &str) -> String {
    match (&user.organisation_id, form.back.as_str()) {
        (Some(org), "organisation") => format!("/organisationer/{org}/personer?klart={done}"),
        _ => format!("/admin?klart={done}"),
    }
}

fn check_csrf(session: &Session, form: &ActionForm) -> Result<(), WebError> {
    if http::csrf_matches(session, &form.csrf_token) {
        Ok(())
    } else {
        Err(AppError::invalid("csrf_token", super::CSRF_REFUSED).into())
    }
}

pub async fn resend_invitation(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form)?;
    let now = state.clock.now();
    let mail = MailContext::new(&state.links, &state.agency_name);
    let (who, id) = (actor.0, path.into_inner());
    let user = state
        .db
        .run(move |c| invitations::resend(c, &who, &id, &mail, now))
        .await?;
    Ok(redirect(&back_to(&form, &user, "inbjudan")))
}

async fn set_active(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
    active: bool,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form)?;
    let now = state.clock.now();
    let (who, id) = (actor.0, path.into_inner());
    let user = state
        .db
        .run(move |c| activation::set_active(c, &who, &id, active, now))
        .await?;
    let done = if active { "aktiverat" } else { "inaktiverat" };
    Ok(redirect(&back_to(&form, &user, done)))
}

pub async fn deactivate(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    set_active(state, session, actor, path, form, false).await
}

pub async fn reactivate(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    set_active(state, session, actor, path, form, true).await
}
