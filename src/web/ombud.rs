//! Ombudsansökan (issue 14): the person's pages (their requests, the form, a request with
//! its history and the supplement form) and the officers' (the queue, a request with the
//! three actions). Thin handlers: read the form, call one use case in `ombud::workflow`,
//! render; a refused form comes back with everything typed and the messages beside their
//! fields (a file cannot be put back into a file field: the page says to choose it again).

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use super::oidc::{LoginMethod, login_method};
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::accounts::links::MailContext;
use crate::applications::workflow::{ATTACHMENT_MAX_BYTES, Upload};
use crate::codes::OrgRole;
use crate::db::organisations::Organisation;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, State};
use crate::ombud::workflow::{self, Filer, NewForm, Queue, RequestView};
use crate::ombud::{
    self, ApprovalInput, DocumentKind, FiledMethod, OmbudOrgKind, OmbudRequest, RequestInput,
    RequestStatus, document_field, document_hint, document_kind_of_field, field,
};

/// How the person of this session logged in, and whether the service asks for
/// e-legitimation (it does when an identity provider is configured).
fn filer(state: &State, session: &Session) -> Filer {
    let eid_required = state.oidc.is_some();
    match login_method(session) {
        LoginMethod::Password => Filer {
            method: FiledMethod::Password,
            loa: None,
            eid_required,
        },
        LoginMethod::ELegitimation { loa } => Filer {
            method: FiledMethod::ELegitimation,
            loa,
            eid_required,
        },
    }
}

fn mail(state: &State) -> MailContext {
    MailContext::new(&state.links, &state.agency_name)
}

/// The confirmation after a redirect (`?klart=`), from a closed set.
fn notice(req: &HttpRequest) -> Option<&'static str> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    let done = pairs.0.into_iter().rev().find(|(key, _)| key == "klart")?.1;
    match done.as_str() {
        "inskickad" => Some(
            "Din ombudsansökan är inskickad. Du har fått en kvittens med e-post. Ansökan och dokumenten är låsta.",
        ),
        "kompletterad" => {
            Some("Kompletteringen är inskickad. Ansökan ligger åter hos handläggaren.")
        }
        "komplettering-begard" => {
            Some("Kompletteringen är begärd. Personen har fått ett brev och ett e-postmeddelande.")
        }
        "godkand" => Some(
            "Ombudsansökan är godkänd. Personen är nu organisationens ombud och har fått ett brev och ett e-postmeddelande.",
        ),
        "avskriven" => {
            Some("Ombudsansökan är avskriven. Personen har fått ett brev och ett e-postmeddelande.")
        }
        _ => None,
    }
}

/// Every kind of organisation, as (code, label), in the order the form lists them.
fn org_kinds() -> Vec<(&'static str, &'static str)> {
    OmbudOrgKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The posted form with files

/// Most text a form may carry, as for other forms.
const TEXT_LIMIT: usize = 16 * 1024 * 1024;
/// Most fields a form may have: a few text fields and one file per kind of document.
const FIELD_LIMIT: usize = 100;
/// How far past the limit files are still read (and thrown away), so that the answer
/// reaches a browser that is still sending.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// A form as posted: its text fields, and a file per kind of document chosen (in the field
/// of that kind, see `ombud::document_field`). Urlencoded forms (without files) read too.
#[derive(Debug, Default)]
pub struct OmbudPost {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<(DocumentKind, Upload)>,
}

impl OmbudPost {
    fn data(&self) -> FormData {
        FormData::new(self.pairs.clone())
    }
}

impl FromRequest for OmbudPost {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<OmbudPost, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if multipart {
            let stream = Multipart::new(req.headers(), payload.take());
            Box::pin(async move { read_multipart(stream).await.map_err(|e| e.into()) })
        } else {
            let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
            Box::pin(async move {
                let pairs = form.await?.into_inner();
                Ok(OmbudPost {
                    pairs,
                    files: Vec::new(),
                })
            })
        }
    }
}

fn unreadable(detail: &str) -> WebError {
    tracing::info!(error = %detail, "unreadable multipart form body");
    WebError::from(AppError::invalid(
        "formulär",
        "Formuläret kunde inte läsas. Det kan vara för stort. Ladda om sidan och försök igen.",
    ))
}

async fn read_multipart(mut stream: Multipart) -> Result<OmbudPost, WebError> {
    let mut form = OmbudPost::default();
    let mut text_bytes = 0usize;
    let mut fields = 0usize;
    let mut drained = 0usize;
    while let Some(part) = stream.next().await {
        let mut part = part.map_err(|e| unreadable(&e.to_string()))?;
        fields += 1;
        if fields > FIELD_LIMIT {
            return Err(unreadable("too many fields"));
        }
        let name = part.name().unwrap_or_default().to_string();
        let filename = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        match filename {
            Some(filename) => {
                // A file: kept up to the attachment limit; beyond it only counted.
                let mut kept: Option<Vec<u8>> = Some(Vec::new());
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|e| unreadable(&e.to_string()))?;
                    match &mut kept {
                        Some(bytes) if bytes.len() + chunk.len() <= ATTACHMENT_MAX_BYTES => {
                            bytes.extend_from_slice(&chunk)
                        }
                        _ => {
                            kept = None;
                            drained += chunk.len();
                        }
                    }
                    if drained > DRAIN_LIMIT {
                        return Err(unreadable("files far above the limit"));
                    }
                }
                // Browsers send an empty, nameless part for a file field left empty.
                let chosen = !filename.is_empty() || kept.as_ref().is_none_or(|b| !b.is_empty());
                if let Some(kind) = document_kind_of_field(&name)
                    && chosen
                    && !form.files.iter().any(|(k, _)| *k == kind)
                {
                    form.files.push((
                        kind,
                        match kept {
                            Some(bytes) => Upload::new(&filename, bytes),
                            None => Upload::too_large(&filename),
                        },
                    ));
                }
            }
            None => {
                let mut value = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|e| unreadable(&e.to_string()))?;
                    text_bytes += chunk.len();
                    if text_bytes > TEXT_LIMIT {
                        return Err(unreadable("text above the limit"));
                    }
                    value.extend_from_slice(&chunk);
                }
                // The same characters are refused here as in every other body (see
                // `input_guard`, which leaves multipart bodies to their readers).
                if let Err(fault) = crate::input_guard::check_text(&value) {
                    return Err(WebError::from(AppError::invalid(name, fault.message())));
                }
                if let Err(fault) = crate::input_guard::check_str(&name) {
                    return Err(WebError::from(AppError::invalid(
                        "formulär",
                        fault.message(),
                    )));
                }
                let value =
                    String::from_utf8(value).map_err(|_| unreadable("text field is not UTF-8"))?;
                form.pairs.push((name, value));
            }
        }
    }
    Ok(form)
}

/// Said beside each file field when a form with files comes back: nothing was stored.
const CHOOSE_AGAIN: &str =
    "Filen är inte bifogad eftersom ingenting sparades. Välj den igen när uppgifterna är rättade.";

/// The refused form's messages, with a word beside every file that was chosen.
fn with_files_again(mut errors: FieldErrors, files: &[DocumentKind]) -> FieldErrors {
    for kind in files {
        if errors.get(document_field(*kind)).is_none() {
            errors.add(document_field(*kind), CHOOSE_AGAIN);
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------
// The person's pages

#[derive(Template)]
#[template(path = "ombud_list.html")]
struct ListPage {
    ctx: PageContext,
    requests: Vec<OmbudRequest>,
}

/// `GET /ombudsansokan`: the person's requests and the way to a new one. The agency's
/// people who read requests go to the queue.
pub async fn list(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    let actor = actor.0;
    if ombud::is_agency_reader(&actor) {
        return Ok(redirect("/ombudsansokningar"));
    }
    let viewer = actor.clone();
    let requests = state
        .db
        .run(move |c| workflow::list_own(c, &viewer))
        .await?;
    let page = ListPage {
        ctx: PageContext::for_person(actor, &session, &state.agency_name, "ombud")?,
        requests,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "ombud_form.html")]
struct FormPage {
    ctx: PageContext,
    input: RequestInput,
    errors: FieldErrors,
    /// The organisation they act for already, and their role in it.
    acting_for: Option<(Organisation, OrgRole)>,
    /// Why they may not file now.
    blocked: Option<String>,
    /// Whether logging in with e-legitimation would let them file.
    eid_login: bool,
    /// Their request that is being handled.
    open: Option<OmbudRequest>,
}

impl FormPage {
    fn error<S: AsRef<str>>(&self, name: S) -> Option<&str> {
        self.errors.get(name.as_ref())
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        org_kinds()
    }

    /// Each file field: (name, label, hint).
    fn documents(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        DocumentKind::ALL
            .iter()
            .map(|k| (document_field(*k), k.label(), document_hint(*k)))
            .collect()
    }

    fn signs(&self) -> &str {
        self.input.signs_for_organisation.trim()
    }
}

async fn form_page(
    state: &State,
    session: &Session,
    actor: Actor,
    input: Option<RequestInput>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let filer = filer(state, session);
    let viewer = actor.clone();
    let eid_login = filer.eid_required && filer.method != FiledMethod::ELegitimation;
    let form = state
        .db
        .run(move |c| workflow::new_form(c, &viewer, &filer, now))
        .await?;
    let (prefill, acting_for, blocked, open) = match form {
        NewForm::Ready {
            prefill,
            acting_for,
        } => (prefill, acting_for, None, None),
        NewForm::Open(open) => (RequestInput::default(), None, None, Some(open)),
        NewForm::Blocked(why) => (RequestInput::default(), None, Some(why), None),
    };
    let page = FormPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "ombud")?,
        input: input.unwrap_or(prefill),
        errors,
        acting_for,
        blocked,
        eid_login,
        open,
    };
    render(status, &page)
}

/// `GET /ombudsansokan/ny`: the form.
pub async fn new_form(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    form_page(
        &state,
        &session,
        actor.0,
        None,
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn request_input(form: &FormData) -> RequestInput {
    RequestInput {
        org_number: form.get(field::ORG_NUMBER),
        org_name: form.get(field::ORG_NAME),
        org_kind: form.get(field::ORG_KIND),
        signs_for_organisation: form.get(field::SIGNS),
        contact_email: form.get(field::CONTACT_EMAIL),
        contact_phone: form.get(field::CONTACT_PHONE),
        message: form.get(field::MESSAGE),
    }
}

/// `POST /ombudsansokan/ny`: files the request, or shows the form again as typed.
pub async fn create(
    state: State,
    session: Session,
    actor: Authenticated,
    posted: OmbudPost,
) -> Result<HttpResponse, WebError> {
    let form = posted.data();
    let input = request_input(&form);
    let files = posted.files;
    if !http::csrf_matches(&session, &form.get("csrf_token")) {
        let kinds: Vec<DocumentKind> = files.iter().map(|(kind, _)| *kind).collect();
        let errors = with_files_again(
            FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            &kinds,
        );
        return form_page(
            &state,
            &session,
            actor.0,
            Some(input),
            errors,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let filer = filer(&state, &session);
    let mail = mail(&state);
    let (who, typed) = (actor.0.clone(), input.clone());
    let kinds: Vec<DocumentKind> = files.iter().map(|(kind, _)| *kind).collect();
    let result = state
        .db
        .run(move |c| workflow::file(c, &who, &typed, &files, &filer, &mail, now))
        .await;
    match result {
        Ok(request) => Ok(redirect(&format!(
            "/ombudsansokan/{}?klart=inskickad",
            request.id
        ))),
        Err(AppError::Invalid(errors)) => {
            form_page(
                &state,
                &session,
                actor.0,
                Some(input),
                with_files_again(errors, &kinds),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "ombud_show.html")]
struct ShowPage {
    ctx: PageContext,
    view: RequestView,
    reply: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

impl ShowPage {
    fn error<S: AsRef<str>>(&self, name: S) -> Option<&str> {
        self.errors.get(name.as_ref())
    }

    fn documents(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        DocumentKind::ALL
            .iter()
            .map(|k| (document_field(*k), k.label(), document_hint(*k)))
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    reply: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let view = state
        .db
        .run(move |c| workflow::view(c, &viewer, &id, now))
        .await?;
    let page = ShowPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "ombud")?,
        view,
        reply,
        errors,
        notice,
    };
    render(status, &page)
}

/// `GET /ombudsansokan/{id}`: the person's request. The agency's readers see it on their
/// own page.
pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    if ombud::is_agency_reader(&actor.0) {
        return Ok(redirect(&format!(
            "/ombudsansokningar/{}",
            super::format::url_encode(&id)
        )));
    }
    show_page(
        &state,
        &session,
        actor.0,
        id,
        String::new(),
        FieldErrors::new(),
        notice(&req),
        StatusCode::OK,
    )
    .await
}

/// `POST /ombudsansokan/{id}/komplettera`: the person's supplement.
pub async fn supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    posted: OmbudPost,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let form = posted.data();
    let reply = form.get(field::REPLY);
    let files = posted.files;
    if !http::csrf_matches(&session, &form.get("csrf_token")) {
        let kinds: Vec<DocumentKind> = files.iter().map(|(kind, _)| *kind).collect();
        let errors = with_files_again(
            FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            &kinds,
        );
        return show_page(
            &state,
            &session,
            actor.0,
            id,
            reply,
            errors,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let mail = mail(&state);
    let kinds: Vec<DocumentKind> = files.iter().map(|(kind, _)| *kind).collect();
    let (who, request_id, typed) = (actor.0.clone(), id.clone(), reply.clone());
    let result = state
        .db
        .run(move |c| workflow::supplement(c, &who, &request_id, &typed, &files, &mail, now))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/ombudsansokan/{id}?klart=kompletterad"))),
        Err(AppError::Invalid(errors)) => {
            show_page(
                &state,
                &session,
                actor.0,
                id,
                reply,
                with_files_again(errors, &kinds),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /ombudsansokan/{id}/dokument/{document}`: a document, for the person and the
/// agency's readers.
pub async fn document(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, document_id) = path.into_inner();
    let now = state.clock.now();
    let document = state
        .db
        .run(move |c| workflow::document(c, &actor.0, &id, &document_id, now))
        .await?;
    Ok(http::pdf_response(
        &document.filename,
        Some(&document.sha256),
        document.content,
    ))
}

/// `GET /ombudsansokan/{id}/brev/{letter}`: a letter, for the person and the agency's
/// readers.
pub async fn letter(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, letter_id) = path.into_inner();
    let now = state.clock.now();
    let letter = state
        .db
        .run(move |c| workflow::letter(c, &actor.0, &id, &letter_id, now))
        .await?;
    Ok(http::pdf_response(
        &letter.filename,
        Some(&letter.sha256),
        letter.content,
    ))
}

// ---------------------------------------------------------------------------------------
// The officers' pages

#[derive(Template)]
#[template(path = "ombud_queue.html")]
struct QueuePage {
    ctx: PageContext,
    queue: Queue,
}

impl QueuePage {
    /// The filter's choices: (code, label with its count, selected).
    fn choices(&self) -> Vec<(&'static str, String, bool)> {
        let count = |status: RequestStatus| {
            self.queue
                .counts
                .iter()
                .find(|(s, _)| *s == status)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        let mut choices: Vec<(&'static str, String, bool)> = RequestStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    format!("{} ({})", s.label(), count(*s)),
                    self.queue.status == Some(*s),
                )
            })
            .collect();
        let total: i64 = self.queue.counts.iter().map(|(_, n)| *n).sum();
        choices.push((
            "alla",
            format!("Alla ({total})"),
            self.queue.status.is_none(),
        ));
        choices
    }

    fn caption(&self) -> String {
        match self.queue.status {
            Some(status) => format!("Ombudsansökningar: {}", status.label().to_lowercase()),
            None => "Alla ombudsansökningar".to_string(),
        }
    }

    fn limit(&self) -> i64 {
        workflow::QUEUE_LIMIT
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
}

/// `GET /ombudsansokningar?status=`: the queue, oldest first; without a status, those that
/// wait for an officer.
pub async fn queue(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, WebError> {
    let status = match query.status.trim() {
        "alla" => None,
        code => Some(RequestStatus::parse(code).unwrap_or(RequestStatus::Submitted)),
    };
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let queue = state
        .db
        .run(move |c| workflow::queue(c, &viewer, status, now))
        .await?;
    let page = QueuePage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "ombud_queue")?,
        queue,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "ombud_case.html")]
struct CasePage {
    ctx: PageContext,
    view: RequestView,
    /// What was typed in the form that came back.
    typed: FormData,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

impl CasePage {
    fn error<S: AsRef<str>>(&self, name: S) -> Option<&str> {
        self.errors.get(name.as_ref())
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        org_kinds()
    }

    /// A field of the approval form: as typed, or as the person filed it.
    fn approval(&self, name: &str) -> String {
        if self.typed.has(name) {
            return self.typed.get(name);
        }
        let r = &self.view.request;
        match name {
            field::ORG_NUMBER => r.org_number.clone(),
            field::ORG_NAME => r.org_name.clone(),
            field::ORG_KIND => r.org_kind.as_str().to_string(),
            _ => String::new(),
        }
    }

    fn typed(&self, name: &str) -> String {
        self.typed.get(name)
    }

    fn may_handle(&self) -> bool {
        self.ctx.actor.as_ref().is_some_and(|a| {
            ombud::may_handle(a, &self.view.request)
                && matches!(
                    self.view.request.status,
                    RequestStatus::Submitted | RequestStatus::SupplementRequested
                )
        })
    }

    fn awaits_officer(&self) -> bool {
        self.view.request.status == RequestStatus::Submitted
    }
}

#[allow(clippy::too_many_arguments)]
async fn case_page(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    typed: FormData,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let view = state
        .db
        .run(move |c| workflow::view(c, &viewer, &id, now))
        .await?;
    let page = CasePage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "ombud_queue")?,
        view,
        typed,
        errors,
        notice,
    };
    render(status, &page)
}

/// `GET /ombudsansokningar/{id}`: the request for the agency, with the actions. The person
/// who filed it reads it on their own page.
pub async fn case(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    if actor.0.role == crate::codes::Role::Applicant {
        // Their own request reads on their page; anyone else's is refused there (404).
        return Ok(redirect(&format!(
            "/ombudsansokan/{}",
            super::format::url_encode(&id)
        )));
    }
    case_page(
        &state,
        &session,
        actor.0,
        id,
        FormData::new(Vec::new()),
        FieldErrors::new(),
        notice(&req),
        StatusCode::OK,
    )
    .await
}

/// The three actions share their shape: check the token, run, go back to the page with a
/// confirmation, or show it again with what was typed.
async fn act(
    state: State,
    session: Session,
    actor: Actor,
    id: String,
    form: FormData,
    done: &str,
    run: impl FnOnce(
        &mut crate::db::DbConnection,
        &Actor,
        &str,
        &FormData,
        &MailContext,
        chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AppError>
    + Send
    + 'static,
) -> Result<HttpResponse, WebError> {
    if !http::csrf_matches(&session, &form.get("csrf_token")) {
        return case_page(
            &state,
            &session,
            actor,
            id,
            form,
            FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let mail = mail(&state);
    let (who, request_id, typed) = (actor.clone(), id.clone(), form.clone());
    let result = state
        .db
        .run(move |c| run(c, &who, &request_id, &typed, &mail, now))
        .await;
    match result {
        Ok(()) => Ok(redirect(&format!(
            "/ombudsansokningar/{}?klart={done}",
            super::format::url_encode(&id)
        ))),
        Err(AppError::Invalid(errors)) => {
            case_page(
                &state,
                &session,
                actor,
                id,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /ombudsansokningar/{id}/komplettering`: asks the person for a supplement.
pub async fn request_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    act(
        state,
        session,
        actor.0,
        path.into_inner(),
        form,
        "komplettering-begard",
        |c, who, id, form, mail, now| {
            workflow::request_supplement(c, who, id, &form.get(field::MESSAGE), mail, now)
                .map(|_| ())
        },
    )
    .await
}

/// `POST /ombudsansokningar/{id}/godkann`: approves; the person becomes the ombud.
pub async fn approve(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    act(
        state,
        session,
        actor.0,
        path.into_inner(),
        form,
        "godkand",
        |c, who, id, form, mail, now| {
            let input = ApprovalInput {
                org_number: form.get(field::ORG_NUMBER),
                org_name: form.get(field::ORG_NAME),
                org_kind: form.get(field::ORG_KIND),
                note: form.get(field::NOTE),
            };
            workflow::approve(c, who, id, &input, mail, now).map(|_| ())
        },
    )
    .await
}

/// `POST /ombudsansokningar/{id}/avskriv`: writes the request off, with the reason.
pub async fn write_off(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormData::new(form.into_inner());
    act(
        state,
        session,
        actor.0,
        path.into_inner(),
        form,
        "avskriven",
        |c, who, id, form, mail, now| {
            workflow::write_off(c, who, id, &form.get(field::REASON), mail, now).map(|_| ())
        },
    )
    .await
}
