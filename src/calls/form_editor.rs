//! The officers' form editor (issue 15): a call's application form and report-back form
//! built field by field, copied from another call, exported and imported as JSON.
//!
//! Every change is made on the call as typed (`edit::CallInput`) and saved through
//! `edit::update_with`, so the same rules, the same refusal of non-officers and the same
//! audit entry (`call.updated`) apply as for the call form. In the same transaction the
//! form's new state is recorded as a version (`db::calls::record_form_version`), as the
//! JSON of [`FormDefinition`]; saves outside the editor (the call form, the call API, a
//! copy) record theirs the same way ([`record_saved_forms`]). A published call's forms are frozen: they can be read,
//! previewed and exported, never changed here.
//!
//! The export (and what an import takes) is [`FormExport`]:
//!
//! ```json
//! {"form": "application", "version": 3,
//!  "fields": [{"title": "Antal deltagare", "help_text": "", "required": true,
//!              "max_length": 8000, "kind": "integer", "settings": {"min": 0}}]}
//! ```
//!
//! Problems with an import are named by the field they concern: `fields.3.settings`,
//! `fields.0.title`, as the pages and the API show them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::accounts::Actor;
use crate::audit;
use crate::calls::edit::{self, CallInput, SectionInput};
use crate::calls::form::{
    self, ChoiceOption, ColumnKind, FILE_KINDS, FieldKind, FieldSettings, FormField, ShowWhen,
    TableColumn,
};
use crate::codes::{CallStatus, Role, text_enum};
use crate::db::calls::CallDefinition;
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms::{self, FormData};

text_enum! {
    /// Which of a call's two forms.
    FormKind {
        Application => "application", "Ansökan";
        Report => "report", "Återrapportering";
    }
}

/// The most fields a form may have: `edit::parse_fields` reads no more rows than this, so
/// the editor refuses to go past it rather than have the rest dropped without a word.
pub const MAX_FIELDS: usize = 100;

impl FormKind {
    /// The field types the form may use.
    pub fn kinds(self) -> &'static [FieldKind] {
        match self {
            FormKind::Application => form::APPLICATION_KINDS,
            FormKind::Report => form::REPORT_KINDS,
        }
    }

    /// The form's name in a sentence: "ansökningsformuläret".
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Application => "Ansökningsformuläret",
            FormKind::Report => "Återrapporteringens formulär",
        }
    }

    /// The rows' name in `edit::CallInput` and in the errors `edit::update` gives.
    fn prefix(self) -> &'static str {
        match self {
            FormKind::Application => "sections",
            FormKind::Report => "report_fields",
        }
    }

    pub fn rows(self, input: &CallInput) -> &Vec<SectionInput> {
        match self {
            FormKind::Application => &input.sections,
            FormKind::Report => &input.report_fields,
        }
    }

    fn rows_mut(self, input: &mut CallInput) -> &mut Vec<SectionInput> {
        match self {
            FormKind::Application => &mut input.sections,
            FormKind::Report => &mut input.report_fields,
        }
    }

    /// The form's fields as stored, in order.
    pub fn fields(self, def: &CallDefinition) -> Vec<FormField> {
        match self {
            FormKind::Application => def.fields(),
            FormKind::Report => def.report_form(),
        }
    }

    /// Reads `application`/`report`; the application form when nothing is given.
    pub fn from_query(text: &str) -> Option<FormKind> {
        match text.trim() {
            "" => Some(FormKind::Application),
            other => FormKind::parse(other),
        }
    }
}

/// One field as exported and imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldExport {
    /// The question (or, for a `page`, the heading).
    pub title: String,
    pub help_text: String,
    pub required: bool,
    /// Most characters of an answer (text types; the default of the type otherwise).
    pub max_length: i32,
    pub kind: FieldKind,
    pub settings: FieldSettings,
}

impl FieldExport {
    fn of(field: &FormField) -> FieldExport {
        FieldExport {
            title: field.title.clone(),
            help_text: field.help_text.clone(),
            required: field.required,
            max_length: field.max_length,
            kind: field.kind,
            settings: field.settings.clone(),
        }
    }
}

/// A form as JSON: what `GET /api/v1/calls/{id}/form` answers and the page's export
/// downloads, and what an import takes (`version` is then ignored; `form`, when given, must
/// be the form imported into).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormExport {
    /// `application` or `report`.
    pub form: FormKind,
    /// The saved version the form is (see `GET /api/v1/calls/{id}/form/versions`); null when
    /// the form as it stands has no saved version (a call loaded from the fixtures or made
    /// before versions were kept, not saved since).
    pub version: Option<i32>,
    /// The fields in order; a field's number (`show_when.field`) is its place, from 1.
    pub fields: Vec<FieldExport>,
}

/// What a saved form version holds: the form and its fields (without a version number,
/// so that the same form saved twice is one version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub form: FormKind,
    pub fields: Vec<FieldExport>,
}

/// The stored JSON of a form's state.
pub fn definition_json(form: FormKind, fields: &[FormField]) -> String {
    let def = FormDefinition {
        form,
        fields: fields.iter().map(FieldExport::of).collect(),
    };
    serde_json::to_string(&def).unwrap_or_else(|_| "{}".into())
}

/// A short fingerprint of a form's state: a page sends back the one it showed, and a change
/// to a form that changed in between is refused (positions would point elsewhere).
pub fn stamp(form: FormKind, fields: &[FormField]) -> String {
    let digest = Sha256::digest(definition_json(form, fields).as_bytes());
    hex::encode(&digest[..8])
}

// ---------------------------------------------------------------------------------------
// Plain changes to a form's rows. Positions count from 1, as the fields are numbered.
// ---------------------------------------------------------------------------------------

/// Renumbers the conditions (`show_when.field`) of every row by `map` (old → new).
fn renumber(rows: &mut [SectionInput], map: impl Fn(i32) -> i32) {
    for row in rows.iter_mut() {
        if row.settings.trim().is_empty() {
            continue;
        }
        // Rows come from stored, checked definitions; one that does not read is left for
        // the rules to name.
        let Ok(mut settings) = serde_json::from_str::<FieldSettings>(&row.settings) else {
            continue;
        };
        if let Some(when) = settings.show_when.as_mut() {
            let moved = map(when.field);
            if moved != when.field {
                when.field = moved;
                row.settings = form::settings_json(&settings);
            }
        }
    }
}

fn condition_source(row: &SectionInput) -> Option<i32> {
    serde_json::from_str::<FieldSettings>(&row.settings)
        .ok()
        .and_then(|s| s.show_when.map(|w| w.field))
}

/// `Ok` when nothing was found.
fn checked(errors: FieldErrors) -> Result<(), FieldErrors> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_position(rows: &[SectionInput], position: usize) -> Result<usize, FieldErrors> {
    if position == 0 || position > rows.len() {
        return Err(FieldErrors::single(
            "position",
            format!("Formuläret har ingen fråga {position}."),
        ));
    }
    Ok(position - 1)
}

fn require_title(field: &SectionInput) -> Result<(), FieldErrors> {
    // A row without title, help text and length is skipped as blank by the rules: here it
    // would silently remove the field, so it is refused instead.
    if field.title.trim().is_empty() {
        return Err(FieldErrors::single("title", "Fyll i frågan."));
    }
    Ok(())
}

/// Adds a field after the field at `after` (0: first), or last. The new field's number.
pub fn add_field(
    rows: &mut Vec<SectionInput>,
    after: Option<usize>,
    field: SectionInput,
) -> Result<usize, FieldErrors> {
    require_title(&field)?;
    if rows.len() >= MAX_FIELDS {
        return Err(FieldErrors::single(
            "title",
            format!("Ett formulär kan ha högst {MAX_FIELDS} frågor."),
        ));
    }
    let index = match after {
        None => rows.len(),
        Some(after) if after <= rows.len() => after,
        Some(after) => {
            return Err(FieldErrors::single(
                "after",
                format!("Formuläret har ingen fråga {after}."),
            ));
        }
    };
    let inserted = index as i32 + 1;
    renumber(rows, |p| if p >= inserted { p + 1 } else { p });
    rows.insert(index, field);
    Ok(index + 1)
}

/// Replaces the field at `position` (title, help text, required, length, type, settings).
pub fn replace_field(
    rows: &mut [SectionInput],
    position: usize,
    field: SectionInput,
) -> Result<(), FieldErrors> {
    let index = check_position(rows, position)?;
    require_title(&field)?;
    rows[index] = field;
    Ok(())
}

/// Up or down one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Moves the field at `position` one place; the conditions follow the fields they name.
pub fn move_field(
    rows: &mut [SectionInput],
    position: usize,
    direction: Direction,
) -> Result<(), FieldErrors> {
    let index = check_position(rows, position)?;
    let other = match direction {
        Direction::Up if index == 0 => {
            return Err(FieldErrors::single("position", "Frågan står redan först."));
        }
        Direction::Up => index - 1,
        Direction::Down if index + 1 >= rows.len() => {
            return Err(FieldErrors::single("position", "Frågan står redan sist."));
        }
        Direction::Down => index + 1,
    };
    let (a, b) = (index as i32 + 1, other as i32 + 1);
    renumber(rows, |p| {
        if p == a {
            b
        } else if p == b {
            a
        } else {
            p
        }
    });
    rows.swap(index, other);
    Ok(())
}

/// Removes the field at `position`. Refused while a later field is shown only by an answer
/// to it: the condition must be changed first.
pub fn remove_field(rows: &mut Vec<SectionInput>, position: usize) -> Result<(), FieldErrors> {
    let index = check_position(rows, position)?;
    let removed = position as i32;
    let mut errors = FieldErrors::new();
    for (i, row) in rows.iter().enumerate() {
        if condition_source(row) == Some(removed) {
            errors.add(
                format!("fields.{i}.show_when"),
                format!(
                    "Fråga {} ({}) visas bara beroende på svaret på fråga {position}. Ändra eller ta bort det villkoret först.",
                    i + 1,
                    row.title.trim()
                ),
            );
        }
    }
    checked(errors)?;
    rows.remove(index);
    renumber(rows, |p| if p > removed { p - 1 } else { p });
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Import: JSON read with every problem named by its field.
// ---------------------------------------------------------------------------------------

/// Reads an import given as text (the page's text box or file).
pub fn read_import_text(text: &str, form: FormKind) -> Result<Vec<SectionInput>, FieldErrors> {
    if text.trim().is_empty() {
        return Err(FieldErrors::single(
            "form_json",
            "Klistra in formulärets JSON eller välj en JSON-fil.",
        ));
    }
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        FieldErrors::single(
            "form_json",
            format!(
                "Texten är inte giltig JSON (rad {}, tecken {}). Klistra in hela exporten oförändrad.",
                e.line(),
                e.column()
            ),
        )
    })?;
    read_import(&value, form)
}

/// Reads an import: the rows to put in place of the form's, or every problem found, each
/// named by its field (`fields.3.settings`). The types and settings themselves are checked
/// by the same rules as every other save (see `calls::form::check_field`).
pub fn read_import(value: &Value, form: FormKind) -> Result<Vec<SectionInput>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(object) = value.as_object() else {
        return Err(FieldErrors::single(
            "fields",
            "Formuläret ska vara ett JSON-objekt med listan \"fields\".",
        ));
    };
    for key in object.keys() {
        if !matches!(key.as_str(), "form" | "version" | "fields") {
            errors.add(
                key.clone(),
                format!("Okänd uppgift «{key}». Ett formulär har form, version och fields."),
            );
        }
    }
    match object.get("form") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => match FormKind::parse(s) {
            Some(kind) if kind == form => {}
            Some(kind) => errors.add(
                "form",
                format!(
                    "JSON-texten är exporterad från formuläret för {}; den kan bara importeras dit. Ändra \"form\" till \"{}\" om den ska användas här.",
                    kind.label().to_lowercase(),
                    form.as_str()
                ),
            ),
            None => errors.add("form", "Ange \"form\" som \"application\" eller \"report\"."),
        },
        Some(_) => errors.add("form", "Ange \"form\" som \"application\" eller \"report\"."),
    }
    if let Some(version) = object.get("version")
        && !(version.is_null() || version.is_i64())
    {
        errors.add(
            "version",
            "Versionen ska vara ett heltal (den läses inte vid import).",
        );
    }
    let Some(fields) = object.get("fields").and_then(Value::as_array) else {
        errors.add(
            "fields",
            "Ange formulärets frågor som en lista i \"fields\".",
        );
        return Err(errors);
    };
    if fields.len() > MAX_FIELDS {
        errors.add(
            "fields",
            format!(
                "Ett formulär kan ha högst {MAX_FIELDS} frågor; här finns {}.",
                fields.len()
            ),
        );
        return Err(errors);
    }
    let mut rows = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let name = |what: &str| format!("fields.{i}.{what}");
        let Some(field) = field.as_object() else {
            errors.add(
                format!("fields.{i}"),
                "Varje fråga ska vara ett JSON-objekt.",
            );
            continue;
        };
        for key in field.keys() {
            if !matches!(
                key.as_str(),
                "title" | "help_text" | "required" | "max_length" | "kind" | "settings"
            ) {
                errors.add(
                    name(key),
                    format!(
                        "Okänd uppgift «{key}». En fråga har title, help_text, required, max_length, kind och settings."
                    ),
                );
            }
        }
        let text = |key: &str, errors: &mut FieldErrors| -> String {
            match field.get(key) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    errors.add(name(key), "Ange en text inom citattecken.");
                    String::new()
                }
            }
        };
        let title = text("title", &mut errors);
        if title.trim().is_empty() && errors.get(&name("title")).is_none() {
            errors.add(name("title"), "Fyll i frågan.");
        }
        let help_text = text("help_text", &mut errors);
        let kind = text("kind", &mut errors);
        let required = match field.get("required") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.add(name("required"), "Ange true eller false.");
                false
            }
        };
        let max_length = match field.get("max_length") {
            None | Some(Value::Null) => String::new(),
            Some(Value::Number(n)) if n.is_i64() => n.to_string(),
            Some(_) => {
                errors.add(
                    name("max_length"),
                    "Ange högsta antal tecken som ett heltal.",
                );
                String::new()
            }
        };
        let settings = match field.get("settings") {
            None | Some(Value::Null) => String::new(),
            Some(Value::Object(o)) if o.is_empty() => String::new(),
            Some(v @ Value::Object(_)) => v.to_string(),
            Some(_) => {
                errors.add(
                    name("settings"),
                    "Ange inställningarna som ett JSON-objekt.",
                );
                String::new()
            }
        };
        rows.push(SectionInput {
            title,
            help_text,
            required: required.to_string(),
            max_length,
            kind,
            settings,
        });
    }
    checked(errors)?;
    Ok(rows)
}

/// The errors of `edit::update` named as the form's own: `sections.3.min` →
/// `fields.3.min`. The rows given to it are the form's rows one for one, so the numbers
/// stay the same.
fn form_errors(form: FormKind, errors: FieldErrors) -> FieldErrors {
    let prefix = format!("{}.", form.prefix());
    let mut out = FieldErrors::new();
    for e in errors.iter() {
        match e.field.strip_prefix(&prefix) {
            Some(rest) => out.add(format!("fields.{rest}"), e.message.clone()),
            None => out.add(e.field.clone(), e.message.clone()),
        }
    }
    out
}

/// The field number (from 0) and the rest of a form error's name: `fields.3.min` →
/// `(3, "min")`.
pub fn split_field_error(name: &str) -> Option<(usize, &str)> {
    let rest = name.strip_prefix("fields.")?;
    let (index, what) = rest.split_once('.').unwrap_or((rest, ""));
    Some((index.parse().ok()?, what))
}

// ---------------------------------------------------------------------------------------
// The field page's plain inputs, to and from a field's settings.
// ---------------------------------------------------------------------------------------

/// A field as the editor's field page shows and sends it: settings as plain inputs, no
/// JavaScript. `options` one per line `value|label` (or a label alone); `columns` one per
/// line `key|label|type|obligatorisk`; `accept` the checked file kinds; `show_when` the
/// number of an earlier field and `show_when_equals` the answer that shows this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldForm {
    pub title: String,
    pub help_text: String,
    pub required: bool,
    pub max_length: String,
    pub kind: String,
    pub min: String,
    pub max: String,
    pub options: String,
    pub columns: String,
    pub max_rows: String,
    pub accept: Vec<String>,
    pub max_size_mb: String,
    pub show_when: String,
    pub show_when_equals: String,
}

fn is_text_kind(kind: FieldKind) -> bool {
    matches!(kind, FieldKind::ShortText | FieldKind::LongText)
}

fn column_kind_text(kind: ColumnKind) -> &'static str {
    kind.label()
}

impl FieldForm {
    pub fn from_form(form: &FormData) -> FieldForm {
        FieldForm {
            title: form.get("title"),
            help_text: form.get("help_text"),
            required: form.all("required").iter().any(|v| forms::truthy(v)),
            max_length: form.get("max_length"),
            kind: form.get("kind"),
            min: form.get("min"),
            max: form.get("max"),
            options: form.get("options"),
            columns: form.get("columns"),
            max_rows: form.get("max_rows"),
            accept: form.all("accept"),
            max_size_mb: form.get("max_size_mb"),
            show_when: form.get("show_when"),
            show_when_equals: form.get("show_when_equals"),
        }
    }

    /// A stored field as the page's inputs.
    pub fn from_field(field: &FormField, fields: &[FormField]) -> FieldForm {
        let s = &field.settings;
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let options = s
            .options
            .iter()
            .map(|o| format!("{}|{}", o.value, o.label))
            .collect::<Vec<_>>()
            .join("\n");
        let columns = s
            .columns
            .iter()
            .map(|c| {
                let mut line = format!("{}|{}|{}", c.key, c.label, column_kind_text(c.kind));
                if c.required {
                    line.push_str("|obligatorisk");
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (show_when, show_when_equals) = match &s.show_when {
            Some(when) => {
                let source = fields.iter().find(|f| f.position == when.field);
                let answer = match source {
                    Some(f) if f.kind != FieldKind::YesNo => {
                        f.option_label(&when.equals).to_string()
                    }
                    _ => when.equals.clone(),
                };
                (when.field.to_string(), answer)
            }
            None => (String::new(), String::new()),
        };
        FieldForm {
            title: field.title.clone(),
            help_text: field.help_text.clone(),
            required: field.required,
            max_length: if is_text_kind(field.kind) {
                field.max_length.to_string()
            } else {
                String::new()
            },
            kind: field.kind.as_str().to_string(),
            min: number(s.min),
            max: number(s.max),
            options,
            columns,
            max_rows: number(s.max_rows),
            accept: s.accept.clone(),
            max_size_mb: number(s.max_size_mb),
            show_when,
            show_when_equals,
        }
    }

    /// The type as chosen, if it is one.
    pub fn field_kind(&self) -> Option<FieldKind> {
        FieldKind::parse(self.kind.trim())
    }

    /// The row to save: the settings read from the plain inputs that the chosen type uses
    /// (the others are left out, so that changing a field's type needs no clearing first).
    /// `earlier` are the fields before this one, for the condition.
    pub fn to_section(&self, earlier: &[FormField]) -> Result<SectionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.title.trim().is_empty() {
            errors.add("title", "Fyll i frågan.");
        }
        let (kind_text, settings, max_length) = match self.field_kind() {
            // An unknown type goes to the rules as typed, which name it.
            None => (self.kind.clone(), String::new(), String::new()),
            Some(kind) => {
                let settings = settings_from_inputs(kind, self, earlier).unwrap_or_else(|e| {
                    for e in e.iter() {
                        errors.add(e.field.clone(), e.message.clone());
                    }
                    FieldSettings::default()
                });
                let max_length = if is_text_kind(kind) {
                    self.max_length.clone()
                } else {
                    String::new()
                };
                (
                    kind.as_str().to_string(),
                    form::settings_json(&settings),
                    max_length,
                )
            }
        };
        checked(errors)?;
        Ok(SectionInput {
            title: self.title.clone(),
            help_text: self.help_text.clone(),
            required: self.required.to_string(),
            max_length,
            kind: kind_text,
            settings: if settings == "{}" {
                String::new()
            } else {
                settings
            },
        })
    }
}

/// A whole number as typed ("1 000", "-5"), or none when left empty.
fn optional_number(text: &str, name: &str, what: &str, errors: &mut FieldErrors) -> Option<i64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    match cleaned.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(
                name,
                format!("Ange {what} som ett heltal, till exempel 10."),
            );
            None
        }
    }
}

/// A value for a text: lower case letters a–z and digits, words joined by `sep`
/// ("Region Skåne" → "region-skane").
fn slug(text: &str, sep: char, max: usize) -> String {
    let mut out = String::new();
    for c in text.trim().to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' => 'u',
            'í' | 'ì' | 'ï' => 'i',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            if out.len() < max {
                out.push(c);
            }
        } else if !out.is_empty() && !out.ends_with(sep) && out.len() < max {
            out.push(sep);
        }
    }
    out.trim_end_matches(sep).to_string()
}

/// `base`, or `base-2`, `base-3`... when taken.
fn unique(base: String, sep: char, taken: &[String]) -> String {
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{sep}{n}"))
        .find(|v| !taken.contains(v))
        .unwrap_or(base)
}

fn read_options(text: &str, errors: &mut FieldErrors) -> Vec<ChoiceOption> {
    let mut options: Vec<ChoiceOption> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (value, label) = match line.split_once('|') {
            Some((value, label)) => (value.trim().to_string(), label.trim().to_string()),
            None => {
                let taken: Vec<String> = options.iter().map(|o| o.value.clone()).collect();
                let base = slug(line, '-', 40);
                let base = if base.is_empty() {
                    format!("alternativ-{}", options.len() + 1)
                } else {
                    base
                };
                (unique(base, '-', &taken), line.to_string())
            }
        };
        if value.is_empty() || label.is_empty() {
            errors.add(
                "options",
                format!(
                    "Rad {}: skriv värde|text, till exempel ja-helt|Ja, helt, eller bara texten.",
                    n + 1
                ),
            );
            continue;
        }
        options.push(ChoiceOption { value, label });
    }
    options
}

fn read_column_kind(text: &str) -> Option<ColumnKind> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Some(ColumnKind::ShortText);
    }
    ColumnKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == text || k.label().to_lowercase() == text)
        .or(match text.as_str() {
            "text" => Some(ColumnKind::ShortText),
            "belopp" | "kronor" => Some(ColumnKind::Amount),
            _ => None,
        })
}

fn read_columns(text: &str, errors: &mut FieldErrors) -> Vec<TableColumn> {
    let mut columns: Vec<TableColumn> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let row = n + 1;
        let (key, label, kind, required) = match parts.as_slice() {
            [label] => ("", *label, "", ""),
            [key, label] => (*key, *label, "", ""),
            [key, label, kind] => (*key, *label, *kind, ""),
            [key, label, kind, required] => (*key, *label, *kind, *required),
            _ => {
                errors.add(
                    "columns",
                    format!("Rad {row}: skriv nyckel|rubrik|typ|obligatorisk, högst fyra delar."),
                );
                continue;
            }
        };
        let Some(kind) = read_column_kind(kind) else {
            errors.add(
                "columns",
                format!(
                    "Rad {row}: okänd kolumntyp «{kind}». Välj bland {}.",
                    ColumnKind::ALL
                        .iter()
                        .map(|k| k.label().to_lowercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let required = match required.to_lowercase().as_str() {
            "" | "frivillig" | "nej" | "false" => false,
            "obligatorisk" | "ja" | "true" | "krävs" => true,
            other => {
                errors.add(
                    "columns",
                    format!("Rad {row}: skriv «obligatorisk» eller lämna sista delen tom, inte «{other}»."),
                );
                continue;
            }
        };
        let key = if key.is_empty() {
            let taken: Vec<String> = columns.iter().map(|c| c.key.clone()).collect();
            let base = slug(label, '_', 40);
            let base = if base.is_empty() {
                format!("kolumn_{}", columns.len() + 1)
            } else {
                base
            };
            unique(base, '_', &taken)
        } else {
            key.to_string()
        };
        columns.push(TableColumn {
            key,
            label: label.to_string(),
            kind,
            required,
        });
    }
    columns
}

/// The settings a type uses, read from the page's plain inputs. Inputs the type does not
/// use are left out. Problems are named by the page's inputs (`min`, `options`, `columns`,
/// `max_rows`, `accept`, `max_size_mb`, `show_when`); whether the settings make sense
/// together (two options at least, min below max...) is for `calls::form::check_field`.
pub fn settings_from_inputs(
    kind: FieldKind,
    input: &FieldForm,
    earlier: &[FormField],
) -> Result<FieldSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut settings = FieldSettings::default();
    match kind {
        FieldKind::Integer | FieldKind::Amount | FieldKind::Percentage => {
            settings.min = optional_number(&input.min, "min", "det minsta värdet", &mut errors);
            settings.max = optional_number(&input.max, "max", "det största värdet", &mut errors);
        }
        FieldKind::SingleChoice | FieldKind::MultipleChoice => {
            settings.options = read_options(&input.options, &mut errors);
        }
        FieldKind::Table => {
            settings.columns = read_columns(&input.columns, &mut errors);
            settings.max_rows = optional_number(
                &input.max_rows,
                "max_rows",
                "högsta antal rader",
                &mut errors,
            );
        }
        FieldKind::Attachment => {
            let mut accept: Vec<String> = Vec::new();
            for kind in &input.accept {
                let kind = kind.trim().to_lowercase();
                if kind.is_empty() || accept.contains(&kind) {
                    continue;
                }
                if !FILE_KINDS.iter().any(|(k, _)| *k == kind) {
                    errors.add("accept", format!("Filtypen «{kind}» finns inte att välja."));
                    continue;
                }
                accept.push(kind);
            }
            // In the order of the list the page shows.
            accept.sort_by_key(|k| FILE_KINDS.iter().position(|(f, _)| f == k));
            settings.accept = accept;
            settings.max_size_mb = optional_number(
                &input.max_size_mb,
                "max_size_mb",
                "största filstorlek i MB",
                &mut errors,
            );
        }
        _ => {}
    }
    if kind != FieldKind::Page {
        let source = input.show_when.trim();
        let answer = input.show_when_equals.trim();
        if !source.is_empty() {
            match source.parse::<i32>() {
                Err(_) => errors.add("show_when", "Välj en tidigare fråga i listan."),
                Ok(_) if answer.is_empty() => errors.add(
                    "show_when",
                    "Skriv vilket svar på den valda frågan som visar den här frågan.",
                ),
                Ok(field) => {
                    let source = earlier.iter().find(|f| f.position == field);
                    let equals = match source {
                        Some(f) if f.kind == FieldKind::YesNo => answer.to_lowercase(),
                        Some(f) => f
                            .settings
                            .options
                            .iter()
                            .find(|o| o.value == answer)
                            .or_else(|| {
                                f.settings.options.iter().find(|o| {
                                    o.label.trim().to_lowercase() == answer.to_lowercase()
                                })
                            })
                            .map(|o| o.value.clone())
                            .unwrap_or_else(|| answer.to_string()),
                        None => answer.to_string(),
                    };
                    settings.show_when = Some(ShowWhen { field, equals });
                }
            }
        }
    }
    checked(errors)?;
    Ok(settings)
}

// ---------------------------------------------------------------------------------------
// Reading and changing a call's forms.
// ---------------------------------------------------------------------------------------

/// Changing a form is an officer's work; a refusal is on record.
fn require_officer(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), AppError> {
    if actor.role == Role::Officer {
        return Ok(());
    }
    audit::record_denied(conn, actor, now, "call", Some(call_id), what)?;
    Err(AppError::Forbidden)
}

/// Reading a form as the editor does (its JSON, its versions, its preview): the agency's
/// staff and auditors, who see draft calls; a refusal is on record.
pub fn require_reader(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), AppError> {
    if crate::access::can_see_draft_calls(actor) {
        return Ok(());
    }
    audit::record_denied(conn, actor, now, "call", Some(call_id), what)?;
    Err(AppError::Forbidden)
}

/// Why a call's forms cannot change, if they cannot.
pub fn frozen_reason(status: CallStatus) -> Option<&'static str> {
    match status {
        CallStatus::Draft => None,
        CallStatus::Published => Some(
            "Utlysningen är publicerad. Formulären är låsta så att alla sökande svarar på samma frågor; de kan förhandsgranskas och exporteras men inte ändras.",
        ),
        CallStatus::Closed => Some(
            "Utlysningen är stängd. Formulären kan förhandsgranskas och exporteras men inte ändras.",
        ),
    }
}

/// The newest saved version, when it is the form as it stands.
fn current_version(
    conn: &mut DbConnection,
    call_id: &str,
    form: FormKind,
    fields: &[FormField],
) -> Result<Option<i32>, AppError> {
    let json = definition_json(form, fields);
    Ok(
        db::calls::latest_form_version(conn, call_id, form.as_str())?
            .filter(|v| v.definition == json)
            .map(|v| v.version),
    )
}

/// A form as JSON (staff and auditors).
pub fn export(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    now: DateTime<Utc>,
) -> Result<FormExport, AppError> {
    require_reader(conn, actor, call_id, now, "läsa en utlysnings formulär")?;
    let def = crate::calls::definition(conn, Some(actor), call_id)?;
    let fields = form.fields(&def);
    Ok(FormExport {
        form,
        version: current_version(conn, call_id, form, &fields)?,
        fields: fields.iter().map(FieldExport::of).collect(),
    })
}

/// A form's JSON as the file the page downloads: indented, for people to read too.
pub fn export_file(export: &FormExport) -> Result<String, AppError> {
    serde_json::to_string_pretty(export).map_err(|e| AppError::Internal(format!("form json: {e}")))
}

/// One saved version of a form, for the editor and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub form: FormKind,
    pub version: i32,
    #[schema(value_type = String, example = "2026-03-01T10:15:00")]
    pub saved_at: NaiveDateTime,
    /// Who saved it: none for the state a call had before its first recorded save (a call
    /// loaded from the fixtures or made before versions were kept).
    pub saved_by: Option<String>,
    pub saved_by_name: Option<String>,
    /// The form's fields as saved.
    pub fields: Vec<FieldExport>,
}

/// The saved versions of a call's forms (one form, or both), oldest first.
pub fn versions(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: Option<FormKind>,
    now: DateTime<Utc>,
) -> Result<Vec<VersionView>, AppError> {
    require_reader(
        conn,
        actor,
        call_id,
        now,
        "läsa en utlysnings formulärversioner",
    )?;
    crate::calls::definition(conn, Some(actor), call_id)?;
    let forms = match form {
        Some(f) => vec![f],
        None => FormKind::ALL.to_vec(),
    };
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for form in forms {
        for v in db::calls::form_versions(conn, call_id, form.as_str())? {
            let saved_by_name = match &v.saved_by {
                Some(id) => {
                    if !names.contains_key(id) {
                        let name = db::accounts::find(conn, id)?.map(|u| u.name);
                        names.insert(id.clone(), name);
                    }
                    names.get(id).cloned().flatten()
                }
                None => None,
            };
            let fields = serde_json::from_str::<FormDefinition>(&v.definition)
                .map(|d| d.fields)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, call_id, "a saved form version does not read");
                    Vec::new()
                });
            out.push(VersionView {
                form,
                version: v.version,
                saved_at: v.saved_at,
                saved_by: v.saved_by,
                saved_by_name,
                fields,
            });
        }
    }
    Ok(out)
}

/// Records both forms of a call just saved outside the editor (the call form and
/// `PUT /api/v1/calls/{id}` through `edit::update`, `edit::create`, `edit::copy`) as
/// versions, in the transaction of the save, with the JSON the editor records
/// ([`definition_json`]): a form saved unchanged is not a new version, and the editor's
/// next change does not record it again. `before`: the call as it stood before an update;
/// a state not yet recorded (a call made before versions were kept, or loaded from the
/// fixtures) is recorded first without a name, as the editor does, so that the history
/// starts where this save did. An empty form with no version yet has nothing to record.
/// `saved_by` is none for a call loaded from the fixtures.
pub fn record_saved_forms(
    conn: &mut DbConnection,
    before: Option<&CallDefinition>,
    call: &crate::db::calls::Call,
    saved_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let saved = db::calls::load_definition(conn, call.clone())?;
    for form in FormKind::ALL {
        let latest = db::calls::latest_form_version(conn, &call.id, form.as_str())?;
        let mut recorded = latest.is_some();
        if let Some(before) = before {
            let old = form.fields(before);
            let old_json = definition_json(*form, &old);
            if !old.is_empty() && latest.is_none_or(|v| v.definition != old_json) {
                db::calls::record_form_version(
                    conn,
                    &call.id,
                    form.as_str(),
                    &old_json,
                    now.naive_utc(),
                    None,
                )?;
                recorded = true;
            }
        }
        let fields = form.fields(&saved);
        if fields.is_empty() && !recorded {
            continue;
        }
        db::calls::record_form_version(
            conn,
            &call.id,
            form.as_str(),
            &definition_json(*form, &fields),
            now.naive_utc(),
            saved_by,
        )?;
    }
    Ok(())
}

/// What a change left: the form's new version, and the place of the field it concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub version: i32,
    pub position: Option<usize>,
}

/// Changes a draft call's form: `change` edits the form's rows (with the fields as stored
/// beside them), the call is saved by `edit::update_with`, and the form's new state is
/// recorded as a version in the same transaction. `expected`: the form's [`stamp`] as the
/// page showed it, if a page sent one.
#[allow(clippy::too_many_arguments)]
fn change_form(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    expected: Option<&str>,
    now: DateTime<Utc>,
    change: impl FnOnce(
        &mut Vec<SectionInput>,
        &[FormField],
        &mut DbConnection,
    ) -> Result<Option<usize>, AppError>,
) -> Result<Saved, AppError> {
    require_officer(conn, actor, call_id, now, "ändra en utlysnings formulär")?;
    let def = crate::calls::definition(conn, Some(actor), call_id)?;
    if let Some(reason) = frozen_reason(def.call.status) {
        return Err(AppError::Conflict(reason.into()));
    }
    let fields = form.fields(&def);
    if let Some(expected) = expected.map(str::trim).filter(|s| !s.is_empty())
        && expected != stamp(form, &fields)
    {
        return Err(AppError::Conflict(
            "Formuläret har ändrats sedan sidan visades, av dig i en annan flik eller av någon annan. Ingenting sparades. Ladda om sidan och gör ändringen igen.".into(),
        ));
    }
    let before = definition_json(form, &fields);
    let mut input = CallInput::from_definition(&def);
    let position = change(form.rows_mut(&mut input), &fields, conn)?;
    let mut version = 0;
    let recorder = actor.user_id.clone();
    edit::update_with(conn, actor, call_id, &input, now, |conn, _, call| {
        let saved = db::calls::load_definition(conn, call.clone())?;
        let after = definition_json(form, &form.fields(&saved));
        let latest = db::calls::latest_form_version(conn, call_id, form.as_str())?;
        if !fields.is_empty() && latest.is_none_or(|v| v.definition != before) {
            // The form as it stood has no version (a call loaded from the fixtures or made
            // before versions were kept): kept first, without a name, so that the history
            // starts where this change did.
            db::calls::record_form_version(
                conn,
                call_id,
                form.as_str(),
                &before,
                now.naive_utc(),
                None,
            )?;
        }
        version = db::calls::record_form_version(
            conn,
            call_id,
            form.as_str(),
            &after,
            now.naive_utc(),
            Some(&recorder),
        )?;
        Ok(())
    })
    .map_err(|e| match e {
        AppError::Invalid(errors) => AppError::Invalid(form_errors(form, errors)),
        other => other,
    })?;
    Ok(Saved { version, position })
}

/// Adds a field after the field at `after` (0: first; none: last).
#[allow(clippy::too_many_arguments)]
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    after: Option<usize>,
    field: SectionInput,
    expected: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    change_form(conn, actor, call_id, form, expected, now, |rows, _, _| {
        add_field(rows, after, field)
            .map(Some)
            .map_err(AppError::Invalid)
    })
}

/// Replaces the field at `position`.
#[allow(clippy::too_many_arguments)]
pub fn save_field(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    position: usize,
    field: SectionInput,
    expected: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    change_form(conn, actor, call_id, form, expected, now, |rows, _, _| {
        replace_field(rows, position, field)
            .map(|()| Some(position))
            .map_err(AppError::Invalid)
    })
}

/// Moves the field at `position` one place up or down.
#[allow(clippy::too_many_arguments)]
pub fn move_one(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    position: usize,
    direction: Direction,
    expected: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    change_form(conn, actor, call_id, form, expected, now, |rows, _, _| {
        move_field(rows, position, direction).map_err(AppError::Invalid)?;
        Ok(Some(match direction {
            Direction::Up => position - 1,
            Direction::Down => position + 1,
        }))
    })
}

/// Removes the field at `position`.
pub fn remove(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    position: usize,
    expected: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    change_form(conn, actor, call_id, form, expected, now, |rows, _, _| {
        remove_field(rows, position).map_err(AppError::Invalid)?;
        Ok(None)
    })
}

/// Puts the form of another call (its application or report form) in place of this one's.
#[allow(clippy::too_many_arguments)]
pub fn copy_from(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    source_call_id: &str,
    source_form: FormKind,
    expected: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    let source_call_id = source_call_id.trim().to_string();
    change_form(
        conn,
        actor,
        call_id,
        form,
        expected,
        now,
        |rows, _, conn| {
            if source_call_id.is_empty() {
                return Err(AppError::invalid(
                    "source",
                    "Välj en utlysning att kopiera från.",
                ));
            }
            let source = match crate::calls::definition(conn, Some(actor), &source_call_id) {
                Err(AppError::NotFound) => {
                    return Err(AppError::invalid("source", "Den utlysningen finns inte."));
                }
                other => other?,
            };
            let fields = source_form.fields(&source);
            if fields.is_empty() {
                return Err(AppError::invalid(
                    "source",
                    format!(
                        "Utlysningen «{}» har inga frågor i formuläret för {}.",
                        source.call.title,
                        source_form.label().to_lowercase()
                    ),
                ));
            }
            *rows = fields.iter().map(SectionInput::from_field).collect();
            Ok(None)
        },
    )
}

/// Puts an imported form (see [`read_import`]) in place of a draft call's form.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    rows: Vec<SectionInput>,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    change_form(conn, actor, call_id, form, None, now, |current, _, _| {
        *current = rows;
        Ok(None)
    })
}

/// Other calls an officer may copy a form from: `(id, code, title)`, newest first.
pub fn copy_sources(
    conn: &mut DbConnection,
    call_id: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(db::calls::list_calls(conn, &[])?
        .into_iter()
        .filter(|c| c.id != call_id)
        .map(|c| (c.id, c.code, c.title))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str, kind: &str, settings: &str) -> SectionInput {
        SectionInput {
            title: title.into(),
            kind: kind.into(),
            settings: settings.into(),
            required: "true".into(),
            ..Default::default()
        }
    }

    fn when_of(row: &SectionInput) -> Option<(i32, String)> {
        serde_json::from_str::<FieldSettings>(&row.settings)
            .ok()
            .and_then(|s| s.show_when)
            .map(|w| (w.field, w.equals))
    }

    fn titles(rows: &[SectionInput]) -> Vec<&str> {
        rows.iter().map(|r| r.title.as_str()).collect()
    }

    fn three() -> Vec<SectionInput> {
        vec![
            row("A", "yes_no", ""),
            row("B", "long_text", ""),
            row(
                "C",
                "long_text",
                r#"{"show_when":{"field":1,"equals":"ja"}}"#,
            ),
        ]
    }

    fn field(position: i32, kind: FieldKind, settings: &str) -> FormField {
        FormField::new(
            "x",
            position,
            &format!("Fråga {position}"),
            "",
            true,
            100,
            kind,
            settings,
        )
    }

    #[test]
    fn adding_moves_the_conditions_with_their_fields() {
        let mut rows = three();
        assert_eq!(
            add_field(&mut rows, Some(0), row("Ny", "integer", "")),
            Ok(1)
        );
        assert_eq!(titles(&rows), ["Ny", "A", "B", "C"]);
        assert_eq!(when_of(&rows[3]), Some((2, "ja".into())));
        assert_eq!(add_field(&mut rows, None, row("Sist", "date", "")), Ok(5));
        assert!(add_field(&mut rows, Some(9), row("X", "date", "")).is_err());
        let refused = add_field(&mut rows, None, row("  ", "date", ""))
            .err()
            .unwrap_or_default();
        assert!(refused.get("title").is_some());
    }

    #[test]
    fn moving_swaps_the_numbers_in_conditions() {
        let mut rows = three();
        move_field(&mut rows, 1, Direction::Down).ok();
        assert_eq!(titles(&rows), ["B", "A", "C"]);
        assert_eq!(when_of(&rows[2]), Some((2, "ja".into())));
        move_field(&mut rows, 3, Direction::Up).ok();
        assert_eq!(titles(&rows), ["B", "C", "A"]);
        // C now names A, which comes after it: the rules refuse that when it is saved.
        assert_eq!(when_of(&rows[1]), Some((3, "ja".into())));
        assert!(move_field(&mut rows, 1, Direction::Up).is_err());
        assert!(move_field(&mut rows, 3, Direction::Down).is_err());
        assert!(move_field(&mut rows, 4, Direction::Down).is_err());
    }

    #[test]
    fn a_field_another_depends_on_is_not_removed() {
        let mut rows = three();
        let refused = remove_field(&mut rows, 1).err().unwrap_or_default();
        assert!(refused.get("fields.2.show_when").is_some(), "{refused:?}");
        assert_eq!(rows.len(), 3);
        remove_field(&mut rows, 2).ok();
        assert_eq!(titles(&rows), ["A", "C"]);
        assert_eq!(when_of(&rows[1]), Some((1, "ja".into())));
    }

    #[test]
    fn plain_inputs_become_settings_by_type() {
        let earlier = vec![
            field(1, FieldKind::YesNo, ""),
            field(
                2,
                FieldKind::SingleChoice,
                r#"{"options":[{"value":"region","label":"Region"},{"value":"kommun","label":"Kommun"}]}"#,
            ),
        ];
        let input = FieldForm {
            min: " 1 000 ".into(),
            max: "5000".into(),
            options: "ja-helt|Ja, helt\n\nDelvis\nInte alls\nDelvis".into(),
            columns: "roll|Befattning|kort text|obligatorisk\nKostnad (kr)||belopp\nÅr|date".into(),
            max_rows: "10".into(),
            accept: vec!["docx".into(), "pdf".into(), "pdf".into()],
            max_size_mb: "5".into(),
            show_when: "2".into(),
            show_when_equals: "kommun".into(),
            ..Default::default()
        };
        let s = settings_from_inputs(FieldKind::Amount, &input, &earlier).unwrap_or_default();
        assert_eq!((s.min, s.max), (Some(1000), Some(5000)));
        assert!(s.options.is_empty() && s.columns.is_empty());
        assert_eq!(
            s.show_when,
            Some(ShowWhen {
                field: 2,
                equals: "kommun".into()
            })
        );

        let s =
            settings_from_inputs(FieldKind::MultipleChoice, &input, &earlier).unwrap_or_default();
        let values: Vec<(&str, &str)> = s
            .options
            .iter()
            .map(|o| (o.value.as_str(), o.label.as_str()))
            .collect();
        assert_eq!(
            values,
            [
                ("ja-helt", "Ja, helt"),
                ("delvis", "Delvis"),
                ("inte-alls", "Inte alls"),
                ("delvis-2", "Delvis")
            ]
        );
        assert_eq!(s.min, None);

        let table = FieldForm {
            columns: "roll|Befattning|Kort text|obligatorisk\nKostnad i år\nstart|Start|datum"
                .into(),
            max_rows: "10".into(),
            ..Default::default()
        };
        let s = settings_from_inputs(FieldKind::Table, &table, &earlier).unwrap_or_default();
        let columns: Vec<(&str, &str, ColumnKind, bool)> = s
            .columns
            .iter()
            .map(|c| (c.key.as_str(), c.label.as_str(), c.kind, c.required))
            .collect();
        assert_eq!(
            columns,
            [
                ("roll", "Befattning", ColumnKind::ShortText, true),
                ("kostnad_i_ar", "Kostnad i år", ColumnKind::ShortText, false),
                ("start", "Start", ColumnKind::Date, false)
            ]
        );
        assert_eq!(s.max_rows, Some(10));

        let s = settings_from_inputs(FieldKind::Attachment, &input, &earlier).unwrap_or_default();
        assert_eq!(s.accept, ["pdf", "docx"]);
        assert_eq!(s.max_size_mb, Some(5));

        // A condition on a yes/no field reads "Ja" as its value; on a choice, the label.
        let yes = FieldForm {
            show_when: "1".into(),
            show_when_equals: "Ja".into(),
            ..Default::default()
        };
        let s = settings_from_inputs(FieldKind::LongText, &yes, &earlier).unwrap_or_default();
        assert_eq!(s.show_when.map(|w| w.equals), Some("ja".into()));
        let label = FieldForm {
            show_when: "2".into(),
            show_when_equals: "region".into(),
            ..Default::default()
        };
        let s = settings_from_inputs(FieldKind::LongText, &label, &earlier).unwrap_or_default();
        assert_eq!(s.show_when.map(|w| w.equals), Some("region".into()));
        let s = settings_from_inputs(FieldKind::Page, &label, &earlier).unwrap_or_default();
        assert_eq!(s, FieldSettings::default());
    }

    #[test]
    fn bad_plain_inputs_are_named_by_their_input() {
        let bad = FieldForm {
            min: "tio".into(),
            columns: "a|b|c|d|e\nx|X|färg".into(),
            max_rows: "många".into(),
            accept: vec!["exe".into()],
            show_when: "1".into(),
            ..Default::default()
        };
        let names = |kind| {
            settings_from_inputs(kind, &bad, &[])
                .err()
                .unwrap_or_default()
                .iter()
                .map(|e| e.field.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(FieldKind::Integer), ["min", "show_when"]);
        assert_eq!(
            names(FieldKind::Table),
            ["columns", "columns", "max_rows", "show_when"]
        );
        assert_eq!(names(FieldKind::Attachment), ["accept", "show_when"]);
    }

    #[test]
    fn a_stored_field_reads_back_into_the_same_settings() {
        let fields = vec![
            field(1, FieldKind::YesNo, ""),
            field(
                2,
                FieldKind::Table,
                r#"{"columns":[{"key":"roll","label":"Befattning","kind":"short_text","required":true},{"key":"kostnad","label":"Kostnad","kind":"amount"}],"max_rows":5,"show_when":{"field":1,"equals":"ja"}}"#,
            ),
        ];
        let input = FieldForm::from_field(&fields[1], &fields);
        assert_eq!(
            input.columns,
            "roll|Befattning|Kort text|obligatorisk\nkostnad|Kostnad|Belopp i kronor"
        );
        let section = input.to_section(&fields[..1]).unwrap_or_default();
        let again: FieldSettings = serde_json::from_str(&section.settings).unwrap_or_default();
        assert_eq!(again, fields[1].settings);
        assert_eq!(section.kind, "table");
        assert_eq!(section.max_length, "");
    }

    #[test]
    fn an_import_names_each_problem_by_its_field() {
        let good = serde_json::json!({
            "form": "application", "version": 4,
            "fields": [
                {"title": "Del 1", "kind": "page"},
                {"title": "Antal", "required": true, "kind": "integer", "settings": {"min": 0}},
                {"title": "Beskriv", "help_text": "Kort.", "max_length": 500, "kind": "long_text", "settings": {}}
            ]
        });
        let rows = read_import(&good, FormKind::Application).unwrap_or_default();
        assert_eq!(titles(&rows), ["Del 1", "Antal", "Beskriv"]);
        assert_eq!(rows[1].settings, r#"{"min":0}"#);
        assert_eq!(rows[2].max_length, "500");
        assert_eq!(rows[2].settings, "");

        let bad = serde_json::json!({
            "form": "report", "extra": 1,
            "fields": [
                {"title": "", "kind": "integer"},
                {"title": "B", "required": "kanske", "settings": [1]},
                7,
                {"title": "D", "colour": "blue", "max_length": "lång"}
            ]
        });
        let errors = read_import(&bad, FormKind::Application)
            .err()
            .unwrap_or_default();
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "extra",
                "form",
                "fields.0.title",
                "fields.1.required",
                "fields.1.settings",
                "fields.2",
                "fields.3.colour",
                "fields.3.max_length"
            ]
        );
        assert!(read_import_text("{inte json", FormKind::Report).is_err());
        assert!(read_import(&serde_json::json!([1]), FormKind::Report).is_err());
    }

    #[test]
    fn the_rules_errors_are_named_as_the_forms() {
        let mut errors = FieldErrors::new();
        errors.add("report_fields.3.settings", "x");
        errors.add("code", "y");
        let named = form_errors(FormKind::Report, errors);
        let names: Vec<&str> = named.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["fields.3.settings", "code"]);
        assert_eq!(
            split_field_error("fields.3.settings"),
            Some((3, "settings"))
        );
        assert_eq!(split_field_error("fields.12"), Some((12, "")));
        assert_eq!(split_field_error("code"), None);
    }

    #[test]
    fn an_export_reads_back_as_an_import() {
        let fields = vec![
            field(1, FieldKind::YesNo, ""),
            field(
                2,
                FieldKind::SingleChoice,
                r#"{"options":[{"value":"a","label":"A"},{"value":"b","label":"B"}],"show_when":{"field":1,"equals":"ja"}}"#,
            ),
        ];
        let export = FormExport {
            form: FormKind::Report,
            version: Some(2),
            fields: fields.iter().map(FieldExport::of).collect(),
        };
        let value = serde_json::to_value(&export).unwrap_or_default();
        let rows = read_import(&value, FormKind::Report).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        let settings: FieldSettings = serde_json::from_str(&rows[1].settings).unwrap_or_default();
        assert_eq!(settings, fields[1].settings);
        assert_eq!(stamp(FormKind::Report, &fields).len(), 16);
        assert_ne!(
            stamp(FormKind::Report, &fields),
            stamp(FormKind::Report, &fields[..1])
        );
    }
}
