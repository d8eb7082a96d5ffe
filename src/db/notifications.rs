//! Notifications (issue 16, migration 000031): which were sent, and the set-based queries
//! that find what is due and not yet sent. Each query reads only rows with no
//! `notifications_sent` row of their kind (an anti-join), a chunk at a time after a cursor,
//! so that a round with nothing due costs a few indexed queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::audit::AuditEvent;
use super::schema::{
    applications, audit_events, calls, case_officers, change_requests, decisions,
    notifications_sent, organisations, payments, repayment_claims, report_slots, reports, users,
};
use crate::codes::{ApplicationKind, ApplicationStatus, Role};
use crate::money::Ore;
use crate::reports::{ClaimKind, ClaimStatus, ReportStatus};

/// Records that a notification went out; false when it was already recorded (by another
/// round at the same time): then the caller queues nothing. The primary key (kind, subject,
/// recipient) is the last guard against a notification sent twice, as
/// `reports::record_reminder` is for report reminders.
pub fn record(
    conn: &mut DbConnection,
    kind: &str,
    subject_key: &str,
    recipient: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(notifications_sent::table)
        .values((
            notifications_sent::kind.eq(kind),
            notifications_sent::subject_key.eq(subject_key),
            notifications_sent::recipient.eq(recipient),
            notifications_sent::sent_at.eq(at),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(inserted == 1)
}

/// Whether a notification is recorded.
pub fn is_recorded(
    conn: &mut DbConnection,
    kind: &str,
    subject_key: &str,
    recipient: &str,
) -> QueryResult<bool> {
    notifications_sent::table
        .find((kind, subject_key, recipient))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// How many notifications of a kind are recorded (for tests and the administrator).
pub fn count(conn: &mut DbConnection, kind: &str) -> QueryResult<i64> {
    notifications_sent::table
        .filter(notifications_sent::kind.eq(kind))
        .count()
        .get_result(conn)
}

/// The latest subject of a kind sent to a recipient: for a digest, the day of the latest
/// one (days as `YYYY-MM-DD` sort as text).
pub fn latest_subject(
    conn: &mut DbConnection,
    kind: &str,
    recipient: &str,
) -> QueryResult<Option<String>> {
    notifications_sent::table
        .filter(notifications_sent::kind.eq(kind))
        .filter(notifications_sent::recipient.eq(recipient))
        .select(diesel::dsl::max(notifications_sent::subject_key))
        .get_result(conn)
}

/// Active officers who are responsible for at least one case.
pub fn officers_with_cases(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    let officers: Vec<String> = case_officers::table
        .select(case_officers::officer_id)
        .distinct()
        .load(conn)?;
    if officers.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::role.eq(Role::Officer))
        .filter(users::active.eq(true))
        .filter(users::id.eq_any(&officers))
        .order(users::id.asc())
        .select((users::id, users::email, users::name))
        .load(conn)
}

/// The cases an officer is responsible for: id and registration number.
pub fn cases_of(
    conn: &mut DbConnection,
    officer_id: &str,
) -> QueryResult<Vec<(String, Option<String>)>> {
    applications::table
        .filter(
            applications::id.eq_any(
                case_officers::table
                    .filter(case_officers::officer_id.eq(officer_id))
                    .select(case_officers::application_id),
            ),
        )
        .order(applications::id.asc())
        .select((applications::id, applications::registration_number))
        .load(conn)
}

/// Ids per query at most: far below SQLite's limit on bound values.
const IDS_PER_QUERY: usize = 500;

/// Every object of these cases that the audit trail records events on, as (entity type,
/// id, the case's id): the application itself, its decisions, their reports, repayment
/// claims and payments, and its change requests. (Messages on the case are recorded on
/// the application itself.) A few queries by id.
pub fn case_entities(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<(&'static str, String, String)>> {
    let mut out: Vec<(&'static str, String, String)> = Vec::new();
    for ids in application_ids.chunks(IDS_PER_QUERY) {
        for id in ids {
            out.push(("application", id.clone(), id.clone()));
        }
        let decided: Vec<(String, Option<String>)> = decisions::table
            .filter(decisions::application_id.eq_any(ids))
            .select((decisions::id, decisions::application_id))
            .load(conn)?;
        let decided: Vec<(String, String)> = decided
            .into_iter()
            .filter_map(|(d, a)| a.map(|a| (d, a)))
            .collect();
        for (decision, case) in &decided {
            out.push(("decision", decision.clone(), case.clone()));
        }
        let case_of = |decision: &str| {
            decided
                .iter()
                .find(|(d, _)| d == decision)
                .map(|(_, a)| a.clone())
        };
        for part in decided.chunks(IDS_PER_QUERY) {
            let decision_ids: Vec<&String> = part.iter().map(|(d, _)| d).collect();
            let rows: Vec<(String, String)> = reports::table
                .filter(reports::decision_id.eq_any(&decision_ids))
                .select((reports::id, reports::decision_id))
                .load(conn)?;
            for (report, decision) in rows {
                if let Some(case) = case_of(&decision) {
                    out.push(("report", report, case));
                }
            }
            let rows: Vec<(String, String)> = repayment_claims::table
                .filter(repayment_claims::decision_id.eq_any(&decision_ids))
                .select((repayment_claims::id, repayment_claims::decision_id))
                .load(conn)?;
            for (claim, decision) in rows {
                if let Some(case) = case_of(&decision) {
                    out.push(("repayment_claim", claim, case));
                }
            }
            let rows: Vec<(String, String)> = payments::table
                .filter(payments::decision_id.eq_any(&decision_ids))
                .select((payments::id, payments::decision_id))
                .load(conn)?;
            for (payment, decision) in rows {
                if let Some(case) = case_of(&decision) {
                    out.push(("payment", payment, case));
                }
            }
        }
        let rows: Vec<(String, String)> = change_requests::table
            .filter(change_requests::application_id.eq_any(ids))
            .select((change_requests::id, change_requests::application_id))
            .load(conn)?;
        for (request, case) in rows {
            out.push(("change_request", request, case));
        }
    }
    Ok(out)
}

/// The audit events on these objects (by entity type and id) in `[from, until)` by a
/// person other than `except_user` (the system's own entries have no person and are left
/// out), oldest first.
pub fn events_on(
    conn: &mut DbConnection,
    entities: &[(&'static str, String, String)],
    except_user: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<AuditEvent>> {
    let mut types: Vec<&'static str> = entities.iter().map(|(t, _, _)| *t).collect();
    types.sort_unstable();
    types.dedup();
    let mut out = Vec::new();
    for entity_type in types {
        let ids: Vec<&String> = entities
            .iter()
            .filter(|(t, _, _)| *t == entity_type)
            .map(|(_, id, _)| id)
            .collect();
        for part in ids.chunks(IDS_PER_QUERY) {
            // Read by the (entity_type, entity_id) index, then the few rows of the window.
            let rows: Vec<AuditEvent> = audit_events::table
                .filter(audit_events::entity_type.eq(entity_type))
                .filter(audit_events::entity_id.eq_any(part))
                .filter(audit_events::occurred_at.ge(from))
                .filter(audit_events::occurred_at.lt(until))
                .filter(audit_events::actor_user_id.is_not_null())
                .filter(audit_events::actor_user_id.ne(except_user))
                .select(AuditEvent::as_select())
                .load(conn)?;
            out.extend(rows);
        }
    }
    out.sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
    Ok(out)
}

/// A draft application not sent in, in a call whose last day is near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDraft {
    pub application_id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub project_title: String,
}

/// Up to `limit` draft applications of a call (first applications, not top-ups in a
/// round, whose days are the round's) after `after` (by id) with no `kind` notification.
pub fn pending_drafts(
    conn: &mut DbConnection,
    kind: &str,
    call_id: &str,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<PendingDraft>> {
    let rows: Vec<(String, String, String, String)> = applications::table
        .inner_join(organisations::table.on(organisations::id.eq(applications::organisation_id)))
        .left_join(
            notifications_sent::table.on(notifications_sent::kind
                .eq(kind)
                .and(notifications_sent::subject_key.eq(applications::id))),
        )
        .filter(applications::call_id.eq(call_id))
        .filter(applications::status.eq(ApplicationStatus::Draft))
        .filter(applications::kind.eq(ApplicationKind::Initial))
        .filter(applications::submitted_at.is_null())
        .filter(applications::id.gt(after))
        .filter(notifications_sent::kind.nullable().is_null())
        .order(applications::id.asc())
        .limit(limit)
        .select((
            applications::id,
            applications::organisation_id,
            organisations::name,
            applications::project_title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(application_id, organisation_id, organisation_name, project_title)| PendingDraft {
                application_id,
                organisation_id,
                organisation_name,
                project_title,
            },
        )
        .collect())
}

/// The published calls (their last days are for the rules to weigh).
pub fn published_calls(conn: &mut DbConnection) -> QueryResult<Vec<super::calls::Call>> {
    calls::table
        .filter(calls::status.eq(crate::codes::CallStatus::Published))
        .order(calls::id.asc())
        .select(super::calls::Call::as_select())
        .load(conn)
}

/// A grant year whose report has opened, not yet in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSlot {
    pub decision_id: String,
    pub year: i32,
    pub organisation_id: String,
    pub organisation_name: String,
    pub registration_number: String,
    pub report_id: Option<String>,
    /// The case of the grant (for the mail log).
    pub application_id: Option<String>,
}

/// The subject of a report-open notice: the grant decision and the year.
pub fn slot_key(decision_id: &str, year: i32) -> String {
    format!("{decision_id}/{year}")
}

/// Up to `limit` grant years of a call and year (granted now, report not started or a
/// draft) after the decision `after` with no `kind` notification for the year.
pub fn pending_opened_slots(
    conn: &mut DbConnection,
    kind: &str,
    call_id: &str,
    year: i32,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<OpenedSlot>> {
    let suffix = format!("/{year}");
    let rows: Vec<(String, i32, String, String, String, Option<String>)> = report_slots::table
        .left_join(
            notifications_sent::table.on(notifications_sent::kind
                .eq(kind)
                .and(notifications_sent::subject_key.eq(report_slots::decision_id.concat(suffix)))),
        )
        .filter(report_slots::call_id.eq(call_id))
        .filter(report_slots::year.eq(year))
        .filter(report_slots::granted_ore.gt(Ore::ZERO))
        .filter(
            report_slots::report_status
                .is_null()
                .or(report_slots::report_status.eq(ReportStatus::Draft.as_str())),
        )
        .filter(report_slots::decision_id.gt(after))
        .filter(notifications_sent::kind.nullable().is_null())
        .order(report_slots::decision_id.asc())
        .limit(limit)
        .select((
            report_slots::decision_id,
            report_slots::year,
            report_slots::organisation_id,
            report_slots::organisation_name,
            report_slots::registration_number,
            report_slots::report_id,
        ))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let cases: Vec<(String, Option<String>)> = if ids.is_empty() {
        Vec::new()
    } else {
        decisions::table
            .filter(decisions::id.eq_any(&ids))
            .select((decisions::id, decisions::application_id))
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(
            |(
                decision_id,
                year,
                organisation_id,
                organisation_name,
                registration_number,
                report_id,
            )| {
                let application_id = cases
                    .iter()
                    .find(|(d, _)| *d == decision_id)
                    .and_then(|(_, a)| a.clone());
                OpenedSlot {
                    decision_id,
                    year,
                    organisation_id,
                    organisation_name,
                    registration_number,
                    report_id,
                    application_id,
                }
            },
        )
        .collect())
}

/// A repayment claim not paid, with what its reminder names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpaidClaim {
    pub claim_id: String,
    pub call_id: String,
    pub kind: ClaimKind,
    pub organisation_id: String,
    pub organisation_name: String,
    pub registration_number: String,
    pub application_id: Option<String>,
    pub year: i32,
    pub amount: Ore,
    pub payment_reference: String,
    pub due_on: NaiveDate,
    pub report_id: Option<String>,
}

/// Up to `limit` open (unpaid) repayment claims due before `before` (their due day has
/// passed), after the claim `after`, with no `kind` notification.
pub fn pending_unpaid_claims(
    conn: &mut DbConnection,
    kind: &str,
    before: NaiveDate,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<UnpaidClaim>> {
    type Row = (
        String,
        String,
        ClaimKind,
        String,
        String,
        String,
        Option<String>,
        i32,
        Ore,
        String,
        NaiveDate,
        Option<String>,
    );
    let rows: Vec<Row> = repayment_claims::table
        .inner_join(decisions::table.on(decisions::id.eq(repayment_claims::decision_id)))
        .inner_join(
            organisations::table.on(organisations::id.eq(repayment_claims::organisation_id)),
        )
        .left_join(
            notifications_sent::table.on(notifications_sent::kind
                .eq(kind)
                .and(notifications_sent::subject_key.eq(repayment_claims::id))),
        )
        .filter(repayment_claims::status.eq(ClaimStatus::Open))
        .filter(repayment_claims::due_on.lt(before))
        .filter(repayment_claims::id.gt(after))
        .filter(notifications_sent::kind.nullable().is_null())
        .order(repayment_claims::id.asc())
        .limit(limit)
        .select((
            repayment_claims::id,
            repayment_claims::call_id,
            repayment_claims::kind,
            repayment_claims::organisation_id,
            organisations::name,
            decisions::registration_number,
            decisions::application_id,
            repayment_claims::year,
            repayment_claims::amount_ore,
            repayment_claims::payment_reference,
            repayment_claims::due_on,
            repayment_claims::report_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                claim_id,
                call_id,
                kind,
                organisation_id,
                organisation_name,
                registration_number,
                application_id,
                year,
                amount,
                payment_reference,
                due_on,
                report_id,
            )| UnpaidClaim {
                claim_id,
                call_id,
                kind,
                organisation_id,
                organisation_name,
                registration_number,
                application_id,
                year,
                amount,
                payment_reference,
                due_on,
                report_id,
            },
        )
        .collect())
}
