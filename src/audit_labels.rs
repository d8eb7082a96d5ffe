//! The Swedish words for the audit trail's codes: what happened (`auth.login` is
//! "Inloggning"), who (`decision_maker` is "Beslutsfattare") and to what (`application` is
//! "Ansökan"). The codes stay what is stored, filtered on and exported; people read these.
//! An entry written under a code this table does not know (an older release's) shows its
//! code instead of a label, so the trail never hides an entry.

use crate::codes::Role;

/// Every action code the service writes, with its label, in the order the filter lists
/// them (by area, roughly in the order a grant moves through them). A test reads the
/// source for every `mod action` and fails when a code is missing here.
pub const ACTIONS: &[(&str, &str)] = {
    use crate::assessment::action as assessment;
    use crate::audit::action as audit;
    use crate::change_requests::action as change;
    use crate::payments::action as payment;
    use crate::redistribution::action as round;
    use crate::reports::workflow::action as report;
    &[
        (audit::LOGIN, "Inloggning"),
        (audit::LOGIN_FAILED, "Misslyckad inloggning"),
        (
            audit::LOGIN_THROTTLED,
            "Inloggning spärrad efter fel lösenord",
        ),
        (
            audit::LOGIN_FAILURES_SUMMARISED,
            "Misslyckade inloggningar, sammanräknade",
        ),
        (audit::LOGOUT, "Utloggning"),
        (
            audit::EID_LOGIN_REFUSED,
            "Inloggning med e-legitimation nekad",
        ),
        (
            audit::EID_VERIFICATION_FAILED,
            "Svar från e-legitimation underkänt",
        ),
        (audit::EID_SIGNED, "Underskrift med e-legitimation"),
        (
            audit::EID_SIGNATURE_REFUSED,
            "Underskrift med e-legitimation nekad",
        ),
        (audit::ACCESS_DENIED, "Nekad åtkomst"),
        (audit::ACCOUNT_CREATED, "Konto skapat"),
        (audit::ACCOUNT_INVITED, "Inbjudan skickad"),
        (audit::ACCOUNT_PASSWORD_SET, "Lösenord valt"),
        (audit::ACCOUNT_PASSWORD_CHANGED, "Lösenord bytt"),
        (
            audit::ACCOUNT_PASSWORD_CHANGE_REFUSED,
            "Lösenordsbyte nekat",
        ),
        (audit::ACCOUNT_RESET_REQUESTED, "Nytt lösenord begärt"),
        (audit::ACCOUNT_PASSWORD_RESET, "Lösenord återställt"),
        (audit::ACCOUNT_DEACTIVATED, "Konto inaktiverat"),
        (audit::ACCOUNT_REACTIVATED, "Konto aktiverat igen"),
        (audit::ORGANISATION_CREATED, "Organisation skapad"),
        (audit::MEMBER_ADDED, "Person tillagd i organisation"),
        (audit::MEMBER_REMOVED, "Person borttagen ur organisation"),
        (
            audit::ACCOUNT_INVITATION_ACCEPTED_EID,
            "Inbjudan mottagen med e-legitimation",
        ),
        (
            audit::ORGANISATION_REMOVED,
            "Organisation borttagen ur e-tjänsten",
        ),
        (audit::PROGRAMME_CREATED, "Bidragsprogram skapat"),
        (audit::CALL_CREATED, "Utlysning skapad"),
        (audit::CALL_UPDATED, "Utkast till utlysning ändrat"),
        (audit::CALL_PUBLISHED, "Utlysning publicerad"),
        (audit::CALL_CLOSED, "Utlysning stängd"),
        (audit::CALL_AMENDED, "Publicerad utlysning ändrad"),
        (audit::APPLICATION_CREATED, "Ansökan påbörjad"),
        (audit::APPLICATION_DRAFT_SAVED, "Utkast till ansökan sparat"),
        (audit::APPLICATION_VERSION_CREATED, "Ny version av ansökan"),
        (audit::APPLICATION_SUBMITTED, "Ansökan inskickad"),
        (audit::ATTACHMENT_ADDED, "Bilaga tillagd"),
        (audit::ATTACHMENT_REMOVED, "Bilaga borttagen"),
        (audit::SUPPLEMENT_REQUESTED, "Komplettering begärd"),
        (audit::SUPPLEMENT_ANSWERED, "Komplettering besvarad"),
        (audit::APPLICATION_COMPLETE, "Ansökan komplett"),
        (audit::CASE_OFFICER_SET, "Handläggare för ärendet ändrad"),
        (change::CREATED, "Ändringsansökan påbörjad"),
        (change::DRAFT_SAVED, "Utkast till ändringsansökan sparat"),
        (change::SUBMITTED, "Ändringsansökan inskickad"),
        (change::ANSWERED, "Ändringsansökan besvarad"),
        (
            change::SUPPLEMENT_REQUESTED,
            "Komplettering av ändringsansökan begärd",
        ),
        (
            change::SUPPLEMENT_ANSWERED,
            "Komplettering av ändringsansökan besvarad",
        ),
        (audit::MESSAGE_SENT, "Meddelande i ärendet skickat"),
        (audit::MESSAGES_READ, "Meddelanden i ärendet lästa"),
        (assessment::CONFLICT_DECLARED, "Jäv anmält"),
        (assessment::ASSESSED, "Bedömning sparad"),
        (assessment::PROPOSED, "Förslag till beslut"),
        (audit::DECISION_CREATED, "Beslut berett"),
        (audit::DECISION_SIGNED, "Beslut fattat"),
        (payment::PLANNED, "Utbetalningar planerade"),
        (payment::PAID, "Utbetalning gjord"),
        (round::OPENED, "Omfördelning öppnad"),
        (round::CLOSED, "Omfördelning stängd"),
        (report::CREATED, "Återrapportering påbörjad"),
        (report::DRAFT_SAVED, "Utkast till återrapportering sparat"),
        (report::SUBMITTED, "Återrapportering inlämnad"),
        (
            report::SUPPLEMENT_REQUESTED,
            "Komplettering av återrapportering begärd",
        ),
        (report::VERSION_CREATED, "Ny version av återrapportering"),
        (report::APPROVED, "Återrapportering godkänd"),
        (report::REMINDER_SENT, "Påminnelse om återrapportering"),
        // Issue 16: the mail log and the notifications.
        (crate::mail_log::action::MAIL_RESENT, "E-post skickad igen"),
        (
            crate::notifications::action::DIGEST_SENT,
            "Daglig sammanställning skickad",
        ),
        (
            crate::notifications::action::DRAFT_REMINDER_SENT,
            "Påminnelse om ej inskickad ansökan",
        ),
        (
            crate::notifications::action::REPORT_OPEN_SENT,
            "Avisering: återrapporteringen har öppnat",
        ),
        (
            crate::notifications::action::REPAYMENT_REMINDER_SENT,
            "Påminnelse om obetald återbetalning",
        ),
        (report::RULES_CHANGED, "Regler för återrapportering ändrade"),
        (report::CLAIM_CREATED, "Krav på återbetalning"),
        (report::CLAIM_RECEIVED, "Återbetalning mottagen"),
        // Ombudsansökan (issue 14)
        (audit::OMBUD_REQUEST_SUBMITTED, "Ombudsansökan inskickad"),
        (
            audit::OMBUD_REQUEST_SUPPLEMENT_REQUESTED,
            "Komplettering av ombudsansökan begärd",
        ),
        (
            audit::OMBUD_REQUEST_SUPPLEMENTED,
            "Ombudsansökan kompletterad",
        ),
        (audit::OMBUD_REQUEST_APPROVED, "Ombudsansökan godkänd"),
        (audit::OMBUD_REQUEST_WRITTEN_OFF, "Ombudsansökan avskriven"),
        (audit::OMBUD_REPLACED, "Ombud ersatt av nytt ombud"),
        (audit::FIXTURES_LOADED, "Fixturer inlästa"),
        // Written by `statsbidrag generate` (load-test data), as a literal there.
        ("fixtures.generated", "Testdata genererad"),
    ]
};

/// The kinds of object entries are about (`entity_type`), with their labels.
pub const ENTITIES: &[(&str, &str)] = &[
    ("application", "Ansökan"),
    ("decision", "Beslut"),
    ("call", "Utlysning"),
    ("redistribution_round", "Omfördelning"),
    ("report", "Återrapportering"),
    ("reports", "Återrapporteringar"),
    ("repayment_claim", "Återbetalningskrav"),
    ("payment", "Utbetalning"),
    ("payments", "Utbetalningar"),
    ("organisation", "Organisation"),
    ("ombud_request", "Ombudsansökan"),
    ("change_request", "Ändringsansökan"),
    ("user", "Konto"),
    ("programme", "Bidragsprogram"),
    ("audit_trail", "Granskningslogg"),
    ("client_address", "Klientens adress"),
    ("fixtures", "Fixturer"),
];

/// The action's label, if the code is one this release writes.
pub fn action_label(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label, or the code itself for a code this release does not know.
pub fn action_or_code(code: &str) -> &str {
    action_label(code).unwrap_or(code)
}

/// The role's Swedish name (the one the rest of the service uses), or the stored code.
pub fn role_or_code(code: &str) -> &str {
    Role::parse(code).map(Role::label).unwrap_or(code)
}

/// The object kind's label, or the stored code.
pub fn entity_or_code(code: &str) -> &str {
    ENTITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every string constant declared in a `mod action { … }` block of a source file, and
    /// every code written as a literal (`action: "fixtures.generated".into()`).
    fn codes_in_source(source: &str) -> Vec<String> {
        let mut codes: Vec<String> = source
            .lines()
            .filter_map(|line| line.split_once("action: \"").map(|(_, rest)| rest))
            .filter_map(|rest| rest.split('"').next())
            .filter(|code| code.contains('.') && !code.contains(' '))
            .map(str::to_string)
            .collect();
        let mut rest = source;
        while let Some(start) = rest.find("mod action {") {
            let block = &rest[start..];
            let end = block.find("\n}").unwrap_or(block.len());
            for line in block[..end].lines() {
                let line = line.trim();
                if (line.starts_with("pub const") || line.starts_with("const"))
                    && let Some(code) = line.split('"').nth(1)
                {
                    codes.push(code.to_string());
                }
            }
            rest = &block[end..];
        }
        codes
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Read from the source rather than listed by hand: a code added to any `action`
    /// module without a label here fails this test.
    #[test]
    fn every_action_code_in_the_source_has_a_swedish_label() {
        let mut files = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut found = Vec::new();
        // This file's own text holds the patterns searched for.
        files.retain(|f| !f.ends_with("audit_labels.rs"));
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap_or_default();
            for code in codes_in_source(&source) {
                found.push((file.display().to_string(), code));
            }
        }
        assert!(
            found.len() >= 50,
            "the action modules were not found: {found:?}"
        );
        let missing: Vec<_> = found
            .iter()
            .filter(|(_, code)| action_label(code).is_none())
            .collect();
        assert!(missing.is_empty(), "codes without a label: {missing:?}");
    }

    #[test]
    fn labels_are_swedish_and_unknown_codes_show_as_themselves() {
        assert_eq!(action_or_code("auth.login"), "Inloggning");
        assert_eq!(action_or_code("access.denied"), "Nekad åtkomst");
        assert_eq!(action_or_code("decision.signed"), "Beslut fattat");
        assert_eq!(action_or_code("old.code"), "old.code");
        assert_eq!(role_or_code("decision_maker"), "Beslutsfattare");
        assert_eq!(role_or_code("auditor"), "Revisor");
        assert_eq!(role_or_code("robot"), "robot");
        assert_eq!(entity_or_code("application"), "Ansökan");
        assert_eq!(entity_or_code("thing"), "thing");
    }

    #[test]
    fn no_code_or_label_is_listed_twice() {
        let mut codes: Vec<_> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len());
        // Two codes under one label could not be told apart in the filter.
        let mut labels: Vec<_> = ACTIONS.iter().map(|(_, l)| *l).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), ACTIONS.len());
    }
}
