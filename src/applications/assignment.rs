//! Each case's responsible officer (handläggare, issue 16): set and changed by officers,
//! every change in the audit trail; "Mina ärenden" lists an officer's own cases.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit::{self, action};
use crate::codes::Role;
use crate::db::applications::Application;
use crate::db::case_officers::{self, CaseOfficer};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// The most cases "Mina ärenden" lists at once.
pub const MY_CASES_LIMIT: i64 = 500;

/// Who may be made responsible: active officers (handläggare).
pub fn candidates(conn: &mut DbConnection) -> Result<Vec<db::accounts::User>, AppError> {
    Ok(db::accounts::list(conn)?
        .into_iter()
        .filter(|u| u.active && u.role == Role::Officer)
        .collect())
}

/// The case's responsible officer, by name, if it has one.
pub fn officer_of(
    conn: &mut DbConnection,
    application_id: &str,
) -> Result<Option<db::accounts::User>, AppError> {
    Ok(match case_officers::of_case(conn, application_id)? {
        Some(row) => db::accounts::find(conn, &row.officer_id)?,
        None => None,
    })
}

/// Makes `officer_id` responsible for the case ("" leaves it with none). Only officers
/// change it; the case must have arrived (a draft is the applicant's own); the officer must
/// be an active officer without a declared conflict of interest in the case.
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    officer_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<db::accounts::User>, AppError> {
    if actor.role != Role::Officer {
        // Recorded before the transaction: a refusal must stay on record.
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(application_id),
            "ändra ärendets handläggare",
        )?;
        return Err(AppError::Forbidden);
    }
    db::write_tx(conn, |conn| {
        let application: Application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if application.submitted_at.is_none() {
            return Err(AppError::NotFound);
        }
        let before = officer_of(conn, application_id)?;
        let officer_id = officer_id.trim();
        let after = if officer_id.is_empty() {
            None
        } else {
            let chosen = db::accounts::find(conn, officer_id)?
                .filter(|u| u.active && u.role == Role::Officer)
                .ok_or_else(|| AppError::invalid("officer_id", "Välj en handläggare i listan."))?;
            if db::assessments::has_conflict(conn, application_id, &chosen.id)? {
                return Err(AppError::invalid(
                    "officer_id",
                    format!(
                        "{} har anmält jäv i ärendet och kan inte vara dess handläggare.",
                        chosen.name
                    ),
                ));
            }
            Some(chosen)
        };
        if before.as_ref().map(|u| &u.id) == after.as_ref().map(|u| &u.id) {
            return Ok(after);
        }
        match &after {
            Some(officer) => case_officers::set(
                conn,
                &CaseOfficer {
                    application_id: application_id.to_string(),
                    officer_id: officer.id.clone(),
                    assigned_at: now.naive_utc(),
                    assigned_by: actor.user_id.clone(),
                },
            )?,
            None => {
                case_officers::remove(conn, application_id)?;
            }
        }
        let name = |u: &Option<db::accounts::User>| {
            u.as_ref()
                .map_or_else(|| "ingen".to_string(), |u| u.name.clone())
        };
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CASE_OFFICER_SET,
                entity_type: "application",
                entity_id: Some(application_id),
                summary: format!(
                    "Handläggare för ärendet: {} (tidigare {})",
                    name(&after),
                    name(&before)
                ),
                details: json!({
                    "from": before.as_ref().map(|u| &u.id),
                    "to": after.as_ref().map(|u| &u.id),
                }),
            },
        )?;
        Ok(after)
    })
}

/// The cases the officer is responsible for.
pub fn my_cases(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<(Application, crate::db::organisations::Organisation)>, AppError> {
    if actor.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    Ok(case_officers::cases_of(
        conn,
        &actor.user_id,
        MY_CASES_LIMIT,
    )?)
}
