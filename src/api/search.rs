//! The officers' search across calls and years through the API (issue 16): the same
//! criteria, rules and access as the page `/sok` (see `search`), a page of cases at a time.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::ApiError;
use super::dto::OrganisationRef;
use crate::codes::ApplicationStatus;
use crate::decisions::Outcome;
use crate::error::AppError;
use crate::http::{Authenticated, State};
use crate::search::{self, Hit, Search, SearchQuery};

/// The search part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(paths(search_cases), components(schemas(SearchPageDto, SearchHitDto)))]
pub struct SearchApiDoc;

/// One case found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitDto {
    /// The application's id (`/api/v1/applications/{id}`; the page `/ansokningar/{id}`).
    pub id: String,
    pub registration_number: String,
    pub organisation: OrganisationRef,
    pub call_id: String,
    pub call_title: String,
    pub project_title: String,
    pub status: ApplicationStatus,
    /// Once decided: how (`granted`, `partly_granted`, `rejected`).
    pub outcome: Option<Outcome>,
    /// The status as people read it ("Inkommen", "Beviljad", …).
    pub status_label: String,
    /// The responsible officer's name (handläggare), if the case has one.
    pub officer: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl SearchHitDto {
    fn new(hit: &Hit) -> SearchHitDto {
        SearchHitDto {
            id: hit.application_id.clone(),
            registration_number: hit.registration_number.clone(),
            organisation: OrganisationRef {
                id: hit.organisation_id.clone(),
                name: hit.organisation_name.clone(),
                org_number: hit.org_number.clone(),
            },
            call_id: hit.call_id.clone(),
            call_title: hit.call_title.clone(),
            project_title: hit.project_title.clone(),
            status: hit.status,
            outcome: hit.outcome,
            status_label: hit.status_label().to_string(),
            officer: hit.officer.clone(),
            submitted_at: hit.submitted_at.map(|at| at.and_utc()),
        }
    }
}

/// A page of the cases found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPageDto {
    pub items: Vec<SearchHitDto>,
    /// This page, from 1.
    pub page: i64,
    pub per_page: i64,
    /// How many cases the criteria find in all.
    pub total: i64,
    /// How many pages they fill (at least 1).
    pub pages: i64,
}

/// Search every case that has arrived, across calls and years (the agency's officers,
/// decision makers and auditors): every criterion is optional and those given must all
/// hold; text matches a part, in any case, and `%` and `_` match themselves. Newest
/// registration number first, 50 a page. Anyone else is refused and the attempt recorded.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(SearchQuery),
    responses((status = 200, body = SearchPageDto),
              (status = 401, body = super::Problem), (status = 403, body = super::Problem),
              (status = 422, body = super::Problem,
               description = "A criterion that cannot be used, named in `errors` by its parameter with a Swedish message (a year not of four digits, an unknown status, officer or call, a page that is not a whole number from 1).")))]
pub async fn search_cases(
    state: State,
    actor: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<SearchPageDto>, ApiError> {
    let query = SearchQuery::from_pairs(query.into_inner());
    let page = search::page_from(&query.page);
    let now = state.clock.now();
    let (_, result) = state
        .db
        .run(move |c| search::search(c, &actor.0, &query, page, now))
        .await?;
    match result {
        Search::Found(found) => Ok(web::Json(SearchPageDto {
            items: found.hits.iter().map(SearchHitDto::new).collect(),
            page: found.page,
            per_page: search::PAGE_SIZE,
            total: found.total,
            pages: found.pages,
        })),
        Search::Invalid(errors) => Err(ApiError(AppError::Invalid(errors))),
    }
}
