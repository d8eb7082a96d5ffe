//! Several people per organisation. Every applicant of an organisation sees and works on its
//! drafts; the organisation's representative (who may sign for it) submits. The
//! administrator, or a representative for their own organisation, adds people.
//!
//! A representative adds colleagues without the right to sign: who may sign for an
//! organisation is decided by the agency's administrator, who checks the authority.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::invitations;
use super::links::MailContext;
use super::{Actor, NewAccount, create_account};
use crate::audit;
use crate::codes::Role;
use crate::db::accounts::User;
use crate::db::organisations::Organisation;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::forms;

/// A person to add, as typed.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MemberInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// Only the administrator may give the right to sign.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = bool)]
    pub signatory: String,
}

/// The people of an organisation, for those who may see them.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<(Organisation, Vec<User>), AppError> {
    let organisation = db::organisations::find(conn, organisation_id)?.ok_or(AppError::NotFound)?;
    let allowed =
        actor.role == Role::Admin || actor.organisation_id.as_deref() == Some(organisation_id);
    if !allowed {
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

/// Adds a person to an organisation. The account opens only when the person has chosen
/// their own password through the e-mailed invitation link; whoever added them never sees
/// or types it.
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
    let is_admin = actor.role == Role::Admin;
    let is_own_representative = actor.role == Role::Applicant
        && actor.is_signatory
        && actor.organisation_id.as_deref() == Some(organisation_id);
    if !is_admin && !is_own_representative {
        audit::record_denied(
            conn,
            actor,
            now,
            "organisation",
            Some(organisation_id),
            "lägga till en person i en organisation",
        )?;
        return Err(
            if actor.organisation_id.as_deref() == Some(organisation_id) {
                AppError::Refused(
                    "Bara organisationens företrädare kan lägga till personer.".into(),
                )
            } else {
                AppError::NotFound
            },
        );
    }
    db::write_tx(conn, |conn| {
        let wants_signatory = forms::truthy(&input.signatory);
        if wants_signatory && !is_admin {
            return Err(AppError::invalid(
                "signatory",
                "Rätten att skriva under för organisationen ges av myndighetens administratör.",
            ));
        }
        let created = create_account(
            conn,
            Some(actor),
            &NewAccount {
                email: input.email.clone(),
                name: input.name.clone(),
                role: Role::Applicant.as_str().to_string(),
                org_number: Some(organisation.org_number.clone()),
                is_signatory: wants_signatory,
                password: None,
            },
            now,
        );
        // Only the administrator learns whether an address already has an account: to a
        // region it would tell who else uses the service.
        let user = match created {
            Err(AppError::Invalid(errors))
                if !is_admin
                    && errors
                        .get("email")
                        .is_some_and(|m| m.starts_with("Det finns redan")) =>
            {
                return Err(AppError::invalid(
                    "email",
                    "Den e-postadressen kan inte användas här. Om personen redan har ett konto, kontakta myndighetens administratör.",
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
                action: audit::action::MEMBER_ADDED,
                entity_type: "organisation",
                entity_id: Some(&organisation.id),
                summary: format!(
                    "{} lade till {} ({}) i {}{}",
                    actor.name,
                    user.name,
                    user.email,
                    organisation.name,
                    if user.is_signatory {
                        ", med rätt att skriva under"
                    } else {
                        ""
                    }
                ),
                details: serde_json::json!({ "user_id": user.id, "is_signatory": user.is_signatory }),
            },
        )?;
        Ok(user)
    })
}
