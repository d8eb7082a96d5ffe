use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::organisations::Organisation;
use super::schema::{
    application_answers, application_budget_lines, application_staff_lines, application_versions,
    application_years, applications, attachments, organisations, supplement_requests,
};
use crate::codes::{ApplicationKind, ApplicationStatus, SupplementStatus, VersionStatus};
use crate::money::Ore;

/// Inserts a slice of rows in one statement, through the backend's own connection.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        if !$rows.is_empty() {
            match &mut *$conn {
                DbConnection::Postgresql(c) => {
                    diesel::insert_into($table).values($rows).execute(c)?
                }
                DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c)?,
            };
        }
    };
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub kind: ApplicationKind,
    pub redistribution_round_id: Option<String>,
    pub status: ApplicationStatus,
    pub registration_number: Option<String>,
    pub project_title: String,
    pub source_note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_versions)]
pub struct Version {
    pub id: String,
    pub application_id: String,
    pub number: i32,
    pub status: VersionStatus,
    pub supplement_request_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    /// The answer to the supplement request this version answers, while it is a draft;
    /// it moves to the request when the version is submitted.
    pub supplement_answer: Option<String>,
    /// Why the organisation asks for more money, for an application in a redistribution
    /// round (the call's sections are for first applications).
    pub reasons: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_answers)]
pub struct Answer {
    pub version_id: String,
    pub section_id: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_years)]
pub struct YearRequest {
    pub version_id: String,
    pub year: i32,
    pub requested_ore: Ore,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_budget_lines)]
pub struct BudgetLine {
    pub id: String,
    pub version_id: String,
    pub year: i32,
    pub cost_category_id: String,
    pub amount_ore: Ore,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_staff_lines)]
pub struct StaffLine {
    pub id: String,
    pub version_id: String,
    pub year: i32,
    pub position: i32,
    pub role: String,
    pub fte_percent: i32,
    pub months: i32,
    pub cost_ore: Ore,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = supplement_requests)]
pub struct SupplementRequest {
    pub id: String,
    pub application_id: String,
    pub requested_by: Option<String>,
    pub requested_at: NaiveDateTime,
    pub message: String,
    pub due_on: NaiveDate,
    pub status: SupplementStatus,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<String>,
    pub answer_text: Option<String>,
    /// Whether the answer may change the budget.
    pub budget_change_allowed: bool,
}

pub fn insert(conn: &mut DbConnection, application: &Application) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(application)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_version(conn: &mut DbConnection, version: &Version) -> QueryResult<()> {
    diesel::insert_into(application_versions::table)
        .values(version)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_answer(conn: &mut DbConnection, answer: &Answer) -> QueryResult<()> {
    diesel::insert_into(application_answers::table)
        .values(answer)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_year_request(conn: &mut DbConnection, request: &YearRequest) -> QueryResult<()> {
    diesel::insert_into(application_years::table)
        .values(request)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_supplement_request(
    conn: &mut DbConnection,
    request: &SupplementRequest,
) -> QueryResult<()> {
    diesel::insert_into(supplement_requests::table)
        .values(request)
        .execute(conn)
        .map(|_| ())
}

/// Freezes a version. The database refuses any later change to it or its rows.
pub fn mark_version_submitted(
    conn: &mut DbConnection,
    version_id: &str,
    at: NaiveDateTime,
    by: Option<&str>,
) -> QueryResult<()> {
    diesel::update(application_versions::table.find(version_id))
        .set((
            application_versions::status.eq(VersionStatus::Submitted),
            application_versions::submitted_at.eq(at),
            application_versions::submitted_by.eq(by),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Application>> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// Every application with its organisation; filtered to a call and/or an organisation.
pub fn list_with_organisation(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(Application, Organisation)>> {
    let mut query = applications::table
        .inner_join(organisations::table)
        .into_boxed();
    if let Some(call_id) = call_id {
        query = query.filter(applications::call_id.eq(call_id.to_string()));
    }
    if let Some(org_id) = organisation_id {
        query = query.filter(applications::organisation_id.eq(org_id.to_string()));
    }
    query
        .order((
            applications::registration_number.asc(),
            organisations::name.asc(),
        ))
        .select((Application::as_select(), Organisation::as_select()))
        .load(conn)
}

pub fn versions(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Version>> {
    application_versions::table
        .filter(application_versions::application_id.eq(application_id))
        .order(application_versions::number.asc())
        .select(Version::as_select())
        .load(conn)
}

pub fn answers(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<Answer>> {
    application_answers::table
        .filter(application_answers::version_id.eq(version_id))
        .select(Answer::as_select())
        .load(conn)
}

pub fn year_requests(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<YearRequest>> {
    application_years::table
        .filter(application_years::version_id.eq(version_id))
        .order(application_years::year.asc())
        .select(YearRequest::as_select())
        .load(conn)
}

pub fn budget_lines(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<BudgetLine>> {
    application_budget_lines::table
        .filter(application_budget_lines::version_id.eq(version_id))
        .order(application_budget_lines::year.asc())
        .select(BudgetLine::as_select())
        .load(conn)
}

pub fn staff_lines(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<StaffLine>> {
    application_staff_lines::table
        .filter(application_staff_lines::version_id.eq(version_id))
        .order((
            application_staff_lines::year.asc(),
            application_staff_lines::position.asc(),
        ))
        .select(StaffLine::as_select())
        .load(conn)
}

pub fn supplement_requests(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<SupplementRequest>> {
    supplement_requests::table
        .filter(supplement_requests::application_id.eq(application_id))
        .order(supplement_requests::requested_at.asc())
        .select(SupplementRequest::as_select())
        .load(conn)
}

/// The amounts applied for per year in the latest submitted version of each application of
/// a call: `(application_id, year, amount)`.
pub fn latest_submitted_requests(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<(String, i32, Ore)>> {
    let versions: Vec<(String, String, i32)> = application_versions::table
        .filter(application_versions::application_id.eq_any(application_ids))
        .filter(application_versions::status.eq(VersionStatus::Submitted))
        .select((
            application_versions::application_id,
            application_versions::id,
            application_versions::number,
        ))
        .load(conn)?;
    let mut latest: std::collections::BTreeMap<String, (String, i32)> = Default::default();
    for (app_id, version_id, number) in versions {
        let entry = latest.entry(app_id).or_insert((version_id.clone(), number));
        if number > entry.1 {
            *entry = (version_id, number);
        }
    }
    let version_ids: Vec<String> = latest.values().map(|(id, _)| id.clone()).collect();
    let rows: Vec<YearRequest> = application_years::table
        .filter(application_years::version_id.eq_any(&version_ids))
        .select(YearRequest::as_select())
        .load(conn)?;
    let by_version: std::collections::HashMap<&str, &str> = latest
        .iter()
        .map(|(app, (version, _))| (version.as_str(), app.as_str()))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            by_version
                .get(r.version_id.as_str())
                .map(|app| (app.to_string(), r.year, r.requested_ore))
        })
        .collect())
}

/// An attachment without its content, for lists.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachments)]
pub struct AttachmentInfo {
    pub id: String,
    pub version_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: String,
    pub version_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: Option<String>,
}

/// The first application of an organisation to a call, if it has one.
pub fn find_initial(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
) -> QueryResult<Option<Application>> {
    applications::table
        .filter(applications::call_id.eq(call_id))
        .filter(applications::organisation_id.eq(organisation_id))
        .filter(applications::kind.eq(ApplicationKind::Initial))
        .select(Application::as_select())
        .first(conn)
        .optional()
}

pub fn find_version(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Version>> {
    application_versions::table
        .find(id)
        .select(Version::as_select())
        .first(conn)
        .optional()
}

pub fn set_project_title(conn: &mut DbConnection, id: &str, title: &str) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::project_title.eq(title))
        .execute(conn)
        .map(|_| ())
}

pub fn set_status(conn: &mut DbConnection, id: &str, status: ApplicationStatus) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::status.eq(status))
        .execute(conn)
        .map(|_| ())
}

/// The case arrived: its registration number, when and by whom (the first submission).
pub fn mark_arrived(
    conn: &mut DbConnection,
    id: &str,
    registration_number: &str,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set((
            applications::registration_number.eq(registration_number),
            applications::submitted_at.eq(at),
            applications::submitted_by.eq(by),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_supplement_answer(
    conn: &mut DbConnection,
    version_id: &str,
    answer: Option<&str>,
) -> QueryResult<()> {
    diesel::update(application_versions::table.find(version_id))
        .set(application_versions::supplement_answer.eq(answer))
        .execute(conn)
        .map(|_| ())
}

/// Everything a draft version holds, written again. The database refuses this for a
/// submitted version.
///
/// A save is the busiest write: each table's rows go in one multi-row `INSERT` (through
/// the backend's own connection: batch inserts do not compile on the multi-backend one),
/// and on PostgreSQL the old rows go in one statement, so that a save costs a handful of
/// round trips however many budget lines it has.
pub fn replace_draft_rows(
    conn: &mut DbConnection,
    version_id: &str,
    answers: &[Answer],
    years: &[YearRequest],
    budget: Option<(&[BudgetLine], &[StaffLine])>,
) -> QueryResult<()> {
    delete_draft_rows(conn, version_id, budget.is_some())?;
    insert_rows!(conn, application_answers::table, answers);
    if let Some((lines, staff)) = budget {
        insert_rows!(conn, application_years::table, years);
        insert_rows!(conn, application_budget_lines::table, lines);
        insert_rows!(conn, application_staff_lines::table, staff);
    }
    Ok(())
}

/// The answers of a draft version, and with `budget` its years, budget and staff lines.
fn delete_draft_rows(conn: &mut DbConnection, version_id: &str, budget: bool) -> QueryResult<()> {
    if let (DbConnection::Postgresql(pg), true) = (&mut *conn, budget) {
        diesel::sql_query(
            "WITH answers AS (DELETE FROM application_answers WHERE version_id = $1), \
                  years AS (DELETE FROM application_years WHERE version_id = $1), \
                  lines AS (DELETE FROM application_budget_lines WHERE version_id = $1) \
             DELETE FROM application_staff_lines WHERE version_id = $1",
        )
        .bind::<diesel::sql_types::Text, _>(version_id)
        .execute(pg)?;
        return Ok(());
    }
    diesel::delete(
        application_answers::table.filter(application_answers::version_id.eq(version_id)),
    )
    .execute(conn)?;
    if budget {
        diesel::delete(
            application_years::table.filter(application_years::version_id.eq(version_id)),
        )
        .execute(conn)?;
        diesel::delete(
            application_budget_lines::table
                .filter(application_budget_lines::version_id.eq(version_id)),
        )
        .execute(conn)?;
        diesel::delete(
            application_staff_lines::table
                .filter(application_staff_lines::version_id.eq(version_id)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The case, its row locked until the transaction ends (on SQLite the write transaction
/// holds the whole database already): one statement where [`lock`] and [`find`] are two.
pub fn find_for_update(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Application>> {
    match conn {
        DbConnection::Postgresql(pg) => applications::table
            .find(id)
            .select(Application::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => find(conn, id),
    }
}

pub fn insert_attachment(conn: &mut DbConnection, attachment: &Attachment) -> QueryResult<()> {
    diesel::insert_into(attachments::table)
        .values(attachment)
        .execute(conn)
        .map(|_| ())
}

pub fn attachments_of(
    conn: &mut DbConnection,
    version_id: &str,
) -> QueryResult<Vec<AttachmentInfo>> {
    attachments::table
        .filter(attachments::version_id.eq(version_id))
        .order(attachments::uploaded_at.asc())
        .select(AttachmentInfo::as_select())
        .load(conn)
}

pub fn attachment(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Attachment>> {
    attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .optional()
}

pub fn attachments_with_content(
    conn: &mut DbConnection,
    version_id: &str,
) -> QueryResult<Vec<Attachment>> {
    attachments::table
        .filter(attachments::version_id.eq(version_id))
        .order(attachments::uploaded_at.asc())
        .select(Attachment::as_select())
        .load(conn)
}

pub fn delete_attachment(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(attachments::table.find(id)).execute(conn)
}

pub fn find_supplement_request(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<SupplementRequest>> {
    supplement_requests::table
        .find(id)
        .select(SupplementRequest::as_select())
        .first(conn)
        .optional()
}

pub fn mark_supplement_answered(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
    by: &str,
    answer: &str,
) -> QueryResult<()> {
    diesel::update(supplement_requests::table.find(id))
        .set((
            supplement_requests::status.eq(SupplementStatus::Answered),
            supplement_requests::answered_at.eq(at),
            supplement_requests::answered_by.eq(by),
            supplement_requests::answer_text.eq(answer),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes the case's row lock for the rest of the transaction (PostgreSQL; on SQLite the
/// write transaction already holds the database), so that two steps on one case, such as a
/// double-clicked submit or a save during a submit, happen one after the other.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::status.eq(applications::status))
        .execute(conn)
        .map(|_| ())
}
