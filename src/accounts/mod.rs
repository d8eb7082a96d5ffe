//! Accounts: who people are, how they prove it, what role they hold.

pub mod activation;
pub mod credentials;
pub mod invitation_eid;
pub mod invitations;
pub mod links;
pub mod login;
pub mod members;
pub mod oidc;
pub mod password;
pub mod people;
pub mod session_store;
pub mod throttle;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use validator::ValidateEmail;

use crate::access::OrgAction;
use crate::audit::{self, action};
use crate::codes::{OrgRole, Role};
use crate::db::accounts::{self as store, User};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::orgnr::OrgNumber;

/// The person behind a request, as the rules see them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The organisation an applicant acts for; none for the agency's own staff.
    pub organisation_id: Option<String>,
    pub organisation_name: Option<String>,
    /// Their role in that organisation (ombud, representative, coordinator).
    pub org_role: Option<OrgRole>,
    /// Their personal identity number, masked, when they have logged in with
    /// e-legitimation.
    pub pin_masked: Option<String>,
}

impl Actor {
    /// Whether they may do `action` for the organisation they act for.
    pub fn may(&self, action: OrgAction) -> bool {
        self.organisation_id
            .as_deref()
            .is_some_and(|org| crate::access::may_for_organisation(self, org, action))
    }

    fn from_user(user: &User, organisation_name: Option<String>) -> Actor {
        Actor {
            user_id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            organisation_id: user.organisation_id.clone(),
            organisation_name,
            org_role: user.org_role,
            pin_masked: user.pin_masked.clone(),
        }
    }
}

/// How a person proved who they were when they submitted an application or a report,
/// recorded with the submission: with their password, or with a fresh e-legitimation (and
/// then the identity provider's assurance level, its `acr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signed {
    /// `password` or `e-legitimation`.
    pub method: &'static str,
    pub loa: Option<String>,
}

impl Signed {
    pub const PASSWORD: &'static str = "password";
    pub const E_LEGITIMATION: &'static str = "e-legitimation";

    /// Logged in with a password (the local accounts): the login is the proof.
    pub fn password() -> Signed {
        Signed {
            method: Signed::PASSWORD,
            loa: None,
        }
    }

    pub fn e_legitimation(loa: Option<String>) -> Signed {
        Signed {
            method: Signed::E_LEGITIMATION,
            loa,
        }
    }

    /// In words, for receipts and the case history: "med e-legitimation (tillitsnivå …)".
    pub fn in_words(method: Option<&str>, loa: Option<&str>) -> String {
        match (method, loa) {
            (Some(Signed::E_LEGITIMATION), Some(loa)) => {
                format!("med e-legitimation (tillitsnivå {loa})")
            }
            (Some(Signed::E_LEGITIMATION), None) => "med e-legitimation".into(),
            (Some(Signed::PASSWORD), _) => "inloggad med lösenord".into(),
            _ => String::new(),
        }
    }
}

/// The active account with that ID, as an actor.
pub fn load_actor(conn: &mut DbConnection, user_id: &str) -> Result<Option<Actor>, AppError> {
    let Some(user) = store::find(conn, user_id)? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    actor_for(conn, &user).map(Some)
}

fn actor_for(conn: &mut DbConnection, user: &User) -> Result<Actor, AppError> {
    let organisation_name = match &user.organisation_id {
        Some(id) => db::organisations::find(conn, id)?.map(|o| o.name),
        None => None,
    };
    Ok(Actor::from_user(user, organisation_name))
}

/// Every account and organisation, for the administrator.
#[derive(Debug, Clone, Serialize)]
pub struct AccountsOverview {
    pub users: Vec<(User, Option<String>)>,
    pub organisations: Vec<db::organisations::Organisation>,
}

pub fn overview(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<AccountsOverview, AppError> {
    if !crate::access::can_manage_accounts(actor) {
        audit::record_denied(conn, actor, now, "user", None, "se kontoadministrationen")?;
        return Err(AppError::Forbidden);
    }
    let organisations = db::organisations::list(conn)?;
    let users = store::list(conn)?
        .into_iter()
        .map(|u| {
            let org = u.organisation_id.as_ref().and_then(|id| {
                organisations
                    .iter()
                    .find(|o| &o.id == id)
                    .map(|o| o.name.clone())
            });
            (u, org)
        })
        .collect();
    Ok(AccountsOverview {
        users,
        organisations,
    })
}

pub const MIN_PASSWORD_LENGTH: usize = 12;
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// A request to create an account, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: String,
    pub org_number: Option<String>,
    /// The role in that organisation (with `org_number` only).
    pub org_role: Option<OrgRole>,
    /// The password the person chose themselves (the command line, the demo accounts).
    /// `None` makes an account that no password opens until its owner chooses one through
    /// an invitation link: no one else ever knows it.
    pub password: Option<String>,
}

/// What is wrong with a new password's length, if anything (the one rule for every way a
/// password is chosen).
pub fn password_length_error(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        Some(format!(
            "Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken."
        ))
    } else if length > MAX_PASSWORD_LENGTH {
        Some(format!(
            "Lösenordet får ha högst {MAX_PASSWORD_LENGTH} tecken."
        ))
    } else {
        None
    }
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks a new account against every rule that needs no database; returns the parsed role.
fn validate_new_account(input: &NewAccount) -> Result<(Role, Option<OrgNumber>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = normalise_email(&input.email);
    if email.is_empty() {
        errors.add("email", "Ange en e-postadress.");
    } else if !email.validate_email() {
        errors.add(
            "email",
            "Ange en giltig e-postadress, till exempel namn@region.se.",
        );
    }
    if input.name.trim().is_empty() {
        errors.add("name", "Ange personens namn.");
    } else if input.name.chars().count() > 200 {
        errors.add("name", "Namnet får vara högst 200 tecken.");
    }
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        errors.add(
            "role",
            format!(
                "Okänd roll \"{}\". Välj en av: {}.",
                input.role.trim(),
                Role::codes()
            ),
        );
    }
    let org_number = match input
        .org_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => match OrgNumber::parse(raw) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.add("org", e.to_string());
                None
            }
        },
        None => None,
    };
    match role {
        Some(Role::Applicant) if org_number.is_some() && input.org_role.is_none() => {
            errors.add("org_role", "Ange personens roll i organisationen.");
        }
        Some(Role::Applicant) if org_number.is_none() && input.org_role.is_some() => {
            errors.add(
                "org",
                "En roll i en organisation kräver organisationens organisationsnummer.",
            );
        }
        Some(r) if r != Role::Applicant && (org_number.is_some() || input.org_role.is_some()) => {
            errors.add(
                "org",
                "Bara sökande hör till en organisation; myndighetens personal gör det inte.",
            );
        }
        _ => {}
    }
    if let Some(message) = input.password.as_deref().and_then(password_length_error) {
        errors.add("password", message);
    }
    match (errors.is_empty(), role) {
        (true, Some(role)) => Ok((role, org_number)),
        _ => Err(errors),
    }
}

/// Creates an account. `by` is the administrator, or `None` from the command line and
/// the fixture loader. Runs inside the caller's transaction.
pub fn create_account(
    conn: &mut DbConnection,
    by: Option<&Actor>,
    input: &NewAccount,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let (role, org_number) = validate_new_account(input).map_err(AppError::Invalid)?;
    let email = normalise_email(&input.email);
    let organisation = match &org_number {
        Some(number) => Some(
            db::organisations::find_by_number(conn, number.as_str())?.ok_or_else(|| {
                AppError::invalid(
                    "org",
                    format!("Det finns ingen organisation med organisationsnummer {number}."),
                )
            })?,
        ),
        None => None,
    };
    if store::find_by_email(conn, &email)?.is_some() {
        return Err(AppError::invalid(
            "email",
            format!("Det finns redan ett konto med e-postadressen {email}."),
        ));
    }
    let user = User {
        id: db::new_id(),
        email: email.clone(),
        name: input.name.trim().to_string(),
        password_hash: match &input.password {
            Some(chosen) => password::hash(chosen)?,
            None => String::new(),
        },
        role,
        organisation_id: organisation.as_ref().map(|o| o.id.clone()),
        org_role: organisation.as_ref().and(input.org_role),
        active: true,
        created_at: now.naive_utc(),
        pin_hash: None,
        pin_masked: None,
    };
    store::insert(conn, &user)?;
    let org_text = match (&organisation, user.org_role) {
        (Some(o), Some(r)) => format!(", {} för {}", r.label().to_lowercase(), o.name),
        _ => String::new(),
    };
    audit::record(
        conn,
        by,
        now,
        audit::Entry {
            action: action::ACCOUNT_CREATED,
            entity_type: "user",
            entity_id: Some(&user.id),
            summary: format!(
                "Konto skapat: {email} ({}){org_text}",
                role.label().to_lowercase()
            ),
            details: json!({
                "email": email,
                "role": role.as_str(),
                "organisation_id": user.organisation_id,
                "org_role": user.org_role.map(|r| r.as_str()),
            }),
        },
    )?;
    Ok(user)
}

pub fn record_logout(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::LOGOUT,
            entity_type: "user",
            entity_id: Some(&actor.user_id),
            summary: format!("Utloggning: {}", actor.email),
            details: json!({}),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(role: &str, org: Option<&str>) -> NewAccount {
        NewAccount {
            email: "Anna@Region.se ".into(),
            name: "Anna".into(),
            role: role.into(),
            org_number: org.map(str::to_string),
            org_role: org.map(|_| OrgRole::Representative),
            password: Some("ett långt lösenord".into()),
        }
    }

    #[test]
    fn applicants_may_act_for_an_organisation_and_staff_for_none() {
        assert!(validate_new_account(&input("applicant", Some("232100-0255"))).is_ok());
        // Someone who has logged in but acts for no organisation yet.
        assert!(validate_new_account(&input("applicant", None)).is_ok());
        let mut without_role = input("applicant", Some("232100-0255"));
        without_role.org_role = None;
        let errors = validate_new_account(&without_role).err();
        assert!(errors.is_some_and(|e| e.get("org_role").is_some()));
        let errors = validate_new_account(&input("officer", Some("232100-0255"))).err();
        assert!(errors.is_some_and(|e| e.get("org").is_some()));
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let errors = validate_new_account(&input("superuser", None)).err();
        assert!(errors.is_some_and(|e| e.get("role").is_some_and(|m| m.contains("officer"))));
        let errors = validate_new_account(&input("applicant", Some("232100-0256"))).err();
        assert!(
            errors.is_some_and(|e| e.get("org").is_some_and(|m| m.contains("kontrollsiffran")))
        );
        let mut short = input("officer", None);
        short.password = Some("kort".into());
        assert!(
            validate_new_account(&short)
                .err()
                .is_some_and(|e| e.get("password").is_some())
        );
    }
}
