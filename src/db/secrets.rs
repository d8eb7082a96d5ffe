use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::server_secrets;

/// The secret of that name, made by `make` and stored the first time it is asked for.
pub fn get_or_create(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    super::write_tx(conn, |conn| {
        let existing: Option<String> = server_secrets::table
            .find(name)
            .select(server_secrets::value)
            .get_result(conn)
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(server_secrets::table)
            .values((
                server_secrets::name.eq(name),
                server_secrets::value.eq(&value),
                server_secrets::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(value)
    })
}
