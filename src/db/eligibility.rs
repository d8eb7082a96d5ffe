//! What a call that depends on earlier grants needs to know about an organisation.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{calls, decision_years, decisions, reports};
use crate::codes::{DecisionKind, DecisionStatus};

/// The organisation's signed first-grant years in the programme's other calls:
/// `(decision id, registration number, year)`. Reports are owed per first grant and year
/// (a top-up is reported in the grant's report); the caller leaves out years a change
/// decision has taken to zero.
pub fn earlier_grant_years(
    conn: &mut DbConnection,
    programme_id: &str,
    except_call_id: &str,
    organisation_id: &str,
) -> QueryResult<Vec<(String, String, i32)>> {
    decision_years::table
        .inner_join(decisions::table.inner_join(calls::table))
        .filter(calls::programme_id.eq(programme_id))
        .filter(calls::id.ne(except_call_id))
        .filter(decisions::organisation_id.eq(organisation_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decisions::kind.eq(DecisionKind::Grant))
        .order((
            decisions::registration_number.asc(),
            decision_years::year.asc(),
        ))
        .select((
            decisions::id,
            decisions::registration_number,
            decision_years::year,
        ))
        .load(conn)
}

/// Whether the report for a decision's year is approved.
pub fn report_approved(conn: &mut DbConnection, decision_id: &str, year: i32) -> QueryResult<bool> {
    reports::table
        .filter(reports::decision_id.eq(decision_id))
        .filter(reports::year.eq(year))
        .filter(reports::status.eq("approved"))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}
