//! Payments through the API.

use actix_web::web;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, CsrfChecked};
use crate::http::{Authenticated, State};
use crate::payments::{self, MarkPaidInput, PaymentLine};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentDto {
    pub id: String,
    pub decision_id: String,
    pub registration_number: String,
    pub organisation: String,
    pub org_number: String,
    pub year: i32,
    /// Kronor, exact.
    #[schema(value_type = String, example = "2913808")]
    pub amount: Decimal,
    pub due_on: chrono::NaiveDate,
    /// `planned` or `paid`.
    pub status: String,
    pub paid_on: Option<chrono::NaiveDate>,
    pub reference: Option<String>,
}

impl PaymentDto {
    fn new(line: &PaymentLine) -> PaymentDto {
        let p = &line.payment;
        PaymentDto {
            id: p.id.clone(),
            decision_id: p.decision_id.clone(),
            registration_number: line.registration_number.clone(),
            organisation: line.organisation.name.clone(),
            org_number: line.organisation.org_number.clone(),
            year: p.year,
            amount: p.amount_ore.to_kronor(),
            due_on: p.due_on,
            status: p.status.as_str().to_string(),
            paid_on: p.paid_on,
            reference: p.payment_reference.clone(),
        }
    }
}

/// A call's payments (the agency and auditors).
#[utoipa::path(get, path = "/api/v1/calls/{id}/payments", tag = "payments",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = Vec<PaymentDto>), (status = 403, body = super::Problem)))]
pub async fn for_call(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<PaymentDto>>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let lines = state
        .db
        .run(move |c| payments::list(c, &actor.0, Some(&id), None, now))
        .await?;
    Ok(web::Json(lines.iter().map(PaymentDto::new).collect()))
}

/// An organisation's payments (also its own people).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/payments", tag = "payments",
    params(("id" = String, Path, description = "The organisation's id")),
    responses((status = 200, body = Vec<PaymentDto>), (status = 404, body = super::Problem)))]
pub async fn for_organisation(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<PaymentDto>>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let lines = state
        .db
        .run(move |c| payments::list(c, &actor.0, None, Some(&id), now))
        .await?;
    Ok(web::Json(lines.iter().map(PaymentDto::new).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedDto {
    pub marked: usize,
}

/// Marks a batch of planned payments paid (officers), all or nothing. A payment already
/// paid answers 409: a paid payment never changes.
#[utoipa::path(post, path = "/api/v1/payments/mark-paid", tag = "payments",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = MarkPaidInput,
    responses((status = 200, body = MarkedDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn mark_paid(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    body: web::Json<MarkPaidInput>,
) -> Result<web::Json<MarkedDto>, ApiError> {
    let now = state.clock.now();
    let input = body.into_inner();
    let marked = state
        .db
        .run(move |c| payments::mark_paid(c, &actor.0, &input, now))
        .await?;
    Ok(web::Json(MarkedDto { marked }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearMoneyDto {
    pub year: i32,
    #[schema(value_type = String)]
    pub ceiling: Decimal,
    #[schema(value_type = String)]
    pub granted_first: Decimal,
    #[schema(value_type = String)]
    pub granted_top_up: Decimal,
    #[schema(value_type = String)]
    pub granted_changes: Decimal,
    #[schema(value_type = String)]
    pub granted: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub repaid: Decimal,
    #[schema(value_type = String)]
    pub reclaimed: Decimal,
    /// The part of `repaid` that the year gets back to grant again (less what a later
    /// lowering of the same grant already gave back).
    #[schema(value_type = String)]
    pub returned: Decimal,
    /// Ceiling − granted + returned.
    #[schema(value_type = String)]
    pub available: Decimal,
}

/// A call's money per year (the agency and auditors): ceiling, granted (first decisions,
/// top-ups, changes), paid, repaid, reclaimed and available, in kronor.
#[utoipa::path(get, path = "/api/v1/calls/{id}/dashboard", tag = "payments",
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 200, body = Vec<YearMoneyDto>), (status = 403, body = super::Problem)))]
pub async fn dashboard(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<YearMoneyDto>>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let years = state
        .db
        .run(move |c| crate::dashboard::for_call(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(
        years
            .iter()
            .map(|y| YearMoneyDto {
                year: y.year,
                ceiling: y.ceiling.to_kronor(),
                granted_first: y.granted_first.to_kronor(),
                granted_top_up: y.granted_top_up.to_kronor(),
                granted_changes: y.granted_changes.to_kronor(),
                granted: y.granted().to_kronor(),
                paid: y.paid.to_kronor(),
                repaid: y.repaid.to_kronor(),
                reclaimed: y.reclaimed.to_kronor(),
                returned: y.returned.to_kronor(),
                available: y.available().to_kronor(),
            })
            .collect(),
    ))
}
