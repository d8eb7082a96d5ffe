//! Report-back through the API: the organisation's reports, drafts, submit, supplements,
//! the officer's approval and repayment, and the overview per call and year (with the
//! export for the public, which needs no login).

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, CsrfChecked};
use crate::error::AppError;
use crate::http::{Authenticated, State};
use crate::reports::overview::{self, Overview, PublicRow};
use crate::reports::workflow::{
    self, ReceivedInput, ReportSupplementInput, ReportView, RulesInput, Slot, SubmitInput,
};
use crate::reports::{ReportInput, format_fte};

/// The report-back part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        start,
        show,
        save_draft,
        submit_check,
        submit,
        request_supplement,
        begin_supplement_answer,
        approve,
        repayment_letter,
        repayment_received,
        reclaim_received,
        overview,
        public_export,
        set_rules
    ),
    components(schemas(
        SlotDto,
        StartRequest,
        ReportDto,
        ReportVersionDto,
        AnswerDto,
        CostDto,
        ClaimDto,
        SupplementRequestDto,
        SubmitCheckDto,
        ReportReceiptDto,
        OverviewDto,
        ResultDto,
        RegionDto,
        TotalsDto,
        RulesDto,
        PublicRow,
        overview::PublicSexCounts,
        FieldAnswerDto,
        ReportInput,
        crate::reports::AnswerInput,
        crate::reports::ReportAnswerEntry,
        crate::calls::form::AnswerInput,
        SubmitInput,
        ReportSupplementInput,
        ReceivedInput,
        RulesInput
    ))
)]
pub struct ReportsApiDoc;

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    pub decision_id: String,
    pub registration_number: String,
    pub organisation: String,
    pub year: i32,
    /// `not_open`, `not_started`, `draft`, `submitted`, `supplement_requested`, `approved`.
    pub state: String,
    pub overdue: bool,
    pub opens_on: chrono::NaiveDate,
    pub due_on: chrono::NaiveDate,
    pub report_id: Option<String>,
}

impl SlotDto {
    fn new(slot: &Slot, today: chrono::NaiveDate) -> SlotDto {
        SlotDto {
            decision_id: slot.decision.id.clone(),
            registration_number: slot.decision.registration_number.clone(),
            organisation: slot.organisation.name.clone(),
            year: slot.year,
            state: slot.state(today).as_str().into(),
            overdue: slot.overdue(today),
            opens_on: slot.opens_on,
            due_on: slot.due_on,
            report_id: slot.report.as_ref().map(|r| r.id.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerDto {
    pub expected_result_id: String,
    pub position: i32,
    /// `achieved`, `partly`, `not_achieved`.
    pub achievement: String,
    pub activities: String,
    pub obstacles: String,
}

/// An answer to one of the call's own report-back fields (issue 15).
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldAnswerDto {
    /// The field's number in the call's report-back form: the key in `answers` when saving.
    pub position: i32,
    pub title: String,
    /// The field's type (`calls::form::FieldKind`): `short_text`, `amount`, `table`, ...
    pub kind: String,
    /// The answer by type: the canonical text for most types (amounts in kronor with öre,
    /// `12.5` for a percentage, `YYYY-MM-DD`, `ja`/`nej`, an option's value), a list of
    /// values for multiple choice, rows for a table, `{"total", "girls", "boys"}` for counts
    /// by sex.
    pub value: serde_json::Value,
    /// The answer as people read it, on one line.
    pub text: String,
}

/// A version's answers to the call's own fields, in field order: the answered ones that
/// are asked (a field whose condition is not met is left out, as are headings).
fn field_dtos(
    fields: &[crate::calls::form::FormField],
    answers: &std::collections::BTreeMap<String, String>,
) -> Vec<FieldAnswerDto> {
    use crate::calls::form;
    fields
        .iter()
        .filter(|f| f.is_question() && form::visible(f, fields, answers))
        .filter_map(|f| {
            answers.get(&f.id).map(|body| FieldAnswerDto {
                position: f.position,
                title: f.title.clone(),
                kind: f.kind.as_str().into(),
                value: form::to_api(f, body),
                text: form::display(f, body),
            })
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CostDto {
    /// The cost category's code.
    pub category: String,
    #[schema(value_type = String)]
    pub used: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportVersionDto {
    pub number: i32,
    /// `draft` or `submitted`.
    pub status: String,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub signer_name: Option<String>,
    pub signer_role: Option<String>,
    /// Children and young people who took part, and of them girls and boys: the answer to
    /// the call's counts field (its first field of counts by sex; also in `fields`). `null`
    /// when not answered or the call asks no counts.
    pub children_total: Option<i32>,
    pub girls: Option<i32>,
    pub boys: Option<i32>,
    /// Full-time equivalents, `3,5`.
    pub staff_fte: Option<String>,
    #[schema(value_type = String)]
    pub received: Decimal,
    #[schema(value_type = String)]
    pub used: Decimal,
    /// Received − used; never negative.
    #[schema(value_type = String)]
    pub unused: Decimal,
    pub supplement_request_id: Option<String>,
    pub answers: Vec<AnswerDto>,
    pub costs: Vec<CostDto>,
    /// Answers to the call's own report-back fields.
    pub fields: Vec<FieldAnswerDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimDto {
    pub id: String,
    /// `repayment` or `reclaim`.
    pub kind: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub payment_reference: String,
    pub due_on: chrono::NaiveDate,
    /// `open`, `received` or `waived`.
    pub status: String,
    pub received_on: Option<chrono::NaiveDate>,
}

impl ClaimDto {
    fn new(c: &crate::db::reports::RepaymentClaim) -> ClaimDto {
        ClaimDto {
            id: c.id.clone(),
            kind: c.kind.as_str().into(),
            amount: c.amount_ore.to_kronor(),
            payment_reference: c.payment_reference.clone(),
            due_on: c.due_on,
            status: c.status.as_str().into(),
            received_on: c.received_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplementRequestDto {
    pub id: String,
    pub message: String,
    pub due_on: chrono::NaiveDate,
    pub status: String,
    pub requested_at: chrono::NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub id: String,
    pub decision_id: String,
    pub registration_number: String,
    pub organisation: String,
    pub org_number: String,
    pub year: i32,
    pub status: String,
    pub opens_on: chrono::NaiveDate,
    pub due_on: chrono::NaiveDate,
    pub overdue: bool,
    /// Received for the year from the payments, as of now.
    #[schema(value_type = String)]
    pub received_now: Decimal,
    /// The expected results of the year, each to be answered.
    pub results: Vec<ResultDto>,
    /// The call's cost categories by code, for `costs`.
    pub cost_categories: Vec<String>,
    pub versions: Vec<ReportVersionDto>,
    pub supplement_requests: Vec<SupplementRequestDto>,
    pub repayment: Option<ClaimDto>,
}

impl ReportDto {
    fn new(view: &ReportView) -> ReportDto {
        let results = view.results();
        let form = view.definition.report_form();
        let versions = view
            .versions
            .iter()
            .map(|v| {
                let money = view.money_of(v);
                let bodies = v.field_bodies();
                // As before issue 15: the counts of children, now the call's counts field.
                let counts =
                    crate::reports::counts_of(&form, v.version.staff_fte_hundredths, &bodies);
                ReportVersionDto {
                    number: v.version.number,
                    status: v.version.status.as_str().into(),
                    submitted_at: v.version.submitted_at,
                    signer_name: v.version.signer_name.clone(),
                    signer_role: v.version.signer_role.clone(),
                    children_total: counts.children_total,
                    girls: counts.girls,
                    boys: counts.boys,
                    staff_fte: v.version.staff_fte_hundredths.map(format_fte),
                    received: money.received.to_kronor(),
                    used: money.used.to_kronor(),
                    unused: money.unused().to_kronor(),
                    supplement_request_id: v.version.supplement_request_id.clone(),
                    answers: results
                        .iter()
                        .filter_map(|r| {
                            v.answer(&r.id).map(|a| AnswerDto {
                                expected_result_id: r.id.clone(),
                                position: r.position,
                                achievement: a.achievement.as_str().into(),
                                activities: a.activities.clone(),
                                obstacles: a.obstacles.clone(),
                            })
                        })
                        .collect(),
                    costs: view
                        .definition
                        .cost_categories
                        .iter()
                        .filter_map(|c| {
                            v.used_in(&c.id).map(|used| CostDto {
                                category: c.code.clone(),
                                used: used.to_kronor(),
                            })
                        })
                        .collect(),
                    fields: field_dtos(&form, &bodies),
                }
            })
            .collect();
        ReportDto {
            id: view.report.id.clone(),
            decision_id: view.decision.id.clone(),
            registration_number: view.decision.registration_number.clone(),
            organisation: view.organisation.name.clone(),
            org_number: view.organisation.org_number.clone(),
            year: view.report.year,
            status: view.report.status.as_str().into(),
            opens_on: view.report.opens_on,
            due_on: view.report.due_on,
            overdue: view.overdue,
            received_now: view.received_now.to_kronor(),
            results: results
                .iter()
                .map(|r| ResultDto {
                    id: r.id.clone(),
                    position: r.position,
                    area: r.area.clone(),
                    title: r.title.clone(),
                })
                .collect(),
            cost_categories: view
                .definition
                .cost_categories
                .iter()
                .map(|c| c.code.clone())
                .collect(),
            versions,
            supplement_requests: view
                .supplements
                .iter()
                .map(|s| SupplementRequestDto {
                    id: s.id.clone(),
                    message: s.message.clone(),
                    due_on: s.due_on,
                    status: s.status.as_str().into(),
                    requested_at: s.requested_at,
                })
                .collect(),
            repayment: view.claims.first().map(ClaimDto::new),
        }
    }
}

async fn report_dto(
    state: &State,
    actor: crate::accounts::Actor,
    id: String,
) -> Result<ReportDto, ApiError> {
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| workflow::view(c, &actor, &id, now))
        .await?;
    Ok(ReportDto::new(&view))
}

/// A page of a list: `limit` 1–500 (100 if left out) from `offset` (0 if left out), as
/// `GET /api/v1/applications` reads them.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many to answer with, 1–500; 100 if left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// How many to skip first (the next page starts at `offset + limit`); 0 if left out.
    /// The answer's `X-Total-Count` header says how many there are in all, and its `Link`
    /// header gives the next page while there is one.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

impl PageQuery {
    /// The page asked for, or each field's complaint in Swedish.
    fn window(&self) -> Result<overview::Window, AppError> {
        use super::applications::{DEFAULT_LIMIT, MAX_LIMIT};
        let mut errors = crate::error::FieldErrors::new();
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.add(
                "limit",
                format!("limit ska vara ett heltal från 1 till {MAX_LIMIT}."),
            );
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            errors.add("offset", "offset ska vara 0 eller större.");
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(overview::Window { limit, offset })
    }
}

/// The answer's paging headers: how many in all, and the next page while there is one.
fn paged(
    window: overview::Window,
    total: i64,
    next: impl FnOnce(i64) -> String,
) -> actix_web::HttpResponseBuilder {
    let mut response = actix_web::HttpResponse::Ok();
    response.insert_header(("X-Total-Count", total.to_string()));
    let next_offset = window.offset.saturating_add(window.limit);
    if next_offset < total {
        response.insert_header((
            actix_web::http::header::LINK,
            format!("<{}>; rel=\"next\"", next(next_offset)),
        ));
    }
    response
}

/// The reports owed: an applicant's organisation's own; for the agency and auditors every
/// organisation's. A page at a time, in the order of year, organisation and registration
/// number.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(PageQuery),
    responses((status = 200, body = Vec<SlotDto>,
               headers(("X-Total-Count" = i64,
                        description = "How many reports are owed in all"),
                       ("Link" = String,
                        description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let now = state.clock.now();
    let today = crate::clock::stockholm_date(now);
    let window = query.window()?;
    let (slots, total) = state
        .db
        .run(move |c| {
            let organisation_id = match actor.0.organisation_id.clone() {
                Some(org) => {
                    workflow::check_organisation_reader(c, &actor.0, &org, now)?;
                    Some(org)
                }
                None if crate::access::can_list_all_cases(&actor.0) => None,
                None => {
                    crate::audit::record_denied(
                        c,
                        &actor.0,
                        now,
                        "reports",
                        None,
                        "se återrapporteringar",
                    )?;
                    return Err(AppError::Forbidden);
                }
            };
            let filter = crate::db::reports::OwedFilter {
                organisation_id,
                ..Default::default()
            };
            workflow::slots_page(c, &filter, window.limit, window.offset)
        })
        .await?;
    let rows: Vec<SlotDto> = slots.iter().map(|s| SlotDto::new(s, today)).collect();
    Ok(paged(window, total, |offset| {
        format!("/api/v1/reports?limit={}&offset={offset}", window.limit)
    })
    .json(rows))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartRequest {
    pub decision_id: String,
    pub year: i32,
}

/// Starts the organisation's report for a grant year once it has opened (applicants).
/// Starting again answers with the report already started.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = StartRequest,
    responses((status = 200, body = ReportDto), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn start(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    body: web::Json<StartRequest>,
) -> Result<web::Json<ReportDto>, ApiError> {
    let now = state.clock.now();
    let request = body.into_inner();
    let starter = actor.0.clone();
    let report = state
        .db
        .run(move |c| workflow::start(c, &starter, &request.decision_id, request.year, now))
        .await?;
    Ok(web::Json(report_dto(&state, actor.0, report.id).await?))
}

/// A report: its versions (drafts only for the organisation's own people), supplement
/// requests and repayment.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    responses((status = 200, body = ReportDto), (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<ReportDto>, ApiError> {
    Ok(web::Json(
        report_dto(&state, actor.0, path.into_inner()).await?,
    ))
}

/// Saves the draft. Nothing is stored unless every value is well-formed; each problem is
/// named by its field (`answers.<id>.activities`, `answers.3` or `answers.4.0.cost` for the
/// call's own fields, `costs.personal`, `girls`, …).
#[utoipa::path(put, path = "/api/v1/reports/{id}/draft", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ReportInput,
    responses((status = 200, body = ReportDto), (status = 409, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn save_draft(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ReportInput>,
) -> Result<web::Json<ReportDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (saver, report_id, input) = (actor.0.clone(), id.clone(), body.into_inner());
    state
        .db
        .run(move |c| workflow::save_draft(c, &saver, &report_id, &input, now))
        .await?;
    Ok(web::Json(report_dto(&state, actor.0, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitCheckDto {
    pub ready: bool,
    pub blocked: Option<String>,
    pub problems: Vec<crate::error::FieldError>,
    #[schema(value_type = String)]
    pub received: Decimal,
    #[schema(value_type = String)]
    pub used: Decimal,
    #[schema(value_type = String)]
    pub unused: Decimal,
}

/// What stands in the way of submitting the draft, without changing anything.
#[utoipa::path(get, path = "/api/v1/reports/{id}/submit-check", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    responses((status = 200, body = SubmitCheckDto), (status = 404, body = super::Problem)))]
pub async fn submit_check(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<SubmitCheckDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let check = state
        .db
        .run(move |c| workflow::check_submit(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(SubmitCheckDto {
        ready: check.problems.is_empty() && check.blocked.is_none(),
        blocked: check.blocked,
        problems: check.problems.into_vec(),
        received: check.money.received.to_kronor(),
        used: check.money.used.to_kronor(),
        unused: check.money.unused().to_kronor(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceiptDto {
    pub report_id: String,
    pub registration_number: String,
    pub year: i32,
    pub version: i32,
    pub submitted_at: chrono::NaiveDateTime,
    pub signer_name: String,
    pub signer_role: String,
    #[schema(value_type = String)]
    pub received: Decimal,
    #[schema(value_type = String)]
    pub used: Decimal,
    #[schema(value_type = String)]
    pub unused: Decimal,
}

/// Submits the draft, signed by a named person with their role (the organisation's
/// representative). A report missing an answer, or with more used than received, is
/// refused with the field named.
#[utoipa::path(post, path = "/api/v1/reports/{id}/submit", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = SubmitInput,
    responses((status = 200, body = ReportReceiptDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn submit(
    state: State,
    session: actix_session::Session,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<SubmitInput>,
) -> Result<web::Json<ReportReceiptDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    // A session opened with e-legitimation signs with a fresh one (see web::signing).
    let signed = crate::web::signing::required(&session, &actor.0, now)?;
    let r = state
        .db
        .run(move |c| workflow::submit(c, &actor.0, &id, &input, &signed, now, &links, &agency))
        .await?;
    crate::web::signing::used(&session);
    Ok(web::Json(ReportReceiptDto {
        report_id: r.report_id,
        registration_number: r.registration_number,
        year: r.year,
        version: r.version,
        submitted_at: r.submitted_at,
        signer_name: r.signer_name,
        signer_role: r.signer_role,
        received: r.money.received.to_kronor(),
        used: r.money.used.to_kronor(),
        unused: r.money.unused().to_kronor(),
    }))
}

/// The officer asks for a supplement; the organisation answers in a new version.
#[utoipa::path(post, path = "/api/v1/reports/{id}/supplement-requests", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ReportSupplementInput,
    responses((status = 200, body = ReportDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn request_supplement(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ReportSupplementInput>,
) -> Result<web::Json<ReportDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (officer, report_id, input) = (actor.0.clone(), id.clone(), body.into_inner());
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    state
        .db
        .run(move |c| {
            workflow::request_supplement(c, &officer, &report_id, &input, now, &links, &agency)
        })
        .await?;
    Ok(web::Json(report_dto(&state, actor.0, id).await?))
}

/// Opens the new version that answers the open supplement request (a copy of the latest
/// submitted version).
#[utoipa::path(post, path = "/api/v1/reports/{id}/supplement-answer", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = ReportDto), (status = 409, body = super::Problem)))]
pub async fn begin_supplement_answer(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<ReportDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (applicant, report_id) = (actor.0.clone(), id.clone());
    state
        .db
        .run(move |c| workflow::begin_supplement_answer(c, &applicant, &report_id, now))
        .await?;
    Ok(web::Json(report_dto(&state, actor.0, id).await?))
}

/// The officer approves the report. Unused money becomes a repayment claim of exactly that
/// amount, with its letter sent to the organisation. An approved report never changes.
#[utoipa::path(post, path = "/api/v1/reports/{id}/approve", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = ReportDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn approve(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<ReportDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (officer, report_id) = (actor.0.clone(), id.clone());
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    state
        .db
        .run(move |c| workflow::approve(c, &officer, &report_id, now, &links, &agency))
        .await?;
    Ok(web::Json(report_dto(&state, actor.0, id).await?))
}

/// The repayment claim's letter as PDF, byte-identical to what was sent; its SHA-256 is in
/// the `X-Content-SHA256` header.
#[utoipa::path(get, path = "/api/v1/reports/{id}/repayment/letter", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = super::Problem)))]
pub async fn repayment_letter(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let document = state
        .db
        .run(move |c| workflow::claim_letter(c, &actor.0, &id, now))
        .await?;
    Ok(crate::http::pdf_response(
        &document.filename,
        Some(&document.sha256),
        document.content,
    ))
}

/// The officer records the repayment as received: from then on it counts as repaid, and
/// the year's available amount for redistribution grows by it.
#[utoipa::path(post, path = "/api/v1/reports/{id}/repayment/received", tag = "reports",
    params(("id" = String, Path, description = "The report's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ReceivedInput,
    responses((status = 200, body = ClaimDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn repayment_received(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ReceivedInput>,
) -> Result<web::Json<ClaimDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let claim = state
        .db
        .run(move |c| workflow::record_received(c, &actor.0, &id, &input, now))
        .await?;
    Ok(web::Json(ClaimDto::new(&claim)))
}

/// The officer records money claimed back by a change decision (återkrav) as received.
#[utoipa::path(post, path = "/api/v1/claims/{id}/received", tag = "reports",
    params(("id" = String, Path, description = "The claim's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ReceivedInput,
    responses((status = 200, body = ClaimDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn reclaim_received(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ReceivedInput>,
) -> Result<web::Json<ClaimDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let claim = state
        .db
        .run(move |c| workflow::record_reclaim_received(c, &actor.0, &id, &input, now))
        .await?;
    Ok(web::Json(ClaimDto::new(&claim)))
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultDto {
    pub id: String,
    pub position: i32,
    pub area: String,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    pub organisation: String,
    pub org_number: String,
    pub registration_number: String,
    pub report_id: Option<String>,
    pub status: String,
    pub overdue: bool,
    pub due_on: chrono::NaiveDate,
    pub version: Option<i32>,
    pub signer: Option<String>,
    pub children_total: Option<i32>,
    pub girls: Option<i32>,
    pub boys: Option<i32>,
    pub staff_fte: Option<String>,
    #[schema(value_type = Option<String>)]
    pub received: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub used: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub unused: Option<Decimal>,
    pub repayment: Option<ClaimDto>,
    /// One per expected result, in the order of `results`: the submitted answer, if any.
    pub answers: Vec<Option<AnswerDto>>,
    /// The submitted answers to the call's own report-back fields.
    pub fields: Vec<FieldAnswerDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsDto {
    #[schema(value_type = String)]
    pub received: Decimal,
    #[schema(value_type = String)]
    pub used: Decimal,
    #[schema(value_type = String)]
    pub unused: Decimal,
    #[schema(value_type = String)]
    pub repaid: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewDto {
    pub call_id: String,
    pub year: i32,
    pub years: Vec<i32>,
    pub results: Vec<ResultDto>,
    pub regions: Vec<RegionDto>,
    pub totals: TotalsDto,
}

impl OverviewDto {
    fn new(o: &Overview) -> OverviewDto {
        OverviewDto {
            call_id: o.call.id.clone(),
            year: o.year,
            years: o.years.clone(),
            results: o
                .results
                .iter()
                .map(|r| ResultDto {
                    id: r.id.clone(),
                    position: r.position,
                    area: r.area.clone(),
                    title: r.title.clone(),
                })
                .collect(),
            regions: o
                .rows
                .iter()
                .map(|row| {
                    let counts = row.counts.unwrap_or_default();
                    RegionDto {
                        organisation: row.slot.organisation.name.clone(),
                        org_number: row.slot.organisation.org_number.clone(),
                        registration_number: row.slot.decision.registration_number.clone(),
                        report_id: row.slot.report.as_ref().map(|r| r.id.clone()),
                        status: row.state.as_str().into(),
                        overdue: row.overdue,
                        due_on: row.slot.due_on,
                        version: row.version.as_ref().map(|v| v.number),
                        signer: row.version.as_ref().map(|v| {
                            format!(
                                "{}, {}",
                                v.signer_name.clone().unwrap_or_default(),
                                v.signer_role.clone().unwrap_or_default()
                            )
                        }),
                        children_total: counts.children_total,
                        girls: counts.girls,
                        boys: counts.boys,
                        staff_fte: counts.staff_fte_hundredths.map(format_fte),
                        received: row.money.map(|m| m.received.to_kronor()),
                        used: row.money.map(|m| m.used.to_kronor()),
                        unused: row.money.map(|m| m.unused().to_kronor()),
                        repayment: row.claim.as_ref().map(ClaimDto::new),
                        fields: field_dtos(&o.fields, &row.fields),
                        answers: o
                            .results
                            .iter()
                            .zip(&row.answers)
                            .map(|(r, a)| {
                                a.as_ref().map(|a| AnswerDto {
                                    expected_result_id: r.id.clone(),
                                    position: r.position,
                                    achievement: a.achievement.as_str().into(),
                                    activities: a.activities.clone(),
                                    obstacles: a.obstacles.clone(),
                                })
                            })
                            .collect(),
                    }
                })
                .collect(),
            totals: TotalsDto {
                received: o.totals.received.to_kronor(),
                used: o.totals.used.to_kronor(),
                unused: o.totals.unused.to_kronor(),
                repaid: o.totals.repaid.to_kronor(),
            },
        }
    }
}

/// Every region's report for a call and year (the agency and auditors): status, the
/// matrix of expected results × regions with each answer, counts, money and sums. The
/// regions come a page at a time; the sums are over every region of the year.
#[utoipa::path(get, path = "/api/v1/calls/{id}/reports", tag = "reports",
    params(("id" = String, Path, description = "The call's id"),
           ("year" = Option<i32>, Query, description = "The grant year"),
           PageQuery),
    responses((status = 200, body = OverviewDto,
               headers(("X-Total-Count" = i64,
                        description = "How many regions owe a report for the year in all"),
                       ("Link" = String,
                        description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn overview(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
    page: web::Query<PageQuery>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let year = query.year;
    let window = page.window()?;
    let call_id = id.clone();
    let o = state
        .db
        .run(move |c| overview::for_call(c, &actor.0, &id, year, now, window))
        .await?;
    let enc = crate::web::format::url_encode;
    let shown_year = o.year;
    Ok(paged(window, o.total, |offset| {
        format!(
            "/api/v1/calls/{}/reports?year={shown_year}&limit={}&offset={offset}",
            enc(&call_id),
            window.limit
        )
    })
    .json(OverviewDto::new(&o)))
}

/// Open data: the approved reports of a published call for a year. No count from 1 to 4
/// is shown; it is written "<5".
#[utoipa::path(get, path = "/api/v1/calls/{id}/reports/public", tag = "reports",
    params(("id" = String, Path, description = "The call's id"),
           ("year" = i32, Query, description = "The grant year")),
    responses((status = 200, body = Vec<PublicRow>), (status = 404, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn public_export(
    state: State,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let year = query
        .year
        .ok_or_else(|| AppError::invalid("year", "Ange året, till exempel ?year=2021."))?;
    let plan = state
        .db
        .run(move |c| overview::public_plan(c, &id, year))
        .await?;
    // Streamed a chunk of regions at a time, each read on from where the last ended: the
    // first byte leaves before any row is read, and the service holds neither a connection
    // nor more than a chunk of rows while the client reads.
    let plan = std::sync::Arc::new(plan);
    let db = state.db.clone();
    // (where to read on from, whether anything was written yet, whether the end was read)
    let rows = futures_util::stream::try_unfold(
        (None, db, true, false),
        move |(after, db, first, done): (Option<crate::db::reports::OwedCursor>, _, bool, bool)| {
            let plan = plan.clone();
            async move {
                if done {
                    return Ok::<_, AppError>(None);
                }
                let (rows, next) = db
                    .run(move |c| {
                        overview::public_rows(c, &plan, after.as_ref(), PUBLIC_CHUNK, year, now)
                    })
                    .await?;
                let mut out: Vec<u8> = Vec::new();
                for (i, row) in rows.iter().enumerate() {
                    if !(first && i == 0) {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, row)
                        .map_err(|e| AppError::Internal(format!("json: {e}")))?;
                }
                let first = first && rows.is_empty();
                let done = next.is_none();
                Ok(Some((web::Bytes::from(out), (next, db, first, done))))
            }
        },
    );
    let body = futures_util::StreamExt::chain(
        futures_util::StreamExt::chain(
            futures_util::stream::once(async { Ok::<_, AppError>(web::Bytes::from_static(b"[")) }),
            rows,
        ),
        futures_util::stream::once(async { Ok::<_, AppError>(web::Bytes::from_static(b"]")) }),
    );
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .streaming(body))
}

/// Regions per chunk of the streamed public export.
const PUBLIC_CHUNK: i64 = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct RulesDto {
    pub opens_offset_days: i32,
    pub reminder_days_before: i32,
    pub repayment_due_days: i32,
}

/// Sets when a call's reports open, when the reminder goes out and how long a repayment
/// may take (officers).
#[utoipa::path(put, path = "/api/v1/calls/{id}/report-rules", tag = "reports",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = RulesInput,
    responses((status = 200, body = RulesDto), (status = 403, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn set_rules(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<RulesInput>,
) -> Result<web::Json<RulesDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let rules = state
        .db
        .run(move |c| workflow::set_rules(c, &actor.0, &id, &input, now))
        .await?;
    Ok(web::Json(RulesDto {
        opens_offset_days: rules.opens_offset_days,
        reminder_days_before: rules.reminder_days_before,
        repayment_due_days: rules.repayment_due_days,
    }))
}

/// The routes, registered inside `/api/v1`.
pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/reports", web::get().to(list))
        .route("/claims/{id}/received", web::post().to(reclaim_received))
        .route("/reports", web::post().to(start))
        .route("/reports/{id}", web::get().to(show))
        .route("/reports/{id}/draft", web::put().to(save_draft))
        .route("/reports/{id}/submit-check", web::get().to(submit_check))
        .route("/reports/{id}/submit", web::post().to(submit))
        .route(
            "/reports/{id}/supplement-requests",
            web::post().to(request_supplement),
        )
        .route(
            "/reports/{id}/supplement-answer",
            web::post().to(begin_supplement_answer),
        )
        .route("/reports/{id}/approve", web::post().to(approve))
        .route(
            "/reports/{id}/repayment/letter",
            web::get().to(repayment_letter),
        )
        .route(
            "/reports/{id}/repayment/received",
            web::post().to(repayment_received),
        )
        .route("/calls/{id}/reports", web::get().to(overview))
        .route("/calls/{id}/reports/public", web::get().to(public_export))
        .route("/calls/{id}/report-rules", web::put().to(set_rules))
}
