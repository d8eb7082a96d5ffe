//! Report-back (återrapportering): once a grant year has ended, each recipient reports per
//! grant decision and year how it worked toward each expected result of that year, a few
//! aggregate counts the mandate asks for, and what the money was used for. The officer
//! approves the report or asks for a supplement; unused money becomes a repayment claim.
//!
//! This file holds the rules, as plain functions without I/O: when a report opens and is
//! due, what a draft may hold, what a complete report needs, the money, and how counts are
//! shown to the public. `workflow` does the steps, `overview` the officers' view across
//! regions, `reminders` the e-mails before and after the due day, `letter` the repayment
//! claim's letter.

pub mod letter;
pub mod mail;
pub mod overview;
pub mod reminders;
pub mod workflow;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calls::form;
use crate::codes::text_enum;
use crate::db::calls::{CallDefinition, ExpectedResult};
use crate::db::reports::{CostLine, ReportAnswer, ReportRules};
use crate::error::FieldErrors;
use crate::forms::{self, FormData};
use crate::money::Ore;

text_enum! {
    /// Where a report is. A report not yet started has no row (see `Slot`).
    ReportStatus {
        Draft => "draft", "Påbörjad";
        Submitted => "submitted", "Inlämnad";
        SupplementRequested => "supplement_requested", "Komplettering begärd";
        Approved => "approved", "Godkänd";
    }
}

text_enum! {
    /// How far the organisation came toward an expected result.
    Achievement {
        Achieved => "achieved", "Uppnått";
        Partly => "partly", "Delvis uppnått";
        NotAchieved => "not_achieved", "Inte uppnått";
    }
}

text_enum! {
    ClaimKind {
        Repayment => "repayment", "Återbetalning";
        Reclaim => "reclaim", "Återkrav";
    }
}

text_enum! {
    ClaimStatus {
        Open => "open", "Obetald";
        Received => "received", "Inbetald";
        Waived => "waived", "Efterskänkt";
    }
}

pub const ACTIVITIES_MAX: usize = 4000;
pub const OBSTACLES_MAX: usize = 4000;
pub const SIGNER_MAX: usize = 200;
pub const SUPPLEMENT_MESSAGE_MAX: usize = 4000;
/// Full-time equivalents, in hundredths: at most 10 000 FTE.
pub const FTE_HUNDREDTHS_MAX: i64 = 1_000_000;

/// The defaults for a call without rules of its own.
pub const DEFAULT_OPENS_OFFSET_DAYS: i32 = 0;
pub const DEFAULT_REMINDER_DAYS_BEFORE: i32 = 14;
pub const DEFAULT_REPAYMENT_DUE_DAYS: i32 = 30;

pub fn default_rules(call_id: &str) -> ReportRules {
    ReportRules {
        call_id: call_id.to_string(),
        opens_offset_days: DEFAULT_OPENS_OFFSET_DAYS,
        reminder_days_before: DEFAULT_REMINDER_DAYS_BEFORE,
        repayment_due_days: DEFAULT_REPAYMENT_DUE_DAYS,
    }
}

/// When a year's report opens: the day after the grant year ends (1 January the year
/// after), moved by the call's offset.
pub fn opens_on(rules: &ReportRules, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .map(|d| d + Duration::days(i64::from(rules.opens_offset_days)))
}

/// When a year's report is due: the call's day in the year after (`2022-03-01` for 2021
/// in the 2020 call), the same day the decision letter names.
pub fn due_on(def: &CallDefinition, year: i32) -> Option<NaiveDate> {
    crate::decisions::letter::report_due(def, year)
}

/// The day the reminder before the due day goes out.
pub fn reminder_on(rules: &ReportRules, due: NaiveDate) -> NaiveDate {
    due - Duration::days(i64::from(rules.reminder_days_before))
}

/// The day a repayment is due, counted from the approval.
pub fn repayment_due(rules: &ReportRules, approved: NaiveDate) -> NaiveDate {
    approved + Duration::days(i64::from(rules.repayment_due_days))
}

/// The reference the recipient quotes when paying back: the case's registration number and
/// the year, `SB-2020-0001-2021`.
pub fn payment_reference(registration_number: &str, year: i32) -> String {
    format!("{registration_number}-{year}")
}

/// One answer as sent. (Named apart in the API document: `calls::form::AnswerInput`, the
/// answer to a field of a form, is `AnswerInput` there.)
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[schema(as = ResultAnswerInput)]
pub struct AnswerInput {
    /// `achieved`, `partly` or `not_achieved`.
    #[serde(default)]
    pub achievement: String,
    /// What the organisation did toward the result.
    #[serde(default)]
    pub activities: String,
    /// What stood in the way.
    #[serde(default)]
    pub obstacles: String,
}

/// A report draft as sent by the form or the API: every value the text that was sent.
/// Field names in errors: `answers.<expected_result_id>.achievement|activities|obstacles`,
/// `answers.<n>` (with `answers.<n>.<row>.<column>` and `answers.<n>.total|girls|boys`) for
/// the call's own fields, `costs.<category code>`, `children_total`, `girls`, `boys` (when
/// the counts were sent under those names), `staff_fte`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(try_from = "ReportInputWire", into = "ReportInputWire")]
pub struct ReportInput {
    /// Under an expected result's id, its answer group; under the number of one of the
    /// call's own report-back fields (`"1"`, `"2"`, ...), that field's answer: a text for
    /// most types, a list for multiple choice, rows for a table, `{"total", "girls",
    /// "boys"}` for counts by sex (see `calls::form`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, ReportAnswerEntry>)]
    pub answers: BTreeMap<String, AnswerInput>,
    /// The call's own fields' answers, by field number: the number keys of `answers`.
    #[serde(skip)]
    pub fields: BTreeMap<String, form::AnswerInput>,
    /// Used per cost category code, kronor (öre allowed: `1 234,50`).
    #[serde(default, deserialize_with = "forms::text_map")]
    pub costs: BTreeMap<String, String>,
    /// Children and young people included in the year (a count, no data about anyone).
    /// Kept for clients written before the counts became a field of the call (issue 15):
    /// `children_total`, `girls` and `boys` are the answer to the call's counts field (its
    /// first field of counts by sex), as if sent as `answers.<n>` = `{"total", "girls",
    /// "boys"}`. If the same draft also sends `answers.<n>` for that field, that answer is
    /// the one stored and these are not read. A call without a counts field refuses them.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "23")]
    pub children_total: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "9")]
    pub girls: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "14")]
    pub boys: String,
    /// Staff in full-time equivalents, up to two decimals: `3,5`.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "3,5")]
    pub staff_fte: String,
}

/// One entry of a report draft's `answers`, for the API document: which it is follows
/// from the key (a number names one of the call's own fields), not from the shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ReportAnswerEntry {
    Result(AnswerInput),
    Field(form::AnswerInput),
}

/// Whether a key of `answers` names one of the call's own fields (a number) rather than an
/// expected result (whose ids are UUIDs, never only digits).
pub fn is_field_key(key: &str) -> bool {
    let key = key.trim();
    !key.is_empty() && key.chars().all(|c| c.is_ascii_digit())
}

/// `ReportInput` as it travels: one `answers` map holding both kinds of answer, split by
/// key when read.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ReportInputWire {
    #[serde(default)]
    answers: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "forms::text_map")]
    costs: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "forms::text")]
    children_total: String,
    #[serde(default, deserialize_with = "forms::text")]
    girls: String,
    #[serde(default, deserialize_with = "forms::text")]
    boys: String,
    #[serde(default, deserialize_with = "forms::text")]
    staff_fte: String,
}

impl TryFrom<ReportInputWire> for ReportInput {
    type Error = String;

    fn try_from(wire: ReportInputWire) -> Result<Self, Self::Error> {
        let mut answers = BTreeMap::new();
        let mut fields = BTreeMap::new();
        for (key, value) in wire.answers {
            if is_field_key(&key) {
                let answer: form::AnswerInput = serde_json::from_value(value)
                    .map_err(|e| format!("answers.{key}: svaret kunde inte läsas ({e})"))?;
                fields.insert(key.trim().to_string(), answer);
            } else {
                let answer: AnswerInput = serde_json::from_value(value).map_err(|e| {
                    format!(
                        "answers.{key}: svaret på ett förväntat resultat ska vara ett objekt med achievement, activities och obstacles ({e})"
                    )
                })?;
                answers.insert(key, answer);
            }
        }
        Ok(ReportInput {
            answers,
            fields,
            costs: wire.costs,
            children_total: wire.children_total,
            girls: wire.girls,
            boys: wire.boys,
            staff_fte: wire.staff_fte,
        })
    }
}

impl From<ReportInput> for ReportInputWire {
    fn from(input: ReportInput) -> Self {
        let mut answers: BTreeMap<String, serde_json::Value> = input
            .answers
            .into_iter()
            .map(|(k, v)| (k, serde_json::to_value(v).unwrap_or_default()))
            .collect();
        for (k, v) in input.fields {
            answers.insert(k, serde_json::to_value(v).unwrap_or_default());
        }
        ReportInputWire {
            answers,
            costs: input.costs,
            children_total: input.children_total,
            girls: input.girls,
            boys: input.boys,
            staff_fte: input.staff_fte,
        }
    }
}

impl ReportInput {
    /// Reads the form: `answers.<id>.<field>`, the own fields' `answers.<n>...` (the counts
    /// of children among them), `costs.<code>` and the staff.
    pub fn from_form(form: &FormData) -> ReportInput {
        let mut answers: BTreeMap<String, AnswerInput> = BTreeMap::new();
        for (key, value) in form.map("answers") {
            let Some((id, field)) = key.rsplit_once('.') else {
                continue;
            };
            // `answers.<n>.…` belongs to the call's own fields, read below.
            if is_field_key(id.split('.').next().unwrap_or_default()) {
                continue;
            }
            let answer = answers.entry(id.to_string()).or_default();
            match field {
                "achievement" => answer.achievement = value,
                "activities" => answer.activities = value,
                "obstacles" => answer.obstacles = value,
                _ => {}
            }
        }
        let fields = form::answers_from_form(form)
            .into_iter()
            .filter(|(key, _)| is_field_key(key))
            .collect();
        ReportInput {
            answers,
            fields,
            costs: form.map("costs"),
            // The form asks the counts as the call's field; the old names are still read,
            // so that a page loaded before an upgrade saves what was typed.
            children_total: form.get("children_total"),
            girls: form.get("girls"),
            boys: form.get("boys"),
            staff_fte: form.get("staff_fte"),
        }
    }
}

/// The aggregate counts of a version: children, girls and boys as the answer to the call's
/// counts field (`counts_of`), staff as stored with the version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub children_total: Option<i32>,
    pub girls: Option<i32>,
    pub boys: Option<i32>,
    pub staff_fte_hundredths: Option<i32>,
}

/// The counts field a call gets unless the officer removes it, as every call asked before
/// the counts became a field (issue 15): migration 000027, the 2020 call's fixture and a new
/// call start with it.
pub const COUNTS_FIELD_TITLE: &str = "Barn och unga som ingått";
pub const COUNTS_FIELD_HELP: &str = "Bara antal, inga uppgifter om enskilda barn eller unga.";
pub const COUNTS_FIELD_MAX_LENGTH: i32 = 8000;

/// The counts field as a new call's form input starts with it.
pub fn counts_field_input() -> crate::calls::edit::SectionInput {
    crate::calls::edit::SectionInput {
        title: COUNTS_FIELD_TITLE.into(),
        help_text: COUNTS_FIELD_HELP.into(),
        required: "true".into(),
        max_length: COUNTS_FIELD_MAX_LENGTH.to_string(),
        kind: form::FieldKind::SexCounts.as_str().into(),
        settings: "{}".into(),
    }
}

/// The call's counts of children and young people who took part: its first report-back
/// field of counts by sex. A call without one asks no counts.
pub fn counts_field(fields: &[form::FormField]) -> Option<&form::FormField> {
    fields.iter().find(|f| f.kind == form::FieldKind::SexCounts)
}

/// Whether `field` is the call's counts field: shown as the fixed counts (children, girls,
/// boys) where those are shown, so not a second time among the call's own fields.
pub fn is_counts_field(fields: &[form::FormField], field: &form::FormField) -> bool {
    counts_field(fields).is_some_and(|c| c.id == field.id)
}

/// A version's counts: children, girls and boys from its answer to the counts field (none
/// when the call has no such field, or a condition hides it), staff as stored.
pub fn counts_of(
    fields: &[form::FormField],
    staff_fte_hundredths: Option<i32>,
    answers: &BTreeMap<String, String>,
) -> Counts {
    let sex = counts_field(fields)
        .filter(|f| form::visible(f, fields, answers))
        .and_then(|f| answers.get(&f.id))
        .and_then(|body| form::read_sex_counts(body));
    // Stored counts are bounded far below i32; one that does not fit is not shown rather
    // than shown wrong.
    let small = |n: i64| i32::try_from(n).ok();
    Counts {
        children_total: sex.and_then(|c| small(c.total)),
        girls: sex.and_then(|c| c.girls).and_then(small),
        boys: sex.and_then(|c| c.boys).and_then(small),
        staff_fte_hundredths,
    }
}

/// A draft that passed the rules for saving.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftContent {
    /// Expected result id → (achievement, activities, obstacles).
    pub answers: BTreeMap<String, (Achievement, String, String)>,
    /// Cost category id → used.
    pub costs: BTreeMap<String, Ore>,
    pub counts: Counts,
    /// The call's own fields: field id → the answer's canonical text.
    pub fields: BTreeMap<String, String>,
}

impl DraftContent {
    pub fn used(&self) -> Ore {
        self.costs.values().copied().sum()
    }
}

/// `3,5` or `3.25` full-time equivalents as hundredths.
pub fn parse_fte(text: &str) -> Result<Option<i32>, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace(',', ".");
    if cleaned.is_empty() {
        return Ok(None);
    }
    let bad = || {
        "Ange antalet årsarbetskrafter med siffror, högst två decimaler, till exempel 3,5."
            .to_string()
    };
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || whole.len() > 6
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<2}").parse().map_err(|_| bad())?
    };
    let hundredths = whole * 100 + fraction;
    if hundredths > FTE_HUNDREDTHS_MAX {
        return Err("Antalet årsarbetskrafter är orimligt stort.".into());
    }
    Ok(Some(hundredths as i32))
}

/// Hundredths as people write them: `3,5`, `2`, `0,25`.
pub fn format_fte(hundredths: i32) -> String {
    let whole = hundredths / 100;
    let fraction = hundredths % 100;
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole},{}", f / 10),
        f => format!("{whole},{f:02}"),
    }
}

/// Reads a draft against the call and year. Every problem is reported beside its field;
/// nothing is stored unless all of it is well-formed. `received` is what the organisation
/// has been paid for the year: used money above it is refused, here and at submit.
pub fn parse(
    def: &CallDefinition,
    year: i32,
    input: &ReportInput,
    received: Ore,
) -> Result<DraftContent, FieldErrors> {
    let mut errors = FieldErrors::new();
    let results: BTreeMap<&str, &ExpectedResult> = def
        .expected_results
        .iter()
        .filter(|r| r.year == year)
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut answers = BTreeMap::new();
    for (id, answer) in &input.answers {
        let field = |name: &str| format!("answers.{id}.{name}");
        if !results.contains_key(id.as_str()) {
            errors.add(
                field("achievement"),
                format!("Beslutet har inget förväntat resultat för {year} med den beteckningen."),
            );
            continue;
        }
        let activities = forms::optional_text(&answer.activities, ACTIVITIES_MAX)
            .map_err(|m| errors.add(field("activities"), m))
            .ok();
        let obstacles = forms::optional_text(&answer.obstacles, OBSTACLES_MAX)
            .map_err(|m| errors.add(field("obstacles"), m))
            .ok();
        let code = answer.achievement.trim();
        let achievement = if code.is_empty() {
            None
        } else {
            match Achievement::parse(code) {
                Some(a) => Some(a),
                None => {
                    errors.add(
                        field("achievement"),
                        "Välj uppnått, delvis uppnått eller inte uppnått.",
                    );
                    continue;
                }
            }
        };
        match (achievement, activities, obstacles) {
            (Some(a), Some(act), Some(obs)) => {
                answers.insert(id.clone(), (a, act, obs));
            }
            // Text without a choice cannot be stored (an answer always says how far the
            // organisation came); the form keeps the text and asks for the choice.
            (None, Some(act), Some(obs)) if !act.is_empty() || !obs.is_empty() => {
                errors.add(
                    field("achievement"),
                    "Välj hur långt ni har kommit mot resultatet, så sparas texten med svaret.",
                );
            }
            _ => {}
        }
    }

    let mut costs = BTreeMap::new();
    for (code, amount) in &input.costs {
        let field = format!("costs.{code}");
        let Some(category) = def.cost_categories.iter().find(|c| c.code == code.trim()) else {
            errors.add(field, "Kostnadsslaget finns inte i utlysningen.");
            continue;
        };
        if amount.trim().is_empty() {
            continue;
        }
        match Ore::parse_kronor(amount) {
            Ok(used) => {
                costs.insert(category.id.clone(), used);
            }
            Err(e) => errors.add(field, e.to_string()),
        }
    }
    let used: Ore = costs.values().copied().sum();
    if used > received {
        errors.add("costs", over_received(used, received));
    }

    let fields = parse_fields_with_counts(def, input, &mut errors);
    let staff_fte_hundredths = parse_fte(&input.staff_fte)
        .map_err(|m| errors.add("staff_fte", m))
        .unwrap_or(None);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DraftContent {
        answers,
        costs,
        fields,
        counts: Counts {
            staff_fte_hundredths,
            ..Counts::default()
        },
    })
}

/// The call's own fields' answers, with the counts sent under their names from before
/// issue 15 (`children_total`, `girls`, `boys`) read as the answer to the counts field.
/// Problems with counts sent that way are named as they were sent.
fn parse_fields_with_counts(
    def: &CallDefinition,
    input: &ReportInput,
    errors: &mut FieldErrors,
) -> BTreeMap<String, String> {
    let legacy = [
        ("total", "children_total", &input.children_total),
        ("girls", "girls", &input.girls),
        ("boys", "boys", &input.boys),
    ];
    if legacy.iter().all(|(_, _, text)| text.trim().is_empty()) {
        return parse_fields(def, &input.fields, errors);
    }
    let form = def.report_form();
    let Some(field) = counts_field(&form) else {
        errors.add(
            "children_total",
            "Utlysningen frågar inte efter antal barn och unga i återrapporteringen.",
        );
        return parse_fields(def, &input.fields, errors);
    };
    let key = field.position.to_string();
    if input.fields.contains_key(&key) {
        // The field's own answer wins: it is what the form of today sends.
        return parse_fields(def, &input.fields, errors);
    }
    let mut fields = input.fields.clone();
    fields.insert(
        key,
        form::AnswerInput::Parts(
            legacy
                .iter()
                .filter(|(_, _, text)| !text.trim().is_empty())
                .map(|(part, _, text)| (part.to_string(), text.to_string()))
                .collect(),
        ),
    );
    let mut found = FieldErrors::new();
    let out = parse_fields(def, &fields, &mut found);
    let name = field.name();
    for e in found.into_vec() {
        let renamed = legacy.iter().find_map(|(part, old, _)| {
            (e.field == format!("{name}.{part}") || (*part == "total" && e.field == name))
                .then_some(*old)
        });
        match renamed {
            Some(old) => errors.add(old, e.message),
            None => errors.add(e.field, e.message),
        }
    }
    out
}

/// The answers to the call's own report-back fields, each read against its field's type:
/// field id → canonical text. Answers to fields a condition hides are kept (the answer that
/// hides them may change back); they are neither required nor shown while hidden.
fn parse_fields(
    def: &CallDefinition,
    input: &BTreeMap<String, form::AnswerInput>,
    errors: &mut FieldErrors,
) -> BTreeMap<String, String> {
    let fields = def.report_form();
    let mut out = BTreeMap::new();
    for (key, answer) in input {
        let field = key
            .trim()
            .parse::<i32>()
            .ok()
            .and_then(|n| fields.iter().find(|f| f.position == n));
        let Some(field) = field else {
            errors.add(
                format!("answers.{key}"),
                "Utlysningen har ingen fråga med det numret i återrapporteringen.",
            );
            continue;
        };
        if let Some(body) = form::parse_answer(field, answer, errors) {
            out.insert(field.id.clone(), body);
        }
    }
    out
}

fn over_received(used: Ore, received: Ore) -> String {
    format!(
        "Använt ({used}) är mer än ni har fått utbetalt för året ({received}). Oanvända medel kan inte bli negativa; kontrollera beloppen."
    )
}

/// The money of a report: received from the payments, used as reported, unused the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Money {
    pub received: Ore,
    pub used: Ore,
}

impl Money {
    /// Unused = received − used; never negative (more used than received is refused).
    pub fn unused(&self) -> Ore {
        if self.used > self.received {
            Ore::ZERO
        } else {
            self.received - self.used
        }
    }

    /// What is to be paid back: all of the unused money.
    pub fn to_repay(&self) -> Ore {
        self.unused()
    }
}

/// A draft as stored: the input to the rules for a complete report.
#[derive(Debug, Clone, Default)]
pub struct StoredDraft {
    pub answers: Vec<ReportAnswer>,
    pub costs: Vec<CostLine>,
    pub counts: Counts,
    pub received: Ore,
    /// The call's own fields: field id → stored answer.
    pub fields: BTreeMap<String, String>,
}

/// The rules for a complete report, checked when it is submitted: every expected result of
/// the year answered (how far, and what was done; what stood in the way unless the result
/// was reached), the staff given, every required field of the call's own answered (the
/// counts of children among them), and no more used than received. `signer` is the named person and their role, both required.
pub fn check_complete(
    def: &CallDefinition,
    year: i32,
    draft: &StoredDraft,
    signer: Option<(&str, &str)>,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for result in def.expected_results.iter().filter(|r| r.year == year) {
        let field = |name: &str| format!("answers.{}.{name}", result.id);
        match draft
            .answers
            .iter()
            .find(|a| a.expected_result_id == result.id)
        {
            None => errors.add(
                field("achievement"),
                format!(
                    "Förväntat resultat {} är inte besvarat: {}.",
                    result.position, result.title
                ),
            ),
            Some(answer) => {
                if answer.activities.trim().is_empty() {
                    errors.add(
                        field("activities"),
                        format!(
                            "Beskriv vad ni har gjort för förväntat resultat {}.",
                            result.position
                        ),
                    );
                }
                if answer.achievement != Achievement::Achieved && answer.obstacles.trim().is_empty()
                {
                    errors.add(
                        field("obstacles"),
                        format!(
                            "Beskriv vad som har hindrat er i förväntat resultat {}.",
                            result.position
                        ),
                    );
                }
            }
        }
    }
    let used: Ore = draft.costs.iter().map(|c| c.used_ore).sum();
    if used > draft.received {
        errors.add("costs", over_received(used, draft.received));
    }
    if draft.counts.staff_fte_hundredths.is_none() {
        errors.add("staff_fte", "Ange personal i årsarbetskrafter (0 om inga).");
    }
    // The call's own fields, the counts of children among them: every required one that
    // is asked. Reports take no files, so
    // no attachment field can be waiting for one.
    form::check_complete(
        &def.report_form(),
        &draft.fields,
        &BTreeMap::new(),
        &mut errors,
    );
    if let Some((name, role)) = signer {
        if let Err(m) = forms::required_text(name, SIGNER_MAX, "namnet på den som skriver under") {
            errors.add("signer_name", m);
        }
        if let Err(m) =
            forms::required_text(role, SIGNER_MAX, "befattningen hos den som skriver under")
        {
            errors.add("signer_role", m);
        }
    }
    errors
}

/// A count as shown in an export meant for the public: 1 to 4 is written "<5" so that no
/// child can be singled out; 0 and 5 or more are shown as they are.
pub fn public_count(count: Option<i32>) -> String {
    match count {
        None => String::new(),
        Some(n) if (1..=4).contains(&n) => "<5".into(),
        Some(n) => n.to_string(),
    }
}

/// The three counts of a report as the public may see them: `(children, girls, boys)`.
/// Each count from 1 to 4 is written "<5"; and since girls and boys add up to at most the
/// total, a hidden one could be worked out from the other two, so when one of girls or
/// boys is hidden and the total is shown, the other is written "x" (hidden so that the
/// first cannot be calculated), as Swedish official statistics marks such cells.
pub fn public_counts(
    total: Option<i32>,
    girls: Option<i32>,
    boys: Option<i32>,
) -> (String, String, String) {
    let small = |n: Option<i32>| n.is_some_and(|n| (1..=4).contains(&n));
    let (mut g, mut b) = (public_count(girls), public_count(boys));
    // Only a total that is shown lets the subtraction be made.
    let total_shown = total.is_some() && !small(total);
    if total_shown && small(girls) && boys.is_some() && !small(boys) {
        b = "x".into();
    }
    if total_shown && small(boys) && girls.is_some() && !small(girls) {
        g = "x".into();
    }
    (public_count(total), g, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::calls::{Call, CallYear, CostCategory, Programme};

    #[test]
    fn a_hidden_count_cannot_be_worked_out_from_the_others() {
        let shown = |t, g, b| public_counts(Some(t), Some(g), Some(b));
        assert_eq!(shown(6, 5, 1), ("6".into(), "x".into(), "<5".into()));
        assert_eq!(shown(6, 3, 3), ("6".into(), "<5".into(), "<5".into()));
        assert_eq!(shown(23, 12, 11), ("23".into(), "12".into(), "11".into()));
        assert_eq!(shown(3, 0, 3), ("<5".into(), "0".into(), "<5".into()));
    }

    fn result(id: &str, year: i32, position: i32) -> ExpectedResult {
        ExpectedResult {
            id: id.into(),
            call_id: "c".into(),
            year,
            position,
            area: String::new(),
            title: format!("Resultat {position}"),
            body: String::new(),
        }
    }

    fn def() -> CallDefinition {
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
                report_due_day: 31,
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
            years: vec![CallYear {
                call_id: "c".into(),
                year: 2021,
                ceiling_ore: Ore::from_kronor(15_000_000),
                lock_version: 0,
            }],
            eligible_kinds: vec![],
            sections: vec![],
            cost_categories: vec![
                CostCategory {
                    id: "k1".into(),
                    call_id: "c".into(),
                    position: 1,
                    code: "personal".into(),
                    name: "Personal".into(),
                },
                CostCategory {
                    id: "k2".into(),
                    call_id: "c".into(),
                    position: 2,
                    code: "resor".into(),
                    name: "Resor".into(),
                },
            ],
            criteria: vec![],
            expected_results: vec![
                result("r1", 2021, 1),
                result("r2", 2021, 2),
                result("x", 2022, 1),
            ],
            report_fields: vec![],
        }
    }

    fn answer(a: &str, act: &str, obs: &str) -> AnswerInput {
        AnswerInput {
            achievement: a.into(),
            activities: act.into(),
            obstacles: obs.into(),
        }
    }

    #[test]
    fn the_schedule_follows_the_call() {
        let d = def();
        let rules = default_rules("c");
        assert_eq!(opens_on(&rules, 2021), NaiveDate::from_ymd_opt(2022, 1, 1));
        assert_eq!(due_on(&d, 2021), NaiveDate::from_ymd_opt(2022, 3, 31));
        let due = NaiveDate::from_ymd_opt(2022, 3, 31).unwrap_or_default();
        assert_eq!(
            reminder_on(&rules, due),
            NaiveDate::from_ymd_opt(2022, 3, 17).unwrap_or_default()
        );
        let later = ReportRules {
            opens_offset_days: 14,
            ..rules.clone()
        };
        assert_eq!(opens_on(&later, 2021), NaiveDate::from_ymd_opt(2022, 1, 15));
        let approved = NaiveDate::from_ymd_opt(2022, 4, 10).unwrap_or_default();
        assert_eq!(
            repayment_due(&rules, approved),
            NaiveDate::from_ymd_opt(2022, 5, 10).unwrap_or_default()
        );
        assert_eq!(payment_reference("SB-2020-0001", 2021), "SB-2020-0001-2021");
    }

    /// The call with the counts field every call had before issue 15.
    fn def_with_counts() -> CallDefinition {
        let mut d = def();
        d.report_fields = vec![crate::db::calls::ReportField {
            id: "antal".into(),
            call_id: "c".into(),
            position: 1,
            title: COUNTS_FIELD_TITLE.into(),
            help_text: COUNTS_FIELD_HELP.into(),
            required: true,
            max_length: COUNTS_FIELD_MAX_LENGTH,
            kind: crate::calls::form::FieldKind::SexCounts,
            settings: "{}".into(),
        }];
        d
    }

    #[test]
    fn every_bad_value_is_named_by_its_field() {
        let input = ReportInput {
            answers: BTreeMap::from([
                ("r1".into(), answer("maybe", "x", "")),
                ("r2".into(), answer("", "text utan val", "")),
                ("x".into(), answer("achieved", "fel år", "")),
            ]),
            costs: BTreeMap::from([
                ("personal".into(), "-5".into()),
                ("resor".into(), "12,505".into()),
                ("hyra".into(), "1".into()),
            ]),
            children_total: "tio".into(),
            girls: "-1".into(),
            boys: "".into(),
            staff_fte: "3,555".into(),
            ..Default::default()
        };
        let errors = parse(&def_with_counts(), 2021, &input, Ore::from_kronor(100))
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers.r1.achievement",
                "answers.r2.achievement",
                "answers.x.achievement",
                "costs.hyra",
                "costs.personal",
                "costs.resor",
                "children_total",
                "girls",
                "staff_fte",
            ]
        );
    }

    #[test]
    fn used_above_received_is_refused_and_unused_is_never_negative() {
        let input = ReportInput {
            costs: BTreeMap::from([
                ("personal".into(), "2 000 000".into()),
                ("resor".into(), "513 808,50".into()),
            ]),
            ..Default::default()
        };
        let received = Ore::from_kronor(2_513_808);
        let errors = parse(&def(), 2021, &input, received)
            .err()
            .unwrap_or_default();
        assert!(errors.get("costs").is_some());
        let ok = ReportInput {
            costs: BTreeMap::from([
                ("personal".into(), "2 000 000".into()),
                ("resor".into(), "113 808".into()),
            ]),
            ..Default::default()
        };
        let content = parse(&def(), 2021, &ok, received).unwrap_or_else(|e| panic!("{e:?}"));
        let money = Money {
            received,
            used: content.used(),
        };
        assert_eq!(money.unused(), Ore::from_kronor(400_000));
        assert_eq!(money.to_repay(), Ore::from_kronor(400_000));
        let over = Money {
            received: Ore::from_kronor(1),
            used: Ore::from_kronor(2),
        };
        assert_eq!(over.unused(), Ore::ZERO);
    }

    #[test]
    fn girls_and_boys_may_not_exceed_the_total() {
        let input = ReportInput {
            children_total: "10".into(),
            girls: "6".into(),
            boys: "5".into(),
            ..Default::default()
        };
        let d = def_with_counts();
        let errors = parse(&d, 2021, &input, Ore::ZERO).err().unwrap_or_default();
        assert!(errors.get("children_total").is_some());
        let fewer = ReportInput {
            boys: "3".into(),
            ..input
        };
        assert!(parse(&d, 2021, &fewer, Ore::ZERO).is_ok());
    }

    #[test]
    fn the_old_count_names_answer_the_counts_field() {
        let d = def_with_counts();
        let old = ReportInput {
            children_total: "23".into(),
            girls: "9".into(),
            boys: "14".into(),
            ..Default::default()
        };
        let content = parse(&d, 2021, &old, Ore::ZERO).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            content.fields["antal"],
            r#"{"total":23,"girls":9,"boys":14}"#
        );
        let form = d.report_form();
        let counts = counts_of(&form, None, &content.fields);
        assert_eq!(
            (counts.children_total, counts.girls, counts.boys),
            (Some(23), Some(9), Some(14))
        );
        // Sent both ways, the field's own answer wins.
        let both = ReportInput {
            fields: BTreeMap::from([(
                "1".into(),
                crate::calls::form::AnswerInput::Parts(BTreeMap::from([(
                    "total".into(),
                    "5".into(),
                )])),
            )]),
            ..old.clone()
        };
        let content = parse(&d, 2021, &both, Ore::ZERO).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            content.fields["antal"],
            r#"{"total":5,"girls":null,"boys":null}"#
        );
        // A call that asks no counts refuses them rather than dropping them.
        let errors = parse(&def(), 2021, &old, Ore::ZERO)
            .err()
            .unwrap_or_default();
        assert!(errors.get("children_total").is_some());
    }

    #[test]
    fn a_complete_report_answers_every_result_of_its_year() {
        let draft = StoredDraft {
            answers: vec![ReportAnswer {
                version_id: "v".into(),
                expected_result_id: "r1".into(),
                achievement: Achievement::Partly,
                activities: "Vi gjorde".into(),
                obstacles: "".into(),
            }],
            counts: Counts {
                children_total: Some(3),
                girls: Some(1),
                boys: Some(2),
                staff_fte_hundredths: None,
            },
            ..Default::default()
        };
        let errors = check_complete(&def(), 2021, &draft, Some(("Anna", "")));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers.r1.obstacles",
                "answers.r2.achievement",
                "staff_fte",
                "signer_role"
            ]
        );
    }

    #[test]
    fn the_calls_own_fields_are_answered_beside_the_results_and_read_by_type() {
        use crate::calls::form::FieldKind;
        use crate::db::calls::ReportField;
        let field = |position: i32, kind: FieldKind| ReportField {
            id: format!("f{position}"),
            call_id: "c".into(),
            position,
            title: format!("Fråga {position}"),
            help_text: String::new(),
            required: true,
            max_length: 100,
            kind,
            settings: "{}".into(),
        };
        let mut d = def();
        d.report_fields = vec![field(1, FieldKind::Integer), field(2, FieldKind::SexCounts)];
        // One map in the API: a number is a field of the call, anything else a result.
        let input: ReportInput = serde_json::from_str(
            r#"{"answers": {"r1": {"achievement": "achieved", "activities": "x"},
                "1": 12, "2": {"total": 3, "girls": 1}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(input.answers.contains_key("r1"));
        assert_eq!(input.fields.len(), 2);
        let content = parse(&d, 2021, &input, Ore::ZERO).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(content.fields["f1"], "12");
        assert_eq!(content.fields["f2"], r#"{"total":3,"girls":1,"boys":null}"#);
        // The form's names: `answers.<n>` beside `answers.<id>.<part>`.
        let form = FormData::new(vec![
            ("answers.r1.achievement".into(), "partly".into()),
            ("answers.1".into(), "tolv".into()),
            ("answers.2.total".into(), "3".into()),
            ("answers.9".into(), "x".into()),
        ]);
        let input = ReportInput::from_form(&form);
        assert_eq!(input.answers.len(), 1);
        let errors = parse(&d, 2021, &input, Ore::ZERO).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.1", "answers.9"]);
        // At submit: required fields of the call are answered.
        let errors = check_complete(&d, 2021, &StoredDraft::default(), None);
        assert!(errors.get("answers.1").is_some() && errors.get("answers.2").is_some());
    }

    #[test]
    fn fte_reads_and_writes_swedish_decimals() {
        assert_eq!(parse_fte("3,5"), Ok(Some(350)));
        assert_eq!(parse_fte("0.25"), Ok(Some(25)));
        assert_eq!(parse_fte(""), Ok(None));
        assert!(parse_fte("3,555").is_err());
        assert!(parse_fte("-1").is_err());
        assert!(parse_fte(",5").is_err());
        assert_eq!(format_fte(350), "3,5");
        assert_eq!(format_fte(25), "0,25");
        assert_eq!(format_fte(200), "2");
    }

    #[test]
    fn small_counts_are_hidden_from_the_public() {
        assert_eq!(public_count(Some(0)), "0");
        for n in 1..=4 {
            assert_eq!(public_count(Some(n)), "<5");
        }
        assert_eq!(public_count(Some(5)), "5");
        assert_eq!(public_count(None), "");
    }
}
