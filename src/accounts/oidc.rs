//! Logging in with e-legitimation (BankID, Freja eID) through an OpenID Connect provider, as
//! Swedish identity providers offer it: the authorization code flow with PKCE (S256), the
//! provider found by discovery, the ID token's signature, issuer, audience, nonce and expiry
//! checked (openidconnect's `IdTokenVerifier`), and the person read from the claims of the
//! Swedish OIDC profile (`https://id.oidc.se/claim/personalIdentityNumber`, `given_name`,
//! `family_name`; the scope `https://id.oidc.se/scope/naturalPersonNumber`).
//!
//! The provider is discovered on first use and its metadata (with its signing keys) kept for
//! an hour: the service starts, and serves local logins, while the provider is down; a login
//! attempt then gets a Swedish message. The personal identity number never leaves this
//! module except as a [`PersonalNumber`], whose `Debug` and `Display` show only the masked
//! form; nothing here logs it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IssuerUrl, LanguageTag, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::pin::{PersonalNumber, PinError};

/// The scope that asks for the person's identity number and name.
pub const SCOPE_NATURAL_PERSON: &str = "https://id.oidc.se/scope/naturalPersonNumber";
/// The claim with the personal identity number (12 digits).
pub const CLAIM_PERSONAL_NUMBER: &str = "https://id.oidc.se/claim/personalIdentityNumber";
/// The claim with a coordination number, for a person who has no personal identity number.
pub const CLAIM_COORDINATION_NUMBER: &str = "https://id.oidc.se/claim/coordinationNumber";
/// Where the provider sends the person back (appended to `PUBLIC_URL`); registered with the
/// provider as the client's redirect URI.
pub const CALLBACK_PATH: &str = "/logga-in/e-legitimation/svar";
/// How long a login begun at the provider may take before its answer is refused.
pub const PENDING_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);
/// How long discovered metadata (and its signing keys) is used before it is fetched again.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);
/// After a failed discovery, further attempts within this time fail at once instead of each
/// waiting for a provider that is down.
const FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// How far the provider's clock may be behind ours when a signature's `auth_time` is compared
/// with the moment the signing began.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::seconds(30);
/// Requests to the provider (discovery, keys, token, user info) give up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

/// The identity provider, as configured (`OIDC_*`, `LOCAL_LOGIN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The provider's issuer identifier, exactly as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The agency's staff may log in with e-legitimation too (their accounts must carry
    /// their number); otherwise only applicants.
    pub staff_login: bool,
    /// E-mail and password logins stay open beside e-legitimation.
    pub local_login: bool,
}

impl OidcSettings {
    /// The settings from their parts: issuer, client id and secret all or none (an empty
    /// value counts as none). Without them the service offers local logins only, so
    /// `local_login = false` or `staff_login = true` alone is a mistake. The error is a
    /// Swedish sentence for the start-up message.
    pub fn from_parts(
        issuer: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        staff_login: bool,
        local_login: bool,
    ) -> Result<Option<OidcSettings>, String> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let parts = [
            ("OIDC_ISSUER", given(issuer)),
            ("OIDC_CLIENT_ID", given(client_id)),
            ("OIDC_CLIENT_SECRET", given(client_secret)),
        ];
        let missing: Vec<&str> = parts
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        match (given(issuer), given(client_id), given(client_secret)) {
            (Some(issuer), Some(client_id), Some(client_secret)) => {
                check_issuer(issuer)?;
                Ok(Some(OidcSettings {
                    issuer: issuer.to_string(),
                    client_id: client_id.to_string(),
                    client_secret: Secret::new(client_secret),
                    staff_login,
                    local_login,
                }))
            }
            (None, None, None) => {
                if !local_login {
                    return Err(
                        "LOCAL_LOGIN=false stänger inloggning med lösenord, men ingen \
                        identitetsleverantör är inställd (OIDC_ISSUER, OIDC_CLIENT_ID och \
                        OIDC_CLIENT_SECRET): ingen skulle kunna logga in."
                            .to_string(),
                    );
                }
                if staff_login {
                    return Err("OIDC_STAFF_LOGIN=true kräver en identitetsleverantör \
                        (OIDC_ISSUER, OIDC_CLIENT_ID och OIDC_CLIENT_SECRET)."
                        .to_string());
                }
                Ok(None)
            }
            _ => Err(format!(
                "Inloggning med e-legitimation kräver OIDC_ISSUER, OIDC_CLIENT_ID och \
                 OIDC_CLIENT_SECRET tillsammans; {} saknas.",
                missing.join(" och ")
            )),
        }
    }
}

/// An issuer is an https URL without query or fragment; plain http only on the loopback
/// (a test provider on this machine).
fn check_issuer(issuer: &str) -> Result<(), String> {
    let url = openidconnect::url::Url::parse(issuer)
        .map_err(|e| format!("OIDC_ISSUER är ingen giltig adress: {e}."))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("OIDC_ISSUER får inte ha någon frågedel (?) eller fragment (#).".into());
    }
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err("OIDC_ISSUER ska börja med https:// (http:// bara för en \
             identitetsleverantör på den egna datorn, 127.0.0.1)."
            .into()),
    }
}

/// Why the person is sent to the provider, and where they go afterwards.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purpose {
    /// Logging in; then to `next` (a path on this site).
    Login { next: String },
    /// Signing (submitting an application or a report): a fresh e-legitimation of the
    /// person already logged in; then back to `next`.
    Sign { next: String },
    /// Accepting an invitation with e-legitimation (the invitation link's token).
    Invitation { token: String },
}

impl Purpose {
    pub fn is_signing(&self) -> bool {
        matches!(self, Purpose::Sign { .. })
    }
}

impl fmt::Debug for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Purpose::Login { next } => f.debug_struct("Login").field("next", next).finish(),
            Purpose::Sign { next } => f.debug_struct("Sign").field("next", next).finish(),
            Purpose::Invitation { .. } => f.write_str("Invitation { token: *** }"),
        }
    }
}

/// What the session keeps between sending the person to the provider and their return:
/// the state to compare, the nonce and PKCE verifier to prove the answer is this login's.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub purpose: Purpose,
    state: String,
    nonce: String,
    pkce_verifier: String,
    pub started_at: DateTime<Utc>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("purpose", &self.purpose)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Whether an answer's `state` is this login's (compared in constant time).
    pub fn state_matches(&self, state: &str) -> bool {
        !state.is_empty() && bool::from(self.state.as_bytes().ct_eq(state.as_bytes()))
    }

    /// Whether the answer comes too late.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.started_at > PENDING_LIFETIME || now < self.started_at - CLOCK_SKEW
    }
}

/// The person, as the provider vouched for them.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedPerson {
    pub pin: PersonalNumber,
    pub given_name: String,
    pub family_name: String,
    /// The provider's assurance level (the `acr` claim), e.g.
    /// `http://id.elegnamnden.se/loa/1.0/loa3`.
    pub loa: Option<String>,
    /// When the person proved who they were at the provider.
    pub auth_time: Option<DateTime<Utc>>,
}

impl VerifiedPerson {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_string()
    }
}

/// What can go wrong with a login at the provider. Each has a Swedish message for the person;
/// none carries any part of a personal identity number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OidcError {
    /// No provider is configured.
    #[error("e-legitimation is not configured")]
    NotConfigured,
    /// The provider did not answer (discovery, keys or token endpoint).
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// The person cancelled at the provider (`error=access_denied`).
    #[error("cancelled at the identity provider")]
    Cancelled,
    /// The provider answered with another error code.
    #[error("identity provider error: {0}")]
    Provider(String),
    /// No login is pending in this session, or the state does not match it: a callback
    /// that was never issued here, one used already, or one from another browser.
    #[error("unknown or reused state")]
    UnknownState,
    /// The login began too long ago.
    #[error("login expired")]
    Expired,
    /// The token endpoint refused the code (used twice, expired, wrong verifier).
    #[error("token request refused: {0}")]
    TokenRefused(String),
    /// The ID token failed verification (signature, issuer, audience, nonce, expiry, the
    /// access token's hash). Written to the audit trail.
    #[error("ID token failed verification: {0}")]
    Verification(String),
    /// A claim the profile requires is missing (the name of the claim).
    #[error("missing claim {0}")]
    MissingClaim(&'static str),
    /// The number in the claim is not a valid personal identity or coordination number.
    #[error("invalid personal identity number: {0}")]
    BadNumber(PinError),
    /// Signing: the provider did not make the person prove who they were after the signing
    /// began (no `auth_time`, or an earlier one).
    #[error("the authentication is not fresh")]
    NotFresh,
}

impl OidcError {
    /// What the person reads. `local_login`: whether the password form is there to fall back
    /// on.
    pub fn message(&self, local_login: bool) -> String {
        let fallback = if local_login {
            " Du kan också logga in med e-postadress och lösenord."
        } else {
            ""
        };
        match self {
            OidcError::NotConfigured => {
                "Inloggning med e-legitimation finns inte i den här tjänsten.".to_string()
            }
            OidcError::Unavailable(_) => format!(
                "Tjänsten för e-legitimation svarar inte just nu. Försök igen om en stund.{fallback}"
            ),
            OidcError::Cancelled => {
                "Du avbröt inloggningen med e-legitimation. Ingenting har ändrats. Försök igen när du vill.".to_string()
            }
            OidcError::Provider(_) => format!(
                "Inloggningen med e-legitimation misslyckades hos tjänsten för e-legitimation. Försök igen.{fallback}"
            ),
            OidcError::UnknownState => {
                "Inloggningen kunde inte slutföras: svaret från e-legitimationen hör inte till en inloggning som pågår i den här webbläsaren (den kan redan ha använts). Börja om.".to_string()
            }
            OidcError::Expired => {
                "Inloggningen tog för lång tid och har gått ut. Börja om.".to_string()
            }
            OidcError::TokenRefused(_) => {
                "Inloggningen kunde inte slutföras: tjänsten för e-legitimation godkände inte svaret (det kan redan ha använts eller ha gått ut). Börja om.".to_string()
            }
            OidcError::Verification(_) => {
                "Inloggningen kunde inte slutföras: svaret från tjänsten för e-legitimation kunde inte kontrolleras. Försöket har loggats. Börja om, och kontakta oss om det händer igen.".to_string()
            }
            OidcError::MissingClaim(_) => {
                "Inloggningen kunde inte slutföras: e-legitimationen gav inte ditt personnummer och namn. Kontakta oss om det händer igen.".to_string()
            }
            OidcError::BadNumber(_) => {
                "Inloggningen kunde inte slutföras: personnumret från e-legitimationen är inte giltigt. Kontakta oss om det händer igen.".to_string()
            }
            OidcError::NotFresh => {
                "Underskriften kunde inte göras: e-legitimationen gjordes inte nu. Försök igen.".to_string()
            }
        }
    }

    /// The failures that may be an attack rather than a mishap: written to the audit trail.
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, OidcError::Verification(_))
    }

    /// The status of the page that tells the person.
    pub fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            OidcError::NotConfigured => StatusCode::NOT_FOUND,
            OidcError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            OidcError::Cancelled | OidcError::NotFresh => StatusCode::UNAUTHORIZED,
            OidcError::Provider(_) | OidcError::TokenRefused(_) => StatusCode::BAD_GATEWAY,
            OidcError::UnknownState | OidcError::Expired => StatusCode::BAD_REQUEST,
            OidcError::Verification(_) | OidcError::MissingClaim(_) | OidcError::BadNumber(_) => {
                StatusCode::FORBIDDEN
            }
        }
    }

    /// A short description for the audit trail and logs (never the number).
    pub fn detail(&self) -> String {
        let mut text = self.to_string();
        if text.len() > 300 {
            let mut end = 300;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        text
    }
}

/// The Swedish profile's identity claims, beside the standard ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwedishClaims {
    #[serde(
        rename = "https://id.oidc.se/claim/personalIdentityNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub personal_identity_number: Option<String>,
    #[serde(
        rename = "https://id.oidc.se/claim/coordinationNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub coordination_number: Option<String>,
}

impl AdditionalClaims for SwedishClaims {}

type SeIdTokenFields = IdTokenFields<
    SwedishClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type SeTokenResponse = StandardTokenResponse<SeIdTokenFields, CoreTokenType>;
/// A client for a discovered provider, reading the Swedish claims.
type SeClient = Client<
    SwedishClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    SeTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Cached {
    metadata: CoreProviderMetadata,
    fetched: Instant,
}

#[derive(Default)]
struct Discovery {
    cached: Option<Cached>,
    failed_at: Option<Instant>,
}

/// The configured provider: its settings, the HTTP client that talks to it and the
/// discovered metadata. One per process, shared by every request.
pub struct Provider {
    settings: OidcSettings,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: openidconnect::reqwest::Client,
    discovery: tokio::sync::Mutex<Discovery>,
    /// The key of the keyed hash that recognises a person's number.
    recognition_key: Vec<u8>,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.settings.issuer)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider handle: nothing is fetched yet. `public_url` is where people reach the
    /// service (the callback is `public_url` + [`CALLBACK_PATH`]).
    pub fn new(
        settings: OidcSettings,
        public_url: &str,
        recognition_key: Vec<u8>,
    ) -> Result<Provider, String> {
        let issuer = IssuerUrl::new(settings.issuer.clone())
            .map_err(|e| format!("OIDC_ISSUER är ingen giltig adress: {e}"))?;
        let redirect = RedirectUrl::new(format!(
            "{}{CALLBACK_PATH}",
            public_url.trim_end_matches('/')
        ))
        .map_err(|e| {
            format!("PUBLIC_URL ger ingen giltig adress för e-legitimationens svar: {e}")
        })?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to server-side request forgery.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP-klienten för e-legitimation: {e}"))?;
        Ok(Provider {
            settings,
            issuer,
            redirect,
            http,
            discovery: tokio::sync::Mutex::new(Discovery::default()),
            recognition_key,
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The issuer identifier, as configured.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The redirect URI to register with the provider.
    pub fn redirect_uri(&self) -> &str {
        self.redirect.as_str()
    }

    /// The key of the keyed hash that recognises a person's number (`pin_hash`).
    pub fn recognition_key(&self) -> &[u8] {
        &self.recognition_key
    }

    /// The provider's metadata: from the cache while fresh, otherwise discovered again (an
    /// old copy is used if the provider does not answer). At most one discovery at a time.
    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        let mut discovery = self.discovery.lock().await;
        if let Some(cached) = &discovery.cached
            && cached.fetched.elapsed() < METADATA_LIFETIME
        {
            return Ok(cached.metadata.clone());
        }
        if let Some(failed_at) = discovery.failed_at
            && failed_at.elapsed() < FAILURE_BACKOFF
        {
            if let Some(cached) = &discovery.cached {
                return Ok(cached.metadata.clone());
            }
            return Err(OidcError::Unavailable(
                "discovery failed moments ago".into(),
            ));
        }
        match CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                discovery.cached = Some(Cached {
                    metadata: metadata.clone(),
                    fetched: Instant::now(),
                });
                discovery.failed_at = None;
                Ok(metadata)
            }
            Err(e) => {
                discovery.failed_at = Some(Instant::now());
                let reason = error_chain(&e);
                tracing::warn!(issuer = %self.settings.issuer, error = %reason, "OpenID discovery failed");
                match &discovery.cached {
                    Some(cached) => Ok(cached.metadata.clone()),
                    None => Err(OidcError::Unavailable(reason)),
                }
            }
        }
    }

    /// Forgets the metadata, so that the next login fetches it (and the signing keys) anew:
    /// after a token that failed verification, perhaps signed with a key rotated in since.
    async fn forget_metadata(&self) {
        self.discovery.lock().await.cached = None;
    }

    async fn client(&self) -> Result<SeClient, OidcError> {
        let metadata = self.metadata().await?;
        Ok(SeClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose().to_string(),
            )),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// The address to send the person to, and what to keep in their session until they come
    /// back. Signing asks the provider for a new authentication (`prompt=login`,
    /// `max_age=0`).
    pub async fn start(
        &self,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<(String, PendingLogin), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new(SCOPE_NATURAL_PERSON.to_string()))
            .add_ui_locale(LanguageTag::new("sv".to_string()))
            .set_pkce_challenge(challenge);
        if purpose.is_signing() {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            purpose,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: now,
        };
        Ok((url.to_string(), pending))
    }

    /// Completes a login: the state compared, the code exchanged (with the PKCE verifier),
    /// the ID token verified, the person read from its claims (or, where the provider keeps
    /// them there, from the user info endpoint). For signing, the authentication must have
    /// happened after the signing began.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        code: &str,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<VerifiedPerson, OidcError> {
        if !pending.state_matches(state) {
            return Err(OidcError::UnknownState);
        }
        if pending.expired(now) {
            return Err(OidcError::Expired);
        }
        let client = self.client().await?;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unavailable(format!("no token endpoint: {e}")))?;
        let response = exchange
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    OidcError::TokenRefused(r.error().as_ref().to_string())
                }
                RequestTokenError::Request(e) => OidcError::Unavailable(error_chain(&e)),
                RequestTokenError::Parse(e, _) => {
                    OidcError::Verification(format!("unreadable token response: {e}"))
                }
                RequestTokenError::Other(e) => OidcError::Unavailable(e),
            })?;
        let verified = self.verify(&client, &response, pending, now).await;
        if matches!(verified, Err(OidcError::Verification(_))) {
            self.forget_metadata().await;
        }
        verified
    }

    async fn verify(
        &self,
        client: &SeClient,
        response: &SeTokenResponse,
        pending: &PendingLogin,
        now: DateTime<Utc>,
    ) -> Result<VerifiedPerson, OidcError> {
        let id_token = response
            .id_token()
            .ok_or_else(|| OidcError::Verification("no ID token in the token response".into()))?;
        let verifier = client.id_token_verifier().set_time_fn(move || now);
        let nonce = Nonce::new(pending.nonce.clone());
        let claims: &IdTokenClaims<SwedishClaims, CoreGenderClaim> = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| OidcError::Verification(error_chain(&e)))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| OidcError::Verification(error_chain(&e)))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| OidcError::Verification(error_chain(&e)))?;
            let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
                .map_err(|e| OidcError::Verification(error_chain(&e)))?;
            if actual != *expected {
                return Err(OidcError::Verification(
                    "the access token does not match at_hash".into(),
                ));
            }
        }
        let mut found = Found::from_id_token(claims);
        if found.number().is_none() || found.given_name.is_none() || found.family_name.is_none() {
            // Some providers release the identity only at the user info endpoint.
            if let Ok(request) = client.user_info(
                response.access_token().clone(),
                Some(claims.subject().clone()),
            ) {
                match request
                    .request_async::<SwedishClaims, _, CoreGenderClaim>(&self.http)
                    .await
                {
                    Ok(info) => found.fill_from_user_info(&info),
                    Err(e) => {
                        tracing::warn!(error = %error_chain(&e), "OpenID user info request failed")
                    }
                }
            }
        }
        let person = found.into_person(crate::clock::stockholm_date(now))?;
        if pending.purpose.is_signing() {
            let fresh = person
                .auth_time
                .is_some_and(|at| at >= pending.started_at - CLOCK_SKEW && at <= now + CLOCK_SKEW);
            if !fresh {
                return Err(OidcError::NotFresh);
            }
        }
        Ok(person)
    }
}

/// The identity claims as found, before they are checked.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    pub personal_identity_number: Option<String>,
    pub coordination_number: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub acr: Option<String>,
    pub auth_time: Option<DateTime<Utc>>,
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Found {
    fn from_id_token(claims: &IdTokenClaims<SwedishClaims, CoreGenderClaim>) -> Found {
        let extra = claims.additional_claims();
        Found {
            personal_identity_number: non_empty(extra.personal_identity_number.as_deref()),
            coordination_number: non_empty(extra.coordination_number.as_deref()),
            given_name: non_empty(
                claims
                    .given_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str()),
            ),
            family_name: non_empty(
                claims
                    .family_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str()),
            ),
            acr: claims.auth_context_ref().map(|a| a.to_string()),
            auth_time: claims.auth_time(),
        }
    }

    fn fill_from_user_info(&mut self, info: &UserInfoClaims<SwedishClaims, CoreGenderClaim>) {
        let extra = info.additional_claims();
        if self.number().is_none() {
            self.personal_identity_number = non_empty(extra.personal_identity_number.as_deref());
            self.coordination_number = non_empty(extra.coordination_number.as_deref());
        }
        if self.given_name.is_none() {
            self.given_name = non_empty(
                info.given_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str()),
            );
        }
        if self.family_name.is_none() {
            self.family_name = non_empty(
                info.family_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str()),
            );
        }
    }

    /// The personal identity number, or else the coordination number.
    fn number(&self) -> Option<&str> {
        self.personal_identity_number
            .as_deref()
            .or(self.coordination_number.as_deref())
    }

    /// The checked person: a valid number (the personal identity number, or a coordination
    /// number when there is none) and both names.
    pub fn into_person(mut self, today: chrono::NaiveDate) -> Result<VerifiedPerson, OidcError> {
        for claim in [
            &mut self.personal_identity_number,
            &mut self.coordination_number,
            &mut self.given_name,
            &mut self.family_name,
        ] {
            *claim = non_empty(claim.as_deref());
        }
        let raw = self
            .number()
            .ok_or(OidcError::MissingClaim(CLAIM_PERSONAL_NUMBER))?;
        let pin = PersonalNumber::parse(raw, today).map_err(OidcError::BadNumber)?;
        // The coordination number claim must hold one; the personal number claim must not.
        let from_coordination_claim = self.personal_identity_number.is_none();
        if from_coordination_claim != pin.is_coordination_number() {
            return Err(OidcError::BadNumber(PinError::InvalidDate));
        }
        let given_name = self
            .given_name
            .ok_or(OidcError::MissingClaim("given_name"))?;
        let family_name = self
            .family_name
            .ok_or(OidcError::MissingClaim("family_name"))?;
        Ok(VerifiedPerson {
            pin,
            given_name,
            family_name,
            loa: self.acr,
            auth_time: self.auth_time,
        })
    }
}

/// An error and its sources, one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// A provider for the application state, if configured.
pub type SharedProvider = Option<Arc<Provider>>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
    }

    fn found(pin: Option<&str>) -> Found {
        Found {
            personal_identity_number: pin.map(str::to_string),
            coordination_number: None,
            given_name: Some("Tolvan".into()),
            family_name: Some("Tolvansson".into()),
            acr: Some("http://id.elegnamnden.se/loa/1.0/loa3".into()),
            auth_time: None,
        }
    }

    #[test]
    fn reads_the_person_from_the_claims() {
        let person = found(Some("191212121212")).into_person(today()).unwrap();
        assert_eq!(person.pin.masked(), "19121212-****");
        assert_eq!(person.full_name(), "Tolvan Tolvansson");
        assert_eq!(
            person.loa.as_deref(),
            Some("http://id.elegnamnden.se/loa/1.0/loa3")
        );
        // Debug never shows the number.
        assert!(!format!("{person:?}").contains("1212121212"));
    }

    #[test]
    fn a_missing_number_or_name_is_refused() {
        assert_eq!(
            found(None).into_person(today()),
            Err(OidcError::MissingClaim(CLAIM_PERSONAL_NUMBER))
        );
        assert_eq!(
            found(Some("  ")).into_person(today()),
            Err(OidcError::MissingClaim(CLAIM_PERSONAL_NUMBER)),
            "an empty claim is no claim"
        );
        let mut no_name = found(Some("191212121212"));
        no_name.given_name = None;
        assert_eq!(
            no_name.into_person(today()),
            Err(OidcError::MissingClaim("given_name"))
        );
        let mut no_family = found(Some("191212121212"));
        no_family.family_name = None;
        assert_eq!(
            no_family.into_person(today()),
            Err(OidcError::MissingClaim("family_name"))
        );
    }

    #[test]
    fn a_bad_number_is_refused() {
        assert_eq!(
            found(Some("191212121213")).into_person(today()),
            Err(OidcError::BadNumber(PinError::CheckDigit))
        );
        assert_eq!(
            found(Some("19121212121")).into_person(today()),
            Err(OidcError::BadNumber(PinError::Format))
        );
        assert_eq!(
            found(Some("20300101-1232")).into_person(today()),
            Err(OidcError::BadNumber(PinError::Future))
        );
        // A coordination number is not a personal identity number.
        assert!(matches!(
            found(Some("198001611238")).into_person(today()),
            Err(OidcError::BadNumber(_))
        ));
        // No error or message holds the number.
        let error = found(Some("191212121213"))
            .into_person(today())
            .unwrap_err();
        assert!(!format!("{error:?}").contains("1212"));
        assert!(!error.message(true).contains("1212"));
        assert!(!error.detail().contains("1212"));
    }

    #[test]
    fn a_coordination_number_is_taken_when_there_is_no_personal_number() {
        let mut claims = found(None);
        claims.coordination_number = Some("198001611238".into());
        let person = claims.into_person(today()).unwrap();
        assert!(person.pin.is_coordination_number());
        assert_eq!(person.pin.masked(), "19800161-****");
        // A personal identity number in the coordination claim is refused.
        let mut wrong = found(None);
        wrong.coordination_number = Some("191212121212".into());
        assert!(matches!(
            wrong.into_person(today()),
            Err(OidcError::BadNumber(_))
        ));
        // The personal identity number wins when both are there.
        let mut both = found(Some("191212121212"));
        both.coordination_number = Some("198001611238".into());
        assert_eq!(
            both.into_person(today()).unwrap().pin.masked(),
            "19121212-****"
        );
    }

    #[test]
    fn the_claims_deserialise_under_their_profile_names() {
        let claims: SwedishClaims = serde_json::from_str(
            r#"{"https://id.oidc.se/claim/personalIdentityNumber":"191212121212","other":1}"#,
        )
        .unwrap();
        assert_eq!(
            claims.personal_identity_number.as_deref(),
            Some("191212121212")
        );
        assert_eq!(claims.coordination_number, None);
    }

    #[test]
    fn settings_are_all_or_nothing() {
        assert_eq!(
            OidcSettings::from_parts(None, None, None, false, true),
            Ok(None)
        );
        assert_eq!(
            OidcSettings::from_parts(Some(""), Some(" "), None, false, true),
            Ok(None)
        );
        let error = OidcSettings::from_parts(Some("https://idp.example"), None, None, false, true)
            .unwrap_err();
        assert!(
            error.contains("OIDC_CLIENT_ID och OIDC_CLIENT_SECRET saknas"),
            "{error}"
        );
        assert!(OidcSettings::from_parts(None, None, None, false, false).is_err());
        assert!(OidcSettings::from_parts(None, None, None, true, true).is_err());
        let settings = OidcSettings::from_parts(
            Some("https://idp.example"),
            Some("statsbidrag"),
            Some("hemligt"),
            true,
            false,
        )
        .unwrap()
        .unwrap();
        assert!(settings.staff_login && !settings.local_login);
        assert!(!format!("{settings:?}").contains("hemligt"));
        assert!(
            OidcSettings::from_parts(
                Some("http://idp.example"),
                Some("a"),
                Some("b"),
                false,
                true
            )
            .is_err(),
            "plain http only on the loopback"
        );
        assert!(
            OidcSettings::from_parts(
                Some("http://127.0.0.1:9"),
                Some("a"),
                Some("b"),
                false,
                true
            )
            .is_ok()
        );
        assert!(
            OidcSettings::from_parts(Some("not a url"), Some("a"), Some("b"), false, true).is_err()
        );
    }

    #[test]
    fn a_pending_login_expires_after_ten_minutes() {
        let start: DateTime<Utc> = "2026-06-15T10:00:00Z".parse().unwrap();
        let pending = PendingLogin {
            purpose: Purpose::Login { next: "/".into() },
            state: "s".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            started_at: start,
        };
        assert!(!pending.expired(start + chrono::Duration::minutes(9)));
        assert!(pending.expired(start + chrono::Duration::minutes(11)));
        let shown = format!("{pending:?}");
        assert!(
            !shown.contains("pkce") && !shown.contains("nonce"),
            "{shown}"
        );
        let invitation = Purpose::Invitation {
            token: "secret-token".into(),
        };
        assert!(!format!("{invitation:?}").contains("secret-token"));
    }
}
