//! A decision as text: the words of its letter, for the case page and the API. A signed
//! decision's words are kept beside its PDF at signing, and both are made from one
//! `letters::Letter`, so the page says exactly what the letter says. A draft is worded from
//! the data as it would read if it were signed now.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::letter::{self, People};
use crate::codes::{DecisionStatus, Role};
use crate::db::decisions::Decision;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::letters::Letter;
use crate::money::Ore;
use crate::payments::Reclaim;
use crate::reports::ClaimKind;

/// The words of a decision's letter, made from the data: the one place a decision is
/// worded, for the PDF at signing and for the page.
pub fn compose(
    conn: &mut DbConnection,
    decision: &Decision,
    decided_on: NaiveDate,
    reclaims: &[Reclaim],
    now: DateTime<Utc>,
) -> Result<Letter, AppError> {
    let years = db::decisions::years(conn, &decision.id)?;
    let organisation =
        db::organisations::find(conn, &decision.organisation_id)?.ok_or(AppError::NotFound)?;
    let call = db::calls::find_call(conn, &decision.call_id)?.ok_or(AppError::NotFound)?;
    let def = db::calls::load_definition(conn, call)?;
    let decision_maker = name(conn, decision.decision_maker_id.as_deref())?;
    let presenting_officer = name(conn, Some(&decision.presenting_officer_id))?;
    // A change letter states what the changed decision granted just before this one.
    let original = match &decision.amends_decision_id {
        Some(id) => {
            let original = db::decisions::find(conn, id)?.ok_or(AppError::NotFound)?;
            let before = amounts_before(conn, &original, decision)?;
            Some((original, before))
        }
        None => None,
    };
    let applied = match (
        &decision.application_id,
        super::answers_application(decision),
    ) {
        (Some(application_id), true) => {
            Some(crate::assessment::applied_amounts(conn, application_id)?)
        }
        _ => None,
    };
    Ok(letter::build(&letter::LetterInput {
        def: &def,
        decision,
        years: &years,
        organisation: &organisation,
        people: People {
            decision_maker: &decision_maker,
            presenting_officer: &presenting_officer,
        },
        decided_on,
        now,
        amended: original
            .as_ref()
            .map(|(original, before)| letter::Amended { original, before }),
        reclaims,
        applied: applied.as_ref(),
    }))
}

fn name(conn: &mut DbConnection, id: Option<&str>) -> Result<String, AppError> {
    Ok(match id {
        Some(id) => db::accounts::find(conn, id)?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// What `original` granted per year just before `change`: its own amounts with every other
/// signed change made before this one (all of them, for a draft).
fn amounts_before(
    conn: &mut DbConnection,
    original: &Decision,
    change: &Decision,
) -> Result<BTreeMap<i32, Ore>, AppError> {
    let mut amounts: BTreeMap<i32, Ore> = db::decisions::years(conn, &original.id)?
        .into_iter()
        .map(|y| (y.year, y.amount_ore))
        .collect();
    for other in db::decisions::changes_of(conn, &original.id)? {
        let earlier = match (other.signed_at, change.signed_at) {
            _ if other.id == change.id || other.status != DecisionStatus::Signed => false,
            (Some(at), Some(this)) => (at, other.created_at) < (this, change.created_at),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            for y in db::decisions::years(conn, &other.id)? {
                let entry = amounts.entry(y.year).or_insert(Ore::ZERO);
                *entry = *entry + y.amount_ore;
            }
        }
    }
    Ok(amounts)
}

/// The claims a signed decision made, as its letter states them.
fn reclaims_of(conn: &mut DbConnection, decision_id: &str) -> Result<Vec<Reclaim>, AppError> {
    Ok(db::reports::claims_of_decision(conn, decision_id)?
        .into_iter()
        .filter(|c| c.kind == ClaimKind::Reclaim)
        .map(|c| Reclaim {
            year: c.year,
            amount: c.amount_ore,
            due_on: c.due_on,
            payment_reference: c.payment_reference,
        })
        .collect())
}

/// The words of a decision, for whoever may read it (the caller checks). Signed: the words
/// kept with its letter (a letter made before they were kept is worded again from the
/// data, with the claims it made). A draft: as it would read if signed today; who signs it
/// is not known yet.
pub fn of(
    conn: &mut DbConnection,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Letter, AppError> {
    if decision.status == DecisionStatus::Signed {
        if let Some(json) = db::decisions::letter_json(conn, &decision.id)?
            && let Ok(letter) = serde_json::from_str::<Letter>(&json)
        {
            return Ok(letter);
        }
        let decided_on = decision
            .decided_on
            .unwrap_or_else(|| crate::clock::stockholm_date(now));
        let made_at = decision.signed_at.map(|t| t.and_utc()).unwrap_or(now);
        let reclaims = reclaims_of(conn, &decision.id)?;
        return compose(conn, decision, decided_on, &reclaims, made_at);
    }
    compose(conn, decision, crate::clock::stockholm_date(now), &[], now)
}

/// Who may read a decision's words: whoever may read its case; a draft only the agency's
/// case staff (as on the case page). Refusals are recorded; an applicant is told the
/// decision does not exist.
pub fn readable(
    conn: &mut DbConnection,
    actor: &crate::accounts::Actor,
    decision_id: &str,
    now: DateTime<Utc>,
) -> Result<Decision, AppError> {
    let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    if !crate::access::can_read_case(actor, &decision.organisation_id) {
        crate::audit::record_denied(
            conn,
            actor,
            now,
            "decision",
            Some(decision_id),
            "läsa ett beslut",
        )?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    if decision.status == DecisionStatus::Draft && !crate::access::is_case_staff(actor) {
        return Err(AppError::NotFound);
    }
    Ok(decision)
}
