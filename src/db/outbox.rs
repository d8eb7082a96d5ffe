use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{outbox_messages, outbox_redactions};

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
    /// The case the message is about; `None` for account mail.
    pub application_id: Option<String>,
    /// Which kind of message (`outbox::kind`).
    pub kind: String,
    /// When an officer sent a message again: the message it repeats.
    pub resent_from: Option<String>,
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

/// One message, with its attachment.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxMessage>> {
    outbox_messages::table
        .find(id)
        .select(OutboxMessage::as_select())
        .get_result(conn)
        .optional()
}

/// How many candidates `claim_next` looks at per query.
const CLAIM_CANDIDATES: i64 = 16;

/// Takes the next due message (`sent_at IS NULL AND next_attempt_at <= now`) for sending,
/// by moving its `next_attempt_at` forward to `lease_until`. Run it in a `write_tx`.
///
/// The UPDATE repeats the due condition, so it takes the row only if no one else has taken
/// it since the SELECT: on PostgreSQL a second process's UPDATE of the same row waits for
/// the first one's commit and then re-checks the condition against the new row, finds
/// `next_attempt_at` in the future and updates nothing; on SQLite `BEGIN IMMEDIATE` lets one
/// writer in at a time. Only the caller whose UPDATE changed the row gets it back, and no
/// other claim can take it again before `lease_until`.
pub fn claim_next(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<OutboxMessage>> {
    // Candidates another process takes between our SELECT and our UPDATE drop out; a new
    // SELECT sees their claims (a new snapshot per statement on PostgreSQL), so every pass
    // either claims a row or sees fewer due rows. The bound is a guard, not a rule.
    for _ in 0..8 {
        let candidates: Vec<String> = outbox_messages::table
            .filter(outbox_messages::sent_at.is_null())
            .filter(outbox_messages::next_attempt_at.le(now))
            .order((
                outbox_messages::next_attempt_at.asc(),
                outbox_messages::created_at.asc(),
                outbox_messages::id.asc(),
            ))
            .select(outbox_messages::id)
            .limit(CLAIM_CANDIDATES)
            .load(conn)?;
        if candidates.is_empty() {
            return Ok(None);
        }
        for id in candidates {
            let taken = diesel::update(
                outbox_messages::table
                    .filter(outbox_messages::id.eq(&id))
                    .filter(outbox_messages::sent_at.is_null())
                    .filter(outbox_messages::next_attempt_at.le(now)),
            )
            .set(outbox_messages::next_attempt_at.eq(lease_until))
            .execute(conn)?;
            if taken == 1 {
                return find(conn, &id);
            }
        }
    }
    Ok(None)
}

/// Records that the mail server (or the file) took the message. `attempts` and
/// `last_error` stay as they were: they tell of the failures before. False when the row was
/// already marked sent.
///
/// A message marked for redaction (`mark_for_redaction`: it carries a one-time link) loses
/// its text here, in the same statement that marks it sent.
pub fn mark_sent(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let redact = outbox_redactions::table
        .find(id)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let unsent = outbox_messages::table
        .filter(outbox_messages::id.eq(id))
        .filter(outbox_messages::sent_at.is_null());
    let changed = if redact {
        diesel::update(unsent)
            .set((
                outbox_messages::sent_at.eq(Some(at)),
                outbox_messages::body_text.eq(REDACTED_BODY),
            ))
            .execute(conn)?
    } else {
        diesel::update(unsent)
            .set(outbox_messages::sent_at.eq(Some(at)))
            .execute(conn)?
    };
    Ok(changed == 1)
}

/// What a sent message marked for redaction keeps of its text.
pub const REDACTED_BODY: &str =
    "[Texten är borttagen efter utskicket: den innehöll en engångslänk.]";

/// Marks a message to lose its text once it is sent.
pub fn mark_for_redaction(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::insert_into(outbox_redactions::table)
        .values(outbox_redactions::message_id.eq(id))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt: one more attempt, the error, and when to try again.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    retry_at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        outbox_messages::table
            .filter(outbox_messages::id.eq(id))
            .filter(outbox_messages::sent_at.is_null()),
    )
    .set((
        outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        outbox_messages::last_error.eq(Some(error)),
        outbox_messages::next_attempt_at.eq(retry_at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Messages not sent yet (due now or waiting for a retry).
pub fn pending_count(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox_messages::table
        .filter(outbox_messages::sent_at.is_null())
        .count()
        .get_result(conn)
}

/// A message as the mail log lists it: everything but its text and its attachment's bytes.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = outbox_messages)]
pub struct LoggedMessage {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub to_address: String,
    pub subject: String,
    pub attachment_name: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub application_id: Option<String>,
    pub kind: String,
    pub resent_from: Option<String>,
}

/// The messages about a case, newest first (read by the `outbox_messages_case` index).
pub fn of_case(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<LoggedMessage>> {
    outbox_messages::table
        .filter(outbox_messages::application_id.eq(application_id))
        .order((
            outbox_messages::created_at.desc(),
            outbox_messages::id.desc(),
        ))
        .select(LoggedMessage::as_select())
        .load(conn)
}

/// Whether a message is marked to lose its text (it carries a one-time link).
pub fn is_marked_for_redaction(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    outbox_redactions::table
        .find(id)
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Of these messages, those marked for redaction.
pub fn marked_for_redaction_among(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marked = Vec::new();
    for part in ids.chunks(500) {
        marked.extend(
            outbox_redactions::table
                .filter(outbox_redactions::message_id.eq_any(part))
                .select(outbox_redactions::message_id)
                .load::<String>(conn)?,
        );
    }
    Ok(marked)
}
