//! The rules of a change request as plain functions: what a recipient may ask for on the
//! grant as it stands, and what an officer's answer may say. No I/O; the workflow reads the
//! grant (`GrantState`) and stores what these return.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codes::{ChangeKind, ChangeRequestStatus};
use crate::error::FieldErrors;
use crate::forms;
use crate::money::Ore;

/// The longest description and answer, in characters.
pub const TEXT_MAX: usize = 10_000;

/// The grant a request is made on, as it stands now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantState {
    /// What the grant gives per year now (with every signed change).
    pub amounts: BTreeMap<i32, Ore>,
    /// What has been paid out per year.
    pub paid: BTreeMap<i32, Ore>,
    /// The budget per year and cost category (id → amount), as approved: the application's
    /// budget, or the latest budget move approved by a signed change decision.
    pub budget: BTreeMap<i32, BTreeMap<String, Ore>>,
    /// The call's cost categories, in order: (id, name).
    pub categories: Vec<(String, String)>,
}

impl GrantState {
    pub fn paid_total(&self) -> Ore {
        self.paid.values().copied().sum()
    }
}

/// What the organisation fills in. Every field is text as typed, so that it can be shown
/// again beside its message.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// `budget`, `content`, `give_back` or `decline`.
    #[serde(default)]
    pub kind: String,
    /// The grant year of a budget move or a give-back.
    #[serde(default)]
    pub year: String,
    /// For a give-back: how much of the year is given back, whole kronor.
    #[serde(default)]
    pub amount: String,
    /// For a budget move: the new amount per cost category (by its id), whole kronor.
    #[serde(default, deserialize_with = "forms::text_map")]
    pub budget: BTreeMap<String, String>,
    /// What is to change and why.
    #[serde(default)]
    pub description: String,
}

/// A request as the rules accept it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub kind: ChangeKind,
    pub year: Option<i32>,
    pub amount: Option<Ore>,
    /// For a budget move: category id → (before, asked for).
    pub budget: BTreeMap<String, (Ore, Ore)>,
    pub description: String,
}

/// Checks a draft as far as it is filled in (`complete` false) or for submission (`true`):
/// a draft may be saved half-done, but what is typed must make sense.
pub fn parse_request(
    input: &RequestInput,
    grant: &GrantState,
    complete: bool,
) -> Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = match ChangeKind::parse(input.kind.trim()) {
        Some(kind) => Some(kind),
        None => {
            errors.add("kind", "Välj vad ni vill ändra.");
            None
        }
    };
    let description = if complete {
        forms::required_text(&input.description, TEXT_MAX, "vad ni vill ändra och varför")
    } else {
        forms::optional_text(&input.description, TEXT_MAX)
    }
    .map_err(|m| errors.add("description", m))
    .unwrap_or_default();
    let needs_year = matches!(kind, Some(ChangeKind::Budget | ChangeKind::GiveBack));
    let year = if needs_year {
        match input.year.trim() {
            "" if !complete => None,
            "" => {
                errors.add("year", "Välj vilket år ändringen gäller.");
                None
            }
            typed => match typed.parse::<i32>().ok().filter(|y| {
                grant
                    .amounts
                    .get(y)
                    .is_some_and(|amount| amount.is_positive())
            }) {
                Some(year) => Some(year),
                None => {
                    errors.add("year", "Bidraget gäller inte det året.");
                    None
                }
            },
        }
    } else {
        None
    };
    let mut amount = None;
    let mut budget = BTreeMap::new();
    match kind {
        Some(ChangeKind::GiveBack) => match input.amount.trim() {
            "" if !complete => {}
            "" => errors.add("amount", "Ange hur mycket ni vill lämna tillbaka."),
            typed => match Ore::parse_whole_kronor(typed) {
                Ok(a) if !a.is_positive() => {
                    errors.add("amount", "Beloppet ska vara större än noll.")
                }
                Ok(a) => {
                    if let Some(y) = year {
                        let held = grant.amounts.get(&y).copied().unwrap_or(Ore::ZERO);
                        if a > held {
                            errors.add(
                                    "amount",
                                    format!("Bidraget för {y} är {held}. Ni kan inte lämna tillbaka mer än så."),
                                );
                        }
                    }
                    amount = Some(a);
                }
                Err(e) => errors.add("amount", e.to_string()),
            },
        },
        Some(ChangeKind::Budget) => {
            if let Some(y) = year {
                budget = parse_budget(&input.budget, grant, y, "budget", complete, &mut errors);
            }
        }
        Some(ChangeKind::Decline) => {
            let paid = grant.paid_total();
            if paid.is_positive() {
                errors.add(
                    "kind",
                    format!(
                        "Ni kan inte avstå bidraget: {paid} har redan betalats ut. Ni kan i stället lämna tillbaka en del av bidraget för ett år."
                    ),
                );
            }
        }
        Some(ChangeKind::Content) | None => {}
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(Parsed {
            kind,
            year,
            amount,
            budget,
            description,
        }),
        _ => Err(errors),
    }
}

/// A new budget for a year: every category's new amount in whole kronor, at least one of
/// them changed, and the same total as before (a move changes no grant). Returns category
/// id → (before, after). Messages go to `<field>.<category id>` and `<field>`.
fn parse_budget(
    typed: &BTreeMap<String, String>,
    grant: &GrantState,
    year: i32,
    field: &str,
    complete: bool,
    errors: &mut FieldErrors,
) -> BTreeMap<String, (Ore, Ore)> {
    let before = grant.budget.get(&year).cloned().unwrap_or_default();
    // A grant whose application gave no budget by cost category (the 2020 cases loaded from
    // the public sources) has nothing to move money within.
    if before.is_empty() {
        errors.add(
            field,
            format!(
                "Det finns ingen budget per kostnadsslag för {year} i e-tjänsten att flytta pengar inom. Beskriv i stället ändringen som en ändring av innehåll eller organisation."
            ),
        );
        return BTreeMap::new();
    }
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (id, _) in &grant.categories {
        let was = before.get(id).copied().unwrap_or(Ore::ZERO);
        let text = typed.get(id).map(|t| t.trim()).unwrap_or("");
        let after = if text.is_empty() {
            was
        } else {
            match Ore::parse_whole_kronor(text) {
                Ok(a) if a.is_negative() => {
                    errors.add(format!("{field}.{id}"), "Beloppet kan inte vara negativt.");
                    ok = false;
                    was
                }
                Ok(a) => a,
                Err(e) => {
                    errors.add(format!("{field}.{id}"), e.to_string());
                    ok = false;
                    was
                }
            }
        };
        out.insert(id.clone(), (was, after));
    }
    for id in typed.keys() {
        if !grant.categories.iter().any(|(c, _)| c == id) {
            errors.add(
                format!("{field}.{id}"),
                "Utlysningen har inget sådant kostnadsslag.",
            );
            ok = false;
        }
    }
    if ok && complete {
        let total_before: Ore = out.values().map(|(b, _)| *b).sum();
        let total_after: Ore = out.values().map(|(_, a)| *a).sum();
        if out.values().all(|(b, a)| b == a) {
            errors.add(
                field,
                "Ange en ny fördelning: beloppen är desamma som i budgeten i dag.",
            );
        } else if total_before != total_after {
            errors.add(
                field,
                format!(
                    "Summan av den nya fördelningen ({total_after}) ska vara densamma som i dag ({total_before}). En flytt mellan kostnadsslag ändrar inte bidraget; vill ni lämna tillbaka pengar är det en annan ändring."
                ),
            );
        }
    }
    out
}

/// The officer's answer, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnswerInput {
    /// `approved`, `partly_approved` or `refused`.
    #[serde(default)]
    pub outcome: String,
    /// The reasons, as the organisation will read them.
    #[serde(default)]
    pub answer: String,
    /// For a give-back approved in part: the amount approved, whole kronor.
    #[serde(default)]
    pub amount: String,
    /// For a budget move approved in part: the approved amount per cost category.
    #[serde(default, deserialize_with = "forms::text_map")]
    pub budget: BTreeMap<String, String>,
}

/// An answer as the rules accept it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub outcome: ChangeRequestStatus,
    pub answer: String,
    /// A give-back: the amount given back as approved.
    pub amount: Option<Ore>,
    /// A budget move: category id → approved amount.
    pub budget: BTreeMap<String, Ore>,
}

/// What the request asked for, for checking an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub kind: ChangeKind,
    pub year: Option<i32>,
    pub amount: Option<Ore>,
    /// category id → (before, asked for)
    pub budget: BTreeMap<String, (Ore, Ore)>,
}

/// Checks an officer's answer against what was asked. Approved in full takes what was
/// asked; in part needs the part (an amount between nothing and what was asked; a budget
/// with the same total, different from both the old budget and what was asked). A decline
/// is approved or refused, never in part.
pub fn parse_answer(input: &AnswerInput, asked: &Asked) -> Result<Answer, FieldErrors> {
    let mut errors = FieldErrors::new();
    let outcome = match input.outcome.trim() {
        "approved" => Some(ChangeRequestStatus::Approved),
        "partly_approved" => Some(ChangeRequestStatus::PartlyApproved),
        "refused" => Some(ChangeRequestStatus::Refused),
        _ => {
            errors.add(
                "outcome",
                "Välj om ändringen beviljas, beviljas delvis eller avslås.",
            );
            None
        }
    };
    let answer = forms::required_text(&input.answer, TEXT_MAX, "skälen för svaret")
        .map_err(|m| errors.add("answer", m))
        .unwrap_or_default();
    let mut amount = None;
    let mut budget = BTreeMap::new();
    match (outcome, asked.kind) {
        (Some(ChangeRequestStatus::PartlyApproved), ChangeKind::Decline) => errors.add(
            "outcome",
            "Att avstå bidraget beviljas eller avslås; det kan inte beviljas delvis.",
        ),
        (Some(ChangeRequestStatus::Approved), ChangeKind::GiveBack) => amount = asked.amount,
        (Some(ChangeRequestStatus::PartlyApproved), ChangeKind::GiveBack) => {
            let wanted = asked.amount.unwrap_or(Ore::ZERO);
            match Ore::parse_whole_kronor(input.amount.trim()) {
                Ok(a) if a.is_positive() && a < wanted => amount = Some(a),
                Ok(_) => errors.add(
                    "amount",
                    format!("Ange ett belopp större än noll och mindre än det sökta ({wanted})."),
                ),
                Err(e) => errors.add("amount", e.to_string()),
            }
        }
        (Some(ChangeRequestStatus::Approved), ChangeKind::Budget) => {
            budget = asked
                .budget
                .iter()
                .map(|(id, (_, after))| (id.clone(), *after))
                .collect();
        }
        (Some(ChangeRequestStatus::PartlyApproved), ChangeKind::Budget) => {
            let mut ok = true;
            for (id, (before, _)) in &asked.budget {
                let text = input.budget.get(id).map(|t| t.trim()).unwrap_or("");
                let value = if text.is_empty() {
                    Ok(*before)
                } else {
                    Ore::parse_whole_kronor(text)
                };
                match value {
                    Ok(a) if a.is_negative() => {
                        errors.add(format!("budget.{id}"), "Beloppet kan inte vara negativt.");
                        ok = false;
                    }
                    Ok(a) => {
                        budget.insert(id.clone(), a);
                    }
                    Err(e) => {
                        errors.add(format!("budget.{id}"), e.to_string());
                        ok = false;
                    }
                }
            }
            if ok {
                let total_before: Ore = asked.budget.values().map(|(b, _)| *b).sum();
                let total: Ore = budget.values().copied().sum();
                let same_as_before = asked
                    .budget
                    .iter()
                    .all(|(id, (b, _))| budget.get(id) == Some(b));
                let same_as_asked = asked
                    .budget
                    .iter()
                    .all(|(id, (_, a))| budget.get(id) == Some(a));
                if total != total_before {
                    errors.add(
                        "budget",
                        format!("Summan av den godkända fördelningen ({total}) ska vara densamma som i dag ({total_before})."),
                    );
                } else if same_as_before {
                    errors.add("budget", "Den godkända fördelningen är densamma som i dag: avslå ändringen i stället.");
                } else if same_as_asked {
                    errors.add(
                        "budget",
                        "Den godkända fördelningen är den sökta: bevilja ändringen i stället.",
                    );
                }
            }
        }
        _ => {}
    }
    match outcome {
        Some(outcome) if errors.is_empty() => Ok(Answer {
            outcome,
            answer,
            amount,
            budget,
        }),
        _ => Err(errors),
    }
}

/// Whether an answer needs a change decision signed by a decision maker: when the grant's
/// amounts or its conditions (the budget it is to be used for) change. A refusal and a
/// changed content of the work are answered and recorded without one.
pub fn needs_decision(kind: ChangeKind, outcome: ChangeRequestStatus) -> bool {
    outcome != ChangeRequestStatus::Refused
        && matches!(
            kind,
            ChangeKind::Budget | ChangeKind::GiveBack | ChangeKind::Decline
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(k: i64) -> Ore {
        Ore::from_kronor(k)
    }

    fn grant() -> GrantState {
        GrantState {
            amounts: BTreeMap::from([(2021, kr(1_000)), (2022, kr(2_000))]),
            paid: BTreeMap::new(),
            budget: BTreeMap::from([(
                2022,
                BTreeMap::from([("a".to_string(), kr(1_500)), ("b".to_string(), kr(500))]),
            )]),
            categories: vec![
                ("a".into(), "Personal".into()),
                ("b".into(), "Resor".into()),
            ],
        }
    }

    fn budget_input(a: &str, b: &str) -> RequestInput {
        RequestInput {
            kind: "budget".into(),
            year: "2022".into(),
            budget: BTreeMap::from([("a".into(), a.into()), ("b".into(), b.into())]),
            description: "Vi behöver fler resor.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_budget_move_keeps_the_total() {
        let parsed = parse_request(&budget_input("1 200", "800"), &grant(), true).unwrap();
        assert_eq!(parsed.budget["a"], (kr(1_500), kr(1_200)));
        let err = parse_request(&budget_input("1 200", "900"), &grant(), true).unwrap_err();
        assert!(err.get("budget").unwrap().contains("densamma som i dag"));
        let same = parse_request(&budget_input("1 500", "500"), &grant(), true).unwrap_err();
        assert!(same.get("budget").is_some());
        let bad = parse_request(&budget_input("tusen", "500"), &grant(), true).unwrap_err();
        assert!(bad.get("budget.a").is_some());
    }

    #[test]
    fn a_year_without_a_budget_by_category_has_nothing_to_move() {
        let mut input = budget_input("1 200", "800");
        input.year = "2021".into();
        let err = parse_request(&input, &grant(), false).unwrap_err();
        assert!(
            err.get("budget")
                .unwrap()
                .contains("ingen budget per kostnadsslag")
        );
    }

    #[test]
    fn a_give_back_is_at_most_the_year_and_a_decline_only_before_payment() {
        let mut input = RequestInput {
            kind: "give_back".into(),
            year: "2021".into(),
            amount: "1 001".into(),
            description: "Mindre verksamhet.".into(),
            ..Default::default()
        };
        assert!(
            parse_request(&input, &grant(), true)
                .unwrap_err()
                .get("amount")
                .is_some()
        );
        input.amount = "400".into();
        assert_eq!(
            parse_request(&input, &grant(), true).unwrap().amount,
            Some(kr(400))
        );
        let decline = RequestInput {
            kind: "decline".into(),
            description: "Vi avstår.".into(),
            ..Default::default()
        };
        assert!(parse_request(&decline, &grant(), true).is_ok());
        let mut paid = grant();
        paid.paid.insert(2021, kr(1));
        assert!(
            parse_request(&decline, &paid, true)
                .unwrap_err()
                .get("kind")
                .is_some()
        );
    }

    #[test]
    fn a_partial_budget_answer_keeps_the_total_and_differs_from_both() {
        let asked = Asked {
            kind: ChangeKind::Budget,
            year: Some(2022),
            amount: None,
            budget: BTreeMap::from([
                ("a".to_string(), (kr(1_500), kr(1_100))),
                ("b".to_string(), (kr(500), kr(900))),
            ]),
        };
        let input = |a: &str, b: &str| AnswerInput {
            outcome: "partly_approved".into(),
            answer: "Hälften av flytten godkänns.".into(),
            budget: BTreeMap::from([("a".into(), a.into()), ("b".into(), b.into())]),
            ..Default::default()
        };
        let ok = parse_answer(&input("1 300", "700"), &asked).unwrap();
        assert_eq!(ok.budget["b"], kr(700));
        assert!(parse_answer(&input("1 300", "800"), &asked).is_err());
        assert!(parse_answer(&input("1 100", "900"), &asked).is_err());
        assert!(parse_answer(&input("1 500", "500"), &asked).is_err());
    }

    #[test]
    fn a_decline_is_not_approved_in_part_and_a_refusal_needs_no_decision() {
        let asked = Asked {
            kind: ChangeKind::Decline,
            year: None,
            amount: None,
            budget: BTreeMap::new(),
        };
        let input = AnswerInput {
            outcome: "partly_approved".into(),
            answer: "Skäl.".into(),
            ..Default::default()
        };
        assert!(
            parse_answer(&input, &asked)
                .unwrap_err()
                .get("outcome")
                .is_some()
        );
        assert!(!needs_decision(
            ChangeKind::Decline,
            ChangeRequestStatus::Refused
        ));
        assert!(needs_decision(
            ChangeKind::Decline,
            ChangeRequestStatus::Approved
        ));
        assert!(!needs_decision(
            ChangeKind::Content,
            ChangeRequestStatus::Approved
        ));
    }
}
