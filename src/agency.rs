//! Who runs the service and how people reach it, in one place: the agency's name, postal
//! address, phone, e-mail and web address (`fixtures/agency.toml`, built into the binary),
//! and the contact of the unit that runs a grant programme (stored with the programme,
//! `programmes.contact_email` and `contact_phone`). Pages, e-mails and decision letters take
//! their contact details from here, never from literals of their own.
//!
//! The agency is one per installation and its details are part of the build, like the
//! reference data, so they are read once and reachable from anywhere, including the error
//! pages, which are rendered without the application's state.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::calls::Programme;
use crate::error::AppError;

/// The agency's details as shipped (also listed in `fixtures::EMBEDDED`, so that the folder
/// and the binary cannot disagree about which files there are).
pub const SOURCE: &str = include_str!("../fixtures/agency.toml");

/// The agency that runs the service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub name: String,
    /// As written on an envelope: "Socialstyrelsen, 106 30 Stockholm".
    pub postal_address: String,
    pub phone: String,
    /// The agency's general mailbox (its registry).
    pub email: String,
    /// The agency's own website.
    pub web: String,
    /// The data protection officer (dataskyddsombud).
    pub data_protection_email: String,
}

impl Agency {
    /// Reads and checks the agency's file. Every field is shown to people, so an empty one
    /// is an error, not a blank on every page.
    pub fn parse(text: &str) -> Result<Agency, String> {
        let agency: Agency = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let fields = [
            ("name", &agency.name),
            ("postal_address", &agency.postal_address),
            ("phone", &agency.phone),
            ("email", &agency.email),
            ("web", &agency.web),
            ("data_protection_email", &agency.data_protection_email),
        ];
        for (field, value) in fields {
            if value.trim().is_empty() {
                return Err(format!("fältet {field} är tomt"));
            }
        }
        for (field, value) in [
            ("email", &agency.email),
            ("data_protection_email", &agency.data_protection_email),
        ] {
            if !looks_like_email(value) {
                return Err(format!("fältet {field} är ingen e-postadress: {value}"));
            }
        }
        if !agency.web.starts_with("https://") && !agency.web.starts_with("http://") {
            return Err(format!("fältet web ska börja med https://: {}", agency.web));
        }
        Ok(agency)
    }

    /// What a page or an e-mail shows as the agency's contact.
    pub fn contact(&self) -> Contact {
        Contact {
            agency: self.name.clone(),
            unit: String::new(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }

    /// The phone number as a `tel:` link.
    pub fn phone_href(&self) -> String {
        phone_href(&self.phone)
    }

    /// The web address without its scheme, as people read it ("www.socialstyrelsen.se").
    pub fn web_label(&self) -> &str {
        self.web
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
    }
}

fn looks_like_email(value: &str) -> bool {
    let value = value.trim();
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !value.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The agency's file, read on first use. `check` is called at start, so a file that does
/// not read stops the service before any page is shown; the stand-in below is never seen
/// by anyone but is there so that nothing here can panic.
static AGENCY: LazyLock<Agency> = LazyLock::new(|| {
    Agency::parse(SOURCE).unwrap_or_else(|e| {
        tracing::error!(error = %e, "fixtures/agency.toml");
        Agency {
            name: "Myndigheten".into(),
            postal_address: String::new(),
            phone: String::new(),
            email: String::new(),
            web: String::new(),
            data_protection_email: String::new(),
        }
    })
});

/// The agency that runs the service.
pub fn agency() -> &'static Agency {
    &AGENCY
}

/// Whether the agency's file reads; the start refuses to go on otherwise.
pub fn check() -> Result<(), String> {
    Agency::parse(SOURCE).map(|_| ())
}

/// Who to ask about something: the agency, or the unit of it that runs a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub agency: String,
    /// The unit ("Avdelningen Behörighet och statsbidrag"), or empty for the agency as such.
    pub unit: String,
    pub email: String,
    pub phone: String,
}

impl Contact {
    /// "Avdelningen Behörighet och statsbidrag på Socialstyrelsen", or "Socialstyrelsen".
    pub fn who(&self) -> String {
        if self.unit.trim().is_empty() {
            self.agency.clone()
        } else {
            format!("{} på {}", self.unit.trim(), self.agency)
        }
    }

    /// The phone number as a `tel:` link.
    pub fn phone_href(&self) -> String {
        phone_href(&self.phone)
    }

    /// The closing line of an e-mail about a case: who to ask, and the number to quote.
    pub fn case_line(&self, registration_number: &str) -> String {
        format!(
            "Har ni frågor om ärendet? Kontakta {}: e-post {}, telefon {}. Ange diarienummer {registration_number}.",
            self.who(),
            self.email,
            self.phone
        )
    }

    /// The closing line of an e-mail about a person's account.
    pub fn account_line(&self) -> String {
        format!(
            "Har du frågor om ditt konto eller om e-tjänsten? Kontakta {}: e-post {}, telefon {}.",
            self.who(),
            self.email,
            self.phone
        )
    }
}

/// The contact for a programme's cases: the mailbox and phone of the unit running the
/// grant. A programme stored before it had contact details (or loaded without them) falls
/// back to the agency's mailbox and phone, so that no one is ever left without one.
pub fn of_programme(programme: &Programme) -> Contact {
    let agency = agency();
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Contact {
        agency: programme.agency_name.clone(),
        unit: programme.agency_unit.clone(),
        email: given(&programme.contact_email).unwrap_or_else(|| agency.email.clone()),
        phone: given(&programme.contact_phone).unwrap_or_else(|| agency.phone.clone()),
    }
}

/// The contact for a call's cases (its programme's), for messages made where only the call
/// is at hand.
pub fn of_call(conn: &mut DbConnection, call_id: &str) -> Result<Contact, AppError> {
    let call = crate::db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    let def = crate::db::calls::load_definition(conn, call)?;
    Ok(of_programme(&def.programme))
}

/// "075-247 30 00" → "tel:+46752473000": the digits, with Sweden's country code for a
/// number written with its leading 0. A number already written with + keeps its own.
pub fn phone_href(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if phone.trim_start().starts_with('+') {
        format!("tel:+{digits}")
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("tel:+46{national}")
    } else {
        format!("tel:{digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_reads() {
        let agency = Agency::parse(SOURCE).unwrap();
        assert_eq!(agency.name, "Socialstyrelsen");
        assert_eq!(agency.web_label(), "www.socialstyrelsen.se");
        assert_eq!(agency.phone_href(), "tel:+46752473000");
        assert!(check().is_ok());
    }

    #[test]
    fn an_empty_or_wrong_field_is_refused_by_name() {
        let broken = SOURCE.replace("phone = \"075-247 30 00\"", "phone = \" \"");
        assert!(Agency::parse(&broken).unwrap_err().contains("phone"));
        let broken = SOURCE.replace("registrator@", "registrator-at-");
        assert!(Agency::parse(&broken).unwrap_err().contains("email"));
        let misspelt = SOURCE.replace("postal_address", "postal_adress");
        assert!(Agency::parse(&misspelt).is_err());
    }

    #[test]
    fn phone_links_carry_the_country_code() {
        assert_eq!(phone_href("075-247 30 00"), "tel:+46752473000");
        assert_eq!(phone_href("+46 75 247 30 00"), "tel:+46752473000");
        assert_eq!(phone_href("112"), "tel:112");
    }
}
