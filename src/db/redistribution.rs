//! Redistribution rounds (omfördelning) and the applications for more money in them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{applications, redistribution_rounds};
use crate::codes::ApplicationKind;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = redistribution_rounds)]
pub struct Round {
    pub id: String,
    pub call_id: String,
    pub year: i32,
    pub opens_on: NaiveDate,
    pub last_day: NaiveDate,
    /// `open` or `closed`.
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, round: &Round) -> QueryResult<()> {
    diesel::insert_into(redistribution_rounds::table)
        .values(round)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Round>> {
    redistribution_rounds::table
        .find(id)
        .select(Round::as_select())
        .get_result(conn)
        .optional()
}

pub fn for_call(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<Round>> {
    redistribution_rounds::table
        .filter(redistribution_rounds::call_id.eq(call_id))
        .order((
            redistribution_rounds::year.asc(),
            redistribution_rounds::created_at.asc(),
        ))
        .select(Round::as_select())
        .load(conn)
}

pub fn open_rounds(conn: &mut DbConnection) -> QueryResult<Vec<Round>> {
    redistribution_rounds::table
        .filter(redistribution_rounds::status.eq("open"))
        .order(redistribution_rounds::last_day.asc())
        .select(Round::as_select())
        .load(conn)
}

pub fn close(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        redistribution_rounds::table
            .find(id)
            .filter(redistribution_rounds::status.eq("open")),
    )
    .set((
        redistribution_rounds::status.eq("closed"),
        redistribution_rounds::closed_at.eq(at),
    ))
    .execute(conn)
}

/// The ids of the applications in a round.
pub fn application_ids(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<String>> {
    applications::table
        .filter(applications::redistribution_round_id.eq(round_id))
        .filter(applications::kind.eq(ApplicationKind::TopUp))
        .order(applications::created_at.asc())
        .select(applications::id)
        .load(conn)
}

/// The organisation's application in a round, if it has made one.
pub fn application_of(
    conn: &mut DbConnection,
    round_id: &str,
    organisation_id: &str,
) -> QueryResult<Option<String>> {
    applications::table
        .filter(applications::redistribution_round_id.eq(round_id))
        .filter(applications::organisation_id.eq(organisation_id))
        .select(applications::id)
        .first(conn)
        .optional()
}

/// What the signed decisions on each of the applications grant in all (changes included):
/// `application id -> sum`, read in chunks of ids.
pub fn signed_totals(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<std::collections::HashMap<String, crate::money::Ore>> {
    use super::schema::{decision_years, decisions};
    let mut out = std::collections::HashMap::new();
    for chunk in application_ids.chunks(super::applications::ID_CHUNK) {
        let rows: Vec<(Option<String>, i64)> = decision_years::table
            .inner_join(decisions::table)
            .filter(decisions::application_id.eq_any(chunk))
            .filter(decisions::status.eq(crate::codes::DecisionStatus::Signed))
            .group_by(decisions::application_id)
            .select((
                decisions::application_id,
                diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "CAST(COALESCE(SUM(decision_years.amount_ore), 0) AS BIGINT)",
                ),
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(id, sum)| id.map(|id| (id, crate::money::Ore::from_ore(sum)))),
        );
    }
    Ok(out)
}
