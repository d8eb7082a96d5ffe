//! The login throttle's shared state (see `accounts::throttle`): one row per account and
//! per client address, and one row for the audit trail's allowance per minute. Shared by
//! every instance on the database, so that the limits hold however attempts are spread.
//!
//! Read-modify-write under a row lock: callers run in a `write_tx` and read with [`lock`],
//! which on PostgreSQL takes the rows `FOR UPDATE` (a second instance's attempt on the same
//! account waits for the first one's commit and then reads its count); on SQLite the write
//! transaction already holds the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{login_audit_budget, login_throttle};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttle)]
#[diesel(treat_none_as_null = true)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub last_failure: NaiveDateTime,
    pub refused: i32,
    pub told: bool,
}

/// The rows of `keys`, locked until the transaction ends (those that exist). The lock is an
/// UPDATE that changes nothing, as `calls::lock_years` does: the same statement on both
/// backends, and on PostgreSQL a row lock held to the commit.
pub fn lock(conn: &mut DbConnection, keys: &[&str]) -> QueryResult<Vec<ThrottleRow>> {
    diesel::update(login_throttle::table.filter(login_throttle::key.eq_any(keys)))
        .set(login_throttle::failures.eq(login_throttle::failures))
        .execute(conn)?;
    login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .select(ThrottleRow::as_select())
        .load(conn)
}

/// Makes the rows of `keys` exist (as no failures yet), so that [`lock`] has a row to lock
/// even for a first attempt: two first attempts at once then count to two, not one.
pub fn ensure(conn: &mut DbConnection, keys: &[&str], now: NaiveDateTime) -> QueryResult<()> {
    for key in keys {
        let row = ThrottleRow {
            key: (*key).to_string(),
            failures: 0,
            locked_until: None,
            last_failure: now,
            refused: 0,
            told: false,
        };
        // Upserts do not compile on the multi-backend connection.
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(login_throttle::table)
                .values(&row)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConnection::Postgresql(c) => diesel::insert_into(login_throttle::table)
                .values(&row)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    Ok(())
}

pub fn save(conn: &mut DbConnection, row: &ThrottleRow) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(&row.key))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .map(|_| ())
}

/// Forgets quiet rows: no lockout running at `now` and no failure since `quiet_since`.
/// Then, if more than `capacity` rows remain, the unlocked ones with the oldest failures
/// give way (a storm of invented addresses must not grow the table without bound).
pub fn prune(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    quiet_since: NaiveDateTime,
    capacity: i64,
) -> QueryResult<usize> {
    let unlocked = login_throttle::locked_until
        .is_null()
        .or(login_throttle::locked_until.le(now));
    let mut removed = diesel::delete(
        login_throttle::table
            .filter(unlocked)
            .filter(login_throttle::last_failure.le(quiet_since)),
    )
    .execute(conn)?;
    let count: i64 = login_throttle::table.count().get_result(conn)?;
    if count > capacity {
        let victims: Vec<String> = login_throttle::table
            .filter(unlocked)
            .order(login_throttle::last_failure.asc())
            .limit((count - capacity).min(10_000))
            .select(login_throttle::key)
            .load(conn)?;
        removed +=
            diesel::delete(login_throttle::table.filter(login_throttle::key.eq_any(&victims)))
                .execute(conn)?;
    }
    Ok(removed)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    login_throttle::table.count().get_result(conn)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = login_audit_budget)]
pub struct BudgetRow {
    pub minute_start: NaiveDateTime,
    pub first_failures: i32,
    pub lockouts: i32,
    pub left_out: i32,
}

/// The audit allowance of the current minute, locked until the transaction ends.
pub fn lock_budget(conn: &mut DbConnection) -> QueryResult<Option<BudgetRow>> {
    diesel::update(login_audit_budget::table.find(1))
        .set(login_audit_budget::left_out.eq(login_audit_budget::left_out))
        .execute(conn)?;
    login_audit_budget::table
        .find(1)
        .select(BudgetRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn save_budget(conn: &mut DbConnection, row: &BudgetRow) -> QueryResult<()> {
    diesel::update(login_audit_budget::table.find(1))
        .set(row)
        .execute(conn)
        .map(|_| ())
}
