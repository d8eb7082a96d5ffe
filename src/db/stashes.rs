use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::form_stashes;

pub struct NewStash<'a> {
    pub token_hash: &'a str,
    pub path: &'a str,
    pub body: &'a str,
    pub user_id: &'a str,
    pub key_hash: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, stash: &NewStash<'_>) -> QueryResult<()> {
    diesel::insert_into(form_stashes::table)
        .values((
            form_stashes::token_hash.eq(stash.token_hash),
            form_stashes::path.eq(stash.path),
            form_stashes::body.eq(stash.body),
            form_stashes::user_id.eq(stash.user_id),
            form_stashes::key_hash.eq(stash.key_hash),
            form_stashes::created_at.eq(stash.created_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A kept form, as taken out.
pub struct Stash {
    pub path: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// Takes a stash out (it can be used once), if it was kept by that person under that key.
/// A token shown by someone else leaves the stash where it is.
pub fn take(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    key_hash: &str,
) -> QueryResult<Option<Stash>> {
    let mine = form_stashes::table
        .find(token_hash)
        .filter(form_stashes::user_id.eq(user_id))
        .filter(form_stashes::key_hash.eq(key_hash));
    let row: Option<(String, String, NaiveDateTime)> = mine
        .select((
            form_stashes::path,
            form_stashes::body,
            form_stashes::created_at,
        ))
        .first(conn)
        .optional()?;
    if row.is_some() {
        super::write_now(conn, |conn| {
            diesel::delete(form_stashes::table.find(token_hash)).execute(conn)
        })?;
    }
    Ok(row.map(|(path, body, created_at)| Stash {
        path,
        body,
        created_at,
    }))
}

pub fn delete_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(form_stashes::table.filter(form_stashes::created_at.lt(before))).execute(conn)
}

/// Deletes all but the newest `keep` stashes of a person.
pub fn keep_newest_of_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: i64,
) -> QueryResult<usize> {
    let newest: Vec<String> = form_stashes::table
        .filter(form_stashes::user_id.eq(user_id))
        .order((
            form_stashes::created_at.desc(),
            form_stashes::token_hash.desc(),
        ))
        .limit(keep)
        .select(form_stashes::token_hash)
        .load(conn)?;
    diesel::delete(
        form_stashes::table
            .filter(form_stashes::user_id.eq(user_id))
            .filter(form_stashes::token_hash.ne_all(newest)),
    )
    .execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    form_stashes::table.count().get_result(conn)
}

pub fn count_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    form_stashes::table
        .filter(form_stashes::user_id.eq(user_id))
        .count()
        .get_result(conn)
}
