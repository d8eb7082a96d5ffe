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
    /// Entries at or after this instant (UTC, as stored).
    pub occurred_from: Option<NaiveDateTime>,
    /// Entries before this instant: exclusive, so that a last day ends at the next midnight.
    pub occurred_before: Option<NaiveDateTime>,
    /// Part of the actor's e-mail address, in any case (`skane` finds
    /// `sokande@skane.example`). Entries by the system itself have no address and never
    /// match.
    pub actor_email_contains: Option<String>,
}

type Backend = <DbConnection as diesel::Connection>::Backend;
type TrailQuery<'a> = audit_events::BoxedQuery<'a, Backend>;

fn is_sqlite(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
}

/// `text` as a LIKE pattern that matches it anywhere, its wildcards taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The entries the filter lets through, unordered. The date range is read from the
/// `audit_events_newest` index (occurred_at, id) the trail is paged by; the e-mail is a
/// substring, which no index serves: it is checked on the rows that index yields.
fn filtered<'a>(filter: &AuditFilter, sqlite: bool) -> TrailQuery<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
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
    if let Some(from) = filter.occurred_from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(before) = filter.occurred_before {
        query = query.filter(audit_events::occurred_at.lt(before));
    }
    if let Some(email) = filter.actor_email_contains.as_deref() {
        // SQLite's own lower() folds ASCII only: `unicode_lower` (registered on every
        // connection, see `db::applications`) folds Å, Ä and Ö as PostgreSQL's does.
        // `unicode_lower` takes text, not NULL: the system's own entries have no address.
        let lower = if sqlite { "unicode_lower" } else { "lower" };
        query = query.filter(
            sql::<Bool>(&format!(
                "{lower}(COALESCE(audit_events.actor_email, '')) LIKE "
            ))
            .bind::<Text, _>(contains_pattern(&email.to_lowercase()))
            .sql(" ESCAPE '\\'"),
        );
    }
    query
}

/// Newest first. IDs are UUIDv7, so they order by time of writing as well.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AuditEvent>> {
    filtered(filter, is_sqlite(conn))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// Where a part of a streamed export ended: the last entry's time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailKey {
    pub occurred_at: NaiveDateTime,
    pub id: String,
}

impl TrailKey {
    pub fn of(event: &AuditEvent) -> TrailKey {
        TrailKey {
            occurred_at: event.occurred_at,
            id: event.id.clone(),
        }
    }
}

/// The next `limit` entries after `after`, newest first: a part of an export that reads
/// the whole trail without an offset (which would read every earlier row again for each
/// part), and without holding a connection between parts.
pub fn list_after(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after: Option<&TrailKey>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text, Timestamp};
    let mut query = filtered(filter, is_sqlite(conn));
    if let Some(key) = after {
        // A row value, as `db::payments::file_keys_after`: both databases read it as a
        // range of the (occurred_at, id) index.
        query = query.filter(
            sql::<Bool>("(audit_events.occurred_at, audit_events.id) < (")
                .bind::<Timestamp, _>(key.occurred_at)
                .sql(", ")
                .bind::<Text, _>(key.id.clone())
                .sql(")"),
        );
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

// What the trail's objects link to: for a page of entries, a few lookups by id, each
// reading only the rows the page names.

/// Applications: id, organisation, and whether it has been submitted (every application
/// that has arrived has its registration number).
pub fn applications_for_links(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, bool)>> {
    use super::schema::applications;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    applications::table
        .filter(applications::id.eq_any(ids))
        .select((
            applications::id,
            applications::organisation_id,
            applications::registration_number,
        ))
        .load::<(String, String, Option<String>)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|(id, org, number)| (id, org, number.is_some()))
                .collect()
        })
}

/// Decisions: id and the application they belong to.
pub fn decision_cases(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, Option<String>)>> {
    use super::schema::decisions;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    decisions::table
        .filter(decisions::id.eq_any(ids))
        .select((decisions::id, decisions::application_id))
        .load(conn)
}

/// Payments: id and the decision they pay.
pub fn payment_decisions(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::payments;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    payments::table
        .filter(payments::id.eq_any(ids))
        .select((payments::id, payments::decision_id))
        .load(conn)
}

/// Repayment claims: id, the report they arose from (if any) and their decision.
pub fn claim_sources(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, Option<String>, String)>> {
    use super::schema::repayment_claims;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    repayment_claims::table
        .filter(repayment_claims::id.eq_any(ids))
        .select((
            repayment_claims::id,
            repayment_claims::report_id,
            repayment_claims::decision_id,
        ))
        .load(conn)
}

/// Reports: id and organisation.
pub fn report_organisations(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::reports;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    reports::table
        .filter(reports::id.eq_any(ids))
        .select((reports::id, reports::organisation_id))
        .load(conn)
}

/// Calls: id and status code (`draft`, `published`, `closed`).
pub fn call_statuses(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::calls;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    calls::table
        .filter(calls::id.eq_any(ids))
        .select((calls::id, calls::status))
        .load(conn)
}

/// Which of these redistribution rounds exist.
pub fn existing_rounds(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    use super::schema::redistribution_rounds;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    redistribution_rounds::table
        .filter(redistribution_rounds::id.eq_any(ids))
        .select(redistribution_rounds::id)
        .load(conn)
}

/// Which of these organisations exist.
pub fn existing_organisations(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    use super::schema::organisations;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select(organisations::id)
        .load(conn)
}
