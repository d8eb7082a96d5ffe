//! The use cases of an ombudsansökan, each in one transaction with its audit entry, its
//! e-mail and (for the officer's steps) its letter: the person files and supplements; the
//! officer asks for a supplement, approves or writes off. Refusals are checked and recorded
//! before the transaction, so that they stay on record.

use chrono::{DateTime, Datelike, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::letter::{self, LetterFacts};
use super::mail::{self, Facts};
use super::{
    ApprovalInput, DocumentKind, FiledMethod, MESSAGE_MAX, OmbudOrgKind, OmbudRequest,
    RequestInput, RequestStatus, StepKind, check_documents, field, filing_refusal,
    is_agency_reader, may_handle, may_read, register_kind, validate_confirmation, validate_reason,
    validate_reply, validate_request, validate_supplement_message,
};
use crate::accounts::Actor;
use crate::accounts::credentials::end_sessions;
use crate::accounts::links::MailContext;
use crate::applications::workflow::{CheckedFile, Upload};
use crate::audit::{self, action};
use crate::codes::{NumberStatus, OrgKind, OrgRole, Role};
use crate::db::accounts::{self as users, User};
use crate::db::ombud_requests::{
    self as store, DocumentInfo, LetterInfo, OmbudDocument, OmbudLetter, OmbudStep,
};
use crate::db::organisations::{self as organisations, Organisation};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};

/// What the audit trail calls a request.
const ENTITY: &str = "ombud_request";

/// Said to a person who logged in with a password where the service has e-legitimation.
pub const EID_REQUIRED: &str = "Logga in med e-legitimation för att ansöka om att bli ombud. Då vet myndigheten säkert vem som ansöker.";

/// How the person filing logged in, and whether the service asks for e-legitimation (it
/// does when it has an identity provider configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filer {
    pub method: FiledMethod,
    /// The provider's assurance level, for e-legitimation.
    pub loa: Option<String>,
    pub eid_required: bool,
}

/// The address of a request's page for the person, in e-mail.
pub fn link(mail: &MailContext, request_id: &str) -> String {
    format!("{}/ombudsansokan/{request_id}", mail.links.base)
}

/// The form for a new request, as it stands for this person.
#[derive(Debug, Clone)]
pub enum NewForm {
    /// The form, filled in with what is known (the organisation they act for already, if
    /// any, as a representative or uppgiftssamordnare).
    Ready {
        prefill: RequestInput,
        acting_for: Option<(Organisation, OrgRole)>,
    },
    /// They have a request that is being handled: one at a time.
    Open(OmbudRequest),
    /// They may not file now; why, in words for them.
    Blocked(String),
}

fn acting_for(conn: &mut DbConnection, actor: &Actor) -> Result<Option<Organisation>, AppError> {
    match &actor.organisation_id {
        Some(id) => Ok(organisations::find(conn, id)?),
        None => Ok(None),
    }
}

fn deny(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Option<&str>,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record_denied(conn, actor, now, ENTITY, id, what)?;
    Ok(())
}

/// The kind the form starts from for an organisation in the register.
fn ombud_kind_of(kind: OrgKind) -> OmbudOrgKind {
    match kind {
        OrgKind::Region => OmbudOrgKind::Region,
        OrgKind::Municipality => OmbudOrgKind::Municipality,
        OrgKind::Agency | OrgKind::Other => OmbudOrgKind::Other,
    }
}

/// The form for a new request. The agency's staff are refused (and recorded).
pub fn new_form(
    conn: &mut DbConnection,
    actor: &Actor,
    filer: &Filer,
    now: DateTime<Utc>,
) -> Result<NewForm, AppError> {
    if actor.role != Role::Applicant {
        deny(conn, actor, None, "lämna in en ombudsansökan", now)?;
        return Err(AppError::Refused(
            filing_refusal(actor, None, None).unwrap_or_default(),
        ));
    }
    if filer.eid_required && filer.method != FiledMethod::ELegitimation {
        return Ok(NewForm::Blocked(EID_REQUIRED.to_string()));
    }
    if let Some(open) = store::open_of_user(conn, &actor.user_id)? {
        return Ok(NewForm::Open(open));
    }
    let organisation = acting_for(conn, actor)?;
    if let (Some(o), Some(OrgRole::Ombud)) = (&organisation, actor.org_role) {
        return Ok(NewForm::Blocked(format!(
            "Du är redan ombud för {}.",
            o.name
        )));
    }
    let mut prefill = RequestInput {
        contact_email: actor.email.clone(),
        signs_for_organisation: String::new(),
        ..RequestInput::default()
    };
    if let Some(o) = &organisation {
        prefill.org_number = o.org_number.clone();
        prefill.org_name = o.name.clone();
        prefill.org_kind = ombud_kind_of(o.kind).as_str().to_string();
    }
    Ok(NewForm::Ready {
        prefill,
        acting_for: organisation.zip(actor.org_role),
    })
}

/// Adds the rules' messages to the files' own, leaving out a "missing" message for a field
/// whose file was refused (its own message already says what is wrong).
fn merge(errors: &mut FieldErrors, more: FieldErrors) {
    for e in more.into_vec() {
        if errors.get(&e.field).is_none() {
            errors.add(e.field, e.message);
        }
    }
}

fn documents_of_round(
    request_id: &str,
    round: i32,
    files: Vec<(DocumentKind, CheckedFile)>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Vec<OmbudDocument> {
    files
        .into_iter()
        .map(|(kind, file)| OmbudDocument {
            id: db::new_id(),
            request_id: request_id.to_string(),
            round,
            kind,
            sha256: hex::encode(Sha256::digest(&file.bytes)),
            size_bytes: file.bytes.len() as i64,
            filename: file.name,
            content_type: "application/pdf".into(),
            content: file.bytes,
            uploaded_at: now.naive_utc(),
            uploaded_by: actor.user_id.clone(),
        })
        .collect()
}

fn documents_json(documents: &[OmbudDocument]) -> serde_json::Value {
    documents
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "kind": d.kind.as_str(),
                "filename": d.filename,
                "sha256": d.sha256,
                "size_bytes": d.size_bytes,
            })
        })
        .collect()
}

fn facts<'a>(
    mail: &'a MailContext,
    name: &'a str,
    request: &'a OmbudRequest,
    organisation: (&'a str, &'a str),
    at: &'a str,
    link: &'a str,
) -> Facts<'a> {
    Facts {
        agency: &mail.agency,
        name,
        reference: &request.reference,
        organisation: organisation.0,
        org_number: organisation.1,
        at,
        link,
        contact: &mail.contact,
    }
}

/// Files a request: the form and its documents, checked; stored with its first step and a
/// receipt e-mail. Nothing is stored when anything is refused.
pub fn file(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &RequestInput,
    uploads: &[(DocumentKind, Upload)],
    filer: &Filer,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    if actor.role != Role::Applicant {
        deny(conn, actor, None, "lämna in en ombudsansökan", now)?;
        return Err(AppError::Refused(
            filing_refusal(actor, None, None).unwrap_or_default(),
        ));
    }
    if filer.eid_required && filer.method != FiledMethod::ELegitimation {
        deny(
            conn,
            actor,
            None,
            "lämna in en ombudsansökan utan e-legitimation",
            now,
        )?;
        return Err(AppError::Refused(EID_REQUIRED.to_string()));
    }
    // Reading the PDFs takes a moment: done before any lock is taken.
    let (files, mut errors) = check_documents(uploads);
    let attached: Vec<DocumentKind> = files.iter().map(|(kind, _)| *kind).collect();
    let valid = match validate_request(input, &attached) {
        Ok(valid) => Some(valid),
        Err(more) => {
            merge(&mut errors, more);
            None
        }
    };
    let valid = match valid {
        Some(valid) if errors.is_empty() => valid,
        _ => return Err(AppError::Invalid(errors)),
    };
    let organisation = acting_for(conn, actor)?;
    if let Some(reason) = filing_refusal(
        actor,
        organisation
            .as_ref()
            .map(|o| (o.org_number.as_str(), o.name.as_str())),
        Some(&valid.org_number),
    ) {
        deny(
            conn,
            actor,
            None,
            &format!(
                "lämna in en ombudsansökan för {} ({})",
                valid.org_name, valid.org_number
            ),
            now,
        )?;
        return Err(AppError::Refused(reason));
    }
    if let Some(open) = store::open_of_user(conn, &actor.user_id)? {
        return Err(AppError::Conflict(format!(
            "Du har redan en ombudsansökan som handläggs ({}). Du kan ha en ansökan i taget: vänta tills den är avgjord, eller komplettera den om handläggaren ber om det.",
            open.reference
        )));
    }
    let registered = organisations::find_by_number(conn, valid.org_number.as_str())?;
    db::write_tx(conn, |conn| {
        let year = crate::clock::stockholm_date(now).year();
        let number = store::next_in_sequence(conn, year)?;
        let request = OmbudRequest {
            id: db::new_id(),
            reference: format!("OMB-{year}-{number:04}"),
            user_id: actor.user_id.clone(),
            applicant_name: actor.name.clone(),
            applicant_email: actor.email.clone(),
            org_number: valid.org_number.to_string(),
            org_name: valid.org_name.clone(),
            org_kind: valid.org_kind,
            organisation_id: registered.as_ref().map(|o| o.id.clone()),
            signs_for_organisation: valid.signs_for_organisation,
            contact_email: valid.contact_email.clone(),
            contact_phone: valid.contact_phone.clone(),
            filed_method: filer.method,
            filed_loa: filer.loa.clone(),
            status: RequestStatus::Submitted,
            submitted_at: now.naive_utc(),
            last_submitted_at: now.naive_utc(),
            decided_at: None,
            decided_by: None,
        };
        store::insert(conn, &request)?;
        store::insert_step(
            conn,
            &OmbudStep {
                id: db::new_id(),
                request_id: request.id.clone(),
                round: 1,
                kind: StepKind::Submitted,
                message: valid.message.clone(),
                org_number: None,
                org_name: None,
                org_kind: None,
                actor_user_id: actor.user_id.clone(),
                actor_name: actor.name.clone(),
                at: now.naive_utc(),
            },
        )?;
        let documents = documents_of_round(&request.id, 1, files, actor, now);
        for document in &documents {
            store::insert_document(conn, document)?;
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OMBUD_REQUEST_SUBMITTED,
                entity_type: ENTITY,
                entity_id: Some(&request.id),
                summary: format!(
                    "{} ({}) ansökte om att bli ombud för {} ({}), {}, med {} dokument; inloggad med {}",
                    actor.name,
                    actor.email,
                    request.org_name,
                    request.org_number,
                    request.reference,
                    documents.len(),
                    request.filed_method.label().to_lowercase()
                ),
                details: json!({
                    "reference": request.reference,
                    "org_number": request.org_number,
                    "org_kind": request.org_kind.as_str(),
                    "signs_for_organisation": request.signs_for_organisation,
                    "filed_method": request.filed_method.as_str(),
                    "filed_loa": request.filed_loa,
                    "documents": documents_json(&documents),
                }),
            },
        )?;
        let at = crate::clock::format_stockholm(request.submitted_at);
        let href = link(mail, &request.id);
        mail::queue_step(
            conn,
            now,
            &request.contact_email,
            StepKind::Submitted,
            &facts(
                mail,
                &request.applicant_name,
                &request,
                (&request.org_name, &request.org_number),
                &at,
                &href,
            ),
            false,
        )?;
        Ok(request)
    })
}

/// The person's own request, or 404 (recorded) for anyone else's.
fn own_request(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    match store::find(conn, id)? {
        Some(request) if request.user_id == actor.user_id => Ok(request),
        Some(_) => {
            deny(conn, actor, Some(id), what, now)?;
            Err(AppError::NotFound)
        }
        None => Err(AppError::NotFound),
    }
}

/// Re-reads a request under its lock, refusing one already decided.
fn lock_open(conn: &mut DbConnection, id: &str) -> Result<OmbudRequest, AppError> {
    if !store::lock_open(conn, id)? {
        return Err(AppError::Conflict(
            "Ombudsansökan är redan avgjord och kan inte ändras. Ladda om sidan och se hur det ser ut nu."
                .into(),
        ));
    }
    store::find(conn, id)?.ok_or(AppError::NotFound)
}

/// The person sends in what was asked for: a reply and any documents, in a new round.
/// What they sent in earlier stays as it was.
pub fn supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    reply: &str,
    uploads: &[(DocumentKind, Upload)],
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    let request = own_request(conn, actor, id, "komplettera en ombudsansökan", now)?;
    if request.status != RequestStatus::SupplementRequested {
        return Err(AppError::Conflict(
            "Ombudsansökan väntar inte på någon komplettering.".into(),
        ));
    }
    let (files, mut errors) = check_documents(uploads);
    let reply = match validate_reply(reply) {
        Ok(reply) => Some(reply),
        Err(more) => {
            merge(&mut errors, more);
            None
        }
    };
    let reply = match reply {
        Some(reply) if errors.is_empty() => reply,
        _ => return Err(AppError::Invalid(errors)),
    };
    db::write_tx(conn, |conn| {
        let request = lock_open(conn, id)?;
        if request.status != RequestStatus::SupplementRequested {
            return Err(AppError::Conflict(
                "Ombudsansökan väntar inte på någon komplettering.".into(),
            ));
        }
        let round = store::last_round(conn, id)? + 1;
        let documents = documents_of_round(id, round, files, actor, now);
        for document in &documents {
            store::insert_document(conn, document)?;
        }
        store::insert_step(
            conn,
            &OmbudStep {
                id: db::new_id(),
                request_id: id.to_string(),
                round,
                kind: StepKind::Supplemented,
                message: Some(reply.clone()),
                org_number: None,
                org_name: None,
                org_kind: None,
                actor_user_id: actor.user_id.clone(),
                actor_name: actor.name.clone(),
                at: now.naive_utc(),
            },
        )?;
        store::resubmitted(conn, id, now.naive_utc())?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OMBUD_REQUEST_SUPPLEMENTED,
                entity_type: ENTITY,
                entity_id: Some(id),
                summary: format!(
                    "{} kompletterade ombudsansökan {} med {} dokument och ett svar",
                    actor.name,
                    request.reference,
                    documents.len()
                ),
                details: json!({
                    "round": round,
                    "documents": documents_json(&documents),
                }),
            },
        )?;
        let at = crate::clock::format_stockholm(now.naive_utc());
        let href = link(mail, id);
        mail::queue_step(
            conn,
            now,
            &request.contact_email,
            StepKind::Supplemented,
            &facts(
                mail,
                &request.applicant_name,
                &request,
                (&request.org_name, &request.org_number),
                &at,
                &href,
            ),
            false,
        )?;
        Ok(OmbudRequest {
            status: RequestStatus::Submitted,
            last_submitted_at: now.naive_utc(),
            ..request
        })
    })
}

/// A request an officer may handle; anyone else is refused and recorded: 404 for a person
/// outside the agency who did not file it, 403 otherwise.
fn for_handling(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    let request = store::find(conn, id)?;
    match request {
        Some(request) if may_handle(actor, &request) => Ok(request),
        Some(request) => {
            deny(conn, actor, Some(id), what, now)?;
            Err(
                if actor.role == Role::Applicant && request.user_id != actor.user_id {
                    AppError::NotFound
                } else {
                    AppError::Forbidden
                },
            )
        }
        None => {
            if actor.role != Role::Officer {
                deny(conn, actor, Some(id), what, now)?;
            }
            Err(AppError::NotFound)
        }
    }
}

/// Makes, stores and returns the letter of a step.
fn store_letter(
    conn: &mut DbConnection,
    request: &OmbudRequest,
    step: &OmbudStep,
    letter_facts: &LetterFacts<'_>,
    now: DateTime<Utc>,
) -> Result<OmbudLetter, AppError> {
    let words = letter::build(request, letter_facts, now);
    let content = crate::letters::render(&words)
        .map_err(|e| AppError::Internal(format!("ombud letter: {e}")))?;
    let stored = OmbudLetter {
        id: db::new_id(),
        request_id: request.id.clone(),
        step_id: step.id.clone(),
        kind: step.kind,
        filename: letter::filename(request, step.kind, step.round),
        sha256: hex::encode(Sha256::digest(&content)),
        content,
        created_at: now.naive_utc(),
    };
    store::insert_letter(conn, &stored)?;
    Ok(stored)
}

/// The officer asks for a supplement: what is needed, in a letter and an e-mail.
pub fn request_supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    message: &str,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    for_handling(
        conn,
        actor,
        id,
        "begära komplettering av en ombudsansökan",
        now,
    )?;
    let message = validate_supplement_message(message).map_err(AppError::Invalid)?;
    db::write_tx(conn, |conn| {
        let request = lock_open(conn, id)?;
        if request.status != RequestStatus::Submitted {
            return Err(AppError::Conflict(
                "En komplettering är redan begärd och ansökan väntar på svar.".into(),
            ));
        }
        let round = store::last_round(conn, id)?;
        store::set_status(conn, id, RequestStatus::SupplementRequested, None)?;
        let step = OmbudStep {
            id: db::new_id(),
            request_id: id.to_string(),
            round,
            kind: StepKind::SupplementRequested,
            message: Some(message.clone()),
            org_number: None,
            org_name: None,
            org_kind: None,
            actor_user_id: actor.user_id.clone(),
            actor_name: actor.name.clone(),
            at: now.naive_utc(),
        };
        store::insert_step(conn, &step)?;
        let documents = store::documents_of(conn, id)?;
        let href = link(mail, id);
        let letter = store_letter(
            conn,
            &request,
            &step,
            &LetterFacts {
                kind: StepKind::SupplementRequested,
                org_name: &request.org_name,
                org_number: &request.org_number,
                message: Some(&message),
                officer: &actor.name,
                replaced: None,
                documents: &documents,
                link: &href,
            },
            now,
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OMBUD_REQUEST_SUPPLEMENT_REQUESTED,
                entity_type: ENTITY,
                entity_id: Some(id),
                summary: format!(
                    "{} begärde komplettering av ombudsansökan {} ({} för {})",
                    actor.name, request.reference, request.applicant_name, request.org_name
                ),
                details: json!({
                    "round": round,
                    "message": message,
                    "letter_id": letter.id,
                    "letter_sha256": letter.sha256,
                }),
            },
        )?;
        let at = crate::clock::format_stockholm(now.naive_utc());
        mail::queue_step(
            conn,
            now,
            &request.contact_email,
            StepKind::SupplementRequested,
            &facts(
                mail,
                &request.applicant_name,
                &request,
                (&request.org_name, &request.org_number),
                &at,
                &href,
            ),
            false,
        )?;
        Ok(OmbudRequest {
            status: RequestStatus::SupplementRequested,
            ..request
        })
    })
}

/// The officer writes the request off, with the reason, in a letter and an e-mail.
pub fn write_off(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    reason: &str,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    for_handling(conn, actor, id, "skriva av en ombudsansökan", now)?;
    let reason = validate_reason(reason).map_err(AppError::Invalid)?;
    db::write_tx(conn, |conn| {
        let request = lock_open(conn, id)?;
        let round = store::last_round(conn, id)?;
        store::set_status(
            conn,
            id,
            RequestStatus::WrittenOff,
            Some((now.naive_utc(), &actor.user_id)),
        )?;
        let step = OmbudStep {
            id: db::new_id(),
            request_id: id.to_string(),
            round,
            kind: StepKind::WrittenOff,
            message: Some(reason.clone()),
            org_number: None,
            org_name: None,
            org_kind: None,
            actor_user_id: actor.user_id.clone(),
            actor_name: actor.name.clone(),
            at: now.naive_utc(),
        };
        store::insert_step(conn, &step)?;
        let documents = store::documents_of(conn, id)?;
        let href = link(mail, id);
        let letter = store_letter(
            conn,
            &request,
            &step,
            &LetterFacts {
                kind: StepKind::WrittenOff,
                org_name: &request.org_name,
                org_number: &request.org_number,
                message: Some(&reason),
                officer: &actor.name,
                replaced: None,
                documents: &documents,
                link: &format!("{}/ombudsansokan", mail.links.base),
            },
            now,
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OMBUD_REQUEST_WRITTEN_OFF,
                entity_type: ENTITY,
                entity_id: Some(id),
                summary: format!(
                    "{} skrev av ombudsansökan {} ({} för {})",
                    actor.name, request.reference, request.applicant_name, request.org_name
                ),
                details: json!({
                    "reason": reason,
                    "letter_id": letter.id,
                    "letter_sha256": letter.sha256,
                }),
            },
        )?;
        let at = crate::clock::format_stockholm(now.naive_utc());
        mail::queue_step(
            conn,
            now,
            &request.contact_email,
            StepKind::WrittenOff,
            &facts(
                mail,
                &request.applicant_name,
                &request,
                (&request.org_name, &request.org_number),
                &at,
                &href,
            ),
            false,
        )?;
        Ok(OmbudRequest {
            status: RequestStatus::WrittenOff,
            decided_at: Some(now.naive_utc()),
            decided_by: Some(actor.user_id.clone()),
            ..request
        })
    })
}

/// What an approval did.
#[derive(Debug, Clone)]
pub struct Approval {
    pub request: OmbudRequest,
    pub organisation: Organisation,
    /// Whether the organisation was entered in the register by this approval.
    pub created: bool,
    /// The earlier ombud, now a representative.
    pub replaced: Option<User>,
}

/// The kind an approval records for an organisation already in the register: the one the
/// person named when the register agrees, else the register's own.
fn confirmed_kind(registered: OrgKind, named: OmbudOrgKind) -> OmbudOrgKind {
    if register_kind(named) == registered {
        named
    } else {
        ombud_kind_of(registered)
    }
}

/// The organisation a request is about, if the register has it.
fn registered_organisation(
    conn: &mut DbConnection,
    request: &OmbudRequest,
) -> Result<Option<Organisation>, AppError> {
    match &request.organisation_id {
        Some(id) => Ok(organisations::find(conn, id)?),
        None => Ok(organisations::find_by_number(conn, &request.org_number)?),
    }
}

/// The officer approves: the person becomes the organisation's ombud (the organisation is
/// entered in the register first if it is new, with the number and kind the officer
/// confirms), an earlier ombud becomes a representative and is logged out, and both are
/// told. All in one transaction.
pub fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    input: &ApprovalInput,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> Result<Approval, AppError> {
    let request = for_handling(conn, actor, id, "godkänna en ombudsansökan", now)?;
    let registered = registered_organisation(conn, &request)?;
    let confirmed = match &registered {
        Some(_) => None,
        None => Some(validate_confirmation(input).map_err(AppError::Invalid)?),
    };
    let note = input.note.trim().to_string();
    if note.chars().count() > MESSAGE_MAX {
        return Err(AppError::invalid(
            field::NOTE,
            format!("Kommentaren får vara högst {MESSAGE_MAX} tecken."),
        ));
    }
    let note = Some(note).filter(|n| !n.is_empty());
    db::write_tx(conn, |conn| {
        let request = lock_open(conn, id)?;
        if request.status != RequestStatus::Submitted {
            return Err(AppError::Conflict(
                "Ombudsansökan väntar på en komplettering. Vänta på svaret innan du godkänner den, eller skriv av den."
                    .into(),
            ));
        }
        let person = users::find(conn, &request.user_id)?.ok_or(AppError::NotFound)?;
        // The organisation: in the register, or entered now as the officer confirms it.
        let (organisation, kind, created) = match (&registered, &confirmed) {
            (Some(o), _) => (o.clone(), confirmed_kind(o.kind, request.org_kind), false),
            (None, Some(c)) => match organisations::find_by_number(conn, c.org_number.as_str())? {
                Some(o) => (o.clone(), confirmed_kind(o.kind, c.org_kind), false),
                None => (
                    Organisation {
                        id: db::new_id(),
                        org_number: c.org_number.to_string(),
                        name: c.org_name.clone(),
                        kind: register_kind(c.org_kind),
                        number_status: NumberStatus::Confirmed,
                        number_source: format!(
                            "Ombudsansökan {}: organisationsnumret bekräftat av {} ({}) {}",
                            request.reference,
                            actor.name,
                            actor.email,
                            crate::clock::stockholm_date(now)
                        ),
                        created_at: now.naive_utc(),
                    },
                    c.org_kind,
                    true,
                ),
            },
            (None, None) => return Err(AppError::Internal("no organisation to approve".into())),
        };
        if !person.active || person.role != Role::Applicant {
            return Err(AppError::Conflict(format!(
                "{}s konto är inte längre aktivt i e-tjänsten, så personen kan inte bli ombud. Skriv av ansökan.",
                person.name
            )));
        }
        if let Some(other) = &person.organisation_id
            && *other != organisation.id
        {
            let other = organisations::find(conn, other)?
                .map(|o| o.name)
                .unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "{} företräder nu {other} i e-tjänsten, och ett konto kan bara företräda en organisation. Skriv av ansökan, eller vänta tills personen har lämnat {other}.",
                person.name
            )));
        }
        if created {
            organisations::insert(conn, &organisation)?;
            audit::record(
                conn,
                Some(actor),
                now,
                audit::Entry {
                    action: action::ORGANISATION_CREATED,
                    entity_type: "organisation",
                    entity_id: Some(&organisation.id),
                    summary: format!(
                        "{} ({}) infördes i registret när ombudsansökan {} godkändes",
                        organisation.name, organisation.org_number, request.reference
                    ),
                    details: json!({
                        "org_number": organisation.org_number,
                        "kind": organisation.kind.as_str(),
                        "number_status": organisation.number_status.as_str(),
                        "number_source": organisation.number_source,
                        "ombud_request_id": request.id,
                    }),
                },
            )?;
        }
        let org_pair = (organisation.name.as_str(), organisation.org_number.as_str());
        let at = crate::clock::format_stockholm(now.naive_utc());
        let href = link(mail, id);
        // One ombud per organisation (a unique index): the earlier one steps down first.
        let replaced = users::ombud_of(conn, &organisation.id)?.filter(|u| u.id != person.id);
        if let Some(earlier) = &replaced {
            users::set_membership(
                conn,
                &earlier.id,
                Some((&organisation.id, OrgRole::Representative)),
            )?;
            let ended = end_sessions(conn, &earlier.id)?;
            audit::record(
                conn,
                Some(actor),
                now,
                audit::Entry {
                    action: action::OMBUD_REPLACED,
                    entity_type: "organisation",
                    entity_id: Some(&organisation.id),
                    summary: format!(
                        "{} ({}) är inte längre ombud för {} utan representant, sedan ombudsansökan {} från {} godkändes; {ended} inloggning(ar) avslutades",
                        earlier.name,
                        earlier.email,
                        organisation.name,
                        request.reference,
                        person.name
                    ),
                    details: json!({
                        "user_id": earlier.id,
                        "new_ombud_user_id": person.id,
                        "ombud_request_id": request.id,
                        "sessions_ended": ended,
                    }),
                },
            )?;
            let login = format!("{}/logga-in", mail.links.base);
            mail::queue_replaced(
                conn,
                now,
                &earlier.email,
                &facts(mail, &earlier.name, &request, org_pair, &at, &login),
            )?;
        }
        users::set_membership(conn, &person.id, Some((&organisation.id, OrgRole::Ombud)))?;
        store::approved(conn, id, &organisation.id, now.naive_utc(), &actor.user_id)?;
        let step = OmbudStep {
            id: db::new_id(),
            request_id: id.to_string(),
            round: store::last_round(conn, id)?,
            kind: StepKind::Approved,
            message: note.clone(),
            org_number: Some(organisation.org_number.clone()),
            org_name: Some(organisation.name.clone()),
            org_kind: Some(kind),
            actor_user_id: actor.user_id.clone(),
            actor_name: actor.name.clone(),
            at: now.naive_utc(),
        };
        store::insert_step(conn, &step)?;
        let documents = store::documents_of(conn, id)?;
        let letter = store_letter(
            conn,
            &request,
            &step,
            &LetterFacts {
                kind: StepKind::Approved,
                org_name: &organisation.name,
                org_number: &organisation.org_number,
                message: note.as_deref(),
                officer: &actor.name,
                replaced: replaced.as_ref().map(|u| u.name.as_str()),
                documents: &documents,
                link: &href,
            },
            now,
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OMBUD_REQUEST_APPROVED,
                entity_type: ENTITY,
                entity_id: Some(id),
                summary: format!(
                    "{} godkände ombudsansökan {}: {} ({}) är ombud för {} ({})",
                    actor.name,
                    request.reference,
                    person.name,
                    person.email,
                    organisation.name,
                    organisation.org_number
                ),
                details: json!({
                    "user_id": person.id,
                    "organisation_id": organisation.id,
                    "org_number": organisation.org_number,
                    "org_name": organisation.name,
                    "org_kind": kind.as_str(),
                    "organisation_created": created,
                    "replaced_user_id": replaced.as_ref().map(|u| &u.id),
                    "letter_id": letter.id,
                    "letter_sha256": letter.sha256,
                }),
            },
        )?;
        mail::queue_step(
            conn,
            now,
            &request.contact_email,
            StepKind::Approved,
            &facts(
                mail,
                &request.applicant_name,
                &request,
                org_pair,
                &at,
                &href,
            ),
            replaced.is_some(),
        )?;
        Ok(Approval {
            request: OmbudRequest {
                status: RequestStatus::Approved,
                organisation_id: Some(organisation.id.clone()),
                decided_at: Some(now.naive_utc()),
                decided_by: Some(actor.user_id.clone()),
                ..request
            },
            organisation: organisation.clone(),
            created,
            replaced,
        })
    })
}

/// A person's own requests, newest first.
pub fn list_own(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<OmbudRequest>, AppError> {
    Ok(store::of_user(conn, &actor.user_id)?)
}

/// A request as its page shows it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: OmbudRequest,
    pub steps: Vec<OmbudStep>,
    pub documents: Vec<DocumentInfo>,
    pub letters: Vec<LetterInfo>,
    /// For the agency: the organisation in the register, when it is there.
    pub organisation: Option<Organisation>,
    /// For the agency: the organisation's ombud now, who an approval would replace.
    pub current_ombud: Option<User>,
    /// For the agency: the person's account as it is now, and the organisation they act
    /// for, if any.
    pub person: Option<User>,
    pub person_organisation: Option<Organisation>,
}

impl RequestView {
    /// The documents a step brought: those of its round, for the filing and each
    /// supplement; none for the officer's steps.
    pub fn documents_of(&self, step: &OmbudStep) -> Vec<&DocumentInfo> {
        match step.kind {
            StepKind::Submitted | StepKind::Supplemented => self
                .documents
                .iter()
                .filter(|d| d.round == step.round)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The letter a step was told by, if it was.
    pub fn letter_of(&self, step: &OmbudStep) -> Option<&LetterInfo> {
        self.letters.iter().find(|l| l.step_id == step.id)
    }

    /// What the officer asked for, while the request waits for the supplement.
    pub fn open_supplement(&self) -> Option<&OmbudStep> {
        if self.request.status != RequestStatus::SupplementRequested {
            return None;
        }
        self.steps
            .iter()
            .rev()
            .find(|s| s.kind == StepKind::SupplementRequested)
    }
}

/// A request for whoever may read it (the person, the agency's officers, decision makers
/// and auditors); anyone else is refused and recorded (404 for a person outside the agency,
/// 403 for the administrator).
pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RequestView, AppError> {
    let request = readable(conn, actor, id, "läsa en ombudsansökan", now)?;
    let steps = store::steps_of(conn, id)?;
    let documents = store::documents_of(conn, id)?;
    let letters = store::letters_of(conn, id)?;
    let (organisation, current_ombud, person, person_organisation) = if is_agency_reader(actor) {
        let organisation = registered_organisation(conn, &request)?;
        let current_ombud = match &organisation {
            Some(o) => users::ombud_of(conn, &o.id)?,
            None => None,
        };
        let person = users::find(conn, &request.user_id)?;
        let person_organisation = match person.as_ref().and_then(|p| p.organisation_id.clone()) {
            Some(org) => organisations::find(conn, &org)?,
            None => None,
        };
        (organisation, current_ombud, person, person_organisation)
    } else {
        (None, None, None, None)
    };
    Ok(RequestView {
        request,
        steps,
        documents,
        letters,
        organisation,
        current_ombud,
        person,
        person_organisation,
    })
}

fn readable(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<OmbudRequest, AppError> {
    match store::find(conn, id)? {
        Some(request) if may_read(actor, &request) => Ok(request),
        Some(_) => {
            deny(conn, actor, Some(id), what, now)?;
            Err(if actor.role == Role::Applicant {
                AppError::NotFound
            } else {
                AppError::Forbidden
            })
        }
        None => Err(AppError::NotFound),
    }
}

/// A document of a request, for download by whoever may read the request.
pub fn document(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    document_id: &str,
    now: DateTime<Utc>,
) -> Result<OmbudDocument, AppError> {
    readable(
        conn,
        actor,
        request_id,
        "hämta ett dokument i en ombudsansökan",
        now,
    )?;
    store::document(conn, document_id)?
        .filter(|d| d.request_id == request_id)
        .ok_or(AppError::NotFound)
}

/// A letter of a request, for download by whoever may read the request.
pub fn letter(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    letter_id: &str,
    now: DateTime<Utc>,
) -> Result<OmbudLetter, AppError> {
    readable(
        conn,
        actor,
        request_id,
        "hämta ett brev i en ombudsansökan",
        now,
    )?;
    store::letter(conn, letter_id)?
        .filter(|l| l.request_id == request_id)
        .ok_or(AppError::NotFound)
}

/// Most requests the queue lists at once.
pub const QUEUE_LIMIT: i64 = 200;

/// The officers' queue.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The status shown; `None`: every status.
    pub status: Option<RequestStatus>,
    pub requests: Vec<OmbudRequest>,
    /// How many requests have each status.
    pub counts: Vec<(RequestStatus, i64)>,
}

/// The queue, oldest first, for the agency's officers, decision makers and auditors; anyone
/// else is refused and recorded.
pub fn queue(
    conn: &mut DbConnection,
    actor: &Actor,
    status: Option<RequestStatus>,
    now: DateTime<Utc>,
) -> Result<Queue, AppError> {
    if !is_agency_reader(actor) {
        deny(conn, actor, None, "se kön av ombudsansökningar", now)?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    let requests = store::queue(conn, status, QUEUE_LIMIT)?;
    let counts = store::count_by_status(conn)?;
    Ok(Queue {
        status,
        requests,
        counts,
    })
}
