//! Logging in and signing with e-legitimation (BankID, Freja eID) through the OpenID Connect
//! provider (`accounts::oidc`): the link on the login page sends the person to the provider,
//! the provider sends them back to the callback, and the callback logs them in, shows the
//! first-login page (a person without an account gives an e-mail address), or records a
//! signature. Every failure is a Swedish message on the login page (or, when signing, on a
//! page that leads back), never a 500.
//!
//! For the rest of the service: [`login_method`], [`fresh_signature`] and
//! [`consume_signature`]: submitting an application or a report asks a person who logged in
//! with e-legitimation for a fresh one (`POST /underskrift`, with `next` back to the page),
//! and records who, how and when.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{login_page, safe_next};
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::accounts::oidc::{OidcError, PendingLogin, Provider, Purpose, VerifiedPerson};
use crate::accounts::people::{self, NewPerson, SignIn};
use crate::error::{AppError, FieldErrors};
use crate::http::{
    self, Authenticated, MaybeActor, SESSION_EID_NEW_PERSON, SESSION_EID_PENDING,
    SESSION_LOGIN_METHOD, SESSION_SIGNATURE, SESSION_USER, State,
};

/// How the person of a session logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum LoginMethod {
    /// E-mail address and password (also every session from before the method was kept).
    Password,
    /// E-legitimation, with the provider's assurance level (`acr`).
    ELegitimation { loa: Option<String> },
}

/// How the person of this session logged in (set at login, both kinds).
pub fn login_method(session: &Session) -> LoginMethod {
    session
        .get::<LoginMethod>(SESSION_LOGIN_METHOD)
        .ok()
        .flatten()
        .unwrap_or(LoginMethod::Password)
}

/// A signature: how the person proved who they were when they signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// "password" or "e-legitimation".
    pub method: &'static str,
    /// The provider's assurance level, for e-legitimation.
    pub loa: Option<String>,
    pub at: DateTime<Utc>,
}

pub const METHOD_PASSWORD: &str = "password";
pub const METHOD_ELEGITIMATION: &str = "e-legitimation";

/// How long a signature made with e-legitimation may wait for what it signs.
pub const SIGNATURE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// A signature as the session keeps it: whose it is, so that it counts for no one else.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSignature {
    user_id: String,
    loa: Option<String>,
    at: DateTime<Utc>,
}

/// For a person who logged in with e-legitimation: the signature they made in the last 10
/// minutes, if any (`None`: ask for one, `POST /underskrift`). For a password login:
/// `Some(Signature { method: "password", loa: None, at: now })`.
pub fn fresh_signature(session: &Session, actor: &Actor, now: DateTime<Utc>) -> Option<Signature> {
    match login_method(session) {
        LoginMethod::Password => Some(Signature {
            method: METHOD_PASSWORD,
            loa: None,
            at: now,
        }),
        LoginMethod::ELegitimation { .. } => {
            let stored = session
                .get::<StoredSignature>(SESSION_SIGNATURE)
                .ok()
                .flatten()?;
            let fresh = stored.user_id == actor.user_id
                && stored.at <= now
                && now - stored.at <= SIGNATURE_LIFETIME;
            fresh.then_some(Signature {
                method: METHOD_ELEGITIMATION,
                loa: stored.loa,
                at: stored.at,
            })
        }
    }
}

/// Uses up the signature: one signature signs one thing.
pub fn consume_signature(session: &Session) {
    session.remove(SESSION_SIGNATURE);
}

fn insert<T: Serialize>(session: &Session, key: &str, value: &T) -> Result<(), AppError> {
    session
        .insert(key, value)
        .map_err(|e| AppError::Internal(format!("session insert: {e}")))
}

/// Logs `actor` in on this session: a new session key (a key planted before login is
/// worthless after), the person, a new CSRF token, how they logged in; nothing left of a
/// login or signature in progress.
pub(crate) fn start_session(
    session: &Session,
    actor: &Actor,
    method: &LoginMethod,
) -> Result<(), AppError> {
    for key in [
        SESSION_EID_PENDING,
        SESSION_EID_NEW_PERSON,
        SESSION_SIGNATURE,
    ] {
        session.remove(key);
    }
    session.renew();
    insert(session, SESSION_USER, &actor.user_id)?;
    http::renew_csrf_token(session)?;
    insert(session, SESSION_LOGIN_METHOD, method)
}

fn provider(state: &State) -> Result<std::sync::Arc<Provider>, WebError> {
    state
        .oidc
        .clone()
        .ok_or_else(|| WebError::from(AppError::NotFound))
}

/// The login page with why the login with e-legitimation failed.
fn login_failed(
    state: &State,
    session: &Session,
    next: &str,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, WebError> {
    login_page(
        state,
        session,
        status,
        next,
        FieldErrors::single("e-legitimation", message),
    )
}

#[derive(Template)]
#[template(path = "eid_message.html")]
struct MessagePage {
    ctx: PageContext,
    title: String,
    message: String,
    /// Where the person goes on from here.
    back: String,
    back_label: String,
}

/// A page that tells a logged-in person why signing did not work, with the way back.
fn signing_failed(
    state: &State,
    session: &Session,
    actor: Option<Actor>,
    status: StatusCode,
    message: String,
    back: &str,
) -> Result<HttpResponse, WebError> {
    let ctx = match actor {
        Some(actor) => PageContext::for_person(actor, session, &state.agency_name, "")?,
        None => PageContext::new(None, http::csrf_token(session)?, &state.agency_name, ""),
    };
    let page = MessagePage {
        ctx,
        title: "Underskriften gjordes inte".to_string(),
        message,
        back: safe_next(back),
        back_label: "Tillbaka".to_string(),
    };
    render(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// `GET /logga-in/e-legitimation?next=`: off to the provider.
pub async fn start_login(
    state: State,
    session: Session,
    actor: MaybeActor,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, WebError> {
    let provider = provider(&state)?;
    let next = safe_next(&query.next);
    if actor.0.is_some() {
        return Ok(redirect(&next));
    }
    let now = state.clock.now();
    match provider
        .start(Purpose::Login { next: next.clone() }, now)
        .await
    {
        Ok((url, pending)) => {
            insert(&session, SESSION_EID_PENDING, &pending)?;
            Ok(redirect(&url))
        }
        Err(error) => {
            let local = state.local_login();
            login_failed(
                &state,
                &session,
                &next,
                error.status(),
                error.message(local),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "eid_redirect.html")]
struct RedirectPage {
    agency: String,
    /// The provider's authorization address.
    url: String,
}

#[derive(Debug, Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

/// `POST /underskrift` (`csrf_token`, `next`): a fresh e-legitimation to sign with; back to
/// `next` when it is made.
pub async fn start_signing(
    state: State,
    session: Session,
    actor: Authenticated,
    form: web::Form<SignForm>,
) -> Result<HttpResponse, WebError> {
    let provider = provider(&state)?;
    let next = safe_next(&form.next);
    let actor = actor.0;
    if !http::csrf_matches(&session, &form.csrf_token) {
        return signing_failed(
            &state,
            &session,
            Some(actor),
            StatusCode::FORBIDDEN,
            super::CSRF_REFUSED.to_string(),
            &next,
        );
    }
    if actor.pin_masked.is_none() {
        return signing_failed(
            &state,
            &session,
            Some(actor),
            StatusCode::CONFLICT,
            "Ditt konto är inte kopplat till någon e-legitimation, så du kan inte skriva under med en. Logga in med e-legitimation först."
                .to_string(),
            &next,
        );
    }
    let now = state.clock.now();
    match provider
        .start(Purpose::Sign { next: next.clone() }, now)
        .await
    {
        Ok((url, pending)) => {
            insert(&session, SESSION_EID_PENDING, &pending)?;
            // Not a redirect: the Content-Security-Policy's `form-action 'self'` also holds
            // for where a form's answer redirects, so a 303 to the provider would be blocked.
            // A page that moves on by itself (and has a link, should it not) is no form's.
            let page = RedirectPage {
                agency: state.agency_name.clone(),
                url,
            };
            render(StatusCode::OK, &page)
        }
        Err(error) => signing_failed(
            &state,
            &session,
            Some(actor),
            error.status(),
            error.message(false),
            &next,
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// The provider that answered (RFC 9207), where the provider names itself.
    iss: Option<String>,
}

/// `GET /logga-in/e-legitimation/svar`: the provider's answer.
pub async fn callback(
    state: State,
    session: Session,
    actor: MaybeActor,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, WebError> {
    let provider = provider(&state)?;
    let now = state.clock.now();
    let local = state.local_login();
    // The pending login is taken out at once: an answer counts once.
    let pending = session
        .remove_as::<PendingLogin>(SESSION_EID_PENDING)
        .and_then(Result::ok);
    let Some(pending) = pending else {
        let error = OidcError::UnknownState;
        tracing::info!(error = %error, "e-legitimation answer without a pending login");
        return login_failed(&state, &session, "/", error.status(), error.message(local));
    };
    let query = query.into_inner();
    let answer_state = query.state.unwrap_or_default();
    let result = match (query.error, query.code) {
        _ if !pending.state_matches(&answer_state) => Err(OidcError::UnknownState),
        // An answer naming another provider: a mix-up, never this login's.
        _ if query
            .iss
            .as_deref()
            .is_some_and(|iss| iss != provider.issuer()) =>
        {
            Err(OidcError::Verification(
                "the answer names another issuer".into(),
            ))
        }
        (Some(code), _) if code == "access_denied" => Err(OidcError::Cancelled),
        (Some(code), _) => Err(OidcError::Provider(code.chars().take(100).collect())),
        (None, Some(code)) => provider.finish(&pending, &code, &answer_state, now).await,
        (None, None) => Err(OidcError::Provider("no code in the answer".into())),
    };
    let person = match result {
        Ok(person) => person,
        Err(error) => return answer_failed(&state, &session, actor.0, &pending, error).await,
    };
    match pending.purpose {
        Purpose::Login { next } => logged_in(&state, &session, &provider, person, &next).await,
        Purpose::Sign { next } => signed(&state, &session, actor.0, &provider, person, &next).await,
        Purpose::Invitation { token } => {
            invitation_answered(&state, &session, &provider, person, &token).await
        }
    }
}

/// `GET /valj-losenord/{token}/e-legitimation`: takes up an invitation with e-legitimation
/// instead of a password (a link, not a form: the provider is another origin).
pub async fn start_invitation(
    state: State,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let provider = provider(&state)?;
    let token = path.into_inner();
    let now = state.clock.now();
    match provider.start(Purpose::Invitation { token }, now).await {
        Ok((url, pending)) => {
            insert(&session, SESSION_EID_PENDING, &pending)?;
            Ok(redirect(&url))
        }
        Err(error) => login_failed(
            &state,
            &session,
            "/",
            error.status(),
            error.message(state.local_login()),
        ),
    }
}

/// An invitation accepted with e-legitimation: `person` (verified) takes up the invitation
/// whose link carried `token` (`accounts::invitation_eid`), and is logged in with its role.
async fn invitation_answered(
    state: &State,
    session: &Session,
    provider: &Provider,
    person: VerifiedPerson,
    token: &str,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let key = provider.recognition_key().to_vec();
    let staff_login = provider.settings().staff_login;
    let loa = person.loa.clone();
    let token = token.to_string();
    let outcome = state
        .db
        .run(move |c| {
            crate::accounts::invitation_eid::accept(c, &token, &person, &key, staff_login, now)
        })
        .await?;
    match outcome {
        crate::accounts::invitation_eid::Accepted::Done(actor) => {
            start_session(session, &actor, &LoginMethod::ELegitimation { loa })?;
            Ok(redirect("/"))
        }
        crate::accounts::invitation_eid::Accepted::Link(problem) => {
            login_failed(state, session, "/", StatusCode::GONE, problem.message())
        }
        crate::accounts::invitation_eid::Accepted::Refused(message) => {
            login_failed(state, session, "/", StatusCode::CONFLICT, message)
        }
    }
}

/// Tells the person why the answer was not accepted (and records an answer that failed
/// verification).
async fn answer_failed(
    state: &State,
    session: &Session,
    actor: Option<Actor>,
    pending: &PendingLogin,
    error: OidcError,
) -> Result<HttpResponse, WebError> {
    let local = state.local_login();
    if error.is_verification_failure() {
        tracing::warn!(error = %error.detail(), "e-legitimation answer failed verification");
        let (detail, now, who) = (error.detail(), state.clock.now(), actor.clone());
        state
            .db
            .run(move |c| people::record_verification_failure(c, who.as_ref(), &detail, now))
            .await?;
    } else {
        tracing::info!(error = %error.detail(), "e-legitimation login not completed");
    }
    match &pending.purpose {
        Purpose::Sign { next } => signing_failed(
            state,
            session,
            actor,
            error.status(),
            error.message(false),
            next,
        ),
        Purpose::Login { next } => {
            login_failed(state, session, next, error.status(), error.message(local))
        }
        Purpose::Invitation { .. } => {
            login_failed(state, session, "/", error.status(), error.message(local))
        }
    }
}

/// What the session keeps for the first-login page.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FirstLogin {
    person: NewPerson,
    next: String,
}

async fn logged_in(
    state: &State,
    session: &Session,
    provider: &Provider,
    person: VerifiedPerson,
    next: &str,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let key = provider.recognition_key().to_vec();
    let settings = provider.settings().clone();
    let found = {
        let person = person.clone();
        let key = key.clone();
        state
            .db
            .run(move |c| people::sign_in(c, &person, &key, &settings, now))
            .await?
    };
    match found {
        SignIn::Known(actor) => {
            start_session(
                session,
                &actor,
                &LoginMethod::ELegitimation {
                    loa: person.loa.clone(),
                },
            )?;
            Ok(redirect(next))
        }
        SignIn::New => {
            session.remove(SESSION_USER);
            let first = FirstLogin {
                person: NewPerson::new(&person, &key, now),
                next: next.to_string(),
            };
            insert(session, SESSION_EID_NEW_PERSON, &first)?;
            Ok(redirect(FIRST_LOGIN_PATH))
        }
        SignIn::Refused(message) => {
            login_failed(state, session, next, StatusCode::FORBIDDEN, message)
        }
    }
}

async fn signed(
    state: &State,
    session: &Session,
    actor: Option<Actor>,
    provider: &Provider,
    person: VerifiedPerson,
    next: &str,
) -> Result<HttpResponse, WebError> {
    let Some(actor) = actor else {
        // The session ended while the person was at the provider.
        return Err(AppError::Unauthenticated.into());
    };
    let now = state.clock.now();
    let key = provider.recognition_key().to_vec();
    let (who, loa) = (actor.clone(), person.loa.clone());
    let same = state
        .db
        .run(move |c| {
            let same = people::is_same_person(c, &who.user_id, &person, &key)?;
            people::record_signature(c, &who, &person, same, now)?;
            Ok::<_, AppError>(same)
        })
        .await?;
    if !same {
        session.remove(SESSION_SIGNATURE);
        return signing_failed(
            state,
            session,
            Some(actor),
            StatusCode::FORBIDDEN,
            "Underskriften gjordes med en annan persons e-legitimation. Du kan bara skriva under med din egen. Ingenting har skickats in."
                .to_string(),
            next,
        );
    }
    insert(
        session,
        SESSION_SIGNATURE,
        &StoredSignature {
            user_id: actor.user_id.clone(),
            loa,
            at: now,
        },
    )?;
    Ok(redirect(next))
}

/// The first-login page.
pub const FIRST_LOGIN_PATH: &str = "/forsta-inloggningen";

#[derive(Template)]
#[template(path = "eid_first_login.html")]
struct FirstLoginPage {
    ctx: PageContext,
    name: String,
    pin_masked: String,
    email: String,
    errors: FieldErrors,
}

/// The person waiting for their account, if there is one and it is not too late.
fn waiting_person(session: &Session, now: DateTime<Utc>) -> Option<FirstLogin> {
    let first = session
        .get::<FirstLogin>(SESSION_EID_NEW_PERSON)
        .ok()
        .flatten()?;
    if first.person.expired(now) {
        session.remove(SESSION_EID_NEW_PERSON);
        return None;
    }
    Some(first)
}

fn first_login_page(
    state: &State,
    session: &Session,
    first: &FirstLogin,
    email: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let page = FirstLoginPage {
        ctx: PageContext::new(None, http::csrf_token(session)?, &state.agency_name, ""),
        name: first.person.full_name(),
        pin_masked: first.person.pin_masked.clone(),
        email,
        errors,
    };
    render(status, &page)
}

/// `GET /forsta-inloggningen`: the name and masked number from the e-legitimation, and a
/// field for the e-mail address. Without a person waiting: to the login page.
pub async fn first_login_form(state: State, session: Session) -> Result<HttpResponse, WebError> {
    let Some(first) = waiting_person(&session, state.clock.now()) else {
        return Ok(redirect("/logga-in"));
    };
    first_login_page(
        &state,
        &session,
        &first,
        String::new(),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct FirstLoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
}

/// `POST /forsta-inloggningen`: makes the account (an applicant acting for no organisation
/// yet) and logs the person in.
pub async fn first_login(
    state: State,
    session: Session,
    form: web::Form<FirstLoginForm>,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let Some(first) = waiting_person(&session, now) else {
        return Ok(redirect("/logga-in"));
    };
    let form = form.into_inner();
    // What was typed is shown again, unless it is far too long to be an address.
    let typed = if form.email.chars().count() <= 1024 {
        form.email.trim().to_string()
    } else {
        String::new()
    };
    if !http::csrf_matches(&session, &form.csrf_token) {
        return first_login_page(
            &state,
            &session,
            &first,
            typed,
            FieldErrors::single("email", super::CSRF_REFUSED),
            StatusCode::FORBIDDEN,
        );
    }
    let person = first.person.clone();
    let email = form.email;
    let created = state
        .db
        .run(move |c| people::create_person(c, &person, &email, now))
        .await;
    match created {
        Ok(actor) => {
            start_session(
                &session,
                &actor,
                &LoginMethod::ELegitimation {
                    loa: first.person.loa.clone(),
                },
            )?;
            Ok(redirect(&safe_next(&first.next)))
        }
        Err(AppError::Invalid(errors)) => first_login_page(
            &state,
            &session,
            &first,
            typed,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::Conflict(message)) => {
            session.remove(SESSION_EID_NEW_PERSON);
            login_failed(&state, &session, "/", StatusCode::CONFLICT, message)
        }
        Err(other) => Err(other.into()),
    }
}
