use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::organisations;
use crate::codes::{NumberStatus, OrgKind};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub org_number: String,
    pub name: String,
    pub kind: OrgKind,
    pub number_status: NumberStatus,
    pub number_source: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, org: &Organisation) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(org)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_number(
    conn: &mut DbConnection,
    org_number: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::org_number.eq(org_number))
        .select(Organisation::as_select())
        .get_result(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .order(organisations::name.asc())
        .select(Organisation::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    organisations::table.count().get_result(conn)
}
