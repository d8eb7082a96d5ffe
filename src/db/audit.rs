use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::audit_events;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub actor_organisation_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub details: String,
}

/// Inside the caller's transaction, or on its own (a refusal recorded before any
/// transaction; see [`super::write_now`]).
pub fn insert(conn: &mut DbConnection, event: &AuditEvent) -> QueryResult<()> {
    super::write_now(conn, |conn| {
        diesel::insert_into(audit_events::table)
            .values(event)
            .execute(conn)
            .map(|_| ())
    })
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<String>,
}

/// Newest first. IDs are UUIDv7, so they order by time of writing as well.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table.into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(entity_id.clone()));
    }
    if let Some(actor) = &filter.actor_user_id {
        query = query.filter(audit_events::actor_user_id.eq(actor.clone()));
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)
}
