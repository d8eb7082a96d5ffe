//! The sums behind a call's money dashboard, added up in the database (GROUP BY), so that
//! a call with 50 000 decisions sends a row per year and kind, not one per decided year.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::DbConnection;
use diesel::dsl::sql;
use diesel::sql_types::BigInt;

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    decision_years::year,
    decisions::kind,
    decisions::organisation_id,
);

/// `SUM` typed as BIGINT on both backends (PostgreSQL sums BIGINT as NUMERIC).
fn sum_of(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"))
}
use super::schema::{decision_years, decisions, payments, repayment_claims};
use crate::codes::{DecisionKind, DecisionStatus, PaymentStatus};
use crate::dashboard::OrgYear;
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
        .group_by((decision_years::year, decisions::kind))
        .select((
            decision_years::year,
            decisions::kind,
            sum_of("decision_years.amount_ore"),
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
        .group_by((payments::year, payments::status))
        .select((
            payments::year,
            payments::status,
            sum_of("payments.amount_ore"),
        ))
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
        .group_by((repayment_claims::year, repayment_claims::kind))
        .select((
            repayment_claims::year,
            repayment_claims::kind,
            sum_of("repayment_claims.amount_ore"),
        ))
        .load(conn)
}

/// Every organisation's money per year in a call, for what it binds of the ceiling: granted
/// now, paid, planned, repaid (received and open) and reclaimed (not waived).
pub fn org_years(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<BTreeMap<(String, i32), OrgYear>> {
    let mut rows: BTreeMap<(String, i32), OrgYear> = BTreeMap::new();
    let granted: Vec<(String, i32, Ore)> = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .group_by((decisions::organisation_id, decision_years::year))
        .select((
            decisions::organisation_id,
            decision_years::year,
            sum_of("decision_years.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, amount) in granted {
        let row = rows.entry((org, year)).or_default();
        row.granted = row.granted + amount;
    }
    let paid: Vec<(String, i32, PaymentStatus, Ore)> = payments::table
        .filter(payments::call_id.eq(call_id))
        .group_by((payments::organisation_id, payments::year, payments::status))
        .select((
            payments::organisation_id,
            payments::year,
            payments::status,
            sum_of("payments.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, status, amount) in paid {
        let row = rows.entry((org, year)).or_default();
        match status {
            PaymentStatus::Paid => row.paid = row.paid + amount,
            PaymentStatus::Planned => row.planned = row.planned + amount,
            PaymentStatus::Cancelled => {}
        }
    }
    let claims: Vec<(String, i32, String, String, Ore)> = repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::status.ne("waived"))
        .group_by((
            repayment_claims::organisation_id,
            repayment_claims::year,
            repayment_claims::kind,
            repayment_claims::status,
        ))
        .select((
            repayment_claims::organisation_id,
            repayment_claims::year,
            repayment_claims::kind,
            repayment_claims::status,
            sum_of("repayment_claims.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, kind, status, amount) in claims {
        let row = rows.entry((org, year)).or_default();
        match (kind.as_str(), status.as_str()) {
            ("repayment", "received") => row.repaid_received = row.repaid_received + amount,
            ("repayment", _) => row.repaid_open = row.repaid_open + amount,
            _ => row.reclaimed = row.reclaimed + amount,
        }
    }
    Ok(rows)
}
