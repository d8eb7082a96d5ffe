//! What the shared templates of forms defined as data need (issue 15): `_form_fields.html`
//! shows a form's fields to be answered, `_form_answers.html` shows stored answers to be
//! read. Both work for any form of `calls::form` fields (a call's application or its
//! report-back); the page gives the fields, the answers and the messages.
//!
//! Templates pass arguments by reference, so the helpers take `Borrow` where a value is
//! small.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::calls::form::{self, AnswerInput, ColumnKind, FieldKind, FormField};

/// Blank rows offered below what was typed in a table field.
pub const BLANK_ROWS: usize = 3;

/// The row numbers a table field shows: every row up to the last one with anything typed
/// in (so that a message about row 4 stands beside row 4), then three blank rows, within
/// the table's most rows.
pub fn table_rows(field: &FormField, answer: &AnswerInput) -> Vec<usize> {
    let rows = answer.rows();
    let typed = rows
        .iter()
        .rposition(|r| r.values().any(|v| !v.trim().is_empty()))
        .map_or(0, |i| i + 1);
    let max = field
        .settings
        .max_rows
        .unwrap_or(form::DEFAULT_MAX_ROWS)
        .clamp(1, form::MAX_ROWS_LIMIT);
    let max = usize::try_from(max).unwrap_or(1);
    let count = (typed + BLANK_ROWS).min(max.max(typed));
    (0..count).collect()
}

/// The keyboard a phone shows for a field's type.
pub fn input_mode<K: Borrow<FieldKind>>(kind: K) -> &'static str {
    match kind.borrow() {
        FieldKind::Integer | FieldKind::Date | FieldKind::OrgNumber => "numeric",
        FieldKind::Amount | FieldKind::Percentage => "decimal",
        FieldKind::Email => "email",
        FieldKind::Phone => "tel",
        _ => "text",
    }
}

/// The keyboard a phone shows for a table column's type.
pub fn column_input_mode<K: Borrow<ColumnKind>>(kind: K) -> &'static str {
    match kind.borrow() {
        ColumnKind::Integer | ColumnKind::Date => "numeric",
        ColumnKind::Amount | ColumnKind::Percentage => "decimal",
        ColumnKind::ShortText => "text",
    }
}

/// How to write an answer of a field's type, beside its label ("" when plain text says it).
pub fn format_hint<K: Borrow<FieldKind>>(kind: K) -> &'static str {
    match kind.borrow() {
        FieldKind::Integer => "Ett heltal.",
        FieldKind::Amount => "I kronor, till exempel 12 500 eller 12 500,50.",
        FieldKind::Percentage => "I procent, till exempel 12,5.",
        FieldKind::Date => "År-månad-dag, till exempel 2021-03-01.",
        FieldKind::Email => "Till exempel namn@example.se.",
        FieldKind::Phone => "Till exempel 08-555 123 45.",
        FieldKind::OrgNumber => "Tio siffror, till exempel 232100-0255.",
        _ => "",
    }
}

/// How to write a cell of a table column's type, for its header.
pub fn column_hint<K: Borrow<ColumnKind>>(kind: K) -> &'static str {
    match kind.borrow() {
        ColumnKind::Amount => "kr",
        ColumnKind::Percentage => "%",
        ColumnKind::Date => "år-månad-dag",
        _ => "",
    }
}

/// The most characters of a text field's answer, as the hint says it.
pub fn max_length_text(field: &FormField) -> String {
    crate::web::format::number(i64::from(field.max_length.max(1)))
}

/// The parts of a field of counts by sex, with their labels.
pub fn sex_parts() -> Vec<(&'static str, &'static str)> {
    vec![
        ("total", "Totalt"),
        ("girls", "varav flickor"),
        ("boys", "varav pojkar"),
    ]
}

/// One field of a form as read: a heading, or a question with its answer as people read
/// it (a table also as rows of cells). Fields a condition hides are left out.
#[derive(Debug, Clone)]
pub struct ShownField {
    pub field: FormField,
    /// The answer on one line (`form::display`); `None` when not answered.
    pub text: Option<String>,
    /// A table's rows of shown cells, in the columns' order.
    pub cells: Vec<Vec<String>>,
}

impl ShownField {
    pub fn is_page(&self) -> bool {
        self.field.kind == FieldKind::Page
    }

    pub fn is_table(&self) -> bool {
        self.field.kind == FieldKind::Table
    }
}

/// The fields of a form with their stored answers (field id → canonical text), as read:
/// every heading and every question that is asked, in order.
pub fn shown(fields: &[FormField], answers: &BTreeMap<String, String>) -> Vec<ShownField> {
    fields
        .iter()
        .filter(|f| form::visible(f, fields, answers))
        .map(|f| {
            let body = answers.get(&f.id).filter(|b| !b.trim().is_empty());
            ShownField {
                field: f.clone(),
                text: body.map(|b| form::display(f, b)),
                cells: match body {
                    Some(b) if f.kind == FieldKind::Table => form::table_cells(f, b),
                    _ => Vec::new(),
                },
            }
        })
        .collect()
}

/// The stored answers of a form as the edit form shows them again: field number → input.
pub fn inputs(
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
) -> BTreeMap<String, AnswerInput> {
    fields
        .iter()
        .filter_map(|f| {
            answers
                .get(&f.id)
                .map(|body| (f.position.to_string(), form::to_input(f, body)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_shows_what_was_typed_and_three_blank_rows_within_its_limit() {
        let field = FormField::new(
            "t",
            1,
            "Personal",
            "",
            false,
            100,
            FieldKind::Table,
            r#"{"columns":[{"key":"role","label":"Befattning","kind":"short_text"}],"max_rows":5}"#,
        );
        let row = |text: &str| form::Row(BTreeMap::from([("role".to_string(), text.to_string())]));
        assert_eq!(table_rows(&field, &AnswerInput::default()), [0, 1, 2]);
        let typed = AnswerInput::Rows(vec![row("a"), row(""), row("c"), row(""), row("")]);
        assert_eq!(table_rows(&field, &typed), [0, 1, 2, 3, 4]);
        let one = AnswerInput::Rows(vec![row("a")]);
        assert_eq!(table_rows(&field, &one), [0, 1, 2, 3]);
    }
}
