//! Logging in with an e-mail address and a password.
//!
//! In order, so that a storm of wrong guesses costs little and leaves little behind:
//! 1. lengths are checked before anything else (nothing hashed, nothing stored);
//! 2. the throttle refuses an account or a client address under a lockout, before the
//!    account is read or the hash is touched, whether or not the account exists (its
//!    counts are in the database, shared by every instance: `accounts::throttle`);
//! 3. the account is read, the connection returned, and the password verified on the
//!    bounded hashing pool (a dummy verification for no account, for equal timing);
//! 4. the audit trail gets the first wrong password of a run and one entry per lockout,
//!    at most [`throttle::AUDIT_ENTRIES_PER_MINUTE`] a minute, never one per attempt;
//! 5. the account holder is e-mailed once when a run of wrong passwords locks the account.

use std::net::IpAddr;
use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::links::MailContext;
use super::throttle::{Attempt, Locked, Note, Throttle};
use super::{Actor, MAX_PASSWORD_LENGTH, actor_for, normalise_email, password};
use crate::audit::{self, action};
use crate::clock::format_stockholm;
use crate::db::accounts::{self as store, User};
use crate::db::{self, Db, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::outbox;

/// The longest e-mail address there is (RFC 5321 with RFC 3696's correction): anything
/// longer is refused before any work.
pub const MAX_EMAIL_LENGTH: usize = 254;

/// Where an attempt comes from, and the throttle it answers to.
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    pub throttle: &'a Arc<Throttle>,
    pub address: IpAddr,
}

impl Gate<'_> {
    /// Before a password is checked: refused (429) under a lockout.
    pub async fn begin(
        &self,
        db: &Db,
        normalised_email: &str,
        now: DateTime<Utc>,
    ) -> Result<Attempt, AppError> {
        let (throttle, address) = (self.throttle.clone(), self.address);
        let email = normalised_email.to_string();
        db.run(move |c| throttle.begin(c, &email, address, now))
            .await?
            .map_err(|locked| too_many(locked, now))
    }

    /// The password was right.
    pub async fn succeeded(&self, db: &Db, attempt: Attempt) -> Result<(), AppError> {
        let throttle = self.throttle.clone();
        db.run(move |c| throttle.succeeded(c, &attempt)).await
    }

    /// The password could not be checked: the attempt counts for nothing. (If even that
    /// cannot be stored, the count stands: one failure too many, on the safe side.)
    pub async fn abandoned(&self, db: &Db, attempt: Attempt) {
        let throttle = self.throttle.clone();
        if let Err(e) = db.run(move |c| throttle.abandoned(c, &attempt)).await {
            e.log_if_internal("login throttle");
        }
    }
}

/// The answer under a lockout: the same text whether or not the account exists.
pub fn too_many(locked: Locked, now: DateTime<Utc>) -> AppError {
    AppError::TooManyAttempts {
        retry_after: locked.retry_after_seconds(now),
        message: locked.message(now),
    }
}

/// What is wrong with a login's input that needs no work to see: empty or over-long fields.
pub fn check_input(email: &str, password: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let email = email.trim();
    if email.is_empty() {
        errors.add("email", "Ange din e-postadress.");
    } else if email.len() > MAX_EMAIL_LENGTH && email.chars().count() > MAX_EMAIL_LENGTH {
        errors.add(
            "email",
            format!(
                "E-postadressen är för lång. En e-postadress har högst {MAX_EMAIL_LENGTH} tecken."
            ),
        );
    }
    if password.is_empty() {
        errors.add("password", "Ange ditt lösenord.");
    } else if password.len() > password::MAX_PASSWORD_BYTES {
        errors.add(
            "password",
            format!(
                "Lösenordet är för långt. Ett lösenord har högst {MAX_PASSWORD_LENGTH} tecken."
            ),
        );
    }
    errors
}

/// Checks an e-mail address and password. A wrong pair is `Unauthenticated` (which half was
/// wrong is never told), a lockout `TooManyAttempts`, bad input `Invalid`.
pub async fn log_in(
    db: &Db,
    gate: Gate<'_>,
    mail: &MailContext,
    email: &str,
    password_input: String,
    now: DateTime<Utc>,
) -> Result<Actor, AppError> {
    check_input(email, &password_input).into_result()?;
    let email = normalise_email(email);
    let attempt = gate.begin(db, &email, now).await?;
    let user = match check_password(db, &email, password_input).await {
        Ok(Ok(user)) => user,
        Ok(Err(user)) => {
            // The failure's counts, its audit entries and the warning in one transaction.
            let (mail, address, throttle) = (mail.clone(), gate.address, gate.throttle.clone());
            let locked = db
                .run(move |c| {
                    db::write_tx(c, |c| {
                        let failure = throttle.failed(c, &attempt, now)?;
                        let tell = failure
                            .tell_holder
                            .filter(|_| user.as_ref().is_some_and(|u| u.active));
                        record_failure(c, &failure.notes, &email, user.as_ref(), address, now)?;
                        if let (Some(locked), Some(user)) = (tell, user.as_ref()) {
                            queue_warning(c, &mail, user, locked, now)?;
                        }
                        Ok::<_, AppError>(failure.locked)
                    })
                })
                .await?;
            return Err(match locked {
                Some(locked) => too_many(locked, now),
                None => AppError::Unauthenticated,
            });
        }
        Err(e) => {
            gate.abandoned(db, attempt).await;
            return Err(e);
        }
    };
    let throttle = gate.throttle.clone();
    db.run(move |c| {
        throttle.succeeded(c, &attempt)?;
        let actor = actor_for(c, &user)?;
        audit::record(
            c,
            Some(&actor),
            now,
            audit::Entry {
                action: action::LOGIN,
                entity_type: "user",
                entity_id: Some(&actor.user_id),
                summary: format!("Inloggning: {}", actor.email),
                details: json!({}),
            },
        )?;
        Ok(actor)
    })
    .await
}

/// The account the password opens, or else the account with the address if there is one.
/// The account is read (and the connection returned) first, then the password verified off
/// the connection. An inactive account is verified too, for equal timing, and opens nothing.
async fn check_password(
    db: &Db,
    email: &str,
    password_input: String,
) -> Result<Result<User, Option<User>>, AppError> {
    let key = email.to_string();
    let user = db
        .run(move |c| store::find_by_email(c, &key).map_err(AppError::from))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = password::off_connection(move || {
        password::verify_or_dummy(&password_input, stored.as_deref())
    })
    .await?;
    Ok(match user {
        Some(user) if matches && user.active => Ok(user),
        other => Err(other),
    })
}

fn until_text(until: DateTime<Utc>) -> String {
    format_stockholm(until.naive_utc())
}

/// The audit entries the throttle admitted for one wrong password.
fn record_failure(
    conn: &mut DbConnection,
    notes: &[Note],
    email: &str,
    user: Option<&User>,
    address: IpAddr,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let user_id = user.map(|u| u.id.as_str());
    let address = address.to_string();
    for note in notes {
        let entry = match note {
            Note::FirstFailure => audit::Entry {
                action: action::LOGIN_FAILED,
                entity_type: "user",
                entity_id: user_id,
                summary: format!("Misslyckad inloggning för {email}"),
                details: json!({ "email": email, "address": address }),
            },
            Note::AccountLocked {
                failures,
                refused,
                until,
            } => audit::Entry {
                action: action::LOGIN_THROTTLED,
                entity_type: "user",
                entity_id: user_id,
                summary: format!(
                    "Inloggning för {email} spärrad till {} efter {failures} misslyckade försök i följd ({refused} försök nekade under tidigare spärr)",
                    until_text(*until)
                ),
                details: json!({
                    "email": email,
                    "address": address,
                    "failures": failures,
                    "refused_while_locked": refused,
                    "locked_until": until.naive_utc(),
                }),
            },
            Note::AddressLocked {
                failures,
                refused,
                until,
            } => audit::Entry {
                action: action::LOGIN_THROTTLED,
                entity_type: "client_address",
                entity_id: Some(&address),
                summary: format!(
                    "Inloggningar från adressen {address} spärrade till {} efter {failures} misslyckade försök ({refused} försök nekade under tidigare spärr)",
                    until_text(*until)
                ),
                details: json!({
                    "address": address,
                    "failures": failures,
                    "refused_while_locked": refused,
                    "locked_until": until.naive_utc(),
                }),
            },
            Note::NotItemised { count, from } => audit::Entry {
                action: action::LOGIN_FAILURES_SUMMARISED,
                entity_type: "user",
                entity_id: None,
                summary: format!(
                    "Ytterligare {count} misslyckade inloggningar och spärrar under minuten från {} är inte loggade var för sig",
                    until_text(*from)
                ),
                details: json!({ "count": count, "minute_from": from.naive_utc() }),
            },
        };
        audit::record(conn, None, now, entry)?;
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "email/login_throttled.txt")]
struct WarningMail<'a> {
    agency: &'a str,
    contact: &'a crate::agency::Contact,
    name: &'a str,
    email: &'a str,
    at: &'a str,
    until: &'a str,
    forgot: &'a str,
}

/// Tells the holder that wrong passwords locked their account (once per run of them).
fn queue_warning(
    conn: &mut DbConnection,
    mail: &MailContext,
    user: &User,
    locked: Locked,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let body = WarningMail {
        agency: &mail.agency,
        contact: &mail.contact,
        name: &user.name,
        email: &user.email,
        at: &format_stockholm(now.naive_utc()),
        until: &until_text(locked.until),
        forgot: &format!("{}/glomt-losenord", mail.links.base),
    }
    .render()
    .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))?;
    outbox::queue(
        conn,
        now,
        outbox::About::account(outbox::kind::LOGIN_WARNING),
        &user.email,
        &format!(
            "Många felaktiga inloggningsförsök på ditt konto i {}s e-tjänst för statsbidrag",
            mail.agency
        ),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_before_anything_else() {
        assert!(check_input("a@b.se", "lösenord").is_empty());
        let long_email = format!("{}@b.se", "a".repeat(MAX_EMAIL_LENGTH));
        assert!(
            check_input(&long_email, "x")
                .get("email")
                .is_some_and(|m| m.contains("254"))
        );
        // 254 characters of which some take two bytes are still allowed.
        let wide = format!("{}@b.se", "å".repeat(MAX_EMAIL_LENGTH - 5));
        assert!(check_input(&wide, "x").is_empty());
        let long_password = "x".repeat(password::MAX_PASSWORD_BYTES + 1);
        assert!(
            check_input("a@b.se", &long_password)
                .get("password")
                .is_some_and(|m| m.contains("för långt"))
        );
        assert!(check_input(" ", "").get("email").is_some());
    }
}
