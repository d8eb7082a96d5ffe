//! A call's applications with every answer, as a CSV for a Swedish spreadsheet (issue 15):
//! one row per application that has arrived, its latest submitted version, one column per
//! question of the call's form. Each answer is written as people read it
//! (`calls::form::display`): an amount as `250 000,50 kr`, a choice by its label, a table's
//! rows joined on one line, an attachment question as the names of its files. A question
//! that the application was not asked (a condition not met) is left empty, as its page
//! leaves it out. Plain functions over rows already read, so the rules are tested without
//! a database; the handler streams the rows a part at a time.

use std::collections::BTreeMap;

use super::ApplicationSummary;
use crate::calls::form::{self, FieldKind, FormField};
use crate::db::calls::CallDefinition;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::spreadsheet::{SpreadsheetCsv, amount};

/// One application as the export writes it: its line of the list, and the answers and
/// files of its latest submitted version.
#[derive(Debug, Clone)]
pub struct AnsweredApplication {
    pub summary: ApplicationSummary,
    /// The stored answers by question id, in their type's canonical text.
    pub answers: BTreeMap<String, String>,
    /// The names of the files attached to each attachment question, by question id.
    pub files: BTreeMap<String, Vec<String>>,
}

/// The export being written, a part of the rows at a time: the header goes out with the
/// first part (or alone, when no application has arrived).
pub struct AnswersCsv {
    years: Vec<i32>,
    fields: Vec<FormField>,
    header: Option<Vec<u8>>,
}

/// The columns before the answers.
const FIXED_COLUMNS: [&str; 6] = [
    "Diarienummer",
    "Organisation",
    "Organisationsnummer",
    "Projektets namn",
    "Status",
    "Inkommen",
];

/// A question's column: its number, as the form and the change list name it, and its text
/// (two questions may have the same text).
fn question_heading(field: &FormField) -> String {
    format!("Fråga {}: {}", field.position, field.title)
}

/// The header row: the fixed columns, the amount applied for per year, one column per
/// question (page headings take no answer and have no column).
pub fn header(years: &[i32], fields: &[FormField]) -> Vec<String> {
    FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(years.iter().map(|y| format!("Sökt {y} (kr)")))
        .chain(
            fields
                .iter()
                .filter(|f| f.is_question())
                .map(question_heading),
        )
        .collect()
}

/// The answer cells of one application, one per question in the form's order.
pub fn answer_cells(
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
    files: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.is_question())
        .map(|field| {
            if !form::visible(field, fields, answers) {
                // Not asked: an answer stored before the condition changed is not the
                // application's answer (its page leaves it out too).
                return String::new();
            }
            match field.kind {
                FieldKind::Attachment => files.get(&field.id).map(|f| f.join(", ")),
                _ => answers
                    .get(&field.id)
                    .map(|body| form::display(field, body)),
            }
            .unwrap_or_default()
        })
        .collect()
}

/// One application's row.
pub fn row(years: &[i32], fields: &[FormField], application: &AnsweredApplication) -> Vec<String> {
    let summary = &application.summary;
    let mut cells = vec![
        summary
            .application
            .registration_number
            .clone()
            .unwrap_or_default(),
        summary.organisation.name.clone(),
        summary.organisation.org_number.clone(),
        summary.application.project_title.clone(),
        summary.status_label().to_string(),
        summary
            .application
            .submitted_at
            .map(crate::clock::format_stockholm)
            .unwrap_or_default(),
    ];
    cells.extend(years.iter().map(|y| {
        summary
            .requested
            .get(y)
            .map(|a| amount(*a))
            .unwrap_or_default()
    }));
    cells.extend(answer_cells(
        fields,
        &application.answers,
        &application.files,
    ));
    cells
}

/// The answers and question files of each listed application's latest submitted version,
/// read in two statements for the whole part.
pub fn answered(
    conn: &mut DbConnection,
    summaries: Vec<ApplicationSummary>,
) -> Result<Vec<AnsweredApplication>, AppError> {
    let ids: Vec<String> = summaries.iter().map(|s| s.application.id.clone()).collect();
    let mut answers: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (app, section, body) in db::applications::latest_submitted_answers(conn, &ids)? {
        answers.entry(app).or_default().insert(section, body);
    }
    let mut files: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (app, section, name) in db::applications::latest_submitted_question_files(conn, &ids)? {
        files
            .entry(app)
            .or_default()
            .entry(section)
            .or_default()
            .push(name);
    }
    Ok(summaries
        .into_iter()
        .map(|summary| AnsweredApplication {
            answers: answers.remove(&summary.application.id).unwrap_or_default(),
            files: files.remove(&summary.application.id).unwrap_or_default(),
            summary,
        })
        .collect())
}

impl AnswersCsv {
    pub fn new(def: &CallDefinition) -> Result<AnswersCsv, AppError> {
        AnswersCsv::of(def.years.iter().map(|y| y.year).collect(), def.fields())
    }

    /// The export of a form's fields and a call's years.
    pub fn of(years: Vec<i32>, fields: Vec<FormField>) -> Result<AnswersCsv, AppError> {
        let mut writer = SpreadsheetCsv::new();
        writer.row(header(&years, &fields))?;
        Ok(AnswersCsv {
            years,
            fields,
            header: Some(writer.finish()?),
        })
    }

    /// The next rows, with the header before the first.
    pub fn rows(&mut self, rows: &[AnsweredApplication]) -> Result<Vec<u8>, AppError> {
        let mut writer = SpreadsheetCsv::continuation();
        for application in rows {
            writer.row(row(&self.years, &self.fields, application))?;
        }
        let mut out = self.header.take().unwrap_or_default();
        out.extend(writer.finish()?);
        Ok(out)
    }

    /// What is left to send: the header, if no row came.
    pub fn finish(mut self) -> Vec<u8> {
        self.header.take().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::form::FormField;
    use crate::codes::{ApplicationKind, ApplicationStatus, NumberStatus, OrgKind};
    use crate::db::applications::Application;
    use crate::db::organisations::Organisation;
    use crate::money::Ore;

    fn field(position: i32, title: &str, kind: FieldKind, settings: &str) -> FormField {
        FormField::new(
            &format!("q{position}"),
            position,
            title,
            "",
            false,
            1000,
            kind,
            settings,
        )
    }

    fn fields() -> Vec<FormField> {
        vec![
            field(1, "Om projektet", FieldKind::Page, ""),
            field(2, "Beskrivning", FieldKind::LongText, ""),
            field(3, "Egen finansiering", FieldKind::Amount, ""),
            field(4, "Samverkar ni?", FieldKind::YesNo, ""),
            field(
                5,
                "Med vem?",
                FieldKind::ShortText,
                r#"{"show_when":{"field":4,"equals":"ja"}}"#,
            ),
            field(
                6,
                "Målgrupper",
                FieldKind::MultipleChoice,
                r#"{"options":[{"value":"f","label":"Flickor"},{"value":"p","label":"Pojkar"}]}"#,
            ),
            field(
                7,
                "Insatser",
                FieldKind::Table,
                r#"{"columns":[{"key":"i","label":"Insats","kind":"short_text"},{"key":"k","label":"Kostnad","kind":"amount"}]}"#,
            ),
            field(8, "Projektplan", FieldKind::Attachment, ""),
            field(9, "Andel", FieldKind::Percentage, ""),
        ]
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_header_has_one_column_per_question_and_leaves_out_page_headings() {
        let header = header(&[2021, 2022], &fields());
        assert_eq!(
            header,
            [
                "Diarienummer",
                "Organisation",
                "Organisationsnummer",
                "Projektets namn",
                "Status",
                "Inkommen",
                "Sökt 2021 (kr)",
                "Sökt 2022 (kr)",
                "Fråga 2: Beskrivning",
                "Fråga 3: Egen finansiering",
                "Fråga 4: Samverkar ni?",
                "Fråga 5: Med vem?",
                "Fråga 6: Målgrupper",
                "Fråga 7: Insatser",
                "Fråga 8: Projektplan",
                "Fråga 9: Andel",
            ]
        );
    }

    #[test]
    fn answers_are_written_as_people_read_them() {
        let answers = answers(&[
            ("q2", "Vi bygger ett team.\nPå två orter."),
            ("q3", "25000050"),
            ("q4", "ja"),
            ("q5", "Malmö stad"),
            ("q6", r#"["p","f"]"#),
            ("q7", r#"[{"i":"Team","k":"42000000"},{"i":"Handledning"}]"#),
            ("q9", "12.5"),
        ]);
        let files = BTreeMap::from([(
            "q8".to_string(),
            vec!["plan.pdf".to_string(), "budget.xlsx".to_string()],
        )]);
        assert_eq!(
            answer_cells(&fields(), &answers, &files),
            [
                "Vi bygger ett team.\nPå två orter.",
                "250\u{a0}000,50\u{a0}kr",
                "Ja",
                "Malmö stad",
                "Pojkar, Flickor",
                "Insats: Team; Kostnad: 420\u{a0}000\u{a0}kr | Insats: Handledning",
                "plan.pdf, budget.xlsx",
                "12,5\u{a0}%",
            ]
        );
    }

    #[test]
    fn an_unasked_or_unanswered_question_is_empty() {
        // 5 is asked only when 4 is yes: its stored answer is not the application's.
        let answers = answers(&[("q4", "nej"), ("q5", "Kvar från förr")]);
        let cells = answer_cells(&fields(), &answers, &BTreeMap::new());
        assert_eq!(cells, ["", "", "Nej", "", "", "", "", ""]);
    }

    fn application() -> AnsweredApplication {
        let at = chrono::NaiveDate::from_ymd_opt(2020, 4, 20)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        AnsweredApplication {
            summary: ApplicationSummary {
                application: Application {
                    id: "a1".into(),
                    call_id: "c1".into(),
                    organisation_id: "o1".into(),
                    kind: ApplicationKind::Initial,
                    redistribution_round_id: None,
                    status: ApplicationStatus::Submitted,
                    registration_number: Some("SB-2020-0001".into()),
                    project_title: "=Integrerad vård".into(),
                    source_note: None,
                    created_by: None,
                    created_at: at,
                    submitted_at: Some(at),
                    submitted_by: None,
                },
                organisation: Organisation {
                    id: "o1".into(),
                    org_number: "232100-0255".into(),
                    name: "Region Skåne".into(),
                    kind: OrgKind::Region,
                    number_status: NumberStatus::Confirmed,
                    number_source: String::new(),
                    created_at: at,
                },
                call_title: String::new(),
                requested: BTreeMap::from([(2021, Ore::from_kronor(2_913_808))]),
                outcome: None,
            },
            answers: answers(&[("q2", "Plan"), ("q3", "-100")]),
            files: BTreeMap::new(),
        }
    }

    #[test]
    fn a_row_has_the_case_then_its_answers_and_text_never_becomes_a_formula() {
        let fields = fields();
        let row = row(&[2021, 2022], &fields, &application());
        assert_eq!(
            row[..9],
            [
                "SB-2020-0001",
                "Region Skåne",
                "232100-0255",
                "=Integrerad vård",
                "Inkommen",
                "2020-04-20 12:00",
                "2913808,00",
                "",
                "Plan",
            ]
        );
        assert_eq!(row.len(), header(&[2021, 2022], &fields).len());

        // Through the writer: the header first, the formula made text.
        let Ok(mut export) = AnswersCsv::of(vec![2021, 2022], fields) else {
            panic!("the header is written");
        };
        let bytes = export.rows(&[application()]).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.starts_with("\u{feff}Diarienummer;Organisation;"));
        assert!(text.contains("\r\nSB-2020-0001;Region Skåne;232100-0255;'=Integrerad vård;"));
        assert!(export.finish().is_empty(), "the header went with the rows");
    }

    #[test]
    fn with_no_application_the_file_is_the_header() {
        let Ok(export) = AnswersCsv::of(vec![2021], fields()) else {
            panic!("the header is written");
        };
        let text = String::from_utf8(export.finish()).unwrap_or_default();
        assert!(text.starts_with("\u{feff}Diarienummer;"));
        assert_eq!(text.matches("\r\n").count(), 1);
    }
}
