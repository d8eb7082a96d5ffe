//! Password hashing with argon2id (the argon2 crate's default algorithm and parameters,
//! which follow the OWASP recommendation).
//!
//! Each hash or verification takes about 19 MiB and tens of milliseconds of one core. Work
//! for requests goes through [`off_connection`]: on a blocking thread, at most one per core
//! at a time, never while a database connection is held. Without the bound a storm of
//! logins ran hundreds at once and left gigabytes behind.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Passwords longer than this (in bytes) are refused before any work. Far above any
/// password one may choose (256 characters, at most 1 024 bytes in UTF-8).
pub const MAX_PASSWORD_BYTES: usize = 1024;
// Every password one may choose fits (at most four bytes a character).
const _: () = assert!(4 * super::MAX_PASSWORD_LENGTH <= MAX_PASSWORD_BYTES);

/// One permit per core: that many hashes at once use every core, more only queue in memory.
fn permits() -> &'static Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Arc::new(Semaphore::new(cores))
    })
}

/// Runs password work on a blocking thread once a permit is free; the permit goes with the
/// work, so a request given up by its client still holds it until the hash is done.
pub async fn off_connection<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let permit = permits()
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(format!("password work permit: {e}")))?;
    actix_web::rt::task::spawn_blocking(move || {
        let result = work();
        drop(permit);
        result
    })
    .await
    .map_err(|e| AppError::Internal(format!("password work: {e}")))
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// True when the password matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Does the work of a verification against a hash no one knows the password of.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(hash) = DUMMY.get_or_init(|| self::hash("no account has this password").ok()) {
        let _ = verify(password, hash);
    }
}

/// Checks a password against an account's stored hash, or, for no account, spends the same
/// time on a hash no one knows (so that timing does not tell which addresses have accounts).
pub fn verify_or_dummy(password: &str, stored_hash: Option<&str>) -> bool {
    match stored_hash {
        Some(hash) => verify(password, hash),
        None => {
            verify_dummy(password);
            false
        }
    }
}

/// A random password for demo accounts: 16 letters and digits, without the ones people
/// confuse (0/O, 1/l/I).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("x", "not a hash"));
        assert!(verify_or_dummy("correct horse battery", Some(&h)));
        assert!(!verify_or_dummy("correct horse battery", None));
    }

    #[test]
    fn generated_passwords_are_long_enough() {
        let p = generate();
        assert_eq!(p.chars().count(), 16);
        assert!(p.chars().count() >= super::super::MIN_PASSWORD_LENGTH);
    }
}
