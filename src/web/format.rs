//! Small formatting helpers the templates call.

use chrono::NaiveDateTime;

use crate::clock;

/// A stored UTC time as Stockholm time: `2020-06-30 12:00`.
pub fn when(at: &NaiveDateTime) -> String {
    clock::format_stockholm(*at)
}

pub fn when_opt(at: &Option<NaiveDateTime>) -> String {
    at.as_ref().map(when).unwrap_or_else(|| "–".to_string())
}

/// A count, limit or page number as people read it: `8 000` (see
/// [`crate::money::group_thousands`]). Templates pass what they have, a number or a
/// reference to one.
pub fn number<N: WholeNumber>(n: N) -> String {
    crate::money::group_thousands(n.as_i64())
}

/// The whole numbers templates show.
pub trait WholeNumber {
    fn as_i64(&self) -> i64;
}

impl WholeNumber for i64 {
    fn as_i64(&self) -> i64 {
        *self
    }
}

impl WholeNumber for i32 {
    fn as_i64(&self) -> i64 {
        i64::from(*self)
    }
}

impl WholeNumber for usize {
    fn as_i64(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: WholeNumber + ?Sized> WholeNumber for &T {
    fn as_i64(&self) -> i64 {
        (**self).as_i64()
    }
}

/// One step of the application's journey, for `templates/_steps.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub number: i32,
    pub name: &'static str,
    /// Behind the person: shown as done.
    pub done: bool,
    /// Where the person is (`aria-current="step"`).
    pub current: bool,
}

/// The steps of sending an application: 1 fill in, 2 review, 3 submit. `at` is the page's
/// step; 4 is the receipt, where all three are done and the last is where one stands.
pub fn application_steps<N: WholeNumber>(at: N) -> Vec<Step> {
    let at = at.as_i64();
    [(1, "Fyll i"), (2, "Granska"), (3, "Skicka in")]
        .into_iter()
        .map(|(number, name)| Step {
            number,
            name,
            done: i64::from(number) < at,
            current: i64::from(number) == at.min(3),
        })
        .collect()
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Splits the stored text format of expected results and long answers into blocks:
/// paragraphs, list items ("- ") and notes ("* ").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    List(Vec<String>),
    Note(String),
}

pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in text.split("\n\n") {
        let mut paragraph: Vec<&str> = Vec::new();
        let mut items: Vec<String> = Vec::new();
        for line in chunk.lines() {
            let line = line.trim();
            if let Some(item) = line.strip_prefix("- ") {
                if !paragraph.is_empty() {
                    out.push(Block::Paragraph(paragraph.join(" ")));
                    paragraph.clear();
                }
                items.push(item.to_string());
            } else if !line.is_empty() {
                if !items.is_empty() {
                    out.push(Block::List(std::mem::take(&mut items)));
                }
                paragraph.push(line);
            }
        }
        if !paragraph.is_empty() {
            let text = paragraph.join(" ");
            match text.strip_prefix("* ") {
                Some(note) => out.push(Block::Note(note.to_string())),
                None => out.push(Block::Paragraph(text)),
            }
        }
        if !items.is_empty() {
            out.push(Block::List(items));
        }
    }
    out
}

/// The pages a list's navigation links to: the first, the last and two either side of
/// `page`; `None` stands for the pages left out between them (shown as "…").
pub fn page_numbers(page: i64, pages: i64) -> Vec<Option<i64>> {
    let mut out: Vec<Option<i64>> = Vec::new();
    let mut last = 0;
    for n in 1..=pages {
        if n == 1 || n == pages || (n - page).abs() <= 2 {
            if n > last + 1 {
                out.push(None);
            }
            out.push(Some(n));
            last = n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_navigation_shows_the_ends_and_two_either_side() {
        assert_eq!(page_numbers(1, 1), vec![Some(1)]);
        assert_eq!(
            page_numbers(6, 12),
            vec![
                Some(1),
                None,
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(8),
                None,
                Some(12)
            ]
        );
        assert_eq!(
            page_numbers(1, 5),
            vec![Some(1), Some(2), Some(3), None, Some(5)]
        );
    }

    #[test]
    fn splits_paragraphs_lists_and_notes() {
        let text = "Regionen har i samverkan med SiS\n- använt formerna\n- identifierat behov.\n\n* En not.";
        assert_eq!(
            blocks(text),
            vec![
                Block::Paragraph("Regionen har i samverkan med SiS".into()),
                Block::List(vec!["använt formerna".into(), "identifierat behov.".into()]),
                Block::Note("En not.".into()),
            ]
        );
    }

    #[test]
    fn numbers_are_grouped_with_no_break_spaces() {
        assert_eq!(number(8000), "8\u{a0}000");
        let by_reference: Vec<String> = [4000_i32].iter().map(number).collect();
        assert_eq!(by_reference, ["4\u{a0}000"]);
        assert_eq!(number(999_usize), "999");
        assert_eq!(number(-1_234_567_i64), "-1\u{a0}234\u{a0}567");
    }

    #[test]
    fn the_receipt_has_every_step_done() {
        let steps = application_steps(2);
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.done, s.current))
                .collect::<Vec<_>>(),
            vec![(true, false), (false, true), (false, false)]
        );
        let receipt = application_steps(4);
        assert!(receipt.iter().all(|s| s.done));
        assert!(receipt[2].current);
    }

    #[test]
    fn encodes_for_query_strings() {
        assert_eq!(
            url_encode("/ansokningar/a b?x=å"),
            "/ansokningar/a%20b%3Fx%3D%C3%A5"
        );
    }
}
