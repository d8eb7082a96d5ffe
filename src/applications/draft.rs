//! What an applicant types: the input as sent, the rules that read it, and the rules for a
//! complete application. Plain functions over the call's definition, no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calls::form::{self, AnswerInput};
use crate::db::applications::{Answer, BudgetLine, StaffLine, YearRequest};
use crate::db::calls::{CallDefinition, CallSection, CallYear, CostCategory, DraftForm};
use crate::error::FieldErrors;
use crate::forms::{self, FormData};
use crate::money::Ore;

pub const PROJECT_TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 500;
pub const STAFF_ROLE_MAX: usize = 200;
pub const SUPPLEMENT_ANSWER_MAX: usize = 8000;
const MAX_BUDGET_LINES: usize = 400;
const MAX_STAFF_LINES: usize = 200;

/// An application draft as sent by a form or the API. Every value is the text that was
/// sent; `budget` and `staff` left out (null) keep what the draft already holds.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DraftInput {
    #[serde(default)]
    pub project_title: String,
    /// Answers by question number ("1", "2", ...): a text for most types, a list for
    /// multiple choice, rows for a table, `{"total", "girls", "boys"}` for counts by sex
    /// (see `calls::form`).
    #[serde(default)]
    pub answers: BTreeMap<String, AnswerInput>,
    /// Budget per year and cost category.
    #[serde(default)]
    pub budget: Option<Vec<BudgetInput>>,
    /// Staff lines: who works in the project, how much, at what cost.
    #[serde(default)]
    pub staff: Option<Vec<StaffInput>>,
    /// The answer to the supplement request a new version answers.
    #[serde(default)]
    pub supplement_answer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BudgetInput {
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2021")]
    pub year: String,
    /// The cost category's code (`personal`, `resor`, ...).
    #[serde(default)]
    pub category: String,
    /// Whole kronor.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "1500000")]
    pub amount: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct StaffInput {
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2021")]
    pub year: String,
    #[serde(default)]
    pub role: String,
    /// Share of full time, in per cent (1–100).
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "50")]
    pub fte_percent: String,
    /// Months in the year (1–12).
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "12")]
    pub months: String,
    /// Cost for the year, whole kronor.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "420000")]
    pub cost: String,
}

impl StaffInput {
    /// A row with nothing typed in it (forms show empty rows to fill in).
    pub fn is_blank(&self) -> bool {
        [
            &self.year,
            &self.role,
            &self.fte_percent,
            &self.months,
            &self.cost,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

impl DraftInput {
    /// Reads the application form. Budget cells are `budget.YEAR.CATEGORY` (amount) and
    /// `budget.YEAR.CATEGORY.description`; staff rows `staff.N.FIELD`. A form without budget
    /// fields (`budget_present` absent) keeps the budget as it is.
    pub fn from_form(form: &FormData) -> DraftInput {
        let answers = form::answers_from_form(form);
        let (budget, staff) = if form.has("budget_present") {
            let mut cells: BTreeMap<(String, String), BudgetInput> = BTreeMap::new();
            for (key, value) in form.map("budget") {
                let mut parts = key.splitn(3, '.');
                let (Some(year), Some(category)) = (parts.next(), parts.next()) else {
                    continue;
                };
                let cell = cells
                    .entry((year.to_string(), category.to_string()))
                    .or_insert_with(|| BudgetInput {
                        year: year.to_string(),
                        category: category.to_string(),
                        ..Default::default()
                    });
                match parts.next() {
                    None => cell.amount = value,
                    Some("description") => cell.description = value,
                    Some(_) => {}
                }
            }
            let staff = form
                .rows("staff")
                .into_iter()
                .map(|row| StaffInput {
                    year: row.get("year").cloned().unwrap_or_default(),
                    role: row.get("role").cloned().unwrap_or_default(),
                    fte_percent: row.get("fte_percent").cloned().unwrap_or_default(),
                    months: row.get("months").cloned().unwrap_or_default(),
                    cost: row.get("cost").cloned().unwrap_or_default(),
                })
                .collect();
            (Some(cells.into_values().collect()), Some(staff))
        } else {
            (None, None)
        };
        DraftInput {
            project_title: form.get("project_title"),
            answers,
            budget,
            staff,
            supplement_answer: form
                .has("supplement_answer")
                .then(|| form.get("supplement_answer")),
        }
    }

    /// The text typed for a budget cell, for showing the form again.
    pub fn budget_text(&self, year: i32, category: &str) -> Option<(String, String)> {
        self.budget.as_ref().and_then(|lines| {
            lines
                .iter()
                .find(|l| l.year.trim() == year.to_string() && l.category == category)
                .map(|l| (l.amount.clone(), l.description.clone()))
        })
    }
}

/// A staff line as the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    pub year: i32,
    pub role: String,
    pub fte_percent: i32,
    pub months: i32,
    pub cost: Ore,
}

/// A budget cell as the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    pub year: i32,
    pub category_id: String,
    pub amount: Ore,
    pub description: String,
}

/// A draft that passed the rules for saving: every value well-formed and within its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftContent {
    pub project_title: String,
    /// Section id → text, for the sections with any text.
    pub answers: BTreeMap<String, String>,
    /// `None`: keep the budget as it is.
    pub budget: Option<(Vec<BudgetRow>, Vec<StaffRow>)>,
    pub supplement_answer: Option<String>,
}

/// What of a call the rules for a draft read: its years, questions and cost categories.
/// Saving a draft loads only these (3 queries instead of the definition's 8).
#[derive(Debug, Clone, Copy)]
pub struct FormRules<'a> {
    pub years: &'a [CallYear],
    pub sections: &'a [CallSection],
    pub cost_categories: &'a [CostCategory],
}

impl<'a> From<&'a CallDefinition> for FormRules<'a> {
    fn from(def: &'a CallDefinition) -> Self {
        FormRules {
            years: &def.years,
            sections: &def.sections,
            cost_categories: &def.cost_categories,
        }
    }
}

impl<'a> From<&'a DraftForm> for FormRules<'a> {
    fn from(form: &'a DraftForm) -> Self {
        FormRules {
            years: &form.years,
            sections: &form.sections,
            cost_categories: &form.cost_categories,
        }
    }
}

fn budget_field(year: &str, category: &str) -> String {
    format!("budget.{}.{}", year.trim(), category.trim())
}

/// Reads a draft against the call. Every problem is reported, each beside its field.
pub fn parse<'a>(
    def: impl Into<FormRules<'a>>,
    input: &DraftInput,
) -> Result<DraftContent, FieldErrors> {
    let def: FormRules<'a> = def.into();
    let mut errors = FieldErrors::new();
    let project_title = forms::optional_text(&input.project_title, PROJECT_TITLE_MAX)
        .unwrap_or_else(|m| {
            errors.add("project_title", m);
            String::new()
        });

    let mut answers = BTreeMap::new();
    for (key, input) in &input.answers {
        let section = key
            .trim()
            .parse::<i32>()
            .ok()
            .and_then(|n| def.sections.iter().find(|s| s.position == n));
        let Some(section) = section else {
            errors.add(
                format!("answers.{key}"),
                "Utlysningen har ingen fråga med det numret.",
            );
            continue;
        };
        if let Some(body) = form::parse_answer(&section.field(), input, &mut errors) {
            answers.insert(section.id.clone(), body);
        }
    }

    let budget = match (&input.budget, &input.staff) {
        (None, None) => None,
        (budget, staff) => Some(parse_budget(
            def,
            budget.as_deref().unwrap_or_default(),
            staff.as_deref().unwrap_or_default(),
            &mut errors,
        )),
    };

    let supplement_answer = match &input.supplement_answer {
        None => None,
        Some(text) => match forms::optional_text(text, SUPPLEMENT_ANSWER_MAX) {
            Ok(t) => Some(t),
            Err(m) => {
                errors.add("supplement_answer", m);
                None
            }
        },
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DraftContent {
        project_title,
        answers,
        budget,
        supplement_answer,
    })
}

fn parse_budget(
    def: FormRules<'_>,
    budget: &[BudgetInput],
    staff: &[StaffInput],
    errors: &mut FieldErrors,
) -> (Vec<BudgetRow>, Vec<StaffRow>) {
    let years: BTreeSet<i32> = def.years.iter().map(|y| y.year).collect();
    let mut rows = Vec::new();
    if budget.len() > MAX_BUDGET_LINES {
        errors.add("budget", "Budgeten har för många rader.");
        return (Vec::new(), Vec::new());
    }
    let mut seen = BTreeSet::new();
    for line in budget {
        let field = budget_field(&line.year, &line.category);
        let year = match line.year.trim().parse::<i32>() {
            Ok(y) if years.contains(&y) => y,
            _ => {
                errors.add(field, "Året finns inte i utlysningen.");
                continue;
            }
        };
        let Some(category) = def
            .cost_categories
            .iter()
            .find(|c| c.code == line.category.trim())
        else {
            errors.add(field, "Kostnadsslaget finns inte i utlysningen.");
            continue;
        };
        if !seen.insert((year, category.id.clone())) {
            errors.add(field, "Kostnadsslaget står två gånger för samma år.");
            continue;
        }
        let description = match forms::optional_text(&line.description, DESCRIPTION_MAX) {
            Ok(d) => d,
            Err(m) => {
                errors.add(format!("{field}.description"), m);
                continue;
            }
        };
        if line.amount.trim().is_empty() {
            if !description.is_empty() {
                errors.add(field, "Ange ett belopp för den beskrivna kostnaden.");
            }
            continue;
        }
        match Ore::parse_whole_kronor(&line.amount) {
            Ok(amount) => rows.push(BudgetRow {
                year,
                category_id: category.id.clone(),
                amount,
                description,
            }),
            Err(e) => errors.add(field, e.to_string()),
        }
    }
    for year in def.years {
        let sum: Ore = rows
            .iter()
            .filter(|r| r.year == year.year)
            .map(|r| r.amount)
            .sum();
        if sum > year.ceiling_ore {
            errors.add(
                format!("budget.{}", year.year),
                format!(
                    "Det sökta beloppet för {} ({}) är större än årets ram i utlysningen ({}).",
                    year.year, sum, year.ceiling_ore
                ),
            );
        }
    }

    let mut staff_rows = Vec::new();
    if staff.len() > MAX_STAFF_LINES {
        errors.add("staff", "För många personalrader.");
        return (rows, Vec::new());
    }
    for (i, line) in staff.iter().enumerate() {
        if line.is_blank() {
            continue;
        }
        let field = |name: &str| format!("staff.{i}.{name}");
        let year = match forms::year(&line.year, 1900, 2200) {
            Ok(y) if years.contains(&(y as i32)) => Some(y as i32),
            Ok(_) => {
                errors.add(field("year"), "Året finns inte i utlysningen.");
                None
            }
            Err(m) => {
                errors.add(field("year"), m);
                None
            }
        };
        let role = forms::required_text(&line.role, STAFF_ROLE_MAX, "befattning")
            .map_err(|m| errors.add(field("role"), m))
            .ok();
        let fte = forms::integer(&line.fte_percent, 1, 100, "andel av heltid i procent")
            .map_err(|m| errors.add(field("fte_percent"), m))
            .ok();
        let months = forms::integer(&line.months, 1, 12, "antal månader")
            .map_err(|m| errors.add(field("months"), m))
            .ok();
        let cost = Ore::parse_whole_kronor(&line.cost)
            .map_err(|e| errors.add(field("cost"), e.to_string()))
            .ok();
        if let (Some(year), Some(role), Some(fte), Some(months), Some(cost)) =
            (year, role, fte, months, cost)
        {
            staff_rows.push(StaffRow {
                year,
                role,
                fte_percent: fte as i32,
                months: months as i32,
                cost,
            });
        }
    }
    (rows, staff_rows)
}

/// What a draft holds, as stored: the input to the rules for a complete application.
#[derive(Debug, Clone, Default)]
pub struct StoredDraft {
    pub project_title: String,
    pub answers: Vec<Answer>,
    pub years: Vec<YearRequest>,
    pub budget_lines: Vec<BudgetLine>,
    pub staff_lines: Vec<StaffLine>,
    pub supplement_answer: Option<String>,
    pub answers_supplement: bool,
    /// Files attached to each attachment question, by question id.
    pub files_by_section: BTreeMap<String, usize>,
}

/// The rules for a complete application, checked when it is submitted: a title, every
/// required question answered, an amount for at least one year, staff costs within the
/// personnel budget, and the supplement answered where the version answers one.
pub fn check_complete(def: &CallDefinition, draft: &StoredDraft) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if draft.project_title.trim().is_empty() {
        errors.add("project_title", "Ge projektet en rubrik.");
    }
    let answers: BTreeMap<String, String> = draft
        .answers
        .iter()
        .map(|a| (a.section_id.clone(), a.body.clone()))
        .collect();
    form::check_complete(
        &def.fields(),
        &answers,
        &draft.files_by_section,
        &mut errors,
    );
    let total: Ore = draft.years.iter().map(|y| y.requested_ore).sum();
    if total <= Ore::ZERO {
        errors.add("budget", "Ange vad ni söker för minst ett år i budgeten.");
    }
    for year in &def.years {
        let requested: Ore = draft
            .years
            .iter()
            .filter(|y| y.year == year.year)
            .map(|y| y.requested_ore)
            .sum();
        if requested > year.ceiling_ore {
            errors.add(
                format!("budget.{}", year.year),
                format!(
                    "Det sökta beloppet för {} ({}) är större än årets ram i utlysningen ({}).",
                    year.year, requested, year.ceiling_ore
                ),
            );
        }
    }
    if let Some(personnel) = def.cost_categories.iter().find(|c| c.code == "personal") {
        for year in &def.years {
            let staff: Ore = draft
                .staff_lines
                .iter()
                .filter(|s| s.year == year.year)
                .map(|s| s.cost_ore)
                .sum();
            let budgeted: Ore = draft
                .budget_lines
                .iter()
                .filter(|l| l.year == year.year && l.cost_category_id == personnel.id)
                .map(|l| l.amount_ore)
                .sum();
            if staff > budgeted {
                errors.add(
                    "staff",
                    format!(
                        "Personalraderna för {} kostar {}, mer än budgetens {} för {} ({}).",
                        year.year,
                        staff,
                        personnel.name.to_lowercase(),
                        year.year,
                        budgeted
                    ),
                );
            }
        }
    }
    if draft.answers_supplement
        && draft
            .supplement_answer
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
    {
        errors.add(
            "supplement_answer",
            "Skriv ert svar på kompletteringen: vad har ni lagt till eller ändrat?",
        );
    }
    errors
}

/// Per-year sums of budget rows, for `application_years`.
pub fn year_sums(years: &[CallYear], rows: &[BudgetRow]) -> Vec<(i32, Ore)> {
    years
        .iter()
        .filter(|y| rows.iter().any(|r| r.year == y.year))
        .map(|y| {
            (
                y.year,
                rows.iter()
                    .filter(|r| r.year == y.year)
                    .map(|r| r.amount)
                    .sum(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::calls::{Call, CallSection, CallYear, CostCategory, Programme};

    fn def() -> CallDefinition {
        let section = |n: i32, required| CallSection {
            id: format!("s{n}"),
            call_id: "c".into(),
            position: n,
            title: format!("Fråga {n}"),
            help_text: String::new(),
            required,
            max_length: 20,
            kind: crate::calls::form::FieldKind::LongText,
            settings: "{}".into(),
        };
        let category = |n: i32, code: &str| CostCategory {
            id: format!("k{n}"),
            call_id: "c".into(),
            position: n,
            code: code.into(),
            name: code.to_uppercase(),
        };
        let year = |y| CallYear {
            call_id: "c".into(),
            year: y,
            ceiling_ore: Ore::from_kronor(15_000_000),
            lock_version: 0,
        };
        CallDefinition {
            call: Call {
                id: "c".into(),
                programme_id: "p".into(),
                code: "c".into(),
                title: "t".into(),
                description: String::new(),
                annex_title: String::new(),
                annex_intro: String::new(),
                status: crate::codes::CallStatus::Published,
                max_recipients: 4,
                opens_on: Default::default(),
                last_day: Default::default(),
                payment_month: 1,
                report_due_month: 3,
                report_due_day: 1,
                requires_approved_reports: false,
                copied_from_call_id: None,
                created_at: Default::default(),
                published_at: None,
                closed_at: None,
            },
            programme: Programme {
                id: "p".into(),
                code: "p".into(),
                name: String::new(),
                agency_name: String::new(),
                agency_unit: String::new(),
                appropriation: String::new(),
                purpose: String::new(),
                legal_basis: String::new(),
                appeal_text: String::new(),
                created_at: Default::default(),
                contact_email: None,
                contact_phone: None,
            },
            years: vec![year(2021), year(2022)],
            eligible_kinds: vec![],
            sections: vec![section(1, true), section(2, false)],
            cost_categories: vec![category(1, "personal"), category(2, "resor")],
            criteria: vec![],
            expected_results: vec![],
            report_fields: vec![],
        }
    }

    fn line(year: &str, category: &str, amount: &str) -> BudgetInput {
        BudgetInput {
            year: year.into(),
            category: category.into(),
            amount: amount.into(),
            description: String::new(),
        }
    }

    #[test]
    fn every_bad_value_is_named_by_its_field() {
        let input = DraftInput {
            project_title: "x".repeat(201),
            answers: BTreeMap::from([
                ("1".into(), "y".repeat(21).into()),
                ("9".into(), "z".into()),
            ]),
            budget: Some(vec![
                line("2021", "personal", "-5"),
                line("2021", "resor", "12,50"),
                line("2022", "personal", "tio"),
                line("2023", "personal", "1"),
            ]),
            staff: Some(vec![StaffInput {
                year: "2021".into(),
                role: "".into(),
                fte_percent: "150".into(),
                months: "12".into(),
                cost: "100".into(),
            }]),
            supplement_answer: None,
        };
        let errors = parse(&def(), &input).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "project_title",
                "answers.1",
                "answers.9",
                "budget.2021.personal",
                "budget.2021.resor",
                "budget.2022.personal",
                "budget.2023.personal",
                "staff.0.role",
                "staff.0.fte_percent",
            ]
        );
        assert_eq!(
            errors.get("budget.2021.personal"),
            Some("Beloppet får inte vara negativt.")
        );
        assert_eq!(
            errors.get("budget.2021.resor"),
            Some("Ange beloppet i hela kronor, utan öre, som 250 000.")
        );
    }

    #[test]
    fn a_year_above_the_ceiling_is_refused_with_both_amounts() {
        let input = DraftInput {
            budget: Some(vec![
                line("2021", "personal", "10 000 000"),
                line("2021", "resor", "5 000 001"),
            ]),
            ..Default::default()
        };
        let errors = parse(&def(), &input).err().unwrap_or_default();
        let message = errors
            .get("budget.2021")
            .unwrap_or_default()
            .replace('\u{a0}', " ");
        assert!(message.contains("(15 000 001 kr)"), "{message}");
        assert!(message.contains("(15 000 000 kr)"), "{message}");
    }

    #[test]
    fn a_good_draft_sums_per_year() {
        let input = DraftInput {
            project_title: "Projekt".into(),
            answers: BTreeMap::from([("1".into(), " svar ".into()), ("2".into(), "".into())]),
            budget: Some(vec![
                line("2021", "personal", "2 000 000"),
                line("2021", "resor", "913 808"),
                line("2022", "personal", ""),
            ]),
            staff: Some(vec![StaffInput::default()]),
            supplement_answer: None,
        };
        let content = parse(&def(), &input).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(content.answers.len(), 1);
        assert_eq!(content.answers["s1"], "svar");
        let (rows, staff) = content.budget.unwrap_or_default();
        assert!(staff.is_empty());
        assert_eq!(
            year_sums(&def().years, &rows),
            [(2021, Ore::from_kronor(2_913_808))]
        );
    }

    #[test]
    fn completeness_needs_required_answers_amounts_and_staff_within_personnel() {
        let d = def();
        let draft = StoredDraft {
            staff_lines: vec![StaffLine {
                id: "x".into(),
                version_id: "v".into(),
                year: 2021,
                position: 0,
                role: "Läkare".into(),
                fte_percent: 50,
                months: 12,
                cost_ore: Ore::from_kronor(1),
            }],
            answers_supplement: true,
            ..Default::default()
        };
        let errors = check_complete(&d, &draft);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "project_title",
                "answers.1",
                "budget",
                "staff",
                "supplement_answer"
            ]
        );
    }
}
