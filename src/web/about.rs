//! Pages about the service itself, for anyone: how to reach the agency (`/kontakt`) and
//! which cookies and personal data the service uses (`/personuppgifter`). What they say
//! about cookies and lifetimes is read from the running service (the cookie names, the
//! session settings, the throttle's and the kept forms' limits), so the text cannot drift
//! from what the code does.

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::{PageContext, WebError, render, stash};
use crate::agency::{self, Contact};
use crate::error::AppError;
use crate::http::{self, MaybeActor, State};

/// A programme's name and who answers questions about its cases.
pub struct ProgrammeContact {
    pub name: String,
    pub contact: Contact,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    ctx: PageContext,
    programmes: Vec<ProgrammeContact>,
}

/// One cookie the service sets, as the page lists it.
pub struct Cookie {
    pub name: &'static str,
    pub purpose: String,
    pub lifetime: String,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    ctx: PageContext,
    cookies: Vec<Cookie>,
    session_cookie: &'static str,
    /// `SESSION_IDLE_MINUTES` and `SESSION_MAX_HOURS` as this service runs them.
    idle_minutes: i64,
    max_hours: i64,
    /// How long a run of wrong passwords (with the client's address) is remembered.
    throttle_hours: i64,
    /// How long a form posted after the session ended is kept.
    kept_form_hours: i64,
}

/// The frame for a page anyone may read: with the logout form's token when logged in.
fn context(
    state: &State,
    session: &Session,
    actor: MaybeActor,
    current: &'static str,
) -> Result<PageContext, WebError> {
    let csrf = match &actor.0 {
        Some(_) => http::csrf_token(session)?,
        None => String::new(),
    };
    Ok(PageContext::new(actor.0, csrf, &state.agency_name, current))
}

pub async fn contact(
    state: State,
    session: Session,
    actor: MaybeActor,
) -> Result<HttpResponse, WebError> {
    let programmes = state
        .db
        .run(|c| Ok::<_, AppError>(crate::db::calls::list_programmes(c)?))
        .await?
        .iter()
        .map(|p| ProgrammeContact {
            name: p.name.clone(),
            contact: agency::of_programme(p),
        })
        .collect();
    let page = ContactPage {
        ctx: context(&state, &session, actor, "contact")?,
        programmes,
    };
    render(StatusCode::OK, &page)
}

/// The cookies the service sets, with their real names and lifetimes.
fn cookies(idle_minutes: i64, max_hours: i64) -> Vec<Cookie> {
    vec![
        Cookie {
            name: crate::startup::SESSION_COOKIE,
            purpose: "Håller dig inloggad och skyddar formulären mot förfalskade anrop från andra webbplatser. Kakan innehåller bara en krypterad slumpmässig nyckel; uppgifterna om inloggningen finns hos oss. Den sätts när du öppnar inloggningssidan eller loggar in.".into(),
            lifetime: format!(
                "Tills du stänger webbläsaren. Inloggningen upphör när du loggar ut, efter {idle_minutes} minuter utan att du gör något och senast {max_hours} timmar efter att du loggade in."
            ),
        },
        Cookie {
            name: stash::FORM_KEY_COOKIE,
            purpose: "Gör att det du har skrivit i en ansökan, en återrapport eller en ansökan om omfördelning inte går förlorat om inloggningen hinner upphöra innan du skickar formuläret: texten sparas och visas för dig igen när du har loggat in. Sätts bara när du är inloggad och öppnar ett sådant formulär.".into(),
            lifetime: format!(
                "{} dagar. Ett sparat formulär tas bort efter {} timmar.",
                stash::FORM_KEY_COOKIE_DAYS,
                stash::KEEP_FOR_HOURS
            ),
        },
    ]
}

pub async fn privacy(
    state: State,
    session: Session,
    actor: MaybeActor,
) -> Result<HttpResponse, WebError> {
    let idle_minutes = state.sessions.idle.num_minutes();
    let max_hours = state.sessions.max.num_hours();
    let page = PrivacyPage {
        ctx: context(&state, &session, actor, "privacy")?,
        cookies: cookies(idle_minutes, max_hours),
        session_cookie: crate::startup::SESSION_COOKIE,
        idle_minutes,
        max_hours,
        throttle_hours: crate::accounts::throttle::FORGET_AFTER.num_hours(),
        kept_form_hours: stash::KEEP_FOR_HOURS,
    };
    render(StatusCode::OK, &page)
}
