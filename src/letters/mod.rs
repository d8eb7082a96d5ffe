//! Decision letters as PDF: A4, Swedish, the agency's header, page numbers "1 (3)", and
//! Bilaga 1 with the call's expected results. Made once, at signing; the caller stores the
//! bytes with their SHA-256 and serves them unchanged ever after.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::agency::Contact;
use crate::money::Ore;

mod fonts;
mod layout;
mod text;

/// Everything a letter says, already decided and worded; the renderer only lays it out. The
/// case page shows the same value as text (stored as JSON beside the PDF at signing), so
/// that the page and the letter cannot disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub agency: String,
    /// The unit that handles the grant ("Avdelningen för ...").
    pub agency_unit: String,
    /// "Beslut", top right, with the date and registration number below it.
    pub document_kind: String,
    pub decided_on: NaiveDate,
    pub registration_number: String,
    pub recipient_name: String,
    pub recipient_org_number: String,
    /// The letter's heading, e.g. "Beslut om statsbidrag för 2021 och 2022 till pilotprojekt
    /// SiS integrerad vård".
    pub heading: String,
    /// Sections in order, each a heading and a body. Body text: paragraphs separated by a
    /// blank line; a line starting with "- " is a list item.
    pub sections: Vec<LetterSection>,
    /// The amounts per year, shown as a table after the section "Beslut": what was applied
    /// for and what is granted, or before and after a change (no rows: no table).
    pub amounts: AmountTable,
    pub decision_maker: String,
    pub presenting_officer: String,
    /// Bilaga 1, for grants: the expected results of the granted years, in full.
    pub annex: Option<Annex>,
    /// Written into the PDF's metadata as its creation date.
    pub created_at: DateTime<Utc>,
    /// Who the recipient asks about the decision (the unit running the grant), at the foot
    /// of every page. Letters signed before it was written have none: their stored words
    /// read as they were, and so does their PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterSection {
    pub heading: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annex {
    /// "Bilaga 1 till beslut om ..."
    pub title: String,
    /// Text before the results (same text format as section bodies).
    pub intro: String,
    pub years: Vec<AnnexYear>,
}

impl Annex {
    /// The annex's heading as it reads: its title when that names it ("Bilaga 1 till …"),
    /// otherwise "Bilaga 1" before the title.
    pub fn heading(&self) -> String {
        let title = text::clean(&self.title);
        if title.to_lowercase().starts_with("bilaga") {
            title
        } else if title.is_empty() {
            "Bilaga 1: förväntade resultat".to_string()
        } else {
            format!("Bilaga 1: {title}")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnexYear {
    pub year: i32,
    pub results: Vec<AnnexResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnexResult {
    pub area: String,
    pub title: String,
    /// Same text format as section bodies; a paragraph starting with "* " is a note.
    pub body: String,
}

/// Amounts per year under one or more column heads ("Sökt belopp", "Beviljat belopp"), with
/// a row of sums when there are two years or more.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AmountTable {
    /// The heads of the amount columns; the first column is always the year ("År").
    pub columns: Vec<String>,
    pub rows: Vec<AmountRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmountRow {
    pub year: i32,
    /// One amount per column.
    pub amounts: Vec<Ore>,
}

impl AmountTable {
    /// One column of amounts.
    pub fn single(column: &str, rows: &[(i32, Ore)]) -> AmountTable {
        AmountTable {
            columns: vec![column.to_string()],
            rows: rows
                .iter()
                .map(|(year, amount)| AmountRow {
                    year: *year,
                    amounts: vec![*amount],
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() || self.columns.is_empty()
    }

    /// The amount of a row in a column; a cell left out is zero.
    pub fn cell(row: &AmountRow, column: usize) -> Ore {
        row.amounts.get(column).copied().unwrap_or(Ore::ZERO)
    }

    /// The sum of every column, shown for two years or more.
    pub fn totals(&self) -> Option<Vec<Ore>> {
        (self.rows.len() >= 2).then(|| {
            (0..self.columns.len())
                .map(|i| self.rows.iter().map(|r| AmountTable::cell(r, i)).sum())
                .collect()
        })
    }
}

impl Letter {
    /// The contact at the foot of every page, as its lines: who, then e-mail and phone (the
    /// registration number to quote is in the header above).
    pub fn contact_lines(&self) -> Vec<String> {
        match &self.contact {
            Some(c) => vec![
                format!("Frågor om beslutet: {}", text::clean(&c.who())),
                format!(
                    "E-post {} · Telefon {}",
                    text::clean(&c.email),
                    text::clean(&c.phone)
                ),
            ],
            None => Vec::new(),
        }
    }

    /// The section the amounts table follows: "Beslut"; failing that the first section; with
    /// no sections at all, none (the table then follows the heading): an amount is never left
    /// out.
    pub fn table_after(&self) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| text::clean(&s.heading).eq_ignore_ascii_case("beslut"))
            .or_else(|| (!self.sections.is_empty()).then_some(0))
    }

    /// Whether the amounts table follows the section at this index (for templates, which
    /// hand loop indices over by reference).
    pub fn table_follows<I: std::borrow::Borrow<usize>>(&self, section: I) -> bool {
        self.table_after() == Some(*section.borrow())
    }

    /// "I detta ärende har … beslutat. … har varit föredragande." (21 § myndighetsförordningen).
    /// A decision taken by one person alone (a repayment claim, decided by the officer who
    /// approved the report) has no presenting officer: only the one name is written.
    pub fn signature_sentence(&self) -> String {
        if self.presenting_officer.trim().is_empty() {
            format!(
                "I detta ärende har {} beslutat.",
                text::clean(&self.decision_maker)
            )
        } else {
            format!(
                "I detta ärende har {} beslutat. {} har varit föredragande.",
                text::clean(&self.decision_maker),
                text::clean(&self.presenting_officer)
            )
        }
    }
}

/// Body text (the letter's text format) as blocks for a web page: paragraphs, lists with
/// their items together, and notes. The PDF reads the same text with the same parser.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TextBlock {
    Paragraph(String),
    List(Vec<String>),
    Note(String),
}

impl TextBlock {
    pub fn paragraph(&self) -> Option<&str> {
        match self {
            TextBlock::Paragraph(t) => Some(t),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[String]> {
        match self {
            TextBlock::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn note(&self) -> Option<&str> {
        match self {
            TextBlock::Note(t) => Some(t),
            _ => None,
        }
    }
}

pub fn text_blocks(body: &str) -> Vec<TextBlock> {
    let mut out: Vec<TextBlock> = Vec::new();
    for block in text::parse_blocks(body) {
        match block {
            text::Block::Paragraph(t) => out.push(TextBlock::Paragraph(t)),
            text::Block::Note(t) => out.push(TextBlock::Note(t)),
            text::Block::Item(t) => match out.last_mut() {
                Some(TextBlock::List(items)) => items.push(t),
                _ => out.push(TextBlock::List(vec![t])),
            },
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("beslutsbrevet kunde inte skapas: {0}")]
    Render(String),
}

/// Lays a letter out as a PDF: A4, DejaVu Sans (subset into the file), the agency's header
/// and "1 (3)" on every page, the contact at the foot of every page (when it has one), the
/// amounts to the krona, the signature block, and Bilaga 1 from a new page. Never panics;
/// any failure is a [`LetterError::Render`].
pub fn render(letter: &Letter) -> Result<Vec<u8>, LetterError> {
    layout::render(letter)
}
