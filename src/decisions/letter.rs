//! The words of a decision letter: what the agency decided, why, on what conditions, and how
//! to appeal, assembled from the decision, the case, the call and the programme. The layout
//! is `letters::render`'s.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::codes::DecisionKind;
use crate::db::calls::CallDefinition;
use crate::db::decisions::{Decision, DecisionYear};
use crate::db::organisations::Organisation;
use crate::letters::{
    AmountRow, AmountTable, Annex, AnnexResult, AnnexYear, Letter, LetterSection,
};
use crate::money::Ore;
use crate::payments::Reclaim;

use super::Outcome;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

pub fn month_name(month: i32) -> &'static str {
    MONTHS
        .get((month.clamp(1, 12) - 1) as usize)
        .copied()
        .unwrap_or("januari")
}

/// "2021 och 2022", "2021, 2022 och 2023".
pub fn years_text(years: &[i32]) -> String {
    match years {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!(
            "{} och {last}",
            init.iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The day a year's report is due: on the call's day in the following year.
pub fn report_due(def: &CallDefinition, year: i32) -> Option<NaiveDate> {
    report_due_of_call(&def.call, year)
}

/// As [`report_due`], from the call's row alone (the reminder job reads no more).
pub fn report_due_of_call(call: &crate::db::calls::Call, year: i32) -> Option<NaiveDate> {
    let month = call.report_due_month.clamp(1, 12) as u32;
    let mut day = call.report_due_day.clamp(1, 31) as u32;
    loop {
        if let Some(date) = NaiveDate::from_ymd_opt(year + 1, month, day) {
            return Some(date);
        }
        if day <= 28 {
            return None;
        }
        day -= 1;
    }
}

fn swedish_date(day: NaiveDate) -> String {
    format!(
        "{} {} {}",
        day.day(),
        month_name(day.month() as i32),
        day.year()
    )
}

/// Who is named in the letter.
pub struct People<'a> {
    pub decision_maker: &'a str,
    pub presenting_officer: &'a str,
}

/// For a change or revocation: the decision it changes and what that decision granted per
/// year just before.
pub struct Amended<'a> {
    pub original: &'a Decision,
    pub before: &'a BTreeMap<i32, Ore>,
}

/// Everything a letter is made from.
pub struct LetterInput<'a> {
    pub def: &'a CallDefinition,
    pub decision: &'a Decision,
    pub years: &'a [DecisionYear],
    pub organisation: &'a Organisation,
    pub people: People<'a>,
    pub decided_on: NaiveDate,
    pub now: DateTime<Utc>,
    pub amended: Option<Amended<'a>>,
    /// Money to be paid back because this decision lowered a grant already paid.
    pub reclaims: &'a [Reclaim],
    /// For a decision that answers an application: what was applied for per year (the
    /// latest submitted version). The letter says it beside what is granted, and refuses
    /// the rest in so many words.
    pub applied: Option<&'a BTreeMap<i32, Ore>>,
}

/// "sänks med 100 000 kr, från 3 000 000 kr till 2 900 000 kr".
fn change_line(year: i32, before: Ore, change: Ore) -> String {
    let after = before + change;
    if change.is_negative() {
        format!(
            "- För {year} sänks beloppet med {}, från {before} till {after}.",
            Ore::ZERO - change
        )
    } else {
        format!("- För {year} höjs beloppet med {change}, från {before} till {after}.")
    }
}

fn change_sections(input: &LetterInput<'_>, amended: &Amended<'_>) -> (String, Vec<LetterSection>) {
    let def = input.def;
    let agency = &def.programme.agency_name;
    let organisation = &input.organisation.name;
    let original_day = amended
        .original
        .decided_on
        .map(swedish_date)
        .unwrap_or_default();
    let original = format!(
        "sitt beslut den {original_day} ({}) om statsbidrag till {organisation}",
        amended.original.registration_number
    );
    let mut sections = Vec::new();
    let heading = if input.decision.kind == DecisionKind::Revocation {
        let years: Vec<i32> = amended
            .before
            .iter()
            .filter(|(_, a)| a.is_positive())
            .map(|(y, _)| *y)
            .collect();
        sections.push(LetterSection {
            heading: "Beslut".into(),
            body: format!(
                "{agency} återkallar {original}. Statsbidraget för {} upphör i sin helhet. Utbetalningar som ännu inte har gjorts görs inte.",
                years_text(&years)
            ),
        });
        format!("Beslut om återkallelse av statsbidrag – {}", def.call.title)
    } else {
        let lines: Vec<String> = input
            .years
            .iter()
            .filter(|y| y.amount_ore != Ore::ZERO)
            .map(|y| {
                change_line(
                    y.year,
                    amended.before.get(&y.year).copied().unwrap_or(Ore::ZERO),
                    y.amount_ore,
                )
            })
            .collect();
        // A change that moves money between cost categories leaves every year's amount
        // as it was: what changes is stated in the reasons (the approved budget).
        let body = if lines.is_empty() {
            format!(
                "{agency} ändrar {original}: bidraget får användas enligt den fördelning mellan kostnadsslag som anges under skäl för beslutet. Beviljat belopp ändras inte och framgår av tabellen. I övrigt gäller det tidigare beslutet, med dess villkor och bilaga."
            )
        } else {
            format!(
                "{agency} ändrar {original} enligt följande:\n\n{}\n\nBeviljat belopp efter ändringen framgår av tabellen. I övrigt gäller det tidigare beslutet, med dess villkor och bilaga.",
                lines.join("\n")
            )
        };
        sections.push(LetterSection {
            heading: "Beslut".into(),
            body,
        });
        format!("Beslut om ändring av statsbidrag – {}", def.call.title)
    };
    sections.push(LetterSection {
        heading: "Skäl för beslutet".into(),
        body: input.decision.reasons.clone(),
    });
    if !input.reclaims.is_empty() {
        let lines: Vec<String> = input
            .reclaims
            .iter()
            .map(|r| {
                format!(
                    "- {} för {}, senast {}. Ange referensen {} vid betalningen.",
                    r.amount,
                    r.year,
                    swedish_date(r.due_on),
                    r.payment_reference
                )
            })
            .collect();
        sections.push(LetterSection {
            heading: "Återbetalning".into(),
            body: format!(
                "Statsbidrag som redan har betalats ut överstiger det belopp som gäller efter detta beslut. {organisation} ska betala tillbaka till {agency}:\n\n{}",
                lines.join("\n")
            ),
        });
    }
    (heading, sections)
}

/// What was applied for beside what is granted, per year (every year either names); with
/// nothing known of what was applied for, only what is granted.
fn applied_and_granted(
    applied: Option<&BTreeMap<i32, Ore>>,
    granted: &BTreeMap<i32, Ore>,
) -> AmountTable {
    match applied.filter(|a| !a.is_empty()) {
        Some(applied) => {
            let mut years: Vec<i32> = applied.keys().chain(granted.keys()).copied().collect();
            years.sort_unstable();
            years.dedup();
            AmountTable {
                columns: vec!["Sökt belopp".into(), "Beviljat belopp".into()],
                rows: years
                    .into_iter()
                    .map(|year| AmountRow {
                        year,
                        amounts: vec![
                            applied.get(&year).copied().unwrap_or(Ore::ZERO),
                            granted.get(&year).copied().unwrap_or(Ore::ZERO),
                        ],
                    })
                    .collect(),
            }
        }
        None => AmountTable::single(
            "Beviljat belopp",
            &granted.iter().map(|(y, a)| (*y, *a)).collect::<Vec<_>>(),
        ),
    }
}

/// The part of an application that is not granted, per year: "- 363 938 kr av de
/// 3 363 938 kr som har sökts för 2022".
fn refused_lines(applied: &BTreeMap<i32, Ore>, granted: &BTreeMap<i32, Ore>) -> Vec<String> {
    applied
        .iter()
        .filter_map(|(year, asked)| {
            let got = granted.get(year).copied().unwrap_or(Ore::ZERO);
            (got < *asked)
                .then(|| format!("- {} av de {asked} som har sökts för {year}", *asked - got))
        })
        .collect()
}

/// The letter for a decision about to be signed (or signed).
pub fn build(input: &LetterInput<'_>) -> Letter {
    let LetterInput {
        def,
        decision,
        years,
        organisation,
        decided_on,
        now,
        applied,
        ..
    } = *input;
    let people = &input.people;
    let agency = def.programme.agency_name.clone();
    let granted: BTreeMap<i32, Ore> = years
        .iter()
        .filter(|y| y.amount_ore != Ore::ZERO)
        .map(|y| (y.year, y.amount_ore))
        .collect();
    let granted_years: Vec<i32> = granted.keys().copied().collect();
    let total: Ore = granted.values().copied().sum();
    let mut sections = Vec::new();
    let mut table = AmountTable::default();
    let (heading, annex) = match (decision.kind, &input.amended) {
        (DecisionKind::Change | DecisionKind::Revocation, Some(amended)) => {
            let (heading, body) = change_sections(input, amended);
            sections = body;
            // What the changed decision granted before and grants after, per year.
            table = AmountTable {
                columns: vec![
                    "Beviljat före ändringen".into(),
                    "Beviljat efter ändringen".into(),
                ],
                rows: amended
                    .before
                    .iter()
                    .map(|(year, before)| {
                        let change = granted.get(year).copied().unwrap_or(Ore::ZERO);
                        AmountRow {
                            year: *year,
                            amounts: vec![*before, *before + change],
                        }
                    })
                    .collect(),
            };
            (heading, None)
        }
        (DecisionKind::Rejection, _) => {
            let more = if decision.redistribution_round_id.is_some() {
                "ytterligare "
            } else {
                ""
            };
            sections.push(LetterSection {
                heading: "Beslut".into(),
                body: format!(
                    "{agency} avslår ansökan om {more}statsbidrag från {} ({}).",
                    organisation.name, def.call.title
                ),
            });
            sections.push(LetterSection {
                heading: "Skäl för beslutet".into(),
                body: decision.reasons.clone(),
            });
            // What was applied for, all of it refused.
            if applied.is_some_and(|a| !a.is_empty()) {
                table = applied_and_granted(applied, &BTreeMap::new());
            }
            (
                format!(
                    "Beslut om avslag på ansökan om {more}statsbidrag – {}",
                    def.call.title
                ),
                None,
            )
        }
        _ => {
            let top_up = decision.kind == DecisionKind::TopUp;
            let more = if top_up { "ytterligare " } else { "" };
            let outcome = applied.map(|a| super::outcome(a, &granted));
            let applied_total: Ore = applied
                .map(|a| a.values().copied().sum())
                .unwrap_or(Ore::ZERO);
            let granting = match outcome {
                Some(Outcome::Granted) => format!(
                    "{agency} beviljar {} {more}statsbidrag med sammanlagt {total} för {}, det belopp som har sökts, enligt tabellen nedan.",
                    organisation.name,
                    years_text(&granted_years)
                ),
                Some(_) => format!(
                    "{agency} beviljar {} {more}statsbidrag med sammanlagt {total} för {} enligt tabellen nedan. Ansökan gällde sammanlagt {applied_total}.",
                    organisation.name,
                    years_text(&granted_years)
                ),
                None => format!(
                    "{agency} beviljar {} {more}statsbidrag med sammanlagt {total} för {} enligt tabellen nedan.",
                    organisation.name,
                    years_text(&granted_years)
                ),
            };
            let paying = if top_up {
                format!(
                    "Beloppet kommer utöver tidigare beviljat statsbidrag och betalas ut i {} respektive år eller, om den tiden redan har passerat, så snart som möjligt efter beslutet. Medlen kommer från det som inte har fördelats eller som har betalats tillbaka.",
                    month_name(def.call.payment_month)
                )
            } else {
                format!(
                    "Statsbidraget betalas ut i {} respektive år.",
                    month_name(def.call.payment_month)
                )
            };
            let mut body = format!("{granting} {paying}");
            // Less than applied for: the rest is refused, in so many words, because that
            // part of the decision can be appealed.
            if let (Some(Outcome::PartlyGranted), Some(applied)) = (outcome, applied) {
                body.push_str(&format!(
                    "\n\n{agency} avslår ansökan i övrigt.\n\nAvslaget gäller följande, av de skäl som anges nedan:\n{}",
                    refused_lines(applied, &granted).join("\n")
                ));
            }
            sections.push(LetterSection {
                heading: "Beslut".into(),
                body,
            });
            table = applied_and_granted(applied, &granted);
            sections.push(LetterSection {
                heading: "Ändamål".into(),
                body: decision.purpose.clone(),
            });
            sections.push(LetterSection {
                heading: "Skäl för beslutet".into(),
                body: decision.reasons.clone(),
            });
            let due: Vec<String> = granted_years
                .iter()
                .filter_map(|y| {
                    report_due(def, *y).map(|d| format!("- för {y}: senast {}", swedish_date(d)))
                })
                .collect();
            sections.push(LetterSection {
                heading: "Villkor".into(),
                body: format!(
                    "- Statsbidraget får bara användas för det ändamål som anges i detta beslut.\n- {} ska återrapportera hur statsbidraget har använts och vilka resultat som har uppnåtts, mot de förväntade resultaten i bilaga 1, i {agency}s e-tjänst.\n- Medel som inte har använts för ändamålet under bidragsåret ska betalas tillbaka till {agency}.\n- {agency} kan besluta att helt eller delvis kräva tillbaka statsbidraget om det har lämnats på felaktiga grunder eller med för högt belopp, om det inte har använts för ändamålet, eller om villkoren i beslutet inte har följts.",
                    organisation.name
                ),
            });
            sections.push(LetterSection {
                heading: "Återrapportering".into(),
                body: format!(
                    "Återrapporteringen för varje bidragsår ska ha kommit in till {agency}:\n\n{}",
                    due.join("\n")
                ),
            });
            let annex = Annex {
                title: def.call.annex_title.clone(),
                intro: def.call.annex_intro.clone(),
                years: granted_years
                    .iter()
                    .map(|year| AnnexYear {
                        year: *year,
                        results: def
                            .expected_results
                            .iter()
                            .filter(|r| r.year == *year)
                            .map(|r| AnnexResult {
                                area: r.area.clone(),
                                title: r.title.clone(),
                                body: r.body.clone(),
                            })
                            .collect(),
                    })
                    .filter(|y| !y.results.is_empty())
                    .collect(),
            };
            let annex = (!annex.years.is_empty()).then_some(annex);
            (
                format!(
                    "Beslut om {more}statsbidrag för {} – {}",
                    years_text(&granted_years),
                    def.call.title
                ),
                annex,
            )
        }
    };
    sections.push(LetterSection {
        heading: "Rättslig grund".into(),
        body: def.programme.legal_basis.clone(),
    });
    sections.push(LetterSection {
        heading: "Hur man överklagar".into(),
        body: def.programme.appeal_text.clone(),
    });
    Letter {
        agency,
        agency_unit: def.programme.agency_unit.clone(),
        document_kind: "BESLUT".into(),
        decided_on,
        registration_number: decision.registration_number.clone(),
        recipient_name: organisation.name.clone(),
        recipient_org_number: organisation.org_number.clone(),
        heading,
        sections,
        amounts: table,
        decision_maker: people.decision_maker.to_string(),
        presenting_officer: people.presenting_officer.to_string(),
        annex,
        created_at: now,
        // From now on every letter names who to ask; letters signed before keep their words.
        contact: Some(crate::agency::of_programme(&def.programme)),
    }
}

/// The letter's file name: `beslut-SB-2020-0001-2020-06-30.pdf`.
pub fn filename(decision: &Decision, decided_on: NaiveDate) -> String {
    let prefix = match decision.kind {
        DecisionKind::Change => "andringsbeslut",
        DecisionKind::Revocation => "aterkallelse",
        _ => "beslut",
    };
    format!(
        "{prefix}-{}-{}.pdf",
        decision.registration_number, decided_on
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_read_as_swedish() {
        assert_eq!(years_text(&[2021]), "2021");
        assert_eq!(years_text(&[2021, 2022]), "2021 och 2022");
        assert_eq!(years_text(&[2021, 2022, 2023]), "2021, 2022 och 2023");
        assert_eq!(month_name(1), "januari");
        assert_eq!(month_name(3), "mars");
    }
}
