//! E-mailed one-time links to choose a password: an invitation for a new person, a reset for
//! a forgotten password. The token is random (about 256 bits), travels only in the e-mail,
//! and is stored only as its SHA-256; a link works once, until it expires, and a newer link
//! to the same person makes older ones void.

use askama::Template;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use super::MIN_PASSWORD_LENGTH;
use crate::clock::format_stockholm;
use crate::db::account_links::{self as store, AccountLink, LinkPurpose};
use crate::db::accounts::{self as users, User};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::outbox::{self, Links};

/// How long an invitation link works: long enough for someone away a few days.
pub const INVITATION_VALID_FOR: Duration = Duration::days(7);
/// How long a reset link works: a forgotten password is reset at once or asked for again.
pub const RESET_VALID_FOR: Duration = Duration::hours(1);
/// Used and expired links are kept this long, so that an old link is answered "expired"
/// or "already used" rather than "unknown"; then they are removed.
const KEPT_AFTER_EXPIRY: Duration = Duration::days(30);
const TOKEN_LENGTH: usize = 43;

impl LinkPurpose {
    pub fn valid_for(self) -> Duration {
        match self {
            LinkPurpose::Invitation => INVITATION_VALID_FOR,
            LinkPurpose::Reset => RESET_VALID_FOR,
        }
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(TOKEN_LENGTH)
        .map(char::from)
        .collect()
}

/// Where a token is used: the page that asks for the new password.
pub fn url(links: &Links, token: &str) -> String {
    format!("{}/valj-losenord/{token}", links.base)
}

/// A link just made: its token (for the e-mail only: it is never stored or logged) and when
/// it expires.
pub struct IssuedLink {
    pub token: String,
    pub expires: DateTime<Utc>,
}

/// A new link for a person; every older open link of theirs becomes void.
pub fn issue(
    conn: &mut DbConnection,
    user: &User,
    purpose: LinkPurpose,
    created_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IssuedLink, AppError> {
    store::delete_expired_before(conn, (now - KEPT_AFTER_EXPIRY).naive_utc())?;
    store::revoke_open(conn, &user.id, None, now.naive_utc())?;
    let token = new_token();
    let expires = now + purpose.valid_for();
    store::insert(
        conn,
        &AccountLink {
            id: db::new_id(),
            user_id: user.id.clone(),
            purpose,
            token_hash: hash_token(&token),
            created_at: now.naive_utc(),
            expires_at: expires.naive_utc(),
            used_at: None,
            revoked_at: None,
            created_by: created_by.map(str::to_string),
        },
    )?;
    Ok(IssuedLink { token, expires })
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Revoked,
    Expired,
    AccountInactive,
}

impl LinkProblem {
    /// What the person with the link reads, in Swedish, with what to do instead.
    pub fn message(self) -> String {
        match self {
            LinkProblem::Unknown => "Länken finns inte. Kontrollera att hela adressen från e-postmeddelandet kom med, eller begär en ny länk under \"Glömt lösenordet?\" på inloggningssidan.".to_string(),
            LinkProblem::Used => "Länken har redan använts. En länk fungerar bara en gång. Har du glömt lösenordet du valde kan du begära en ny länk under \"Glömt lösenordet?\" på inloggningssidan.".to_string(),
            LinkProblem::Revoked => "Länken gäller inte längre: en nyare länk har skickats till dig, eller lösenordet har ändrats på annat sätt. Använd den senaste länken du har fått, eller begär en ny under \"Glömt lösenordet?\" på inloggningssidan.".to_string(),
            LinkProblem::Expired => format!(
                "Länken har gått ut. En inbjudan gäller i {} dagar och en länk för nytt lösenord i {} timme. Begär en ny länk under \"Glömt lösenordet?\" på inloggningssidan, eller be den som bjöd in dig att skicka en ny inbjudan.",
                INVITATION_VALID_FOR.num_days(),
                RESET_VALID_FOR.num_hours()
            ),
            LinkProblem::AccountInactive => "Kontot är inaktiverat, så länken kan inte användas. Kontakta myndighetens administratör eller din organisations företrädare.".to_string(),
        }
    }
}

/// The link a token belongs to and its person, if the link can still be used.
pub fn check(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<(AccountLink, User), LinkProblem>, AppError> {
    // Anything but a token of ours is unknown without asking the database (a token is
    // ASCII letters and digits only, so no byte of it can trouble a query).
    if token.len() != TOKEN_LENGTH || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(Err(LinkProblem::Unknown));
    }
    let Some(link) = store::find_by_hash(conn, &hash_token(token))? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if link.used_at.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if link.revoked_at.is_some() {
        return Ok(Err(LinkProblem::Revoked));
    }
    if link.expires_at <= now.naive_utc() {
        return Ok(Err(LinkProblem::Expired));
    }
    match users::find(conn, &link.user_id)? {
        Some(user) if user.active => Ok(Ok((link, user))),
        _ => Ok(Err(LinkProblem::AccountInactive)),
    }
}

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationMail<'a> {
    agency: &'a str,
    contact: &'a crate::agency::Contact,
    name: &'a str,
    email: &'a str,
    invited_by: &'a str,
    organisation: Option<&'a str>,
    link: &'a str,
    valid_until: &'a str,
    login: &'a str,
    min_length: usize,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct ResetMail<'a> {
    agency: &'a str,
    contact: &'a crate::agency::Contact,
    name: &'a str,
    email: &'a str,
    link: &'a str,
    valid_until: &'a str,
    min_length: usize,
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct ChangedMail<'a> {
    agency: &'a str,
    contact: &'a crate::agency::Contact,
    name: &'a str,
    email: &'a str,
    changed_at: &'a str,
    login: &'a str,
}

/// What an e-mail needs to say about the service.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub links: Links,
    pub agency: String,
    /// Who people ask about their account: the agency (`agency::agency`).
    pub contact: crate::agency::Contact,
}

impl MailContext {
    pub fn new(links: &Links, agency: &str) -> MailContext {
        MailContext {
            links: links.clone(),
            agency: agency.to_string(),
            contact: crate::agency::agency().contact(),
        }
    }

    fn login(&self) -> String {
        format!("{}/logga-in", self.links.base)
    }
}

/// Queues the invitation with its link.
pub fn queue_invitation(
    conn: &mut DbConnection,
    mail: &MailContext,
    user: &User,
    invited_by: &str,
    organisation: Option<&str>,
    link: &IssuedLink,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let body = render(&InvitationMail {
        agency: &mail.agency,
        contact: &mail.contact,
        name: &user.name,
        email: &user.email,
        invited_by,
        organisation,
        link: &url(&mail.links, &link.token),
        valid_until: &format_stockholm(link.expires.naive_utc()),
        login: &mail.login(),
        min_length: MIN_PASSWORD_LENGTH,
    })?;
    outbox::queue_with_one_time_link(
        conn,
        now,
        outbox::About::account(outbox::kind::INVITATION),
        &user.email,
        &format!(
            "Välj lösenord till ditt konto i {}s e-tjänst för statsbidrag",
            mail.agency
        ),
        &body,
    )
}

/// Queues the reset link.
pub fn queue_reset(
    conn: &mut DbConnection,
    mail: &MailContext,
    user: &User,
    link: &IssuedLink,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let body = render(&ResetMail {
        agency: &mail.agency,
        contact: &mail.contact,
        name: &user.name,
        email: &user.email,
        link: &url(&mail.links, &link.token),
        valid_until: &format_stockholm(link.expires.naive_utc()),
        min_length: MIN_PASSWORD_LENGTH,
    })?;
    outbox::queue_with_one_time_link(
        conn,
        now,
        outbox::About::account(outbox::kind::PASSWORD_RESET),
        &user.email,
        &format!(
            "Nytt lösenord till {}s e-tjänst för statsbidrag",
            mail.agency
        ),
        &body,
    )
}

/// Tells a person that their password changed, so that a change they did not make is
/// noticed.
pub fn queue_changed_notice(
    conn: &mut DbConnection,
    mail: &MailContext,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let body = render(&ChangedMail {
        agency: &mail.agency,
        contact: &mail.contact,
        name: &user.name,
        email: &user.email,
        changed_at: &format_stockholm(now.naive_utc()),
        login: &mail.login(),
    })?;
    outbox::queue(
        conn,
        now,
        outbox::About::account(outbox::kind::PASSWORD_CHANGED),
        &user.email,
        &format!(
            "Ditt lösenord i {}s e-tjänst för statsbidrag har ändrats",
            mail.agency
        ),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), TOKEN_LENGTH);
        assert_ne!(a, b);
        let hashed = hash_token(&a);
        assert_eq!(hashed.len(), 64);
        assert!(!hashed.contains(&a));
    }
}
