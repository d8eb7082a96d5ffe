//! Server-side sessions for actix-session, kept in the database: a restart logs no one out,
//! logging out ends the session on the server, and the database holds only a hash of each
//! session key.
//!
//! How long a session lives is decided here, not by actix-session:
//!
//! - **Idle**: a session unused for [`SessionSettings::idle`] (default 30 minutes) has
//!   ended. Its end (`expires_at`) is moved forward by [`DbSessionStore::load`] only when
//!   less than `idle − slack` remains, so a person clicking around causes at most one
//!   session write per `slack` (5 minutes), not one per request; the price is that a
//!   session may end up to `slack` before `idle` has passed since the very last request.
//!   That extension never waits for SQLite's write lock: when the lock is taken it is
//!   skipped and tried on a later request, so a logged-in read never waits for a writer.
//! - **Absolute**: a session begun more than [`SessionSettings::max`] ago (default 12
//!   hours) has ended, however busy. Logging in starts a new session (actix-session renews
//!   the key), so the time counts from the login.
//!
//! A form posted after either end is kept by the typed-text rescue (`web::stash`).
//!
//! Failing writes after the handler has run (saving a changed session, renewing the key,
//! ending it) are logged and not returned as errors: actix-session would otherwise throw
//! away the handler's answer and send an empty 500, although the handler's work is
//! committed. A failing *load*, before the handler, is an error, which
//! `http::session_unavailable` turns into a Swedish 503.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::clock::SharedClock;
use crate::db::{self, Db, DbError};

type SessionState = HashMap<String, String>;

/// How long sessions last (`SESSION_IDLE_MINUTES`, `SESSION_MAX_HOURS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Unused for this long, a session ends.
    pub idle: chrono::Duration,
    /// Begun this long ago, a session ends even in use.
    pub max: chrono::Duration,
}

pub const DEFAULT_IDLE_MINUTES: u32 = 30;
pub const DEFAULT_MAX_HOURS: u32 = 12;

impl Default for SessionSettings {
    fn default() -> SessionSettings {
        SessionSettings::new(DEFAULT_IDLE_MINUTES, DEFAULT_MAX_HOURS)
    }
}

impl SessionSettings {
    pub fn new(idle_minutes: u32, max_hours: u32) -> SessionSettings {
        SessionSettings {
            idle: chrono::Duration::minutes(i64::from(idle_minutes.max(1))),
            max: chrono::Duration::hours(i64::from(max_hours.max(1))),
        }
    }

    /// How much of the idle time may pass unrecorded: 5 minutes, or a sixth of a short idle
    /// time.
    fn slack(&self) -> chrono::Duration {
        std::cmp::min(chrono::Duration::minutes(5), self.idle / 6)
    }

    /// Whether a session that ends at `expires_at` is due to be extended at `now`.
    fn due_for_extension(&self, expires_at: NaiveDateTime, now: NaiveDateTime) -> bool {
        expires_at - now < self.idle - self.slack()
    }
}

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: SharedClock,
    settings: SessionSettings,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: SharedClock, settings: SessionSettings) -> DbSessionStore {
        DbSessionStore {
            db,
            clock,
            settings,
        }
    }

    /// Now, and the idle end of a session used now. (actix-session's own TTL is not used:
    /// the settings decide.)
    fn expiry(&self) -> (NaiveDateTime, NaiveDateTime) {
        let now: DateTime<Utc> = self.clock.now();
        (now.naive_utc(), (now + self.settings.idle).naive_utc())
    }

    async fn insert(&self, session_state: &SessionState) -> Result<SessionKey, SaveError> {
        let json =
            serde_json::to_string(session_state).map_err(|e| SaveError::Serialization(e.into()))?;
        let user_id = user_of(session_state);
        let key = new_key();
        let key_hash = hash_key(&key);
        let (now, expires) = self.expiry();
        let session_key = SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))?;
        let stored = self
            .db
            .run(move |c| {
                // New sessions are rare enough that sweeping expired ones here keeps the
                // table small without a separate job.
                db::sessions::delete_expired(c, now)?;
                db::sessions::insert(c, &key_hash, &json, user_id.as_deref(), expires, now)
                    .map_err(DbError::from)
            })
            .await;
        if let Err(e) = stored {
            // The browser gets a key that leads nowhere: its next request is simply not
            // logged in. Better than replacing the handler's answer with an empty 500.
            tracing::error!(error = %e, "session could not be saved; the answer goes out without it");
        }
        Ok(session_key)
    }
}

/// The logged-in person of a session's state, for the indexed `user_id` column
/// (actix-session keeps each value as JSON text).
fn user_of(state: &SessionState) -> Option<String> {
    state
        .get(crate::http::SESSION_USER)
        .and_then(|value| serde_json::from_str::<String>(value).ok())
}

fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn new_key() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(64)
        .map(char::from)
        .collect()
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key_hash = hash_key(session_key.as_ref());
        let (now, extended) = self.expiry();
        let born_after = now - self.settings.max;
        let settings = self.settings;
        let busy_timeout = self.db.timeout();
        let state = self
            .db
            .run(move |c| {
                let Some(session) = db::sessions::load(c, &key_hash, now, born_after)? else {
                    return Ok::<_, DbError>(None);
                };
                if settings.due_for_extension(session.expires_at, now) {
                    // Skipped, not waited for, when a writer holds SQLite's lock: the next
                    // request tries again, and the session has minutes left.
                    let result = db::without_waiting(c, busy_timeout, |c| {
                        db::sessions::update_expiry(c, &key_hash, extended)
                    });
                    if let Err(e) = result {
                        tracing::info!(error = %e, "session extension skipped");
                    }
                }
                Ok(Some(session.state))
            })
            .await
            .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?;
        match state {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(
        &self,
        session_state: SessionState,
        _ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        self.insert(&session_state).await
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        _ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let user_id = user_of(&session_state);
        let key_hash = hash_key(session_key.as_ref());
        let (_, expires) = self.expiry();
        let updated = self
            .db
            .run(move |c| {
                db::sessions::update(c, &key_hash, &json, user_id.as_deref(), expires)
                    .map_err(DbError::from)
            })
            .await;
        match updated {
            // The session ended meanwhile (logged out elsewhere, or swept): start afresh
            // rather than resurrect it under the old key.
            Ok(0) => self.insert(&session_state).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            }),
            Ok(_) => Ok(session_key),
            Err(e) => {
                // The handler's work is done and committed; its answer goes out. What the
                // session lost (a new CSRF token, say) is asked for again by the next form.
                tracing::error!(error = %e, "session could not be updated; the answer goes out without it");
                Ok(session_key)
            }
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, _ttl: &Duration) -> anyhow::Result<()> {
        // Not called with `TtlExtensionPolicy::OnStateChanges`; extending is `load`'s work.
        // Kept correct in case it is: the same rule, never an error for the answer.
        let key_hash = hash_key(session_key.as_ref());
        let (_, expires) = self.expiry();
        if let Err(e) = self
            .db
            .run(move |c| db::sessions::update_expiry(c, &key_hash, expires).map_err(DbError::from))
            .await
        {
            tracing::error!(error = %e, "session could not be extended");
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let key_hash = hash_key(session_key.as_ref());
        if let Err(e) = self
            .db
            .run(move |c| db::sessions::delete(c, &key_hash).map_err(DbError::from))
            .await
        {
            // The browser's cookie is removed all the same; the row ends by itself at its
            // idle time.
            tracing::error!(error = %e, "session could not be deleted; it ends at its idle time");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> NaiveDateTime {
        chrono::DateTime::UNIX_EPOCH.naive_utc() + chrono::Duration::minutes(minute)
    }

    #[test]
    fn a_session_is_extended_only_when_the_slack_is_used_up() {
        let settings = SessionSettings::default();
        // Extended at minute 0 until minute 30: not again before minute 5.
        assert!(!settings.due_for_extension(at(30), at(0)));
        assert!(!settings.due_for_extension(at(30), at(5)));
        assert!(settings.due_for_extension(at(30), at(6)));
        // A short idle time keeps a sixth of it as slack.
        let short = SessionSettings::new(6, 12);
        assert!(!short.due_for_extension(at(6), at(1)));
        assert!(short.due_for_extension(at(6), at(2)));
    }
}
