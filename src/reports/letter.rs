//! The repayment claim's letter: what is to be paid back, why, how and by when, laid out by
//! `letters::render` like every letter of the agency. Made once, when the report is
//! approved, and served unchanged ever after.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::calls::CallDefinition;
use crate::db::decisions::Decision;
use crate::db::organisations::Organisation;
use crate::db::reports::RepaymentClaim;
use crate::letters::{AmountTable, Letter, LetterSection};

use super::Money;

/// The letter for a repayment claim made at approval. `officer` approved the report and
/// decides the claim under the grant decision's conditions.
#[allow(clippy::too_many_arguments)]
pub fn build(
    def: &CallDefinition,
    decision: &Decision,
    organisation: &Organisation,
    claim: &RepaymentClaim,
    money: Money,
    officer: &str,
    decided_on: NaiveDate,
    now: DateTime<Utc>,
) -> Letter {
    let agency = def.programme.agency_name.clone();
    let year = claim.year;
    let sections = vec![
        LetterSection {
            heading: "Beslut".into(),
            body: format!(
                "{agency} beslutar att {} ska betala tillbaka {} av statsbidraget för {year} ({}), enligt tabellen nedan.",
                organisation.name, claim.amount_ore, def.call.title
            ),
        },
        LetterSection {
            heading: "Skäl för beslutet".into(),
            body: format!(
                "Enligt villkoren i beslut {} ska medel som inte har använts för ändamålet under bidragsåret betalas tillbaka. {} har i sin återrapportering för {year} redovisat följande, som {agency} har godkänt:\n\n- Mottaget för {year}: {}\n- Använt: {}\n- Oanvänt: {}",
                decision.registration_number,
                organisation.name,
                money.received,
                money.used,
                money.unused()
            ),
        },
        LetterSection {
            heading: "Så betalar ni".into(),
            body: format!(
                "- Belopp: {}\n- Betalningsreferens: {}\n- Betala senast: {}\n\nAnge betalningsreferensen när ni betalar, så att betalningen kan kopplas till ärendet. Kontakta {agency} om ni har frågor om återbetalningen och ange då diarienumret {}.",
                claim.amount_ore,
                claim.payment_reference,
                claim.due_on,
                decision.registration_number
            ),
        },
        LetterSection {
            heading: "Rättslig grund".into(),
            body: def.programme.legal_basis.clone(),
        },
        LetterSection {
            heading: "Hur man överklagar".into(),
            body: def.programme.appeal_text.clone(),
        },
    ];
    Letter {
        agency,
        agency_unit: def.programme.agency_unit.clone(),
        document_kind: "BESLUT OM ÅTERBETALNING".into(),
        decided_on,
        registration_number: decision.registration_number.clone(),
        recipient_name: organisation.name.clone(),
        recipient_org_number: organisation.org_number.clone(),
        heading: format!(
            "Återbetalning av outnyttjat statsbidrag för {year} – {}",
            def.call.title
        ),
        sections,
        amounts: AmountTable::single("Belopp", &[(year, claim.amount_ore)]),
        decision_maker: officer.to_string(),
        // The officer who approved the report decides the claim alone: no one presents it.
        presenting_officer: String::new(),
        annex: None,
        created_at: now,
        // From now on every letter names who to ask; letters signed before keep their words.
        contact: Some(crate::agency::of_programme(&def.programme)),
    }
}

/// `aterbetalning-SB-2020-0001-2021.pdf`.
pub fn filename(claim: &RepaymentClaim) -> String {
    format!("aterbetalning-{}.pdf", claim.payment_reference)
}
