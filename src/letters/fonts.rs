//! The letter's typefaces, built into the binary: DejaVu Sans regular and bold (see
//! `fonts/LICENSE`; slimmed by `fonts/slim.py`: no hinting, no licence text in the font).
//! Parsed once per process; each letter embeds only the glyphs it uses. The oblique style is
//! the regular face slanted by the text matrix, as DejaVu Sans Oblique is the regular face
//! slanted: one font program less in every letter.

use std::sync::OnceLock;

use printpdf::{FontId, ParsedFont};

use super::LetterError;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The slant of the oblique style: tan 11°, DejaVu Sans Oblique's italic angle.
pub(crate) const OBLIQUE_SLANT: f32 = 0.194_38;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Regular,
    Bold,
    Oblique,
}

impl Style {
    /// The font's resource name in the PDF. Fixed (printpdf would draw random ones) so that
    /// the same letter gives the same bytes; six capitals, as a subset tag must be.
    pub(crate) fn font_id(self) -> FontId {
        FontId(
            match self {
                Style::Regular | Style::Oblique => "DJVSRG",
                Style::Bold => "DJVSBD",
            }
            .to_string(),
        )
    }

    /// How far the glyphs lean: the horizontal shift per unit of height.
    pub(crate) fn slant(self) -> f32 {
        match self {
            Style::Oblique => OBLIQUE_SLANT,
            Style::Regular | Style::Bold => 0.0,
        }
    }

    /// The styles that have a font program of their own.
    pub(crate) const EMBEDDED: [Style; 2] = [Style::Regular, Style::Bold];
}

pub(crate) struct Fonts {
    pub(crate) regular: ParsedFont,
    pub(crate) bold: ParsedFont,
}

impl Fonts {
    /// The parsed fonts, parsed on first use.
    pub(crate) fn get() -> Result<&'static Fonts, LetterError> {
        static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
        FONTS
            .get_or_init(Fonts::parse)
            .as_ref()
            .map_err(|e| LetterError::Render(e.clone()))
    }

    fn parse() -> Result<Fonts, String> {
        Ok(Fonts {
            regular: parse_one(REGULAR_TTF, "DejaVuSans.ttf")?,
            bold: parse_one(BOLD_TTF, "DejaVuSans-Bold.ttf")?,
        })
    }

    pub(crate) fn font(&self, style: Style) -> &ParsedFont {
        match style {
            Style::Regular | Style::Oblique => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    /// The width of `text` in points, as a PDF viewer will set it: the sum of the glyphs'
    /// widths as printpdf writes them into the font's `/W` array (thousandths of an em,
    /// truncated), with no kerning. A no-break space is measured as the space it is drawn
    /// as; a character the font lacks as the `.notdef` glyph it falls back to.
    pub(crate) fn width(&self, style: Style, size: f32, text: &str) -> f32 {
        let font = self.font(style);
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let mut thousandths: i64 = 0;
        for c in text.chars() {
            let c = if c == crate::money::NBSP { ' ' } else { c };
            let gid = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
            let advance = f32::from(font.get_horizontal_advance(gid));
            thousandths += (advance * 1000.0 / units_per_em) as i64;
        }
        thousandths as f32 / 1000.0 * size
    }
}

fn parse_one(bytes: &[u8], name: &str) -> Result<ParsedFont, String> {
    let mut warnings = Vec::new();
    ParsedFont::from_bytes(bytes, 0, &mut warnings)
        .ok_or_else(|| format!("typsnittet {name} kunde inte läsas: {warnings:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_swedish_text_and_no_break_spaces() {
        let fonts = Fonts::get().expect("fonts parse");
        let plain = fonts.width(Style::Regular, 10.0, "2 913 808 kr");
        let nbsp = fonts.width(Style::Regular, 10.0, "2\u{a0}913\u{a0}808\u{a0}kr");
        assert!(plain > 40.0 && plain < 80.0, "{plain}");
        assert_eq!(plain, nbsp);
        for c in ['å', 'ä', 'ö', 'Å', 'Ä', 'Ö', '–', '•', '§'] {
            assert!(
                fonts.regular.lookup_glyph_index(u32::from(c)).is_some(),
                "DejaVu Sans lacks {c}"
            );
        }
        assert!(
            fonts.width(Style::Bold, 10.0, "Beslut") > fonts.width(Style::Regular, 10.0, "Beslut")
        );
    }
}
