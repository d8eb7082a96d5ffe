//! Taking up an invitation with e-legitimation instead of a password (issue 14). The link
//! from the e-mail names the invited account; the identity provider names the person. The
//! two are joined once, in one transaction with using up the link:
//!
//! - nobody has the person's number yet: it is tied to the invited account, which opens;
//! - the person already has an account of their own that acts for no organisation (they
//!   logged in before, or applied to become an ombud): the invited role moves to that
//!   account, and the invited one, never used, is closed, so one person stays one account;
//! - the person's account already acts for an organisation, or is the agency's staff (or an
//!   account invited as staff meets an e-legitimation while staff may not log in that way):
//!   refused, with what to do, and nothing changes.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::links::{self, LinkProblem};
use super::oidc::VerifiedPerson;
use super::{Actor, actor_for};
use crate::audit::{self, action};
use crate::codes::Role;
use crate::db::account_links::{self as link_store, LinkPurpose};
use crate::db::accounts as users;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// How taking up the invitation ended.
#[derive(Debug)]
pub enum Accepted {
    /// Logged in as this person, with the invited role.
    Done(Actor),
    /// The link cannot be used (the reason, in words for the person).
    Link(LinkProblem),
    /// Not joined; the message says why and what to do.
    Refused(String),
}

pub fn accept(
    conn: &mut DbConnection,
    token: &str,
    person: &VerifiedPerson,
    key: &[u8],
    staff_login: bool,
    now: DateTime<Utc>,
) -> Result<Accepted, AppError> {
    let pin_hash = person.pin.recognition_key(key);
    let masked = person.pin.masked();
    db::write_tx(conn, |c| {
        let (link, invited) = match links::check(c, token, now)? {
            Ok(found) => found,
            Err(problem) => return Ok(Accepted::Link(problem)),
        };
        if link.purpose != LinkPurpose::Invitation {
            return Ok(Accepted::Link(LinkProblem::Unknown));
        }
        if invited.role != Role::Applicant && !staff_login {
            return Ok(Accepted::Refused(
                "Myndighetens personal loggar inte in med e-legitimation här. Välj ett lösenord med länken i stället.".into(),
            ));
        }
        let existing = users::find_by_pin_hash(c, &pin_hash)?;
        let account = match existing {
            None => {
                if !users::set_pin(c, &invited.id, &pin_hash, &masked)? {
                    return Ok(Accepted::Refused(
                        "Inbjudan är redan knuten till en annan e-legitimation. Be den som bjöd in dig om en ny inbjudan.".into(),
                    ));
                }
                users::User {
                    pin_hash: Some(pin_hash.clone()),
                    pin_masked: Some(masked.clone()),
                    ..invited.clone()
                }
            }
            Some(own) if own.id == invited.id => own,
            Some(own)
                if own.active
                    && own.role == Role::Applicant
                    && invited.role == Role::Applicant
                    && own.organisation_id.is_none() =>
            {
                // The invited account was never used: its role moves to the person's own.
                let (Some(org), Some(role)) = (invited.organisation_id.clone(), invited.org_role)
                else {
                    return Ok(Accepted::Refused(
                        "Inbjudan gäller inte längre någon roll i en organisation.".into(),
                    ));
                };
                users::set_membership(c, &invited.id, None)?;
                users::set_active(c, &invited.id, false)?;
                users::set_membership(c, &own.id, Some((&org, role)))?;
                users::User {
                    organisation_id: Some(org),
                    org_role: Some(role),
                    ..own
                }
            }
            Some(own) => {
                let what = match (&own.organisation_id, own.role) {
                    (Some(_), _) => {
                        "som redan företräder en organisation i e-tjänsten. Ett konto företräder en organisation i taget"
                    }
                    (None, Role::Applicant) if !own.active => "som är inaktiverat",
                    _ => "som hör till myndighetens personal",
                };
                return Ok(Accepted::Refused(format!(
                    "Din e-legitimation hör redan till ett annat konto, {what}. Kontakta den som bjöd in dig."
                )));
            }
        };
        if !link_store::mark_used(c, &link.id, now.naive_utc())? {
            return Ok(Accepted::Link(LinkProblem::Used));
        }
        let actor = actor_for(c, &account)?;
        audit::record(
            c,
            Some(&actor),
            now,
            audit::Entry {
                action: action::ACCOUNT_INVITATION_ACCEPTED_EID,
                entity_type: "user",
                entity_id: Some(&account.id),
                summary: format!(
                    "{} tog emot inbjudan med e-legitimation ({masked}){}",
                    account.email,
                    if account.id == invited.id {
                        String::new()
                    } else {
                        format!(
                            "; rollen fördes till personens eget konto och inbjudningskontot {} stängdes",
                            invited.email
                        )
                    }
                ),
                details: json!({
                    "invited_user_id": invited.id,
                    "pin_masked": masked,
                    "loa": person.loa,
                }),
            },
        )?;
        Ok(Accepted::Done(actor))
    })
}
