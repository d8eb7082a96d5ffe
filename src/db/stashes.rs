use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::form_stashes;

pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    path: &str,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(form_stashes::table)
        .values((
            form_stashes::token_hash.eq(token_hash),
            form_stashes::path.eq(path),
            form_stashes::body.eq(body),
            form_stashes::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes a stash out (it can be used once): `(path, body, created_at)`.
pub fn take(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<(String, String, NaiveDateTime)>> {
    let row = form_stashes::table
        .find(token_hash)
        .select((
            form_stashes::path,
            form_stashes::body,
            form_stashes::created_at,
        ))
        .first(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(form_stashes::table.find(token_hash)).execute(conn)?;
    }
    Ok(row)
}

pub fn delete_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(form_stashes::table.filter(form_stashes::created_at.lt(before))).execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    form_stashes::table.count().get_result(conn)
}
