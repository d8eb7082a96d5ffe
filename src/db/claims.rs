//! Repayment claims: money an organisation is to pay back, either unused money after a
//! report-back (`repayment`) or money paid above what a later decision grants (`reclaim`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::repayment_claims;
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = repayment_claims)]
pub struct Claim {
    pub id: String,
    pub organisation_id: String,
    pub decision_id: String,
    pub report_id: Option<String>,
    pub call_id: String,
    pub year: i32,
    pub kind: String,
    pub amount_ore: Ore,
    pub reason: String,
    pub payment_reference: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub received_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConnection, claim: &Claim) -> QueryResult<()> {
    diesel::insert_into(repayment_claims::table)
        .values(claim)
        .execute(conn)
        .map(|_| ())
}

/// The claims a decision made.
pub fn for_decision(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<Claim>> {
    repayment_claims::table
        .filter(repayment_claims::decision_id.eq(decision_id))
        .order(repayment_claims::year.asc())
        .select(Claim::as_select())
        .load(conn)
}
