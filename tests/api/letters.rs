//! Decision letters as PDF: a realistic grant decision to Region Skåne with Bilaga 1 from the
//! 2020 call's fixture, read back with lopdf (no system tools), and written to
//! `target/letters/sample.pdf` for a person to look at.

use std::path::Path;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use statsbidrag::letters::{
    AmountRow, AmountTable, Annex, AnnexResult, AnnexYear, Letter, LetterSection, render,
};
use statsbidrag::money::Ore;

const REGISTRATION_NUMBER: &str = "SB-2020-0001";

/// The call's annex texts and expected results, straight from the fixture.
fn annex_from_fixture() -> Annex {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/calls/2020-integrerad-vard.toml"
    );
    let call: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let text = |key: &str| call[key].as_str().unwrap().trim().to_string();
    let results = call["expected_results"].as_array().unwrap();
    let years = [2021, 2022]
        .into_iter()
        .map(|year| AnnexYear {
            year,
            results: results
                .iter()
                .filter(|r| r["year"].as_integer() == Some(i64::from(year)))
                .map(|r| AnnexResult {
                    area: r["area"].as_str().unwrap().to_string(),
                    title: r["title"].as_str().unwrap().to_string(),
                    body: r["body"].as_str().unwrap().trim().to_string(),
                })
                .collect(),
        })
        .collect();
    Annex {
        title: text("annex_title"),
        intro: text("annex_intro"),
        years,
    }
}

fn section(heading: &str, body: &str) -> LetterSection {
    LetterSection {
        heading: heading.to_string(),
        body: body.to_string(),
    }
}

fn skane_letter() -> Letter {
    let y2021 = Ore::from_kronor(2_913_808);
    let y2022 = Ore::from_kronor(3_363_938);
    Letter {
        agency: "Socialstyrelsen".into(),
        agency_unit: "Avdelningen för behörighet och statsbidrag".into(),
        document_kind: "BESLUT".into(),
        decided_on: NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
        registration_number: REGISTRATION_NUMBER.into(),
        recipient_name: "Region Skåne".into(),
        recipient_org_number: "232100-0255".into(),
        heading: "Beslut om statsbidrag för 2021 och 2022 till regioner för pilotprojekt SiS \
                  integrerad vård"
            .into(),
        sections: vec![
            section(
                "Beslut",
                &format!(
                    "Socialstyrelsen beviljar Region Skåne statsbidrag med {y2021} för 2021 och \
                     {y2022} för 2022 för deltagande i pilotprojektet om integrerad vård för \
                     barn och unga som vårdas vid Statens institutionsstyrelses (SiS) särskilda \
                     ungdomshem.\n\nBeloppen per år framgår av tabellen nedan. Statsbidraget \
                     betalas ut i januari respektive år."
                ),
            ),
            section(
                "Ändamål",
                "Statsbidraget får användas för att i samverkan med SiS utveckla och pröva \
                 integrerad vård för barn och unga i de särskilda ungdomshemmen som har stora \
                 behov av psykiatrisk vård. Medlen får användas till\n\
                 - personal med relevant kompetens som arbetar i team med personal på SiS \
                 lokala ungdomshem\n\
                 - utbildning och handledning av personal\n\
                 - resor och andra kostnader för samverkan med SiS och Socialstyrelsen.\n\n\
                 Statsbidraget ska användas för att uppnå de förväntade resultat som framgår \
                 av bilaga 1.",
            ),
            section(
                "Skäl för beslutet",
                "Socialstyrelsen har enligt regeringens uppdrag (S2019/04303/FS) i uppgift att \
                 förbereda och samordna ett pilotprojekt för integrerad vård. Av regeringens \
                 beslut framgår att högst 15 000 000 kr per år får fördelas till de regioner \
                 som deltar.\n\n\
                 Region Skåne har, efter gjorda kompletteringar, inkommit med en ansökan som \
                 beskriver förutsättningar för att delta i utvecklingen av integrerad vård \
                 enligt vad som anges i regeringsuppdraget. Arbetet är förberett i samverkan \
                 med SiS särskilda ungdomshem i regionen och främjar möjligheterna till \
                 långsiktiga lösningar för andra vård- och boendeformer på hemorten. Det \
                 beviljade beloppet motsvarar det som regionen har ansökt om.",
            ),
            section(
                "Villkor",
                &format!(
                    "Statsbidraget får endast användas för det ändamål som anges i detta beslut.\n\n\
                     Medel som inte har använts under respektive år ska betalas tillbaka till \
                     Socialstyrelsen. Ange diarienummer {REGISTRATION_NUMBER} vid \
                     återbetalningen.\n\n\
                     Socialstyrelsen kan besluta om återkrav av statsbidraget helt eller delvis om\n\
                     - statsbidraget har betalats ut felaktigt eller med för högt belopp\n\
                     - statsbidraget inte har använts eller inte har använts för det ändamål \
                     som det har beviljats för\n\
                     - återrapportering inte har kommit in\n\
                     - villkoren i detta beslut inte har följts."
                ),
            ),
            section(
                "Återrapportering",
                "Region Skåne ska senast den 1 mars 2022 redovisa hur statsbidraget för 2021 \
                 har använts, och senast den 1 mars 2023 hur statsbidraget för 2022 har \
                 använts. Redovisningen ska avse varje förväntat resultat i bilaga 1 för \
                 respektive år och innehålla en ekonomisk redovisning av mottagna, använda och \
                 oanvända medel.\n\n\
                 Redovisningen ska så långt möjligt innehålla uppgifter om antal barn och unga \
                 som har ingått i arbetet, uppdelat på flickor och pojkar.",
            ),
            section(
                "Hur man överklagar",
                "Beslutet kan överklagas hos allmän förvaltningsdomstol. Överklagandet ska \
                 vara skriftligt och ha kommit in till Socialstyrelsen inom tre veckor från den \
                 dag då ni fick del av beslutet, enligt förvaltningslagen (2017:900). Ange \
                 vilket beslut som överklagas, hur ni vill att beslutet ska ändras och varför.",
            ),
        ],
        amounts: AmountTable::single("Beviljat belopp", &[(2021, y2021), (2022, y2022)]),
        decision_maker: "Anna Lindqvist".into(),
        presenting_officer: "Ann Bengtsson".into(),
        annex: Some(annex_from_fixture()),
        created_at: Utc.with_ymd_and_hms(2020, 6, 30, 9, 15, 0).unwrap(),
    }
}

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

    // Every page has the header with its Dnr and "n (total)".
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Dnr {REGISTRATION_NUMBER}")),
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
