use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::organisations::Organisation;
use super::schema::{
    application_answers, application_budget_lines, application_counts, application_staff_lines,
    application_versions, application_years, applications, attachments, organisations,
    supplement_requests,
};
use crate::codes::{ApplicationKind, ApplicationStatus, SupplementStatus, VersionStatus};
use crate::money::Ore;

/// Inserts a slice of rows through the backend's own connection: on PostgreSQL in one
/// statement; on SQLite in chunks of 8, 4, 2 and 1 rows. Diesel keeps a prepared statement
/// for an insert of a fixed-size array, one per size, but compiles an insert of a slice
/// again on every call. The row types say `treat_none_as_default_value = false` (they have
/// no optional field): without it diesel's SQLite inserts a batch one row at a time,
/// each statement built anew, inside a savepoint of its own; 7.7 % of the service's CPU
/// during draft saves.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        if !$rows.is_empty() {
            match &mut *$conn {
                DbConnection::Postgresql(c) => {
                    diesel::insert_into($table).values($rows).execute(c)?;
                }
                DbConnection::Sqlite(c) => {
                    let mut rest = &$rows[..];
                    while !rest.is_empty() {
                        rest = if let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
                            diesel::insert_into($table).values(chunk).execute(c)?;
                            tail
                        } else if let Some((chunk, tail)) = rest.split_first_chunk::<4>() {
                            diesel::insert_into($table).values(chunk).execute(c)?;
                            tail
                        } else if let Some((chunk, tail)) = rest.split_first_chunk::<2>() {
                            diesel::insert_into($table).values(chunk).execute(c)?;
                            tail
                        } else {
                            diesel::insert_into($table).values(&rest[0]).execute(c)?;
                            &rest[1..]
                        };
                    }
                }
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
#[diesel(table_name = application_answers, treat_none_as_default_value = false)]
pub struct Answer {
    pub version_id: String,
    pub section_id: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_years, treat_none_as_default_value = false)]
pub struct YearRequest {
    pub version_id: String,
    pub year: i32,
    pub requested_ore: Ore,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_budget_lines, treat_none_as_default_value = false)]
pub struct BudgetLine {
    pub id: String,
    pub version_id: String,
    pub year: i32,
    pub cost_category_id: String,
    pub amount_ore: Ore,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_staff_lines, treat_none_as_default_value = false)]
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

/// How the submitter of a version proved who they were (written as the version is
/// submitted, in the same transaction; the version is frozen after).
pub fn record_signed(
    conn: &mut DbConnection,
    version_id: &str,
    signed: &crate::accounts::Signed,
) -> QueryResult<()> {
    diesel::update(application_versions::table.find(version_id))
        .set((
            application_versions::submitted_method.eq(Some(signed.method)),
            application_versions::submitted_loa.eq(signed.loa.as_deref()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Application>> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .get_result(conn)
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

/// The amounts applied for per year in the latest submitted version of each application:
/// `(application_id, year, amount)`. The ids go in chunks, so that any number of them stays
/// under SQLite's limit on bound variables.
pub fn latest_submitted_requests(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<(String, i32, Ore)>> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(ID_CHUNK) {
        let rows: Vec<(String, i32, Ore)> = application_years::table
            .inner_join(application_versions::table)
            .filter(application_versions::application_id.eq_any(chunk))
            .filter(application_versions::status.eq(VersionStatus::Submitted))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                LATEST_SUBMITTED,
            ))
            .select((
                application_versions::application_id,
                application_years::year,
                application_years::requested_ore,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The condition that a version is its application's latest submitted one.
const LATEST_SUBMITTED: &str = "application_versions.number = (SELECT MAX(v2.number) \
     FROM application_versions v2 \
     WHERE v2.application_id = application_versions.application_id \
     AND v2.status = 'submitted')";

/// [`latest_submitted_requests`] of one application, per year. Apart because a list bound
/// with `IN` is compiled anew on every call on SQLite, and every case read asks this.
pub fn latest_submitted_requests_of(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<(i32, Ore)>> {
    application_years::table
        .inner_join(application_versions::table)
        .filter(application_versions::application_id.eq(application_id))
        .filter(application_versions::status.eq(VersionStatus::Submitted))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            LATEST_SUBMITTED,
        ))
        .select((application_years::year, application_years::requested_ore))
        .load(conn)
}

/// The answers of the latest submitted version of each application:
/// `(application_id, section_id, body)`. The ids go in chunks, as in
/// [`latest_submitted_requests`].
pub fn latest_submitted_answers(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(ID_CHUNK) {
        let rows: Vec<(String, String, String)> = application_answers::table
            .inner_join(application_versions::table)
            .filter(application_versions::application_id.eq_any(chunk))
            .filter(application_versions::status.eq(VersionStatus::Submitted))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                LATEST_SUBMITTED,
            ))
            .select((
                application_versions::application_id,
                application_answers::section_id,
                application_answers::body,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The names of the files attached to questions in the latest submitted version of each
/// application, in the order they were added: `(application_id, section_id, filename)`.
/// Files of the general attachment list (no question) are left out; the file contents are
/// not read.
pub fn latest_submitted_question_files(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(ID_CHUNK) {
        let rows: Vec<(String, Option<String>, String)> = attachments::table
            .inner_join(application_versions::table)
            .filter(application_versions::application_id.eq_any(chunk))
            .filter(application_versions::status.eq(VersionStatus::Submitted))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                LATEST_SUBMITTED,
            ))
            .filter(attachments::section_id.is_not_null())
            .order((attachments::uploaded_at.asc(), attachments::id.asc()))
            .select((
                application_versions::application_id,
                attachments::section_id,
                attachments::filename,
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(app, section, name)| section.map(|s| (app, s, name))),
        );
    }
    Ok(out)
}

/// How many ids one statement binds at most: far below SQLite's 32 766 variables.
pub const ID_CHUNK: usize = 5_000;

/// Which applications a list holds. Every part is a condition in SQL, so that a page of a
/// call with 100 000 applications reads one page of rows, not the call.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub call_id: Option<String>,
    pub organisation_id: Option<String>,
    /// The agency lists the cases that have arrived; an organisation's drafts are its own.
    pub submitted_only: bool,
    pub status: Option<StatusFilter>,
    /// Part of the organisation's name or number or of the registration number, any case.
    pub text: Option<String>,
}

/// The status a list is narrowed to: a status, or how decided cases were decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Status(ApplicationStatus),
    Outcome(crate::decisions::Outcome),
    /// A code no application has: the list is empty (as a filter on an unknown word is).
    Nothing,
}

/// The order of a list. Ties go by registration number, then id, so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    #[default]
    RegistrationNumber,
    Organisation,
    /// By the Swedish status label people read, as the column shows it.
    Status,
    /// By the amount applied for the year in the latest submitted version (none as 0).
    Requested(i32),
}

type Backend = <DbConnection as diesel::Connection>::Backend;
type ListQuery<'a> = diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<applications::table, organisations::table>,
    Backend,
>;

/// A signed decision that answers an application (grant, top-up, rejection), as
/// `decisions::answers_application` says, over a `decisions` row named `d`.
const SIGNED_ANSWER: &str = "d.status = 'signed' AND d.amends_decision_id IS NULL \
     AND d.kind IN ('grant', 'top_up', 'rejection')";

/// The id of the application's latest submitted version.
const LATEST_VERSION: &str = "(SELECT v.id FROM application_versions v \
     WHERE v.application_id = applications.id AND v.status = 'submitted' \
     ORDER BY v.number DESC LIMIT 1)";

/// `decisions::outcome` in SQL for a decided application (`applications` the row):
/// NULL unless a signed decision answers it; `rejected` when no year is granted more than
/// nothing; `partly_granted` when some year applied for is granted less; else `granted`.
/// Kept in `applications.outcome` when the case is decided (see [`set_status`]).
fn decided_outcome_sql() -> String {
    format!(
        "CASE WHEN NOT EXISTS (SELECT 1 FROM decisions d \
             WHERE d.application_id = applications.id AND {SIGNED_ANSWER}) THEN NULL \
         WHEN NOT EXISTS (SELECT 1 FROM decisions d \
             JOIN decision_years dy ON dy.decision_id = d.id \
             WHERE d.application_id = applications.id AND {SIGNED_ANSWER} \
             GROUP BY dy.year HAVING SUM(dy.amount_ore) > 0) THEN 'rejected' \
         WHEN EXISTS (SELECT 1 FROM application_years ay \
             WHERE ay.version_id = {LATEST_VERSION} \
             AND ay.requested_ore > COALESCE((SELECT SUM(dy.amount_ore) FROM decisions d \
                 JOIN decision_years dy ON dy.decision_id = d.id \
                 WHERE d.application_id = applications.id AND {SIGNED_ANSWER} \
                 AND dy.year = ay.year), 0)) THEN 'partly_granted' \
         ELSE 'granted' END"
    )
}

/// The amount applied for a year in the latest submitted version, 0 where none.
fn requested_sql(year: i32) -> String {
    format!(
        "COALESCE((SELECT ay.requested_ore FROM application_years ay \
         WHERE ay.version_id = {LATEST_VERSION} AND ay.year = {year}), 0)"
    )
}

/// The status label's place in alphabetical order, as the list sorts by it: the code
/// people see (the outcome, once decided) ranked by its label. The migration that keeps
/// `applications.status_rank` writes these ranks out; a test checks that they agree.
pub fn status_rank(code: &str) -> Option<i32> {
    let mut labels: Vec<(&str, &str)> = ApplicationStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .chain(
            crate::decisions::Outcome::ALL
                .iter()
                .map(|o| (o.as_str(), o.label())),
        )
        .collect();
    labels.sort_by(|a, b| a.1.cmp(b.1));
    labels
        .iter()
        .position(|(c, _)| *c == code)
        .and_then(|p| i32::try_from(p).ok())
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The filtered applications joined with their organisations, unordered.
fn filtered<'a>(filter: &ListFilter, sqlite: bool) -> ListQuery<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut query = applications::table
        .inner_join(organisations::table)
        .into_boxed();
    if let Some(call_id) = &filter.call_id {
        query = query.filter(applications::call_id.eq(call_id.clone()));
    }
    if let Some(org_id) = &filter.organisation_id {
        query = query.filter(applications::organisation_id.eq(org_id.clone()));
    }
    if filter.submitted_only {
        // Every case that has arrived has its registration number (given in the
        // transaction of its first submission; a test checks it): said here, the list in
        // order of number starts after the drafts in the number index instead of reading
        // every draft first.
        query = query
            .filter(applications::status.ne(ApplicationStatus::Draft))
            .filter(applications::registration_number.is_not_null());
    }
    match filter.status {
        None => {}
        Some(StatusFilter::Status(status)) => {
            query = query.filter(applications::status.eq(status));
        }
        Some(StatusFilter::Outcome(outcome)) => {
            query = query
                .filter(applications::status.eq(ApplicationStatus::Decided))
                .filter(applications::outcome.eq(outcome.as_str()));
        }
        Some(StatusFilter::Nothing) => query = query.filter(sql::<Bool>("1 = 0")),
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        // SQLite's own lower() folds ASCII only: `unicode_lower` (registered on every
        // connection) folds Å, Ä and Ö as PostgreSQL's lower() does.
        let lower = if sqlite { "unicode_lower" } else { "lower" };
        let pattern = like_pattern(&text.to_lowercase());
        query = query.filter(
            sql::<Bool>(&format!("({lower}(organisations.name) LIKE "))
                .bind::<Text, _>(pattern.clone())
                .sql(" ESCAPE '\\' OR organisations.org_number LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(&format!(
                    " ESCAPE '\\' OR {lower}(COALESCE(applications.registration_number, '')) LIKE "
                ))
                .bind::<Text, _>(pattern)
                .sql(" ESCAPE '\\')"),
        );
    }
    query
}

fn is_sqlite(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
}

/// How many applications the filter holds. The agency's lists without a text filter are
/// counted from the kept counts (a few rows per call), not from the call's applications.
pub fn count(conn: &mut DbConnection, filter: &ListFilter) -> QueryResult<i64> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    let sqlite = is_sqlite(conn);
    if filter.text.is_some() {
        return filtered(filter, sqlite).count().get_result(conn);
    }
    if filter.submitted_only && filter.organisation_id.is_none() {
        return kept_count(conn, filter.call_id.as_deref(), filter.status);
    }
    // Without the join to organisations (only the text filter needs it; every application
    // has its organisation), so that the count is read from an index of applications alone.
    let mut query = applications::table.into_boxed();
    if let Some(call_id) = &filter.call_id {
        query = query.filter(applications::call_id.eq(call_id.clone()));
    }
    if let Some(org_id) = &filter.organisation_id {
        query = query.filter(applications::organisation_id.eq(org_id.clone()));
    }
    if filter.submitted_only {
        query = query.filter(applications::status.ne(ApplicationStatus::Draft));
    }
    match filter.status {
        None => {}
        Some(StatusFilter::Status(status)) => {
            query = query.filter(applications::status.eq(status));
        }
        Some(StatusFilter::Outcome(outcome)) => {
            query = query
                .filter(applications::status.eq(ApplicationStatus::Decided))
                .filter(applications::outcome.eq(outcome.as_str()));
        }
        Some(StatusFilter::Nothing) => query = query.filter(sql::<Bool>("1 = 0")),
    }
    query.count().get_result(conn)
}

/// The codes `application_counts` counts a status filter under: a status is its own code,
/// except that a decided case is counted by its outcome (or as `decided` without one).
fn counted_codes(status: Option<StatusFilter>) -> Option<Vec<&'static str>> {
    use crate::decisions::Outcome;
    Some(match status {
        None => return None,
        Some(StatusFilter::Status(ApplicationStatus::Decided)) => std::iter::once("decided")
            .chain(Outcome::ALL.iter().map(|o| o.as_str()))
            .collect(),
        Some(StatusFilter::Status(status)) => vec![status.as_str()],
        Some(StatusFilter::Outcome(outcome)) => vec![outcome.as_str()],
        Some(StatusFilter::Nothing) => Vec::new(),
    })
}

/// How many applications have arrived, in a call or in all, optionally of a status, from
/// the kept counts (drafts are not counted there).
fn kept_count(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    status: Option<StatusFilter>,
) -> QueryResult<i64> {
    let mut query = application_counts::table.into_boxed();
    if let Some(call_id) = call_id {
        query = query.filter(application_counts::call_id.eq(call_id.to_string()));
    }
    if let Some(codes) = counted_codes(status) {
        query = query.filter(application_counts::code.eq_any(codes));
    }
    let sum: Option<i64> = query
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("CAST(SUM(n) AS BIGINT)"))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}

/// The filtered applications in the asked order.
fn ordered<'a>(
    conn: &DbConnection,
    filter: &ListFilter,
    sort: ListSort,
    descending: bool,
) -> ListQuery<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let sqlite = is_sqlite(conn);
    let dir = if descending { " DESC" } else { " ASC" };
    // The sort keys are kept on the row, each with an index from the call on: a page is
    // read in order, not sorted out of the call. The organisation's name sorts in byte
    // order, as the lists sorted before they sorted in SQL (its column is `COLLATE "C"`
    // on PostgreSQL, whose default collation would put "Ö" among the "O"s).
    let first_key = match sort {
        ListSort::RegistrationNumber if filter.submitted_only => None,
        // An organisation's own drafts have no number yet: last.
        ListSort::RegistrationNumber => {
            Some("CASE WHEN applications.registration_number IS NULL THEN 1 ELSE 0 END".to_string())
        }
        ListSort::Organisation => Some("applications.organisation_name".to_string()),
        ListSort::Status => Some("applications.status_rank".to_string()),
        ListSort::Requested(year) => Some(requested_sql(year)),
    };
    let mut query = filtered(filter, sqlite);
    if let Some(key) = first_key {
        query = query.then_order_by(sql::<BigInt>(&format!("{key}{dir}")));
    }
    if descending {
        query.then_order_by((
            applications::registration_number.desc(),
            applications::id.desc(),
        ))
    } else {
        query.then_order_by((
            applications::registration_number.asc(),
            applications::id.asc(),
        ))
    }
}

/// One page of the filtered applications in the asked order.
pub fn list_page(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: ListSort,
    descending: bool,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(Application, Organisation)>> {
    ordered(conn, filter, sort, descending)
        .limit(limit.max(0))
        .offset(offset.max(0))
        .select((Application::as_select(), Organisation::as_select()))
        .load(conn)
}

/// The ids of every filtered application in the asked order (for an export that reads
/// the rows a chunk at a time).
pub fn list_ids(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: ListSort,
    descending: bool,
) -> QueryResult<Vec<String>> {
    ordered(conn, filter, sort, descending)
        .select(applications::id)
        .load(conn)
}

/// Where an export stands in the list's order: the keys of its last row. The registration
/// number ends every order and is unique, so with the sort's own key it says exactly
/// where to go on.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ListCursor {
    pub id: String,
    pub organisation_name: String,
    pub status_rank: i32,
    pub registration_number: Option<String>,
}

/// Whether a list's order can be continued from a [`ListCursor`]: the cases that have
/// arrived (each has its number) in an order read from an index. A sort by an amount
/// applied for is computed per row, and an organisation's own list holds drafts without
/// a number: their exports read the order first ([`list_ids`]).
pub fn continues_by_key(filter: &ListFilter, sort: ListSort) -> bool {
    filter.submitted_only && !matches!(sort, ListSort::Requested(_))
}

/// The next at most `limit` applications of the list after `after`, in the list's order,
/// as cursors (for an export streamed a part at a time: each part starts where the last
/// ended, read from the sort's index however far in, so the first rows go out at once).
/// Only for lists that [`continues_by_key`]; the others answer every row from the start.
pub fn cursors_after(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: ListSort,
    descending: bool,
    after: Option<&ListCursor>,
    limit: i64,
) -> QueryResult<Vec<ListCursor>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Integer, Text};
    let mut query = ordered(conn, filter, sort, descending);
    if let Some(after) = after.filter(|_| continues_by_key(filter, sort)) {
        let op = if descending { "<" } else { ">" };
        let number = after.registration_number.clone().unwrap_or_default();
        // Row values: both databases read them as a range of the sort's index.
        query = match sort {
            ListSort::Organisation => query.filter(
                sql::<Bool>(&format!(
                    "(applications.organisation_name, applications.registration_number) {op} ("
                ))
                .bind::<Text, _>(after.organisation_name.clone())
                .sql(", ")
                .bind::<Text, _>(number)
                .sql(")"),
            ),
            ListSort::Status => query.filter(
                sql::<Bool>(&format!(
                    "(applications.status_rank, applications.registration_number) {op} ("
                ))
                .bind::<Integer, _>(after.status_rank)
                .sql(", ")
                .bind::<Text, _>(number)
                .sql(")"),
            ),
            _ => query.filter(
                sql::<Bool>(&format!("applications.registration_number {op} "))
                    .bind::<Text, _>(number),
            ),
        };
    }
    query
        .limit(limit.max(0))
        .select((
            applications::id,
            applications::organisation_name,
            applications::status_rank,
            applications::registration_number,
        ))
        .load(conn)
}

/// Applications with their organisations, in the order of `ids` (at most a chunk).
pub fn with_organisation(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(Application, Organisation)>> {
    let mut rows: Vec<(Application, Organisation)> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        rows.extend(
            applications::table
                .inner_join(organisations::table)
                .filter(applications::id.eq_any(chunk))
                .select((Application::as_select(), Organisation::as_select()))
                .load::<(Application, Organisation)>(conn)?,
        );
    }
    let place: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    rows.sort_by_key(|(a, _)| place.get(a.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// How many applications of a call there are per status (drafts left out), from the kept
/// counts.
pub fn count_by_status(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(ApplicationStatus, i64)>> {
    let rows: Vec<(String, i64)> = application_counts::table
        .filter(application_counts::call_id.eq(call_id))
        .filter(application_counts::n.gt(0))
        .select((application_counts::code, application_counts::n))
        .load(conn)?;
    let mut out: Vec<(ApplicationStatus, i64)> = Vec::new();
    for (code, n) in rows {
        // An outcome is a decided case.
        let status = ApplicationStatus::parse(&code).unwrap_or(ApplicationStatus::Decided);
        match out.iter_mut().find(|(s, _)| *s == status) {
            Some((_, total)) => *total += n,
            None => out.push((status, n)),
        }
    }
    Ok(out)
}

/// How many applications have arrived in a call (drafts left out), from the kept counts.
pub fn count_submitted(conn: &mut DbConnection, call_id: &str) -> QueryResult<i64> {
    kept_count(conn, Some(call_id), None)
}

/// The kept counts as counting the applications gives them: `(call, code, n)` for every
/// call and shown status with at least one application (drafts left out). For the
/// consistency checks and [`rebuild_list_keys`].
pub fn counted_from_rows(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Text)]
        call_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut rows: Vec<(String, String, i64)> = diesel::sql_query(
        "SELECT call_id, COALESCE(outcome, status) AS code, CAST(COUNT(*) AS BIGINT) AS n \
         FROM applications WHERE status <> 'draft' \
         GROUP BY call_id, COALESCE(outcome, status)",
    )
    .load::<Counted>(conn)?
    .into_iter()
    .map(|c| (c.call_id, c.code, c.n))
    .collect();
    rows.sort();
    Ok(rows)
}

/// The kept counts with at least one application, as `counted_from_rows` orders them.
pub fn kept_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    let mut rows: Vec<(String, String, i64)> = application_counts::table
        .filter(application_counts::n.ne(0))
        .select((
            application_counts::call_id,
            application_counts::code,
            application_counts::n,
        ))
        .load(conn)?;
    rows.sort();
    Ok(rows)
}

/// The list keys as they should be, for the applications they are kept on: `(id, outcome,
/// organisation name)` where the kept ones differ from what the decisions and the
/// organisation say. Empty when all agree (for the consistency checks).
pub fn list_keys_out_of_step(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, Option<String>, String)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text};
    let outcome = format!(
        "CASE WHEN applications.status = 'decided' THEN ({}) END",
        decided_outcome_sql()
    );
    applications::table
        .inner_join(organisations::table)
        .filter(sql::<diesel::sql_types::Bool>(&format!(
            "(applications.outcome IS NULL) <> (({outcome}) IS NULL) \
                 OR applications.outcome <> ({outcome}) \
                 OR applications.organisation_name <> organisations.name"
        )))
        .select((
            applications::id,
            sql::<Nullable<Text>>(&outcome),
            organisations::name,
        ))
        .load(conn)
}

/// Writes the list keys and counts again from the rows: the outcome of every decided
/// application, the organisation names, and the counts per call and status. For a bulk
/// load (the generator) that writes decided cases and signs their decisions directly.
pub fn rebuild_list_keys(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE applications SET outcome = ({}) WHERE status = 'decided'",
        decided_outcome_sql()
    ))
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE applications SET organisation_name = (SELECT o.name FROM organisations o \
         WHERE o.id = applications.organisation_id) WHERE organisation_name = ''",
    )
    .execute(conn)?;
    rebuild_counts(conn)
}

/// Writes the kept counts per call and shown status again from the applications (after a
/// bulk load that wrote past the trigger that keeps them; see `crate::generate`).
pub fn rebuild_counts(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(application_counts::table).execute(conn)?;
    diesel::sql_query(
        "INSERT INTO application_counts (call_id, code, n) \
         SELECT call_id, COALESCE(outcome, status), COUNT(*) FROM applications \
         WHERE status <> 'draft' GROUP BY call_id, COALESCE(outcome, status)",
    )
    .execute(conn)?;
    Ok(())
}

/// Registers the SQL functions SQLite lacks on a new connection: `unicode_lower`, a
/// lower() that folds every letter (SQLite's folds ASCII only).
pub fn register_sqlite_functions(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    unicode_lower_utils::register_impl(conn, |text: String| text.to_lowercase())
}

diesel::define_sql_function! {
    /// lower() over every letter, for SQLite (see `register_sqlite_functions`).
    fn unicode_lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
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
    /// The attachment question the file answers; none for the general attachment list.
    pub section_id: Option<String>,
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
    pub section_id: Option<String>,
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
        .get_result(conn)
        .optional()
}

pub fn set_project_title(conn: &mut DbConnection, id: &str, title: &str) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::project_title.eq(title))
        .execute(conn)
        .map(|_| ())
}

/// The case's new status. A case is decided once its decision is signed (in the same
/// transaction): its outcome is worked out then, in the same statement, and kept for the
/// lists; the kept counts follow in the database's trigger.
pub fn set_status(conn: &mut DbConnection, id: &str, status: ApplicationStatus) -> QueryResult<()> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text};
    let outcome = if status == ApplicationStatus::Decided {
        decided_outcome_sql()
    } else {
        "NULL".to_string()
    };
    diesel::update(applications::table.find(id))
        .set((
            applications::status.eq(status),
            applications::outcome.eq(sql::<Nullable<Text>>(&outcome)),
        ))
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
    if let DbConnection::Postgresql(pg) = &mut *conn {
        return match budget {
            Some((lines, staff)) => insert_draft_rows_pg(pg, answers, years, lines, staff),
            None => insert_draft_rows_pg(pg, answers, &[], &[], &[]),
        };
    }
    insert_rows!(conn, application_answers::table, answers);
    if let Some((lines, staff)) = budget {
        insert_rows!(conn, application_years::table, years);
        insert_rows!(conn, application_budget_lines::table, lines);
        insert_rows!(conn, application_staff_lines::table, staff);
    }
    Ok(())
}

/// On PostgreSQL a draft's new rows go in one statement, one round trip where there were
/// four: each table's rows as arrays, unnested, in a data-modifying `WITH` per table. The
/// tables do not refer to one another, so the order PostgreSQL runs the parts in does not
/// matter; their triggers and constraints apply to every row as in separate inserts.
fn insert_draft_rows_pg(
    pg: &mut diesel::PgConnection,
    answers: &[Answer],
    years: &[YearRequest],
    lines: &[BudgetLine],
    staff: &[StaffLine],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Integer, Text};
    if answers.is_empty() && years.is_empty() && lines.is_empty() && staff.is_empty() {
        return Ok(());
    }
    fn texts<T>(rows: &[T], field: impl Fn(&T) -> &str) -> Vec<&str> {
        rows.iter().map(field).collect()
    }
    diesel::sql_query(
        "WITH answers AS ( \
             INSERT INTO application_answers (version_id, section_id, body) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])), \
         years AS ( \
             INSERT INTO application_years (version_id, year, requested_ore) \
             SELECT * FROM unnest($4::text[], $5::integer[], $6::bigint[])), \
         lines AS ( \
             INSERT INTO application_budget_lines \
                 (id, version_id, year, cost_category_id, amount_ore, description) \
             SELECT * FROM unnest($7::text[], $8::text[], $9::integer[], $10::text[], \
                                  $11::bigint[], $12::text[])) \
         INSERT INTO application_staff_lines \
             (id, version_id, year, position, role, fte_percent, months, cost_ore) \
         SELECT * FROM unnest($13::text[], $14::text[], $15::integer[], $16::integer[], \
                              $17::text[], $18::integer[], $19::integer[], $20::bigint[])",
    )
    .bind::<Array<Text>, _>(texts(answers, |a| &a.version_id))
    .bind::<Array<Text>, _>(texts(answers, |a| &a.section_id))
    .bind::<Array<Text>, _>(texts(answers, |a| &a.body))
    .bind::<Array<Text>, _>(texts(years, |y| &y.version_id))
    .bind::<Array<Integer>, _>(years.iter().map(|y| y.year).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(
        years
            .iter()
            .map(|y| y.requested_ore.ore())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Text>, _>(texts(lines, |l| &l.id))
    .bind::<Array<Text>, _>(texts(lines, |l| &l.version_id))
    .bind::<Array<Integer>, _>(lines.iter().map(|l| l.year).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(texts(lines, |l| &l.cost_category_id))
    .bind::<Array<BigInt>, _>(lines.iter().map(|l| l.amount_ore.ore()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(texts(lines, |l| &l.description))
    .bind::<Array<Text>, _>(texts(staff, |s| &s.id))
    .bind::<Array<Text>, _>(texts(staff, |s| &s.version_id))
    .bind::<Array<Integer>, _>(staff.iter().map(|s| s.year).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(staff.iter().map(|s| s.position).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(texts(staff, |s| &s.role))
    .bind::<Array<Integer>, _>(staff.iter().map(|s| s.fte_percent).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(staff.iter().map(|s| s.months).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(staff.iter().map(|s| s.cost_ore.ore()).collect::<Vec<_>>())
    .execute(pg)
    .map(|_| ())
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
            .get_result(pg)
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
        .get_result(conn)
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
        .get_result(conn)
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
