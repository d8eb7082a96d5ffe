//! The audit trail: every change of state and every refused access, with who (user, role,
//! organisation), when and what. Entries are written in the same transaction as the change
//! they record; the database refuses to update or delete them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::accounts::Actor;
use crate::db::DbConnection;
use crate::db::audit::{self as store, AuditEvent};

/// What happened, as a stable code (`application.submitted`) for filtering and export.
pub mod action {
    pub const LOGIN: &str = "auth.login";
    /// The first wrong password of a run for an address (later ones are counted in the
    /// lockout entries, not written one by one).
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    /// A lockout of an account or a client address after wrong passwords.
    pub const LOGIN_THROTTLED: &str = "auth.login_throttled";
    /// Failed-login entries over the trail's budget for a minute, counted in one entry.
    pub const LOGIN_FAILURES_SUMMARISED: &str = "auth.login_failures_summarised";
    pub const LOGOUT: &str = "auth.logout";
    pub const ACCESS_DENIED: &str = "access.denied";
    pub const ACCOUNT_CREATED: &str = "account.created";
    // Accounts (issue 11): links to choose a password, changes, deactivation. No entry
    // ever holds a password or a link's token.
    pub const ACCOUNT_INVITED: &str = "account.invited";
    pub const ACCOUNT_PASSWORD_SET: &str = "account.password_set";
    pub const ACCOUNT_PASSWORD_CHANGED: &str = "account.password_changed";
    pub const ACCOUNT_PASSWORD_CHANGE_REFUSED: &str = "account.password_change_refused";
    pub const ACCOUNT_RESET_REQUESTED: &str = "account.reset_requested";
    pub const ACCOUNT_PASSWORD_RESET: &str = "account.password_reset";
    pub const ACCOUNT_DEACTIVATED: &str = "account.deactivated";
    pub const ACCOUNT_REACTIVATED: &str = "account.reactivated";
    pub const ORGANISATION_CREATED: &str = "organisation.created";
    pub const PROGRAMME_CREATED: &str = "programme.created";
    pub const CALL_CREATED: &str = "call.created";
    pub const CALL_UPDATED: &str = "call.updated";
    pub const CALL_PUBLISHED: &str = "call.published";
    pub const CALL_CLOSED: &str = "call.closed";
    pub const CALL_AMENDED: &str = "call.amended";
    pub const APPLICATION_CREATED: &str = "application.created";
    pub const APPLICATION_DRAFT_SAVED: &str = "application.draft_saved";
    pub const APPLICATION_VERSION_CREATED: &str = "application.version_created";
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const APPLICATION_COMPLETE: &str = "application.complete";
    pub const ATTACHMENT_ADDED: &str = "attachment.added";
    pub const ATTACHMENT_REMOVED: &str = "attachment.removed";
    pub const MEMBER_ADDED: &str = "organisation.member_added";
    pub const SUPPLEMENT_REQUESTED: &str = "supplement.requested";
    pub const SUPPLEMENT_ANSWERED: &str = "supplement.answered";
    pub const DECISION_CREATED: &str = "decision.created";
    pub const DECISION_SIGNED: &str = "decision.signed";
    pub const FIXTURES_LOADED: &str = "fixtures.loaded";
}

/// One entry to write. `summary` is Swedish, for people reading the trail.
pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<&'a str>,
    pub summary: String,
    pub details: Value,
}

/// Writes an entry. `actor` is `None` for the system itself (start-up, command line).
pub fn record(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> diesel::QueryResult<()> {
    let event = AuditEvent {
        id: crate::db::new_id(),
        occurred_at: now.naive_utc(),
        actor_user_id: actor.map(|a| a.user_id.clone()),
        actor_email: actor.map(|a| a.email.clone()),
        actor_role: actor.map(|a| a.role.as_str().to_string()),
        actor_organisation_id: actor.and_then(|a| a.organisation_id.clone()),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id.map(str::to_string),
        summary: entry.summary,
        details: entry.details.to_string(),
    };
    store::insert(conn, &event)
}

/// Records a refused access. `what` says in Swedish what was attempted ("läsa ansökan").
pub fn record_denied(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    entity_type: &str,
    entity_id: Option<&str>,
    what: &str,
) -> diesel::QueryResult<()> {
    tracing::warn!(
        user = %actor.email,
        role = actor.role.as_str(),
        entity_type,
        entity_id,
        what,
        "access refused"
    );
    record(
        conn,
        Some(actor),
        now,
        Entry {
            action: action::ACCESS_DENIED,
            entity_type,
            entity_id,
            summary: format!(
                "Nekad åtkomst: {} ({}) försökte {what}",
                actor.email,
                actor.role.label()
            ),
            details: json!({ "attempted": what }),
        },
    )
}

/// One page of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub page: i64,
    pub per_page: i64,
    pub has_next: bool,
}

pub const PER_PAGE: i64 = 100;

/// The trail, newest first, for those who may read it. Others are refused and recorded.
pub fn list_for(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &store::AuditFilter,
    page: i64,
    now: DateTime<Utc>,
) -> Result<AuditPage, crate::error::AppError> {
    if !crate::access::can_read_audit_trail(actor) {
        record_denied(
            conn,
            actor,
            now,
            "audit_trail",
            None,
            "läsa granskningsloggen",
        )?;
        return Err(crate::error::AppError::Forbidden);
    }
    // A page number past any trail (typed into the address) reads an empty page instead of
    // overflowing the offset.
    let page = page.clamp(1, i64::MAX / PER_PAGE);
    let mut events = store::list(conn, filter, PER_PAGE + 1, (page - 1) * PER_PAGE)?;
    let has_next = events.len() as i64 > PER_PAGE;
    events.truncate(PER_PAGE as usize);
    Ok(AuditPage {
        events,
        page,
        per_page: PER_PAGE,
        has_next,
    })
}
