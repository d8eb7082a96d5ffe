//! The decision letter the letter tests and `examples/letter_bench.rs` share: a realistic
//! grant decision to Region Skåne (six pages) with Bilaga 1 from the 2020 call's fixture.

use chrono::{NaiveDate, TimeZone, Utc};
use statsbidrag::letters::{
    AmountTable, Annex, AnnexResult, AnnexYear, Contact, Letter, LetterSection,
};
use statsbidrag::money::Ore;

pub const REGISTRATION_NUMBER: &str = "SB-2020-0001";
/// The grant unit's mailbox, at the foot of every page.
pub const CONTACT_EMAIL: &str = "statsbidrag@socialstyrelsen.example";

/// The call's annex texts and expected results, straight from the fixture.
pub fn annex_from_fixture() -> Annex {
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

pub fn section(heading: &str, body: &str) -> LetterSection {
    LetterSection {
        heading: heading.to_string(),
        body: body.to_string(),
    }
}

pub fn skane_letter() -> Letter {
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
        contact: Some(Contact {
            agency: "Socialstyrelsen".into(),
            unit: "Avdelningen för behörighet och statsbidrag".into(),
            email: CONTACT_EMAIL.into(),
            phone: "075-247 30 00".into(),
        }),
    }
}
