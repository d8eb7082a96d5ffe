//! The agency's steps on a case before the decision: declare a conflict of interest, assess
//! every criterion, propose; and the decision's own: prepare, sign, download the letter.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::drafting::check_csrf;
use super::{WebError, redirect};
use crate::assessment::{self, ProposalInput, RatingInput};
use crate::decisions::workflow::{self, PrepareInput};
use crate::error::AppError;
use crate::forms::FormData;
use crate::http::{Authenticated, State};

fn back(id: &str, anchor: &str) -> HttpResponse {
    redirect(&format!("/ansokningar/{id}#{anchor}"))
}

/// Field errors of these forms are shown on an error page that lists them; the forms are
/// short (a choice and a comment per criterion), so nothing long is lost. The messages
/// name the criterion or year.
fn invalid_to_page(error: AppError) -> WebError {
    error.into()
}

pub async fn declare_conflict(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let id = path.into_inner();
    let now = state.clock.now();
    let (app_id, reason) = (id.clone(), form.get("reason"));
    state
        .db
        .run(move |c| assessment::declare_conflict(c, &actor.0, &app_id, &reason, now))
        .await
        .map_err(invalid_to_page)?;
    Ok(back(&id, "bedomning"))
}

pub async fn assess(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let id = path.into_inner();
    let ratings: Vec<RatingInput> = form
        .rows("ratings")
        .into_iter()
        .map(|row| RatingInput {
            criterion: row.get("criterion").cloned().unwrap_or_default(),
            rating: row.get("rating").cloned().unwrap_or_default(),
            comment: row.get("comment").cloned().unwrap_or_default(),
        })
        .collect();
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| assessment::assess(c, &actor.0, &app_id, &ratings, now))
        .await
        .map_err(invalid_to_page)?;
    Ok(back(&id, "bedomning"))
}

pub async fn propose(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let id = path.into_inner();
    let input = ProposalInput {
        recommendation: form.get("recommendation"),
        reasons: form.get("reasons"),
        amounts: form.map("amounts"),
    };
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| assessment::propose(c, &actor.0, &app_id, &input, now))
        .await
        .map_err(invalid_to_page)?;
    Ok(back(&id, "bedomning"))
}

pub async fn prepare(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let id = path.into_inner();
    let input = PrepareInput {
        reasons: form.get("reasons"),
    };
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| workflow::prepare(c, &actor.0, &app_id, &input, now))
        .await?;
    Ok(back(&id, "beslut"))
}

pub async fn sign(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let decision_id = path.into_inner();
    let now = state.clock.now();
    let links = state.links.clone();
    let id = decision_id.clone();
    let application_id = state
        .db
        .run(move |c| {
            let document = workflow::sign(c, &actor.0, &id, now, &links)?;
            let decision =
                crate::db::decisions::find(c, &document.decision_id)?.ok_or(AppError::NotFound)?;
            Ok::<_, AppError>(decision.application_id.unwrap_or_default())
        })
        .await?;
    Ok(back(&application_id, "beslut"))
}

/// The signed letter, byte for byte as made at signing, with its checksum in a header.
pub async fn letter(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let document = state
        .db
        .run(move |c| workflow::document(c, &actor.0, &id, now))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", document.filename),
        ))
        .insert_header(("X-Content-SHA256", document.sha256.clone()))
        .body(document.content))
}
