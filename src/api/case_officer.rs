//! The case's responsible officer (handläggare) as JSON (issue 16). The work is
//! `applications::assignment`'s.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::{ApiError, CsrfChecked};
use crate::applications::assignment;
use crate::error::AppError;
use crate::http::{Authenticated, State};

#[derive(OpenApi)]
#[openapi(
    paths(show, set),
    components(schemas(CaseOfficerDto, CaseOfficerInput))
)]
pub struct CaseOfficerApiDoc;

/// Who is responsible for the case; both `null` when nobody is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseOfficerDto {
    pub officer_id: Option<String>,
    pub name: Option<String>,
}

/// The officer to make responsible: an active officer's id, or `""` for nobody.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CaseOfficerInput {
    #[serde(default)]
    pub officer_id: String,
}

fn dto(user: Option<crate::db::accounts::User>) -> CaseOfficerDto {
    CaseOfficerDto {
        officer_id: user.as_ref().map(|u| u.id.clone()),
        name: user.map(|u| u.name),
    }
}

/// The case's officer, for the agency's staff and auditors.
#[utoipa::path(get, path = "/api/v1/applications/{id}/case-officer", tag = "applications",
    params(("id" = String, Path, description = "The case (application) id")),
    responses((status = 200, body = CaseOfficerDto), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<CaseOfficerDto>, ApiError> {
    let (id, now) = (path.into_inner(), state.clock.now());
    let user = state
        .db
        .run(move |c| {
            if !crate::access::can_list_all_cases(&actor.0) {
                crate::audit::record_denied(
                    c,
                    &actor.0,
                    now,
                    "application",
                    Some(&id),
                    "läsa ärendets handläggare",
                )?;
                return Err(AppError::Forbidden);
            }
            crate::db::applications::find(c, &id)?
                .filter(|a| a.submitted_at.is_some())
                .ok_or(AppError::NotFound)?;
            assignment::officer_of(c, &id)
        })
        .await?;
    Ok(web::Json(dto(user)))
}

/// Makes an officer responsible for the case (officers only; recorded in the audit trail
/// with both names). Someone not an active officer, or with a declared conflict of interest
/// in the case, is refused beside `officer_id`.
#[utoipa::path(put, path = "/api/v1/applications/{id}/case-officer", tag = "applications",
    params(("id" = String, Path, description = "The case (application) id"),
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = CaseOfficerInput,
    responses((status = 200, body = CaseOfficerDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 422, body = super::Problem)))]
pub async fn set(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    body: web::Json<CaseOfficerInput>,
) -> Result<web::Json<CaseOfficerDto>, ApiError> {
    let (id, now) = (path.into_inner(), state.clock.now());
    let input = body.into_inner();
    let user = state
        .db
        .run(move |c| assignment::assign(c, &actor.0, &id, &input.officer_id, now))
        .await?;
    Ok(web::Json(dto(user)))
}
