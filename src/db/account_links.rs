//! E-mailed links that let a person choose their own password (an invitation, or a reset
//! of a forgotten one). Only the SHA-256 of each link's token is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::account_links;

crate::codes::text_enum! {
    /// Why a link was sent.
    LinkPurpose {
        Invitation => "invitation", "Inbjudan";
        Reset => "reset", "Nytt lösenord";
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_links)]
pub struct AccountLink {
    pub id: String,
    pub user_id: String,
    pub purpose: LinkPurpose,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
}

pub fn insert(conn: &mut DbConnection, link: &AccountLink) -> QueryResult<()> {
    diesel::insert_into(account_links::table)
        .values(link)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<AccountLink>> {
    account_links::table
        .filter(account_links::token_hash.eq(token_hash))
        .select(AccountLink::as_select())
        .get_result(conn)
        .optional()
}

/// Marks a link used if it still can be: neither used, nor revoked, nor expired. Returns
/// whether this call did it, so that of two uses at the same time only one wins.
pub fn mark_used(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        account_links::table
            .find(id)
            .filter(account_links::used_at.is_null())
            .filter(account_links::revoked_at.is_null())
            .filter(account_links::expires_at.gt(now)),
    )
    .set(account_links::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Makes every open link of a person void (of one purpose, or all).
pub fn revoke_open(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: Option<LinkPurpose>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let open = account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::used_at.is_null())
        .filter(account_links::revoked_at.is_null());
    match purpose {
        Some(purpose) => diesel::update(open.filter(account_links::purpose.eq(purpose)))
            .set(account_links::revoked_at.eq(now))
            .execute(conn),
        None => diesel::update(open)
            .set(account_links::revoked_at.eq(now))
            .execute(conn),
    }
}

/// When the newest link of a purpose was sent to a person, if ever.
pub fn latest_sent(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: LinkPurpose,
) -> QueryResult<Option<NaiveDateTime>> {
    account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::purpose.eq(purpose))
        .select(diesel::dsl::max(account_links::created_at))
        .first(conn)
}

/// Removes links that expired before `cutoff`, used or not.
pub fn delete_expired_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(account_links::table.filter(account_links::expires_at.lt(cutoff))).execute(conn)
}
