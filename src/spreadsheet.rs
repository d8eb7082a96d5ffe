//! CSV files for a Swedish spreadsheet: a byte order mark (so that Excel reads UTF-8),
//! semicolons, CRLF line ends, amounts with a decimal comma. Every CSV the service writes
//! goes through [`SpreadsheetCsv`], so that text typed by applicants or officers can never
//! become a formula in the reader's spreadsheet.

use std::borrow::Cow;

use crate::error::AppError;
use crate::money::Ore;

/// A CSV file being written, one row at a time.
pub struct SpreadsheetCsv {
    writer: csv::Writer<Vec<u8>>,
    /// Whether `finish` puts the byte order mark first: a file's first part has it, the
    /// parts of a streamed file after it do not.
    bom: bool,
}

impl Default for SpreadsheetCsv {
    fn default() -> Self {
        SpreadsheetCsv::new()
    }
}

impl SpreadsheetCsv {
    pub fn new() -> SpreadsheetCsv {
        SpreadsheetCsv {
            writer: csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
            bom: true,
        }
    }

    /// Rows that continue a file already begun (a streamed export): no byte order mark.
    pub fn continuation() -> SpreadsheetCsv {
        SpreadsheetCsv {
            bom: false,
            ..SpreadsheetCsv::new()
        }
    }

    /// Writes one row; every cell is made safe first (see [`neutralise`]).
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), AppError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<Cow<'_, str>> = cells
            .into_iter()
            .map(|cell| Cow::Owned(neutralise(cell.as_ref()).into_owned()))
            .collect();
        self.writer
            .write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(|e| AppError::Internal(format!("csv: {e}")))
    }

    /// The finished file, with its byte order mark.
    pub fn finish(self) -> Result<Vec<u8>, AppError> {
        let body = self
            .writer
            .into_inner()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
        let mut out = Vec::with_capacity(body.len() + 3);
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        out.extend_from_slice(&body);
        Ok(out)
    }
}

/// Kronor with a decimal comma and no thousands separator, so that a spreadsheet set to
/// Swedish reads it as a number: `2913808,00`.
pub fn amount(amount: Ore) -> String {
    let ore = amount.ore();
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// A cell that a spreadsheet would read as a formula (`=HYPERLINK(…)`, `+…`, `-…`, `@…`,
/// also after leading spaces, and the full-width forms Excel also accepts) gets a leading
/// apostrophe, which spreadsheets show as text and never evaluate (OWASP's advice on CSV
/// injection). Numbers, negative amounts included, are left as they are so that they stay
/// numbers.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    const TRIGGERS: [char; 10] = [
        '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
    ];
    if is_plain_number(cell) {
        return Cow::Borrowed(cell);
    }
    let first = cell
        .trim_start_matches([' ', '\u{a0}', '\n'])
        .chars()
        .next();
    match first {
        Some(c) if TRIGGERS.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// `123`, `-0,05`, `2913808,00`: what [`amount`] and counts write.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = match digits.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_a_decimal_comma_and_no_grouping() {
        assert_eq!(amount(Ore::from_kronor(2_913_808)), "2913808,00");
        assert_eq!(amount(Ore::from_ore(12_345)), "123,45");
        assert_eq!(amount(Ore::from_ore(-5)), "-0,05");
    }

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://evil.example\")",
                "'=HYPERLINK(\"http://evil.example\")",
            ),
            ("+46 8 555", "'+46 8 555"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("  =1+1", "'  =1+1"),
            ("\t=1", "'\t=1"),
            ("\u{ff1d}1+1", "'\u{ff1d}1+1"),
            ("-100000,00", "-100000,00"),
            ("2913808,00", "2913808,00"),
            ("42", "42"),
            ("2020-06-30", "2020-06-30"),
            ("<5", "<5"),
            ("Region Skåne", "Region Skåne"),
            ("", ""),
            ("-", "'-"),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn the_file_has_a_bom_semicolons_and_crlf() {
        let mut csv = SpreadsheetCsv::new();
        csv.row(["a", "=b"]).unwrap();
        csv.row(["1;2", "x"]).unwrap();
        let bytes = csv.finish().unwrap();
        assert_eq!(bytes, b"\xEF\xBB\xBFa;'=b\r\n\"1;2\";x\r\n".to_vec());
    }
}
