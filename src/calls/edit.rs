//! Officers write calls: create and edit a draft, publish it, close it early, copy an earlier
//! call. After publishing, the terms change only by a recorded amendment, shown on the call's
//! page; the form itself (questions, cost categories, criteria, expected results), the years
//! and who may apply are fixed once applicants may have started.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit::{self, action};
use crate::calls::form::{self, FieldKind, FormField};
use crate::clock;
use crate::codes::{CallStatus, OrgKind, Role};
use crate::db::calls::{
    Amendment, Call, CallDefinition, CallSection, CallYear, CostCategory, Criterion,
    ExpectedResult, ReportField,
};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms::{self, FormData};
use crate::money::Ore;

const TITLE_MAX: usize = 300;
const LONG_TEXT_MAX: usize = 20_000;
const SHORT_TEXT_MAX: usize = 300;
const MAX_ROWS: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CallYearInput {
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2021")]
    pub year: String,
    /// The year's ceiling, whole kronor.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "15000000")]
    pub ceiling: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SectionInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub help_text: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = bool)]
    pub required: String,
    /// Most characters an answer may have (text types).
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "8000")]
    pub max_length: String,
    /// The field's type (`calls::form::FieldKind`); free text (`long_text`) when left out.
    #[serde(default)]
    #[schema(value_type = String, example = "long_text")]
    pub kind: String,
    /// The type's settings: bounds, options, columns, file kinds, the condition for showing
    /// the field. A JSON object, or the same as text.
    #[serde(default, deserialize_with = "forms::json_text")]
    #[schema(value_type = Option<crate::calls::form::FieldSettings>)]
    pub settings: String,
}

impl SectionInput {
    /// A stored field as input, to edit it.
    pub fn from_field(field: &crate::calls::form::FormField) -> SectionInput {
        SectionInput {
            title: field.title.clone(),
            help_text: field.help_text.clone(),
            required: field.required.to_string(),
            max_length: field.max_length.to_string(),
            kind: field.kind.as_str().to_string(),
            settings: crate::calls::form::settings_json(&field.settings),
        }
    }

    fn from_row(row: &std::collections::BTreeMap<String, String>) -> SectionInput {
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        SectionInput {
            title: get("title"),
            help_text: get("help_text"),
            required: get("required"),
            max_length: get("max_length"),
            kind: get("kind"),
            settings: get("settings"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CategoryInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CriterionInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ExpectedResultInput {
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2021")]
    pub year: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// A call as an officer sends it, every value as typed. Rows left entirely blank are
/// skipped (a form shows a few empty rows to fill in).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CallInput {
    /// The programme's code.
    #[serde(default)]
    pub programme: String,
    /// A short unique code, lower case letters, digits and hyphens.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub annex_title: String,
    #[serde(default)]
    pub annex_intro: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2020-01-31")]
    pub opens_on: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2020-04-20")]
    pub last_day: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "4")]
    pub max_recipients: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "1")]
    pub payment_month: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "3")]
    pub report_due_month: String,
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "1")]
    pub report_due_day: String,
    #[serde(default)]
    pub eligible_kinds: Vec<String>,
    /// Whether an organisation's earlier grants in the programme must have approved
    /// report-backs before it may apply.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = bool)]
    pub requires_approved_reports: String,
    #[serde(default)]
    pub years: Vec<CallYearInput>,
    #[serde(default)]
    pub sections: Vec<SectionInput>,
    #[serde(default)]
    pub cost_categories: Vec<CategoryInput>,
    #[serde(default)]
    pub criteria: Vec<CriterionInput>,
    #[serde(default)]
    pub expected_results: Vec<ExpectedResultInput>,
    /// The report-back's own fields, beside the answer group per expected result. Same
    /// shape as `sections`.
    #[serde(default)]
    pub report_fields: Vec<SectionInput>,
    /// Required when a published call is changed: what the amendment is, in a sentence.
    #[serde(default)]
    pub amendment_summary: String,
}

fn blank(values: &[&str]) -> bool {
    values.iter().all(|v| v.trim().is_empty())
}

impl CallInput {
    /// A new call's starting point: the four cost categories the agency always asks for,
    /// and the report-back's counts of children and young people.
    pub fn new_blank(today: chrono::NaiveDate) -> CallInput {
        let next_year = chrono::Datelike::year(&today) + 1;
        CallInput {
            programme: String::new(),
            max_recipients: "4".into(),
            payment_month: "1".into(),
            report_due_month: "3".into(),
            report_due_day: "31".into(),
            eligible_kinds: vec!["region".into()],
            years: vec![CallYearInput {
                year: next_year.to_string(),
                ceiling: String::new(),
            }],
            cost_categories: [
                ("personal", "Personal"),
                ("resor", "Resor"),
                ("utbildning", "Utbildning"),
                ("ovrigt", "Övrigt"),
            ]
            .iter()
            .map(|(code, name)| CategoryInput {
                code: code.to_string(),
                name: name.to_string(),
            })
            .collect(),
            // The counts every report-back asked before they became a field (issue 15);
            // the officer may remove them.
            report_fields: vec![crate::reports::counts_field_input()],
            ..Default::default()
        }
    }

    /// A stored call as input, to edit it.
    pub fn from_definition(def: &CallDefinition) -> CallInput {
        CallInput {
            programme: def.programme.code.clone(),
            code: def.call.code.clone(),
            title: def.call.title.clone(),
            description: def.call.description.clone(),
            annex_title: def.call.annex_title.clone(),
            annex_intro: def.call.annex_intro.clone(),
            opens_on: def.call.opens_on.to_string(),
            last_day: def.call.last_day.to_string(),
            max_recipients: def.call.max_recipients.to_string(),
            payment_month: def.call.payment_month.to_string(),
            report_due_month: def.call.report_due_month.to_string(),
            report_due_day: def.call.report_due_day.to_string(),
            eligible_kinds: def
                .eligible_kinds
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            requires_approved_reports: def.call.requires_approved_reports.to_string(),
            years: def
                .years
                .iter()
                .map(|y| CallYearInput {
                    year: y.year.to_string(),
                    ceiling: y.ceiling_ore.to_kronor().to_string(),
                })
                .collect(),
            sections: def.fields().iter().map(SectionInput::from_field).collect(),
            report_fields: def
                .report_form()
                .iter()
                .map(SectionInput::from_field)
                .collect(),
            cost_categories: def
                .cost_categories
                .iter()
                .map(|c| CategoryInput {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            criteria: def
                .criteria
                .iter()
                .map(|c| CriterionInput {
                    title: c.title.clone(),
                    description: c.description.clone(),
                })
                .collect(),
            expected_results: def
                .expected_results
                .iter()
                .map(|r| ExpectedResultInput {
                    year: r.year.to_string(),
                    area: r.area.clone(),
                    title: r.title.clone(),
                    body: r.body.clone(),
                })
                .collect(),
            amendment_summary: String::new(),
        }
    }

    /// Reads the call form: scalar fields by name, repeated rows as `sections.N.title` etc.
    pub fn from_form(form: &FormData) -> CallInput {
        let get = |row: &std::collections::BTreeMap<String, String>, k: &str| {
            row.get(k).cloned().unwrap_or_default()
        };
        CallInput {
            programme: form.get("programme"),
            code: form.get("code"),
            title: form.get("title"),
            description: form.get("description"),
            annex_title: form.get("annex_title"),
            annex_intro: form.get("annex_intro"),
            opens_on: form.get("opens_on"),
            last_day: form.get("last_day"),
            max_recipients: form.get("max_recipients"),
            payment_month: form.get("payment_month"),
            report_due_month: form.get("report_due_month"),
            report_due_day: form.get("report_due_day"),
            eligible_kinds: form.all("eligible_kinds"),
            requires_approved_reports: form.get("requires_approved_reports"),
            years: form
                .rows("years")
                .iter()
                .map(|r| CallYearInput {
                    year: get(r, "year"),
                    ceiling: get(r, "ceiling"),
                })
                .collect(),
            sections: form
                .rows("sections")
                .iter()
                .map(SectionInput::from_row)
                .collect(),
            report_fields: form
                .rows("report_fields")
                .iter()
                .map(SectionInput::from_row)
                .collect(),
            cost_categories: form
                .rows("cost_categories")
                .iter()
                .map(|r| CategoryInput {
                    code: get(r, "code"),
                    name: get(r, "name"),
                })
                .collect(),
            criteria: form
                .rows("criteria")
                .iter()
                .map(|r| CriterionInput {
                    title: get(r, "title"),
                    description: get(r, "description"),
                })
                .collect(),
            expected_results: form
                .rows("expected_results")
                .iter()
                .map(|r| ExpectedResultInput {
                    year: get(r, "year"),
                    area: get(r, "area"),
                    title: get(r, "title"),
                    body: get(r, "body"),
                })
                .collect(),
            amendment_summary: form.get("amendment_summary"),
        }
    }
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 60
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Reads a call against the rules. On success, the definition to store (new row ids; the
/// call's own id, status and times from `base`).
pub fn parse(
    input: &CallInput,
    base: &Call,
    programme: Option<&db::calls::Programme>,
) -> Result<CallDefinition, FieldErrors> {
    let mut errors = FieldErrors::new();
    let programme = match programme {
        Some(p) => Some(p.clone()),
        None => {
            errors.add("programme", "Välj ett statsbidragsprogram.");
            None
        }
    };
    let code = input.code.trim().to_string();
    if !is_code(&code) {
        errors.add(
            "code",
            "Ange en kort kod med små bokstäver a–z, siffror och bindestreck, till exempel 2020-integrerad-vard.",
        );
    }
    let text = |errors: &mut FieldErrors, field: &str, value: &str, max, what: &str| {
        forms::required_text(value, max, what)
            .map_err(|m| errors.add(field, m))
            .unwrap_or_default()
    };
    let title = text(&mut errors, "title", &input.title, TITLE_MAX, "en rubrik");
    let description = text(
        &mut errors,
        "description",
        &input.description,
        LONG_TEXT_MAX,
        "en beskrivning",
    );
    let annex_title = forms::optional_text(&input.annex_title, TITLE_MAX)
        .map_err(|m| errors.add("annex_title", m))
        .unwrap_or_default();
    let annex_intro = forms::optional_text(&input.annex_intro, LONG_TEXT_MAX)
        .map_err(|m| errors.add("annex_intro", m))
        .unwrap_or_default();
    let opens_on = forms::date(&input.opens_on, "första ansökningsdag")
        .map_err(|m| errors.add("opens_on", m))
        .ok();
    let last_day = forms::date(&input.last_day, "sista ansökningsdag")
        .map_err(|m| errors.add("last_day", m))
        .ok();
    if let (Some(open), Some(last)) = (opens_on, last_day)
        && last < open
    {
        errors.add(
            "last_day",
            "Sista ansökningsdag kan inte ligga före första ansökningsdag.",
        );
    }
    let int = |errors: &mut FieldErrors, field: &str, value: &str, min, max, what: &str| {
        forms::integer(value, min, max, what)
            .map_err(|m| errors.add(field, m))
            .unwrap_or(min) as i32
    };
    let max_recipients = int(
        &mut errors,
        "max_recipients",
        &input.max_recipients,
        1,
        1000,
        "högsta antal mottagare",
    );
    let payment_month = int(
        &mut errors,
        "payment_month",
        &input.payment_month,
        1,
        12,
        "utbetalningsmånad",
    );
    let report_due_month = int(
        &mut errors,
        "report_due_month",
        &input.report_due_month,
        1,
        12,
        "månad för återrapportering",
    );
    let report_due_day = int(
        &mut errors,
        "report_due_day",
        &input.report_due_day,
        1,
        31,
        "dag för återrapportering",
    );

    let mut eligible_kinds = Vec::new();
    for kind in &input.eligible_kinds {
        match OrgKind::parse(kind.trim()) {
            Some(k) if !eligible_kinds.contains(&k) => eligible_kinds.push(k),
            Some(_) => {}
            None => errors.add(
                "eligible_kinds",
                format!("Okänd organisationstyp \"{kind}\"."),
            ),
        }
    }
    if eligible_kinds.is_empty() && errors.get("eligible_kinds").is_none() {
        errors.add(
            "eligible_kinds",
            "Välj minst en typ av organisation som kan söka.",
        );
    }

    let mut years = Vec::new();
    for (i, row) in input.years.iter().enumerate().take(MAX_ROWS) {
        if blank(&[&row.year, &row.ceiling]) {
            continue;
        }
        let year = forms::year(&row.year, 2000, 2100)
            .map_err(|m| errors.add(format!("years.{i}.year"), m))
            .ok();
        let ceiling = match Ore::parse_whole_kronor(&row.ceiling) {
            Ok(c) if c > Ore::ZERO => Some(c),
            Ok(_) => {
                errors.add(
                    format!("years.{i}.ceiling"),
                    "Ramen måste vara större än noll.",
                );
                None
            }
            Err(e) => {
                errors.add(format!("years.{i}.ceiling"), e.to_string());
                None
            }
        };
        if let (Some(year), Some(ceiling)) = (year, ceiling) {
            let year = year as i32;
            if years.iter().any(|y: &CallYear| y.year == year) {
                errors.add(format!("years.{i}.year"), "Året står två gånger.");
            } else {
                years.push(CallYear {
                    call_id: base.id.clone(),
                    year,
                    ceiling_ore: ceiling,
                    lock_version: 0,
                });
            }
        }
    }
    if years.is_empty() && !errors.iter().any(|e| e.field.starts_with("years.")) {
        errors.add("years.0.year", "Ange minst ett år med en ram.");
    }
    years.sort_by_key(|y| y.year);

    let sections: Vec<CallSection> = parse_fields(
        &input.sections,
        "sections",
        form::APPLICATION_KINDS,
        &mut errors,
    )
    .into_iter()
    .map(|f| CallSection {
        id: db::new_id(),
        call_id: base.id.clone(),
        position: f.position,
        title: f.title,
        help_text: f.help_text,
        required: f.required,
        max_length: f.max_length,
        kind: f.kind,
        settings: form::settings_json(&f.settings),
    })
    .collect();
    if !sections.iter().any(|s| s.kind != FieldKind::Page)
        && !errors.iter().any(|e| e.field.starts_with("sections."))
    {
        errors.add(
            "sections.0.title",
            "Ansökningsformuläret behöver minst en fråga.",
        );
    }
    let report_fields: Vec<ReportField> = parse_fields(
        &input.report_fields,
        "report_fields",
        form::REPORT_KINDS,
        &mut errors,
    )
    .into_iter()
    .map(|f| ReportField {
        id: db::new_id(),
        call_id: base.id.clone(),
        position: f.position,
        title: f.title,
        help_text: f.help_text,
        required: f.required,
        max_length: f.max_length,
        kind: f.kind,
        settings: form::settings_json(&f.settings),
    })
    .collect();

    let mut cost_categories: Vec<CostCategory> = Vec::new();
    for (i, row) in input.cost_categories.iter().enumerate().take(MAX_ROWS) {
        if blank(&[&row.code, &row.name]) {
            continue;
        }
        let code = row.code.trim().to_string();
        if !is_code(&code) {
            errors.add(
                format!("cost_categories.{i}.code"),
                "Ange en kod med små bokstäver a–z, siffror och bindestreck.",
            );
        } else if cost_categories.iter().any(|c| c.code == code) {
            errors.add(
                format!("cost_categories.{i}.code"),
                "Koden står två gånger.",
            );
        }
        let name = text(
            &mut errors,
            &format!("cost_categories.{i}.name"),
            &row.name,
            SHORT_TEXT_MAX,
            "kostnadsslagets namn",
        );
        cost_categories.push(CostCategory {
            id: db::new_id(),
            call_id: base.id.clone(),
            position: cost_categories.len() as i32 + 1,
            code,
            name,
        });
    }
    if cost_categories.is_empty() {
        errors.add(
            "cost_categories.0.code",
            "Budgeten behöver minst ett kostnadsslag.",
        );
    }

    let mut criteria = Vec::new();
    for (i, row) in input.criteria.iter().enumerate().take(MAX_ROWS) {
        if blank(&[&row.title, &row.description]) {
            continue;
        }
        criteria.push(Criterion {
            id: db::new_id(),
            call_id: base.id.clone(),
            position: criteria.len() as i32 + 1,
            title: text(
                &mut errors,
                &format!("criteria.{i}.title"),
                &row.title,
                SHORT_TEXT_MAX,
                "kriteriets rubrik",
            ),
            description: forms::optional_text(&row.description, LONG_TEXT_MAX)
                .map_err(|m| errors.add(format!("criteria.{i}.description"), m))
                .unwrap_or_default(),
        });
    }

    let year_set: BTreeSet<i32> = years.iter().map(|y| y.year).collect();
    let mut expected_results: Vec<ExpectedResult> = Vec::new();
    for (i, row) in input.expected_results.iter().enumerate().take(MAX_ROWS) {
        if blank(&[&row.year, &row.area, &row.title, &row.body]) {
            continue;
        }
        let year = match forms::year(&row.year, 2000, 2100) {
            Ok(y) if year_set.contains(&(y as i32)) => y as i32,
            Ok(_) => {
                errors.add(
                    format!("expected_results.{i}.year"),
                    "Året är inte ett av utlysningens år.",
                );
                0
            }
            Err(m) => {
                errors.add(format!("expected_results.{i}.year"), m);
                0
            }
        };
        let position = expected_results.iter().filter(|r| r.year == year).count() as i32 + 1;
        let area = forms::optional_text(&row.area, SHORT_TEXT_MAX)
            .map_err(|m| errors.add(format!("expected_results.{i}.area"), m))
            .unwrap_or_default();
        // A result may be headed by its area alone, as in Bilaga 1 of the 2020 call
        // ("Deltagande i samordningen av utvecklingsarbetet" has no title of its own); the
        // call's text is kept as written rather than given an invented title.
        let title = if row.title.trim().is_empty() && !area.is_empty() {
            String::new()
        } else {
            text(
                &mut errors,
                &format!("expected_results.{i}.title"),
                &row.title,
                SHORT_TEXT_MAX,
                "resultatets rubrik eller dess område",
            )
        };
        expected_results.push(ExpectedResult {
            id: db::new_id(),
            call_id: base.id.clone(),
            year,
            position,
            area,
            title,
            body: text(
                &mut errors,
                &format!("expected_results.{i}.body"),
                &row.body,
                LONG_TEXT_MAX,
                "resultatets text",
            ),
        });
    }

    let (Some(programme), Some(opens_on), Some(last_day)) = (programme, opens_on, last_day) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CallDefinition {
        call: Call {
            programme_id: programme.id.clone(),
            code,
            title,
            description,
            annex_title,
            annex_intro,
            max_recipients,
            opens_on,
            last_day,
            payment_month,
            report_due_month,
            report_due_day,
            requires_approved_reports: forms::truthy(&input.requires_approved_reports),
            ..base.clone()
        },
        programme,
        years,
        eligible_kinds,
        sections,
        cost_categories,
        criteria,
        expected_results,
        report_fields,
    })
}

/// Reads the rows of a form's fields (`sections` or `report_fields`): blank rows skipped,
/// numbered from 1 in order, each type and its settings checked against the fields before
/// it (see `calls::form::check_field`).
fn parse_fields(
    rows: &[SectionInput],
    prefix: &str,
    allow: &[FieldKind],
    errors: &mut FieldErrors,
) -> Vec<FormField> {
    let mut fields: Vec<FormField> = Vec::new();
    for (i, row) in rows.iter().enumerate().take(MAX_ROWS) {
        if blank(&[&row.title, &row.help_text, &row.max_length]) {
            continue;
        }
        let name = |what: &str| format!("{prefix}.{i}.{what}");
        let position = fields.len() as i32 + 1;
        let title = forms::required_text(&row.title, SHORT_TEXT_MAX, "frågan")
            .map_err(|m| errors.add(name("title"), m))
            .unwrap_or_default();
        let help_text = forms::optional_text(&row.help_text, LONG_TEXT_MAX)
            .map_err(|m| errors.add(name("help_text"), m))
            .unwrap_or_default();
        let draft = form::FieldDraft {
            kind: row.kind.clone(),
            settings: row.settings.clone(),
        };
        let checked = form::check_field(
            &format!("{prefix}.{i}"),
            &draft,
            position,
            &fields,
            allow,
            errors,
        );
        let kind = checked
            .as_ref()
            .map_or(FieldKind::LongText, |(kind, _)| *kind);
        let max_length = if row.max_length.trim().is_empty() {
            form::default_max_length(kind)
        } else {
            forms::integer(&row.max_length, 10, 100_000, "högsta antal tecken")
                .map_err(|m| errors.add(name("max_length"), m))
                .map(|n| n as i32)
                .unwrap_or(8000)
        };
        let (kind, settings) =
            checked.unwrap_or((FieldKind::LongText, form::FieldSettings::default()));
        fields.push(FormField {
            id: String::new(),
            position,
            title,
            help_text,
            required: kind != FieldKind::Page && forms::truthy(&row.required),
            max_length,
            kind,
            settings,
        });
    }
    fields
}

fn require_officer(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: Option<&str>,
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), AppError> {
    if actor.role == Role::Officer {
        return Ok(());
    }
    audit::record_denied(conn, actor, now, "call", call_id, what)?;
    Err(AppError::Forbidden)
}

fn parse_for(
    conn: &mut DbConnection,
    input: &CallInput,
    base: &Call,
) -> Result<CallDefinition, AppError> {
    let programme = db::calls::find_programme_by_code(conn, input.programme.trim())?;
    let mut def = parse(input, base, programme.as_ref());
    if let Ok(d) = &def
        && db::calls::code_taken(conn, &d.call.code, Some(&base.id))?
    {
        def = Err(FieldErrors::single(
            "code",
            "Koden används redan av en annan utlysning.",
        ));
    }
    def.map_err(AppError::Invalid)
}

/// Creates a draft call.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CallInput,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    require_officer(conn, actor, None, now, "skapa en utlysning")?;
    db::write_tx(conn, |conn| {
        let base = new_call_base(now);
        let def = parse_for(conn, input, &base)?;
        db::calls::insert_definition(conn, &def)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CALL_CREATED,
                entity_type: "call",
                entity_id: Some(&def.call.id),
                summary: format!("Utlysningen \"{}\" skapad som utkast", def.call.title),
                details: definition_summary(&def),
            },
        )?;
        crate::calls::form_editor::record_saved_forms(
            conn,
            None,
            &def.call,
            Some(&actor.user_id),
            now,
        )?;
        Ok(def.call)
    })
}

fn new_call_base(now: DateTime<Utc>) -> Call {
    Call {
        id: db::new_id(),
        programme_id: String::new(),
        code: String::new(),
        title: String::new(),
        description: String::new(),
        annex_title: String::new(),
        annex_intro: String::new(),
        status: CallStatus::Draft,
        max_recipients: 1,
        opens_on: clock::stockholm_date(now),
        last_day: clock::stockholm_date(now),
        payment_month: 1,
        report_due_month: 3,
        report_due_day: 31,
        requires_approved_reports: false,
        copied_from_call_id: None,
        created_at: now.naive_utc(),
        published_at: None,
        closed_at: None,
    }
}

fn definition_summary(def: &CallDefinition) -> serde_json::Value {
    json!({
        "code": def.call.code,
        "title": def.call.title,
        "opens_on": def.call.opens_on,
        "last_day": def.call.last_day,
        "max_recipients": def.call.max_recipients,
        "years": def.years.iter().map(|y| json!({"year": y.year, "ceiling_ore": y.ceiling_ore.ore()})).collect::<Vec<_>>(),
        "eligible_kinds": def.eligible_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "sections": def.sections.len(),
        "report_fields": def.report_fields.len(),
        "cost_categories": def.cost_categories.len(),
        "criteria": def.criteria.len(),
        "expected_results": def.expected_results.len(),
    })
}

/// One changed term of a published call, before and after, as people read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermChange {
    pub term: String,
    pub before: String,
    pub after: String,
}

/// The terms an amendment may change, compared; and a refusal for anything it may not.
fn amendment_changes(
    old: &CallDefinition,
    new: &CallDefinition,
) -> Result<Vec<TermChange>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let fixed = |errors: &mut FieldErrors, same: bool, field: &str, what: &str| {
        if !same {
            errors.add(
                field,
                format!("{what} kan inte ändras när utlysningen är publicerad."),
            );
        }
    };
    fixed(&mut errors, old.call.code == new.call.code, "code", "Koden");
    fixed(
        &mut errors,
        old.programme.id == new.programme.id,
        "programme",
        "Programmet",
    );
    fixed(
        &mut errors,
        old.call.opens_on == new.call.opens_on,
        "opens_on",
        "Första ansökningsdag",
    );
    fixed(
        &mut errors,
        old.eligible_kinds == new.eligible_kinds
            && old.call.requires_approved_reports == new.call.requires_approved_reports,
        "eligible_kinds",
        "Vilka som kan söka",
    );
    fixed(
        &mut errors,
        old.years.iter().map(|y| y.year).collect::<Vec<_>>()
            == new.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        "years.0.year",
        "Åren",
    );
    // The forms are compared as people and the rules see them, not by row id.
    let same_form = |a: Vec<FormField>, b: Vec<FormField>| {
        let strip = |fields: Vec<FormField>| {
            fields
                .into_iter()
                .map(|f| FormField {
                    id: String::new(),
                    ..f
                })
                .collect::<Vec<_>>()
        };
        strip(a) == strip(b)
    };
    fixed(
        &mut errors,
        same_form(old.fields(), new.fields()),
        "sections.0.title",
        "Frågorna",
    );
    fixed(
        &mut errors,
        same_form(old.report_form(), new.report_form()),
        "report_fields.0.title",
        "Återrapporteringens frågor",
    );
    let categories = |d: &CallDefinition| {
        d.cost_categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect::<Vec<_>>()
    };
    fixed(
        &mut errors,
        categories(old) == categories(new),
        "cost_categories.0.code",
        "Kostnadsslagen",
    );
    let criteria = |d: &CallDefinition| {
        d.criteria
            .iter()
            .map(|c| (c.title.clone(), c.description.clone()))
            .collect::<Vec<_>>()
    };
    fixed(
        &mut errors,
        criteria(old) == criteria(new),
        "criteria.0.title",
        "Bedömningskriterierna",
    );
    let results = |d: &CallDefinition| {
        d.expected_results
            .iter()
            .map(|r| (r.year, r.area.clone(), r.title.clone(), r.body.clone()))
            .collect::<Vec<_>>()
    };
    fixed(
        &mut errors,
        results(old) == results(new),
        "expected_results.0.title",
        "De förväntade resultaten",
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut changes = Vec::new();
    let mut term = |name: &str, before: String, after: String| {
        if before != after {
            changes.push(TermChange {
                term: name.to_string(),
                before,
                after,
            });
        }
    };
    term("Rubrik", old.call.title.clone(), new.call.title.clone());
    term(
        "Beskrivning",
        old.call.description.clone(),
        new.call.description.clone(),
    );
    term(
        "Sista ansökningsdag",
        old.call.last_day.to_string(),
        new.call.last_day.to_string(),
    );
    term(
        "Högsta antal mottagare",
        old.call.max_recipients.to_string(),
        new.call.max_recipients.to_string(),
    );
    term(
        "Bilagans rubrik",
        old.call.annex_title.clone(),
        new.call.annex_title.clone(),
    );
    term(
        "Bilagans inledning",
        old.call.annex_intro.clone(),
        new.call.annex_intro.clone(),
    );
    for (o, n) in old.years.iter().zip(new.years.iter()) {
        term(
            &format!("Ram {}", o.year),
            o.ceiling_ore.to_string(),
            n.ceiling_ore.to_string(),
        );
    }
    if old.call.payment_month != new.call.payment_month
        || old.call.report_due_month != new.call.report_due_month
        || old.call.report_due_day != new.call.report_due_day
    {
        return Err(FieldErrors::single(
            "payment_month",
            "Utbetalningsmånad och dag för återrapportering kan inte ändras när utlysningen är publicerad.",
        ));
    }
    Ok(changes)
}

/// Saves a call: a draft is written again; a published call is amended, on the record.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    input: &CallInput,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    // Every save of a call's form is a version of it, recorded with the save.
    update_with(conn, actor, call_id, input, now, |conn, before, call| {
        crate::calls::form_editor::record_saved_forms(
            conn,
            Some(before),
            call,
            Some(&actor.user_id),
            now,
        )
    })
}

/// As [`update`], with `after` run in the same transaction once the call is written, given
/// the call as it stood before: [`update`] and the form editor record the forms' new
/// versions there, so that a change and its version are saved together or not at all
/// (each records them its own way, so `after` is the only place they are recorded).
pub fn update_with<F>(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    input: &CallInput,
    now: DateTime<Utc>,
    after: F,
) -> Result<Call, AppError>
where
    F: FnOnce(&mut DbConnection, &CallDefinition, &Call) -> Result<(), AppError>,
{
    // Checked and recorded before the transaction: a refusal must stay on record.
    require_officer(conn, actor, Some(call_id), now, "ändra en utlysning")?;
    db::write_tx(conn, |conn| {
        let old_call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        let old = db::calls::load_definition(conn, old_call.clone())?;
        let new = parse_for(conn, input, &old_call)?;
        let call = match old_call.status {
            CallStatus::Draft => {
                db::calls::replace_draft_definition(conn, &new)?;
                audit::record(
                    conn,
                    Some(actor),
                    now,
                    audit::Entry {
                        action: action::CALL_UPDATED,
                        entity_type: "call",
                        entity_id: Some(call_id),
                        summary: format!("Utkastet till utlysningen \"{}\" ändrat", new.call.title),
                        details: definition_summary(&new),
                    },
                )?;
                Ok(new.call)
            }
            CallStatus::Published => amend(conn, actor, &old, &new, input, now),
            CallStatus::Closed => Err(AppError::Conflict(
                "Utlysningen är stängd och kan inte ändras.".into(),
            )),
        }?;
        after(conn, &old, &call)?;
        Ok(call)
    })
}

fn amend(
    conn: &mut DbConnection,
    actor: &Actor,
    old: &CallDefinition,
    new: &CallDefinition,
    input: &CallInput,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    let changes = amendment_changes(old, new).map_err(AppError::Invalid)?;
    if changes.is_empty() {
        return Err(AppError::Conflict(
            "Inget har ändrats, så det finns ingen ändring att registrera.".into(),
        ));
    }
    let summary = forms::required_text(
        &input.amendment_summary,
        1000,
        "vad ändringen gäller (den visas på utlysningens sida)",
    )
    .map_err(|m| AppError::invalid("amendment_summary", m))?;
    // A ceiling or a number of recipients is never lowered below what is already granted.
    // The call's year rows are locked first, as a signing does, so that a decision signed
    // at this moment is either counted here or waits for this amendment.
    db::calls::lock_years(conn, &old.call.id)?;
    let signed = db::decisions::signed_amounts_for_call(conn, &old.call.id)?;
    let mut errors = FieldErrors::new();
    for (i, year) in new.years.iter().enumerate() {
        let granted: Ore = signed
            .iter()
            .filter(|s| s.year == year.year)
            .map(|s| s.amount)
            .sum();
        if year.ceiling_ore < granted {
            errors.add(
                format!("years.{i}.ceiling"),
                format!(
                    "Ramen för {} kan inte bli lägre än det som redan är beviljat ({granted}).",
                    year.year
                ),
            );
        }
    }
    let recipients: BTreeSet<&str> = signed
        .iter()
        .filter(|s| s.amount > Ore::ZERO)
        .map(|s| s.organisation_id.as_str())
        .collect();
    if (new.call.max_recipients as usize) < recipients.len() {
        errors.add(
            "max_recipients",
            format!(
                "{} organisationer har redan beviljats bidrag; högsta antal kan inte bli lägre.",
                recipients.len()
            ),
        );
    }
    errors.into_result()?;
    db::calls::update_terms(conn, &new.call)?;
    for year in &new.years {
        db::calls::update_ceiling(conn, &new.call.id, year.year, year.ceiling_ore)?;
    }
    let amendment = Amendment {
        id: db::new_id(),
        call_id: new.call.id.clone(),
        amended_at: now.naive_utc(),
        amended_by: actor.user_id.clone(),
        summary: summary.clone(),
        details: serde_json::to_string(&changes)
            .map_err(|e| AppError::Internal(format!("amendment details: {e}")))?,
    };
    db::calls::insert_amendment(conn, &amendment)?;
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::CALL_AMENDED,
            entity_type: "call",
            entity_id: Some(&new.call.id),
            summary: format!("Utlysningen \"{}\" ändrad: {summary}", new.call.title),
            details: json!({ "amendment_id": amendment.id, "changes": changes }),
        },
    )?;
    Ok(new.call.clone())
}

/// Publishes a draft call: from now on applicants see it, and its terms are on record.
pub fn publish(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    require_officer(conn, actor, Some(call_id), now, "publicera en utlysning")?;
    db::write_tx(conn, |conn| {
        let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        if call.status != CallStatus::Draft {
            return Err(AppError::Conflict(
                "Utlysningen är redan publicerad.".into(),
            ));
        }
        if clock::is_past_last_day(call.last_day, now) {
            return Err(AppError::Conflict(format!(
                "Sista ansökningsdag ({}) har redan passerat. Ändra datumen innan utlysningen publiceras.",
                call.last_day
            )));
        }
        let def = db::calls::load_definition(conn, call.clone())?;
        // The forms every answer will be given under, on record (a no-op when the last
        // save recorded them; a call made before versions were kept gets its version now).
        crate::calls::form_editor::record_saved_forms(
            conn,
            None,
            &call,
            Some(&actor.user_id),
            now,
        )?;
        db::calls::set_status(conn, call_id, CallStatus::Published, now.naive_utc())?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CALL_PUBLISHED,
                entity_type: "call",
                entity_id: Some(call_id),
                summary: format!("Utlysningen \"{}\" publicerad", call.title),
                details: definition_summary(&def),
            },
        )?;
        Ok(())
    })
}

/// Closes a published call before its last day; drafts can no longer be submitted.
pub fn close(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    require_officer(conn, actor, Some(call_id), now, "stänga en utlysning")?;
    db::write_tx(conn, |conn| {
        let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        if call.status != CallStatus::Published {
            return Err(AppError::Conflict(
                "Bara en publicerad utlysning kan stängas.".into(),
            ));
        }
        let reason = forms::required_text(reason, 1000, "varför utlysningen stängs")
            .map_err(|m| AppError::invalid("reason", m))?;
        db::calls::set_status(conn, call_id, CallStatus::Closed, now.naive_utc())?;
        db::calls::insert_amendment(
            conn,
            &Amendment {
                id: db::new_id(),
                call_id: call_id.to_string(),
                amended_at: now.naive_utc(),
                amended_by: actor.user_id.clone(),
                summary: format!("Utlysningen stängdes i förtid: {reason}"),
                details: "[]".into(),
            },
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CALL_CLOSED,
                entity_type: "call",
                entity_id: Some(call_id),
                summary: format!("Utlysningen \"{}\" stängd i förtid: {reason}", call.title),
                details: json!({ "reason": reason }),
            },
        )?;
        Ok(())
    })
}

/// Copies a call as the template of a new draft, with the same form and texts.
pub fn copy(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    require_officer(conn, actor, Some(call_id), now, "kopiera en utlysning")?;
    db::write_tx(conn, |conn| {
        let source = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        let def = db::calls::load_definition(conn, source.clone())?;
        let mut input = CallInput::from_definition(&def);
        let mut n = 1;
        let code = loop {
            let candidate = format!(
                "{}-kopia{}",
                source.code,
                if n == 1 {
                    String::new()
                } else {
                    format!("-{n}")
                }
            );
            if !db::calls::code_taken(conn, &candidate, None)? {
                break candidate;
            }
            n += 1;
        };
        input.code = code;
        input.title = format!("{} (kopia)", source.title);
        let mut base = new_call_base(now);
        base.copied_from_call_id = Some(source.id.clone());
        let copy = parse_for(conn, &input, &base)?;
        db::calls::insert_definition(conn, &copy)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CALL_CREATED,
                entity_type: "call",
                entity_id: Some(&copy.call.id),
                summary: format!(
                    "Utlysningen \"{}\" skapad som kopia av \"{}\"",
                    copy.call.title, source.title
                ),
                details: json!({ "copied_from": source.id }),
            },
        )?;
        // The copy's forms start their own history: the copier saved them.
        crate::calls::form_editor::record_saved_forms(
            conn,
            None,
            &copy.call,
            Some(&actor.user_id),
            now,
        )?;
        Ok(copy.call)
    })
}

/// The amendments of a call with who made them, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct AmendmentView {
    pub amendment: Amendment,
    pub by_name: String,
    pub changes: Vec<TermChange>,
}

pub fn amendments(conn: &mut DbConnection, call_id: &str) -> Result<Vec<AmendmentView>, AppError> {
    let mut out = Vec::new();
    for amendment in db::calls::amendments(conn, call_id)? {
        let by_name = db::accounts::find(conn, &amendment.amended_by)?
            .map(|u| u.name)
            .unwrap_or_default();
        let changes = serde_json::from_str(&amendment.details).unwrap_or_default();
        out.push(AmendmentView {
            amendment,
            by_name,
            changes,
        });
    }
    Ok(out)
}
