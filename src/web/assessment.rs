//! The agency's steps on a case before the decision: declare a conflict of interest, assess
//! every criterion, propose; and the decision's own: prepare, sign, download the letter.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::drafting::check_csrf;
use super::flash::{self, Flash};
use super::{WebError, redirect};
use crate::assessment::{self, ProposalInput, RatingInput};
use crate::decisions::workflow::{self, PrepareInput};
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{Authenticated, State};

/// Back to the top of the case page, where the confirmation shows (an anchor further down
/// would scroll it out of sight).
fn back(id: &str) -> HttpResponse {
    redirect(&format!("/ansokningar/{id}"))
}

/// One of the case's forms as sent: what the case page confirms after it, and the names its
/// fields have on the case page where the rules name them otherwise (several forms share the
/// page, so two of them cannot both have a "reasons").
struct CaseForm<'a> {
    done: Flash,
    renamed: &'a [(&'a str, String)],
}

/// Runs one of the case's forms; on bad input, the case page again with the messages beside
/// their fields and everything typed kept.
async fn submit_form<F>(
    state: &State,
    session: &Session,
    actor: &crate::accounts::Actor,
    id: &str,
    form: FormData,
    sent: CaseForm<'_>,
    step: F,
) -> Result<HttpResponse, WebError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<(), AppError> + Send + 'static,
{
    match state.db.run(step).await {
        Ok(()) => {
            flash::set(session, sent.done);
            Ok(back(id))
        }
        Err(AppError::Invalid(found)) => {
            let mut errors = FieldErrors::new();
            for e in found.iter() {
                let field = sent
                    .renamed
                    .iter()
                    .find(|(rule_name, _)| *rule_name == e.field)
                    .map_or_else(|| e.field.clone(), |(_, page_name)| page_name.clone());
                errors.add(field, e.message.clone());
            }
            super::applications::page(
                state,
                session,
                actor.clone(),
                id.to_string(),
                Default::default(),
                form,
                errors,
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
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
    let (app_id, reason, who) = (id.clone(), form.get("reason"), actor.0.clone());
    submit_form(
        &state,
        &session,
        &actor.0,
        &id,
        form,
        CaseForm {
            done: Flash::ConflictDeclared,
            renamed: &[],
        },
        move |c| assessment::declare_conflict(c, &who, &app_id, &reason, now),
    )
    .await
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
    let (app_id, who) = (id.clone(), actor.0.clone());
    submit_form(
        &state,
        &session,
        &actor.0,
        &id,
        form,
        CaseForm {
            done: Flash::AssessmentSaved,
            renamed: &[],
        },
        move |c| assessment::assess(c, &who, &app_id, &ratings, now),
    )
    .await
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
    let (app_id, who) = (id.clone(), actor.0.clone());
    submit_form(
        &state,
        &session,
        &actor.0,
        &id,
        form,
        CaseForm {
            done: Flash::ProposalSaved,
            renamed: &[],
        },
        move |c| assessment::propose(c, &who, &app_id, &input, now).map(|_| ()),
    )
    .await
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
        reasons: form.get("prepare_reasons"),
    };
    let now = state.clock.now();
    let (app_id, who) = (id.clone(), actor.0.clone());
    // The rules call the letter's reasons "reasons"; on the case page that is the proposal's
    // field, and this form's is "prepare_reasons".
    let renamed = [("reasons", "prepare_reasons".to_string())];
    let sent = CaseForm {
        done: Flash::DecisionPrepared,
        renamed: &renamed,
    };
    submit_form(&state, &session, &actor.0, &id, form, sent, move |c| {
        workflow::prepare(c, &who, &app_id, &input, now).map(|_| ())
    })
    .await
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
    flash::set(&session, Flash::DecisionSigned);
    Ok(back(&application_id))
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
    Ok(crate::http::pdf_response(
        &document.filename,
        Some(&document.sha256),
        document.content,
    ))
}

/// Money claimed back by a change decision has come in (officers). Shown on the case page of
/// the decision; a bad date comes back there with the message beside the field.
pub async fn record_reclaim_received(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    check_csrf(&session, &form.get("csrf_token"))?;
    let claim_id = path.into_inner();
    let input = crate::reports::workflow::ReceivedInput {
        received_on: form.get("received_on"),
    };
    let id = claim_id.clone();
    let application_id = state
        .db
        .run(move |c| {
            let claim = crate::db::reports::claims_of_id(c, &id)?.ok_or(AppError::NotFound)?;
            crate::db::decisions::find(c, &claim.decision_id)?
                .and_then(|d| d.application_id)
                .ok_or(AppError::NotFound)
        })
        .await?;
    let now = state.clock.now();
    let who = actor.0.clone();
    // Each open claim has its own date field on the case page: the message goes beside the
    // one that was sent.
    let renamed = [(
        "received_on",
        super::applications::received_on_field(&claim_id),
    )];
    let sent = CaseForm {
        done: Flash::ReclaimReceived,
        renamed: &renamed,
    };
    submit_form(
        &state,
        &session,
        &actor.0,
        &application_id,
        form,
        sent,
        move |c| {
            crate::reports::workflow::record_reclaim_received(c, &who, &claim_id, &input, now)
                .map(|_| ())
        },
    )
    .await
}
