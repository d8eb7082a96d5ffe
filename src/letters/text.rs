//! The letter's text format and line breaking, free of any PDF: what a body says as blocks,
//! and where a line may end.
//!
//! Text format (section bodies, the annex intro, expected results): paragraphs separated by
//! a blank line; a line starting with "- " is a list item (an indented line after it
//! continues it); a paragraph starting with "* " is a note.
//!
//! Lines break only at ordinary spaces (U+0020). A no-break space (U+00A0, used by
//! [`crate::money::Ore`]'s `Display` inside "2 913 808 kr") and a hyphen never end a line, so
//! an amount or a registration number like "SB-2020-0001" always stays whole. A word wider
//! than the whole line is the one exception: it is cut between characters rather than let
//! run past the margin.

use crate::money::NBSP;

/// One block of body text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Paragraph(String),
    /// A "- " list item, without the marker.
    Item(String),
    /// A "* " note, with its asterisk kept: the text refers to it ("Andra insatser*").
    Note(String),
}

/// Cleans a run of text for layout: tabs and line ends become spaces, control characters
/// go, and runs of ordinary spaces collapse to one. No-break spaces are kept as they are.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        let c = match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => continue,
            c => c,
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Splits a body in the text format into blocks.
pub(crate) fn parse_blocks(body: &str) -> Vec<Block> {
    let normalized = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = Vec::new();
    for chunk in split_paragraphs(&normalized) {
        let mut current: Option<Block> = None;
        for line in chunk {
            let trimmed = line.trim_start_matches([' ', '\t']);
            let indented = trimmed.len() != line.len();
            if let Some(rest) = trimmed.strip_prefix("- ") {
                push_block(&mut blocks, current.take());
                current = Some(Block::Item(rest.to_string()));
            } else if trimmed == "-" {
                push_block(&mut blocks, current.take());
                current = Some(Block::Item(String::new()));
            } else if trimmed.starts_with("* ") && current.is_none() {
                current = Some(Block::Note(trimmed.to_string()));
            } else {
                match &mut current {
                    Some(Block::Item(text)) if indented => append_line(text, trimmed),
                    Some(Block::Paragraph(text)) | Some(Block::Note(text)) => {
                        append_line(text, trimmed)
                    }
                    _ => {
                        push_block(&mut blocks, current.take());
                        current = Some(Block::Paragraph(trimmed.to_string()));
                    }
                }
            }
        }
        push_block(&mut blocks, current);
    }
    blocks
}

fn split_paragraphs(text: &str) -> Vec<Vec<&str>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    for line in text.split('\n') {
        if line.trim_matches([' ', '\t']).is_empty() {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn append_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(line);
}

fn push_block(blocks: &mut Vec<Block>, block: Option<Block>) {
    let Some(block) = block else { return };
    let block = match block {
        Block::Paragraph(t) => Block::Paragraph(clean(&t)),
        Block::Item(t) => Block::Item(clean(&t)),
        Block::Note(t) => Block::Note(clean(&t)),
    };
    let empty = match &block {
        Block::Paragraph(t) | Block::Note(t) => t.is_empty(),
        // An empty item still shows its bullet: someone wrote it.
        Block::Item(_) => false,
    };
    if !empty {
        blocks.push(block);
    }
}

/// Breaks `text` into lines no wider than `max_width`, greedily, breaking only at ordinary
/// spaces. `measure` gives the width of a piece of text; widths must add up (no kerning
/// across a break), which holds for the way the letter sets text.
pub(crate) fn break_lines(
    text: &str,
    max_width: f32,
    measure: impl Fn(&str) -> f32,
) -> Vec<String> {
    let text = clean(text);
    let space = measure(" ");
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0_f32;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_width = measure(word);
        if line.is_empty() {
            if word_width <= max_width {
                line.push_str(word);
                line_width = word_width;
            } else {
                let mut pieces = split_long_word(word, max_width, &measure);
                let last = pieces.pop().unwrap_or_default();
                lines.extend(pieces);
                line_width = measure(&last);
                line = last;
            }
        } else if line_width + space + word_width <= max_width {
            line.push(' ');
            line.push_str(word);
            line_width += space + word_width;
        } else {
            lines.push(std::mem::take(&mut line));
            if word_width <= max_width {
                line.push_str(word);
                line_width = word_width;
            } else {
                let mut pieces = split_long_word(word, max_width, &measure);
                let last = pieces.pop().unwrap_or_default();
                lines.extend(pieces);
                line_width = measure(&last);
                line = last;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts a word that is wider than a whole line between characters: each piece as long as
/// fits, and at least one character so that the cutting always ends.
fn split_long_word(word: &str, max_width: f32, measure: &impl Fn(&str) -> f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut width = 0.0_f32;
    let mut buf = [0_u8; 4];
    for c in word.chars() {
        let w = measure(c.encode_utf8(&mut buf));
        if !piece.is_empty() && width + w > max_width {
            pieces.push(std::mem::take(&mut piece));
            width = 0.0;
        }
        piece.push(c);
        width += w;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// The text as it is drawn: a no-break space is set as an ordinary space glyph (it has the
/// same width), after line breaking has kept it whole.
pub(crate) fn for_drawing(line: &str) -> String {
    line.replace(NBSP, " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Ore;

    /// Every character one unit wide: easy widths to reason about.
    fn mono(s: &str) -> f32 {
        s.chars().count() as f32
    }

    #[test]
    fn breaks_at_spaces_within_the_width() {
        let lines = break_lines("aaa bbb ccc ddd", 7.0, mono);
        assert_eq!(lines, vec!["aaa bbb", "ccc ddd"]);
        for line in &lines {
            assert!(mono(line) <= 7.0);
        }
    }

    #[test]
    fn an_amount_with_no_break_spaces_is_never_split() {
        let amount = Ore::from_kronor(2_913_808).to_string();
        let text = format!("Socialstyrelsen beviljar {amount} för 2021 och {amount} för 2022.");
        for width in 12..60 {
            let lines = break_lines(&text, width as f32, mono);
            let amount_lines = lines.iter().filter(|l| l.contains(&amount)).count();
            assert_eq!(amount_lines, 2, "width {width}: {lines:?}");
            for line in &lines {
                assert!(!line.ends_with('\u{a0}') && !line.starts_with('\u{a0}'));
                assert!(!line.starts_with("kr"), "width {width}: {lines:?}");
            }
        }
    }

    #[test]
    fn a_registration_number_is_never_split_at_its_hyphens() {
        let text = "Ange diarienummer SB-2020-0001 vid all kontakt med oss.";
        for width in 12..40 {
            let lines = break_lines(text, width as f32, mono);
            assert!(
                lines.iter().any(|l| l.contains("SB-2020-0001")),
                "width {width}: {lines:?}"
            );
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_and_nothing_is_lost() {
        let text = "se https://www.socialstyrelsen.se/statsbidrag/integrerad-vard nu";
        let lines = break_lines(text, 10.0, mono);
        for line in &lines {
            assert!(mono(line) <= 10.0, "{lines:?}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        assert_eq!(lines.first().map(String::as_str), Some("se"));
        assert_eq!(lines.last().map(String::as_str), Some("nu"));
    }

    #[test]
    fn empty_and_blank_text_give_no_lines() {
        assert!(break_lines("", 10.0, mono).is_empty());
        assert!(break_lines("   \t  ", 10.0, mono).is_empty());
    }

    #[test]
    fn spaces_and_line_ends_collapse() {
        let lines = break_lines("  Beslut  om\nstatsbidrag\t2021 ", 100.0, mono);
        assert_eq!(lines, vec!["Beslut om statsbidrag 2021"]);
    }

    #[test]
    fn parses_paragraphs_lists_and_notes() {
        let body = "Regionen har i samverkan med SiS\n\
                    - använt de former som togs fram 2021\n\
                    - identifierat eventuella behov\n  av förändring.\n\
                    \n\
                    Ett andra stycke\növer två rader.\n\
                    \n\
                    * En anmärkning\nsom fortsätter.";
        assert_eq!(
            parse_blocks(body),
            vec![
                Block::Paragraph("Regionen har i samverkan med SiS".into()),
                Block::Item("använt de former som togs fram 2021".into()),
                Block::Item("identifierat eventuella behov av förändring.".into()),
                Block::Paragraph("Ett andra stycke över två rader.".into()),
                Block::Note("* En anmärkning som fortsätter.".into()),
            ]
        );
    }

    #[test]
    fn a_plain_line_after_a_list_starts_a_new_paragraph() {
        let body = "- ett\n- två\nSedan text.";
        assert_eq!(
            parse_blocks(body),
            vec![
                Block::Item("ett".into()),
                Block::Item("två".into()),
                Block::Paragraph("Sedan text.".into()),
            ]
        );
    }

    #[test]
    fn list_items_wrap_on_their_own_width() {
        let blocks = parse_blocks("- Samordning och planering av vård- och omsorgskedjan");
        let Some(Block::Item(item)) = blocks.first() else {
            panic!("expected an item: {blocks:?}");
        };
        let lines = break_lines(item, 20.0, mono);
        assert_eq!(
            lines,
            vec!["Samordning och", "planering av vård-", "och omsorgskedjan"]
        );
    }

    #[test]
    fn no_break_spaces_are_drawn_as_spaces() {
        assert_eq!(
            for_drawing(&Ore::from_kronor(3_363_938).to_string()),
            "3 363 938 kr"
        );
    }
}
