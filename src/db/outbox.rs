use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::outbox_messages;

/// One e-mail waiting to be sent (or sent). Written in the transaction of the event that
/// causes it, so the event and its message exist together or not at all.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessage {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub attachment_name: Option<String>,
    pub attachment_content_type: Option<String>,
    #[serde(skip)]
    pub attachment: Option<Vec<u8>>,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn insert(conn: &mut DbConnection, message: &OutboxMessage) -> QueryResult<()> {
    diesel::insert_into(outbox_messages::table)
        .values(message)
        .execute(conn)
        .map(|_| ())
}

/// Every message, oldest first (for tests and the administrator).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .order(outbox_messages::created_at.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
}
