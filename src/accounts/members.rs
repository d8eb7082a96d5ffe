//! The people of an organisation and their roles (issue 14). An organisation acts through
//! one ombud, approved by the agency on an ombudsansökan (`crate::ombud`); the ombud invites
//! representatives and uppgiftssamordnare, a representative invites uppgiftssamordnare
//! (`access::ORG_MATRIX`). Nobody gives themselves a role, and the agency's administrator
//! gives none: they manage the agency's own staff.
//!
//! Removing a person ends their role and their sessions at once; their account stays
//! theirs (they may be invited again, or apply to become an ombud).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::credentials::end_sessions;
use super::invitations;
use super::links::MailContext;
use super::{Actor, NewAccount, create_account};
use crate::access::{self, OrgAction};
use crate::audit::{self, action};
use crate::codes::{OrgRole, Role};
use crate::db::accounts::{self as users, User};
use crate::db::organisations::Organisation;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// A person to invite, as typed.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MemberInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// `representative` or `coordinator`.
    #[serde(default)]
    pub role: String,
}

/// Who may see an organisation's people: its own people, and the agency's case staff (who
/// check who acts for whom when they handle an ombudsansökan or a case).
fn may_list(actor: &Actor, organisation_id: &str) -> bool {
    access::is_case_staff(actor)
        || (actor.role == Role::Applicant
            && actor.organisation_id.as_deref() == Some(organisation_id)
            && actor.org_role.is_some())
}

/// The people of an organisation, for those who may see them.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<(Organisation, Vec<User>), AppError> {
    let organisation = db::organisations::find(conn, organisation_id)?.ok_or(AppError::NotFound)?;
    if !may_list(actor, organisation_id) {
        audit::record_denied(
            conn,
            actor,
            now,
            "organisation",
            Some(organisation_id),
            "se en organisations personer",
        )?;
        return Err(AppError::NotFound);
    }
    let people = db::accounts::all_of_organisation(conn, organisation_id)?;
    Ok((organisation, people))
}

/// The roles `actor` may give in `organisation_id`, in the order a form lists them.
pub fn roles_to_give(actor: &Actor, organisation_id: &str) -> Vec<OrgRole> {
    [OrgRole::Representative, OrgRole::Coordinator]
        .into_iter()
        .filter(|role| access::may_manage_org_role(actor, organisation_id, *role))
        .collect()
}

fn refuse(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    what: &str,
    action: OrgAction,
    now: DateTime<Utc>,
) -> Result<AppError, AppError> {
    audit::record_denied(
        conn,
        actor,
        now,
        "organisation",
        Some(organisation_id),
        what,
    )?;
    Ok(
        if actor.role == Role::Applicant
            && actor.organisation_id.as_deref() == Some(organisation_id)
        {
            AppError::Refused(access::org_refusal(actor, action).unwrap_or_default())
        } else {
            AppError::NotFound
        },
    )
}

/// Invites a person to a role in the organisation. The account opens when the person has
/// logged in with e-legitimation or chosen their own password through the e-mailed link;
/// whoever invited them never sees or types it.
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    input: &MemberInput,
    now: DateTime<Utc>,
    mail: &MailContext,
) -> Result<User, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    let organisation = db::organisations::find(conn, organisation_id)?.ok_or(AppError::NotFound)?;
    let givable = roles_to_give(actor, organisation_id);
    if givable.is_empty() {
        return Err(refuse(
            conn,
            actor,
            organisation_id,
            "bjuda in en person till en organisation",
            OrgAction::ManageCoordinators,
            now,
        )?);
    }
    let role = match OrgRole::parse(input.role.trim()) {
        Some(role) if givable.contains(&role) => role,
        Some(role) => {
            audit::record_denied(
                conn,
                actor,
                now,
                "organisation",
                Some(organisation_id),
                &format!("bjuda in en {}", role.label().to_lowercase()),
            )?;
            return Err(AppError::invalid(
                "role",
                match role {
                    OrgRole::Ombud => "Ombudet godkänns av myndigheten efter en ombudsansökan; det går inte att bjuda in någon som ombud.".to_string(),
                    _ => access::org_refusal(actor, OrgAction::ManageRepresentatives)
                        .unwrap_or_default(),
                },
            ));
        }
        None => {
            return Err(AppError::invalid(
                "role",
                format!(
                    "Välj en roll: {}.",
                    givable
                        .iter()
                        .map(|r| r.label().to_lowercase())
                        .collect::<Vec<_>>()
                        .join(" eller ")
                ),
            ));
        }
    };
    db::write_tx(conn, |conn| {
        let created = create_account(
            conn,
            Some(actor),
            &NewAccount {
                email: input.email.clone(),
                name: input.name.clone(),
                role: Role::Applicant.as_str().to_string(),
                org_number: Some(organisation.org_number.clone()),
                org_role: Some(role),
                password: None,
            },
            now,
        );
        // Whether an address already has an account is not told: it would tell who else
        // uses the service.
        let user = match created {
            Err(AppError::Invalid(errors))
                if errors
                    .get("email")
                    .is_some_and(|m| m.starts_with("Det finns redan")) =>
            {
                return Err(AppError::invalid(
                    "email",
                    "Den e-postadressen kan inte användas här. Om personen redan har ett konto i e-tjänsten, kontakta myndigheten.",
                ));
            }
            other => other?,
        };
        invitations::send_invitation(conn, actor, &user, mail, now)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::MEMBER_ADDED,
                entity_type: "organisation",
                entity_id: Some(&organisation.id),
                summary: format!(
                    "{} bjöd in {} ({}) som {} i {}",
                    actor.name,
                    user.name,
                    user.email,
                    role.label().to_lowercase(),
                    organisation.name,
                ),
                details: json!({ "user_id": user.id, "org_role": role.as_str() }),
            },
        )?;
        Ok(user)
    })
}

/// Removes a person from the organisation: their role ends, and with it every session of
/// theirs, at once. The ombud is not removed this way (a new ombudsansökan replaces them).
pub fn remove(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let user = invitations::managed_user(
        conn,
        actor,
        user_id,
        "ta bort en person ur en organisation",
        now,
    )?;
    let Some(organisation_id) = user.organisation_id.clone() else {
        return Err(AppError::NotFound);
    };
    db::write_tx(conn, |conn| {
        let current = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
        // A colleague removed them a moment ago: nothing more to do.
        if current.organisation_id.as_deref() != Some(organisation_id.as_str()) {
            return Ok(current);
        }
        let role = current.org_role;
        users::set_membership(conn, user_id, None)?;
        let ended = end_sessions(conn, user_id)?;
        let organisation = db::organisations::find(conn, &organisation_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::MEMBER_REMOVED,
                entity_type: "organisation",
                entity_id: Some(&organisation_id),
                summary: format!(
                    "{} tog bort {} ({}) ur {}; {ended} inloggning(ar) avslutades",
                    actor.name,
                    current.name,
                    role.map(|r| r.label().to_lowercase()).unwrap_or_default(),
                    organisation,
                ),
                details: json!({
                    "user_id": current.id,
                    "org_role": role.map(|r| r.as_str()),
                    "sessions_ended": ended,
                }),
            },
        )?;
        Ok(User {
            organisation_id: None,
            org_role: None,
            ..current
        })
    })
}

/// The ombud removes the organisation from the e-service: every role in it ends, and every
/// session of its people. Its cases stay as they are; a new ombudsansökan brings it back.
pub fn remove_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let organisation = db::organisations::find(conn, organisation_id)?.ok_or(AppError::NotFound)?;
    if !access::may_for_organisation(actor, organisation_id, OrgAction::RemoveOrganisation) {
        return Err(refuse(
            conn,
            actor,
            organisation_id,
            "ta bort organisationen ur e-tjänsten",
            OrgAction::RemoveOrganisation,
            now,
        )?);
    }
    db::write_tx(conn, |conn| {
        let people = users::all_of_organisation(conn, organisation_id)?;
        let mut ended = 0;
        for person in &people {
            users::set_membership(conn, &person.id, None)?;
            ended += end_sessions(conn, &person.id)?;
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::ORGANISATION_REMOVED,
                entity_type: "organisation",
                entity_id: Some(organisation_id),
                summary: format!(
                    "{} tog bort {} ur e-tjänsten; {} person(er) förlorade sin roll, {ended} inloggning(ar) avslutades",
                    actor.name,
                    organisation.name,
                    people.len()
                ),
                details: json!({
                    "people": people.iter().map(|p| &p.id).collect::<Vec<_>>(),
                    "sessions_ended": ended,
                }),
            },
        )?;
        Ok(people.len())
    })
}
