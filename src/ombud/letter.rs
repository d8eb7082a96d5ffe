//! The letters of an ombudsansökan: a request for a supplement, an approval, a write-off.
//! Worded here, laid out by `letters::render` like every letter of the agency, made once
//! when the step is taken and served unchanged ever after. A letter names the person and
//! the organisation, never the person's identity number.

use chrono::{DateTime, Utc};

use super::{OmbudRequest, StepKind};
use crate::db::ombud_requests::DocumentInfo;
use crate::letters::{AmountTable, Letter, LetterSection};

/// What a letter says besides the request itself.
pub struct LetterFacts<'a> {
    pub kind: StepKind,
    /// The organisation as it stands in the letter (as confirmed, on approval).
    pub org_name: &'a str,
    pub org_number: &'a str,
    /// The officer's message, reason or note.
    pub message: Option<&'a str>,
    /// The officer who took the step.
    pub officer: &'a str,
    /// On approval: the earlier ombud, who is now a representative.
    pub replaced: Option<&'a str>,
    /// The documents the step was taken on.
    pub documents: &'a [DocumentInfo],
    /// Where the person follows the request in the e-service.
    pub link: &'a str,
}

fn documents_list(documents: &[DocumentInfo]) -> String {
    if documents.is_empty() {
        return "Inga dokument har kommit in.".to_string();
    }
    documents
        .iter()
        .map(|d| {
            format!(
                "- {}: {} (inkom {})",
                d.kind.label(),
                d.filename,
                d.uploaded_at.date()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The letter of a step.
pub fn build(request: &OmbudRequest, facts: &LetterFacts<'_>, now: DateTime<Utc>) -> Letter {
    let agency = crate::agency::agency();
    let person = &request.applicant_name;
    let org = facts.org_name;
    let (document_kind, heading, sections) = match facts.kind {
        StepKind::Approved => {
            let mut decision = format!(
                "{} godkänner din ansökan om att bli ombud för {org} (organisationsnummer {}). Från och med i dag är du organisationens ombud i {}s e-tjänst för statsbidrag.",
                agency.name, facts.org_number, agency.name
            );
            if let Some(earlier) = facts.replaced {
                decision.push_str(&format!(
                    "\n\n{earlier}, som tidigare var ombud för {org}, är nu representant för organisationen. Som ombud kan du ta bort representanter."
                ));
            }
            let mut sections = vec![
                LetterSection {
                    heading: "Beslut".into(),
                    body: decision,
                },
                LetterSection {
                    heading: "Vad ombudet gör".into(),
                    body: "Som ombud företräder du organisationen i e-tjänsten. Du kan:\n\n- börja, fylla i och skicka in ansökningar och återrapporter\n- bjuda in och ta bort representanter och uppgiftssamordnare\n- ta bort organisationen ur e-tjänsten".into(),
                },
                LetterSection {
                    heading: "Underlag".into(),
                    body: documents_list(facts.documents),
                },
            ];
            if let Some(note) = facts.message {
                sections.push(LetterSection {
                    heading: "Kommentar".into(),
                    body: note.to_string(),
                });
            }
            (
                "BESLUT".to_string(),
                format!("Beslut om ombud för {org}"),
                sections,
            )
        }
        StepKind::WrittenOff => (
            "BESLUT".to_string(),
            format!(
                "Beslut om avskrivning av ombudsansökan {}",
                request.reference
            ),
            vec![
                LetterSection {
                    heading: "Beslut".into(),
                    body: format!(
                        "{} avskriver din ansökan om att bli ombud för {org} (organisationsnummer {}). Du blir inte organisationens ombud på den här ansökan.",
                        agency.name, facts.org_number
                    ),
                },
                LetterSection {
                    heading: "Skäl för beslutet".into(),
                    body: facts.message.unwrap_or_default().to_string(),
                },
                LetterSection {
                    heading: "Underlag".into(),
                    body: documents_list(facts.documents),
                },
                LetterSection {
                    heading: "Om du vill ansöka igen".into(),
                    body: format!(
                        "Du kan lämna in en ny ombudsansökan i e-tjänsten, med de dokument som visar att du får företräda organisationen: {}",
                        facts.link
                    ),
                },
            ],
        ),
        // A request for a supplement (the steps the person takes have no letter).
        _ => (
            "BEGÄRAN OM KOMPLETTERING".to_string(),
            format!("Komplettering av ombudsansökan {}", request.reference),
            vec![
                LetterSection {
                    heading: "Vad som behöver kompletteras".into(),
                    body: facts.message.unwrap_or_default().to_string(),
                },
                LetterSection {
                    heading: "Så kompletterar du".into(),
                    body: format!(
                        "Logga in i e-tjänsten och öppna ombudsansökan {}: {}\n\nLägg till de dokument som efterfrågas och skriv ett svar. Skicka sedan in ansökan igen. Det du skickade in tidigare finns kvar oförändrat.",
                        request.reference, facts.link
                    ),
                },
                LetterSection {
                    heading: "Underlag hittills".into(),
                    body: documents_list(facts.documents),
                },
            ],
        ),
    };
    Letter {
        agency: agency.name.clone(),
        agency_unit: String::new(),
        document_kind,
        decided_on: crate::clock::stockholm_date(now),
        registration_number: request.reference.clone(),
        recipient_name: person.clone(),
        recipient_org_number: facts.org_number.to_string(),
        heading,
        sections,
        amounts: AmountTable::default(),
        decision_maker: facts.officer.to_string(),
        presenting_officer: String::new(),
        annex: None,
        created_at: now,
        contact: Some(agency.contact()),
    }
}

/// `ombudsansokan-OMB-2026-0001-godkand.pdf`; a request for a supplement carries its round.
pub fn filename(request: &OmbudRequest, kind: StepKind, round: i32) -> String {
    let what = match kind {
        StepKind::Approved => "godkand".to_string(),
        StepKind::WrittenOff => "avskriven".to_string(),
        _ => format!("komplettering-{round}"),
    };
    format!("ombudsansokan-{}-{what}.pdf", request.reference)
}
