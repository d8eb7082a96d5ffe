//! Background jobs: leases that let one instance of several run a job, and the set-based
//! query behind the report reminders.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    call_report_rules, call_years, decision_years, decisions, job_leases, organisations,
    report_reminders, reports,
};
use crate::codes::{CallStatus, DecisionKind, DecisionStatus};
use crate::db::calls::Call;
use crate::db::reports::ReportRules;
use crate::money::Ore;
use crate::reports::ReportStatus;

/// Takes (or renews) the job's lease until `until` for `holder`, when no other holder's
/// lease runs past `now`. One conditional UPDATE: on PostgreSQL a second instance's UPDATE
/// of the row waits for the first one's commit and then re-checks the condition against
/// the new row, so of two at once only one wins; on SQLite writers take turns anyway.
pub fn claim_lease(
    conn: &mut DbConnection,
    job: &str,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let update = |conn: &mut DbConnection| {
        diesel::update(
            job_leases::table.filter(job_leases::job.eq(job)).filter(
                job_leases::leased_until
                    .le(now)
                    .or(job_leases::holder.eq(holder)),
            ),
        )
        .set((
            job_leases::holder.eq(holder),
            job_leases::leased_until.eq(until),
        ))
        .execute(conn)
    };
    if update(conn)? == 1 {
        return Ok(true);
    }
    // A job the migration did not list gets its row now (once, whoever comes first).
    let exists: i64 = job_leases::table
        .filter(job_leases::job.eq(job))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let insert = diesel::insert_into(job_leases::table)
        .values((
            job_leases::job.eq(job),
            job_leases::holder.eq(""),
            job_leases::leased_until.eq(now),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(update(conn)? == 1)
}

/// Gives the lease back at `now`, if `holder` still has it.
pub fn release_lease(
    conn: &mut DbConnection,
    job: &str,
    holder: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        job_leases::table
            .filter(job_leases::job.eq(job))
            .filter(job_leases::holder.eq(holder)),
    )
    .set(job_leases::leased_until.eq(now))
    .execute(conn)
    .map(|_| ())
}

/// A call that may owe reports, with its rules and years (the grant years lie among them).
pub struct CallForReminders {
    pub call: Call,
    pub rules: ReportRules,
    pub years: Vec<i32>,
}

/// Published and closed calls with their report rules and years: three queries, however
/// many decisions there are.
pub fn calls_for_reminders(conn: &mut DbConnection) -> QueryResult<Vec<CallForReminders>> {
    let calls = crate::db::calls::list_calls(conn, &[CallStatus::Published, CallStatus::Closed])?;
    let ids: Vec<String> = calls.iter().map(|c| c.id.clone()).collect();
    let rules: Vec<ReportRules> = call_report_rules::table
        .filter(call_report_rules::call_id.eq_any(&ids))
        .select(ReportRules::as_select())
        .load(conn)?;
    let years: Vec<(String, i32)> = call_years::table
        .filter(call_years::call_id.eq_any(&ids))
        .select((call_years::call_id, call_years::year))
        .load(conn)?;
    Ok(calls
        .into_iter()
        .map(|call| CallForReminders {
            rules: rules
                .iter()
                .find(|r| r.call_id == call.id)
                .cloned()
                .unwrap_or_else(|| crate::reports::default_rules(&call.id)),
            years: years
                .iter()
                .filter(|(c, _)| *c == call.id)
                .map(|(_, y)| *y)
                .collect(),
            call,
        })
        .collect())
}

/// A grant year whose report is not in yet and whose reminder of a kind is not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSlot {
    pub decision_id: String,
    pub registration_number: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub year: i32,
    /// The draft report, if one is started.
    pub report_id: Option<String>,
    /// The case of the grant (for the mail log).
    pub application_id: Option<String>,
}

/// Up to `limit` grant years of a call and year, after the decision `after` (by id), that
/// have no reminder of `kind` recorded and whose report is a draft, or (with
/// `with_unstarted`) not started at all. Signed first grants with an amount for the year;
/// whether a later change took the year away is for the caller to check
/// (`revoked_among`). One indexed query per chunk: the cost follows what is due.
pub fn pending_slots(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
    kind: &str,
    with_unstarted: bool,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<PendingSlot>> {
    let mut query = decision_years::table
        .inner_join(decisions::table)
        .inner_join(organisations::table.on(organisations::id.eq(decisions::organisation_id)))
        .left_join(
            reports::table.on(reports::decision_id
                .eq(decision_years::decision_id)
                .and(reports::year.eq(decision_years::year))),
        )
        .left_join(
            report_reminders::table.on(report_reminders::decision_id
                .eq(decision_years::decision_id)
                .and(report_reminders::year.eq(decision_years::year))
                .and(report_reminders::kind.eq(kind))),
        )
        .filter(decisions::call_id.eq(call_id))
        .filter(decision_years::year.eq(year))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decisions::kind.eq(DecisionKind::Grant))
        .filter(decision_years::amount_ore.gt(Ore::ZERO))
        .filter(decision_years::decision_id.gt(after))
        .filter(report_reminders::decision_id.is_null())
        .order(decision_years::decision_id.asc())
        .limit(limit)
        .select((
            decision_years::decision_id,
            decisions::registration_number,
            decisions::organisation_id,
            organisations::name,
            decision_years::year,
            reports::id.nullable(),
            decisions::application_id,
        ))
        .into_boxed();
    query = if with_unstarted {
        query.filter(
            reports::id
                .nullable()
                .is_null()
                .or(reports::status.nullable().eq(ReportStatus::Draft)),
        )
    } else {
        query.filter(reports::status.nullable().eq(ReportStatus::Draft))
    };
    type Row = (
        String,
        String,
        String,
        String,
        i32,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                decision_id,
                registration_number,
                organisation_id,
                organisation_name,
                year,
                report_id,
                application_id,
            )| {
                PendingSlot {
                    decision_id,
                    registration_number,
                    organisation_id,
                    organisation_name,
                    year,
                    report_id,
                    application_id,
                }
            },
        )
        .collect())
}

/// Of the given first grants, those with a signed change for `year`: only their amount
/// for the year may have changed (a revoked year owes no report; the caller checks these
/// few again with `decisions::current_amounts`).
pub fn changed_among(
    conn: &mut DbConnection,
    decision_ids: &[String],
    year: i32,
) -> QueryResult<Vec<String>> {
    if decision_ids.is_empty() {
        return Ok(Vec::new());
    }
    let changed: Vec<Option<String>> = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::amends_decision_id.eq_any(decision_ids))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decision_years::year.eq(year))
        .select(decisions::amends_decision_id)
        .distinct()
        .load(conn)?;
    Ok(changed.into_iter().flatten().collect())
}
