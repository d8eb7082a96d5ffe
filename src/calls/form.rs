//! Forms as data (issue 15): the fields a call asks in its application and its report-back,
//! each with a type and the type's settings, and the rules that follow from them. Plain
//! functions, no I/O: reading what was typed into the canonical text that is stored,
//! showing a stored answer to people, checking completeness, and checking a definition an
//! officer built.
//!
//! Every answer is stored as one text in the canonical form of its type: whole numbers as
//! digits, amounts as öre (`291380800`), percentages with a point (`12.5`), dates as
//! `YYYY-MM-DD`, yes/no as `ja`/`nej`, a single choice as the option's value, and the
//! structured types as JSON (multiple choice an array of values, a table an array of rows,
//! counts by sex an object). Field names in forms and errors stay those of the API:
//! `answers.<n>`, with `answers.<n>.<row>.<column>` for table cells and
//! `answers.<n>.total|girls|boys` for counts by sex.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

use crate::codes::text_enum;
use crate::error::FieldErrors;
use crate::forms;
use crate::money::Ore;
use crate::orgnr::OrgNumber;

text_enum! {
    /// The type of a field of a form.
    FieldKind {
        Page => "page", "Ny sida (rubrik)";
        ShortText => "short_text", "Kort text";
        LongText => "long_text", "Lång text";
        Integer => "integer", "Heltal";
        Amount => "amount", "Belopp i kronor";
        Percentage => "percentage", "Procent";
        Date => "date", "Datum";
        YesNo => "yes_no", "Ja eller nej";
        SingleChoice => "single_choice", "Ett val bland alternativ";
        MultipleChoice => "multiple_choice", "Flera val bland alternativ";
        Email => "email", "E-postadress";
        Phone => "phone", "Telefonnummer";
        OrgNumber => "org_number", "Organisationsnummer";
        Attachment => "attachment", "Bilaga";
        Table => "table", "Tabell";
        SexCounts => "sex_counts", "Antal per kön (personstatistik)";
    }
}

text_enum! {
    /// The type of a column of a table field.
    ColumnKind {
        ShortText => "short_text", "Kort text";
        Integer => "integer", "Heltal";
        Amount => "amount", "Belopp i kronor";
        Percentage => "percentage", "Procent";
        Date => "date", "Datum";
    }
}

/// The kinds of file an attachment field may allow, by extension.
pub const FILE_KINDS: &[(&str, &str)] = &[
    ("pdf", "PDF"),
    ("docx", "Word (docx)"),
    ("xlsx", "Excel (xlsx)"),
    ("odt", "OpenDocument-text (odt)"),
    ("ods", "OpenDocument-kalkyl (ods)"),
    ("jpg", "JPEG-bild"),
    ("png", "PNG-bild"),
    ("txt", "Text (txt)"),
    ("csv", "CSV"),
];

/// The largest file any attachment field may allow, in megabytes (the service's request
/// limit is the outer bound).
pub const MAX_FILE_MB: i64 = 20;
/// Rows of a table field when the definition gives no limit, and the most it may give.
pub const DEFAULT_MAX_ROWS: i64 = 50;
pub const MAX_ROWS_LIMIT: i64 = 500;
/// Options of a choice field, columns of a table field.
const MAX_OPTIONS: usize = 100;
const MAX_COLUMNS: usize = 20;
const SHORT_TEXT_DEFAULT: i32 = 200;
const CELL_TEXT_MAX: usize = 500;
const COUNT_MAX: i64 = 10_000_000;

/// What a field's type needs beyond label, help text and required: bounds, options,
/// columns, file kinds, and the condition for showing it. Stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FieldSettings {
    /// Integer: smallest and largest value. Amount: in whole kronor. Percentage: per cent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Single and multiple choice: the options, in the order shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Table: the columns, in the order shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<TableColumn>,
    /// Table: the most rows (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<i64>,
    /// Attachment: the file kinds allowed, by extension (`pdf`, `docx`, ...); all when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// Attachment: the largest file, in megabytes (default and most: 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<i64>,
    /// Ask the field only when an earlier yes/no or choice field has this answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_when: Option<ShowWhen>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// What is stored and sent in the API (`a`, `region`, ...).
    pub value: String,
    /// What people read.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableColumn {
    /// The cell's name in forms and the API: `answers.<n>.<row>.<key>`.
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowWhen {
    /// The number of the earlier field that decides.
    pub field: i32,
    /// The answer that shows this field: `ja`/`nej` for yes/no, an option's value for a
    /// choice.
    pub equals: String,
}

/// One field of a form, read from its row: the same for application and report fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormField {
    pub id: String,
    pub position: i32,
    pub title: String,
    pub help_text: String,
    pub required: bool,
    pub max_length: i32,
    pub kind: FieldKind,
    pub settings: FieldSettings,
}

impl FormField {
    // The eight columns of a field's row, as they are stored; a struct for them would be
    // the row type again.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        position: i32,
        title: &str,
        help_text: &str,
        required: bool,
        max_length: i32,
        kind: FieldKind,
        settings: &str,
    ) -> FormField {
        FormField {
            id: id.to_string(),
            position,
            title: title.to_string(),
            help_text: help_text.to_string(),
            required,
            max_length,
            kind,
            settings: read_settings(settings),
        }
    }

    /// The field's name in forms and the API.
    pub fn name(&self) -> String {
        format!("answers.{}", self.position)
    }

    /// Whether the field takes an answer at all (a page heading does not).
    pub fn is_question(&self) -> bool {
        self.kind != FieldKind::Page
    }

    /// Counts by sex are personal statistics: small counts are hidden where they are
    /// published.
    pub fn is_personal_statistics(&self) -> bool {
        self.kind == FieldKind::SexCounts
    }

    pub fn option_label<'a>(&'a self, value: &'a str) -> &'a str {
        self.settings
            .options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label.as_str())
            .unwrap_or(value)
    }

    /// The file kinds allowed, for the form's `accept` and the message: `.pdf,.docx`.
    pub fn accept_attribute(&self) -> String {
        self.settings
            .accept
            .iter()
            .map(|k| format!(".{k}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn max_file_bytes(&self) -> usize {
        let mb = self
            .settings
            .max_size_mb
            .unwrap_or(MAX_FILE_MB)
            .clamp(1, MAX_FILE_MB);
        usize::try_from(mb).unwrap_or(1) * 1024 * 1024
    }

    /// A one-line description of the condition, for the form: "Besvaras om fråga 3 är Ja."
    pub fn condition_text(&self, fields: &[FormField]) -> Option<String> {
        let when = self.settings.show_when.as_ref()?;
        let source = fields.iter().find(|f| f.position == when.field)?;
        let answer = match source.kind {
            FieldKind::YesNo => yes_no_label(&when.equals).to_string(),
            _ => source.option_label(&when.equals).to_string(),
        };
        Some(format!(
            "Besvaras bara om svaret på fråga {} ({}) är {}.",
            source.position, source.title, answer
        ))
    }
}

/// Stored settings are written by this module; a row that does not read (never seen) is
/// treated as having none, and said in the log.
fn read_settings(json: &str) -> FieldSettings {
    if json.trim().is_empty() {
        return FieldSettings::default();
    }
    serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "stored field settings do not read; using none");
        FieldSettings::default()
    })
}

pub fn settings_json(settings: &FieldSettings) -> String {
    serde_json::to_string(settings).unwrap_or_else(|_| "{}".into())
}

/// An answer as sent: a text for most types, a list for multiple choice, rows for a table,
/// parts for counts by sex. JSON numbers and booleans are read as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AnswerInput {
    #[schema(value_type = String)]
    Text(#[serde(deserialize_with = "forms::text")] String),
    List(Vec<String>),
    #[schema(value_type = Vec<BTreeMap<String, String>>)]
    Rows(Vec<Row>),
    #[schema(value_type = BTreeMap<String, String>)]
    Parts(#[serde(deserialize_with = "forms::text_map")] BTreeMap<String, String>),
}

/// A table row as sent: column key → cell text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Row(#[serde(deserialize_with = "forms::text_map")] pub BTreeMap<String, String>);

impl Default for AnswerInput {
    fn default() -> Self {
        AnswerInput::Text(String::new())
    }
}

impl From<&str> for AnswerInput {
    fn from(text: &str) -> Self {
        AnswerInput::Text(text.to_string())
    }
}

impl From<String> for AnswerInput {
    fn from(text: String) -> Self {
        AnswerInput::Text(text)
    }
}

impl AnswerInput {
    /// Nothing typed: empty text, no choice, only blank rows or parts.
    pub fn is_blank(&self) -> bool {
        match self {
            AnswerInput::Text(t) => t.trim().is_empty(),
            AnswerInput::List(l) => l.iter().all(|v| v.trim().is_empty()),
            AnswerInput::Rows(rows) => rows
                .iter()
                .all(|r| r.0.values().all(|v| v.trim().is_empty())),
            AnswerInput::Parts(p) => p.values().all(|v| v.trim().is_empty()),
        }
    }

    /// The text, for the single-value types ("" for the others).
    pub fn text(&self) -> &str {
        match self {
            AnswerInput::Text(t) => t,
            _ => "",
        }
    }

    /// The chosen values (a single text counts as one).
    pub fn values(&self) -> Vec<String> {
        match self {
            AnswerInput::Text(t) if t.trim().is_empty() => Vec::new(),
            AnswerInput::Text(t) => vec![t.clone()],
            AnswerInput::List(l) => l.clone(),
            _ => Vec::new(),
        }
    }

    pub fn has_value(&self, value: &str) -> bool {
        self.values().iter().any(|v| v.trim() == value)
    }

    /// A table's rows as typed (none for other shapes).
    pub fn rows(&self) -> Vec<BTreeMap<String, String>> {
        match self {
            AnswerInput::Rows(rows) => rows.iter().map(|r| r.0.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// How many table rows a form shows: those typed (blank rows at the end left out) and
    /// `blank` empty ones to fill in.
    pub fn rows_to_show(&self, blank: usize) -> usize {
        let typed = match self {
            AnswerInput::Rows(rows) => rows
                .iter()
                .rposition(|r| r.0.values().any(|v| !v.trim().is_empty()))
                .map_or(0, |i| i + 1),
            _ => 0,
        };
        typed + blank
    }

    /// A cell of a table or a part of counts by sex, as typed.
    pub fn cell(&self, row: impl std::borrow::Borrow<usize>, key: &str) -> String {
        match self {
            AnswerInput::Rows(rows) => rows
                .get(*row.borrow())
                .and_then(|r| r.0.get(key))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    pub fn part(&self, key: &str) -> String {
        match self {
            AnswerInput::Parts(p) => p.get(key).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

/// Reads the answers of a urlencoded form: `answers.<n>` (repeated for checkboxes),
/// `answers.<n>.<row>.<column>` for table cells, `answers.<n>.<part>` for counts by sex.
pub fn answers_from_form(form: &forms::FormData) -> BTreeMap<String, AnswerInput> {
    let mut texts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rows: BTreeMap<String, BTreeMap<usize, BTreeMap<String, String>>> = BTreeMap::new();
    let mut parts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (key, value) in form.map_all("answers") {
        let mut pieces = key.splitn(3, '.');
        let (Some(n), second, third) = (pieces.next(), pieces.next(), pieces.next()) else {
            continue;
        };
        match (second, third) {
            (None, _) => texts.entry(n.to_string()).or_default().push(value),
            (Some(row), Some(column)) if row.chars().all(|c| c.is_ascii_digit()) => {
                // Bounded: absurd row numbers are not a reason to allocate.
                let Ok(row) = row.parse::<usize>() else {
                    continue;
                };
                if row > 10_000 {
                    continue;
                }
                rows.entry(n.to_string())
                    .or_default()
                    .entry(row)
                    .or_default()
                    .insert(column.to_string(), value);
            }
            (Some(part), None) => {
                parts
                    .entry(n.to_string())
                    .or_default()
                    .insert(part.to_string(), value);
            }
            _ => {}
        }
    }
    let mut answers = BTreeMap::new();
    for (n, values) in texts {
        let answer = if values.len() == 1 {
            AnswerInput::Text(values.into_iter().next().unwrap_or_default())
        } else {
            AnswerInput::List(values)
        };
        answers.insert(n, answer);
    }
    for (n, rows) in rows {
        answers.insert(n, AnswerInput::Rows(rows.into_values().map(Row).collect()));
    }
    for (n, parts) in parts {
        answers.insert(n, AnswerInput::Parts(parts));
    }
    answers
}

/// Reads one answer against its field. `Some(text)`: the canonical text to store; `None`:
/// nothing to store, because nothing was typed or because it was refused (the messages are
/// in `errors`, each beside its field).
pub fn parse_answer(
    field: &FormField,
    input: &AnswerInput,
    errors: &mut FieldErrors,
) -> Option<String> {
    let name = field.name();
    if input.is_blank() {
        return None;
    }
    let single = |errors: &mut FieldErrors| -> Option<String> {
        match input {
            AnswerInput::Text(t) => Some(t.trim().to_string()),
            _ => {
                errors.add(name.clone(), "Ange ett enda svar.");
                None
            }
        }
    };
    match field.kind {
        FieldKind::Page => {
            errors.add(name, "Rubriken tar inget svar.");
            None
        }
        FieldKind::Attachment => {
            errors.add(name, "Lägg till frågans bilaga som fil, under frågan.");
            None
        }
        FieldKind::ShortText | FieldKind::LongText => {
            let text = single(errors)?;
            let max = usize::try_from(field.max_length.max(1)).unwrap_or(1);
            forms::optional_text(&text, max)
                .map_err(|m| errors.add(name.clone(), m))
                .ok()
        }
        FieldKind::Integer | FieldKind::Amount | FieldKind::Percentage | FieldKind::Date => {
            let text = single(errors)?;
            let kind = match field.kind {
                FieldKind::Integer => ColumnKind::Integer,
                FieldKind::Amount => ColumnKind::Amount,
                FieldKind::Percentage => ColumnKind::Percentage,
                _ => ColumnKind::Date,
            };
            parse_scalar(kind, &text, &field.settings, CELL_TEXT_MAX)
                .map_err(|m| errors.add(name.clone(), m))
                .ok()
        }
        FieldKind::YesNo => {
            let text = single(errors)?;
            match text.to_lowercase().as_str() {
                "ja" | "true" | "yes" | "1" | "on" => Some("ja".into()),
                "nej" | "false" | "no" | "0" | "off" => Some("nej".into()),
                _ => {
                    errors.add(name, "Svara ja eller nej.");
                    None
                }
            }
        }
        FieldKind::SingleChoice => {
            let text = single(errors)?;
            if field.settings.options.iter().any(|o| o.value == text) {
                Some(text)
            } else {
                errors.add(name, "Välj ett av alternativen.");
                None
            }
        }
        FieldKind::MultipleChoice => {
            let chosen: BTreeSet<String> = input
                .values()
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if chosen
                .iter()
                .any(|v| !field.settings.options.iter().any(|o| &o.value == v))
            {
                errors.add(name, "Välj bland alternativen.");
                return None;
            }
            // In the options' order, so that the stored text does not depend on the order
            // sent.
            let values: Vec<&str> = field
                .settings
                .options
                .iter()
                .filter(|o| chosen.contains(&o.value))
                .map(|o| o.value.as_str())
                .collect();
            (!values.is_empty()).then(|| serde_json::to_string(&values).unwrap_or_default())
        }
        FieldKind::Email => {
            let text = single(errors)?;
            if text.chars().count() > 254 || !text.validate_email() {
                errors.add(name, "Ange en e-postadress, som namn@example.se.");
                None
            } else {
                Some(text)
            }
        }
        FieldKind::Phone => {
            let text = single(errors)?;
            let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
            let allowed = text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
            if !allowed || !(6..=15).contains(&digits) {
                errors.add(
                    name,
                    "Ange ett telefonnummer med siffror, som 08-555 123 45 eller +46 8 555 123 45.",
                );
                None
            } else {
                Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
            }
        }
        FieldKind::OrgNumber => {
            let text = single(errors)?;
            match OrgNumber::parse(&text) {
                Ok(number) => Some(number.as_str().to_string()),
                Err(e) => {
                    errors.add(name, e.to_string());
                    None
                }
            }
        }
        FieldKind::Table => parse_table(field, input, errors),
        FieldKind::SexCounts => parse_sex_counts(field, input, errors),
    }
}

/// A single value of a scalar type (a field's or a table cell's), to its canonical text.
fn parse_scalar(
    kind: ColumnKind,
    text: &str,
    settings: &FieldSettings,
    max_chars: usize,
) -> Result<String, String> {
    match kind {
        ColumnKind::ShortText => forms::optional_text(text, max_chars),
        ColumnKind::Integer => {
            let min = settings.min.unwrap_or(-1_000_000_000_000);
            let max = settings.max.unwrap_or(1_000_000_000_000);
            forms::integer(text, min, max, "talet").map(|n| n.to_string())
        }
        ColumnKind::Amount => {
            let amount = Ore::parse_kronor(text).map_err(|e| e.to_string())?;
            if let Some(min) = settings.min
                && amount < Ore::from_kronor(min)
            {
                return Err(format!(
                    "Beloppet får vara lägst {}.",
                    Ore::from_kronor(min)
                ));
            }
            if let Some(max) = settings.max
                && amount > Ore::from_kronor(max)
            {
                return Err(format!(
                    "Beloppet får vara högst {}.",
                    Ore::from_kronor(max)
                ));
            }
            Ok(amount.ore().to_string())
        }
        ColumnKind::Percentage => {
            let cleaned = text.trim().trim_end_matches('%').trim().replace(',', ".");
            let value: Decimal = cleaned
                .parse()
                .ok()
                .filter(|_| {
                    cleaned
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
                })
                .ok_or_else(|| "Ange procenten med siffror, som 12,5.".to_string())?;
            if value.scale() > 2 && value.normalize().scale() > 2 {
                return Err("Ange procenten med högst två decimaler.".into());
            }
            let min = Decimal::from(settings.min.unwrap_or(0));
            let max = Decimal::from(settings.max.unwrap_or(100));
            if value < min || value > max {
                return Err(format!(
                    "Ange procenten mellan {} och {}.",
                    min.normalize(),
                    max.normalize()
                ));
            }
            Ok(value.normalize().to_string())
        }
        ColumnKind::Date => forms::date(text, "datumet").map(|d| d.to_string()),
    }
}

fn parse_table(field: &FormField, input: &AnswerInput, errors: &mut FieldErrors) -> Option<String> {
    let name = field.name();
    let rows = match input {
        AnswerInput::Rows(rows) => rows,
        _ => {
            errors.add(name, "Fyll i tabellen rad för rad.");
            return None;
        }
    };
    let max_rows = field
        .settings
        .max_rows
        .unwrap_or(DEFAULT_MAX_ROWS)
        .clamp(1, MAX_ROWS_LIMIT);
    let filled: Vec<(usize, &Row)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0.values().any(|v| !v.trim().is_empty()))
        .collect();
    if filled.len() as i64 > max_rows {
        errors.add(name, format!("Tabellen får ha högst {max_rows} rader."));
        return None;
    }
    let before = errors.len();
    let mut stored: Vec<BTreeMap<String, String>> = Vec::new();
    for (i, row) in filled {
        let mut cells = BTreeMap::new();
        for key in row.0.keys() {
            if !field.settings.columns.iter().any(|c| &c.key == key) {
                errors.add(
                    format!("{name}.{i}.{key}"),
                    "Tabellen har ingen sådan kolumn.",
                );
            }
        }
        for column in &field.settings.columns {
            let cell_name = format!("{name}.{i}.{}", column.key);
            let text = row.0.get(&column.key).map(|t| t.trim()).unwrap_or_default();
            if text.is_empty() {
                if column.required {
                    errors.add(
                        cell_name,
                        format!("Fyll i {}.", column.label.to_lowercase()),
                    );
                }
                continue;
            }
            match parse_scalar(column.kind, text, &FieldSettings::default(), CELL_TEXT_MAX) {
                Ok(value) => {
                    cells.insert(column.key.clone(), value);
                }
                Err(m) => errors.add(cell_name, m),
            }
        }
        stored.push(cells);
    }
    if errors.len() > before || stored.is_empty() {
        return None;
    }
    serde_json::to_string(&stored).ok()
}

/// Counts by sex: a total, and of them girls and boys. Others and unknown make up the rest,
/// so girls and boys together may be fewer than the total, never more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SexCounts {
    pub total: i64,
    pub girls: Option<i64>,
    pub boys: Option<i64>,
}

pub const SEX_PARTS: [(&str, &str); 3] = [
    ("total", "Totalt"),
    ("girls", "Flickor"),
    ("boys", "Pojkar"),
];

fn parse_sex_counts(
    field: &FormField,
    input: &AnswerInput,
    errors: &mut FieldErrors,
) -> Option<String> {
    let name = field.name();
    let AnswerInput::Parts(parts) = input else {
        errors.add(name, "Ange antalen som totalt, flickor och pojkar.");
        return None;
    };
    let before = errors.len();
    for key in parts.keys() {
        if !SEX_PARTS.iter().any(|(k, _)| k == key) {
            errors.add(
                format!("{name}.{key}"),
                "Ange bara totalt, flickor och pojkar.",
            );
        }
    }
    let mut read = |key: &str, what: &str| -> Option<i64> {
        let text = parts.get(key).map(|t| t.trim()).unwrap_or_default();
        if text.is_empty() {
            return None;
        }
        forms::integer(text, 0, COUNT_MAX, what)
            .map_err(|m| errors.add(format!("{name}.{key}"), m))
            .ok()
    };
    let total = read("total", "antalet totalt");
    let girls = read("girls", "antalet flickor");
    let boys = read("boys", "antalet pojkar");
    if errors.len() > before {
        return None;
    }
    let Some(total) = total else {
        errors.add(format!("{name}.total"), "Ange antalet totalt.");
        return None;
    };
    if girls.unwrap_or(0) + boys.unwrap_or(0) > total {
        errors.add(
            format!("{name}.total"),
            "Flickor och pojkar kan tillsammans inte vara fler än totalt.",
        );
        return None;
    }
    serde_json::to_string(&SexCounts { total, girls, boys }).ok()
}

pub fn read_sex_counts(body: &str) -> Option<SexCounts> {
    serde_json::from_str(body).ok()
}

fn yes_no_label(value: &str) -> &'static str {
    match value {
        "ja" => "Ja",
        "nej" => "Nej",
        _ => "–",
    }
}

/// A stored answer as people read it, on one line: `1 234,50 kr`, `12,5 %`, `Ja`, the
/// options' labels, the rows of a table as `Kolumn: värde; …` separated by ` | `.
pub fn display(field: &FormField, body: &str) -> String {
    match field.kind {
        FieldKind::Amount => body
            .parse::<i64>()
            .map(|ore| Ore::from_ore(ore).to_string())
            .unwrap_or_else(|_| body.to_string()),
        FieldKind::Percentage => format!("{}\u{a0}%", body.replace('.', ",")),
        FieldKind::YesNo => yes_no_label(body).to_string(),
        FieldKind::SingleChoice => field.option_label(body).to_string(),
        FieldKind::MultipleChoice => serde_json::from_str::<Vec<String>>(body)
            .map(|values| {
                values
                    .iter()
                    .map(|v| field.option_label(v).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|_| body.to_string()),
        FieldKind::Table => table_cells(field, body)
            .into_iter()
            .map(|row| {
                field
                    .settings
                    .columns
                    .iter()
                    .zip(row)
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(c, cell)| format!("{}: {}", c.label, cell))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .collect::<Vec<_>>()
            .join(" | "),
        FieldKind::SexCounts => match read_sex_counts(body) {
            Some(c) => {
                let mut text = format!("Totalt {}", c.total);
                if let Some(g) = c.girls {
                    text.push_str(&format!(", flickor {g}"));
                }
                if let Some(b) = c.boys {
                    text.push_str(&format!(", pojkar {b}"));
                }
                text
            }
            None => body.to_string(),
        },
        _ => body.to_string(),
    }
}

/// A stored table as rows of shown cells, in the columns' order ("" for an empty cell).
pub fn table_cells(field: &FormField, body: &str) -> Vec<Vec<String>> {
    let rows: Vec<BTreeMap<String, String>> = serde_json::from_str(body).unwrap_or_default();
    rows.iter()
        .map(|row| {
            field
                .settings
                .columns
                .iter()
                .map(|c| {
                    row.get(&c.key)
                        .map(|v| display_scalar(c.kind, v))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

fn display_scalar(kind: ColumnKind, value: &str) -> String {
    match kind {
        ColumnKind::Amount => value
            .parse::<i64>()
            .map(|ore| Ore::from_ore(ore).to_string())
            .unwrap_or_else(|_| value.to_string()),
        ColumnKind::Percentage => format!("{}\u{a0}%", value.replace('.', ",")),
        _ => value.to_string(),
    }
}

/// A scalar as it is typed again in a form: amounts grouped with öre after a comma,
/// percentages with a comma.
fn editable_scalar(kind: ColumnKind, value: &str) -> String {
    match kind {
        ColumnKind::Amount => value
            .parse::<i64>()
            .map(|ore| Ore::from_ore(ore).format_number())
            .unwrap_or_else(|_| value.to_string()),
        ColumnKind::Percentage => value.replace('.', ","),
        _ => value.to_string(),
    }
}

/// A stored answer as the form shows it to be edited again.
pub fn to_input(field: &FormField, body: &str) -> AnswerInput {
    match field.kind {
        FieldKind::Amount => AnswerInput::Text(editable_scalar(ColumnKind::Amount, body)),
        FieldKind::Percentage => AnswerInput::Text(editable_scalar(ColumnKind::Percentage, body)),
        FieldKind::MultipleChoice => {
            AnswerInput::List(serde_json::from_str(body).unwrap_or_default())
        }
        FieldKind::Table => {
            let rows: Vec<BTreeMap<String, String>> =
                serde_json::from_str(body).unwrap_or_default();
            AnswerInput::Rows(
                rows.into_iter()
                    .map(|row| {
                        Row(row
                            .into_iter()
                            .map(|(key, value)| {
                                let kind = field
                                    .settings
                                    .columns
                                    .iter()
                                    .find(|c| c.key == key)
                                    .map(|c| c.kind)
                                    .unwrap_or(ColumnKind::ShortText);
                                let shown = editable_scalar(kind, &value);
                                (key, shown)
                            })
                            .collect())
                    })
                    .collect(),
            )
        }
        FieldKind::SexCounts => {
            let mut parts = BTreeMap::new();
            if let Some(c) = read_sex_counts(body) {
                parts.insert("total".into(), c.total.to_string());
                if let Some(g) = c.girls {
                    parts.insert("girls".into(), g.to_string());
                }
                if let Some(b) = c.boys {
                    parts.insert("boys".into(), b.to_string());
                }
            }
            AnswerInput::Parts(parts)
        }
        _ => AnswerInput::Text(body.to_string()),
    }
}

/// A stored answer in the API: the canonical text for the single-value types, a list for
/// multiple choice, rows for a table, parts for counts by sex; amounts in kronor with öre.
pub fn to_api(field: &FormField, body: &str) -> serde_json::Value {
    match field.kind {
        FieldKind::Amount => body
            .parse::<i64>()
            .map(|ore| serde_json::Value::String(Ore::from_ore(ore).to_kronor().to_string()))
            .unwrap_or_else(|_| body.into()),
        FieldKind::MultipleChoice | FieldKind::Table | FieldKind::SexCounts => {
            serde_json::from_str(body).unwrap_or_else(|_| body.into())
        }
        _ => body.into(),
    }
}

/// Whether a field is asked, given the stored answers by field id: a field with a
/// condition only when the deciding field has the answer.
pub fn visible(
    field: &FormField,
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
) -> bool {
    let Some(when) = &field.settings.show_when else {
        return true;
    };
    // The deciding field comes earlier (checked when the form is saved), so the chain of
    // conditions ends.
    let Some(source) = fields
        .iter()
        .find(|f| f.position == when.field && f.position < field.position)
    else {
        return true;
    };
    if !visible(source, fields, answers) {
        return false;
    }
    match answers.get(&source.id) {
        None => false,
        Some(body) if source.kind == FieldKind::MultipleChoice => {
            serde_json::from_str::<Vec<String>>(body)
                .map(|values| values.contains(&when.equals))
                .unwrap_or(false)
        }
        Some(body) => body == &when.equals,
    }
}

/// The rules for a complete form: every required field that is asked has an answer (an
/// attachment field: a file). Hidden fields are not required.
pub fn check_complete(
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
    files: &BTreeMap<String, usize>,
    errors: &mut FieldErrors,
) {
    for field in fields {
        if !field.is_question() || !field.required || !visible(field, fields, answers) {
            continue;
        }
        let answered = match field.kind {
            FieldKind::Attachment => files.get(&field.id).copied().unwrap_or(0) > 0,
            _ => answers.get(&field.id).is_some_and(|b| !b.trim().is_empty()),
        };
        // Required counts by sex are answered in full: the split is what the statistics
        // are for (the report-back always asked all three).
        if answered
            && field.kind == FieldKind::SexCounts
            && let Some(counts) = answers.get(&field.id).and_then(|b| read_sex_counts(b))
        {
            if counts.girls.is_none() {
                errors.add(format!("{}.girls", field.name()), "Ange antalet flickor.");
            }
            if counts.boys.is_none() {
                errors.add(format!("{}.boys", field.name()), "Ange antalet pojkar.");
            }
        }
        if !answered {
            let message = match field.kind {
                FieldKind::Attachment => format!("Lägg till bilagan: {}.", field.title),
                _ => format!("Frågan måste besvaras: {}.", field.title),
            };
            errors.add(field.name(), message);
        }
    }
}

/// A field as an officer writes it (in the editor, the call form or the API).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldDraft {
    pub kind: String,
    pub settings: String,
}

/// Checks a field's type and settings against the fields before it. `prefix` names the
/// field's row in the form being checked (`sections.3`). On success, the type and the
/// settings as they are stored.
pub fn check_field(
    prefix: &str,
    draft: &FieldDraft,
    position: i32,
    earlier: &[FormField],
    allow: &[FieldKind],
    errors: &mut FieldErrors,
) -> Option<(FieldKind, FieldSettings)> {
    let kind_text = draft.kind.trim();
    let kind = if kind_text.is_empty() {
        FieldKind::LongText
    } else {
        match FieldKind::parse(kind_text).filter(|k| allow.contains(k)) {
            Some(k) => k,
            None => {
                errors.add(
                    format!("{prefix}.kind"),
                    format!(
                        "Välj en av typerna: {}.",
                        allow
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                return None;
            }
        }
    };
    let settings: FieldSettings = if draft.settings.trim().is_empty() {
        FieldSettings::default()
    } else {
        match serde_json::from_str(&draft.settings) {
            Ok(s) => s,
            Err(e) => {
                errors.add(
                    format!("{prefix}.settings"),
                    format!("Inställningarna kunde inte läsas: {e}."),
                );
                return None;
            }
        }
    };
    let before = errors.len();
    let mut add = |what: &str, message: String| errors.add(format!("{prefix}.{what}"), message);
    let uses = |used: bool, what: &str, add: &mut dyn FnMut(&str, String)| {
        if used {
            add(
                what,
                format!(
                    "Typen {} har ingen sådan inställning.",
                    kind.label().to_lowercase()
                ),
            );
        }
    };
    let bounds = matches!(
        kind,
        FieldKind::Integer | FieldKind::Amount | FieldKind::Percentage
    );
    uses(
        !bounds && (settings.min.is_some() || settings.max.is_some()),
        "min",
        &mut add,
    );
    if let (Some(min), Some(max)) = (settings.min, settings.max)
        && min > max
    {
        add("min", "Det minsta värdet är större än det största.".into());
    }
    if kind == FieldKind::Percentage
        && (settings.min.is_some_and(|m| m < 0) || settings.max.is_some_and(|m| m > 1000))
    {
        add("min", "Ange procentgränser mellan 0 och 1 000.".into());
    }
    if kind == FieldKind::Amount && settings.min.is_some_and(|m| m < 0) {
        add("min", "Ett belopp kan inte vara negativt.".into());
    }
    let choice = matches!(kind, FieldKind::SingleChoice | FieldKind::MultipleChoice);
    uses(!choice && !settings.options.is_empty(), "options", &mut add);
    if choice {
        if settings.options.len() < 2 {
            add("options", "Ange minst två alternativ, ett per rad.".into());
        } else if settings.options.len() > MAX_OPTIONS {
            add("options", format!("Högst {MAX_OPTIONS} alternativ."));
        }
        let mut seen = BTreeSet::new();
        for option in &settings.options {
            if option.value.trim().is_empty() || option.label.trim().is_empty() {
                add(
                    "options",
                    "Varje alternativ behöver ett värde och en text.".into(),
                );
                break;
            }
            if option.value != option.value.trim() || option.value.chars().count() > 60 {
                add(
                    "options",
                    format!(
                        "Värdet «{}» får ha högst 60 tecken och inga mellanslag först eller sist.",
                        option.value
                    ),
                );
                break;
            }
            if !seen.insert(option.value.clone()) {
                add(
                    "options",
                    format!("Värdet «{}» står två gånger.", option.value),
                );
                break;
            }
        }
    }
    let table = kind == FieldKind::Table;
    uses(!table && !settings.columns.is_empty(), "columns", &mut add);
    uses(!table && settings.max_rows.is_some(), "max_rows", &mut add);
    if table {
        if settings.columns.is_empty() {
            add("columns", "Ange tabellens kolumner, en per rad.".into());
        } else if settings.columns.len() > MAX_COLUMNS {
            add("columns", format!("Högst {MAX_COLUMNS} kolumner."));
        }
        let mut seen = BTreeSet::new();
        for column in &settings.columns {
            let key_ok = !column.key.is_empty()
                && column.key.len() <= 40
                && column
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                add(
                    "columns",
                    format!(
                        "Kolumnens nyckel «{}» får bara ha små bokstäver a–z, siffror och _.",
                        column.key
                    ),
                );
                break;
            }
            if column.label.trim().is_empty() {
                add(
                    "columns",
                    format!("Kolumnen «{}» behöver en rubrik.", column.key),
                );
                break;
            }
            if !seen.insert(column.key.clone()) {
                add(
                    "columns",
                    format!("Kolumnen «{}» står två gånger.", column.key),
                );
                break;
            }
        }
        if settings
            .max_rows
            .is_some_and(|n| !(1..=MAX_ROWS_LIMIT).contains(&n))
        {
            add(
                "max_rows",
                format!("Ange högst antal rader mellan 1 och {MAX_ROWS_LIMIT}."),
            );
        }
    }
    let attachment = kind == FieldKind::Attachment;
    uses(
        !attachment && !settings.accept.is_empty(),
        "accept",
        &mut add,
    );
    uses(
        !attachment && settings.max_size_mb.is_some(),
        "max_size_mb",
        &mut add,
    );
    if attachment {
        for kind in &settings.accept {
            if !FILE_KINDS.iter().any(|(k, _)| k == kind) {
                add(
                    "accept",
                    format!(
                        "Filtypen «{kind}» finns inte; välj bland {}.",
                        FILE_KINDS
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                break;
            }
        }
        if settings
            .max_size_mb
            .is_some_and(|n| !(1..=MAX_FILE_MB).contains(&n))
        {
            add(
                "max_size_mb",
                format!("Ange största filstorlek mellan 1 och {MAX_FILE_MB} MB."),
            );
        }
    }
    if let Some(when) = &settings.show_when {
        if kind == FieldKind::Page {
            add("show_when", "En rubrik visas alltid.".into());
        } else {
            match earlier.iter().find(|f| f.position == when.field) {
                None => add(
                    "show_when",
                    format!("Villkoret måste gälla en tidigare fråga (före fråga {position})."),
                ),
                Some(source) => match source.kind {
                    FieldKind::YesNo if matches!(when.equals.as_str(), "ja" | "nej") => {}
                    FieldKind::YesNo => add(
                        "show_when",
                        "Svaret i villkoret ska vara ja eller nej.".into(),
                    ),
                    FieldKind::SingleChoice | FieldKind::MultipleChoice
                        if source
                            .settings
                            .options
                            .iter()
                            .any(|o| o.value == when.equals) => {}
                    FieldKind::SingleChoice | FieldKind::MultipleChoice => add(
                        "show_when",
                        "Svaret i villkoret ska vara ett av den frågans alternativ.".into(),
                    ),
                    _ => add(
                        "show_when",
                        "Villkoret kan bara gälla en ja/nej-fråga eller en fråga med alternativ."
                            .into(),
                    ),
                },
            }
        }
    }
    (errors.len() == before).then_some((kind, settings))
}

/// The `type` of a single-line input for a field's type.
pub fn input_type(kind: impl std::borrow::Borrow<FieldKind>) -> &'static str {
    match kind.borrow() {
        FieldKind::Email => "email",
        FieldKind::Phone => "tel",
        // A text input, not `date`/`number`: browsers' own widgets would change what was
        // typed and give their own messages in their own language.
        _ => "text",
    }
}

/// The `inputmode` (the keyboard on a phone) for a field's type.
pub fn input_mode(kind: impl std::borrow::Borrow<FieldKind>) -> Option<&'static str> {
    match kind.borrow() {
        FieldKind::Integer => Some("numeric"),
        FieldKind::Amount | FieldKind::Percentage => Some("decimal"),
        _ => None,
    }
}

/// The default and largest length of a text field's answer, by type.
pub fn default_max_length(kind: FieldKind) -> i32 {
    match kind {
        FieldKind::ShortText => SHORT_TEXT_DEFAULT,
        _ => 8000,
    }
}

/// The field types an application form may use, and a report-back form (no attachments
/// there yet: the report-back has no file store).
pub const APPLICATION_KINDS: &[FieldKind] = FieldKind::ALL;
pub const REPORT_KINDS: &[FieldKind] = &[
    FieldKind::Page,
    FieldKind::ShortText,
    FieldKind::LongText,
    FieldKind::Integer,
    FieldKind::Amount,
    FieldKind::Percentage,
    FieldKind::Date,
    FieldKind::YesNo,
    FieldKind::SingleChoice,
    FieldKind::MultipleChoice,
    FieldKind::Email,
    FieldKind::Phone,
    FieldKind::OrgNumber,
    FieldKind::Table,
    FieldKind::SexCounts,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn field(position: i32, kind: FieldKind, settings: &str) -> FormField {
        FormField::new(
            &format!("f{position}"),
            position,
            &format!("Fråga {position}"),
            "",
            true,
            100,
            kind,
            settings,
        )
    }

    fn parse(field: &FormField, input: AnswerInput) -> Result<Option<String>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let value = parse_answer(field, &input, &mut errors);
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn every_scalar_type_is_stored_in_its_canonical_form() {
        let cases: &[(FieldKind, &str, &str, &str)] = &[
            (FieldKind::Integer, "", " 1 200 ", "1200"),
            (FieldKind::Amount, "", "2 913 808,50 kr", "291380850"),
            (FieldKind::Percentage, "", "12,50 %", "12.5"),
            (FieldKind::Date, "", "2021-03-01", "2021-03-01"),
            (FieldKind::YesNo, "", "Ja", "ja"),
            (FieldKind::Email, "", " a@b.se ", "a@b.se"),
            (FieldKind::Phone, "", "08-555  123 45", "08-555 123 45"),
            (FieldKind::OrgNumber, "", "232100-0255", "232100-0255"),
            (
                FieldKind::SingleChoice,
                r#"{"options":[{"value":"a","label":"A"},{"value":"b","label":"B"}]}"#,
                "b",
                "b",
            ),
        ];
        for (kind, settings, typed, stored) in cases {
            let f = field(1, *kind, settings);
            assert_eq!(
                parse(&f, AnswerInput::from(*typed)),
                Ok(Some(stored.to_string())),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn bad_values_get_a_swedish_message_beside_the_field() {
        let cases: &[(FieldKind, &str, &str)] = &[
            (FieldKind::Integer, r#"{"min":1,"max":10}"#, "11"),
            (FieldKind::Amount, "", "12.500"),
            (FieldKind::Percentage, "", "101"),
            (FieldKind::Date, "", "1 mars"),
            (FieldKind::YesNo, "", "kanske"),
            (FieldKind::Email, "", "inte-en-adress"),
            (FieldKind::Phone, "", "ring mig"),
            (FieldKind::OrgNumber, "", "232100-0256"),
        ];
        for (kind, settings, typed) in cases {
            let f = field(3, *kind, settings);
            let errors = parse(&f, AnswerInput::from(*typed))
                .err()
                .unwrap_or_default();
            assert!(errors.get("answers.3").is_some(), "{kind:?} {typed}");
        }
    }

    #[test]
    fn multiple_choice_is_stored_in_the_options_order() {
        let f = field(
            2,
            FieldKind::MultipleChoice,
            r#"{"options":[{"value":"a","label":"A"},{"value":"b","label":"B"},{"value":"c","label":"C"}]}"#,
        );
        let stored = parse(&f, AnswerInput::List(vec!["c".into(), "a".into()]));
        assert_eq!(stored, Ok(Some(r#"["a","c"]"#.into())));
        assert_eq!(display(&f, r#"["a","c"]"#), "A, C");
        assert!(parse(&f, AnswerInput::List(vec!["x".into()])).is_err());
    }

    #[test]
    fn a_table_names_each_bad_cell() {
        let f = field(
            4,
            FieldKind::Table,
            r#"{"columns":[{"key":"role","label":"Befattning","kind":"short_text","required":true},{"key":"cost","label":"Kostnad","kind":"amount"}]}"#,
        );
        let row = |role: &str, cost: &str| {
            Row(BTreeMap::from([
                ("role".to_string(), role.to_string()),
                ("cost".to_string(), cost.to_string()),
            ]))
        };
        let errors = parse(
            &f,
            AnswerInput::Rows(vec![row("Läkare", "tio"), row("", "5"), row("", "")]),
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.4.0.cost", "answers.4.1.role"]);
        let stored = parse(&f, AnswerInput::Rows(vec![row("Läkare", "420 000")]))
            .ok()
            .flatten()
            .unwrap_or_default();
        assert_eq!(stored, r#"[{"cost":"42000000","role":"Läkare"}]"#);
        assert_eq!(
            display(&f, &stored),
            "Befattning: Läkare; Kostnad: 420\u{a0}000\u{a0}kr"
        );
        assert_eq!(to_input(&f, &stored).cell(0, "cost"), "420\u{a0}000");
    }

    #[test]
    fn counts_by_sex_cannot_exceed_the_total() {
        let f = field(5, FieldKind::SexCounts, "");
        let parts = |t: &str, g: &str, b: &str| {
            AnswerInput::Parts(BTreeMap::from([
                ("total".to_string(), t.to_string()),
                ("girls".to_string(), g.to_string()),
                ("boys".to_string(), b.to_string()),
            ]))
        };
        assert_eq!(
            parse(&f, parts("12", "5", "6")),
            Ok(Some(r#"{"total":12,"girls":5,"boys":6}"#.into()))
        );
        let errors = parse(&f, parts("10", "6", "6")).err().unwrap_or_default();
        assert!(errors.get("answers.5.total").is_some());
        let errors = parse(&f, parts("x", "", "")).err().unwrap_or_default();
        assert!(errors.get("answers.5.total").is_some());
    }

    #[test]
    fn required_counts_by_sex_are_answered_in_full() {
        let fields = vec![field(1, FieldKind::SexCounts, "")];
        let answers = BTreeMap::from([(
            "f1".to_string(),
            r#"{"total":3,"girls":1,"boys":null}"#.to_string(),
        )]);
        let mut errors = FieldErrors::new();
        check_complete(&fields, &answers, &BTreeMap::new(), &mut errors);
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["answers.1.boys"]);
    }

    #[test]
    fn a_hidden_field_is_not_required() {
        let fields = vec![
            field(1, FieldKind::YesNo, ""),
            field(
                2,
                FieldKind::LongText,
                r#"{"show_when":{"field":1,"equals":"ja"}}"#,
            ),
        ];
        let mut answers = BTreeMap::from([("f1".to_string(), "nej".to_string())]);
        let mut errors = FieldErrors::new();
        check_complete(&fields, &answers, &BTreeMap::new(), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        answers.insert("f1".into(), "ja".into());
        check_complete(&fields, &answers, &BTreeMap::new(), &mut errors);
        assert!(errors.get("answers.2").is_some());
    }

    #[test]
    fn a_definition_is_checked_against_its_type_and_earlier_fields() {
        let earlier = vec![field(1, FieldKind::YesNo, "")];
        let check = |kind: &str, settings: &str| {
            let mut errors = FieldErrors::new();
            let draft = FieldDraft {
                kind: kind.into(),
                settings: settings.into(),
            };
            check_field(
                "sections.1",
                &draft,
                2,
                &earlier,
                APPLICATION_KINDS,
                &mut errors,
            );
            errors.iter().map(|e| e.field.clone()).collect::<Vec<_>>()
        };
        assert!(check("integer", r#"{"min":1,"max":5}"#).is_empty());
        assert_eq!(check("nonsense", ""), ["sections.1.kind"]);
        assert_eq!(
            check("single_choice", r#"{"options":[]}"#),
            ["sections.1.options"]
        );
        assert_eq!(check("short_text", r#"{"min":1}"#), ["sections.1.min"]);
        assert_eq!(check("table", "{}"), ["sections.1.columns"]);
        assert_eq!(
            check("attachment", r#"{"accept":["exe"]}"#),
            ["sections.1.accept"]
        );
        assert_eq!(
            check("long_text", r#"{"unknown":1}"#),
            ["sections.1.settings"]
        );
        assert!(check("long_text", r#"{"show_when":{"field":1,"equals":"ja"}}"#).is_empty());
        assert_eq!(
            check("long_text", r#"{"show_when":{"field":2,"equals":"ja"}}"#),
            ["sections.1.show_when"]
        );
    }

    #[test]
    fn answers_are_read_from_a_form_by_shape() {
        let form = forms::FormData::new(vec![
            ("answers.1".into(), "text".into()),
            ("answers.2".into(), "a".into()),
            ("answers.2".into(), "b".into()),
            ("answers.3.0.role".into(), "Läkare".into()),
            ("answers.3.1.role".into(), "Kurator".into()),
            ("answers.4.total".into(), "3".into()),
        ]);
        let answers = answers_from_form(&form);
        assert_eq!(answers["1"], AnswerInput::from("text"));
        assert_eq!(
            answers["2"],
            AnswerInput::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(answers["3"].cell(1, "role"), "Kurator");
        assert_eq!(answers["4"].part("total"), "3");
    }

    #[test]
    fn the_api_sends_any_shape() {
        let answers: BTreeMap<String, AnswerInput> = serde_json::from_str(
            r#"{"1":"x","2":12,"3":["a"],"4":[{"role":"Läkare","cost":420000}],"5":{"total":3}}"#,
        )
        .unwrap_or_default();
        assert_eq!(answers["2"], AnswerInput::from("12"));
        assert_eq!(answers["3"], AnswerInput::List(vec!["a".into()]));
        assert_eq!(answers["4"].cell(0, "cost"), "420000");
        assert_eq!(answers["5"].part("total"), "3");
    }
}
