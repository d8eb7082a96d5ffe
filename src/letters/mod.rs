//! Decision letters as PDF: A4, Swedish, the agency's header, page numbers "1 (3)", and
//! Bilaga 1 with the call's expected results. Made once, at signing; the caller stores the
//! bytes with their SHA-256 and serves them unchanged ever after.

use chrono::{DateTime, NaiveDate, Utc};

use crate::money::Ore;

mod fonts;
mod layout;
mod text;

/// Everything a letter says, already decided and worded; the renderer only lays it out.
#[derive(Debug, Clone, PartialEq)]
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
    /// The granted amount per year, shown as a table in the section "Beslut" (empty for a
    /// rejection).
    pub amounts: Vec<(i32, Ore)>,
    pub decision_maker: String,
    pub presenting_officer: String,
    /// Bilaga 1, for grants: the expected results of the granted years, in full.
    pub annex: Option<Annex>,
    /// Written into the PDF's metadata as its creation date.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetterSection {
    pub heading: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Annex {
    /// "Bilaga 1 till beslut om ..."
    pub title: String,
    /// Text before the results (same text format as section bodies).
    pub intro: String,
    pub years: Vec<AnnexYear>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnnexYear {
    pub year: i32,
    pub results: Vec<AnnexResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnnexResult {
    pub area: String,
    pub title: String,
    /// Same text format as section bodies; a paragraph starting with "* " is a note.
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("beslutsbrevet kunde inte skapas: {0}")]
    Render(String),
}

/// Lays a letter out as a PDF: A4, DejaVu Sans (subset into the file), the agency's header
/// and "1 (3)" on every page, the amounts to the krona, the signature block, and Bilaga 1
/// from a new page. Never panics; any failure is a [`LetterError::Render`].
pub fn render(letter: &Letter) -> Result<Vec<u8>, LetterError> {
    layout::render(letter)
}
