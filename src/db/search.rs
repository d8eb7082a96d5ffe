//! The officers' search across calls and years (issue 16): every criterion is a condition
//! in SQL and every read is bounded (a page, or a chunk of the CSV export after the last row
//! sent), so that a search over 100 000 cases never holds more than a page of them.
//!
//! Text criteria are matched the same way on both databases: both sides folded to lower
//! case (SQLite's own lower() folds ASCII only, so it uses `unicode_lower`, registered on
//! every connection), and `%`, `_` and `\` typed by a person escaped, so that they match
//! themselves and not "anything".

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::accounts::User;
use super::applications::StatusFilter;
use super::schema::{applications, call_years, calls, case_officers, organisations, users};
use crate::codes::{ApplicationStatus, Role};

/// Whose cases: one officer's, or those with no officer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficerFilter {
    Officer(String),
    Nobody,
}

/// What the search asks for, checked and normalised (see `search::criteria_from`). Every
/// part is optional; the parts that are given must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Part of the organisation's name, in lower case.
    pub organisation_name: Option<String>,
    /// Part of the organisation number as digits only (the dash left out on both sides);
    /// matched besides the name when what was typed is a number.
    pub org_number_digits: Option<String>,
    /// Part of the registration number, in lower case.
    pub registration_number: Option<String>,
    /// Part of the project title, in lower case.
    pub title: Option<String>,
    pub status: Option<StatusFilter>,
    pub officer: Option<OfficerFilter>,
    pub call_id: Option<String>,
    /// One of the call's years, or the year the case arrived (from and before, in UTC: the
    /// Swedish calendar year's bounds).
    pub year: Option<YearFilter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearFilter {
    pub year: i32,
    pub arrived_from: NaiveDateTime,
    pub arrived_before: NaiveDateTime,
}

impl SearchFilter {
    /// Only the parts the kept counts per call and status can answer.
    fn counts_from_kept(&self) -> bool {
        self.organisation_name.is_none()
            && self.org_number_digits.is_none()
            && self.registration_number.is_none()
            && self.title.is_none()
            && self.officer.is_none()
            && self.year.is_none()
    }
}

/// One case found.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct SearchRow {
    pub application_id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub registration_number: Option<String>,
    pub project_title: String,
    pub status: ApplicationStatus,
    /// How a decided case was decided (`decisions::Outcome`'s code).
    pub outcome: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub organisation_name: String,
    pub org_number: String,
    pub call_title: String,
}

type Backend = <DbConnection as diesel::Connection>::Backend;
type SearchQuery<'a> = diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<
        diesel::helper_types::InnerJoin<applications::table, organisations::table>,
        calls::table,
    >,
    Backend,
>;

/// `%text%` for LIKE … ESCAPE '\': what was typed matches itself, wildcards included.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The cases that have arrived that the filter holds, joined with organisation and call,
/// unordered.
fn filtered<'a>(filter: &SearchFilter, sqlite: bool) -> SearchQuery<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let lower = if sqlite { "unicode_lower" } else { "lower" };
    // An organisation's drafts are its own until it submits: the search holds the cases
    // that have arrived, each of which has its registration number.
    let mut query = applications::table
        .inner_join(organisations::table)
        .inner_join(calls::table)
        .filter(applications::status.ne(ApplicationStatus::Draft))
        .filter(applications::registration_number.is_not_null())
        .into_boxed();
    let like = |column: String, pattern: String| {
        sql::<Bool>(&format!("{column} LIKE "))
            .bind::<Text, _>(pattern)
            .sql(" ESCAPE '\\'")
    };
    // The name, or (when a number was typed) the number without its dash.
    let name_sql = format!("{lower}(organisations.name) LIKE ");
    let number_sql = "REPLACE(organisations.org_number, '-', '') LIKE ";
    match (&filter.organisation_name, &filter.org_number_digits) {
        (None, None) => {}
        (Some(name), None) => {
            query = query.filter(like(
                format!("{lower}(organisations.name)"),
                like_pattern(name),
            ));
        }
        (None, Some(digits)) => {
            query = query.filter(like(
                "REPLACE(organisations.org_number, '-', '')".to_string(),
                like_pattern(digits),
            ));
        }
        (Some(name), Some(digits)) => {
            query = query.filter(
                sql::<Bool>(&format!("({name_sql}"))
                    .bind::<Text, _>(like_pattern(name))
                    .sql(&format!(" ESCAPE '\\' OR {number_sql}"))
                    .bind::<Text, _>(like_pattern(digits))
                    .sql(" ESCAPE '\\')"),
            );
        }
    }
    if let Some(number) = &filter.registration_number {
        query = query.filter(like(
            format!("{lower}(COALESCE(applications.registration_number, ''))"),
            like_pattern(number),
        ));
    }
    if let Some(title) = &filter.title {
        query = query.filter(like(
            format!("{lower}(applications.project_title)"),
            like_pattern(title),
        ));
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
    match &filter.officer {
        None => {}
        Some(OfficerFilter::Officer(id)) => {
            query = query.filter(
                sql::<Bool>(
                    "EXISTS (SELECT 1 FROM case_officers co \
                     WHERE co.application_id = applications.id AND co.officer_id = ",
                )
                .bind::<Text, _>(id.clone())
                .sql(")"),
            );
        }
        Some(OfficerFilter::Nobody) => {
            query = query.filter(sql::<Bool>(
                "NOT EXISTS (SELECT 1 FROM case_officers co \
                 WHERE co.application_id = applications.id)",
            ));
        }
    }
    if let Some(call_id) = &filter.call_id {
        query = query.filter(applications::call_id.eq(call_id.clone()));
    }
    if let Some(year) = &filter.year {
        query = query.filter(
            applications::call_id
                .eq_any(
                    call_years::table
                        .filter(call_years::year.eq(year.year))
                        .select(call_years::call_id),
                )
                .or(applications::submitted_at
                    .ge(year.arrived_from)
                    .and(applications::submitted_at.lt(year.arrived_before))
                    .assume_not_null()),
        );
    }
    query
}

fn is_sqlite(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
}

/// How many cases the filter holds. Without text, officer or year, from the kept counts
/// per call and status (a few rows), not from the cases.
pub fn count(conn: &mut DbConnection, filter: &SearchFilter) -> QueryResult<i64> {
    if filter.counts_from_kept() {
        return super::applications::count(
            conn,
            &super::applications::ListFilter {
                call_id: filter.call_id.clone(),
                submitted_only: true,
                status: filter.status,
                ..Default::default()
            },
        );
    }
    let sqlite = is_sqlite(conn);
    filtered(filter, sqlite).count().get_result(conn)
}

/// The cases the filter holds, newest registration number first: at most `limit`, from
/// `offset` (a page), or those after the registration number `after` in that order (a
/// chunk of the export, read from the number's index however far in).
pub fn rows(
    conn: &mut DbConnection,
    filter: &SearchFilter,
    after: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<SearchRow>> {
    let sqlite = is_sqlite(conn);
    let mut query = filtered(filter, sqlite);
    if let Some(after) = after {
        query = query.filter(applications::registration_number.lt(after.to_string()));
    }
    query
        .order((
            applications::registration_number.desc(),
            applications::id.desc(),
        ))
        .limit(limit.max(0))
        .offset(offset.max(0))
        .select((
            applications::id,
            applications::call_id,
            applications::organisation_id,
            applications::registration_number,
            applications::project_title,
            applications::status,
            applications::outcome,
            applications::submitted_at,
            organisations::name,
            organisations::org_number,
            calls::title,
        ))
        .load(conn)
}

/// The responsible officer's name of each of the cases that has one (at most a page or a
/// chunk of ids).
pub fn officer_names(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<HashMap<String, String>> {
    let mut assigned: Vec<(String, String)> = Vec::new();
    for chunk in application_ids.chunks(super::applications::ID_CHUNK) {
        assigned.extend(
            case_officers::table
                .filter(case_officers::application_id.eq_any(chunk))
                .select((case_officers::application_id, case_officers::officer_id))
                .load::<(String, String)>(conn)?,
        );
    }
    let mut officer_ids: Vec<String> = assigned.iter().map(|(_, o)| o.clone()).collect();
    officer_ids.sort();
    officer_ids.dedup();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in officer_ids.chunks(super::applications::ID_CHUNK) {
        names.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(assigned
        .into_iter()
        .filter_map(|(case, officer)| names.get(&officer).map(|n| (case, n.clone())))
        .collect())
}

/// Everyone who is or was an officer (an officer who has left may still be named on old
/// cases), by name.
pub fn officers(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(Role::Officer))
        .order((users::name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)
}
