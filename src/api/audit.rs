use actix_web::web;
use serde::Deserialize;

use super::ApiError;
use super::dto::{AuditEventDto, AuditPageDto};
use crate::audit;
use crate::db::audit::AuditFilter;
use crate::http::{Authenticated, State};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// An action code, such as `access.denied`.
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    /// From 1.
    page: Option<i64>,
}

/// The audit trail, newest first (auditors and administrators).
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = AuditPageDto), (status = 401, body = super::Problem),
              (status = 403, body = super::Problem)))]
pub async fn list(
    state: State,
    actor: Authenticated,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPageDto>, ApiError> {
    let q = query.into_inner();
    let filter = AuditFilter {
        action: q.action.filter(|s| !s.is_empty()),
        entity_type: q.entity_type.filter(|s| !s.is_empty()),
        entity_id: q.entity_id.filter(|s| !s.is_empty()),
        ..AuditFilter::default()
    };
    let now = state.clock.now();
    let page = state
        .db
        .run(move |c| audit::list_for(c, &actor.0, &filter, q.page.unwrap_or(1), now))
        .await?;
    Ok(web::Json(AuditPageDto {
        events: page.events.iter().map(AuditEventDto::new).collect(),
        page: page.page,
        per_page: page.per_page,
        has_next: page.has_next,
    }))
}
