//! Change requests (ändringsansökan) and their budget lines.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{
    change_request_files, change_request_lines, change_request_supplements, change_requests,
};
use crate::codes::{ChangeKind, ChangeRequestStatus};
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = change_requests, treat_none_as_default_value = false)]
pub struct ChangeRequest {
    pub id: String,
    pub application_id: String,
    /// The signed grant decision the request is about.
    pub decision_id: String,
    pub organisation_id: String,
    /// 1, 2, … within the case: "ändringsansökan 2 i SB-2021-0003".
    pub number: i32,
    pub kind: ChangeKind,
    pub status: ChangeRequestStatus,
    /// The grant year a budget move or a give-back is about.
    pub year: Option<i32>,
    /// For a give-back: how much the organisation gives back of the year.
    pub amount_ore: Option<Ore>,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    pub handled_at: Option<NaiveDateTime>,
    pub handled_by: Option<String>,
    pub answer: Option<String>,
    pub approved_amount_ore: Option<Ore>,
    pub change_decision_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = change_request_lines, treat_none_as_default_value = false)]
pub struct ChangeLine {
    pub request_id: String,
    pub cost_category_id: String,
    /// The category's amount for the year before the move.
    pub before_ore: Ore,
    /// What the organisation asks for after the move.
    pub requested_ore: Ore,
    /// What the officer approved.
    pub approved_ore: Option<Ore>,
}

/// A file attached to a request (a PDF).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = change_request_files)]
pub struct ChangeFile {
    pub id: String,
    pub request_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub content: Vec<u8>,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: String,
}

/// A file's facts without its content, for lists.
#[derive(Debug, Clone, PartialEq, Queryable, Serialize)]
pub struct FileInfo {
    pub id: String,
    pub filename: String,
    pub size_bytes: i64,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_file(conn: &mut DbConnection, file: &ChangeFile) -> QueryResult<()> {
    diesel::insert_into(change_request_files::table)
        .values(file)
        .execute(conn)
        .map(|_| ())
}

pub fn files_of(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<FileInfo>> {
    change_request_files::table
        .filter(change_request_files::request_id.eq(request_id))
        .order((
            change_request_files::uploaded_at.asc(),
            change_request_files::id.asc(),
        ))
        .select((
            change_request_files::id,
            change_request_files::filename,
            change_request_files::size_bytes,
            change_request_files::uploaded_at,
        ))
        .load(conn)
}

/// One file of a request, with its content.
pub fn file(
    conn: &mut DbConnection,
    request_id: &str,
    file_id: &str,
) -> QueryResult<Option<ChangeFile>> {
    change_request_files::table
        .filter(change_request_files::id.eq(file_id))
        .filter(change_request_files::request_id.eq(request_id))
        .select(ChangeFile::as_select())
        .first(conn)
        .optional()
}

pub fn delete_file(conn: &mut DbConnection, request_id: &str, file_id: &str) -> QueryResult<usize> {
    diesel::delete(
        change_request_files::table
            .filter(change_request_files::id.eq(file_id))
            .filter(change_request_files::request_id.eq(request_id)),
    )
    .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ChangeRequest>> {
    change_requests::table
        .find(id)
        .select(ChangeRequest::as_select())
        .get_result(conn)
        .optional()
}

/// Every request of a case, newest first.
pub fn of_case(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<ChangeRequest>> {
    change_requests::table
        .filter(change_requests::application_id.eq(application_id))
        .order(change_requests::number.desc())
        .select(ChangeRequest::as_select())
        .load(conn)
}

/// Submitted requests waiting for an answer, oldest first, at most `limit`.
pub fn waiting(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ChangeRequest>> {
    change_requests::table
        .filter(change_requests::status.eq(ChangeRequestStatus::Submitted))
        .order(change_requests::submitted_at.asc())
        .limit(limit)
        .select(ChangeRequest::as_select())
        .load(conn)
}

pub fn count_waiting(conn: &mut DbConnection) -> QueryResult<i64> {
    change_requests::table
        .filter(change_requests::status.eq(ChangeRequestStatus::Submitted))
        .count()
        .get_result(conn)
}

pub fn next_number(conn: &mut DbConnection, application_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = change_requests::table
        .filter(change_requests::application_id.eq(application_id))
        .select(diesel::dsl::max(change_requests::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert(conn: &mut DbConnection, request: &ChangeRequest) -> QueryResult<()> {
    diesel::insert_into(change_requests::table)
        .values(request)
        .execute(conn)
        .map(|_| ())
}

/// Writes a draft's fields again (only while it is a draft).
pub fn update_draft(conn: &mut DbConnection, request: &ChangeRequest) -> QueryResult<usize> {
    diesel::update(
        change_requests::table
            .filter(change_requests::id.eq(&request.id))
            .filter(change_requests::status.eq(ChangeRequestStatus::Draft)),
    )
    .set((
        change_requests::kind.eq(request.kind),
        change_requests::year.eq(request.year),
        change_requests::amount_ore.eq(request.amount_ore),
        change_requests::description.eq(&request.description),
        change_requests::updated_at.eq(request.updated_at),
    ))
    .execute(conn)
}

pub fn delete_draft(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(change_request_files::table.filter(change_request_files::request_id.eq(id)))
        .execute(conn)?;
    diesel::delete(change_request_lines::table.filter(change_request_lines::request_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        change_requests::table
            .filter(change_requests::id.eq(id))
            .filter(change_requests::status.eq(ChangeRequestStatus::Draft)),
    )
    .execute(conn)
}

pub fn mark_submitted(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        change_requests::table
            .filter(change_requests::id.eq(id))
            .filter(change_requests::status.eq(ChangeRequestStatus::Draft)),
    )
    .set((
        change_requests::status.eq(ChangeRequestStatus::Submitted),
        change_requests::submitted_at.eq(Some(at)),
        change_requests::submitted_by.eq(Some(by)),
        change_requests::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Writes the officer's answer once: only a submitted request is answered.
pub fn mark_handled(
    conn: &mut DbConnection,
    request: &ChangeRequest,
    lines: &[ChangeLine],
) -> QueryResult<usize> {
    let changed = diesel::update(
        change_requests::table
            .filter(change_requests::id.eq(&request.id))
            .filter(change_requests::status.eq(ChangeRequestStatus::Submitted)),
    )
    .set((
        change_requests::status.eq(request.status),
        change_requests::handled_at.eq(request.handled_at),
        change_requests::handled_by.eq(&request.handled_by),
        change_requests::answer.eq(&request.answer),
        change_requests::approved_amount_ore.eq(request.approved_amount_ore),
        change_requests::change_decision_id.eq(&request.change_decision_id),
        change_requests::updated_at.eq(request.updated_at),
    ))
    .execute(conn)?;
    if changed == 1 {
        for line in lines {
            diesel::update(
                change_request_lines::table
                    .filter(change_request_lines::request_id.eq(&line.request_id))
                    .filter(change_request_lines::cost_category_id.eq(&line.cost_category_id)),
            )
            .set(change_request_lines::approved_ore.eq(line.approved_ore))
            .execute(conn)?;
        }
    }
    Ok(changed)
}

pub fn lines(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<ChangeLine>> {
    change_request_lines::table
        .filter(change_request_lines::request_id.eq(request_id))
        .select(ChangeLine::as_select())
        .load(conn)
}

pub fn replace_lines(
    conn: &mut DbConnection,
    request_id: &str,
    lines: &[ChangeLine],
) -> QueryResult<()> {
    diesel::delete(
        change_request_lines::table.filter(change_request_lines::request_id.eq(request_id)),
    )
    .execute(conn)?;
    // One row at a time: the multi-backend connection takes no batch insert.
    for line in lines {
        diesel::insert_into(change_request_lines::table)
            .values(line)
            .execute(conn)?;
    }
    Ok(())
}

/// The newest budget move for a grant year whose approval stands (approved or in part):
/// the budget it approved is the year's budget from then on.
pub fn latest_approved_budget(
    conn: &mut DbConnection,
    decision_id: &str,
    year: i32,
) -> QueryResult<Option<ChangeRequest>> {
    change_requests::table
        .filter(change_requests::decision_id.eq(decision_id))
        .filter(change_requests::year.eq(year))
        .filter(change_requests::kind.eq(ChangeKind::Budget))
        .filter(change_requests::status.eq_any([
            ChangeRequestStatus::Approved,
            ChangeRequestStatus::PartlyApproved,
        ]))
        .order(change_requests::handled_at.desc())
        .select(ChangeRequest::as_select())
        .first(conn)
        .optional()
}

/// A supplement the officer asked for, with the organisation's answer.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = change_request_supplements, treat_none_as_default_value = false)]
pub struct ChangeSupplement {
    pub id: String,
    pub request_id: String,
    pub requested_at: NaiveDateTime,
    pub requested_by: String,
    pub message: String,
    pub due_on: NaiveDate,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<String>,
}

pub fn insert_supplement(conn: &mut DbConnection, row: &ChangeSupplement) -> QueryResult<()> {
    diesel::insert_into(change_request_supplements::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Every supplement of a request, oldest first.
pub fn supplements_of(
    conn: &mut DbConnection,
    request_id: &str,
) -> QueryResult<Vec<ChangeSupplement>> {
    change_request_supplements::table
        .filter(change_request_supplements::request_id.eq(request_id))
        .order((
            change_request_supplements::requested_at.asc(),
            change_request_supplements::id.asc(),
        ))
        .select(ChangeSupplement::as_select())
        .load(conn)
}

/// Writes the answer to the open supplement once.
pub fn answer_supplement(
    conn: &mut DbConnection,
    id: &str,
    answer: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        change_request_supplements::table
            .filter(change_request_supplements::id.eq(id))
            .filter(change_request_supplements::answered_at.is_null()),
    )
    .set((
        change_request_supplements::answer.eq(Some(answer)),
        change_request_supplements::answered_at.eq(Some(at)),
        change_request_supplements::answered_by.eq(Some(by)),
    ))
    .execute(conn)
}

/// Moves a request from one status to another (asking for and answering a supplement).
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: ChangeRequestStatus,
    to: ChangeRequestStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        change_requests::table
            .filter(change_requests::id.eq(id))
            .filter(change_requests::status.eq(from)),
    )
    .set((
        change_requests::status.eq(to),
        change_requests::updated_at.eq(at),
    ))
    .execute(conn)
}
