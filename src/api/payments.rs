//! Payments through the API.

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, CsrfChecked};
use crate::error::AppError;
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

/// A page of a payments list: `limit` (1–500, default 100) and `offset` (default 0).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many payments to answer with, 1–500; 100 if left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// How many to skip first; 0 if left out. The answer's `X-Total-Count` header says how
    /// many there are in all, and its `Link` header gives the next page while there is one.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

impl PageQuery {
    fn checked(&self) -> Result<(i64, i64), AppError> {
        let mut errors = crate::error::FieldErrors::new();
        let limit = self.limit.unwrap_or(super::applications::DEFAULT_LIMIT);
        if !(1..=super::applications::MAX_LIMIT).contains(&limit) {
            errors.add(
                "limit",
                format!(
                    "limit ska vara ett heltal från 1 till {}.",
                    super::applications::MAX_LIMIT
                ),
            );
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            errors.add("offset", "offset ska vara 0 eller större.");
        }
        if errors.is_empty() {
            Ok((limit, offset))
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

/// The page as JSON, with the total and the next page in headers.
fn page_response(
    path: &str,
    page: &crate::payments::PaymentPage,
    limit: i64,
    offset: i64,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(("X-Total-Count", page.total.to_string()));
    let next = offset.saturating_add(limit);
    if next < page.total {
        response.insert_header((
            actix_web::http::header::LINK,
            format!("<{path}?limit={limit}&offset={next}>; rel=\"next\""),
        ));
    }
    let rows: Vec<PaymentDto> = page.lines.iter().map(PaymentDto::new).collect();
    response.json(rows)
}

/// A call's payments (the agency and auditors), a page at a time.
#[utoipa::path(get, path = "/api/v1/calls/{id}/payments", tag = "payments",
    params(("id" = String, Path, description = "The call's id"), PageQuery),
    responses((status = 200, body = Vec<PaymentDto>,
               headers(("X-Total-Count" = i64, description = "How many payments there are in all"),
                       ("Link" = String, description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn for_call(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, offset) = query.checked()?;
    let id = path.into_inner();
    let url = format!("/api/v1/calls/{id}/payments");
    let now = state.clock.now();
    let page = state
        .db
        .run(move |c| payments::list(c, &actor.0, Some(&id), None, limit, offset, now))
        .await?;
    Ok(page_response(&url, &page, limit, offset))
}

/// An organisation's payments (also its own people), a page at a time.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/payments", tag = "payments",
    params(("id" = String, Path, description = "The organisation's id"), PageQuery),
    responses((status = 200, body = Vec<PaymentDto>,
               headers(("X-Total-Count" = i64, description = "How many payments there are in all"),
                       ("Link" = String, description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn for_organisation(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, offset) = query.checked()?;
    let id = path.into_inner();
    let url = format!("/api/v1/organisations/{id}/payments");
    let now = state.clock.now();
    let page = state
        .db
        .run(move |c| payments::list(c, &actor.0, None, Some(&id), limit, offset, now))
        .await?;
    Ok(page_response(&url, &page, limit, offset))
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

/// One payment (the agency, auditors, and the organisation's own people).
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    responses((status = 200, body = PaymentDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<PaymentDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let line = state
        .db
        .run(move |c| payments::find(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(PaymentDto::new(&line)))
}

/// Money an organisation is to pay back: a repayment of unused money after a report-back,
/// or a reclaim (återkrav) made by a change decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimDetailDto {
    pub id: String,
    /// `repayment` or `reclaim`.
    pub kind: String,
    pub organisation_id: String,
    pub call_id: String,
    /// The decision that made it: for a reclaim the change decision, for a repayment the
    /// grant that was reported on.
    pub decision_id: String,
    /// For a repayment: the report whose approval made it.
    pub report_id: Option<String>,
    pub year: i32,
    #[schema(value_type = String, example = "400000")]
    pub amount: Decimal,
    pub reason: String,
    /// To quote when paying.
    pub payment_reference: String,
    pub due_on: chrono::NaiveDate,
    /// `open`, `received` or `waived`.
    pub status: String,
    pub received_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The letter that states the claim (PDF).
    pub letter_url: String,
}

impl ClaimDetailDto {
    pub fn new(c: &crate::db::reports::RepaymentClaim) -> ClaimDetailDto {
        ClaimDetailDto {
            id: c.id.clone(),
            kind: c.kind.as_str().into(),
            organisation_id: c.organisation_id.clone(),
            call_id: c.call_id.clone(),
            decision_id: c.decision_id.clone(),
            report_id: c.report_id.clone(),
            year: c.year,
            amount: c.amount_ore.to_kronor(),
            reason: c.reason.clone(),
            payment_reference: c.payment_reference.clone(),
            due_on: c.due_on,
            status: c.status.as_str().into(),
            received_on: c.received_on,
            created_at: c.created_at.and_utc(),
            letter_url: format!("/api/v1/claims/{}/letter", c.id),
        }
    }
}

/// A claim of money back (the agency, auditors, and the organisation's own people).
#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "payments",
    params(("id" = String, Path, description = "The claim's id")),
    responses((status = 200, body = ClaimDetailDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn claim(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<ClaimDetailDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let claim = state
        .db
        .run(move |c| payments::claim(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(ClaimDetailDto::new(&claim)))
}

/// The letter that states a claim, byte-identical to what was sent: a repayment's own
/// letter, or for a reclaim the change decision's letter. Its SHA-256 is in the
/// `X-Content-SHA256` header.
#[utoipa::path(get, path = "/api/v1/claims/{id}/letter", tag = "payments",
    params(("id" = String, Path, description = "The claim's id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn claim_letter(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (filename, sha256, content) = state
        .db
        .run(move |c| payments::claim_letter(c, &actor.0, &id, now))
        .await?;
    Ok(crate::http::pdf_response(&filename, Some(&sha256), content))
}
