//! The e-mails of report-back, from `templates/email/report_*.txt`. Queued through the
//! outbox in the same transaction as the event that causes them.

use askama::Template;

use crate::agency::Contact;
use crate::error::AppError;

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

/// Link to a report in the service.
pub fn link(links: &crate::outbox::Links, report_id: &str) -> String {
    format!("{}/aterrapporter/{report_id}", links.base)
}

/// Link to the organisation's list of reports (for a report not yet started).
pub fn list_link(links: &crate::outbox::Links) -> String {
    format!("{}/aterrapporter", links.base)
}

#[derive(Template)]
#[template(path = "email/report_receipt.txt")]
pub struct Receipt<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub version: i32,
    pub submitted_at: &'a str,
    pub signer: &'a str,
    pub received: String,
    pub used: String,
    pub unused: String,
    pub has_unused: bool,
    pub link: &'a str,
    /// Who the organisation asks about the case (the programme's contact).
    pub contact: &'a Contact,
}

impl Receipt<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Kvittens: återrapportering {} för {} har kommit in",
            self.registration_number, self.year
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/report_supplement_requested.txt")]
pub struct SupplementRequested<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub message: &'a str,
    pub due_on: &'a str,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl SupplementRequested<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Komplettering begärs: återrapportering {} för {}",
            self.registration_number, self.year
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/report_supplement_received.txt")]
pub struct SupplementReceived<'a> {
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub version: i32,
    pub submitted_at: &'a str,
    pub link: &'a str,
}

impl SupplementReceived<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Komplettering inkommen: återrapportering {} för {} från {}",
            self.registration_number, self.year, self.organisation
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

/// The repayment in the approval message.
pub struct ClaimText {
    pub amount: String,
    pub reference: String,
    pub due_on: String,
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "email/report_approved.txt")]
pub struct Approved<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub claim: Option<ClaimText>,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl Approved<'_> {
    pub fn subject(&self) -> String {
        match &self.claim {
            Some(c) => format!(
                "Återrapportering godkänd – återbetalning {}: {} för {}",
                c.amount, self.registration_number, self.year
            ),
            None => format!(
                "Återrapportering godkänd: {} för {}",
                self.registration_number, self.year
            ),
        }
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/report_reminder.txt")]
pub struct Reminder<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub due_on: &'a str,
    pub overdue: bool,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl Reminder<'_> {
    pub fn subject(&self) -> String {
        if self.overdue {
            format!(
                "Återrapportering saknas: {} för {} (skulle ha kommit in {})",
                self.registration_number, self.year, self.due_on
            )
        } else {
            format!(
                "Påminnelse: återrapportering {} för {} senast {}",
                self.registration_number, self.year, self.due_on
            )
        }
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}
