//! The officers' queues as JSON (issue 16). The work is `queues`'.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::ApiError;
use crate::http::{Authenticated, State};
use crate::queues::{self, QueueKind};

#[derive(OpenApi)]
#[openapi(paths(list), components(schemas(QueueDto, QueueItemDto, QueueKind)))]
pub struct QueuesApiDoc;

/// One item waiting.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueItemDto {
    pub application_id: Option<String>,
    pub registration_number: String,
    pub organisation: String,
    /// The page that handles it.
    pub link: String,
    /// Since when it has waited (UTC).
    pub since: String,
    pub due_on: Option<String>,
    pub year: Option<i32>,
}

/// One queue: how many wait in all, and the oldest (at most 50).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueDto {
    pub queue: QueueKind,
    pub title: String,
    pub count: i64,
    pub items: Vec<QueueItemDto>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `true`: only the cases the officer is responsible for.
    #[serde(default)]
    mine: Option<bool>,
}

/// What waits for the agency across all calls, queue by queue, the longest waiting first.
/// For officers, decision makers and auditors.
#[utoipa::path(get, path = "/api/v1/queues", tag = "applications",
    params(QueueQuery),
    responses((status = 200, body = [QueueDto]), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    query: web::Query<QueueQuery>,
) -> Result<web::Json<Vec<QueueDto>>, ApiError> {
    let now = state.clock.now();
    let mine = query.mine.unwrap_or(false);
    let list = state
        .db
        .run(move |c| queues::all(c, &actor.0, mine, crate::clock::stockholm_date(now), now))
        .await?;
    Ok(web::Json(
        list.into_iter()
            .map(|q| QueueDto {
                queue: q.kind,
                title: q.kind.title().into(),
                count: q.count,
                items: q
                    .items
                    .iter()
                    .map(|i| QueueItemDto {
                        application_id: i.application_id.clone(),
                        registration_number: i.registration_number.clone(),
                        organisation: i.organisation.clone(),
                        link: q.kind.link(i),
                        since: i.since.and_utc().to_rfc3339(),
                        due_on: i.due_on.map(|d| d.to_string()),
                        year: i.year,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
