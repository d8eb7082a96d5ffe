//! A call's forms as JSON (issue 15): the application form or the report-back form
//! exported, imported in place of a draft call's form, and the versions saved of them.
//! The work is `calls::form_editor`'s.

use actix_web::web;
use serde::Deserialize;
use utoipa::OpenApi;

use super::{ApiError, CsrfChecked};
use crate::calls::form_editor::{self, FieldExport, FormExport, FormKind, VersionView};
use crate::error::AppError;
use crate::http::{Authenticated, State};

/// The forms part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(
    paths(show, import, versions),
    components(schemas(FormExport, FieldExport, FormKind, VersionView))
)]
pub struct FormsApiDoc;

/// `?form=application|report`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// `application` (the default) or `report`.
    #[serde(default)]
    #[param(example = "application")]
    form: Option<String>,
}

fn form_of(query: &FormQuery) -> Result<FormKind, AppError> {
    FormKind::from_query(query.form.as_deref().unwrap_or_default())
        .ok_or_else(|| AppError::invalid("form", "Ange form=application eller form=report."))
}

/// A call's form as JSON: its fields in order with type and settings, and the saved
/// version it is. For the agency's staff and auditors; the same JSON can be imported.
#[utoipa::path(get, path = "/api/v1/calls/{id}/form", tag = "calls",
    params(("id" = String, Path, description = "The call's id"), FormQuery),
    responses((status = 200, body = FormExport), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn show(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<web::Json<FormExport>, ApiError> {
    let form = form_of(&query)?;
    let (id, now) = (path.into_inner(), state.clock.now());
    let export = state
        .db
        .run(move |c| form_editor::export(c, &actor.0, &id, form, now))
        .await?;
    Ok(web::Json(export))
}

/// Replaces a draft call's form by the one sent (officers), as `GET` gives it; `version` is
/// ignored and `form`, when given, must be the form named in the query. Checked by the same
/// rules as every other save: each problem is named by its field (`fields.3.settings`,
/// `fields.0.kind`) and nothing changes. A published call's forms are frozen (409). The
/// form's new state is saved as a new version; the answer is the form as stored.
#[utoipa::path(put, path = "/api/v1/calls/{id}/form", tag = "calls",
    params(("id" = String, Path, description = "The call's id"), FormQuery,
           ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body = FormExport,
    responses((status = 200, body = FormExport), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn import(
    state: State,
    actor: Authenticated,
    _csrf: CsrfChecked,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<FormExport>, ApiError> {
    let form = form_of(&query)?;
    let (id, now) = (path.into_inner(), state.clock.now());
    let body = body.into_inner();
    let export = state
        .db
        .run(move |c| {
            // Who may not change forms is refused (and recorded) before the body is read,
            // as for every other write.
            if actor.0.role != crate::codes::Role::Officer {
                crate::audit::record_denied(
                    c,
                    &actor.0,
                    now,
                    "call",
                    Some(&id),
                    "ändra en utlysnings formulär",
                )?;
                return Err(AppError::Forbidden);
            }
            let rows = form_editor::read_import(&body, form).map_err(AppError::Invalid)?;
            form_editor::import(c, &actor.0, &id, form, rows, now)?;
            form_editor::export(c, &actor.0, &id, form, now)
        })
        .await?;
    Ok(web::Json(export))
}

/// `?form=`: one form's versions; both when left out.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionsQuery {
    /// `application` or `report`; both forms when left out.
    #[serde(default)]
    form: Option<String>,
}

/// The saved versions of a call's forms, oldest first per form: every state an officer
/// saved in the form editor, when and by whom, with the fields as they were.
#[utoipa::path(get, path = "/api/v1/calls/{id}/form/versions", tag = "calls",
    params(("id" = String, Path, description = "The call's id"), VersionsQuery),
    responses((status = 200, body = Vec<VersionView>), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn versions(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<VersionsQuery>,
) -> Result<web::Json<Vec<VersionView>>, ApiError> {
    let form = match query.form.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(FormKind::parse(text).ok_or_else(|| {
            AppError::invalid("form", "Ange form=application eller form=report.")
        })?),
    };
    let (id, now) = (path.into_inner(), state.clock.now());
    let list = state
        .db
        .run(move |c| form_editor::versions(c, &actor.0, &id, form, now))
        .await?;
    Ok(web::Json(list))
}
