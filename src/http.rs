//! What the web pages and the JSON API share: the application state, the extractors for the
//! person behind a request, and CSRF tokens.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use rand::Rng;
use rand::distributions::Alphanumeric;
use subtle::ConstantTimeEq;

use crate::accounts::{self, Actor};
use crate::api::ApiError;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::AppError;
use crate::web::WebError;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: SharedClock,
    pub agency_name: String,
    pub links: crate::outbox::Links,
    /// Wrong passwords per account and per client address (one for the process).
    pub login_throttle: std::sync::Arc<accounts::throttle::Throttle>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<[IpAddr]>,
    /// How long sessions last, as the page about cookies and personal data tells people.
    pub sessions: accounts::session_store::SessionSettings,
    /// The identity provider for logging in with e-legitimation, when configured.
    pub oidc: Option<std::sync::Arc<accounts::oidc::Provider>>,
}

impl AppState {
    /// Whether e-mail and password logins are open (always, without an identity provider).
    pub fn local_login(&self) -> bool {
        self.oidc
            .as_ref()
            .is_none_or(|provider| provider.settings().local_login)
    }

    /// The throttle as it applies to this request's client.
    pub fn login_gate(&self, req: &HttpRequest) -> accounts::login::Gate<'_> {
        accounts::login::Gate {
            throttle: &self.login_throttle,
            address: client_address(req, &self.trusted_proxies),
        }
    }
}

/// The client's IP address: the connection's, unless it comes from a trusted proxy; then the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy (the ones to its
/// left were written by the client and prove nothing).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    nearest_untrusted(&forwarded, trusted_proxies).unwrap_or(peer)
}

fn nearest_untrusted(forwarded: &[&str], trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    for hop in forwarded.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted_proxies.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            // Something unreadable where an address should be: trust nothing further left.
            Err(_) => return None,
        }
    }
    None
}

pub type State = web::Data<AppState>;

/// Session keys.
pub const SESSION_USER: &str = "user_id";
pub const SESSION_CSRF: &str = "csrf";
/// How the person logged in (`web::oidc::LoginMethod`), set at every login.
pub const SESSION_LOGIN_METHOD: &str = "login_method";
/// A login begun at the identity provider: state, nonce, PKCE verifier, purpose.
pub const SESSION_EID_PENDING: &str = "eid_pending";
/// A person the provider vouched for who has no account yet (first-login page): the
/// keyed hash and masked number, never the number.
pub const SESSION_EID_NEW_PERSON: &str = "eid_new_person";
/// The last signature made with e-legitimation (who, assurance level, when).
pub const SESSION_SIGNATURE: &str = "eid_signature";

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// The logged-in person, if any.
async fn current_actor(req: &HttpRequest) -> Result<Option<Actor>, AppError> {
    let session = req.get_session();
    let user_id: Option<String> = session.get(SESSION_USER).unwrap_or(None);
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let state = req
        .app_data::<State>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?
        .clone();
    let actor = state
        .db
        .run(move |c| accounts::load_actor(c, &user_id))
        .await?;
    if actor.is_none() {
        // The account was deactivated or removed: end the session.
        session.purge();
    }
    Ok(actor)
}

fn to_http_error(req: &HttpRequest, error: AppError) -> actix_web::Error {
    if is_api(req) {
        ApiError(error).into()
    } else {
        WebError::from_request(req, error).into()
    }
}

/// A logged-in person. Refuses the request (login page, or 401 in the API) otherwise.
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match current_actor(&req).await {
                Ok(Some(actor)) => Ok(Authenticated(actor)),
                Ok(None) => Err(to_http_error(&req, AppError::Unauthenticated)),
                Err(e) => Err(to_http_error(&req, e)),
            }
        })
    }
}

/// The logged-in person, or nobody (public pages).
pub struct MaybeActor(pub Option<Actor>);

impl FromRequest for MaybeActor {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            current_actor(&req)
                .await
                .map(MaybeActor)
                .map_err(|e| to_http_error(&req, e))
        })
    }
}

fn new_token() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// The session's CSRF token, made on first use. Every form carries it; every POST checks it.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(token)) = session.get::<String>(SESSION_CSRF) {
        return Ok(token);
    }
    let token = new_token();
    session
        .insert(SESSION_CSRF, &token)
        .map_err(|e| AppError::Internal(format!("session insert: {e}")))?;
    Ok(token)
}

/// A fresh token, after logging in: a token seen before login is not trusted after it.
pub fn renew_csrf_token(session: &Session) -> Result<String, AppError> {
    let token = new_token();
    session
        .insert(SESSION_CSRF, &token)
        .map_err(|e| AppError::Internal(format!("session insert: {e}")))?;
    Ok(token)
}

/// Compares in constant time. A session without a token matches nothing.
pub fn csrf_matches(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(SESSION_CSRF) {
        Ok(Some(expected)) => {
            !submitted.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}

/// A PDF (a letter, an attachment) as a download: `attachment; filename="..."` with the name
/// also in UTF-8 where it is not plain ASCII, and the file's SHA-256 in `X-Content-SHA256` so
/// that a reader can check it.
pub fn pdf_response(
    filename: &str,
    sha256: Option<&str>,
    content: Vec<u8>,
) -> actix_web::HttpResponse {
    file_response(filename, "application/pdf", sha256, content)
}

/// A stored file as a download of its own type (an attachment question may take other
/// kinds than PDF); always as an attachment, never shown inline.
pub fn file_response(
    filename: &str,
    content_type: &str,
    sha256: Option<&str>,
    content: Vec<u8>,
) -> actix_web::HttpResponse {
    use actix_web::http::header::{
        Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    };
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !filename.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: filename.as_bytes().to_vec(),
        }));
    }
    let mut response = actix_web::HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters,
        });
    if let Some(sha) = sha256 {
        response.insert_header(("X-Content-SHA256", sha.to_string()));
    }
    response.body(content)
}

/// Wraps the session middleware: when it fails (its store could not read the session,
/// because the database is out of reach), the request gets the Swedish 503 page, or problem
/// JSON in the API, with `Retry-After`, instead of actix-session's empty 500. Handlers'
/// own errors are answers already by the time they get here; only a middleware further in
/// (the session layer) can fail like this.
pub async fn session_unavailable(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // Only the path is kept: a clone of the request held across the call would stop the
    // router from filling in its match info.
    let api = req.path().starts_with("/api/");
    next.call(req).await.map_err(|error| {
        let unavailable = AppError::Db(crate::db::DbError::Unavailable(format!(
            "session store: {error}"
        )));
        if api {
            ApiError(unavailable).into()
        } else {
            WebError::from(unavailable).into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::nearest_untrusted;
    use std::net::IpAddr;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let client: IpAddr = [192, 0, 2, 7].into();
        assert_eq!(
            nearest_untrusted(&["198.51.100.1", " 192.0.2.7", "10.0.0.1"], &[proxy]),
            Some(client),
            "the address a client wrote itself (leftmost) is not believed"
        );
        assert_eq!(nearest_untrusted(&["nonsense", "10.0.0.1"], &[proxy]), None);
        assert_eq!(nearest_untrusted(&[], &[proxy]), None);
    }
}
