//! What the readiness check asks of the database.

use chrono::NaiveDateTime;
use diesel::migration::MigrationSource;
use diesel::prelude::*;

use super::schema::readiness_checks;
use super::{DbConnection, DbError, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// The newest migration this binary carries, and whether the database has every one of
/// them applied. Reading the applied versions fails on a database that is empty or not
/// ours; it is read directly rather than through diesel's harness, which would create the
/// bookkeeping table in whatever database it is pointed at.
pub fn schema_version(conn: &mut DbConnection) -> Result<(String, bool), DbError> {
    #[derive(QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    fn names<T, E: std::fmt::Display>(
        list: Result<Vec<T>, E>,
        version: impl Fn(&T) -> String,
    ) -> Result<Vec<String>, DbError> {
        list.map(|l| l.iter().map(&version).collect())
            .map_err(|e| DbError::Migration(e.to_string()))
    }
    let embedded = match conn {
        DbConnection::Sqlite(_) => names(
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS),
            |m| m.name().version().to_string(),
        )?,
        DbConnection::Postgresql(_) => names(
            MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS),
            |m| m.name().version().to_string(),
        )?,
    };
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Applied>(conn)?
        .into_iter()
        .map(|a| a.version)
        .collect();
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
