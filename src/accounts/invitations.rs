//! New people are invited: their account is made without a password, and an e-mailed
//! one-time link lets them choose their own. No one who adds a person ever sees or types
//! that person's password.
//!
//! Who may manage an account: the administrator, the agency's staff (send a new invitation,
//! deactivate, reactivate) but not their own account and no one outside the agency; an
//! organisation's people, the colleagues whose role they may give (`access::ORG_MATRIX`:
//! the ombud representatives and uppgiftssamordnare, a representative
//! uppgiftssamordnare), to send a new invitation or remove them from the organisation.
//! Nobody manages the ombud: a new ombudsansökan replaces them.

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
        Role::Admin => user.role != Role::Applicant,
        Role::Applicant => match (&user.organisation_id, user.org_role) {
            (Some(org), Some(role)) if user.role == Role::Applicant => {
                crate::access::may_manage_org_role(actor, org, role)
            }
            _ => false,
        },
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
            Err(AppError::Refused(match user.org_role {
                Some(crate::codes::OrgRole::Ombud) => "Organisationens ombud kan inte tas bort här. Ett nytt ombud ersätter det gamla när myndigheten har godkänt en ny ombudsansökan.".into(),
                Some(crate::codes::OrgRole::Representative) => "Bara organisationens ombud kan hantera representanter.".into(),
                _ => "Bara organisationens ombud och representanter kan hantera uppgiftssamordnare.".into(),
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
            "Personer utanför myndigheten får sin roll av organisationens ombud eller representant, och ombudet efter en ombudsansökan. Här bjuds bara myndighetens personal in.",
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
                org_role: None,
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

    use crate::codes::OrgRole;

    fn actor(role: Role, org: Option<&str>, org_role: Option<OrgRole>) -> Actor {
        Actor {
            user_id: "actor".into(),
            email: "a@example.org".into(),
            name: "A".into(),
            role,
            organisation_id: org.map(str::to_string),
            organisation_name: None,
            org_role,
            pin_masked: None,
        }
    }

    fn user(id: &str, role: Role, org: Option<&str>, org_role: Option<OrgRole>) -> User {
        User {
            id: id.into(),
            email: "u@example.org".into(),
            name: "U".into(),
            password_hash: String::new(),
            role,
            organisation_id: org.map(str::to_string),
            org_role,
            active: true,
            created_at: chrono::NaiveDateTime::default(),
            pin_hash: None,
            pin_masked: None,
        }
    }

    const OMBUD: Option<OrgRole> = Some(OrgRole::Ombud);
    const REP: Option<OrgRole> = Some(OrgRole::Representative);
    const COORD: Option<OrgRole> = Some(OrgRole::Coordinator);

    #[test]
    fn organisations_manage_only_their_own_people_as_the_matrix_says() {
        let ombud = actor(Role::Applicant, Some("skane"), OMBUD);
        let rep = actor(Role::Applicant, Some("skane"), REP);
        let coord = actor(Role::Applicant, Some("skane"), COORD);
        let skane = |r| user("u", Role::Applicant, Some("skane"), r);
        assert!(may_manage(&ombud, &skane(REP)));
        assert!(may_manage(&ombud, &skane(COORD)));
        assert!(!may_manage(&ombud, &skane(OMBUD)));
        assert!(!may_manage(&rep, &skane(REP)));
        assert!(may_manage(&rep, &skane(COORD)));
        assert!(!may_manage(&coord, &skane(COORD)));
        assert!(!may_manage(
            &ombud,
            &user("u", Role::Applicant, Some("vgr"), REP)
        ));
        assert!(!may_manage(&ombud, &user("u", Role::Officer, None, None)));
    }

    #[test]
    fn the_administrator_manages_staff_but_not_themselves_nor_anyone_outside() {
        let admin = actor(Role::Admin, None, None);
        assert!(may_manage(&admin, &user("u", Role::Officer, None, None)));
        assert!(!may_manage(&admin, &user("actor", Role::Admin, None, None)));
        assert!(!may_manage(
            &admin,
            &user("u", Role::Applicant, Some("skane"), REP)
        ));
        assert!(!may_manage(&admin, &user("u", Role::Applicant, None, None)));
        let officer = actor(Role::Officer, None, None);
        assert!(!may_manage(
            &officer,
            &user("u", Role::Applicant, Some("skane"), REP)
        ));
    }
}
