//! Deactivating and reactivating accounts. A deactivated account cannot log in, its open
//! links die, and its sessions end at once (their rows are deleted; a request that still
//! carries the cookie finds no session, and `http::current_actor` refuses an inactive
//! account anyway). Nothing is deleted: the person's actions stay theirs in the case
//! history and the audit trail.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Actor;
use super::credentials::end_sessions;
use super::invitations::managed_user;
use crate::audit::{self, action};
use crate::db::account_links as link_store;
use crate::db::accounts::{self as users, User};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Sets whether an account is active. Doing what is already done changes nothing.
pub fn set_active(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    active: bool,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let what = if active {
        "återaktivera ett konto"
    } else {
        "inaktivera ett konto"
    };
    // An account is the person's own; an organisation takes away the role it gave
    // (`members::remove`), only the administrator closes an account (the agency's staff).
    if actor.role != crate::codes::Role::Admin {
        audit::record_denied(conn, actor, now, "user", Some(user_id), what)?;
        return Err(AppError::NotFound);
    }
    managed_user(conn, actor, user_id, what, now)?;
    db::write_tx(conn, |conn| {
        let mut user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
        if user.active == active {
            return Ok(user);
        }
        users::set_active(conn, user_id, active)?;
        user.active = active;
        let ended = if active {
            0
        } else {
            link_store::revoke_open(conn, user_id, None, now.naive_utc())?;
            end_sessions(conn, user_id)?
        };
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: if active {
                    action::ACCOUNT_REACTIVATED
                } else {
                    action::ACCOUNT_DEACTIVATED
                },
                entity_type: "user",
                entity_id: Some(user_id),
                summary: if active {
                    format!("{} återaktiverade kontot för {}", actor.name, user.email)
                } else {
                    format!(
                        "{} inaktiverade kontot för {}; {ended} inloggning(ar) avslutades",
                        actor.name, user.email
                    )
                },
                details: json!({ "email": user.email, "sessions_ended": ended }),
            },
        )?;
        Ok(user)
    })
}
