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

#[cfg(test)]
mod tests {
    use super::*;

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
