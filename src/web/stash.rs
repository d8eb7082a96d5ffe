//! Forms posted after the session ended. The person typed for a long time and their session
//! expired: the text is kept under a random token that only their browser gets (in the
//! address it is sent to after logging in), for a day, and can be picked up once.
//! Nothing is saved to the case until they save it themselves, logged in.
//!
//! A post without a session is kept only if it carries this browser's form key: a
//! `SameSite=Strict` cookie, set when the form is shown, whose value the form sends back. A
//! post forged by another site has neither, so it cannot plant text in someone's form.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

use crate::db::{self, DbConnection};
use crate::error::AppError;

const KEEP_FOR_HOURS: i64 = 24;
/// Anyone can post to a form; an unauthenticated post is kept only up to a size that no
/// real application reaches.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// At most this many forms are kept at once: anyone can post, so the store is bounded.
const MAX_STASHES: i64 = 10_000;
const FORM_KEY_COOKIE: &str = "statsbidrag_form";

fn random_token(len: usize) -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// This browser's form key, and the cookie to set when it has none yet.
pub fn form_key(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(cookie) = req.cookie(FORM_KEY_COOKIE)
        && cookie.value().len() == 32
    {
        return (cookie.value().to_string(), None);
    }
    let key = random_token(32);
    let cookie = Cookie::build(FORM_KEY_COOKIE, key.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::days(30))
        .finish();
    (key, Some(cookie))
}

/// Whether a post carries the form key of the browser it came from.
pub fn key_matches(req: &HttpRequest, posted: &str) -> bool {
    match req.cookie(FORM_KEY_COOKIE) {
        Some(cookie) => {
            !posted.is_empty() && bool::from(cookie.value().as_bytes().ct_eq(posted.as_bytes()))
        }
        None => false,
    }
}

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
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf_token" && k != "form_key")
        .collect();
    let body = serde_json::to_string(&kept)
        .map_err(|e| AppError::Internal(format!("stash encode: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(AppError::Unauthenticated);
    }
    let token = random_token(32);
    db::stashes::delete_older_than(conn, (now - Duration::hours(KEEP_FOR_HOURS)).naive_utc())?;
    if db::stashes::count(conn)? >= MAX_STASHES {
        return Err(AppError::Unauthenticated);
    }
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
