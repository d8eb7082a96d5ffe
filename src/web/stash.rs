//! Forms posted after the session ended. The person typed for a long time and their session
//! expired: the text is kept under a random token that only their browser gets (in the
//! address it is sent to after logging in), for a day, and can be picked up once.
//! Nothing is saved to the case until they save it themselves, logged in.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::db::{self, DbConnection};
use crate::error::AppError;

const KEEP_FOR_HOURS: i64 = 24;
/// Anyone can post to a form; an unauthenticated post is kept only up to a size that no
/// real application reaches.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Keeps a posted form; returns the token for the link.
pub fn put(
    conn: &mut DbConnection,
    path: &str,
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    // The CSRF token of the ended session is worthless; do not keep it.
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "csrf_token").collect();
    let body = serde_json::to_string(&kept)
        .map_err(|e| AppError::Internal(format!("stash encode: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(AppError::Unauthenticated);
    }
    let token: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    db::stashes::delete_older_than(conn, (now - Duration::hours(KEEP_FOR_HOURS)).naive_utc())?;
    db::stashes::insert(conn, &hash(&token), path, &body, now.naive_utc())?;
    Ok(token)
}

/// Takes a kept form for this page, if the token is good, fresh and for this page.
pub fn take(
    conn: &mut DbConnection,
    token: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<(String, String)>>, AppError> {
    let Some((stored_path, body, created_at)) = db::stashes::take(conn, &hash(token))? else {
        return Ok(None);
    };
    if stored_path != path || created_at < (now - Duration::hours(KEEP_FOR_HOURS)).naive_utc() {
        return Ok(None);
    }
    Ok(serde_json::from_str(&body).ok())
}
