//! What the readiness check asks of the database.

use chrono::NaiveDateTime;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use super::schema::readiness_checks;
use super::{DbConnection, DbError, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// The newest migration this binary carries, and whether the database has every one of
/// them applied. Reading the applied versions fails on a database that is empty or not
/// ours.
pub fn schema_version(conn: &mut DbConnection) -> Result<(String, bool), DbError> {
    fn versions<T, E: std::fmt::Display>(
        list: Result<Vec<T>, E>,
        version: impl Fn(&T) -> String,
    ) -> Result<Vec<String>, DbError> {
        list.map(|l| l.iter().map(&version).collect())
            .map_err(|e| DbError::Migration(e.to_string()))
    }
    let (embedded, applied) = match conn {
        DbConnection::Sqlite(inner) => (
            versions(
                MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS),
                |m| m.name().version().to_string(),
            )?,
            versions(inner.applied_migrations(), |v| v.to_string())?,
        ),
        DbConnection::Postgresql(inner) => (
            versions(
                MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS),
                |m| m.name().version().to_string(),
            )?,
            versions(inner.applied_migrations(), |v| v.to_string())?,
        ),
    };
    let newest = embedded.iter().max().cloned().unwrap_or_default();
    let complete = embedded.iter().all(|v| applied.contains(v));
    Ok((newest, complete))
}

/// Writes this instance's row and commits: proves that the database takes writes.
pub fn record_check(
    conn: &mut DbConnection,
    instance: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    super::write_tx(conn, |c| {
        let updated = diesel::update(readiness_checks::table.find(instance))
            .set(readiness_checks::checked_at.eq(now))
            .execute(c)?;
        if updated == 0 {
            diesel::insert_into(readiness_checks::table)
                .values((
                    readiness_checks::instance.eq(instance),
                    readiness_checks::checked_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok::<(), diesel::result::Error>(())
    })?;
    Ok(())
}
