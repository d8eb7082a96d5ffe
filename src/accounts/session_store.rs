//! Server-side sessions for actix-session, kept in the database: a restart logs no one out,
//! logging out ends the session on the server, and the database holds only a hash of each
//! session key.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::clock::SharedClock;
use crate::db::{self, Db, DbError};

type SessionState = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: SharedClock,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: SharedClock) -> DbSessionStore {
        DbSessionStore { db, clock }
    }

    fn expiry(&self, ttl: &Duration) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
        let now: DateTime<Utc> = self.clock.now();
        let expires = now + chrono::Duration::seconds(ttl.whole_seconds());
        (now.naive_utc(), expires.naive_utc())
    }
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
        let now = self.clock.now().naive_utc();
        let state = self
            .db
            .run(move |c| db::sessions::load(c, &key_hash, now).map_err(DbError::from))
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
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        let key_hash = hash_key(&key);
        let (now, expires) = self.expiry(ttl);
        self.db
            .run(move |c| {
                // New sessions are rare enough that sweeping expired ones here keeps the
                // table small without a separate job.
                db::sessions::delete_expired(c, now)?;
                db::sessions::insert(c, &key_hash, &json, expires, now).map_err(DbError::from)
            })
            .await
            .map_err(|e: DbError| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let key_hash = hash_key(session_key.as_ref());
        let (_, expires) = self.expiry(ttl);
        let updated = self
            .db
            .run(move |c| db::sessions::update(c, &key_hash, &json, expires).map_err(DbError::from))
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated == 0 {
            // The session ended meanwhile (logged out elsewhere, or swept): start afresh
            // rather than resurrect it under the old key.
            self.save(session_state, ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            })
        } else {
            Ok(session_key)
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let key_hash = hash_key(session_key.as_ref());
        let (_, expires) = self.expiry(ttl);
        self.db
            .run(move |c| db::sessions::update_expiry(c, &key_hash, expires).map_err(DbError::from))
            .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let key_hash = hash_key(session_key.as_ref());
        self.db
            .run(move |c| db::sessions::delete(c, &key_hash).map_err(DbError::from))
            .await?;
        Ok(())
    }
}
