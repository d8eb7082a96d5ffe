//! Decisions: the rules a grant must meet when it is signed, and the signing itself.
//!
//! A decision is prepared as a draft by the presenting officer (föredragande) and signed by
//! a decision maker. Signing checks, in one write transaction that takes the call's year
//! rows first so that two signings cannot interleave: the year's granted sum stays within
//! the ceiling, no year is granted above what was applied for, and the number of recipients
//! stays within the call's maximum.

pub mod change;
pub mod letter;
pub mod text;
pub mod workflow;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::accounts::Actor;
use crate::codes::{DecisionKind, DecisionStatus};
use crate::db::DbConnection;
use crate::db::decisions::{self as store, Decision};
use crate::error::AppError;
use crate::money::Ore;

crate::codes::text_enum! {
    /// How a decision answered an application, as people read it in every list: everything
    /// that was applied for, a part of it (the rest is refused and can be appealed), or
    /// nothing.
    Outcome {
        Granted => "granted", "Beviljad";
        PartlyGranted => "partly_granted", "Delvis beviljad";
        Rejected => "rejected", "Avslagen";
    }
}

/// The outcome of an application, from what was applied for and what the decision answering
/// it grants, per year. Nothing granted is a rejection; less than applied for in any year is
/// a partial grant, whatever the recommendation said. This is the one place the outcome is
/// worked out: the letter's wording, the case page and every list read it from here.
pub fn outcome(applied: &BTreeMap<i32, Ore>, granted: &BTreeMap<i32, Ore>) -> Outcome {
    let granted_total: Ore = granted.values().filter(|a| a.is_positive()).copied().sum();
    if !granted_total.is_positive() {
        return Outcome::Rejected;
    }
    let short = applied
        .iter()
        .any(|(year, asked)| granted.get(year).copied().unwrap_or(Ore::ZERO) < *asked);
    if short {
        Outcome::PartlyGranted
    } else {
        Outcome::Granted
    }
}

/// Whether a decision answers an application (a grant, top-up or rejection), as opposed to
/// changing an earlier decision.
pub fn answers_application(decision: &Decision) -> bool {
    decision.amends_decision_id.is_none()
        && matches!(
            decision.kind,
            DecisionKind::Grant | DecisionKind::TopUp | DecisionKind::Rejection
        )
}

/// The outcome of each decided application among `applications` (id and amounts applied for
/// per year): from the signed decision that answers it. The amounts are the decision's own;
/// a later change decision is a decision of its own and does not change how the
/// application was answered.
pub fn outcomes(
    conn: &mut DbConnection,
    applications: &[(String, BTreeMap<i32, Ore>)],
) -> Result<BTreeMap<String, Outcome>, AppError> {
    let ids: Vec<String> = applications.iter().map(|(id, _)| id.clone()).collect();
    let mut granted: BTreeMap<String, BTreeMap<i32, Ore>> = BTreeMap::new();
    for (application_id, year, amount) in store::signed_answers(conn, &ids)? {
        let years = granted.entry(application_id).or_default();
        if let (Some(year), Some(amount)) = (year, amount) {
            let entry = years.entry(year).or_insert(Ore::ZERO);
            *entry = *entry + amount;
        }
    }
    Ok(applications
        .iter()
        .filter_map(|(id, applied)| {
            granted
                .get(id)
                .map(|years| (id.clone(), outcome(applied, years)))
        })
        .collect())
}

/// The state of a call's year at the moment of signing.
#[derive(Debug, Clone, PartialEq)]
pub struct YearState {
    pub year: i32,
    pub ceiling: Ore,
    /// Granted by every signed decision of the call so far.
    pub granted: Ore,
    /// Unused money paid back and received: it can be granted again.
    pub returned: Ore,
}

impl YearState {
    /// What can still be granted for the year.
    pub fn available(&self) -> Ore {
        self.ceiling - self.granted + self.returned
    }
}

/// What a decision asks for, with what it is checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantCheck<'a> {
    pub kind: DecisionKind,
    /// The change per year this decision makes to the granted amount.
    pub amounts: &'a BTreeMap<i32, Ore>,
    /// The amount applied for per year, where the decision answers an application.
    pub applied: Option<&'a BTreeMap<i32, Ore>>,
    /// What the organisation already holds in the call per year.
    pub already_granted_to_organisation: &'a BTreeMap<i32, Ore>,
    /// For a change or revocation: what the decision it changes grants now, per year (the
    /// original with every signed change to it). The applied-for limit and the floor at zero
    /// are checked on that amount after the change, not on the difference.
    pub current_of_amended: Option<&'a BTreeMap<i32, Ore>>,
    pub years: &'a [YearState],
    pub recipients: usize,
    pub organisation_is_recipient: bool,
    pub max_recipients: usize,
}

/// Every rule a decision must meet to be signed. Messages are Swedish and say how much room
/// is left, so that the decision maker can act on them.
pub fn check_grant(check: &GrantCheck<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let year_states: BTreeMap<i32, &YearState> = check.years.iter().map(|y| (y.year, y)).collect();
    for (year, amount) in check.amounts {
        let Some(state) = year_states.get(year) else {
            problems.push(format!("Utlysningen omfattar inte år {year}."));
            continue;
        };
        if check.kind != DecisionKind::Change
            && check.kind != DecisionKind::Revocation
            && amount.is_negative()
        {
            problems.push(format!("Beloppet för {year} får inte vara negativt."));
        }
        if !amount.is_whole_kronor() {
            problems.push(format!(
                "Beloppet för {year} ska anges i hela kronor, utan öre."
            ));
        }
        let held = check
            .current_of_amended
            .unwrap_or(check.already_granted_to_organisation)
            .get(year)
            .copied()
            .unwrap_or(Ore::ZERO);
        let after = if check.current_of_amended.is_some() {
            held + *amount
        } else {
            *amount
        };
        if let Some(applied) = check.applied {
            let asked = applied.get(year).copied().unwrap_or(Ore::ZERO);
            if after > asked && amount.is_positive() {
                problems.push(format!(
                    "Beviljat belopp för {year} ({after}) är högre än det sökta ({asked})."
                ));
            }
        }
        if (held + *amount).is_negative() {
            problems.push(format!(
                "Beslutet skulle sänka beviljat belopp för {year} under noll: beslutet gäller nu {held}."
            ));
        }
        let remaining = state.available();
        if *amount > remaining {
            problems.push(format!(
                "Beslutet skulle ta {year} över taket på {}: {remaining} återstår att fördela, beslutet gäller {amount}.",
                state.ceiling
            ));
        }
    }
    if check.kind == DecisionKind::TopUp && !check.organisation_is_recipient {
        problems.push(
            "Utökat bidrag kan bara beslutas för en organisation som redan har bidrag i utlysningen."
                .into(),
        );
    }
    let adds_recipient = matches!(check.kind, DecisionKind::Grant | DecisionKind::TopUp)
        && !check.organisation_is_recipient;
    if adds_recipient && check.recipients >= check.max_recipients {
        problems.push(format!(
            "Utlysningen får ha högst {} bidragsmottagare och har redan {}.",
            check.max_recipients, check.recipients
        ));
    }
    problems
}

/// What a grant or top-up decision grants now, per year: its own amounts with every signed
/// change to it.
pub fn current_amounts(
    conn: &mut DbConnection,
    decision_id: &str,
) -> Result<BTreeMap<i32, Ore>, AppError> {
    let mut amounts: BTreeMap<i32, Ore> = store::years(conn, decision_id)?
        .into_iter()
        .map(|y| (y.year, y.amount_ore))
        .collect();
    for change in store::changes_of(conn, decision_id)? {
        if change.status != DecisionStatus::Signed {
            continue;
        }
        for y in store::years(conn, &change.id)? {
            let entry = amounts.entry(y.year).or_insert(Ore::ZERO);
            *entry = *entry + y.amount_ore;
        }
    }
    Ok(amounts)
}

/// Signs a draft decision inside the caller's write transaction, after checking the rules
/// against the call's state as it is now. The caller records the signing in the audit
/// trail (a decision signed in the service and one loaded from fixtures read differently). The year rows of the call are bumped first: on
/// PostgreSQL that locks them until commit, so a concurrent signing waits and then sees this
/// one's amounts; on SQLite the write transaction already holds the database.
pub fn sign_in_tx(
    conn: &mut DbConnection,
    decision: &Decision,
    applied: Option<&BTreeMap<i32, Ore>>,
    max_recipients: usize,
    decision_maker: &Actor,
    decided_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if decision.status == DecisionStatus::Signed {
        return Err(AppError::Conflict(
            "Beslutet är redan fattat och kan inte ändras.".into(),
        ));
    }
    let amounts: BTreeMap<i32, Ore> = store::years(conn, &decision.id)?
        .into_iter()
        .map(|y| (y.year, y.amount_ore))
        .collect();
    // Every year row of the call, not only this decision's years: the number of recipients
    // is counted over the whole call, so two grants for different years must also wait for
    // each other.
    crate::db::calls::lock_years(conn, &decision.call_id)?;
    let ceilings = crate::db::calls::call_years(conn, &decision.call_id)?;
    let signed = store::signed_amounts_for_call(conn, &decision.call_id)?;
    // Repayments count as the dashboard counts them (`dashboard::OrgYear::returned`).
    let returned = crate::dashboard::returned_by_year(&crate::db::money_figures::org_years(
        conn,
        &decision.call_id,
    )?);
    let year_states: Vec<YearState> = ceilings
        .iter()
        .map(|y| YearState {
            year: y.year,
            ceiling: y.ceiling_ore,
            granted: signed
                .iter()
                .filter(|s| s.year == y.year)
                .map(|s| s.amount)
                .sum(),
            returned: returned.get(&y.year).copied().unwrap_or(Ore::ZERO),
        })
        .collect();
    let current_of_amended = match &decision.amends_decision_id {
        Some(original) => Some(current_amounts(conn, original)?),
        None => None,
    };
    let mut held: BTreeMap<i32, Ore> = BTreeMap::new();
    for s in signed
        .iter()
        .filter(|s| s.organisation_id == decision.organisation_id)
    {
        let entry = held.entry(s.year).or_insert(Ore::ZERO);
        *entry = *entry + s.amount;
    }
    let recipients = store::signed_organisations(
        conn,
        &decision.call_id,
        &[DecisionKind::Grant, DecisionKind::TopUp],
    )?;
    let problems = check_grant(&GrantCheck {
        kind: decision.kind,
        amounts: &amounts,
        applied,
        already_granted_to_organisation: &held,
        current_of_amended: current_of_amended.as_ref(),
        years: &year_states,
        recipients: recipients.len(),
        organisation_is_recipient: recipients.contains(&decision.organisation_id),
        max_recipients,
    });
    if !problems.is_empty() {
        return Err(AppError::Conflict(problems.join(" ")));
    }
    let changed = store::mark_signed(
        conn,
        &decision.id,
        &decision_maker.user_id,
        decided_on,
        now.naive_utc(),
    )?;
    if changed != 1 {
        return Err(AppError::Conflict(
            "Beslutet är redan fattat och kan inte ändras.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(k: i64) -> Ore {
        Ore::from_kronor(k)
    }

    fn years(granted: i64) -> Vec<YearState> {
        vec![YearState {
            year: 2021,
            ceiling: kr(15_000_000),
            granted: kr(granted),
            returned: Ore::ZERO,
        }]
    }

    #[test]
    fn refuses_passing_the_ceiling_and_says_what_remains() {
        let amounts = BTreeMap::from([(2021, kr(4_000_000))]);
        let ys = years(11_089_785);
        let problems = check_grant(&GrantCheck {
            kind: DecisionKind::Grant,
            amounts: &amounts,
            applied: None,
            already_granted_to_organisation: &BTreeMap::new(),
            current_of_amended: None,
            years: &ys,
            recipients: 3,
            organisation_is_recipient: false,
            max_recipients: 4,
        });
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("3\u{a0}910\u{a0}215\u{a0}kr återstår"));
    }

    #[test]
    fn exactly_the_remainder_is_allowed() {
        let amounts = BTreeMap::from([(2021, kr(3_910_215))]);
        let ys = years(11_089_785);
        let problems = check_grant(&GrantCheck {
            kind: DecisionKind::Grant,
            amounts: &amounts,
            applied: None,
            already_granted_to_organisation: &BTreeMap::new(),
            current_of_amended: None,
            years: &ys,
            recipients: 3,
            organisation_is_recipient: false,
            max_recipients: 4,
        });
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn refuses_more_than_applied_for_and_too_many_recipients() {
        let amounts = BTreeMap::from([(2021, kr(100))]);
        let applied = BTreeMap::from([(2021, kr(99))]);
        let ys = years(0);
        let problems = check_grant(&GrantCheck {
            kind: DecisionKind::Grant,
            amounts: &amounts,
            applied: Some(&applied),
            already_granted_to_organisation: &BTreeMap::new(),
            current_of_amended: None,
            years: &ys,
            recipients: 4,
            organisation_is_recipient: false,
            max_recipients: 4,
        });
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn the_outcome_compares_granted_with_applied_year_by_year() {
        let applied = BTreeMap::from([(2021, kr(100)), (2022, kr(200))]);
        let all = BTreeMap::from([(2021, kr(100)), (2022, kr(200))]);
        assert_eq!(outcome(&applied, &all), Outcome::Granted);
        let less = BTreeMap::from([(2021, kr(100)), (2022, kr(150))]);
        assert_eq!(outcome(&applied, &less), Outcome::PartlyGranted);
        let one_year = BTreeMap::from([(2021, kr(100))]);
        assert_eq!(outcome(&applied, &one_year), Outcome::PartlyGranted);
        assert_eq!(outcome(&applied, &BTreeMap::new()), Outcome::Rejected);
        let zeros = BTreeMap::from([(2021, kr(0))]);
        assert_eq!(outcome(&applied, &zeros), Outcome::Rejected);
        // Nothing applied for (amounts not known) and something granted: granted.
        assert_eq!(outcome(&BTreeMap::new(), &one_year), Outcome::Granted);
    }

    #[test]
    fn a_lowering_change_may_not_go_below_zero() {
        let amounts = BTreeMap::from([(2021, kr(-200))]);
        let held = BTreeMap::from([(2021, kr(100))]);
        let ys = years(100);
        let problems = check_grant(&GrantCheck {
            kind: DecisionKind::Change,
            amounts: &amounts,
            applied: None,
            already_granted_to_organisation: &held,
            current_of_amended: Some(&held),
            years: &ys,
            recipients: 1,
            organisation_is_recipient: true,
            max_recipients: 4,
        });
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
