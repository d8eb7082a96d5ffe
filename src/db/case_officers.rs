//! Each case's responsible officer (migration 2026-12-01-000028).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::applications::Application;
use super::organisations::Organisation;
use super::schema::{applications, case_officers, organisations};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_officers)]
pub struct CaseOfficer {
    pub application_id: String,
    pub officer_id: String,
    pub assigned_at: NaiveDateTime,
    pub assigned_by: String,
}

pub fn of_case(conn: &mut DbConnection, application_id: &str) -> QueryResult<Option<CaseOfficer>> {
    case_officers::table
        .find(application_id)
        .select(CaseOfficer::as_select())
        .get_result(conn)
        .optional()
}

/// Puts `row` in place of the case's present officer, if any.
pub fn set(conn: &mut DbConnection, row: &CaseOfficer) -> QueryResult<()> {
    remove(conn, &row.application_id)?;
    diesel::insert_into(case_officers::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn remove(conn: &mut DbConnection, application_id: &str) -> QueryResult<usize> {
    diesel::delete(case_officers::table.find(application_id)).execute(conn)
}

/// The cases an officer is responsible for, newest arrival first; at most `limit`.
pub fn cases_of(
    conn: &mut DbConnection,
    officer_id: &str,
    limit: i64,
) -> QueryResult<Vec<(Application, Organisation)>> {
    applications::table
        .inner_join(organisations::table)
        .filter(
            applications::id.eq_any(
                case_officers::table
                    .filter(case_officers::officer_id.eq(officer_id))
                    .select(case_officers::application_id),
            ),
        )
        .order((applications::submitted_at.desc(), applications::id.asc()))
        .limit(limit)
        .select((Application::as_select(), Organisation::as_select()))
        .load(conn)
}
