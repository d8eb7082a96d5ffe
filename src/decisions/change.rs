//! Change decisions (ändringsbeslut) and revocations (återkallelse). A signed decision never
//! changes; a later decision refers to it and records, per year, the difference it makes.
//! The officer states the new amount per year (what the grant should be afterwards), which
//! is how the letter and the case read; the difference is what is stored and summed.
//! Signing goes through the same rules as any decision (`sign_in_tx`): the ceiling holds,
//! the amount after the change stays within what was applied for and never below zero.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::Actor;
use crate::assessment;
use crate::audit::{self, action};
use crate::codes::{DecisionKind, DecisionStatus, Role};
use crate::db::decisions::{Decision, DecisionYear};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::money::Ore;

/// What the presenting officer fills in.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ChangeInput {
    /// `change` or `revocation`.
    #[serde(default)]
    pub kind: String,
    /// For a change: the amount per year after the change, whole kronor. Years left out
    /// keep their amount.
    #[serde(default, deserialize_with = "forms::text_map")]
    pub amounts: BTreeMap<String, String>,
    #[serde(default)]
    pub reasons: String,
}

/// The kind of decision and the difference per year it makes, from what the officer typed
/// and what the decision grants now. Only years of the decision can be changed.
pub fn parse_change(
    input: &ChangeInput,
    current: &BTreeMap<i32, Ore>,
) -> Result<(DecisionKind, String, BTreeMap<i32, Ore>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = match input.kind.trim() {
        "change" => Some(DecisionKind::Change),
        "revocation" => Some(DecisionKind::Revocation),
        _ => {
            errors.add("kind", "Välj om beslutet ska ändras eller återkallas.");
            None
        }
    };
    let reasons = forms::required_text(&input.reasons, assessment::REASONS_MAX, "skälen")
        .map_err(|m| errors.add("reasons", m))
        .unwrap_or_default();
    let mut changes = BTreeMap::new();
    match kind {
        Some(DecisionKind::Revocation) => {
            for (year, amount) in current {
                if amount.is_positive() {
                    changes.insert(*year, Ore::ZERO - *amount);
                }
            }
            if changes.is_empty() {
                errors.add(
                    "kind",
                    "Beslutet har inget beviljat belopp kvar att återkalla.",
                );
            }
        }
        Some(_) => {
            for (key, typed) in &input.amounts {
                if typed.trim().is_empty() {
                    continue;
                }
                let field = format!("amounts.{key}");
                let Some((year, now)) = key
                    .trim()
                    .parse::<i32>()
                    .ok()
                    .and_then(|y| current.get(&y).map(|a| (y, *a)))
                else {
                    errors.add(field, "Beslutet gäller inte det året.");
                    continue;
                };
                match Ore::parse_whole_kronor(typed) {
                    Ok(after) if after.is_negative() => {
                        errors.add(field, "Beloppet kan inte vara negativt.")
                    }
                    Ok(after) => {
                        if after != now {
                            changes.insert(year, after - now);
                        }
                    }
                    Err(e) => errors.add(field, e.to_string()),
                }
            }
            if errors.is_empty() && changes.is_empty() {
                errors.add(
                    "amounts",
                    "Ange ett nytt belopp för minst ett år. Beloppen är desamma som i beslutet nu.",
                );
            }
        }
        None => {}
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok((kind, reasons, changes)),
        _ => Err(errors),
    }
}

/// The decision's case, after checking that the actor may prepare decisions in it (refusals
/// are recorded before anything else is said about the decision).
fn case_of(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    let application_id = decision
        .application_id
        .ok_or_else(|| AppError::Conflict("Beslutet hör inte till någon ansökan.".into()))?;
    assessment::ensure_may_handle(
        conn,
        actor,
        &application_id,
        now,
        "bereda ett ändringsbeslut",
        Role::Officer,
    )?;
    Ok(application_id)
}

/// The signed decision a change may be made to, with its case.
fn changeable(conn: &mut DbConnection, decision_id: &str) -> Result<(Decision, String), AppError> {
    let original = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    if original.status != DecisionStatus::Signed
        || !matches!(original.kind, DecisionKind::Grant | DecisionKind::TopUp)
    {
        return Err(AppError::Conflict(
            "Bara ett fattat beslut om bidrag kan ändras eller återkallas. Ett ändringsbeslut ändras genom ett nytt ändringsbeslut om det ursprungliga beslutet.".into(),
        ));
    }
    let application_id = original
        .application_id
        .clone()
        .ok_or_else(|| AppError::Conflict("Beslutet hör inte till någon ansökan.".into()))?;
    Ok((original, application_id))
}

/// What a decision grants now, for the change form.
pub fn current(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    now: DateTime<Utc>,
) -> Result<(Decision, BTreeMap<i32, Ore>), AppError> {
    case_of(conn, actor, decision_id, now)?;
    let (original, _) = changeable(conn, decision_id)?;
    let amounts = super::current_amounts(conn, &original.id)?;
    Ok((original, amounts))
}

/// Prepares a change or revocation of a signed grant as a draft, for a decision maker to
/// sign. An earlier draft change of the same decision is replaced.
pub fn prepare_change(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    input: &ChangeInput,
    now: DateTime<Utc>,
) -> Result<Decision, AppError> {
    let application_id = case_of(conn, actor, decision_id, now)?;
    changeable(conn, decision_id)?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, &application_id)?;
        let (original, _) = changeable(conn, decision_id)?;
        let current = super::current_amounts(conn, &original.id)?;
        let (kind, reasons, changes) = parse_change(input, &current).map_err(AppError::Invalid)?;
        insert_draft_change(
            conn,
            actor,
            &original,
            &application_id,
            (kind, reasons, &changes),
            now,
        )
    })
}

/// Writes a draft change or revocation of `original` (a signed grant) with the difference
/// per year it makes, replacing an earlier draft change of the same decision, and records
/// it. Run inside a write transaction that holds the case's lock. Also used when an
/// officer answers a change request (`change_requests`).
pub fn insert_draft_change(
    conn: &mut DbConnection,
    actor: &Actor,
    original: &Decision,
    application_id: &str,
    (kind, reasons, changes): (DecisionKind, String, &BTreeMap<i32, Ore>),
    now: DateTime<Utc>,
) -> Result<Decision, AppError> {
    let current = super::current_amounts(conn, &original.id)?;
    for old in db::decisions::changes_of(conn, &original.id)? {
        if old.status == DecisionStatus::Draft {
            db::decisions::delete_draft(conn, &old.id)?;
        }
    }
    let decision = Decision {
        id: db::new_id(),
        call_id: original.call_id.clone(),
        application_id: Some(application_id.to_string()),
        organisation_id: original.organisation_id.clone(),
        kind,
        status: DecisionStatus::Draft,
        registration_number: original.registration_number.clone(),
        decided_on: None,
        purpose: original.purpose.clone(),
        reasons,
        report_due_on: original.report_due_on,
        presenting_officer_id: actor.user_id.clone(),
        decision_maker_id: None,
        amends_decision_id: Some(original.id.clone()),
        redistribution_round_id: None,
        source_note: None,
        created_at: now.naive_utc(),
        created_by: actor.user_id.clone(),
        signed_at: None,
    };
    let years: Vec<DecisionYear> = changes
        .iter()
        .map(|(year, amount)| DecisionYear {
            decision_id: decision.id.clone(),
            year: *year,
            amount_ore: *amount,
        })
        .collect();
    db::decisions::insert_draft(conn, &decision, &years)?;
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::DECISION_CREATED,
            entity_type: "decision",
            entity_id: Some(&decision.id),
            summary: format!(
                "{} berett av {} för beslutet {} i {}",
                kind.label(),
                actor.name,
                original
                    .decided_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                decision.registration_number
            ),
            details: json!({
                "amends_decision_id": original.id,
                "kind": kind.as_str(),
                "before": current.iter().map(|(y, a)| json!({"year": y, "amount_ore": a.ore()})).collect::<Vec<_>>(),
                "changes": years.iter().map(|y| json!({"year": y.year, "amount_ore": y.amount_ore.ore()})).collect::<Vec<_>>(),
            }),
        },
    )?;
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(k: i64) -> Ore {
        Ore::from_kronor(k)
    }

    fn input(kind: &str, amounts: &[(&str, &str)]) -> ChangeInput {
        ChangeInput {
            kind: kind.into(),
            amounts: amounts
                .iter()
                .map(|(y, a)| (y.to_string(), a.to_string()))
                .collect(),
            reasons: "Regionen har minskat verksamheten.".into(),
        }
    }

    #[test]
    fn a_change_stores_the_difference_to_the_new_amount() {
        let current = BTreeMap::from([(2021, kr(3_000_000)), (2022, kr(3_387_447))]);
        let (kind, _, changes) =
            parse_change(&input("change", &[("2022", "3 287 447")]), &current).unwrap();
        assert_eq!(kind, DecisionKind::Change);
        assert_eq!(changes, BTreeMap::from([(2022, kr(-100_000))]));
    }

    #[test]
    fn a_revocation_takes_every_year_to_zero() {
        let current = BTreeMap::from([(2021, kr(3_000_000)), (2022, kr(0))]);
        let (_, _, changes) = parse_change(&input("revocation", &[]), &current).unwrap();
        assert_eq!(changes, BTreeMap::from([(2021, kr(-3_000_000))]));
    }

    #[test]
    fn refuses_no_change_a_year_outside_the_decision_and_a_negative_amount() {
        let current = BTreeMap::from([(2022, kr(100))]);
        let same = parse_change(&input("change", &[("2022", "100")]), &current).unwrap_err();
        assert!(same.get("amounts").is_some());
        let other = parse_change(&input("change", &[("2023", "5")]), &current).unwrap_err();
        assert!(other.get("amounts.2023").is_some());
        let negative = parse_change(&input("change", &[("2022", "-5")]), &current).unwrap_err();
        assert!(negative.get("amounts.2022").is_some());
        let no_kind = parse_change(&input("", &[]), &current).unwrap_err();
        assert!(no_kind.get("kind").is_some());
    }
}
