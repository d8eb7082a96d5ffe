//! Forms posted after the session ended. The person typed for a long time and their session
//! expired: the text is kept under a random token that only their browser gets (in the
//! address it is sent to after logging in), for a day, and can be picked up once.
//! Nothing is saved to the case until they save it themselves, logged in.
//!
//! Who may keep and take a form is bound to a **form key** that the server issues to a
//! logged-in person when it shows them a form: `<user id>.<random>.<HMAC>` in a
//! `SameSite=Strict` cookie, also sent back by the form. The HMAC (with a secret kept in the
//! database) means nobody can make a key of their own, so:
//!
//! - a post without a session is kept only when it carries a key the server issued, in both
//!   the cookie and the form (a post forged by another site has neither): nobody can fill
//!   the store anonymously;
//! - the kept form belongs to the person and the browser the key was issued to, and only
//!   that person, logged in again in that browser, can take it: a link with someone else's
//!   token plants nothing in a victim's form;
//! - each person has at most [`MAX_PER_PERSON`] kept forms, each at most
//!   [`MAX_BODY_BYTES`], and the whole store at most [`MAX_STASHES`].

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, web};
use subtle::ConstantTimeEq;

use crate::db::{self, DbConnection};
use crate::error::AppError;

pub const KEEP_FOR_HOURS: i64 = 24;
/// Far above any real form (the longest application is well under 200 000 characters).
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A person who is logged out again and again keeps only their newest forms.
pub const MAX_PER_PERSON: i64 = 20;
/// The whole store is bounded too.
const MAX_STASHES: i64 = 10_000;
/// The form key's cookie and how long a browser keeps it (the page about cookies names
/// both).
pub const FORM_KEY_COOKIE: &str = "statsbidrag_form";
pub const FORM_KEY_COOKIE_DAYS: i64 = 30;

/// The secret form keys are signed with (app data, made once and kept in the database).
#[derive(Clone)]
pub struct FormKeySecret(pub Vec<u8>);

/// A form key that the server issued and that this request shows: the person it was issued
/// to, and the hash of the key under which their forms are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub user_id: String,
    key_hash: String,
}

fn random_token(len: usize) -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn secret(req: &HttpRequest) -> Result<&[u8], AppError> {
    req.app_data::<web::Data<FormKeySecret>>()
        .map(|s| s.0.as_slice())
        .ok_or_else(|| AppError::Internal("form key secret missing".into()))
}

fn mac(secret: &[u8], user_id: &str, nonce: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(b"statsbidrag form key\0");
    mac.update(user_id.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    Some(mac)
}

/// The person a key was issued to, if the server issued it.
fn verify(secret: &[u8], key: &str) -> Option<Owner> {
    let mut parts = key.split('.');
    let (user_id, nonce, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || user_id.is_empty() || nonce.len() != 22 {
        return None;
    }
    let tag = hex::decode(tag).ok()?;
    mac(secret, user_id, nonce)?.verify_slice(&tag).ok()?;
    Some(Owner {
        user_id: user_id.to_string(),
        key_hash: hash(key),
    })
}

fn issue(secret: &[u8], user_id: &str) -> Result<String, AppError> {
    let nonce = random_token(22);
    let tag = mac(secret, user_id, &nonce)
        .ok_or_else(|| AppError::Internal("form key secret unusable".into()))?
        .finalize()
        .into_bytes();
    Ok(format!("{user_id}.{nonce}.{}", hex::encode(tag)))
}

/// This browser's form key for the logged-in person, and the cookie to set when the
/// browser has none for them yet.
pub fn form_key(
    req: &HttpRequest,
    user_id: &str,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    let secret = secret(req)?;
    if let Some(cookie) = req.cookie(FORM_KEY_COOKIE)
        && verify(secret, cookie.value()).is_some_and(|owner| owner.user_id == user_id)
    {
        return Ok((cookie.value().to_string(), None));
    }
    let key = issue(secret, user_id)?;
    let cookie = Cookie::build(FORM_KEY_COOKIE, key.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::days(
            FORM_KEY_COOKIE_DAYS,
        ))
        .finish();
    Ok((key, Some(cookie)))
}

/// The owner of a post made without a session: the key the form sent must be the
/// browser's own cookie, and one the server issued.
pub fn owner_of_post(req: &HttpRequest, posted: &str) -> Option<Owner> {
    let cookie = req.cookie(FORM_KEY_COOKIE)?;
    if posted.is_empty() || !bool::from(cookie.value().as_bytes().ct_eq(posted.as_bytes())) {
        return None;
    }
    verify(secret(req).ok()?, cookie.value())
}

/// The owner a logged-in person's request may take kept forms as: their own key in this
/// browser.
pub fn owner_for(req: &HttpRequest, user_id: &str) -> Option<Owner> {
    let cookie = req.cookie(FORM_KEY_COOKIE)?;
    verify(secret(req).ok()?, cookie.value()).filter(|owner| owner.user_id == user_id)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Keeps a posted form; returns the token for the link. `None` when it cannot be kept
/// (too large, or the store is full): the person is then simply sent to log in.
pub fn put(
    conn: &mut DbConnection,
    owner: &Owner,
    path: &str,
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    // The CSRF token of the ended session is worthless; do not keep it.
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf_token" && k != "form_key")
        .collect();
    let body = serde_json::to_string(&kept)
        .map_err(|e| AppError::Internal(format!("stash encode: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Ok(None);
    }
    let token = random_token(32);
    db::write_tx(conn, |c| {
        db::stashes::delete_older_than(c, (now - Duration::hours(KEEP_FOR_HOURS)).naive_utc())?;
        if db::stashes::count(c)? >= MAX_STASHES {
            return Ok(None);
        }
        db::stashes::insert(
            c,
            &db::stashes::NewStash {
                token_hash: &hash(&token),
                path,
                body: &body,
                user_id: &owner.user_id,
                key_hash: &owner.key_hash,
                created_at: now.naive_utc(),
            },
        )?;
        db::stashes::keep_newest_of_user(c, &owner.user_id, MAX_PER_PERSON)?;
        Ok(Some(token))
    })
}

/// Takes a kept form for this page, if the token is good, fresh, for this page, and kept
/// by this person in this browser.
pub fn take(
    conn: &mut DbConnection,
    owner: &Owner,
    token: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<(String, String)>>, AppError> {
    let Some(stash) = db::stashes::take(conn, &hash(token), &owner.user_id, &owner.key_hash)?
    else {
        return Ok(None);
    };
    if stash.path != path || stash.created_at < (now - Duration::hours(KEEP_FOR_HOURS)).naive_utc()
    {
        return Ok(None);
    }
    Ok(serde_json::from_str(&stash.body).ok())
}

/// Answers a post made without a session: keeps the form when it carries a key the server
/// issued, and sends the person to log in, coming back to the form (with the kept text,
/// when it was kept). A post with no good key keeps nothing.
pub async fn keep_and_log_in(
    state: &crate::http::State,
    req: &HttpRequest,
    pairs: Vec<(String, String)>,
    form_path: String,
) -> Result<actix_web::HttpResponse, super::WebError> {
    let posted = crate::forms::FormData::new(pairs.clone()).get("form_key");
    let Some(owner) = owner_of_post(req, &posted) else {
        return Err(AppError::Unauthenticated.into());
    };
    let now = state.clock.now();
    let target = form_path.clone();
    let token = state
        .db
        .run(move |c| put(c, &owner, &target, &pairs, now))
        .await?;
    let next = match token {
        Some(token) => format!("{form_path}?aterstall={token}"),
        None => form_path,
    };
    Ok(super::redirect(&format!(
        "/logga-in?next={}",
        super::format::url_encode(&next)
    )))
}

/// The form kept under `token` for this page, when the logged-in person kept it in this
/// browser; `None` otherwise (also when the token is someone else's).
pub async fn restore(
    state: &crate::http::State,
    req: &HttpRequest,
    user_id: &str,
    token: Option<String>,
    form_path: String,
) -> Result<Option<Vec<(String, String)>>, super::WebError> {
    let (Some(token), Some(owner)) = (token, owner_for(req, user_id)) else {
        return Ok(None);
    };
    let now = state.clock.now();
    Ok(state
        .db
        .run(move |c| take(c, &owner, &token, &form_path, now))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_the_server_issued_are_accepted() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let key = issue(secret, "user-1").unwrap();
        assert_eq!(
            verify(secret, &key).map(|o| o.user_id),
            Some("user-1".into())
        );
        // Another person's name on the same key, another secret, a made-up key: refused.
        let forged = key.replacen("user-1", "user-2", 1);
        assert_eq!(verify(secret, &forged), None);
        assert_eq!(verify(b"another secret", &key), None);
        assert_eq!(verify(secret, "user-1.aaaaaaaaaaaaaaaaaaaaaa.00"), None);
        assert_eq!(verify(secret, &"a".repeat(32)), None);
        assert_eq!(verify(secret, ""), None);
    }
}
