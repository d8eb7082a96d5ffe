//! One-shot confirmations after a form was sent: the handler that took the POST sets one
//! before redirecting (POST/redirect/GET), and the next page shows it once, in the
//! `role="status"` region at the top of the main content (`templates/base.html`).
//!
//! The session holds only a code from the closed set below, never a text: nothing a person
//! typed can travel through it, and the Swedish wording lives in one place. The JSON API
//! neither sets nor reads it; its answers are the confirmation.

use actix_session::Session;

const SESSION_FLASH: &str = "flash";

macro_rules! flashes {
    ($($variant:ident => $code:literal, $message:literal;)+) => {
        /// What was just done, as the next page confirms it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Flash {
            $($variant,)+
        }

        impl Flash {
            pub const ALL: &'static [Flash] = &[$(Flash::$variant,)+];

            fn code(self) -> &'static str {
                match self { $(Flash::$variant => $code,)+ }
            }

            fn parse(code: &str) -> Option<Flash> {
                match code { $($code => Some(Flash::$variant),)+ _ => None }
            }

            /// The Swedish sentence people read.
            pub fn message(self) -> &'static str {
                match self { $(Flash::$variant => $message,)+ }
            }
        }
    };
}

flashes! {
    // The case: officers and decision makers.
    SupplementRequested => "supplement_requested", "Kompletteringen är begärd.";
    MarkedComplete => "marked_complete", "Ansökan är markerad som komplett.";
    ConflictDeclared => "conflict_declared", "Jävet är anmält. Du bedömer och beslutar inte i ärendet.";
    AssessmentSaved => "assessment_saved", "Bedömningen är sparad.";
    ProposalSaved => "proposal_saved", "Förslaget är sparat.";
    DecisionPrepared => "decision_prepared", "Beslutet är berett. En beslutsfattare kan nu fatta det.";
    DecisionSigned => "decision_signed", "Beslutet är fattat. Beslutsbrevet är skapat.";
    ChangePrepared => "change_prepared", "Ändringsbeslutet är berett. En beslutsfattare kan nu fatta det.";
    ReclaimReceived => "reclaim_received", "Inbetalningen är registrerad.";
    // Calls, payments and rounds.
    CallCreated => "call_created", "Utlysningen är sparad som utkast.";
    CallSaved => "call_saved", "Ändringarna i utlysningen är sparade.";
    CallPublished => "call_published", "Utlysningen är publicerad.";
    CallClosed => "call_closed", "Utlysningen är stängd.";
    CallCopied => "call_copied", "Utlysningen är kopierad. Kopian är ett utkast som du kan ändra innan den publiceras.";
    PaymentsMarked => "payments_marked", "Utbetalningarna är markerade som utbetalda.";
    RoundOpened => "round_opened", "Omfördelningen är öppnad.";
    RoundClosed => "round_closed", "Omfördelningen är stängd.";
    // The form editor (issue 15): each change is saved as a new version of the form.
    FormFieldAdded => "form_field_added", "Frågan är tillagd i formuläret.";
    FormFieldSaved => "form_field_saved", "Frågan är sparad.";
    FormFieldMoved => "form_field_moved", "Frågan är flyttad.";
    FormFieldRemoved => "form_field_removed", "Frågan är borttagen ur formuläret.";
    FormCopied => "form_copied", "Formuläret är kopierat. Gå igenom frågorna innan utlysningen publiceras.";
    FormImported => "form_imported", "Formuläret är importerat. Gå igenom frågorna innan utlysningen publiceras.";
    // Report-back: officers.
    ReportSupplementRequested => "report_supplement_requested", "Kompletteringen är begärd.";
    ReportApproved => "report_approved", "Återrapporteringen är godkänd.";
    RepaymentReceived => "repayment_received", "Återbetalningen är registrerad.";
    // Applicants.
    ApplicationStarted => "application_started", "Ansökan är påbörjad. Allt sparas som utkast tills ni skickar in.";
    SupplementAnswerStarted => "supplement_answer_started", "En ny version av ansökan är öppnad för ert svar på kompletteringen.";
    AttachmentRemoved => "attachment_removed", "Bilagan är borttagen.";
    TopUpSubmitted => "top_up_submitted", "Ansökan om ytterligare medel har kommit in.";
    ReportStarted => "report_started", "Återrapporteringen är påbörjad. Allt sparas som utkast tills den lämnas in.";
    ReportSupplementAnswerStarted => "report_supplement_answer_started", "En ny version av återrapporteringen är öppnad för ert svar på kompletteringen.";
}

/// Leaves a confirmation for the next page. A session that cannot take it costs the
/// message, not the work already done: the request still succeeds.
pub fn set(session: &Session, flash: Flash) {
    if let Err(e) = session.insert(SESSION_FLASH, flash.code()) {
        tracing::warn!(error = %e, "flash message not kept");
    }
}

/// The confirmation waiting for this page, removed so that a reload does not show it again.
pub fn take(session: &Session) -> Option<Flash> {
    // Looked up before removing: `Session::remove` marks the session changed even when the
    // key is absent, which would write the session back on every page.
    let code = session.get::<String>(SESSION_FLASH).ok().flatten()?;
    session.remove(SESSION_FLASH);
    Flash::parse(&code)
}

#[cfg(test)]
mod tests {
    use super::Flash;

    #[test]
    fn every_code_reads_back_and_is_unique() {
        for flash in Flash::ALL {
            assert_eq!(Flash::parse(flash.code()), Some(*flash));
            assert!(!flash.message().is_empty());
        }
        let mut codes: Vec<&str> = Flash::ALL.iter().map(|f| f.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Flash::ALL.len());
        assert_eq!(Flash::parse("<script>"), None);
    }
}
