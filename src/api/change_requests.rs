//! Change requests as JSON (issue 16): the organisation writes, saves and sends one in;
//! the officer answers. The work is `change_requests`'.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::{ApiError, CsrfChecked};
use crate::change_requests::rules::{AnswerInput, RequestInput};
use crate::change_requests::{self as requests, View};
use crate::codes::{ChangeKind, ChangeRequestStatus};
use crate::http::{Authenticated, State};

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        create,
        show,
        update,
        submit,
        answer,
        request_supplement,
        answer_supplement
    ),
    components(schemas(
        ChangeRequestDto,
        ChangeLineDto,
        ChangeFileDto,
        ChangeSupplementDto,
        SupplementAnswer,
        NewChangeRequest,
        RequestInput,
        AnswerInput,
        ChangeKind,
        ChangeRequestStatus
    ))
)]
pub struct ChangeRequestsApiDoc;

/// One cost category's line of a budget move, in öre.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeLineDto {
    pub cost_category_id: String,
    pub cost_category: String,
    pub before_ore: i64,
    pub requested_ore: i64,
    pub approved_ore: Option<i64>,
}

/// A change request with its answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeRequestDto {
    pub id: String,
    pub application_id: String,
    pub decision_id: String,
    pub number: i32,
    pub kind: ChangeKind,
    pub status: ChangeRequestStatus,
    pub year: Option<i32>,
    pub amount_ore: Option<i64>,
    pub description: String,
    pub budget: Vec<ChangeLineDto>,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
    pub handled_at: Option<String>,
    pub handled_by: Option<String>,
    pub answer: Option<String>,
    pub approved_amount_ore: Option<i64>,
    /// The change decision the answer prepared, if any.
    pub change_decision_id: Option<String>,
    /// Whether that change decision is signed.
    pub change_decision_signed: bool,
    /// Files attached on the web form (PDF); `download` is the page address of each.
    pub files: Vec<ChangeFileDto>,
    /// Supplements the officer asked for, oldest first, with the answers.
    pub supplements: Vec<ChangeSupplementDto>,
}

/// A supplement asked for, and its answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeSupplementDto {
    pub requested_at: String,
    pub message: String,
    pub due_on: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

/// The organisation's answer to a supplement.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SupplementAnswer {
    #[serde(default)]
    pub answer: String,
}

/// A file attached to a change request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeFileDto {
    pub id: String,
    pub filename: String,
    pub size_bytes: i64,
    pub download: String,
}

fn dto(view: View) -> ChangeRequestDto {
    let r = view.request;
    let files = view
        .files
        .into_iter()
        .map(|f| ChangeFileDto {
            download: format!("/andringar/{}/filer/{}.pdf", r.id, f.id),
            id: f.id,
            filename: f.filename,
            size_bytes: f.size_bytes,
        })
        .collect();
    let supplements = view
        .supplements
        .into_iter()
        .map(|s| ChangeSupplementDto {
            requested_at: s.requested_at.and_utc().to_rfc3339(),
            message: s.message,
            due_on: s.due_on.to_string(),
            answer: s.answer,
            answered_at: s.answered_at.map(|t| t.and_utc().to_rfc3339()),
        })
        .collect();
    ChangeRequestDto {
        files,
        supplements,
        budget: view
            .lines
            .into_iter()
            .map(|(name, l)| ChangeLineDto {
                cost_category_id: l.cost_category_id,
                cost_category: name,
                before_ore: l.before_ore.ore(),
                requested_ore: l.requested_ore.ore(),
                approved_ore: l.approved_ore.map(|a| a.ore()),
            })
            .collect(),
        change_decision_signed: view
            .decision
            .is_some_and(|d| d.status == crate::codes::DecisionStatus::Signed),
        id: r.id,
        application_id: r.application_id,
        decision_id: r.decision_id,
        number: r.number,
        kind: r.kind,
        status: r.status,
        year: r.year,
        amount_ore: r.amount_ore.map(|a| a.ore()),
        description: r.description,
        submitted_at: r.submitted_at.map(|t| t.and_utc().to_rfc3339()),
        submitted_by: view.submitted_by,
        handled_at: r.handled_at.map(|t| t.and_utc().to_rfc3339()),
        handled_by: view.handled_by,
        answer: r.answer,
        approved_amount_ore: r.approved_amount_ore.map(|a| a.ore()),
        change_decision_id: r.change_decision_id,
    }
}

/// A new request: the fields, and whether to send it in at once.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NewChangeRequest {
    #[serde(flatten)]
    pub request: RequestInput,
    /// `true`: check in full and send in; `false` (default): save as a draft.
    #[serde(default)]
    pub submit: bool,
}

/// The change requests of a case, newest first (the organisation also sees its drafts).
#[utoipa::path(get, path = "/api/v1/applications/{id}/change-requests", tag = "change_requests",
    params(("id" = String, Path, description = "The case (application) id")),
    responses((status = 200, body = [ChangeRequestDto]), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ChangeRequestDto>>, ApiError> {
    let (id, now) = (path.into_inner(), state.clock.now());
    let views = state
        .db
        .run(move |c| requests::of_case(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(views.into_iter().map(dto).collect()))
}

/// Starts a change request on the case's grant (people of the recipient organisation):
/// saved as a draft, or sent in with `submit: true` (those who may submit). Field
/// messages name `kind`, `year`, `amount`, `budget`, `budget.<cost category id>`,
/// `description`.
#[utoipa::path(post, path = "/api/v1/applications/{id}/change-requests", tag = "change_requests",
    params(("id" = String, Path, description = "The case (application) id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = NewChangeRequest,
    responses((status = 201, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<NewChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, now, links) = (path.into_inner(), state.clock.now(), state.links.clone());
    let body = body.into_inner();
    let view = state
        .db
        .run(move |c| {
            let request = requests::save(
                c,
                &actor.0,
                &id,
                None,
                &body.request,
                requests::FileChange::None,
                body.submit,
                now,
                &links,
            )?;
            requests::find(c, &actor.0, &request.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto(view)))
}

/// One change request.
#[utoipa::path(get, path = "/api/v1/change-requests/{id}", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id")),
    responses((status = 200, body = ChangeRequestDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    let (id, now) = (path.into_inner(), state.clock.now());
    let view = state
        .db
        .run(move |c| requests::find(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(dto(view)))
}

async fn save(
    state: State,
    actor: Authenticated,
    id: String,
    input: RequestInput,
    submit: bool,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    let (now, links) = (state.clock.now(), state.links.clone());
    let view = state
        .db
        .run(move |c| {
            let request = crate::db::change_requests::find(c, &id)?
                .ok_or(crate::error::AppError::NotFound)?;
            requests::save(
                c,
                &actor.0,
                &request.application_id,
                Some(&id),
                &input,
                requests::FileChange::None,
                submit,
                now,
                &links,
            )?;
            requests::find(c, &actor.0, &id, now)
        })
        .await?;
    Ok(web::Json(dto(view)))
}

/// Saves a draft again (what is sent replaces it).
#[utoipa::path(put, path = "/api/v1/change-requests/{id}", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = RequestInput,
    responses((status = 200, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<RequestInput>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    save(state, actor, path.into_inner(), body.into_inner(), false).await
}

/// Sends a draft in, with the fields sent (checked in full). A receipt goes to the sender
/// and a notice to the case's officer; from then on the request does not change.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/submit", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = RequestInput,
    responses((status = 200, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn submit(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<RequestInput>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    save(state, actor, path.into_inner(), body.into_inner(), true).await
}

/// The officer's answer: `approved`, `partly_approved` (with `amount` for a give-back or
/// `budget` for a budget move) or `refused`, with reasons. A budget move, a give-back or a
/// decline that is approved becomes a draft change decision (revocation for a decline) for
/// a decision maker to sign; other answers are recorded and sent to the organisation.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/answer", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = AnswerInput,
    responses((status = 200, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn answer(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<AnswerInput>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    let (id, now, links) = (path.into_inner(), state.clock.now(), state.links.clone());
    let input = body.into_inner();
    let view = state
        .db
        .run(move |c| {
            requests::answer(c, &actor.0, &id, &input, now, &links)?;
            requests::find(c, &actor.0, &id, now)
        })
        .await?;
    Ok(web::Json(dto(view)))
}

/// The officer asks for a supplement: `message` and `due_on` (`YYYY-MM-DD`); the request
/// waits (`supplement_requested`) until the organisation answers.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/supplement-request", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = crate::applications::workflow::SupplementInput,
    responses((status = 200, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn request_supplement(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<crate::applications::workflow::SupplementInput>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    let (id, now, links) = (path.into_inner(), state.clock.now(), state.links.clone());
    let input = body.into_inner();
    let view = state
        .db
        .run(move |c| {
            requests::request_supplement(c, &actor.0, &id, &input, now, &links)?;
            requests::find(c, &actor.0, &id, now)
        })
        .await?;
    Ok(web::Json(dto(view)))
}

/// The organisation answers the supplement asked for (those who may submit).
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/supplement-answer", tag = "change_requests",
    params(("id" = String, Path, description = "The change request's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = SupplementAnswer,
    responses((status = 200, body = ChangeRequestDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn answer_supplement(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<SupplementAnswer>,
) -> Result<web::Json<ChangeRequestDto>, ApiError> {
    let (id, now, links) = (path.into_inner(), state.clock.now(), state.links.clone());
    let answer = body.into_inner().answer;
    let view = state
        .db
        .run(move |c| {
            requests::answer_supplement(c, &actor.0, &id, &answer, now, &links)?;
            requests::find(c, &actor.0, &id, now)
        })
        .await?;
    Ok(web::Json(dto(view)))
}
