//! Redistribution rounds through the API: opening and closing a round, its live figures, and
//! an organisation's application for more money. The applications are then assessed and
//! decided through the applications and decisions endpoints, like any other.

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, CsrfChecked};
use crate::http::{Authenticated, State};
use crate::redistribution::{self, RoundInput, RoundView, TopUpInput};

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundApplicationDto {
    pub application_id: String,
    pub registration_number: Option<String>,
    pub organisation: String,
    pub status: String,
    #[schema(value_type = String)]
    pub requested: Decimal,
    #[schema(value_type = String)]
    pub granted: Decimal,
    /// Once decided: `granted`, `partly_granted` or `rejected`.
    pub outcome: Option<crate::decisions::Outcome>,
}

/// A round with its figures, in kronor, read from the decisions at the moment of asking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundDto {
    pub id: String,
    pub call_id: String,
    pub year: i32,
    pub opens_on: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    /// `open` or `closed`.
    pub status: String,
    pub taking_applications: bool,
    #[schema(value_type = String)]
    pub ceiling: Decimal,
    #[schema(value_type = String)]
    pub granted: Decimal,
    #[schema(value_type = String)]
    pub granted_top_up: Decimal,
    #[schema(value_type = String)]
    pub repaid: Decimal,
    /// The part of `repaid` the year gets back (see the dashboard).
    #[schema(value_type = String)]
    pub returned: Decimal,
    /// Ceiling − granted + returned: what can still be decided, and what stays unallocated
    /// if nothing more is.
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub requested: Decimal,
    pub applications: Vec<RoundApplicationDto>,
}

impl RoundDto {
    fn new(view: &RoundView) -> RoundDto {
        RoundDto {
            id: view.round.id.clone(),
            call_id: view.round.call_id.clone(),
            year: view.round.year,
            opens_on: view.round.opens_on,
            last_day: view.round.last_day,
            status: view.round.status.clone(),
            taking_applications: view.taking_applications,
            ceiling: view.money.ceiling.to_kronor(),
            granted: view.money.granted().to_kronor(),
            granted_top_up: view.money.granted_top_up.to_kronor(),
            repaid: view.money.repaid.to_kronor(),
            returned: view.money.returned.to_kronor(),
            available: view.money.available().to_kronor(),
            requested: view.requested_total().to_kronor(),
            applications: view
                .applications
                .iter()
                .map(|a| RoundApplicationDto {
                    application_id: a.application.id.clone(),
                    registration_number: a.application.registration_number.clone(),
                    organisation: a.organisation.clone(),
                    status: a.application.status.as_str().to_string(),
                    requested: a.requested.to_kronor(),
                    granted: a.granted.to_kronor(),
                    outcome: a.outcome,
                })
                .collect(),
        }
    }
}

/// Opens a redistribution round for a year of the call (officers).
#[utoipa::path(post, path = "/api/v1/calls/{id}/rounds", tag = "redistribution",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = RoundInput,
    responses((status = 201, body = RoundDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn open(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<RoundInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let dto = state
        .db
        .run(move |c| {
            let round = redistribution::open_round(c, &actor.0, &id, &input, now)?;
            redistribution::view(c, &actor.0, &round.id, now).map(|v| RoundDto::new(&v))
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// A round with what is available now and the applications in it (the agency, auditors).
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "redistribution",
    params(("id" = String, Path, description = "The round's id")),
    responses((status = 200, body = RoundDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<RoundDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let dto = state
        .db
        .run(move |c| redistribution::view(c, &actor.0, &id, now).map(|v| RoundDto::new(&v)))
        .await?;
    Ok(web::Json(dto))
}

/// Closes a round: no more applications (officers).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "redistribution",
    params(("id" = String, Path, description = "The round's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = RoundDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn close(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<RoundDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let dto = state
        .db
        .run(move |c| {
            redistribution::close_round(c, &actor.0, &id, now)?;
            redistribution::view(c, &actor.0, &id, now).map(|v| RoundDto::new(&v))
        })
        .await?;
    Ok(web::Json(dto))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopUpReceiptDto {
    pub application_id: String,
    pub registration_number: String,
    #[schema(value_type = String)]
    pub requested: Decimal,
}

/// An organisation granted in the call asks for more money in the round (its
/// representative). Refused with 403 and the reason for an organisation without a grant in
/// the call; 422 names the field for a negative or missing amount.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/applications", tag = "redistribution",
    params(("id" = String, Path, description = "The round's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = TopUpInput,
    responses((status = 201, body = TopUpReceiptDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn apply(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<TopUpInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let links = state.links.clone();
    let receipt = state
        .db
        .run(move |c| redistribution::apply(c, &actor.0, &id, &input, now, &links))
        .await?;
    Ok(HttpResponse::Created().json(TopUpReceiptDto {
        application_id: receipt.application_id,
        registration_number: receipt.registration_number,
        requested: receipt.requested.to_kronor(),
    }))
}

/// A round as it is listed: its call, year, days and whether it takes applications now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundSummaryDto {
    pub id: String,
    pub call_id: String,
    pub call_title: Option<String>,
    pub year: i32,
    pub opens_on: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    /// `open` or `closed`.
    pub status: String,
    /// The round in full: `GET /api/v1/rounds/{id}` (the agency and auditors).
    pub url: String,
}

impl RoundSummaryDto {
    fn new(round: &crate::db::redistribution::Round, call_title: Option<&str>) -> RoundSummaryDto {
        RoundSummaryDto {
            id: round.id.clone(),
            call_id: round.call_id.clone(),
            call_title: call_title.map(str::to_string),
            year: round.year,
            opens_on: round.opens_on,
            last_day: round.last_day,
            status: round.status.clone(),
            url: format!("/api/v1/rounds/{}", round.id),
        }
    }
}

/// A call's redistribution rounds (the agency and auditors).
#[utoipa::path(get, path = "/api/v1/calls/{id}/rounds", tag = "redistribution",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = Vec<RoundSummaryDto>), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn for_call(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<RoundSummaryDto>>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let rounds = state
        .db
        .run(move |c| redistribution::rounds_for(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(
        rounds
            .iter()
            .map(|r| RoundSummaryDto::new(r, None))
            .collect(),
    ))
}

/// Open rounds: for an applicant, those their organisation may apply in now (as their start
/// page lists them; apply with `POST /api/v1/rounds/{id}/applications`); for the agency and
/// auditors, every open round.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "redistribution",
    responses((status = 200, body = Vec<RoundSummaryDto>), (status = 403, body = super::Problem)))]
pub async fn open_rounds(
    state: State,
    actor: Authenticated,
) -> Result<web::Json<Vec<RoundSummaryDto>>, ApiError> {
    let now = state.clock.now();
    let rounds = state
        .db
        .run(move |c| redistribution::open_rounds_for(c, &actor.0, now))
        .await?;
    Ok(web::Json(
        rounds
            .iter()
            .map(|(r, call)| RoundSummaryDto::new(r, Some(&call.title)))
            .collect(),
    ))
}
