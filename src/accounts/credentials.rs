//! A person's own password: choosing it through an e-mailed link (invitation or reset),
//! changing it, asking for a reset link. Whenever a password changes, every session of
//! the person ends (the one that changed it continues under a new key) and open links die.
//!
//! Hashing and verifying are slow on purpose, so they run on the bounded hashing pool
//! (`password::off_connection`) and never while a database connection is held.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::links::{self, LinkProblem, MailContext};
use super::login::Gate;
use super::password::off_connection;
use super::{Actor, actor_for, normalise_email, password};
use crate::audit::{self, action};
use crate::db::account_links::{self as link_store, LinkPurpose};
use crate::db::accounts::{self as users, User};
use crate::db::{self, Db, DbConnection};
use crate::error::{AppError, FieldErrors};

/// At most one reset e-mail per account in this time, however often it is asked for: the
/// form cannot be used to flood someone's mailbox.
pub const RESET_INTERVAL: Duration = Duration::minutes(5);
/// Longer than any e-mail address (RFC 5321 allows 254 characters): refused before any work.
pub const MAX_EMAIL_LENGTH: usize = 320;

/// A new password, typed twice.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewPasswordInput {
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub new_password_again: String,
}

/// A change of one's own password.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PasswordChangeInput {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub new_password_again: String,
}

fn check_new_password(new: &str, again: &str, errors: &mut FieldErrors) {
    if new.is_empty() {
        errors.add("new_password", "Ange ett nytt lösenord.");
    } else if let Some(message) = super::password_length_error(new) {
        errors.add("new_password", message);
    } else if again.is_empty() {
        errors.add(
            "new_password_again",
            "Skriv det nya lösenordet en gång till.",
        );
    } else if new != again {
        errors.add(
            "new_password_again",
            "Lösenorden är inte lika. Skriv samma nya lösenord i båda fälten.",
        );
    }
}

/// Ends every session of a person (deletes its row). A session whose state cannot be
/// read but mentions the person's id is ended too: one ended too many costs a login, one
/// left alive would keep a door open.
pub fn end_sessions(conn: &mut DbConnection, user_id: &str) -> Result<usize, AppError> {
    let mut ended = 0;
    for (key_hash, state) in db::sessions::containing(conn, user_id)? {
        if session_belongs_to(&state, user_id) {
            ended += db::sessions::delete(conn, &key_hash)?;
        }
    }
    Ok(ended)
}

/// actix-session keeps each value as JSON text inside a JSON map.
fn session_belongs_to(state: &str, user_id: &str) -> bool {
    match serde_json::from_str::<HashMap<String, String>>(state) {
        Ok(map) => map
            .get(crate::http::SESSION_USER)
            .and_then(|value| serde_json::from_str::<String>(value).ok())
            .is_some_and(|id| id == user_id),
        Err(_) => true,
    }
}

/// What follows every new password: old links die, every session ends.
fn after_new_password(
    conn: &mut DbConnection,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    link_store::revoke_open(conn, &user.id, None, now.naive_utc())?;
    end_sessions(conn, &user.id)?;
    Ok(())
}

/// A logged-in person changes their own password: the current one, and the new one twice.
/// Every session of theirs ends, the caller's too: the caller renews its session key to
/// continue. Wrong current passwords count in the login throttle (a stolen session must not
/// become a way to guess the password).
pub async fn change_password(
    db: &Db,
    gate: Gate<'_>,
    actor: &Actor,
    input: PasswordChangeInput,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if input.current_password.is_empty() {
        errors.add("current_password", "Ange ditt nuvarande lösenord.");
    }
    check_new_password(&input.new_password, &input.new_password_again, &mut errors);
    errors.into_result()?;
    let user_id = actor.user_id.clone();
    let user = db
        .run(move |c| users::find(c, &user_id).map_err(AppError::from))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let stored = user.password_hash.clone();
    let current = input.current_password;
    // An over-long "current password" is wrong without the work of checking it (or of
    // counting it).
    if current.len() > password::MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            "current_password",
            "Det nuvarande lösenordet stämmer inte. Inget ändrades.",
        ));
    }
    let attempt = gate.begin(db, &normalise_email(&actor.email), now).await?;
    let matches = match off_connection(move || password::verify(&current, &stored)).await {
        Ok(matches) => matches,
        Err(e) => {
            gate.abandoned(db, attempt).await;
            return Err(e);
        }
    };
    if matches {
        gate.succeeded(db, attempt).await?;
    } else {
        let throttle = gate.throttle.clone();
        let failure = db
            .run(move |c| db::write_tx(c, |c| throttle.failed(c, &attempt, now)))
            .await?;
        let who = actor.clone();
        db.run(move |c| {
            audit::record(
                c,
                Some(&who),
                now,
                audit::Entry {
                    action: action::ACCOUNT_PASSWORD_CHANGE_REFUSED,
                    entity_type: "user",
                    entity_id: Some(&who.user_id),
                    summary: format!(
                        "Byte av lösenord nekat för {}: fel nuvarande lösenord",
                        who.email
                    ),
                    details: json!({}),
                },
            )
            .map_err(AppError::from)
        })
        .await?;
        if let Some(locked) = failure.locked {
            return Err(super::login::too_many(locked, now));
        }
        return Err(AppError::invalid(
            "current_password",
            "Det nuvarande lösenordet stämmer inte. Inget ändrades.",
        ));
    }
    let new = input.new_password;
    let new_hash = off_connection(move || password::hash(&new)).await??;
    let (who, mail) = (actor.clone(), mail.clone());
    db.run(move |c| {
        db::write_tx(c, |c| {
            if !users::replace_password_hash(c, &user.id, &user.password_hash, &new_hash)? {
                return Err(AppError::Conflict(
                    "Lösenordet ändrades på annat håll medan du skrev. Inget ändrades nu; försök igen.".into(),
                ));
            }
            after_new_password(c, &user, now)?;
            links::queue_changed_notice(c, &mail, &user, now)?;
            audit::record(
                c,
                Some(&who),
                now,
                audit::Entry {
                    action: action::ACCOUNT_PASSWORD_CHANGED,
                    entity_type: "user",
                    entity_id: Some(&who.user_id),
                    summary: format!(
                        "{} bytte sitt lösenord; andra inloggningar avslutades",
                        who.email
                    ),
                    details: json!({}),
                },
            )?;
            Ok(())
        })
    })
    .await
}

/// The person a link is for, as its page greets them.
#[derive(Debug, Clone)]
pub struct LinkHolder {
    pub purpose: LinkPurpose,
    pub name: String,
    pub email: String,
}

/// Whether a link can be used, for the page that asks for the new password.
pub fn inspect_link(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<LinkHolder, LinkProblem>, AppError> {
    Ok(
        links::check(conn, token, now)?.map(|(link, user)| LinkHolder {
            purpose: link.purpose,
            name: user.name,
            email: user.email,
        }),
    )
}

/// Chooses a password through a link. The link is used up; the account opens with the new
/// password; every session of the person ends.
pub async fn use_link(
    db: &Db,
    token: String,
    input: NewPasswordInput,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<Result<LinkHolder, LinkProblem>, AppError> {
    // The link first: a bad link is answered without the work of hashing.
    let probe = token.clone();
    if let Err(problem) = db.run(move |c| links::check(c, &probe, now)).await? {
        return Ok(Err(problem));
    }
    let mut errors = FieldErrors::new();
    check_new_password(&input.new_password, &input.new_password_again, &mut errors);
    errors.into_result()?;
    let new = input.new_password;
    let new_hash = off_connection(move || password::hash(&new)).await??;
    let mail = mail.clone();
    db.run(move |c| {
        db::write_tx(c, |c| {
            // Again inside the transaction: of two uses at once, one wins.
            let (link, user) = match links::check(c, &token, now)? {
                Ok(found) => found,
                Err(problem) => return Ok(Err(problem)),
            };
            if !link_store::mark_used(c, &link.id, now.naive_utc())? {
                return Ok(Err(LinkProblem::Used));
            }
            if !users::replace_password_hash(c, &user.id, &user.password_hash, &new_hash)? {
                return Err(AppError::Conflict(
                    "Lösenordet ändrades på annat håll samtidigt. Begär en ny länk och försök igen."
                        .into(),
                ));
            }
            after_new_password(c, &user, now)?;
            let actor = actor_for(c, &user)?;
            let (action, summary) = match link.purpose {
                LinkPurpose::Invitation => (
                    action::ACCOUNT_PASSWORD_SET,
                    format!(
                        "{} valde sitt lösenord med inbjudningslänken; kontot kan användas",
                        user.email
                    ),
                ),
                LinkPurpose::Reset => {
                    links::queue_changed_notice(c, &mail, &user, now)?;
                    (
                        action::ACCOUNT_PASSWORD_RESET,
                        format!(
                            "{} valde ett nytt lösenord med återställningslänken; andra inloggningar avslutades",
                            user.email
                        ),
                    )
                }
            };
            audit::record(
                c,
                Some(&actor),
                now,
                audit::Entry {
                    action,
                    entity_type: "user",
                    entity_id: Some(&user.id),
                    summary,
                    details: json!({ "link_sent_at": link.created_at }),
                },
            )?;
            Ok(Ok(LinkHolder {
                purpose: link.purpose,
                name: user.name,
                email: user.email,
            }))
        })
    })
    .await
}

/// Someone asks for a reset link for an address. Whatever the address, the caller answers
/// the same: whether it has an account is never told. A link goes out only to an active
/// account, and at most once per `RESET_INTERVAL`; only a sent link is recorded, so a
/// flood of requests fills neither a mailbox nor the audit trail.
pub fn request_reset(
    conn: &mut DbConnection,
    email: &str,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let email = normalise_email(email);
    if email.is_empty() || email.chars().count() > MAX_EMAIL_LENGTH {
        return Ok(());
    }
    db::write_tx(conn, |conn| {
        let Some(user) = users::find_by_email(conn, &email)? else {
            return Ok(());
        };
        if !user.active {
            return Ok(());
        }
        let recent = link_store::latest_sent(conn, &user.id, LinkPurpose::Reset)?
            .is_some_and(|sent| sent > (now - RESET_INTERVAL).naive_utc());
        if recent {
            tracing::info!(
                user_id = %user.id,
                "reset link not sent: one was sent within the last minutes"
            );
            return Ok(());
        }
        let link = links::issue(conn, &user, LinkPurpose::Reset, None, now)?;
        links::queue_reset(conn, mail, &user, &link, now)?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::ACCOUNT_RESET_REQUESTED,
                entity_type: "user",
                entity_id: Some(&user.id),
                summary: format!(
                    "Länk för nytt lösenord skickad till {} på begäran från inloggningssidan",
                    user.email
                ),
                details: json!({ "email": user.email, "expires_at": link.expires.naive_utc() }),
            },
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_typed_twice_with_the_length_rules() {
        let check = |new: &str, again: &str| {
            let mut errors = FieldErrors::new();
            check_new_password(new, again, &mut errors);
            errors
        };
        assert!(check("ett långt lösenord", "ett långt lösenord").is_empty());
        assert!(check("kort", "kort").get("new_password").is_some());
        assert!(
            check(&"x".repeat(crate::accounts::MAX_PASSWORD_LENGTH + 1), "")
                .get("new_password")
                .is_some()
        );
        assert!(
            check("ett långt lösenord", "ett annat lösenord")
                .get("new_password_again")
                .is_some_and(|m| m.contains("inte lika"))
        );
        assert!(check("", "").get("new_password").is_some());
    }

    #[test]
    fn a_session_belongs_to_the_person_named_in_its_state() {
        let state = r#"{"user_id":"\"abc\"","csrf":"\"t\""}"#;
        assert!(session_belongs_to(state, "abc"));
        assert!(!session_belongs_to(state, "ab"));
        assert!(!session_belongs_to(r#"{"csrf":"\"abc\""}"#, "abc"));
        assert!(session_belongs_to("not json abc", "abc"));
    }
}
