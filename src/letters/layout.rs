//! Lays a [`Letter`] out on A4 pages as printpdf operations, then writes the PDF.
//!
//! The layout is a simple flow: a cursor moves down the page; every block asks for the room
//! it must keep together (a heading with the line after it, the first two lines of a
//! paragraph, the amounts table, the signature block) and starts a new page when that room
//! is not left. The header, and the contact at the foot, go on every page as the page
//! starts; the page numbers ("1 (3)") go on last, when the number of pages is known.

use chrono::{DateTime, Datelike, Timelike, Utc};
use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, TextItem, TextMatrix,
};

use super::fonts::{Fonts, Style};
use super::text::{Block, break_lines, clean, for_drawing, parse_blocks};
use super::{AmountTable, Annex, AnnexResult, Letter, LetterError};
use sha2::{Digest, Sha256};

const MM: f32 = 72.0 / 25.4;
const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const PAGE_W: f32 = PAGE_W_MM * MM;
const PAGE_H: f32 = PAGE_H_MM * MM;
const LEFT: f32 = 25.0 * MM;
const RIGHT: f32 = PAGE_W - 25.0 * MM;
const TEXT_W: f32 = RIGHT - LEFT;
/// The top of the header; the body starts below it.
const HEADER_TOP: f32 = PAGE_H - 20.0 * MM;
const BOTTOM: f32 = 25.0 * MM;
/// Where the header's right column and the recipient block start.
const COLUMN_X: f32 = LEFT + 92.0 * MM;
const COLUMN_W: f32 = RIGHT - COLUMN_X;

/// A way of setting text: typeface, size, line height and grey (0 = black).
#[derive(Debug, Clone, Copy)]
struct Face {
    style: Style,
    size: f32,
    lh: f32,
    grey: f32,
}

const fn face(style: Style, size: f32, lh: f32, grey: f32) -> Face {
    Face {
        style,
        size,
        lh,
        grey,
    }
}

const GREY: f32 = 0.35;
const BODY: Face = face(Style::Regular, 10.0, 14.0, 0.0);
const BODY_BOLD: Face = face(Style::Bold, 10.0, 14.0, 0.0);
const NOTE: Face = face(Style::Oblique, 9.0, 12.5, 0.0);
const ROLE: Face = face(Style::Regular, 8.5, 11.5, GREY);
const AREA: Face = face(Style::Regular, 7.5, 11.0, GREY);
const LETTER_TITLE: Face = face(Style::Bold, 14.0, 18.0, 0.0);
const SECTION_HEADING: Face = face(Style::Bold, 11.0, 15.0, 0.0);
const ANNEX_HEADING: Face = face(Style::Bold, 12.0, 16.0, 0.0);
const SUBHEADING: Face = face(Style::Bold, 10.5, 14.0, 0.0);
const HEADER_FIRST: Face = face(Style::Bold, 11.0, 14.0, 0.0);
const HEADER_REST: Face = face(Style::Regular, 9.0, 12.0, 0.15);
const PAGE_NUMBER: Face = face(Style::Regular, 10.0, 14.0, 0.0);
const FOOTER: Face = face(Style::Regular, 8.0, 10.5, GREY);
/// The baseline of the footer's last line, above the foot of the page: the footer sits in
/// the bottom margin, below everything the body sets.
const FOOTER_BASELINE: f32 = 12.0 * MM;
const TABLE_ROW_H: f32 = 16.0;

/// Hanging indent of list items: the bullet, then the text.
const BULLET_X: f32 = 3.0;
const ITEM_INDENT: f32 = 14.0;
/// Hanging indent of the annex's numbered results.
const NUMBER_INDENT: f32 = 20.0;

/// Lays the letter out and writes the PDF.
pub(crate) fn render(letter: &Letter) -> Result<Vec<u8>, LetterError> {
    let fonts = Fonts::get()?;
    let pages = compose(letter, fonts);
    write_pdf(letter, fonts, pages)
}

fn compose(letter: &Letter, fonts: &Fonts) -> Vec<Vec<Op>> {
    let mut c = Composer::new(
        fonts,
        Header::new(letter, fonts),
        Footer::new(letter, fonts),
    );
    c.start_page();

    // The recipient, in the right column below the header, where a letter's address goes.
    let org = format!("Org.nr {}", letter.recipient_org_number);
    for text in [letter.recipient_name.as_str(), org.as_str()] {
        let lines = c.wrap(text, BODY, COLUMN_W);
        c.lines(COLUMN_X, &lines, BODY, None);
    }

    c.space(30.0);
    c.heading(&letter.heading, LETTER_TITLE, 0.0, 6.0, 2.0 * BODY.lh);

    // The amounts follow the section "Beslut" (see `Letter::table_after`).
    let beslut = letter.table_after();
    if beslut.is_none() {
        c.amounts_table(&letter.amounts);
    }
    for (i, section) in letter.sections.iter().enumerate() {
        c.heading(&section.heading, SECTION_HEADING, 14.0, 3.0, 2.0 * BODY.lh);
        c.body(&parse_blocks(&section.body), LEFT, TEXT_W, false);
        if Some(i) == beslut {
            c.amounts_table(&letter.amounts);
        }
    }

    c.signature(letter);

    if let Some(annex) = &letter.annex {
        c.annex(annex);
    }

    c.finish()
}

/// The header, worded and wrapped once, drawn on every page: the agency and its unit on
/// the left; the kind of document, the date and the registration number on the right.
struct Header {
    left: Vec<(String, Face)>,
    right: Vec<(String, Face)>,
    /// The thin rule under the header.
    rule_y: f32,
    /// Where the body starts below the header.
    body_top: f32,
}

impl Header {
    fn new(letter: &Letter, fonts: &Fonts) -> Header {
        let wrap = |text: &str, f: Face, width: f32| -> Vec<(String, Face)> {
            break_lines(text, width, |s| fonts.width(f.style, f.size, s))
                .into_iter()
                .map(|line| (line, f))
                .collect()
        };
        let left_w = COLUMN_X - LEFT - 6.0 * MM;
        let mut left = wrap(&letter.agency, HEADER_FIRST, left_w);
        left.extend(wrap(&letter.agency_unit, HEADER_REST, left_w));

        // The page number shares the first line of the right column.
        let number_w = fonts.width(PAGE_NUMBER.style, PAGE_NUMBER.size, "999 (999)") + 4.0 * MM;
        let mut right = wrap(&letter.document_kind, HEADER_FIRST, COLUMN_W - number_w);
        if right.is_empty() {
            right.push((String::new(), HEADER_FIRST));
        }
        let date = letter.decided_on.format("%Y-%m-%d").to_string();
        right.extend(wrap(&date, HEADER_REST, COLUMN_W));
        let dnr = format!("Dnr {}", letter.registration_number);
        right.extend(wrap(&dnr, HEADER_REST, COLUMN_W));

        let height = |lines: &[(String, Face)]| lines.iter().map(|(_, f)| f.lh).sum::<f32>();
        let rule_y = HEADER_TOP - height(&left).max(height(&right)) - 4.0;
        Header {
            left,
            right,
            rule_y,
            body_top: rule_y - 10.0 * MM,
        }
    }
}

/// The contact at the foot of every page (when the letter has one), worded and wrapped
/// once: who the recipient asks about the decision, with e-mail and phone, under a thin rule.
struct Footer {
    lines: Vec<String>,
    rule_y: f32,
    /// The lowest the body may reach: the page's bottom margin, or higher when a long
    /// contact wraps to more lines than the margin holds.
    bottom: f32,
}

impl Footer {
    fn new(letter: &Letter, fonts: &Fonts) -> Footer {
        let lines: Vec<String> = letter
            .contact_lines()
            .iter()
            .flat_map(|line| {
                break_lines(line, TEXT_W, |s| fonts.width(FOOTER.style, FOOTER.size, s))
            })
            .collect();
        if lines.is_empty() {
            return Footer {
                lines,
                rule_y: 0.0,
                bottom: BOTTOM,
            };
        }
        let first_baseline = FOOTER_BASELINE + FOOTER.lh * (lines.len() - 1) as f32;
        let rule_y = first_baseline + FOOTER.size + 4.0;
        Footer {
            lines,
            rule_y,
            bottom: BOTTOM.max(rule_y + 5.0 * MM),
        }
    }
}

/// Something set beside the first line of a block: a bullet or a result's number.
#[derive(Debug, Clone)]
struct Marker {
    x: f32,
    text: String,
    face: Face,
}

struct Composer<'f> {
    fonts: &'f Fonts,
    header: Header,
    footer: Footer,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    started: bool,
    /// The fill grey the page's operations last set.
    grey: f32,
    /// The top of the room left on the page.
    y: f32,
    /// Nothing set in this page's body yet: space before a block is dropped here, and a
    /// block that does not fit is set anyway (it would not fit on a new page either).
    at_top: bool,
    /// A marker to set beside the next line (a result's number when it has no title).
    pending: Option<Marker>,
}

impl<'f> Composer<'f> {
    fn new(fonts: &'f Fonts, header: Header, footer: Footer) -> Composer<'f> {
        Composer {
            fonts,
            header,
            footer,
            pages: Vec::new(),
            ops: Vec::new(),
            started: false,
            grey: 0.0,
            y: 0.0,
            at_top: true,
            pending: None,
        }
    }

    fn width(&self, f: Face, text: &str) -> f32 {
        self.fonts.width(f.style, f.size, text)
    }

    fn wrap(&self, text: &str, f: Face, width: f32) -> Vec<String> {
        break_lines(text, width, |s| self.fonts.width(f.style, f.size, s))
    }

    fn start_page(&mut self) {
        if self.started {
            self.pages.push(std::mem::take(&mut self.ops));
        }
        self.started = true;
        self.grey = 0.0;
        self.draw_header();
        self.draw_footer();
        self.y = self.header.body_top;
        self.at_top = true;
    }

    fn draw_header(&mut self) {
        let columns = [
            (LEFT, self.header.left.clone()),
            (COLUMN_X, self.header.right.clone()),
        ];
        for (x, lines) in columns {
            let mut top = HEADER_TOP;
            for (text, f) in lines {
                self.text(x, baseline(top, f), f, &text);
                top -= f.lh;
            }
        }
        self.rule(LEFT, RIGHT, self.header.rule_y, 0.5, 0.6);
    }

    fn draw_footer(&mut self) {
        let lines = self.footer.lines.clone();
        if lines.is_empty() {
            return;
        }
        self.rule(LEFT, RIGHT, self.footer.rule_y, 0.5, 0.6);
        let n = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let y = FOOTER_BASELINE + FOOTER.lh * (n - 1 - i) as f32;
            self.text(LEFT, y, FOOTER, line);
        }
    }

    /// Sets "1 (3)" on every page, right-aligned on the header's first line.
    fn finish(mut self) -> Vec<Vec<Op>> {
        self.pages.push(std::mem::take(&mut self.ops));
        let total = self.pages.len();
        let y = baseline(HEADER_TOP, HEADER_FIRST);
        let mut pages = std::mem::take(&mut self.pages);
        for (i, page) in pages.iter_mut().enumerate() {
            let number = format!("{} ({total})", i + 1);
            let x = RIGHT - self.width(PAGE_NUMBER, &number);
            page.push(fill(PAGE_NUMBER.grey));
            page.extend(text_ops(x, y, PAGE_NUMBER, &number));
        }
        pages
    }

    /// Sets one line of text with its baseline at `y`.
    fn text(&mut self, x: f32, y: f32, f: Face, text: &str) {
        if text.is_empty() {
            return;
        }
        if f.grey != self.grey {
            self.ops.push(fill(f.grey));
            self.grey = f.grey;
        }
        self.ops.extend(text_ops(x, y, f, text));
    }

    fn rule(&mut self, x0: f32, x1: f32, y: f32, thickness: f32, grey: f32) {
        let point = |x: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.extend([
            Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale {
                    percent: grey,
                    icc_profile: None,
                }),
            },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x0), point(x1)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Starts a new page unless `height` still fits on this one.
    fn ensure(&mut self, height: f32) {
        if height > self.y - self.footer.bottom + 0.01 && !self.at_top {
            self.start_page();
        }
    }

    fn space(&mut self, height: f32) {
        if !self.at_top {
            self.y -= height;
        }
    }

    /// Sets wrapped lines from the cursor down, with a marker beside the first. The first
    /// two lines stay together, and so do the last two of a longer block, so that no page
    /// starts or ends with one lonely line of a paragraph.
    fn lines(&mut self, x: f32, lines: &[String], f: Face, marker: Option<&Marker>) {
        let n = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let keep = if i == 0 {
                n.min(2)
            } else if n >= 4 && i == n - 2 {
                2
            } else {
                1
            };
            self.ensure(f.lh * keep as f32);
            let y = baseline(self.y, f);
            if i == 0 {
                for m in marker.cloned().into_iter().chain(self.pending.take()) {
                    self.text(m.x, y, m.face, &m.text);
                }
            }
            self.text(x, y, f, line);
            self.y -= f.lh;
            self.at_top = false;
        }
    }

    /// A heading, kept on the same page as `keep_after` of what follows it.
    fn heading(&mut self, text: &str, f: Face, before: f32, after: f32, keep_after: f32) {
        let lines = self.wrap(text, f, TEXT_W);
        if lines.is_empty() {
            return;
        }
        self.space(before);
        self.ensure(f.lh * lines.len() as f32 + after + keep_after);
        self.lines(LEFT, &lines, f, None);
        self.y -= after;
    }

    /// Body text: paragraphs, bulleted lists with a hanging indent, and notes in italics.
    /// With `subheadings`, a short one-line paragraph without closing punctuation is set as
    /// a bold subheading (the annex intro's "Integrerad vård").
    fn body(&mut self, blocks: &[Block], x: f32, width: f32, subheadings: bool) {
        let mut previous: Option<&Block> = None;
        for block in blocks {
            let gap = match (previous, block) {
                (None, _) => 0.0,
                (Some(Block::Item(_)), Block::Item(_)) => 2.0,
                (Some(_), Block::Item(_)) => 3.0,
                (Some(_), Block::Note(_)) => 8.0,
                _ => 6.0,
            };
            self.space(gap);
            match block {
                Block::Paragraph(text) if subheadings && is_subheading(text) => {
                    self.space(6.0);
                    let lines = self.wrap(text, SUBHEADING, width);
                    self.ensure(SUBHEADING.lh * lines.len() as f32 + 2.0 + 2.0 * BODY.lh);
                    self.lines(x, &lines, SUBHEADING, None);
                    self.y -= 2.0;
                }
                Block::Paragraph(text) => {
                    let lines = self.wrap(text, BODY, width);
                    self.lines(x, &lines, BODY, None);
                }
                Block::Item(text) => {
                    let mut lines = self.wrap(text, BODY, width - ITEM_INDENT);
                    if lines.is_empty() {
                        lines.push(String::new());
                    }
                    let bullet = Marker {
                        x: x + BULLET_X,
                        text: "•".to_string(),
                        face: BODY,
                    };
                    self.lines(x + ITEM_INDENT, &lines, BODY, Some(&bullet));
                }
                Block::Note(text) => {
                    let lines = self.wrap(text, NOTE, width);
                    self.lines(x, &lines, NOTE, None);
                }
            }
            previous = Some(block);
        }
    }

    /// The amounts per year, right-aligned in their columns, with a total row for two or
    /// more years. Kept on one page when it fits on one.
    fn amounts_table(&mut self, table: &AmountTable) {
        if table.is_empty() {
            return;
        }
        let columns: Vec<String> = table.columns.iter().map(|c| clean(c)).collect();
        // The year, then each amount column as wide as its head or the widest amount needs.
        let widest = table
            .rows
            .iter()
            .flat_map(|r| r.amounts.iter())
            .chain(table.totals().iter().flatten())
            .map(|a| self.width(BODY_BOLD, &a.to_string()))
            .fold(0.0_f32, f32::max);
        let mut edges = vec![LEFT + 22.0 * MM];
        for head in &columns {
            let w = (self.width(BODY_BOLD, head).max(widest) + 6.0 * MM).max(42.0 * MM);
            let last = edges.last().copied().unwrap_or(LEFT);
            edges.push((last + w).min(RIGHT));
        }
        let x1 = edges.last().copied().unwrap_or(RIGHT);
        let totals = table.totals();
        let rows = 1 + table.rows.len() + usize::from(totals.is_some());
        let height = TABLE_ROW_H * rows as f32 + 2.0;

        self.space(10.0);
        if height <= self.header.body_top - self.footer.bottom {
            self.ensure(height);
        } else {
            self.ensure(TABLE_ROW_H * 3.0);
        }
        self.table_head(LEFT, x1, &edges, &columns);
        for row in &table.rows {
            self.table_continues(LEFT, x1, &edges, &columns, TABLE_ROW_H);
            let cells: Vec<String> = (0..columns.len())
                .map(|i| AmountTable::cell(row, i).to_string())
                .collect();
            self.table_row(LEFT, &edges, &row.year.to_string(), &cells, BODY);
        }
        if let Some(totals) = totals {
            self.table_continues(LEFT, x1, &edges, &columns, TABLE_ROW_H + 2.0);
            self.y -= 2.0;
            self.rule(LEFT, x1, self.y - 1.0, 0.6, 0.3);
            let cells: Vec<String> = totals.iter().map(|a| a.to_string()).collect();
            self.table_row(LEFT, &edges, "Summa", &cells, BODY_BOLD);
        }
        self.y -= 4.0;
    }

    fn table_head(&mut self, x0: f32, x1: f32, edges: &[f32], columns: &[String]) {
        self.table_row(x0, edges, "År", columns, BODY_BOLD);
        self.rule(x0, x1, self.y + 3.0, 0.6, 0.3);
    }

    /// Makes room for the next row; on a new page the column heads come again.
    fn table_continues(
        &mut self,
        x0: f32,
        x1: f32,
        edges: &[f32],
        columns: &[String],
        height: f32,
    ) {
        if height > self.y - self.footer.bottom + 0.01 {
            self.start_page();
            self.table_head(x0, x1, edges, columns);
        }
    }

    /// One row: the first cell left-aligned, each further cell right-aligned against the
    /// right edge of its column (`edges` holds those edges, the first cell's first).
    fn table_row(&mut self, x0: f32, edges: &[f32], first: &str, cells: &[String], f: Face) {
        let y = baseline(
            self.y,
            Face {
                lh: TABLE_ROW_H,
                ..f
            },
        );
        self.text(x0 + 2.0, y, f, first);
        for (i, cell) in cells.iter().enumerate() {
            let (Some(left), Some(right)) = (edges.get(i), edges.get(i + 1)) else {
                break;
            };
            // Right-aligned; a cell wider than its column starts at the column's left edge.
            let w = self.width(f, cell);
            self.text((right - 2.0 - w).max(left + 2.0), y, f, cell);
        }
        self.y -= TABLE_ROW_H;
        self.at_top = false;
    }

    /// "I detta ärende har … beslutat. … har varit föredragande.", then the two names with
    /// their roles; all kept together on one page.
    /// A decision taken by one person alone (a repayment claim, decided by the officer who
    /// approved the report) has no presenting officer: only the one name is written.
    fn signature(&mut self, letter: &Letter) {
        let sentence = self.wrap(&letter.signature_sentence(), BODY, TEXT_W);
        let people: Vec<(Vec<String>, Vec<String>)> = [
            (&letter.decision_maker, "beslutsfattare"),
            (&letter.presenting_officer, "föredragande"),
        ]
        .into_iter()
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, role)| (self.wrap(name, BODY, TEXT_W), vec![role.to_string()]))
        .collect();
        let before_names = 26.0;
        let between = 12.0;
        let height = BODY.lh * sentence.len() as f32
            + before_names
            + people
                .iter()
                .map(|(name, _)| BODY.lh * name.len() as f32 + ROLE.lh)
                .sum::<f32>()
            + between;

        self.space(22.0);
        self.ensure(height);
        self.lines(LEFT, &sentence, BODY, None);
        self.y -= before_names;
        for (i, (name, role)) in people.iter().enumerate() {
            if i > 0 {
                self.y -= between;
            }
            self.lines(LEFT, name, BODY, None);
            self.lines(LEFT, role, ROLE, None);
        }
    }

    /// Bilaga 1, from a new page: title, intro, and per year the numbered expected results.
    fn annex(&mut self, annex: &Annex) {
        self.start_page();
        let title = clean(&annex.title);
        if !title.to_lowercase().starts_with("bilaga") {
            self.lines(LEFT, &["Bilaga 1".to_string()], BODY_BOLD, None);
            self.y -= 4.0;
        }
        self.heading(&title, ANNEX_HEADING, 0.0, 8.0, 2.0 * BODY.lh);
        self.body(&parse_blocks(&annex.intro), LEFT, TEXT_W, true);

        for year in &annex.years {
            let keep_after = year
                .results
                .first()
                .map_or(0.0, |r| self.result_head_height(r) + 2.0 * BODY.lh);
            let heading = format!("Förväntade resultat {}", year.year);
            self.heading(&heading, ANNEX_HEADING, 20.0, 0.0, keep_after);
            for (i, result) in year.results.iter().enumerate() {
                self.result(i + 1, result);
            }
        }
    }

    /// A result's area (small capitals) and title (bold), wrapped beside its number.
    fn result_head(&self, result: &AnnexResult) -> (Vec<String>, Vec<String>) {
        let width = TEXT_W - NUMBER_INDENT;
        let area = self.wrap(&clean(&result.area).to_uppercase(), AREA, width);
        let title = self.wrap(&result.title, BODY_BOLD, width);
        (area, title)
    }

    /// The room a result's space, area and title take, before its body.
    fn result_head_height(&self, result: &AnnexResult) -> f32 {
        let (area, title) = self.result_head(result);
        RESULT_GAP + AREA.lh * area.len() as f32 + BODY_BOLD.lh * title.len() as f32 + 2.0
    }

    fn result(&mut self, number: usize, result: &AnnexResult) {
        let x = LEFT + NUMBER_INDENT;
        let (area, title) = self.result_head(result);
        let number = Marker {
            x: LEFT,
            text: format!("{number}."),
            face: BODY_BOLD,
        };

        self.space(RESULT_GAP);
        self.ensure(self.result_head_height(result) - RESULT_GAP + 2.0 * BODY.lh);
        self.lines(x, &area, AREA, None);
        if title.is_empty() {
            self.pending = Some(number);
        } else {
            self.lines(x, &title, BODY_BOLD, Some(&number));
            self.y -= 2.0;
        }
        self.body(
            &parse_blocks(&result.body),
            x,
            TEXT_W - NUMBER_INDENT,
            false,
        );
        if let Some(number) = self.pending.take() {
            // Neither title nor body: the number stands alone.
            self.lines(x, &[String::new()], BODY, Some(&number));
        }
    }
}

const RESULT_GAP: f32 = 10.0;

/// The baseline of a line set in `f` in a line box whose top is `top`: the glyphs centred
/// in the box, for DejaVu Sans (ascent 0.93 em, descent 0.24 em).
fn baseline(top: f32, f: Face) -> f32 {
    top - (f.lh - f.size * 1.17) / 2.0 - f.size * 0.93
}

fn is_subheading(text: &str) -> bool {
    (1..=60).contains(&text.chars().count())
        && !text.ends_with(['.', ':', ';', ',', '!', '?', ')'])
        && !text.contains(". ")
        && text.chars().next().is_some_and(char::is_uppercase)
}

fn fill(grey: f32) -> Op {
    Op::SetFillColor {
        col: Color::Greyscale(Greyscale {
            percent: grey,
            icc_profile: None,
        }),
    }
}

fn text_ops(x: f32, y: f32, f: Face, text: &str) -> [Op; 5] {
    let slant = f.style.slant();
    let place = if slant == 0.0 {
        Op::SetTextCursor {
            pos: Point { x: Pt(x), y: Pt(y) },
        }
    } else {
        // Slanted about the baseline: the glyphs keep their widths, so the line is as long
        // as measured.
        Op::SetTextMatrix {
            matrix: TextMatrix::Raw([1.0, 0.0, slant, 1.0, x, y]),
        }
    };
    [
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(f.style.font_id()),
            size: Pt(f.size),
        },
        place,
        Op::ShowText {
            items: vec![TextItem::Text(for_drawing(text))],
        },
        Op::EndTextSection,
    ]
}

fn write_pdf(letter: &Letter, fonts: &Fonts, pages: Vec<Vec<Op>>) -> Result<Vec<u8>, LetterError> {
    let kind = clean(&letter.document_kind);
    let mut kind_chars = kind.chars();
    let kind = match kind_chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(kind_chars.flat_map(char::to_lowercase))
            .collect(),
        None => "Beslut".to_string(),
    };
    let title = format!("{kind} Dnr {}", clean(&letter.registration_number));

    let mut doc = PdfDocument::new(&title);
    for style in Style::EMBEDDED {
        doc.resources
            .fonts
            .map
            .insert(style.font_id(), PdfFont::new(fonts.font(style).clone()));
    }
    let created = pdf_date(letter.created_at);
    let info = &mut doc.metadata.info;
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    info.author = clean(&letter.agency);
    info.subject = clean(&letter.heading);
    info.creator = "statsbidrag".to_string();
    info.producer = format!("statsbidrag {} (printpdf)", env!("CARGO_PKG_VERSION"));

    let pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops))
        .collect();
    doc.with_pages(pages);

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut pdf = doc.to_lopdf_document(&options, &mut warnings);
        compress_streams(&mut pdf);
        tidy(&mut pdf);
        // The dictionaries (pages, fonts, metadata) go into one compressed object stream
        // and the cross-references into a stream (PDF 1.5): about 3 KB less in a six-page
        // letter than printpdf's plain objects and table.
        let mut bytes = Vec::new();
        pdf.save_modern(&mut bytes).map(|()| bytes)
    }));
    let mut bytes = saved
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            LetterError::Render(format!("printpdf avbröt: {message}"))
        })?
        .map_err(|e| LetterError::Render(format!("PDF-filen kunde inte skrivas: {e}")))?;
    let errors: Vec<&str> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.as_str())
        .collect();
    if !errors.is_empty() {
        return Err(LetterError::Render(format!(
            "printpdf: {}",
            errors.join("; ")
        )));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(LetterError::Render("printpdf skrev ingen PDF".to_string()));
    }
    stable_file_id(&mut bytes);
    Ok(bytes)
}

/// Compresses every stream not yet compressed (the pages' content; printpdf compresses the
/// font programs itself) at zlib's default level. lopdf's own `compress` uses the best
/// level, which took half of a letter's rendering time for 2 % fewer bytes.
fn compress_streams(pdf: &mut lopdf::Document) {
    use std::io::Write;
    for object in pdf.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") || !stream.allows_compression {
            continue;
        }
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = encoder
            .write_all(&stream.content)
            .and_then(|()| encoder.finish());
        if let Ok(compressed) = compressed
            && compressed.len() < stream.content.len()
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// printpdf always writes an (empty) `/GTS_PDFXVersion` into the document information, which
/// readers take for a claim of PDF/X; the letter is no PDF/X file. And it fills the file
/// identifier (`/ID`) from a process-wide counter, so that two renderings of the same letter
/// would differ there: it is set to zeros here, and to a digest of the file once saved
/// ([`stable_file_id`]).
fn tidy(pdf: &mut lopdf::Document) {
    if let Ok(info) = pdf
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        && let Ok(info) = pdf.get_dictionary_mut(info)
    {
        info.remove(b"GTS_PDFXVersion");
    }
    let zeros = || lopdf::Object::String(vec![b'0'; 32], lopdf::StringFormat::Literal);
    pdf.trailer
        .set("ID", lopdf::Object::Array(vec![zeros(), zeros()]));
}

fn pdf_date(t: DateTime<Utc>) -> printpdf::OffsetDateTime {
    printpdf::OffsetDateTime {
        date: printpdf::Date {
            year: t.year(),
            month: t.month() as u8,
            day: t.day() as u8,
        },
        time: printpdf::Time {
            hour: t.hour() as u8,
            minute: t.minute() as u8,
            second: t.second() as u8,
            millisecond: 0,
        },
        offset: printpdf::Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    }
}

/// Fills the file identifier (`/ID`, 32 zeros twice, see [`tidy`]) with a digest of the rest
/// of the file: the same letter gives the same bytes. In place and at the same length, so
/// that every offset stays right; the identifier is in the cross-reference stream's
/// dictionary, which is never compressed.
fn stable_file_id(bytes: &mut [u8]) {
    const ID_LEN: usize = 32;
    let Some(start) = find_last(bytes, b"/ID[(") else {
        return;
    };
    let first = start + 5;
    let second = first + ID_LEN + 2;
    let end = second + ID_LEN;
    let shaped = bytes.get(first + ID_LEN..second) == Some(b")(".as_slice())
        && bytes.get(end..end + 2) == Some(b")]".as_slice());
    if !shaped {
        return;
    }
    bytes[first..end].fill(b'0');
    let digest = Sha256::digest(&*bytes);
    let hex = hex::encode_upper(&digest[..ID_LEN / 2]);
    bytes[first..first + ID_LEN].copy_from_slice(hex.as_bytes());
    bytes[first + ID_LEN..second].copy_from_slice(b")(");
    bytes[second..end].copy_from_slice(hex.as_bytes());
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::letters::{AnnexYear, LetterSection};
    use crate::money::Ore;

    fn letter() -> Letter {
        let paragraph = "Regionen har i samverkan med SiS bidragit till att utveckla former för att \
                         bedöma behov av integrerad vård hos barn och unga i de särskilda \
                         ungdomshemmen, särskilt för barn med omfattande behov.";
        let body = format!(
            "{paragraph}\n\n{paragraph} {paragraph}\n- {paragraph}\n- kort punkt\n\n* Not: \
             {paragraph}"
        );
        let sections = [
            "Beslut",
            "Ändamål",
            "Skäl för beslutet",
            "Villkor",
            "Återrapportering",
        ]
        .iter()
        .map(|h| LetterSection {
            heading: h.to_string(),
            body: body.clone(),
        })
        .collect();
        let results: Vec<AnnexResult> = (0..9)
            .map(|i| AnnexResult {
                area: "Förhållnings- och arbetssätt".into(),
                title: if i == 8 {
                    String::new()
                } else {
                    format!("Resultat nummer {i}")
                },
                body: body.clone(),
            })
            .collect();
        Letter {
            agency: "Socialstyrelsen".into(),
            agency_unit: "Avdelningen för behörighet och statsbidrag".into(),
            document_kind: "BESLUT".into(),
            decided_on: NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
            registration_number: "SB-2020-0001".into(),
            recipient_name: "Region Skåne".into(),
            recipient_org_number: "232100-0255".into(),
            heading: "Beslut om statsbidrag för 2021 och 2022".into(),
            sections,
            // Two columns with the longest heads a letter uses: they stay inside the margins.
            amounts: AmountTable {
                columns: vec![
                    "Beviljat före ändringen".into(),
                    "Beviljat efter ändringen".into(),
                ],
                rows: [(2021, 2_913_808), (2022, 3_363_938)]
                    .into_iter()
                    .map(|(year, kr)| crate::letters::AmountRow {
                        year,
                        amounts: vec![Ore::from_kronor(kr + 1_000_000), Ore::from_kronor(kr)],
                    })
                    .collect(),
            },
            decision_maker: "Anna Lindqvist".into(),
            presenting_officer: "Ann Bengtsson".into(),
            annex: Some(Annex {
                title: "Bilaga 1 till beslut om statsbidrag".into(),
                intro: format!("Integrerad vård\n\n{body}"),
                years: vec![
                    AnnexYear {
                        year: 2021,
                        results: results.clone(),
                    },
                    AnnexYear {
                        year: 2022,
                        results,
                    },
                ],
            }),
            created_at: Utc.with_ymd_and_hms(2020, 6, 30, 9, 0, 0).unwrap(),
            contact: Some(crate::letters::Contact {
                agency: "Socialstyrelsen".into(),
                unit: "Avdelningen för behörighet och statsbidrag".into(),
                email: "statsbidrag@socialstyrelsen.example".into(),
                phone: "075-247 30 00".into(),
            }),
        }
    }

    /// Every line of text on a page: (x, baseline, face style, size, text).
    fn texts(ops: &[Op]) -> Vec<(f32, f32, Style, f32, String)> {
        let mut out = Vec::new();
        let (mut style, mut size, mut pos) = (Style::Regular, 0.0, (0.0, 0.0));
        for op in ops {
            match op {
                Op::SetFont {
                    font: PdfFontHandle::External(id),
                    size: s,
                } => {
                    style = Style::EMBEDDED
                        .into_iter()
                        .find(|st| st.font_id() == *id)
                        .unwrap();
                    size = s.0;
                }
                Op::SetTextCursor { pos: p } => pos = (p.x.0, p.y.0),
                Op::SetTextMatrix { matrix } => {
                    let m = matrix.as_array();
                    assert_eq!(m[2], Style::Oblique.slant());
                    style = Style::Oblique;
                    pos = (m[4], m[5]);
                }
                Op::ShowText { items } => {
                    for item in items {
                        if let TextItem::Text(t) = item {
                            out.push((pos.0, pos.1, style, size, t.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn all_text_stays_inside_the_margins_and_headings_are_never_last_on_a_page() {
        let fonts = Fonts::get().unwrap();
        let pages = compose(&letter(), fonts);
        assert!(pages.len() >= 4, "{} pages", pages.len());
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let lines = texts(page);
            // The contact sits in the bottom margin, on every page, and nothing else does.
            let (footer, lines): (Vec<_>, Vec<_>) =
                lines.into_iter().partition(|l| l.1 < BOTTOM - 0.24 * l.3);
            assert_eq!(footer.len(), 2, "page {}: footer {footer:?}", i + 1);
            assert!(
                footer[0]
                    .4
                    .contains("Avdelningen för behörighet och statsbidrag"),
                "page {}: {footer:?}",
                i + 1
            );
            assert!(
                footer[1]
                    .4
                    .contains("statsbidrag@socialstyrelsen.example · Telefon 075-247 30 00"),
                "page {}: {footer:?}",
                i + 1
            );
            for (x, y, style, size, text) in &footer {
                assert_eq!(*size, FOOTER.size, "page {}: {text:?}", i + 1);
                assert!(*y - 0.24 * size >= 10.0 * MM, "page {}: {text:?}", i + 1);
                assert!(*x >= LEFT - 0.01, "page {}: {text:?}", i + 1);
                assert!(
                    x + fonts.width(*style, *size, text) <= RIGHT + 0.01,
                    "page {}: {text:?}",
                    i + 1
                );
            }
            for (x, y, style, size, text) in &lines {
                let w = fonts.width(*style, *size, text);
                assert!(*x >= LEFT - 0.01, "page {}: {text:?} at x {x}", i + 1);
                assert!(
                    x + w <= RIGHT + 0.01,
                    "page {}: {text:?} ends at {}",
                    i + 1,
                    x + w
                );
                assert!(
                    y - 0.24 * size >= BOTTOM - 0.01,
                    "page {}: {text:?} at y {y}",
                    i + 1
                );
                assert!(
                    y + size <= PAGE_H - 15.0 * MM,
                    "page {}: {text:?} at y {y}",
                    i + 1
                );
            }
            let number = format!("{} ({total})", i + 1);
            assert!(lines.iter().any(|l| l.4 == number), "page {}", i + 1);
            assert!(
                lines.iter().any(|l| l.4 == "Dnr SB-2020-0001"),
                "page {}",
                i + 1
            );

            // The lowest line on the page is body text, not a heading or a result's title.
            let last = lines.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
            assert!(
                !(last.2 == Style::Bold && last.3 >= 10.0) && last.3 != AREA.size,
                "page {} ends with {last:?}",
                i + 1
            );
        }
    }

    #[test]
    fn the_amounts_table_has_a_total_for_two_years_and_none_for_one() {
        let fonts = Fonts::get().unwrap();
        let mut one_year = letter();
        one_year.amounts.rows.truncate(1);
        let all_text = |l: &Letter| -> Vec<String> {
            compose(l, fonts)
                .iter()
                .flat_map(|p| texts(p))
                .map(|t| t.4)
                .collect()
        };
        let two = all_text(&letter());
        assert!(two.contains(&"Summa".to_string()));
        assert!(two.contains(&"6 277 746 kr".to_string()));
        let one = all_text(&one_year);
        assert!(!one.contains(&"Summa".to_string()));
        assert!(one.contains(&"2 913 808 kr".to_string()));
    }

    #[test]
    fn a_long_letter_renders_to_a_pdf() {
        let pdf = render(&letter()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info).unwrap();
        assert!(info.has(b"Title"));
        assert!(!info.has(b"GTS_PDFXVersion"));
        let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
        assert_ne!(id[0].as_str().unwrap(), [b'0'; 32].as_slice());
    }
}
