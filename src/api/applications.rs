use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::dto::{
    ApplicationDto, ApplicationSummaryDto, AttachmentDto, PdfFile, ReceiptDto, SubmitCheckDto,
    SupplementAnswerDto, SupplementDto,
};
use super::{ApiError, CsrfChecked};
use crate::accounts::Actor;
use crate::applications::draft::DraftInput;
use crate::applications::workflow::{self, SupplementInput};
use crate::applications::{self, ApplicationView};
use crate::codes::ApplicationStatus;
use crate::db::DbConnection;
use crate::db::applications::{ListSort, StatusFilter};
use crate::decisions::Outcome;
use crate::error::{AppError, FieldErrors};
use crate::http::{Authenticated, State};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the applications of this call.
    call_id: Option<String>,
    /// Only this status (`submitted`, `supplement_requested`, `complete`, `assessed`,
    /// `decided`; an applicant also `draft`) or, among decided ones, this outcome
    /// (`granted`, `partly_granted`, `rejected`).
    status: Option<String>,
    /// Free text: part of the organisation's name or number or of the registration number.
    q: Option<String>,
    /// The order: `registration_number` (the default; drafts last), `organisation`,
    /// `status` (by the Swedish label), or `requested_YEAR` (the amount applied for that
    /// year, such as `requested_2021`). Ties go by registration number.
    sort: Option<String>,
    /// The order reversed.
    descending: Option<bool>,
    /// How many applications to answer with, 1–500; 100 if left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// How many to skip first (the next page starts at `offset + limit`); 0 if left out.
    /// The answer's `X-Total-Count` header says how many match in all, and its `Link`
    /// header gives the next page while there is one.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Rows per answer when `limit` is left out, and the most one answer holds.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// The query checked: each word it does not know is refused with the codes it knows.
fn parse_list_query(q: &ListQuery) -> Result<(ListSort, Option<StatusFilter>, i64, i64), AppError> {
    let mut errors = FieldErrors::new();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add(
            "limit",
            format!("limit ska vara ett heltal från 1 till {MAX_LIMIT}."),
        );
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        errors.add("offset", "offset ska vara 0 eller större.");
    }
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => {
            if let Some(s) = ApplicationStatus::parse(code) {
                Some(StatusFilter::Status(s))
            } else if let Some(o) = Outcome::parse(code) {
                Some(StatusFilter::Outcome(o))
            } else {
                errors.add(
                    "status",
                    format!(
                        "Okänd status \"{code}\". Välj någon av: {}, {}.",
                        ApplicationStatus::codes(),
                        Outcome::codes()
                    ),
                );
                None
            }
        }
    };
    let sort = match q.sort.as_deref().map(str::trim).unwrap_or("") {
        "" | "registration_number" => ListSort::RegistrationNumber,
        "organisation" => ListSort::Organisation,
        "status" => ListSort::Status,
        other => match other
            .strip_prefix("requested_")
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (1900..=2200).contains(y))
        {
            Some(year) => ListSort::Requested(year),
            None => {
                errors.add(
                    "sort",
                    "Okänd sortering. Välj registration_number, organisation, status \
                     eller requested_ÅR (till exempel requested_2021).",
                );
                ListSort::RegistrationNumber
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((sort, status, limit, offset))
}

/// Applications the logged-in person may see (an applicant their own organisation's), a
/// page at a time, filtered and ordered in the database.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    params(ListQuery),
    responses((status = 200, body = Vec<ApplicationSummaryDto>,
               headers(("X-Total-Count" = i64,
                        description = "How many applications match the filter in all"),
                       ("Link" = String,
                        description = "`<URL>; rel=\"next\"`: the next page, while there is one"))),
              (status = 401, body = super::Problem), (status = 403, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let q = query.into_inner();
    let (sort, status, limit, offset) = parse_list_query(&q)?;
    let descending = q.descending.unwrap_or(false);
    let (call_id, text) = (q.call_id.clone(), q.q.clone());
    let page = state
        .db
        .run(move |c| {
            let mut filter = applications::visible_to(c, &actor.0, call_id.as_deref(), now)?;
            filter.status = status;
            filter.text = text
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty());
            applications::page(c, &filter, sort, descending, limit, offset)
        })
        .await?;
    let mut response = HttpResponse::Ok();
    response.insert_header(("X-Total-Count", page.total.to_string()));
    if offset.saturating_add(limit) < page.total {
        response.insert_header((
            actix_web::http::header::LINK,
            format!(
                "<{}>; rel=\"next\"",
                next_page_url(&q, offset.saturating_add(limit), limit)
            ),
        ));
    }
    let rows: Vec<ApplicationSummaryDto> =
        page.rows.iter().map(ApplicationSummaryDto::new).collect();
    Ok(response.json(rows))
}

/// The same query with the next offset.
fn next_page_url(q: &ListQuery, offset: i64, limit: i64) -> String {
    let enc = crate::web::format::url_encode;
    let mut parts: Vec<String> = Vec::new();
    for (name, value) in [
        ("call_id", &q.call_id),
        ("status", &q.status),
        ("q", &q.q),
        ("sort", &q.sort),
    ] {
        if let Some(v) = value {
            parts.push(format!("{name}={}", enc(v)));
        }
    }
    if let Some(d) = q.descending {
        parts.push(format!("descending={d}"));
    }
    parts.push(format!("limit={limit}"));
    parts.push(format!("offset={offset}"));
    format!("/api/v1/applications?{}", parts.join("&"))
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

/// The case as `GET /api/v1/applications/{id}` shows it to this person now.
fn case(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ApplicationDto, AppError> {
    let view: ApplicationView = applications::view(conn, actor, application_id, now)?;
    Ok(ApplicationDto::new(&view))
}

/// Starts the logged-in applicant's organisation's application to an open call: the case
/// and its first draft. An organisation applies once per call.
#[utoipa::path(post, path = "/api/v1/calls/{id}/applications", tag = "applications",
    params(("id" = String, Path, description = "The call's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = ApplicationDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn start(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let call_id = path.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            let application = workflow::start(c, &actor, &call_id, now)?;
            case(c, &actor, &application.id, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Saves the draft (the applicant's organisation). Answers are keyed by question number;
/// `budget` and `staff` left out keep what the draft holds. Nothing is stored unless all of
/// it is well-formed; each problem names its field (`answers.2`, `budget.2021.personal`).
#[utoipa::path(put, path = "/api/v1/applications/{id}/draft", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = DraftInput,
    responses((status = 200, body = ApplicationDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn save_draft(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<DraftInput>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let id = path.into_inner();
    let input = body.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            workflow::save_draft(c, &actor, &id, &input, now)?;
            case(c, &actor, &id, now)
        })
        .await?;
    Ok(web::Json(dto))
}

/// Whether the draft can be submitted now, and what must be completed first. Changes
/// nothing.
#[utoipa::path(get, path = "/api/v1/applications/{id}/submit-check", tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, body = SubmitCheckDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
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
    Ok(web::Json(SubmitCheckDto::new(check)))
}

/// Submits the draft (the organisation's representative), by the server's clock: before
/// the end of the last day, Stockholm time, or in answer to a supplement request. The
/// first submission gives the case its registration number; a receipt is e-mailed.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = ReceiptDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn submit(
    state: State,
    session: actix_session::Session,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<ReceiptDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let links = state.links.clone();
    let agency = state.agency_name.clone();
    // A session opened with e-legitimation signs with a fresh one (see web::signing).
    let signed = crate::web::signing::required(&session, &actor.0, now)?;
    let receipt = state
        .db
        .run(move |c| workflow::submit(c, &actor.0, &id, &signed, now, &links, &agency))
        .await?;
    crate::web::signing::used(&session);
    Ok(web::Json(ReceiptDto::new(&receipt)))
}

/// Asks the applicant for a supplement (officers). The organisation's people are e-mailed;
/// the case waits for the answer.
#[utoipa::path(post, path = "/api/v1/applications/{id}/supplement-requests", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = SupplementInput,
    responses((status = 201, body = SupplementDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn request_supplement(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<SupplementInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let input = body.into_inner();
    let now = state.clock.now();
    let links = state.links.clone();
    let agency = state.agency_name.clone();
    let request = state
        .db
        .run(move |c| workflow::request_supplement(c, &actor.0, &id, &input, now, &links, &agency))
        .await?;
    Ok(HttpResponse::Created().json(SupplementDto::new(&request)))
}

/// Opens a new draft version to answer the open supplement request: a copy of the latest
/// submitted version. Fill it in with `PUT .../draft` (with `supplement_answer`) and submit
/// it. If the answer was already begun, its draft is the one given.
#[utoipa::path(post, path = "/api/v1/applications/{id}/supplement-answer", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = SupplementAnswerDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn begin_supplement_answer(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let version = state
        .db
        .run(move |c| workflow::begin_supplement_answer(c, &actor.0, &id, now))
        .await?;
    Ok(HttpResponse::Created().json(SupplementAnswerDto {
        version: version.number,
    }))
}

/// Marks a submitted case complete (officers).
#[utoipa::path(post, path = "/api/v1/applications/{id}/complete", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = ApplicationDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn mark_complete(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let actor = actor.0;
    let dto = state
        .db
        .run(move |c| {
            workflow::mark_complete(c, &actor, &id, now)?;
            case(c, &actor, &id, now)
        })
        .await?;
    Ok(web::Json(dto))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentQuery {
    /// The file's name, as the applicant knows it (`.pdf` is added if missing for the
    /// general list; for a question, its extension is the file's kind).
    filename: Option<String>,
    /// The number of the attachment question the file answers; left out for the general
    /// attachment list (PDF only).
    question: Option<i32>,
}

/// Attaches a PDF to the draft (the applicant's organisation). The body is the file itself
/// (`Content-Type: application/pdf`), at most 10 MB; it must be a PDF by its content.
#[utoipa::path(post, path = "/api/v1/applications/{id}/attachments", tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token"),
           AttachmentQuery),
    request_body(content = PdfFile, content_type = "application/pdf"),
    responses((status = 201, body = AttachmentDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn add_attachment(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    query: web::Query<AttachmentQuery>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let body = body.map_err(|e| {
        let status = e.as_response_error().status_code();
        ApiError(AppError::invalid(
            "file",
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                workflow::ATTACHMENT_TOO_LARGE
            } else {
                "Filen kunde inte tas emot. Försök igen."
            },
        ))
    })?;
    let id = path.into_inner();
    let query = query.into_inner();
    let filename = query.filename.unwrap_or_default();
    let mut upload = workflow::Upload::new(&filename, body.to_vec());
    upload.question = query.question;
    let now = state.clock.now();
    let info = state
        .db
        .run(move |c| workflow::add_attachment(c, &actor.0, &id, &upload, now))
        .await?;
    Ok(HttpResponse::Created().json(AttachmentDto::new(&info)))
}

/// Removes an attachment from the draft (the applicant's organisation); a submitted
/// version's attachments stay.
#[utoipa::path(delete, path = "/api/v1/applications/{id}/attachments/{attachment_id}",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("attachment_id" = String, Path, description = "The attachment's id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem)))]
pub async fn remove_attachment(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let now = state.clock.now();
    state
        .db
        .run(move |c| workflow::remove_attachment(c, &actor.0, &id, &attachment_id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An attachment's content, the PDF as uploaded.
#[utoipa::path(get, path = "/api/v1/applications/{id}/attachments/{attachment_id}",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id"),
           ("attachment_id" = String, Path, description = "The attachment's id")),
    responses((status = 200, content_type = "application/pdf", body = PdfFile),
              (status = 401, body = super::Problem), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn download_attachment(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let now = state.clock.now();
    let attachment = state
        .db
        .run(move |c| workflow::download_attachment(c, &actor.0, &id, &attachment_id, now))
        .await?;
    Ok(crate::http::file_response(
        &attachment.filename,
        &attachment.content_type,
        Some(&attachment.sha256),
        attachment.content,
    ))
}
