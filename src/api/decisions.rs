//! Assessment and decisions through the API: conflicts of interest, assessments, proposals,
//! preparing and signing decisions, and the signed letters.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{DecisionTextDto, YearAmount};
use super::payments::ClaimDetailDto;
use super::{ApiError, CsrfChecked};
use crate::access;
use crate::assessment::{self, AssessmentView, ProposalInput, RatingInput};
use crate::decisions::Outcome;
use crate::decisions::change::{self, ChangeInput};
use crate::decisions::workflow::{self, PrepareInput};
use crate::error::AppError;
use crate::http::{Authenticated, State};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConflictRequest {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentRequest {
    /// One rating per criterion of the call.
    #[serde(default)]
    pub ratings: Vec<RatingInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingDto {
    pub criterion: i32,
    pub criterion_title: String,
    pub rating: String,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerAssessmentDto {
    pub officer: String,
    pub ratings: Vec<RatingDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDto {
    pub officer: String,
    pub recommendation: String,
    pub reasons: String,
    pub amounts: Vec<YearAmount>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictDto {
    pub name: String,
    pub reason: String,
    pub declared_at: chrono::DateTime<chrono::Utc>,
}

/// Every officer's assessment side by side, the proposals and the declared conflicts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDto {
    pub assessments: Vec<OfficerAssessmentDto>,
    pub proposals: Vec<ProposalDto>,
    pub conflicts: Vec<ConflictDto>,
}

impl AssessmentDto {
    fn new(view: &AssessmentView) -> AssessmentDto {
        AssessmentDto {
            assessments: view
                .columns
                .iter()
                .map(|col| OfficerAssessmentDto {
                    officer: col.officer_name.clone(),
                    ratings: view
                        .criteria
                        .iter()
                        .zip(col.ratings.iter())
                        .filter_map(|(c, r)| {
                            r.as_ref().map(|r| RatingDto {
                                criterion: c.position,
                                criterion_title: c.title.clone(),
                                rating: r.rating.as_str().to_string(),
                                comment: r.comment.clone(),
                            })
                        })
                        .collect(),
                })
                .collect(),
            proposals: view
                .proposals
                .iter()
                .map(|p| ProposalDto {
                    officer: p.officer_name.clone(),
                    recommendation: p.proposal.recommendation.as_str().to_string(),
                    reasons: p.proposal.reasons.clone(),
                    amounts: p
                        .years
                        .iter()
                        .map(|y| YearAmount {
                            year: y.year,
                            amount: y.amount_ore.to_kronor(),
                        })
                        .collect(),
                    created_at: p.proposal.created_at.and_utc(),
                })
                .collect(),
            conflicts: view
                .conflicts
                .iter()
                .map(|c| ConflictDto {
                    name: c.name.clone(),
                    reason: c.declaration.reason.clone(),
                    declared_at: c.declaration.declared_at.and_utc(),
                })
                .collect(),
        }
    }
}

fn assessment_of(
    conn: &mut crate::db::DbConnection,
    actor: &crate::accounts::Actor,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AssessmentDto, AppError> {
    let view = crate::applications::view(conn, actor, id, now)?;
    if !access::can_list_all_cases(actor) {
        crate::audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(id),
            "läsa myndighetens bedömning",
        )?;
        return Err(AppError::Forbidden);
    }
    Ok(AssessmentDto::new(&assessment::view(
        conn,
        &view.application,
    )?))
}

/// The assessment of a case (the agency and auditors).
#[utoipa::path(get, path = "/api/v1/applications/{id}/assessment", tag = "decisions",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, body = AssessmentDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show_assessment(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<AssessmentDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    Ok(web::Json(
        state
            .db
            .run(move |c| assessment_of(c, &actor.0, &id, now))
            .await?,
    ))
}

/// Declares the logged-in officer's or decision maker's conflict of interest in a case.
#[utoipa::path(post, path = "/api/v1/applications/{id}/conflicts", tag = "decisions",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ConflictRequest,
    responses((status = 201, body = AssessmentDto), (status = 403, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn declare_conflict(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ConflictRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let reason = body.into_inner().reason;
    let dto = state
        .db
        .run(move |c| {
            assessment::declare_conflict(c, &actor.0, &id, &reason, now)?;
            assessment_of(c, &actor.0, &id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Saves the logged-in officer's assessment of every criterion.
#[utoipa::path(put, path = "/api/v1/applications/{id}/assessment", tag = "decisions",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = AssessmentRequest,
    responses((status = 200, body = AssessmentDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn assess(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<AssessmentRequest>,
) -> Result<web::Json<AssessmentDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let ratings = body.into_inner().ratings;
    Ok(web::Json(
        state
            .db
            .run(move |c| {
                assessment::assess(c, &actor.0, &id, &ratings, now)?;
                assessment_of(c, &actor.0, &id, now)
            })
            .await?,
    ))
}

/// The presenting officer's proposal: amounts per year (never above what was applied for),
/// a recommendation and reasons.
#[utoipa::path(post, path = "/api/v1/applications/{id}/proposals", tag = "decisions",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ProposalInput,
    responses((status = 201, body = AssessmentDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn propose(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ProposalInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let dto = state
        .db
        .run(move |c| {
            assessment::propose(c, &actor.0, &id, &input, now)?;
            assessment_of(c, &actor.0, &id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDetailDto {
    pub id: String,
    pub application_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub registration_number: String,
    pub decided_on: Option<chrono::NaiveDate>,
    /// For a change or revocation: the decision it changes.
    pub amends_decision_id: Option<String>,
    /// Per year: the amount granted, or for a change or revocation the difference it makes.
    pub amounts: Vec<YearAmount>,
    /// SHA-256 of the signed letter, hex.
    pub letter_sha256: Option<String>,
    pub letter_url: Option<String>,
    /// For a decision that answers an application (grant, top-up, rejection): how it
    /// answered it, from what was applied for and what is granted per year.
    pub outcome: Option<Outcome>,
    /// For a decision that answers an application: what was applied for per year.
    pub applied: Vec<YearAmount>,
    pub decision_maker: Option<String>,
    pub presenting_officer: String,
    pub reasons: String,
    /// Money this decision claims back (återkrav), each also at `GET /api/v1/claims/{id}`.
    pub claims: Vec<ClaimDetailDto>,
    /// The signed decisions that have changed or revoked this one since.
    pub changed_by: Vec<String>,
    /// The whole decision in words, exactly as its letter says it: amounts per year
    /// (applied for and granted), reasons, conditions, report-back days, how to appeal and
    /// Bilaga 1. A draft reads as it would if signed today.
    pub text: DecisionTextDto,
}

fn decision_dto(
    conn: &mut crate::db::DbConnection,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<DecisionDetailDto, AppError> {
    let decision = crate::db::decisions::find(conn, id)?.ok_or(AppError::NotFound)?;
    let years = crate::db::decisions::years(conn, id)?;
    let sha = crate::db::decisions::document_checksum(conn, id)?;
    let answers = crate::decisions::answers_application(&decision);
    let applied = match (&decision.application_id, answers) {
        (Some(application_id), true) => assessment::applied_amounts(conn, application_id)?,
        _ => Default::default(),
    };
    let outcome = answers.then(|| {
        let granted = years.iter().map(|y| (y.year, y.amount_ore)).collect();
        crate::decisions::outcome(&applied, &granted)
    });
    let name = |conn: &mut crate::db::DbConnection, id: &str| -> Result<String, AppError> {
        Ok(crate::db::accounts::find(conn, id)?
            .map(|u| u.name)
            .unwrap_or_default())
    };
    let decision_maker = match &decision.decision_maker_id {
        Some(id) => Some(name(conn, id)?),
        None => None,
    };
    let presenting_officer = name(conn, &decision.presenting_officer_id)?;
    let claims = crate::db::reports::claims_of_decision(conn, id)?
        .iter()
        .map(ClaimDetailDto::new)
        .collect();
    let changed_by = crate::db::decisions::changes_of(conn, id)?
        .into_iter()
        .filter(|d| d.status == crate::codes::DecisionStatus::Signed)
        .map(|d| d.id)
        .collect();
    let signed = decision.status == crate::codes::DecisionStatus::Signed;
    let text = DecisionTextDto::new(&crate::decisions::text::of(conn, &decision, now)?, signed);
    Ok(DecisionDetailDto {
        outcome,
        applied: applied
            .iter()
            .map(|(year, amount)| YearAmount {
                year: *year,
                amount: amount.to_kronor(),
            })
            .collect(),
        decision_maker,
        presenting_officer,
        reasons: decision.reasons.clone(),
        claims,
        changed_by,
        text,
        letter_url: sha
            .as_ref()
            .map(|_| format!("/api/v1/decisions/{}/letter", decision.id)),
        id: decision.id,
        application_id: decision.application_id,
        kind: decision.kind.as_str().to_string(),
        status: decision.status.as_str().to_string(),
        registration_number: decision.registration_number,
        decided_on: decision.decided_on,
        amends_decision_id: decision.amends_decision_id,
        amounts: years
            .iter()
            .map(|y| YearAmount {
                year: y.year,
                amount: y.amount_ore.to_kronor(),
            })
            .collect(),
        letter_sha256: sha,
    })
}

/// Prepares the case's decision from its latest proposal (the presenting officer).
#[utoipa::path(post, path = "/api/v1/applications/{id}/decisions", tag = "decisions",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = PrepareInput,
    responses((status = 201, body = DecisionDetailDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn prepare(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: Option<web::Json<PrepareInput>>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.map(|b| b.into_inner()).unwrap_or_default();
    let dto = state
        .db
        .run(move |c| {
            let decision = workflow::prepare(c, &actor.0, &id, &input, now)?;
            decision_dto(c, &decision.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Prepares a change decision or revocation of a signed grant or top-up (the presenting
/// officer). `amounts` holds the amount per year after the change, in kronor; the draft
/// stores the difference. A decision maker signs it like any decision.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/changes", tag = "decisions",
    params(("id" = String, Path, description = "The id of the signed decision to change"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = ChangeInput,
    responses((status = 201, body = DecisionDetailDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn prepare_change(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<ChangeInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let input = body.into_inner();
    let dto = state
        .db
        .run(move |c| {
            let decision = change::prepare_change(c, &actor.0, &id, &input, now)?;
            decision_dto(c, &decision.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Signs a prepared decision (decision makers). Refused with 409 and the reason when it
/// would pass the year's ceiling, what was applied for, or the number of recipients.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/sign", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = DecisionDetailDto), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn sign(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<DecisionDetailDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let links = state.links.clone();
    Ok(web::Json(
        state
            .db
            .run(move |c| {
                workflow::sign(c, &actor.0, &id, now, &links)?;
                decision_dto(c, &id, now)
            })
            .await?,
    ))
}

/// A decision, for whoever may read its case.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, body = DecisionDetailDto), (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<DecisionDetailDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    Ok(web::Json(
        state
            .db
            .run(move |c| {
                let decision = crate::db::decisions::find(c, &id)?.ok_or(AppError::NotFound)?;
                if !access::can_read_case(&actor.0, &decision.organisation_id) {
                    crate::audit::record_denied(
                        c,
                        &actor.0,
                        now,
                        "decision",
                        Some(&id),
                        "läsa ett beslut",
                    )?;
                    return Err(AppError::NotFound);
                }
                if decision.status == crate::codes::DecisionStatus::Draft
                    && !access::is_case_staff(&actor.0)
                {
                    return Err(AppError::NotFound);
                }
                decision_dto(c, &id, now)
            })
            .await?,
    ))
}

/// The signed letter as PDF, byte-identical to what was made at signing; its SHA-256 is in
/// the `X-Content-SHA256` header and in the decision.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/letter", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = super::Problem)))]
pub async fn letter(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let document = state
        .db
        .run(move |c| workflow::document(c, &actor.0, &id, now))
        .await?;
    Ok(crate::http::pdf_response(
        &document.filename,
        Some(&document.sha256),
        document.content,
    ))
}
