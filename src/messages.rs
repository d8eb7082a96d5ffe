//! Messages both ways on a case (issue 16): the agency's case staff and the applicant
//! organisation's people write to each other inside the case, with a file if they like.
//!
//! - Who reads: whoever may read the case (`access::can_read_application`), once it has
//!   been submitted; a draft is the organisation's own and has no thread.
//! - Who writes: officers and decision makers (not with a declared conflict of interest in
//!   the case), and the organisation's people who may work in the case (`OrgAction::EditCase`,
//!   the same rule as for editing it). Auditors read only. Every refusal is recorded.
//! - Read receipts per side: when someone of the other side opens the thread, the messages
//!   from the first side become read, with when and by whom; a message from the agency is
//!   read when someone of the organisation opens it, one from the organisation when any of
//!   the agency's case staff does. Auditors opening it read nothing on anyone's behalf.
//! - A message never changes (the database refuses it); only its read fields are set, once.
//! - A new message queues an e-mail to the other side in the same transaction: to the
//!   organisation's people, or to the case's responsible officer (else the programme's
//!   contact address). The e-mail says that there is a message and links to it; its text
//!   stays in the service.

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::access::{self, OrgAction};
use crate::accounts::Actor;
use crate::agency::Contact;
use crate::applications::workflow::{self, Upload};
use crate::audit::{self, action};
use crate::codes::{Role, text_enum};
use crate::db::applications::Application;
use crate::db::messages::{CaseMessage, MessageFile, MessageFileInfo};
use crate::db::organisations::Organisation;
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::outbox::{self, Links};

text_enum! {
    /// Which side of the case wrote a message.
    MessageSide {
        Agency => "agency", "Myndigheten";
        Organisation => "organisation", "Organisationen";
    }
}

text_enum! {
    /// What a message concerns, when the writer says.
    MessageAbout {
        Application => "application", "Ansökan";
        Grant => "grant", "Beslut och bidrag";
        Report => "report", "Återrapport";
    }
}

impl MessageSide {
    pub fn other(self) -> MessageSide {
        match self {
            MessageSide::Agency => MessageSide::Organisation,
            MessageSide::Organisation => MessageSide::Agency,
        }
    }
}

/// The longest message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 5000;

/// A message as written, on a page or in the API.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MessageInput {
    /// The message, at most 5 000 characters.
    #[serde(default, deserialize_with = "forms::text")]
    pub text: String,
    /// What it concerns (`application`, `grant`, `report`); left out or empty for nothing
    /// in particular.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = Option<MessageAbout>)]
    pub about: String,
}

/// The message checked: its text, and what it concerns.
pub fn parse(input: &MessageInput) -> Result<(String, Option<MessageAbout>), AppError> {
    let mut errors = FieldErrors::new();
    let text = forms::required_text(&input.text, MESSAGE_MAX_CHARS, "ditt meddelande")
        .map_err(|m| errors.add("text", m))
        .ok();
    let about = parse_about(&input.about)
        .map_err(|m| errors.add("about", m))
        .ok();
    errors.into_result()?;
    match (text, about) {
        (Some(text), Some(about)) => Ok((text, about)),
        _ => Err(AppError::Internal(
            "message input checked but missing".into(),
        )),
    }
}

fn parse_about(code: &str) -> Result<Option<MessageAbout>, String> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    MessageAbout::parse(code).map(Some).ok_or_else(|| {
        let labels: Vec<&str> = MessageAbout::ALL.iter().map(|a| a.label()).collect();
        format!(
            "Välj vad meddelandet gäller: {}, eller inget särskilt.",
            labels.join(", ")
        )
    })
}

/// The side a person writes and reads for: the agency's case staff, or the applicant
/// organisation's people. Auditors and administrators have none.
pub fn side_of(actor: &Actor) -> Option<MessageSide> {
    if access::is_case_staff(actor) {
        Some(MessageSide::Agency)
    } else if actor.role == Role::Applicant {
        Some(MessageSide::Organisation)
    } else {
        None
    }
}

/// Whether the person may write in the case (for showing the form; [`send`] checks again
/// and records a refusal). The case is one they may read.
pub fn may_write(actor: &Actor, application: &Application) -> bool {
    access::is_case_staff(actor)
        || access::may_for_organisation(actor, &application.organisation_id, OrgAction::EditCase)
}

/// The case, for someone who may read it; refused (and recorded) otherwise. Another
/// organisation's case does not exist for an applicant, as on the case page.
fn load_case(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let submitted = application.submitted_at.is_some();
    if !access::can_read_application(actor, &application.organisation_id, submitted) {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Err(if actor.role == Role::Applicant || !submitted {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    if !submitted {
        return Err(AppError::Conflict(
            "Meddelanden i ärendet går att skriva när ansökan har skickats in. Utkastet är ert eget; myndigheten ser det inte ännu."
                .into(),
        ));
    }
    Ok(application)
}

/// The side the person writes for in the case, or the refusal, recorded.
fn writer_side(
    conn: &mut DbConnection,
    actor: &Actor,
    application: &Application,
    now: DateTime<Utc>,
) -> Result<MessageSide, AppError> {
    const WHAT: &str = "skriva ett meddelande i ärendet";
    let deny = |conn: &mut DbConnection| {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), WHAT)
    };
    match side_of(actor) {
        Some(MessageSide::Agency) => {
            if db::assessments::has_conflict(conn, &application.id, &actor.user_id)? {
                deny(conn)?;
                return Err(AppError::Refused(
                    "Du har anmält jäv i ärendet och kan inte skriva meddelanden i det. Be en kollega som inte är jävig."
                        .into(),
                ));
            }
            Ok(MessageSide::Agency)
        }
        Some(MessageSide::Organisation) => match access::org_refusal(actor, OrgAction::EditCase) {
            Some(reason) => {
                deny(conn)?;
                Err(AppError::Refused(reason))
            }
            None => Ok(MessageSide::Organisation),
        },
        None => {
            deny(conn)?;
            Err(AppError::Refused(
                "Du kan läsa meddelandena i ärendet men inte skriva. Meddelanden skrivs av myndighetens handläggare och beslutsfattare och av den sökande organisationen."
                    .into(),
            ))
        }
    }
}

/// One message as its thread shows it.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: CaseMessage,
    pub sender_name: String,
    /// Who of the other side read it first.
    pub reader_name: Option<String>,
    pub files: Vec<MessageFileInfo>,
    /// It became read when the viewer opened the thread just now.
    pub new: bool,
}

impl MessageView {
    /// "Läst 2026-12-02 14:03 av Karin Lindqvist", or "Oläst".
    pub fn receipt(&self) -> String {
        match &self.message.read_at {
            Some(at) => match &self.reader_name {
                Some(name) => format!("Läst {} av {name}", crate::clock::format_stockholm(*at)),
                None => format!("Läst {}", crate::clock::format_stockholm(*at)),
            },
            None => "Oläst".into(),
        }
    }

    pub fn from_agency(&self) -> bool {
        self.message.sender_side == MessageSide::Agency
    }
}

/// A case's thread, oldest first, as one person sees it.
#[derive(Debug, Clone)]
pub struct Thread {
    pub application: Application,
    pub organisation: Organisation,
    pub messages: Vec<MessageView>,
    /// Whether the viewer may write (the form is shown).
    pub may_write: bool,
}

/// Opens a case's thread: for whoever may read the case. The messages from the other side
/// that were unread become read by the viewer (an auditor reads on no one's behalf, nor
/// does staff with a declared conflict in the case).
pub fn read_thread(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<Thread, AppError> {
    let application = load_case(
        conn,
        actor,
        application_id,
        now,
        "läsa meddelandena i ett ärende",
    )?;
    let mut newly_read = Vec::new();
    if let Some(side) = reading_side(conn, actor, &application)? {
        let from = side.other();
        // The write lock only when there is something to mark.
        if db::messages::unread_in_case(conn, &application.id, from)? > 0 {
            newly_read = db::write_tx(conn, |conn| {
                let marked = db::messages::mark_read(
                    conn,
                    &application.id,
                    from,
                    &actor.user_id,
                    now.naive_utc(),
                )?;
                if !marked.is_empty() {
                    audit::record(
                        conn,
                        Some(actor),
                        now,
                        audit::Entry {
                            action: action::MESSAGES_READ,
                            entity_type: "application",
                            entity_id: Some(&application.id),
                            summary: format!(
                                "{} läste {} i ärende {}",
                                actor.name,
                                count_words(marked.len()),
                                application.registration_number.as_deref().unwrap_or("")
                            ),
                            details: json!({ "message_ids": marked }),
                        },
                    )?;
                }
                Ok::<_, AppError>(marked)
            })?;
        }
    }
    thread_of(conn, actor, application, &newly_read)
}

fn count_words(n: usize) -> String {
    if n == 1 {
        "ett meddelande".into()
    } else {
        format!("{n} meddelanden")
    }
}

/// The side the viewer reads for (whose opening marks the other side's messages read).
fn reading_side(
    conn: &mut DbConnection,
    actor: &Actor,
    application: &Application,
) -> Result<Option<MessageSide>, AppError> {
    Ok(match side_of(actor) {
        Some(MessageSide::Agency)
            if db::assessments::has_conflict(conn, &application.id, &actor.user_id)? =>
        {
            None
        }
        // An applicant here may read the case (`load_case`), so is of its organisation.
        side => side,
    })
}

fn thread_of(
    conn: &mut DbConnection,
    actor: &Actor,
    application: Application,
    newly_read: &[String],
) -> Result<Thread, AppError> {
    let organisation =
        db::organisations::find(conn, &application.organisation_id)?.ok_or(AppError::NotFound)?;
    let messages = db::messages::of_case(conn, &application.id)?;
    let mut files: HashMap<String, Vec<MessageFileInfo>> = HashMap::new();
    for file in db::messages::files_of_case(conn, &application.id)? {
        files.entry(file.message_id.clone()).or_default().push(file);
    }
    let mut people: Vec<String> = messages
        .iter()
        .flat_map(|m| std::iter::once(m.sender_id.clone()).chain(m.read_by.clone()))
        .collect();
    people.sort();
    people.dedup();
    let names = db::messages::names(conn, &people)?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| "Okänd".into());
    let messages = messages
        .into_iter()
        .map(|message| MessageView {
            sender_name: name(&message.sender_id),
            reader_name: message.read_by.as_deref().map(name),
            new: newly_read.contains(&message.id),
            files: files.remove(&message.id).unwrap_or_default(),
            message,
        })
        .collect();
    Ok(Thread {
        may_write: may_write(actor, &application),
        application,
        organisation,
        messages,
    })
}

/// A message sent: the stored row and its files.
#[derive(Debug, Clone)]
pub struct Sent {
    pub message: CaseMessage,
    pub files: Vec<MessageFileInfo>,
    pub sender_name: String,
}

/// Writes a message in the case, with at most one file, and queues the e-mail to the other
/// side. The text and the file are checked together, so that both messages show at once.
#[allow(clippy::too_many_arguments)]
pub fn send(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &MessageInput,
    upload: Option<&Upload>,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Sent, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    let application = load_case(
        conn,
        actor,
        application_id,
        now,
        "skriva ett meddelande i ett ärende",
    )?;
    let side = writer_side(conn, actor, &application, now)?;
    // Parsing a PDF takes a moment: done before the write lock is taken.
    let file = upload.map(workflow::check_attachment);
    let mut errors = FieldErrors::new();
    let parsed = match parse(input) {
        Ok(parsed) => Some(parsed),
        Err(AppError::Invalid(refused)) => {
            for e in refused.iter() {
                errors.add(e.field.clone(), e.message.clone());
            }
            None
        }
        Err(other) => return Err(other),
    };
    let file = match file {
        None => None,
        Some(Ok(file)) => {
            if !errors.is_empty() {
                // A browser cannot show a chosen file again: say so beside the field.
                errors.add(
                    "file",
                    "Filen skickades inte eftersom meddelandet behöver rättas. Välj filen igen.",
                );
            }
            Some(file)
        }
        Some(Err(AppError::Invalid(refused))) => {
            for e in refused.iter() {
                errors.add(e.field.clone(), e.message.clone());
            }
            None
        }
        Some(Err(other)) => return Err(other),
    };
    errors.into_result()?;
    let Some((text, about)) = parsed else {
        return Err(AppError::Internal("message checked but missing".into()));
    };
    db::write_tx(conn, |conn| {
        let message = CaseMessage {
            id: db::new_id(),
            application_id: application.id.clone(),
            sender_id: actor.user_id.clone(),
            sender_side: side,
            about,
            body: text,
            sent_at: now.naive_utc(),
            read_at: None,
            read_by: None,
        };
        db::messages::insert(conn, &message)?;
        let mut files = Vec::new();
        if let Some(file) = file {
            let row = MessageFile {
                id: db::new_id(),
                message_id: message.id.clone(),
                filename: file.name,
                content_type: file.content_type.into(),
                size_bytes: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
                sha256: hex::encode(Sha256::digest(&file.bytes)),
                content: file.bytes,
                uploaded_at: now.naive_utc(),
            };
            db::messages::insert_file(conn, &row)?;
            files.push(MessageFileInfo {
                id: row.id,
                message_id: row.message_id,
                filename: row.filename,
                content_type: row.content_type,
                size_bytes: row.size_bytes,
                sha256: row.sha256,
            });
        }
        let organisation = db::organisations::find(conn, &application.organisation_id)?
            .ok_or(AppError::NotFound)?;
        let recipients = notify(conn, &application, &organisation, side, now, links, agency)?;
        let registration_number = application.registration_number.as_deref().unwrap_or("");
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::MESSAGE_SENT,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Meddelande i ärende {registration_number} från {} ({}){}",
                    actor.name,
                    match side {
                        MessageSide::Agency => agency,
                        MessageSide::Organisation => organisation.name.as_str(),
                    },
                    match files.first() {
                        Some(f) => format!(", med bilagan {}", f.filename),
                        None => String::new(),
                    }
                ),
                // The text stays in the message; the trail says that it was written.
                details: json!({
                    "message_id": message.id,
                    "side": side.as_str(),
                    "about": message.about.map(MessageAbout::as_str),
                    "characters": message.body.chars().count(),
                    "files": files
                        .iter()
                        .map(|f| json!({ "id": f.id, "filename": f.filename, "sha256": f.sha256 }))
                        .collect::<Vec<_>>(),
                    "notified": recipients,
                }),
            },
        )?;
        Ok(Sent {
            message,
            files,
            sender_name: actor.name.clone(),
        })
    })
}

/// Queues the e-mail about a new message to the other side; returns the addresses.
fn notify(
    conn: &mut DbConnection,
    application: &Application,
    organisation: &Organisation,
    from: MessageSide,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Vec<String>, AppError> {
    let contact = crate::agency::of_call(conn, &application.call_id)?;
    let recipients: Vec<String> = match from {
        MessageSide::Agency => db::accounts::of_organisation(conn, &organisation.id)?
            .into_iter()
            .map(|person| person.email)
            .collect(),
        MessageSide::Organisation => {
            match crate::applications::assignment::officer_of(conn, &application.id)?
                .filter(|officer| officer.active)
            {
                Some(officer) => vec![officer.email],
                // No one is responsible yet: the unit running the grant reads it.
                None => vec![contact.email.clone()],
            }
        }
    };
    let registration_number = application.registration_number.clone().unwrap_or_default();
    let link = thread_link(links, &application.id);
    let mail = NewMessage {
        agency,
        registration_number: &registration_number,
        organisation: &organisation.name,
        from: match from {
            MessageSide::Agency => agency,
            MessageSide::Organisation => &organisation.name,
        },
        link: &link,
        contact: (from == MessageSide::Agency).then_some(&contact),
    };
    let (subject, body) = (mail.subject(), mail.body()?);
    for to in &recipients {
        outbox::queue(
            conn,
            now,
            outbox::About::case(outbox::kind::MESSAGE, &application.id),
            to,
            &subject,
            &body,
        )?;
    }
    Ok(recipients)
}

/// The thread's address, for e-mails.
pub fn thread_link(links: &Links, application_id: &str) -> String {
    format!("{}/meddelanden", links.case(application_id))
}

/// A new message in a case: that there is one and where, never what it says.
#[derive(Template)]
#[template(path = "email/message.txt")]
pub struct NewMessage<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    /// Who wrote: the agency, or the organisation (not the person).
    pub from: &'a str,
    pub link: &'a str,
    /// For the organisation's people: whom to ask about the case.
    pub contact: Option<&'a Contact>,
}

impl NewMessage<'_> {
    pub fn subject(&self) -> String {
        format!("Nytt meddelande i ärende {}", self.registration_number)
    }

    pub fn body(&self) -> Result<String, AppError> {
        self.render()
            .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
    }
}

/// A file of a message, for whoever may read the case.
pub fn download_file(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    file_id: &str,
    now: DateTime<Utc>,
) -> Result<MessageFile, AppError> {
    load_case(
        conn,
        actor,
        application_id,
        now,
        "hämta en fil från ett meddelande i ett ärende",
    )?;
    match db::messages::file(conn, file_id)? {
        Some((file, case)) if case == application_id => Ok(file),
        _ => Err(AppError::NotFound),
    }
}

/// How many messages in the case wait to be read by the viewer's side: for applicants the
/// agency's, for the agency's staff and auditors the organisation's. `None` where the case
/// has no thread for them (a draft; an administrator).
pub fn unread_for_viewer(
    conn: &mut DbConnection,
    actor: &Actor,
    application: &Application,
) -> Result<Option<i64>, AppError> {
    if application.submitted_at.is_none() {
        return Ok(None);
    }
    let from = match actor.role {
        Role::Applicant => MessageSide::Agency,
        Role::Officer | Role::DecisionMaker | Role::Auditor => MessageSide::Organisation,
        Role::Admin => return Ok(None),
    };
    Ok(Some(db::messages::unread_in_case(
        conn,
        &application.id,
        from,
    )?))
}

/// A case with messages from the organisation that no one of the agency has read yet.
#[derive(Debug, Clone)]
pub struct UnreadCase {
    pub application: Application,
    pub organisation: Organisation,
    pub unread: i64,
    /// When the oldest of them came.
    pub oldest: NaiveDateTime,
}

/// The cases with messages from organisations unread by the agency, the longest waiting
/// first (for the officers' queues).
pub fn unread_for_staff(conn: &mut DbConnection) -> Result<Vec<UnreadCase>, AppError> {
    let counts = unread_per_case_for_staff(conn)?;
    let ids: Vec<String> = counts.keys().cloned().collect();
    let mut cases: Vec<UnreadCase> = db::messages::cases(conn, &ids)?
        .into_iter()
        .filter_map(|(application, organisation)| {
            let (unread, oldest) = *counts.get(&application.id)?;
            Some(UnreadCase {
                application,
                organisation,
                unread,
                oldest,
            })
        })
        .collect();
    cases.sort_by(|a, b| (a.oldest, &a.application.id).cmp(&(b.oldest, &b.application.id)));
    Ok(cases)
}

/// Per case: how many messages from the organisation are unread by the agency, and when
/// the oldest came.
pub fn unread_per_case_for_staff(
    conn: &mut DbConnection,
) -> Result<HashMap<String, (i64, NaiveDateTime)>, AppError> {
    Ok(db::messages::unread_per_case(
        conn,
        MessageSide::Organisation,
    )?)
}

/// How many messages from organisations no one of the agency has read, over all cases.
pub fn unread_count_for_staff(conn: &mut DbConnection) -> Result<i64, AppError> {
    Ok(db::messages::unread_total(conn, MessageSide::Organisation)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_required_and_bounded_and_about_is_one_of_three() {
        let empty = MessageInput {
            text: "  ".into(),
            about: String::new(),
        };
        let Err(AppError::Invalid(errors)) = parse(&empty) else {
            panic!("an empty message passed");
        };
        assert_eq!(errors.get("text"), Some("Fyll i ditt meddelande."));

        let long = MessageInput {
            text: "å".repeat(MESSAGE_MAX_CHARS + 1),
            about: "grant".into(),
        };
        let Err(AppError::Invalid(errors)) = parse(&long) else {
            panic!("a long message passed");
        };
        assert!(
            errors
                .get("text")
                .is_some_and(|m| m.contains("5\u{a0}001 tecken"))
        );

        let odd = MessageInput {
            text: "Hej".into(),
            about: "budget".into(),
        };
        let Err(AppError::Invalid(errors)) = parse(&odd) else {
            panic!("an unknown subject passed");
        };
        assert!(
            errors
                .get("about")
                .is_some_and(|m| m.contains("Återrapport"))
        );

        let fine = MessageInput {
            text: " Hej! ".into(),
            about: "report".into(),
        };
        assert_eq!(
            parse(&fine).ok(),
            Some(("Hej!".to_string(), Some(MessageAbout::Report)))
        );
    }

    #[test]
    fn the_mail_says_where_the_message_is_and_not_what_it_says() {
        let contact = Contact {
            agency: "Socialstyrelsen".into(),
            unit: String::new(),
            email: "statsbidrag@socialstyrelsen.example".into(),
            phone: "075-247 30 00".into(),
        };
        let mail = NewMessage {
            agency: "Socialstyrelsen",
            registration_number: "SB-2020-0001",
            organisation: "Region Skåne",
            from: "Socialstyrelsen",
            link: "https://statsbidrag.example/ansokningar/a1/meddelanden",
            contact: Some(&contact),
        };
        let body = mail.body().unwrap_or_default();
        assert_eq!(mail.subject(), "Nytt meddelande i ärende SB-2020-0001");
        assert!(body.contains(
            "Det finns ett nytt meddelande från Socialstyrelsen i ärende SB-2020-0001 (Region Skåne)."
        ));
        assert!(body.contains("https://statsbidrag.example/ansokningar/a1/meddelanden\n"));
        assert!(body.contains("Ange diarienummer SB-2020-0001."));
        let to_agency = NewMessage {
            from: "Region Skåne",
            contact: None,
            ..mail
        };
        let body = to_agency.body().unwrap_or_default();
        assert!(body.contains("från Region Skåne"));
        assert!(!body.contains("Ange diarienummer"));
    }

    #[test]
    fn each_side_reads_the_others_messages() {
        assert_eq!(MessageSide::Agency.other(), MessageSide::Organisation);
        assert_eq!(MessageSide::Organisation.other(), MessageSide::Agency);
    }
}
