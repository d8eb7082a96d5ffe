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
    fn encodes_for_query_strings() {
        assert_eq!(
            url_encode("/ansokningar/a b?x=å"),
            "/ansokningar/a%20b%3Fx%3D%C3%A5"
        );
    }
}
