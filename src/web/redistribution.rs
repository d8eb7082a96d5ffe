//! Redistribution rounds: the call's rounds with the form to open one (officers), a round's
//! live figures and applications (the agency, auditors), and the form to ask for more money
//! (organisations granted in the call).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::flash::{self, Flash};
use super::{PageContext, WebError, redirect, render, stash};
use crate::accounts::Actor;
use crate::codes::Role;
use crate::dashboard::YearMoney;
use crate::db::calls::Call;
use crate::db::redistribution::Round;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{Authenticated, MaybeActor, State};
use crate::redistribution::{self, RoundInput, RoundView, TopUpForm, TopUpInput};

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    ctx: PageContext,
    call: Call,
    years: Vec<YearMoney>,
    rounds: Vec<Round>,
    errors: FieldErrors,
    typed: FormData,
}

impl RoundsPage {
    fn is_officer(&self) -> bool {
        self.ctx.role() == Some(Role::Officer)
    }

    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }
}

async fn rounds_page(
    state: &State,
    session: &Session,
    actor: Actor,
    call_id: String,
    errors: FieldErrors,
    typed: FormData,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (call, years, rounds) = state
        .db
        .run(move |c| {
            // The dashboard's own check: the agency and auditors.
            let years = crate::dashboard::for_call(c, &viewer, &call_id, now)?;
            let call = crate::db::calls::find_call(c, &call_id)?.ok_or(AppError::NotFound)?;
            let rounds = redistribution::rounds_of_call(c, &call_id)?;
            Ok::<_, AppError>((call, years, rounds))
        })
        .await?;
    let page = RoundsPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        call,
        years,
        rounds,
        errors,
        typed,
    };
    render(status, &page)
}

pub async fn rounds(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    rounds_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        FieldErrors::new(),
        FormData::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn open(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let call_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = RoundInput {
        year: form.get("year"),
        last_day: form.get("last_day"),
    };
    let now = state.clock.now();
    let (who, id) = (actor.0.clone(), call_id.clone());
    match state
        .db
        .run(move |c| redistribution::open_round(c, &who, &id, &input, now))
        .await
    {
        Ok(round) => {
            flash::set(&session, Flash::RoundOpened);
            Ok(redirect(&format!("/omfordelningar/{}", round.id)))
        }
        Err(AppError::Invalid(errors)) => {
            rounds_page(
                &state,
                &session,
                actor.0,
                call_id,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    ctx: PageContext,
    view: RoundView,
}

impl RoundPage {
    fn is_officer(&self) -> bool {
        self.ctx.role() == Some(Role::Officer)
    }
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let viewer = actor.0.clone();
    // An applicant who follows a link to a round gets its form.
    if viewer.role == Role::Applicant {
        return Ok(redirect(&format!("/omfordelningar/{id}/ansok")));
    }
    let view = state
        .db
        .run(move |c| redistribution::view(c, &viewer, &id, now))
        .await?;
    let page = RoundPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        view,
    };
    render(StatusCode::OK, &page)
}

pub async fn close(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let now = state.clock.now();
    let round_id = id.clone();
    state
        .db
        .run(move |c| redistribution::close_round(c, &actor.0, &round_id, now))
        .await?;
    flash::set(&session, Flash::RoundClosed);
    Ok(redirect(&format!("/omfordelningar/{id}")))
}

#[derive(Template)]
#[template(path = "top_up_form.html")]
struct TopUpPage {
    ctx: PageContext,
    form: TopUpForm,
    errors: FieldErrors,
    typed: FormData,
    /// This browser's form key, sent back with the form (see `stash`).
    form_key: String,
    notice: Option<String>,
}

impl TopUpPage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }
}

fn form_path(round_id: &str) -> String {
    format!("/omfordelningar/{round_id}/ansok")
}

#[allow(clippy::too_many_arguments)]
async fn top_up_page(
    state: &State,
    session: &Session,
    actor: Actor,
    round_id: String,
    errors: FieldErrors,
    typed: FormData,
    form_key: String,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let form = state
        .db
        .run(move |c| redistribution::top_up_form(c, &viewer, &round_id, now))
        .await?;
    let page = TopUpPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        form,
        errors,
        typed,
        form_key,
        notice,
    };
    render(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct RestoreQuery {
    /// The token of a form kept when the session ended while it was typed.
    aterstall: Option<String>,
}

pub async fn top_up_form(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<RestoreQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let round_id = path.into_inner();
    let (form_key, new_cookie) = stash::form_key(&req, &actor.0.user_id)?;
    let (mut typed, mut notice) = (FormData::default(), None);
    let token = query.into_inner().aterstall;
    if let Some(pairs) =
        stash::restore(&state, &req, &actor.0.user_id, token, form_path(&round_id)).await?
    {
        typed = FormData::new(pairs);
        notice = Some(
                "Du blev utloggad innan ansökan skickades in. Här är det du skrev – kontrollera och skicka in."
                    .into(),
            );
    }
    let mut response = top_up_page(
        &state,
        &session,
        actor.0,
        round_id,
        FieldErrors::new(),
        typed,
        form_key,
        notice,
        StatusCode::OK,
    )
    .await?;
    if let Some(cookie) = new_cookie {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Internal(format!("cookie: {e}")))?;
    }
    Ok(response)
}

pub async fn apply(
    state: State,
    session: Session,
    actor: MaybeActor,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let round_id = path.into_inner();
    let pairs = form.into_inner();
    let form = FormData::new(pairs.clone());
    let posted_key = form.get("form_key");
    let Some(actor) = actor.0 else {
        // The session ended while the person was typing: keep what they typed, for the
        // person and browser that were shown the form only, and offer it again after
        // logging in.
        return stash::keep_and_log_in(&state, &req, pairs, form_path(&round_id)).await;
    };
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = TopUpInput {
        amounts: form.map("amounts"),
        descriptions: form.map("descriptions"),
        reasons: form.get("reasons"),
    };
    let now = state.clock.now();
    let links = state.links.clone();
    let (who, id) = (actor.clone(), round_id.clone());
    match state
        .db
        .run(move |c| redistribution::apply(c, &who, &id, &input, now, &links))
        .await
    {
        Ok(receipt) => {
            flash::set(&session, Flash::TopUpSubmitted);
            Ok(redirect(&format!(
                "/ansokningar/{}",
                receipt.application_id
            )))
        }
        Err(AppError::Invalid(errors)) => {
            top_up_page(
                &state,
                &session,
                actor,
                round_id,
                errors,
                form,
                posted_key,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
