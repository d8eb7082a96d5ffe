//! People who log in with e-legitimation: recognised by a keyed hash of their personal
//! identity number (`users.pin_hash`, HMAC-SHA256 under a server secret kept in the
//! database), shown by its masked form (`users.pin_masked`, "19800101-****"). The number
//! itself is never stored, logged or written to the audit trail.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::ValidateEmail;

use super::login::MAX_EMAIL_LENGTH;
use super::oidc::{OidcSettings, VerifiedPerson};
use super::{Actor, actor_for, normalise_email};
use crate::audit::{self, action};
use crate::codes::Role;
use crate::db::accounts::{self as store, User};
use crate::db::{self, DbConnection, DbError};
use crate::error::{AppError, FieldErrors};

/// The name of the server secret that keys the hash of personal identity numbers.
pub const RECOGNITION_SECRET: &str = "pin_recognition";

/// The key of the keyed hash (made once, kept in the database: every instance and every
/// restart recognises the same people).
pub fn recognition_key(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<u8>, AppError> {
    let secret = db::secrets::get_or_create(conn, RECOGNITION_SECRET, now.naive_utc(), || {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    })
    .map_err(DbError::from)?;
    hex::decode(secret)
        .map_err(|e| AppError::Internal(format!("stored {RECOGNITION_SECRET} secret: {e}")))
}

/// How a login with e-legitimation ends.
#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    /// The person has an account: logged in as this actor.
    Known(Actor),
    /// Nobody has that number yet: the person chooses an e-mail address on the first-login
    /// page, which makes their account.
    New,
    /// The account exists but may not log in this way; the Swedish message says why.
    Refused(String),
}

/// Finds the person's account by the keyed hash of their number and records the login (or
/// the refusal) in the audit trail, with the number masked.
pub fn sign_in(
    conn: &mut DbConnection,
    person: &VerifiedPerson,
    key: &[u8],
    settings: &OidcSettings,
    now: DateTime<Utc>,
) -> Result<SignIn, AppError> {
    let pin_hash = person.pin.recognition_key(key);
    let masked = person.pin.masked();
    db::write_tx(conn, |c| {
        let Some(user) = store::find_by_pin_hash(c, &pin_hash)? else {
            return Ok(SignIn::New);
        };
        let refusal = if !user.active {
            Some((
                "inactive",
                "Ditt konto är inaktiverat. Kontakta oss om du behöver komma åt det.",
            ))
        } else if user.role != Role::Applicant && !settings.staff_login {
            Some((
                "staff_login_off",
                if settings.local_login {
                    "Myndighetens personal loggar inte in med e-legitimation här. Logga in med e-postadress och lösenord."
                } else {
                    "Myndighetens personal loggar inte in med e-legitimation här. Kontakta tjänstens administratör."
                },
            ))
        } else {
            None
        };
        if let Some((reason, message)) = refusal {
            audit::record(
                c,
                None,
                now,
                audit::Entry {
                    action: action::EID_LOGIN_REFUSED,
                    entity_type: "user",
                    entity_id: Some(&user.id),
                    summary: format!(
                        "Inloggning med e-legitimation nekad för {} ({masked}): {}",
                        user.email,
                        match reason {
                            "inactive" => "kontot är inaktiverat",
                            _ => "personalens inloggning med e-legitimation är avstängd",
                        }
                    ),
                    details: json!({ "reason": reason, "pin_masked": masked }),
                },
            )?;
            return Ok(SignIn::Refused(message.to_string()));
        }
        let actor = actor_for(c, &user)?;
        record_login(c, &actor, &masked, person.loa.as_deref(), now)?;
        Ok(SignIn::Known(actor))
    })
}

fn record_login(
    conn: &mut DbConnection,
    actor: &Actor,
    masked: &str,
    loa: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::LOGIN,
            entity_type: "user",
            entity_id: Some(&actor.user_id),
            summary: format!("Inloggning med e-legitimation: {} ({masked})", actor.email),
            details: json!({
                "method": "e-legitimation",
                "loa": loa,
                "pin_masked": masked,
            }),
        },
    )?;
    Ok(())
}

/// A person the provider vouched for who has no account yet, as the session keeps them
/// until they have given an e-mail address: the keyed hash and the masked number, never
/// the number itself.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPerson {
    pin_hash: String,
    pub pin_masked: String,
    pub given_name: String,
    pub family_name: String,
    pub loa: Option<String>,
    pub verified_at: DateTime<Utc>,
}

impl std::fmt::Debug for NewPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPerson")
            .field("pin_masked", &self.pin_masked)
            .field("verified_at", &self.verified_at)
            .finish_non_exhaustive()
    }
}

/// How long the first-login page waits for the e-mail address after the e-legitimation.
pub const NEW_PERSON_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

impl NewPerson {
    pub fn new(person: &VerifiedPerson, key: &[u8], now: DateTime<Utc>) -> NewPerson {
        NewPerson {
            pin_hash: person.pin.recognition_key(key),
            pin_masked: person.pin.masked(),
            given_name: person.given_name.clone(),
            family_name: person.family_name.clone(),
            loa: person.loa.clone(),
            verified_at: now,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_string()
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.verified_at > NEW_PERSON_LIFETIME || now < self.verified_at
    }
}

/// What is wrong with the e-mail address typed on the first-login page, if anything.
pub fn check_email(email: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let email = normalise_email(email);
    if email.is_empty() {
        errors.add("email", "Ange din e-postadress.");
    } else if email.chars().count() > MAX_EMAIL_LENGTH {
        errors.add(
            "email",
            format!(
                "E-postadressen är för lång. En e-postadress har högst {MAX_EMAIL_LENGTH} tecken."
            ),
        );
    } else if !email.validate_email() {
        errors.add(
            "email",
            "Ange en giltig e-postadress, till exempel namn@exempel.se.",
        );
    }
    errors
}

/// Makes the account of a person at their first login with e-legitimation: an applicant
/// acting for no organisation yet, recognised by the hash of their number, with no password
/// (none opens it). Records the creation and the login.
pub fn create_person(
    conn: &mut DbConnection,
    person: &NewPerson,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Actor, AppError> {
    check_email(email).into_result()?;
    let email = normalise_email(email);
    db::write_tx(conn, |c| {
        if store::find_by_pin_hash(c, &person.pin_hash)?.is_some() {
            return Err(AppError::Conflict(
                "Det finns redan ett konto för ditt personnummer. Logga in igen med e-legitimation."
                    .to_string(),
            ));
        }
        if store::find_by_email(c, &email)?.is_some() {
            return Err(AppError::invalid(
                "email",
                "Det finns redan ett konto med den e-postadressen. Har du fått en inbjudan med e-post, använd länken i den. Annars anger du en annan adress.",
            ));
        }
        let name: String = person.full_name().chars().take(200).collect();
        let user = User {
            id: db::new_id(),
            email: email.clone(),
            name,
            password_hash: String::new(),
            role: Role::Applicant,
            organisation_id: None,
            org_role: None,
            active: true,
            created_at: now.naive_utc(),
            pin_hash: Some(person.pin_hash.clone()),
            pin_masked: Some(person.pin_masked.clone()),
        };
        store::insert(c, &user)?;
        let actor = actor_for(c, &user)?;
        audit::record(
            c,
            Some(&actor),
            now,
            audit::Entry {
                action: action::ACCOUNT_CREATED,
                entity_type: "user",
                entity_id: Some(&user.id),
                summary: format!(
                    "Konto skapat vid första inloggningen med e-legitimation: {email} ({}), sökande",
                    person.pin_masked
                ),
                details: json!({
                    "email": email,
                    "role": Role::Applicant.as_str(),
                    "method": "e-legitimation",
                    "pin_masked": person.pin_masked,
                }),
            },
        )?;
        record_login(c, &actor, &person.pin_masked, person.loa.as_deref(), now)?;
        Ok(actor)
    })
}

/// Whether the account's recognised number is the one the provider vouched for (signing:
/// only the logged-in person's own e-legitimation counts).
pub fn is_same_person(
    conn: &mut DbConnection,
    user_id: &str,
    person: &VerifiedPerson,
    key: &[u8],
) -> Result<bool, AppError> {
    let Some(user) = store::find(conn, user_id)? else {
        return Ok(false);
    };
    let hash = person.pin.recognition_key(key);
    Ok(user.pin_hash.as_deref().is_some_and(|stored| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            stored.as_bytes(),
            hash.as_bytes(),
        ))
    }))
}

/// Records a signature made with e-legitimation, or one refused because the e-legitimation
/// was another person's.
pub fn record_signature(
    conn: &mut DbConnection,
    actor: &Actor,
    person: &VerifiedPerson,
    accepted: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let masked = person.pin.masked();
    audit::record(
        conn,
        Some(actor),
        now,
        if accepted {
            audit::Entry {
                action: action::EID_SIGNED,
                entity_type: "user",
                entity_id: Some(&actor.user_id),
                summary: format!("Underskrift med e-legitimation: {} ({masked})", actor.email),
                details: json!({
                    "method": "e-legitimation",
                    "loa": person.loa,
                    "pin_masked": masked,
                }),
            }
        } else {
            audit::Entry {
                action: action::EID_SIGNATURE_REFUSED,
                entity_type: "user",
                entity_id: Some(&actor.user_id),
                summary: format!(
                    "Underskrift nekad: {} skrev under med en annan persons e-legitimation ({masked})",
                    actor.email
                ),
                details: json!({ "pin_masked": masked }),
            }
        },
    )?;
    Ok(())
}

/// Records an answer from the provider that failed verification (no number: none was
/// read from an answer that could not be trusted).
pub fn record_verification_failure(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        actor,
        now,
        audit::Entry {
            action: action::EID_VERIFICATION_FAILED,
            entity_type: "user",
            entity_id: actor.map(|a| a.user_id.as_str()),
            summary: format!("Svar från e-legitimationen underkändes: {detail}"),
            details: json!({ "reason": detail }),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_login_email_is_checked() {
        assert!(check_email("anna@region.se").is_empty());
        assert!(check_email(" Anna@Region.se ").is_empty());
        assert_eq!(check_email("").get("email"), Some("Ange din e-postadress."));
        assert!(
            check_email("inte en adress")
                .get("email")
                .is_some_and(|m| m.contains("giltig"))
        );
        let long = format!("{}@b.se", "a".repeat(MAX_EMAIL_LENGTH));
        assert!(
            check_email(&long)
                .get("email")
                .is_some_and(|m| m.contains("för lång"))
        );
    }

    #[test]
    fn a_new_person_keeps_no_number() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let person = VerifiedPerson {
            pin: crate::pin::PersonalNumber::parse("19121212-1212", today).unwrap(),
            given_name: "Tolvan".into(),
            family_name: "Tolvansson".into(),
            loa: None,
            auth_time: None,
        };
        let now: DateTime<Utc> = "2026-06-15T10:00:00Z".parse().unwrap();
        let new = NewPerson::new(&person, b"key", now);
        let kept = serde_json::to_string(&new).unwrap();
        assert!(!kept.contains("1212121212"), "{kept}");
        assert!(kept.contains("19121212-****"));
        assert!(!format!("{new:?}").contains(&person.pin.recognition_key(b"key")));
        assert_eq!(new.full_name(), "Tolvan Tolvansson");
        assert!(!new.expired(now + chrono::Duration::minutes(14)));
        assert!(new.expired(now + chrono::Duration::minutes(16)));
    }
}
