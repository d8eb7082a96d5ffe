use actix_web::web;
use serde::Deserialize;

use super::ApiError;
use super::dto::{ApplicationDto, ApplicationSummaryDto};
use crate::applications;
use crate::http::{Authenticated, State};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only the applications of this call.
    call_id: Option<String>,
}

/// Applications the logged-in person may see: an applicant their own organisation's.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    params(ListQuery),
    responses((status = 200, body = Vec<ApplicationSummaryDto>),
              (status = 401, body = super::Problem), (status = 403, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Vec<ApplicationSummaryDto>>, ApiError> {
    let now = state.clock.now();
    let call_id = query.into_inner().call_id;
    let rows = state
        .db
        .run(move |c| applications::list_for(c, &actor.0, call_id.as_deref(), now))
        .await?;
    Ok(web::Json(
        rows.iter().map(ApplicationSummaryDto::new).collect(),
    ))
}

/// One application with every version and its decisions. Another organisation's
/// application answers 404, and the attempt is recorded.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, body = ApplicationDto), (status = 401, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| applications::view(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(ApplicationDto::new(&view)))
}
