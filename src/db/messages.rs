//! Messages on a case and their files (migration 2026-12-01-000030). A message is only
//! ever inserted, and then once marked read; the database refuses anything else.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::applications::Application;
use super::organisations::Organisation;
use super::schema::{applications, case_message_files, case_messages, organisations, users};
use crate::messages::{MessageAbout, MessageSide};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_messages)]
pub struct CaseMessage {
    pub id: String,
    pub application_id: String,
    pub sender_id: String,
    pub sender_side: MessageSide,
    pub about: Option<MessageAbout>,
    pub body: String,
    pub sent_at: NaiveDateTime,
    /// When someone of the other side first opened the thread with the message in it.
    pub read_at: Option<NaiveDateTime>,
    pub read_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_message_files)]
pub struct MessageFile {
    pub id: String,
    pub message_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: NaiveDateTime,
}

/// A file without its content, for lists.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = case_message_files)]
pub struct MessageFileInfo {
    pub id: String,
    pub message_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

pub fn insert(conn: &mut DbConnection, message: &CaseMessage) -> QueryResult<()> {
    diesel::insert_into(case_messages::table)
        .values(message)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_file(conn: &mut DbConnection, file: &MessageFile) -> QueryResult<()> {
    diesel::insert_into(case_message_files::table)
        .values(file)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CaseMessage>> {
    case_messages::table
        .find(id)
        .select(CaseMessage::as_select())
        .get_result(conn)
        .optional()
}

/// The case's messages, oldest first.
pub fn of_case(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<CaseMessage>> {
    case_messages::table
        .filter(case_messages::application_id.eq(application_id))
        .order((case_messages::sent_at.asc(), case_messages::id.asc()))
        .select(CaseMessage::as_select())
        .load(conn)
}

/// The files of the case's messages, without their content, in the order they came.
pub fn files_of_case(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<MessageFileInfo>> {
    case_message_files::table
        .inner_join(case_messages::table)
        .filter(case_messages::application_id.eq(application_id))
        .order((
            case_message_files::uploaded_at.asc(),
            case_message_files::id.asc(),
        ))
        .select(MessageFileInfo::as_select())
        .load(conn)
}

/// One file with its content, and the case its message belongs to.
pub fn file(conn: &mut DbConnection, file_id: &str) -> QueryResult<Option<(MessageFile, String)>> {
    case_message_files::table
        .inner_join(case_messages::table)
        .filter(case_message_files::id.eq(file_id))
        .select((MessageFile::as_select(), case_messages::application_id))
        .get_result(conn)
        .optional()
}

/// Marks the case's unread messages from `from` read by `reader`; returns their ids. Only
/// rows still unread are touched, so that two readers at once cannot overwrite the first
/// reading (the database refuses changing a read message in any case).
pub fn mark_read(
    conn: &mut DbConnection,
    application_id: &str,
    from: MessageSide,
    reader_id: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let unread: Vec<String> = case_messages::table
        .filter(case_messages::application_id.eq(application_id))
        .filter(case_messages::sender_side.eq(from))
        .filter(case_messages::read_at.is_null())
        .select(case_messages::id)
        .load(conn)?;
    if unread.is_empty() {
        return Ok(unread);
    }
    diesel::update(
        case_messages::table
            .filter(case_messages::id.eq_any(&unread))
            .filter(case_messages::read_at.is_null()),
    )
    .set((
        case_messages::read_at.eq(Some(at)),
        case_messages::read_by.eq(Some(reader_id)),
    ))
    .execute(conn)?;
    Ok(unread)
}

/// How many of the case's messages from `from` are unread.
pub fn unread_in_case(
    conn: &mut DbConnection,
    application_id: &str,
    from: MessageSide,
) -> QueryResult<i64> {
    case_messages::table
        .filter(case_messages::application_id.eq(application_id))
        .filter(case_messages::sender_side.eq(from))
        .filter(case_messages::read_at.is_null())
        .count()
        .get_result(conn)
}

/// Unread messages from `from`, per case: how many, and when the oldest came.
pub fn unread_per_case(
    conn: &mut DbConnection,
    from: MessageSide,
) -> QueryResult<HashMap<String, (i64, NaiveDateTime)>> {
    let rows: Vec<(String, i64, Option<NaiveDateTime>)> = case_messages::table
        .filter(case_messages::sender_side.eq(from))
        .filter(case_messages::read_at.is_null())
        .group_by(case_messages::application_id)
        .select((
            case_messages::application_id,
            diesel::dsl::count_star(),
            diesel::dsl::min(case_messages::sent_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(case, n, oldest)| oldest.map(|at| (case, (n, at))))
        .collect())
}

/// How many messages from `from` are unread, over every case.
pub fn unread_total(conn: &mut DbConnection, from: MessageSide) -> QueryResult<i64> {
    case_messages::table
        .filter(case_messages::sender_side.eq(from))
        .filter(case_messages::read_at.is_null())
        .count()
        .get_result(conn)
}

/// The cases, with their organisations, of the given ids.
pub fn cases(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(Application, Organisation)>> {
    applications::table
        .inner_join(organisations::table)
        .filter(applications::id.eq_any(ids))
        .select((Application::as_select(), Organisation::as_select()))
        .load(conn)
}

/// The names of people by id (senders and readers of a thread).
pub fn names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
