use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use crate::codes::{OrgRole, Role};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub org_role: Option<OrgRole>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub pin_masked: Option<String>,
}

pub fn insert(conn: &mut DbConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .order((users::role.asc(), users::email.asc()))
        .select(User::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The active people who act for an organisation.
pub fn of_organisation(conn: &mut DbConnection, organisation_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .select(User::as_select())
        .load(conn)
}

impl User {
    /// Invited but has neither chosen a password nor logged in with e-legitimation: nothing
    /// opens the account yet.
    pub fn awaits_password(&self) -> bool {
        self.password_hash.is_empty() && self.pin_hash.is_none()
    }
}

/// Every person of an organisation, active or not (for the list of its people).
pub fn all_of_organisation(
    conn: &mut DbConnection,
    organisation_id: &str,
) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .order((users::active.desc(), users::name.asc()))
        .select(User::as_select())
        .load(conn)
}

/// Replaces a password hash only if it is still `expected`: a change that raced another
/// changes nothing. Returns whether it was replaced.
pub fn replace_password_hash(
    conn: &mut DbConnection,
    id: &str,
    expected: &str,
    new_hash: &str,
) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(expected)),
    )
    .set(users::password_hash.eq(new_hash))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn set_active(conn: &mut DbConnection, id: &str, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::active.eq(active))
        .execute(conn)
}

/// Gives a person a role in an organisation, or (with `None`) takes the organisation and
/// the role away.
pub fn set_membership(
    conn: &mut DbConnection,
    id: &str,
    membership: Option<(&str, OrgRole)>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::organisation_id.eq(membership.map(|(org, _)| org.to_string())),
            users::org_role.eq(membership.map(|(_, role)| role)),
        ))
        .execute(conn)
}

/// The organisation's ombud, if it has one.
pub fn ombud_of(conn: &mut DbConnection, organisation_id: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::org_role.eq(OrgRole::Ombud))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_pin_hash(conn: &mut DbConnection, pin_hash: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::pin_hash.eq(pin_hash))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

/// Ties a personal identity number (its keyed hash, and masked) to an account, when the
/// account has none yet. Returns whether it was tied.
pub fn set_pin(
    conn: &mut DbConnection,
    id: &str,
    pin_hash: &str,
    pin_masked: &str,
) -> QueryResult<bool> {
    diesel::update(users::table.find(id).filter(users::pin_hash.is_null()))
        .set((
            users::pin_hash.eq(Some(pin_hash)),
            users::pin_masked.eq(Some(pin_masked)),
        ))
        .execute(conn)
        .map(|n| n == 1)
}
