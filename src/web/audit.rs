//! The audit trail, for auditors and administrators.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PageContext, WebError, render};
use crate::audit::{self, AuditPage};
use crate::db::audit::AuditFilter;
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTrailPage {
    ctx: PageContext,
    page: AuditPage,
    action: String,
    entity_id: String,
}

impl AuditTrailPage {
    fn link(&self, page: i64) -> String {
        let mut query = format!("?sida={page}");
        if !self.action.is_empty() {
            query.push_str(&format!(
                "&amp;handelse={}",
                super::format::url_encode(&self.action)
            ));
        }
        if !self.entity_id.is_empty() {
            query.push_str(&format!(
                "&amp;objekt={}",
                super::format::url_encode(&self.entity_id)
            ));
        }
        query
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    handelse: String,
    #[serde(default)]
    objekt: String,
    #[serde(default)]
    sida: Option<i64>,
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        action: Some(query.handelse.trim().to_string()).filter(|s| !s.is_empty()),
        entity_id: Some(query.objekt.trim().to_string()).filter(|s| !s.is_empty()),
        ..AuditFilter::default()
    };
    let page_number = query.sida.unwrap_or(1).max(1);
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let page = state
        .db
        .run(move |c| audit::list_for(c, &viewer, &filter, page_number, now))
        .await?;
    let page = AuditTrailPage {
        ctx: PageContext::new(
            Some(actor.0),
            http::csrf_token(&session)?,
            &state.agency_name,
            "audit",
        ),
        page,
        action: query.handelse,
        entity_id: query.objekt,
    };
    render(StatusCode::OK, &page)
}
