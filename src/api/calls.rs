use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};

use super::dto::{AllocationDto, AmendmentDto, CallDetailDto, CallDto, CloseCallRequest};
use super::{ApiError, CsrfChecked};
use crate::accounts::Actor;
use crate::answer_cache::AnswerCache;
use crate::calls::{self, edit};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::http::{Authenticated, MaybeActor, State};

/// Published calls (the agency's staff also see drafts).
#[utoipa::path(get, path = "/api/v1/calls", tag = "calls",
    responses((status = 200, body = Vec<CallDto>)))]
pub async fn list(state: State, actor: MaybeActor) -> Result<web::Json<Vec<CallDto>>, ApiError> {
    let now = state.clock.now();
    let overview = state
        .db
        .run(move |c| calls::overview(c, actor.0.as_ref(), now))
        .await?;
    Ok(web::Json(
        overview.iter().map(CallDto::from_overview).collect(),
    ))
}

/// A call with its terms, form, criteria and expected results.
#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = CallDetailDto), (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: MaybeActor,
    path: web::Path<String>,
) -> Result<web::Json<CallDetailDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let def = state
        .db
        .run(move |c| calls::definition(c, actor.0.as_ref(), &id))
        .await?;
    let phase = calls::phase(&def.call, now);
    Ok(web::Json(CallDetailDto::new(&def, phase)))
}

/// The allocation table (Tabell 1) of a call: open data, signed decisions only.
#[utoipa::path(get, path = "/api/v1/calls/{id}/allocation", tag = "calls",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = AllocationDto), (status = 404, body = super::Problem)))]
pub async fn allocation(
    state: State,
    actor: MaybeActor,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    static PUBLIC: AnswerCache = AnswerCache::new();
    let id = path.into_inner();
    let key = format!("{:?}\u{0}{id}", state.db.url());
    if let Some(body) = PUBLIC.get(&key) {
        return Ok(json_body(body));
    }
    let generation = crate::db::generation();
    let (source, table) = state
        .db
        .run(move |c| calls::allocation(c, actor.0.as_ref(), &id))
        .await?;
    let body = serde_json::to_vec(&AllocationDto::new(&source.call_id, &source.title, &table))
        .map_err(|e| AppError::Internal(format!("allocation json: {e}")))?;
    let body = Bytes::from(body);
    if calls::is_public(source.status) {
        PUBLIC.put(key, generation, body.clone());
    }
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

/// A call as `GET /api/v1/calls/{id}` shows it to this person at this moment.
fn detail(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<CallDetailDto, AppError> {
    let def = calls::definition(conn, Some(actor), call_id)?;
    let phase = calls::phase(&def.call, now);
    Ok(CallDetailDto::new(&def, phase))
}

/// Creates a draft call (officers). Values may be sent as text or numbers; each problem is
/// named by its field (`years.0.ceiling`, `sections.1.title`, `last_day`).
#[utoipa::path(post, path = "/api/v1/calls", tag = "calls",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = edit::CallInput,
    responses((status = 201, body = CallDetailDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    body: web::Json<edit::CallInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            let call = edit::create(c, &actor, &input, now)?;
            detail(c, &actor, &call.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Changes a call (officers). A draft is written again as sent. A published call is
/// amended: only its title, description, last day, ceilings, number of recipients and
/// annex texts may change, `amendment_summary` is required, and the amendment is listed
/// at `GET /api/v1/calls/{id}/amendments`.
#[utoipa::path(put, path = "/api/v1/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = edit::CallInput,
    responses((status = 200, body = CallDetailDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<edit::CallInput>,
) -> Result<web::Json<CallDetailDto>, ApiError> {
    let id = path.into_inner();
    let input = body.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            edit::update(c, &actor, &id, &input, now)?;
            detail(c, &actor, &id, now)
        })
        .await?;
    Ok(web::Json(dto))
}

/// Publishes a draft call (officers): applicants see it, and its terms are on record.
#[utoipa::path(post, path = "/api/v1/calls/{id}/publish", tag = "calls",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = CallDetailDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn publish(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<CallDetailDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            edit::publish(c, &actor, &id, now)?;
            detail(c, &actor, &id, now)
        })
        .await?;
    Ok(web::Json(dto))
}

/// Closes a published call before its last day (officers); the reason is recorded as an
/// amendment. Drafts can no longer be submitted.
#[utoipa::path(post, path = "/api/v1/calls/{id}/close", tag = "calls",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = CloseCallRequest,
    responses((status = 200, body = CallDetailDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn close(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<CloseCallRequest>,
) -> Result<web::Json<CallDetailDto>, ApiError> {
    let id = path.into_inner();
    let reason = body.into_inner().reason;
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            edit::close(c, &actor, &id, &reason, now)?;
            detail(c, &actor, &id, now)
        })
        .await?;
    Ok(web::Json(dto))
}

/// Copies a call as a new draft with the same form and texts (officers).
#[utoipa::path(post, path = "/api/v1/calls/{id}/copy", tag = "calls",
    params(("id" = String, Path, description = "The id of the call to copy"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = CallDetailDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn copy(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            let copy = edit::copy(c, &actor, &id, now)?;
            detail(c, &actor, &copy.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// The amendments of a call, oldest first: what changed after publishing, when and by whom.
/// Open data for a published call, like the call itself.
#[utoipa::path(get, path = "/api/v1/calls/{id}/amendments", tag = "calls",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = Vec<AmendmentDto>), (status = 404, body = super::Problem)))]
pub async fn amendments(
    state: State,
    actor: MaybeActor,
    path: web::Path<String>,
) -> Result<web::Json<Vec<AmendmentDto>>, ApiError> {
    let id = path.into_inner();
    let list = state
        .db
        .run(move |c| {
            // Whoever may not see the call is not told it exists.
            calls::definition(c, actor.0.as_ref(), &id)?;
            edit::amendments(c, &id)
        })
        .await?;
    Ok(web::Json(list.iter().map(AmendmentDto::new).collect()))
}
