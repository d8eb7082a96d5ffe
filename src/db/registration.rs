use diesel::prelude::*;

use super::DbConnection;
use super::schema::registration_counters::dsl::{last_value, registration_counters, year};

/// Takes the next number in the year's sequence, atomically on both backends (one upsert,
/// so two cases arriving at once never share a number).
pub fn next_in_sequence(conn: &mut DbConnection, for_year: i32) -> QueryResult<i32> {
    let upsert = diesel::insert_into(registration_counters)
        .values((year.eq(for_year), last_value.eq(1)))
        .on_conflict(year)
        .do_update()
        .set(last_value.eq(last_value + 1))
        .returning(last_value);
    // Upserts do not compile on the multi-backend connection: run them on the inner one.
    match conn {
        DbConnection::Sqlite(c) => upsert.get_result(c),
        DbConnection::Postgresql(c) => upsert.get_result(c),
    }
}
