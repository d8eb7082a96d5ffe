//! New people are invited: their account is made without a password, and an e-mailed
//! one-time link lets them choose their own. No one who adds a person ever sees or types
//! that person's password.
//!
//! Who may manage an account (send a new invitation, deactivate, reactivate): the
//! administrator, any account but their own; an organisation's representative (who may
//! sign for it), their own organisation's people who may not sign. Who may sign is the
//! administrator's to decide, so a representative cannot lock out another signatory.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::links::{self, MailContext};
use super::{Actor, NewAccount, create_account};
use crate::audit::{self, action};
use crate::codes::Role;
use crate::db::account_links::LinkPurpose;
use crate::db::accounts::{self as users, User};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Whether `actor` may manage `user`'s account. Nobody manages their own this way.
pub fn may_manage(actor: &Actor, user: &User) -> bool {
    if actor.user_id == user.id {
        return false;
    }
    match actor.role {
        Role::Admin => true,
        Role::Applicant => {
            actor.is_signatory
                && user.role == Role::Applicant
                && !user.is_signatory
                && user.organisation_id.is_some()
                && user.organisation_id == actor.organisation_id
        }
        _ => false,
    }
}

/// The account `user_id`, if `actor` may manage it. A refusal is recorded, and answered so
/// that it tells no one outside the organisation that the account exists. Call it outside
/// the transaction of the change, so that the record of a refusal stays.
pub fn managed_user(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let user = users::find(conn, user_id)?;
    if let Some(user) = &user
        && may_manage(actor, user)
    {
        return Ok(user.clone());
    }
    audit::record_denied(conn, actor, now, "user", Some(user_id), what)?;
    match user {
        Some(user) if user.id == actor.user_id => Err(AppError::Refused(
            "Du kan inte göra det med ditt eget konto. Be myndighetens administratör.".into(),
        )),
        Some(user)
            if actor.role == Role::Applicant
                && user.organisation_id.is_some()
                && user.organisation_id == actor.organisation_id =>
        {
            Err(AppError::Refused(if actor.is_signatory {
                "Kontot för den som får skriva under för organisationen hanteras av myndighetens administratör.".into()
            } else {
                "Bara organisationens företrädare kan hantera kollegornas konton.".into()
            }))
        }
        _ => Err(AppError::NotFound),
    }
}

/// Sends a person an invitation link (any earlier link of theirs becomes void) and
/// records it. Runs inside the caller's transaction.
pub fn send_invitation(
    conn: &mut DbConnection,
    by: &Actor,
    user: &User,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let link = links::issue(conn, user, LinkPurpose::Invitation, Some(&by.user_id), now)?;
    let organisation = match &user.organisation_id {
        Some(id) => db::organisations::find(conn, id)?.map(|o| o.name),
        None => None,
    };
    links::queue_invitation(
        conn,
        mail,
        user,
        &by.name,
        organisation.as_deref(),
        &link,
        now,
    )?;
    audit::record(
        conn,
        Some(by),
        now,
        audit::Entry {
            action: action::ACCOUNT_INVITED,
            entity_type: "user",
            entity_id: Some(&user.id),
            summary: format!(
                "Inbjudan att välja lösenord skickad till {} ({}), giltig till {}",
                user.name,
                user.email,
                crate::clock::format_stockholm(link.expires.naive_utc())
            ),
            details: json!({
                "email": user.email,
                "expires_at": link.expires.naive_utc(),
            }),
        },
    )?;
    Ok(())
}

/// A member of the agency's staff to invite, as typed.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct StaffInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// The administrator invites a member of the agency's staff (applicants are added under
/// their organisation instead).
pub fn invite_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &StaffInput,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    if !crate::access::can_manage_accounts(actor) {
        audit::record_denied(conn, actor, now, "user", None, "bjuda in personal")?;
        return Err(AppError::Forbidden);
    }
    if Role::parse(input.role.trim()) == Some(Role::Applicant) {
        return Err(AppError::invalid(
            "role",
            "Sökande läggs till under sin organisation: välj organisationen i listan nedan.",
        ));
    }
    db::write_tx(conn, |conn| {
        let user = create_account(
            conn,
            Some(actor),
            &NewAccount {
                email: input.email.clone(),
                name: input.name.clone(),
                role: input.role.clone(),
                org_number: None,
                is_signatory: false,
                password: None,
            },
            now,
        )?;
        send_invitation(conn, actor, &user, mail, now)?;
        Ok(user)
    })
}

/// Sends a new invitation to someone who has not yet chosen a password; the old link dies.
pub fn resend(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    managed_user(conn, actor, user_id, "skicka en ny inbjudan", now)?;
    db::write_tx(conn, |conn| {
        let user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
        if !user.active {
            return Err(AppError::Conflict(format!(
                "Kontot för {} är inaktiverat. Återaktivera det först.",
                user.email
            )));
        }
        if !user.awaits_password() {
            return Err(AppError::Conflict(format!(
                "{} har redan valt ett lösenord. Den som har glömt sitt lösenord begär en ny länk under \"Glömt lösenordet?\" på inloggningssidan.",
                user.name
            )));
        }
        send_invitation(conn, actor, &user, mail, now)?;
        Ok(user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org: Option<&str>, signatory: bool) -> Actor {
        Actor {
            user_id: "actor".into(),
            email: "a@example.org".into(),
            name: "A".into(),
            role,
            organisation_id: org.map(str::to_string),
            organisation_name: None,
            is_signatory: signatory,
        }
    }

    fn user(id: &str, role: Role, org: Option<&str>, signatory: bool) -> User {
        User {
            id: id.into(),
            email: "u@example.org".into(),
            name: "U".into(),
            password_hash: String::new(),
            role,
            organisation_id: org.map(str::to_string),
            is_signatory: signatory,
            active: true,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn a_representative_manages_only_their_own_organisations_colleagues() {
        let rep = actor(Role::Applicant, Some("skane"), true);
        assert!(may_manage(
            &rep,
            &user("u", Role::Applicant, Some("skane"), false)
        ));
        assert!(!may_manage(
            &rep,
            &user("u", Role::Applicant, Some("skane"), true)
        ));
        assert!(!may_manage(
            &rep,
            &user("u", Role::Applicant, Some("vgr"), false)
        ));
        assert!(!may_manage(&rep, &user("u", Role::Officer, None, false)));
        let colleague = actor(Role::Applicant, Some("skane"), false);
        assert!(!may_manage(
            &colleague,
            &user("u", Role::Applicant, Some("skane"), false)
        ));
    }

    #[test]
    fn the_administrator_manages_everyone_but_themselves_and_staff_no_one() {
        let admin = actor(Role::Admin, None, false);
        assert!(may_manage(&admin, &user("u", Role::Officer, None, false)));
        assert!(!may_manage(
            &admin,
            &user("actor", Role::Admin, None, false)
        ));
        let officer = actor(Role::Officer, None, false);
        assert!(!may_manage(
            &officer,
            &user("u", Role::Applicant, Some("skane"), false)
        ));
    }
}
