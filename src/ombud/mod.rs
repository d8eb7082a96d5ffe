//! Ombudsansökan (issue 14): a person applies to become the ombud of an organisation, the
//! one person who acts for it in the e-service, and proves their mandate with documents.
//! The agency's officer asks for a supplement, approves or writes the request off; each
//! step reaches the person as a letter (PDF) and an e-mail. On approval the person becomes
//! the organisation's ombud (the organisation is entered in the register if it is new), and
//! an earlier ombud becomes a representative and is logged out.
//!
//! This module holds the rules as plain functions (the form, the documents each kind of
//! organisation needs, who may file, read and handle); the use cases are in [`workflow`],
//! the letters in [`letter`] and the e-mails in [`mail`].

pub mod letter;
pub mod mail;
pub mod workflow;

use crate::accounts::Actor;
use crate::applications::workflow::{CheckedFile, Upload, check_attachment};
use crate::codes::{OrgKind, OrgRole, Role};
use crate::error::{AppError, FieldErrors};
use crate::orgnr::OrgNumber;

pub use crate::db::ombud_requests::{
    DocumentKind, FiledMethod, OmbudOrgKind, OmbudRequest, RequestStatus, StepKind,
};

/// The longest organisation name taken.
pub const NAME_MAX: usize = 200;
/// The longest message, reply or reason taken.
pub const MESSAGE_MAX: usize = 4000;
/// The longest phone number taken.
pub const PHONE_MAX: usize = 40;
/// The longest e-mail address taken.
pub const EMAIL_MAX: usize = 254;

/// The form's field names, which are also the ids of their inputs (the error summary links
/// to them).
pub mod field {
    pub const ORG_NUMBER: &str = "org_number";
    pub const ORG_NAME: &str = "org_name";
    pub const ORG_KIND: &str = "org_kind";
    pub const SIGNS: &str = "signs_for_organisation";
    pub const CONTACT_EMAIL: &str = "contact_email";
    pub const CONTACT_PHONE: &str = "contact_phone";
    pub const MESSAGE: &str = "message";
    /// The documents as a whole (none at all attached).
    pub const DOCUMENTS: &str = "documents";
    /// The person's reply to a request for a supplement.
    pub const REPLY: &str = "reply";
    /// Why a request is written off.
    pub const REASON: &str = "reason";
    /// A note with an approval.
    pub const NOTE: &str = "note";
}

/// The file field of each kind of document (one file per kind and round).
pub fn document_field(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Delegation => "doc_delegation",
        DocumentKind::Statutes => "doc_statutes",
        DocumentKind::Minutes => "doc_minutes",
        DocumentKind::Registration => "doc_registration",
        DocumentKind::PowerOfAttorney => "doc_power_of_attorney",
        DocumentKind::Other => "doc_other",
    }
}

/// The kind of document a file field holds.
pub fn document_kind_of_field(name: &str) -> Option<DocumentKind> {
    DocumentKind::ALL
        .iter()
        .copied()
        .find(|k| document_field(*k) == name)
}

/// When a kind of document is needed, in words for the form.
pub fn document_hint(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Delegation => {
            "För en region eller kommun: ett utdrag ur delegationsordningen, eller ett intyg från nämndens eller styrelsens sekreterare, som visar att du får företräda organisationen."
        }
        DocumentKind::Statutes => "För en förening eller stiftelse: de gällande stadgarna.",
        DocumentKind::Minutes => {
            "För en förening eller stiftelse: ett justerat protokoll som visar vem som tecknar organisationens firma."
        }
        DocumentKind::Registration => {
            "För en förening, stiftelse eller annan organisation: ett registreringsbevis."
        }
        DocumentKind::PowerOfAttorney => {
            "Om du inte själv tecknar organisationens firma: en fullmakt, undertecknad av den eller de som gör det."
        }
        DocumentKind::Other => {
            "Annat som styrker att du får företräda organisationen (frivilligt)."
        }
    }
}

/// The documents an organisation of this kind must show, and the power of attorney when the
/// person does not sign for the organisation themselves.
pub fn required_documents(kind: OmbudOrgKind, signs_for_organisation: bool) -> Vec<DocumentKind> {
    let mut needed = match kind {
        OmbudOrgKind::Region | OmbudOrgKind::Municipality => vec![DocumentKind::Delegation],
        OmbudOrgKind::Association | OmbudOrgKind::Foundation => vec![
            DocumentKind::Statutes,
            DocumentKind::Minutes,
            DocumentKind::Registration,
        ],
        OmbudOrgKind::Other => vec![DocumentKind::Registration],
    };
    if !signs_for_organisation {
        needed.push(DocumentKind::PowerOfAttorney);
    }
    needed
}

/// The message beside a document that is missing.
pub fn missing_document_message(kind: DocumentKind, org_kind: OmbudOrgKind) -> String {
    let what = org_kind.label().to_lowercase();
    match kind {
        DocumentKind::Delegation => format!(
            "Bifoga ett utdrag ur delegationsordningen eller ett intyg från sekreteraren som visar att du får företräda {}en.",
            if org_kind == OmbudOrgKind::Region { "region" } else { "kommun" }
        ),
        DocumentKind::Statutes => format!("Bifoga stadgarna för {what}en."),
        DocumentKind::Minutes => format!(
            "Bifoga ett justerat protokoll som visar vem som tecknar {what}ens firma."
        ),
        DocumentKind::Registration => "Bifoga ett registreringsbevis för organisationen.".into(),
        DocumentKind::PowerOfAttorney => "Du har svarat att du inte själv tecknar organisationens firma. Bifoga en fullmakt, undertecknad av den eller de som tecknar firman.".into(),
        DocumentKind::Other => "Bifoga ett dokument.".into(),
    }
}

/// The register's kind for an organisation the person named.
pub fn register_kind(kind: OmbudOrgKind) -> OrgKind {
    match kind {
        OmbudOrgKind::Region => OrgKind::Region,
        OmbudOrgKind::Municipality => OrgKind::Municipality,
        OmbudOrgKind::Association | OmbudOrgKind::Foundation | OmbudOrgKind::Other => {
            OrgKind::Other
        }
    }
}

/// The form as typed: every field as text, so that a refused form comes back as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInput {
    pub org_number: String,
    pub org_name: String,
    pub org_kind: String,
    /// `ja` or `nej`.
    pub signs_for_organisation: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub message: String,
}

/// A form that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub org_number: OrgNumber,
    pub org_name: String,
    pub org_kind: OmbudOrgKind,
    pub signs_for_organisation: bool,
    pub contact_email: String,
    pub contact_phone: String,
    pub message: Option<String>,
}

fn required(
    errors: &mut FieldErrors,
    name: &str,
    value: &str,
    max: usize,
    empty: &str,
    what: &str,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(name, empty);
    } else if value.chars().count() > max {
        errors.add(name, format!("{what} får vara högst {max} tecken."));
    }
    value.to_string()
}

fn optional(errors: &mut FieldErrors, name: &str, value: &str, max: usize, what: &str) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(name, format!("{what} får vara högst {max} tecken."));
    }
    value.to_string()
}

/// The yes or no of "Tecknar du själv organisationens firma?".
fn yes_no(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "ja" | "true" | "yes" => Some(true),
        "nej" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Checks the form against the rules, with the kinds of document attached (each already a
/// readable PDF, see [`check_documents`]); every problem in Swedish beside its field.
pub fn validate_request(
    input: &RequestInput,
    attached: &[DocumentKind],
) -> Result<ValidRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let org_number = OrgNumber::parse(&input.org_number)
        .map_err(|e| errors.add(field::ORG_NUMBER, e.to_string()))
        .ok();
    let org_name = required(
        &mut errors,
        field::ORG_NAME,
        &input.org_name,
        NAME_MAX,
        "Ange organisationens namn, så som det står i registreringsbeviset eller delegationsordningen.",
        "Namnet",
    );
    let org_kind = OmbudOrgKind::parse(input.org_kind.trim());
    if org_kind.is_none() {
        errors.add(
            field::ORG_KIND,
            "Välj vilken sorts organisation det är: region, kommun, förening, stiftelse eller annan organisation.",
        );
    }
    let signs = yes_no(&input.signs_for_organisation);
    if signs.is_none() {
        errors.add(
            field::SIGNS,
            "Svara på om du själv tecknar organisationens firma.",
        );
    }
    let contact_email = required(
        &mut errors,
        field::CONTACT_EMAIL,
        &input.contact_email,
        EMAIL_MAX,
        "Ange en e-postadress som vi kan nå dig på.",
        "E-postadressen",
    );
    if !contact_email.is_empty()
        && contact_email.chars().count() <= EMAIL_MAX
        && !looks_like_email(&contact_email)
    {
        errors.add(
            field::CONTACT_EMAIL,
            "E-postadressen ser inte ut att stämma. Skriv den som namn@exempel.se.",
        );
    }
    let contact_phone = optional(
        &mut errors,
        field::CONTACT_PHONE,
        &input.contact_phone,
        PHONE_MAX,
        "Telefonnumret",
    );
    if !contact_phone.is_empty()
        && !contact_phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
    {
        errors.add(
            field::CONTACT_PHONE,
            "Skriv telefonnumret med siffror, till exempel 070-123 45 67.",
        );
    }
    let message = optional(
        &mut errors,
        field::MESSAGE,
        &input.message,
        MESSAGE_MAX,
        "Meddelandet",
    );
    match (org_kind, signs) {
        (Some(kind), Some(signs)) => {
            for needed in required_documents(kind, signs) {
                if !attached.contains(&needed) {
                    errors.add(
                        document_field(needed),
                        missing_document_message(needed, kind),
                    );
                }
            }
        }
        (None, Some(false)) if !attached.contains(&DocumentKind::PowerOfAttorney) => {
            errors.add(
                document_field(DocumentKind::PowerOfAttorney),
                missing_document_message(DocumentKind::PowerOfAttorney, OmbudOrgKind::Other),
            );
        }
        _ => {}
    }
    if attached.is_empty()
        && errors
            .iter()
            .all(|e| document_kind_of_field(&e.field).is_none())
    {
        errors.add(
            field::DOCUMENTS,
            "Bifoga de dokument som visar att du får företräda organisationen, som PDF.",
        );
    }
    match (org_number, org_kind, signs) {
        (Some(org_number), Some(org_kind), Some(signs)) if errors.is_empty() => Ok(ValidRequest {
            org_number,
            org_name,
            org_kind,
            signs_for_organisation: signs,
            contact_email,
            contact_phone,
            message: Some(message).filter(|m| !m.is_empty()),
        }),
        _ => Err(errors),
    }
}

fn looks_like_email(value: &str) -> bool {
    use validator::ValidateEmail;
    value.validate_email()
}

/// Checks every uploaded file (a readable PDF within the size limit, its name cleaned):
/// the files that passed, by kind, and each refused file's message beside its own field.
pub fn check_documents(
    uploads: &[(DocumentKind, Upload)],
) -> (Vec<(DocumentKind, CheckedFile)>, FieldErrors) {
    let mut checked = Vec::new();
    let mut errors = FieldErrors::new();
    for (kind, upload) in uploads {
        match check_attachment(upload) {
            Ok(file) => checked.push((*kind, file)),
            Err(AppError::Invalid(refused)) => {
                for e in refused.iter() {
                    errors.add(document_field(*kind), e.message.clone());
                }
            }
            Err(_) => errors.add(
                document_field(*kind),
                "Filen kunde inte läsas. Välj den igen.",
            ),
        }
    }
    (checked, errors)
}

/// A supplement's reply, checked.
pub fn validate_reply(reply: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let reply = required(
        &mut errors,
        field::REPLY,
        reply,
        MESSAGE_MAX,
        "Skriv ett svar till handläggaren: vad du kompletterar med.",
        "Svaret",
    );
    if errors.is_empty() {
        Ok(reply)
    } else {
        Err(errors)
    }
}

/// What the officer asks for, checked.
pub fn validate_supplement_message(message: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let message = required(
        &mut errors,
        field::MESSAGE,
        message,
        MESSAGE_MAX,
        "Skriv vad som behöver kompletteras.",
        "Meddelandet",
    );
    if errors.is_empty() {
        Ok(message)
    } else {
        Err(errors)
    }
}

/// Why a request is written off, checked.
pub fn validate_reason(reason: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = required(
        &mut errors,
        field::REASON,
        reason,
        MESSAGE_MAX,
        "Skriv skälet till att ansökan avskrivs. Det står i beslutsbrevet.",
        "Skälet",
    );
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(errors)
    }
}

/// The organisation as the officer confirms it on approval, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalInput {
    pub org_number: String,
    pub org_name: String,
    pub org_kind: String,
    pub note: String,
}

/// The confirmed organisation of an approval, for one not yet in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedOrganisation {
    pub org_number: OrgNumber,
    pub org_name: String,
    pub org_kind: OmbudOrgKind,
}

/// Checks the organisation the officer confirms: a valid number, a name and a kind.
pub fn validate_confirmation(input: &ApprovalInput) -> Result<ConfirmedOrganisation, FieldErrors> {
    let mut errors = FieldErrors::new();
    let org_number = OrgNumber::parse(&input.org_number)
        .map_err(|e| errors.add(field::ORG_NUMBER, e.to_string()))
        .ok();
    let org_name = required(
        &mut errors,
        field::ORG_NAME,
        &input.org_name,
        NAME_MAX,
        "Ange organisationens namn.",
        "Namnet",
    );
    let org_kind = OmbudOrgKind::parse(input.org_kind.trim());
    if org_kind.is_none() {
        errors.add(field::ORG_KIND, "Välj vilken sorts organisation det är.");
    }
    optional(
        &mut errors,
        field::NOTE,
        &input.note,
        MESSAGE_MAX,
        "Kommentaren",
    );
    match (org_number, org_kind) {
        (Some(org_number), Some(org_kind)) if errors.is_empty() => Ok(ConfirmedOrganisation {
            org_number,
            org_name,
            org_kind,
        }),
        _ => Err(errors),
    }
}

/// Why the person may not file an ombudsansökan for the organisation with this number, in
/// words for them; `None` when they may. `acting_for` is the organisation they already act
/// for (its number and name), if any.
pub fn filing_refusal(
    actor: &Actor,
    acting_for: Option<(&str, &str)>,
    org_number: Option<&OrgNumber>,
) -> Option<String> {
    if actor.role != Role::Applicant {
        return Some(
            "Myndighetens personal kan inte ansöka om att bli ombud för en organisation.".into(),
        );
    }
    let (number, name) = acting_for?;
    let same = org_number.is_some_and(|n| n.as_str() == number);
    if !same {
        return Some(format!(
            "Du företräder redan {name} i e-tjänsten, och ett konto kan bara företräda en organisation. För att bli ombud för en annan organisation behöver du först lämna {name}: be dess ombud ta bort dig."
        ));
    }
    (actor.org_role == Some(OrgRole::Ombud)).then(|| format!("Du är redan ombud för {name}."))
}

/// Who may read a request: the person who filed it, and the agency's officers, decision
/// makers and auditors.
pub fn may_read(actor: &Actor, request: &OmbudRequest) -> bool {
    request.user_id == actor.user_id || is_agency_reader(actor)
}

/// The agency's people who see every request (the queue): officers, decision makers and
/// auditors. The administrator manages accounts, not requests.
pub fn is_agency_reader(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Officer | Role::DecisionMaker | Role::Auditor
    )
}

/// Who may handle a request (ask for a supplement, approve, write off): an officer, never
/// on their own request.
pub fn may_handle(actor: &Actor, request: &OmbudRequest) -> bool {
    actor.role == Role::Officer && request.user_id != actor.user_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, signs: &str) -> RequestInput {
        RequestInput {
            org_number: "212000-0803".into(),
            org_name: "Gotlands kommun".into(),
            org_kind: kind.into(),
            signs_for_organisation: signs.into(),
            contact_email: "maria@example.org".into(),
            contact_phone: "070-123 45 67".into(),
            message: String::new(),
        }
    }

    #[test]
    fn each_kind_of_organisation_needs_its_documents() {
        assert_eq!(
            required_documents(OmbudOrgKind::Municipality, true),
            vec![DocumentKind::Delegation]
        );
        assert_eq!(
            required_documents(OmbudOrgKind::Association, false),
            vec![
                DocumentKind::Statutes,
                DocumentKind::Minutes,
                DocumentKind::Registration,
                DocumentKind::PowerOfAttorney
            ]
        );
        let ok = validate_request(&input("municipality", "ja"), &[DocumentKind::Delegation]);
        assert!(ok.is_ok());
        let errors = validate_request(&input("municipality", "nej"), &[DocumentKind::Delegation])
            .err()
            .unwrap_or_default();
        assert!(
            errors
                .get("doc_power_of_attorney")
                .is_some_and(|m| m.contains("fullmakt"))
        );
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let mut bad = input("", "");
        bad.org_number = "212000-0804".into();
        bad.org_name = " ".into();
        bad.contact_email = "inte en adress".into();
        let errors = validate_request(&bad, &[]).err().unwrap_or_default();
        for name in [
            field::ORG_NUMBER,
            field::ORG_NAME,
            field::ORG_KIND,
            field::SIGNS,
            field::CONTACT_EMAIL,
            field::DOCUMENTS,
        ] {
            assert!(errors.get(name).is_some(), "{name}: {errors:?}");
        }
        assert!(
            errors
                .get(field::ORG_NUMBER)
                .is_some_and(|m| m.contains("kontrollsiffran"))
        );
    }

    #[test]
    fn fields_and_kinds_name_each_other() {
        for kind in DocumentKind::ALL {
            assert_eq!(document_kind_of_field(document_field(*kind)), Some(*kind));
        }
        assert_eq!(document_kind_of_field("file"), None);
    }
}
