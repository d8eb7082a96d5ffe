use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::sessions;

// Every write here may run outside a transaction (the session store writes on its own):
// `write_now` queues it with this process's other writers on SQLite.

pub fn insert(
    conn: &mut DbConnection,
    key_hash: &str,
    state: &str,
    user_id: Option<&str>,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::write_now(conn, |conn| {
        diesel::insert_into(sessions::table)
            .values((
                sessions::key_hash.eq(key_hash),
                sessions::state.eq(state),
                sessions::user_id.eq(user_id),
                sessions::expires_at.eq(expires_at),
                sessions::created_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    })
}

/// A live session as stored: its state, when it ends unless extended, when it began.
pub struct StoredSession {
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// A session that has neither been idle too long (`expires_at`) nor lived too long
/// (begun after `born_after`).
pub fn load(
    conn: &mut DbConnection,
    key_hash: &str,
    now: NaiveDateTime,
    born_after: NaiveDateTime,
) -> QueryResult<Option<StoredSession>> {
    sessions::table
        .filter(sessions::key_hash.eq(key_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::created_at.gt(born_after))
        .select((sessions::state, sessions::expires_at, sessions::created_at))
        .get_result::<(String, NaiveDateTime, NaiveDateTime)>(conn)
        .optional()
        .map(|row| {
            row.map(|(state, expires_at, created_at)| StoredSession {
                state,
                expires_at,
                created_at,
            })
        })
}

/// Returns how many rows changed: 0 means the session is gone.
pub fn update(
    conn: &mut DbConnection,
    key_hash: &str,
    state: &str,
    user_id: Option<&str>,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    super::write_now(conn, |conn| {
        diesel::update(sessions::table.find(key_hash))
            .set((
                sessions::state.eq(state),
                sessions::user_id.eq(user_id),
                sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)
    })
}

pub fn update_expiry(
    conn: &mut DbConnection,
    key_hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    super::write_now(conn, |conn| {
        diesel::update(sessions::table.find(key_hash))
            .set(sessions::expires_at.eq(expires_at))
            .execute(conn)
    })
}

pub fn delete(conn: &mut DbConnection, key_hash: &str) -> QueryResult<usize> {
    super::write_now(conn, |conn| {
        diesel::delete(sessions::table.find(key_hash)).execute(conn)
    })
}

pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    super::write_now(conn, |conn| {
        diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
    })
}

/// The sessions of the person `needle` (their id), as `(key_hash, state)`: the candidates
/// for ending that person's sessions. Found by the indexed `user_id`; sessions stored
/// before that column existed (it is empty for them) by their state's text. The caller
/// reads each state to decide; this only narrows the search.
pub fn containing(conn: &mut DbConnection, needle: &str) -> QueryResult<Vec<(String, String)>> {
    let escaped: String = needle
        .chars()
        .flat_map(|c| match c {
            '!' | '%' | '_' => vec!['!', c],
            other => vec![other],
        })
        .collect();
    sessions::table
        .filter(
            sessions::user_id.eq(needle).or(sessions::user_id
                .is_null()
                .and(sessions::state.like(format!("%{escaped}%")).escape('!'))),
        )
        .select((sessions::key_hash, sessions::state))
        .load(conn)
}
