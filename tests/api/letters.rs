//! Decision letters as PDF: a realistic grant decision to Region Skåne with Bilaga 1 from the
//! 2020 call's fixture, read back with lopdf (no system tools), and written to
//! `target/letters/sample.pdf` for a person to look at.

use std::path::Path;
use std::time::Instant;

use statsbidrag::letters::{AmountRow, AmountTable, render};
use statsbidrag::money::Ore;

#[path = "letter_sample.rs"]
pub(crate) mod letter_sample;
use letter_sample::{CONTACT_EMAIL, REGISTRATION_NUMBER, section, skane_letter};

/// All the text of the PDF, page by page, with every kind of space made one plain space.
pub fn extract_pages(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    doc.get_pages()
        .keys()
        .map(|n| {
            let text = doc.extract_text(&[*n]).unwrap();
            text.split(|c: char| c.is_whitespace())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn info_string(pdf: &[u8], key: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let bytes = info.get(key).unwrap().as_str().unwrap();
    match bytes.strip_prefix(&[0xfe, 0xff]) {
        Some(utf16) => String::from_utf16(
            &utf16
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
        None => String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[test]
fn a_grant_decision_renders_as_a_readable_pdf_with_bilaga_1() {
    let letter = skane_letter();
    // The first letter of a process also parses the fonts; time one after it too.
    let started = Instant::now();
    let pdf = render(&letter).unwrap();
    let cold = started.elapsed();
    let started = Instant::now();
    render(&letter).unwrap();
    let warm = started.elapsed();

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/letters");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sample.pdf"), &pdf).unwrap();

    assert!(pdf.starts_with(b"%PDF"));
    let pages = extract_pages(&pdf);
    eprintln!(
        "sample letter: {} pages, {} bytes, rendered in {cold:?} (first) and {warm:?} (next)",
        pages.len(),
        pdf.len()
    );
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert!(
        pdf.len() < 100_000,
        "{} bytes: are the fonts subset?",
        pdf.len()
    );

    let all = pages.join(" ");
    for expected in [
        "Socialstyrelsen",
        "Avdelningen för behörighet och statsbidrag",
        "BESLUT",
        "2020-06-30",
        "Region Skåne",
        "Org.nr 232100-0255",
        "2 913 808 kr",
        "3 363 938 kr",
        "Summa 6 277 746 kr",
        "Skäl för beslutet",
        "Återrapportering",
        "Hur man överklagar",
        "I detta ärende har Anna Lindqvist beslutat. Ann Bengtsson har varit föredragande.",
        "beslutsfattare",
        "föredragande",
        "Bilaga 1",
        "Förväntade resultat 2021",
        "Förväntade resultat 2022",
        "1 (",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }

    // Every page has the header with its Dnr and "n (total)", and the contact at its foot.
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Dnr {REGISTRATION_NUMBER}")),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains(&format!(
                "Frågor om beslutet: Avdelningen för behörighet och statsbidrag på \
                 Socialstyrelsen E-post {CONTACT_EMAIL} · Telefon 075-247 30 00"
            )),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains(&format!("{} ({total})", i + 1)),
            "page {}: {page}",
            i + 1
        );
    }

    // Bilaga 1 starts on a page of its own, and every expected result is in it.
    let annex_start = pages
        .iter()
        .position(|p| p.contains("Bilaga 1 till beslut"))
        .unwrap();
    assert!(annex_start >= 1);
    assert!(!pages[annex_start - 1].contains("Bilaga 1 till beslut"));
    let annex_text = pages[annex_start..].join(" ");
    let annex = letter.annex.as_ref().unwrap();
    for year in &annex.years {
        assert!(year.results.len() >= 7);
        for result in &year.results {
            if !result.title.is_empty() {
                assert!(
                    annex_text.contains(&result.title),
                    "missing {:?} in:\n{annex_text}",
                    result.title
                );
            }
        }
    }
    assert!(annex_text.contains("ARBETSFORMER"));
    assert!(annex_text.contains("* Förutsättningarna att hinna"));

    // Metadata: a title people can read in a viewer, and the day the letter was made.
    assert_eq!(info_string(&pdf, b"Title"), "Beslut Dnr SB-2020-0001");
    assert!(info_string(&pdf, b"CreationDate").starts_with("D:20200630091500"));
}

/// A letter is stored for good and sent by e-mail, so its size is behaviour. The six-page
/// letter was 57 KB, two thirds of it the three fonts' hinting and licence tables; it is now
/// about 22 KB: two subset font programs (about 8 KB), six pages of compressed text (about
/// 11 KB), the dictionaries in one compressed object stream (about 1 KB) and the rest
/// ToUnicode maps and cross-references. 28 KB leaves room for the fixture's wording to grow
/// a little and fails on any of the old ways of growing: a third font (4 KB or more), a font
/// with its hinting or licence text (8 KB more), plain dictionaries and cross-reference
/// table (3 KB more), a stream left uncompressed, a font per page.
#[test]
fn the_six_page_letter_stays_small() {
    let pdf = render(&skane_letter()).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 6, "the bound below is for six pages");
    assert!(
        pdf.len() < 28_000,
        "{} bytes for the six-page letter (about 22 500 expected)",
        pdf.len()
    );

    // The dictionaries are in a compressed object stream. (lopdf unpacks it as it reads:
    // look at the bytes.)
    let object_stream = pdf
        .windows(12)
        .position(|w| w == b"/Type/ObjStm")
        .expect("the dictionaries are not in an object stream");
    let header = &pdf[object_stream..];
    let header = &header[..header.windows(6).position(|w| w == b"stream").unwrap()];
    assert!(
        header.windows(19).any(|w| w == b"/Filter/FlateDecode"),
        "the object stream is not compressed"
    );
    // Every other stream is compressed too, but the cross-reference stream (binary offsets).
    let streams: Vec<&lopdf::Stream> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| !s.dict.has_type(b"XRef") && !s.dict.has_type(b"ObjStm"))
        .collect();
    let is_flate = |s: &lopdf::Stream| {
        s.dict
            .get(b"Filter")
            .and_then(|f| f.as_name())
            .is_ok_and(|f| f == b"FlateDecode")
    };
    assert!(
        streams.iter().all(|s| is_flate(s)),
        "an uncompressed stream"
    );
    // Regular and bold, once each for all six pages, each cut down to the glyphs used.
    let programs: Vec<i64> = streams
        .iter()
        .filter_map(|s| s.dict.get(b"Length1").and_then(|l| l.as_i64()).ok())
        .collect();
    assert_eq!(programs.len(), 2, "font programs of {programs:?} bytes");
    for length in programs {
        assert!(length < 10_000, "a font program of {length} bytes");
    }
}

#[test]
fn the_same_letter_gives_the_same_bytes() {
    let letter = skane_letter();
    let (a, b) = (render(&letter).unwrap(), render(&letter).unwrap());
    let first_difference = a.iter().zip(&b).position(|(x, y)| x != y);
    assert!(
        a == b,
        "{} and {} bytes, first difference at {first_difference:?}",
        a.len(),
        b.len()
    );
}

#[test]
fn a_rejection_without_amounts_or_annex_is_one_page() {
    let mut letter = skane_letter();
    letter.document_kind = "BESLUT".into();
    letter.recipient_name = "Region Stockholm".into();
    letter.recipient_org_number = "232100-0016".into();
    letter.heading = "Beslut om avslag på ansökan om statsbidrag för 2021 och 2022".into();
    letter.sections = vec![
        section(
            "Beslut",
            "Socialstyrelsen avslår ansökan om statsbidrag för deltagande i pilotprojektet.",
        ),
        section(
            "Skäl för beslutet",
            "Ansökan är inte förankrad hos något av SiS särskilda ungdomshem.",
        ),
    ];
    letter.amounts = AmountTable::default();
    letter.annex = None;
    let pdf = render(&letter).unwrap();
    let pages = extract_pages(&pdf);
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("1 (1)"));
    assert!(pages[0].contains("Region Stockholm"));
    assert!(!pages[0].contains("Summa"));
}

#[test]
fn odd_input_never_panics() {
    let mut letter = skane_letter();
    letter.agency = String::new();
    letter.heading = "Ö".repeat(400);
    letter.recipient_name = "x".repeat(300);
    letter.sections.push(section("", "- \n\n* \n\n\t\r\n"));
    letter.sections.push(section(
        "Många rader",
        &"Ett stycke med en mening som upprepas. ".repeat(600),
    ));
    // Three columns, one head far too long for its column.
    letter.amounts = AmountTable {
        columns: vec![
            "Sökt belopp".into(),
            "Beviljat belopp".into(),
            "Ö".repeat(200),
        ],
        rows: (2000..2060)
            .map(|y| AmountRow {
                year: y,
                amounts: vec![Ore::from_kronor(i64::from(y)); 2],
            })
            .collect(),
    };
    letter.decision_maker = "\u{0}\u{1b}[31m ☃ 𝄞".into();
    let pdf = render(&letter).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(extract_pages(&pdf).len() >= 5);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/letters");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("odd-input.pdf"), &pdf).unwrap();
}
