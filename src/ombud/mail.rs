//! The e-mails of an ombudsansökan, from `templates/email/ombud_*.txt`, queued through the
//! outbox in the same transaction as the step they tell of. Each says what happened and
//! links to the service; what the officer wrote is in the letter there, not in the e-mail,
//! and no e-mail ever carries a personal identity number.

use askama::Template;
use chrono::{DateTime, Utc};

use super::StepKind;
use crate::agency::Contact;
use crate::db::DbConnection;
use crate::error::AppError;

/// What every message says about its request.
pub struct Facts<'a> {
    pub agency: &'a str,
    /// The person the message is to.
    pub name: &'a str,
    pub reference: &'a str,
    pub organisation: &'a str,
    pub org_number: &'a str,
    /// When it happened, Swedish time.
    pub at: &'a str,
    pub link: &'a str,
    pub contact: &'a Contact,
}

macro_rules! mails {
    ($($name:ident => $path:literal;)+) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            pub struct $name<'a> {
                pub agency: &'a str,
                pub name: &'a str,
                pub reference: &'a str,
                pub organisation: &'a str,
                pub org_number: &'a str,
                pub at: &'a str,
                pub link: &'a str,
                pub contact: &'a Contact,
                /// On approval: an earlier ombud became a representative.
                pub replaced: bool,
            }

            impl<'a> $name<'a> {
                pub fn new(facts: &Facts<'a>, replaced: bool) -> Self {
                    $name {
                        agency: facts.agency,
                        name: facts.name,
                        reference: facts.reference,
                        organisation: facts.organisation,
                        org_number: facts.org_number,
                        at: facts.at,
                        link: facts.link,
                        contact: facts.contact,
                        replaced,
                    }
                }

                /// Who to ask, and the reference to quote.
                pub fn contact_line(&self) -> String {
                    contact_line(self.contact, self.reference)
                }
            }
        )+
    };
}

mails! {
    Submitted => "email/ombud_submitted.txt";
    Supplemented => "email/ombud_supplemented.txt";
    SupplementRequested => "email/ombud_supplement_requested.txt";
    Approved => "email/ombud_approved.txt";
    WrittenOff => "email/ombud_written_off.txt";
    Replaced => "email/ombud_replaced.txt";
}

fn contact_line(contact: &Contact, reference: &str) -> String {
    format!(
        "Har du frågor om ombudsansökan? Kontakta {}: e-post {}, telefon {}. Ange referens {reference}.",
        contact.who(),
        contact.email,
        contact.phone
    )
}

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

/// Queues the message that tells the person of a step of their request.
pub fn queue_step(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    kind: StepKind,
    facts: &Facts<'_>,
    replaced: bool,
) -> Result<(), AppError> {
    let (subject, body) = match kind {
        StepKind::Submitted => (
            format!("Kvittens: ombudsansökan {} har kommit in", facts.reference),
            render(&Submitted::new(facts, replaced))?,
        ),
        StepKind::Supplemented => (
            format!(
                "Kvittens: komplettering av ombudsansökan {}",
                facts.reference
            ),
            render(&Supplemented::new(facts, replaced))?,
        ),
        StepKind::SupplementRequested => (
            format!("Komplettering begärs: ombudsansökan {}", facts.reference),
            render(&SupplementRequested::new(facts, replaced))?,
        ),
        StepKind::Approved => (
            format!(
                "Beslut: du är ombud för {} (ombudsansökan {})",
                facts.organisation, facts.reference
            ),
            render(&Approved::new(facts, replaced))?,
        ),
        StepKind::WrittenOff => (
            format!("Beslut: ombudsansökan {} är avskriven", facts.reference),
            render(&WrittenOff::new(facts, replaced))?,
        ),
    };
    crate::outbox::queue(
        conn,
        now,
        crate::outbox::About::account(crate::outbox::kind::OMBUD),
        to,
        &subject,
        &body,
    )
}

/// Queues the message to an earlier ombud who is now a representative.
pub fn queue_replaced(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: &str,
    facts: &Facts<'_>,
) -> Result<(), AppError> {
    let subject = format!("{} har fått ett nytt ombud", facts.organisation);
    let body = render(&Replaced::new(facts, true))?;
    crate::outbox::queue(
        conn,
        now,
        crate::outbox::About::account(crate::outbox::kind::OMBUD),
        to,
        &subject,
        &body,
    )
}
