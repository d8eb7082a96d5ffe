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

/// `?limit=&offset=` of the allocation table: a page of its recipients.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// How many recipients to answer with, 1–1000; 1000 if left out (so a call with up to
    /// 1000 recipients answers whole, as before paging). `years` and the totals are always
    /// those of every recipient.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// How many recipients to skip first, in name order (the next page starts at
    /// `offset + limit`); 0 if left out. The answer's `X-Total-Count` header says how many
    /// recipients there are in all, and its `Link` header gives the next page while there
    /// is one.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Recipients per answer when `limit` is left out, and the most one answer holds: a
/// decided call of 50 000 recipients answered 9 MB whole.
pub const ALLOCATION_LIMIT: i64 = 1000;

fn allocation_window(q: &AllocationQuery) -> Result<(i64, i64), AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let limit = q.limit.unwrap_or(ALLOCATION_LIMIT);
    if !(1..=ALLOCATION_LIMIT).contains(&limit) {
        errors.add(
            "limit",
            format!("limit ska vara ett heltal från 1 till {ALLOCATION_LIMIT}."),
        );
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        errors.add("offset", "offset ska vara 0 eller större.");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((limit, offset))
}

/// The allocation table (Tabell 1) of a call: open data, signed decisions only. The
/// recipients come a page at a time, in name order; the years and totals cover them all.
#[utoipa::path(get, path = "/api/v1/calls/{id}/allocation", tag = "calls",
    params(("id" = String, Path, description = "The call's id"), AllocationQuery),
    responses((status = 200, body = AllocationDto,
               headers(("X-Total-Count" = i64,
                        description = "How many recipients the call has in all"),
                       ("Link" = String,
                        description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn allocation(
    state: State,
    actor: MaybeActor,
    path: web::Path<String>,
    query: web::Query<AllocationQuery>,
) -> Result<HttpResponse, ApiError> {
    static PUBLIC: AnswerCache = AnswerCache::new();
    let id = path.into_inner();
    let (limit, offset) = allocation_window(&query)?;
    let key = format!("{:?}\u{0}{id}\u{0}{limit}\u{0}{offset}", state.db.url());
    let next = |total: i64| {
        (offset.saturating_add(limit) < total).then(|| {
            format!(
                "</api/v1/calls/{}/allocation?limit={limit}&offset={}>; rel=\"next\"",
                crate::web::format::url_encode(&id),
                offset.saturating_add(limit)
            )
        })
    };
    // Kept as "<recipients in all>\n<JSON>", so that the header and the body come from
    // the same reading.
    if let Some(kept) = PUBLIC.get(&key)
        && let Some(newline) = kept.iter().position(|b| *b == b'\n')
        && let Some(total) = std::str::from_utf8(&kept[..newline])
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
    {
        return Ok(paged_json(kept.slice(newline + 1..), total, next(total)));
    }
    let generation = crate::db::generation();
    let call_id = id.clone();
    let (call, table, total) = state
        .db
        .run(move |c| {
            let call = crate::db::calls::find_call(c, &call_id)?.ok_or(AppError::NotFound)?;
            if !calls::is_visible(actor.0.as_ref(), call.status) {
                return Err(AppError::NotFound);
            }
            let years: Vec<(i32, crate::money::Ore)> = crate::db::calls::call_years(c, &call_id)?
                .into_iter()
                .map(|y| (y.year, y.ceiling_ore))
                .collect();
            let (table, total) = calls::allocation_page(c, &call_id, &years, limit, offset)?;
            Ok::<_, AppError>((call, table, total))
        })
        .await?;
    let body = serde_json::to_vec(&AllocationDto::new(&call.id, &call.title, &table))
        .map_err(|e| AppError::Internal(format!("allocation json: {e}")))?;
    if calls::is_public(call.status) {
        let mut kept = format!("{total}\n").into_bytes();
        kept.extend_from_slice(&body);
        PUBLIC.put(key, generation, Bytes::from(kept));
    }
    Ok(paged_json(Bytes::from(body), total, next(total)))
}

fn paged_json(body: Bytes, total: i64, next: Option<String>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(("X-Total-Count", total.to_string()));
    if let Some(link) = next {
        response.insert_header((actix_web::http::header::LINK, link));
    }
    response
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
