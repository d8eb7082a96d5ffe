//! The sums behind a call's money dashboard, read straight from the rows they summarise.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{decision_years, decisions, payments, repayment_claims};
use crate::codes::{DecisionKind, DecisionStatus, PaymentStatus};
use crate::money::Ore;

/// Signed amounts of a call per (year, decision kind).
pub fn granted_by_kind(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, DecisionKind, Ore)>> {
    decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .select((
            decision_years::year,
            decisions::kind,
            decision_years::amount_ore,
        ))
        .load(conn)
}

/// Payments of a call per (year, status, amount).
pub fn payments(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, PaymentStatus, Ore)>> {
    payments::table
        .filter(payments::call_id.eq(call_id))
        .select((payments::year, payments::status, payments::amount_ore))
        .load(conn)
}

/// Repayment claims of a call that have been received: (year, kind code, amount).
pub fn received_claims(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, String, Ore)>> {
    repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::status.eq("received"))
        .select((
            repayment_claims::year,
            repayment_claims::kind,
            repayment_claims::amount_ore,
        ))
        .load(conn)
}
