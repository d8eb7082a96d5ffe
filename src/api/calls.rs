use actix_web::web;

use super::ApiError;
use super::dto::{AllocationDto, CallDetailDto, CallDto};
use crate::calls;
use crate::http::{MaybeActor, State};

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
) -> Result<web::Json<AllocationDto>, ApiError> {
    let id = path.into_inner();
    let (call, table) = state
        .db
        .run(move |c| calls::allocation(c, actor.0.as_ref(), &id))
        .await?;
    Ok(web::Json(AllocationDto::new(&call.id, &call.title, &table)))
}
