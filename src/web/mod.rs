//! The web pages: Swedish, server-rendered from `templates/` with askama (which escapes by
//! default). Handlers are thin: extract, call one use case, render.

mod about;
mod account_actions;
mod admin;
mod applications;
mod assessment;
mod assets;
mod audit;
mod auth;
mod call_forms;
mod calls;
mod change_requests;
mod changes;
mod drafting;
pub mod flash;
mod form_editor;
pub mod form_fields;
pub mod format;
mod home;
mod mail_log;
mod members;
mod messages;
pub mod oidc;
mod ombud;
mod password;
mod payments;
mod posted;
mod queues;
mod redistribution;
mod reports;
mod search;
pub(crate) mod signing;
mod stash;

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use crate::accounts::Actor;
use crate::codes::Role;
use crate::error::AppError;

pub use stash::FormKeySecret;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::show))
        .route("/logga-in", web::get().to(auth::login_form))
        .route("/logga-in", web::post().to(auth::login))
        .route("/logga-ut", web::post().to(auth::logout))
        .route("/konto", web::get().to(password::account))
        .route("/konto/losenord", web::post().to(password::change))
        .route("/glomt-losenord", web::get().to(password::forgot_form))
        .route("/glomt-losenord", web::post().to(password::forgot))
        .route("/valj-losenord", web::post().to(password::choose))
        .route(
            "/valj-losenord/{token}/e-legitimation",
            web::get().to(oidc::start_invitation),
        )
        .route(
            "/valj-losenord/{token}",
            web::get().to(password::choose_form),
        )
        .route(
            "/konton/{id}/inbjudan",
            web::post().to(account_actions::resend_invitation),
        )
        .route(
            "/konton/{id}/inaktivera",
            web::post().to(account_actions::deactivate),
        )
        .route(
            "/konton/{id}/aktivera",
            web::post().to(account_actions::reactivate),
        )
        .route("/admin/konton", web::post().to(admin::invite))
        .route("/utlysningar/ny", web::get().to(call_forms::new_form))
        .route("/utlysningar/ny", web::post().to(call_forms::create))
        .route("/utlysningar/{id}", web::get().to(calls::show))
        .route(
            "/utlysningar/{id}/utbetalningar",
            web::get().to(payments::for_call),
        )
        .route(
            "/utlysningar/{id}/utbetalningar",
            web::post().to(payments::mark_paid),
        )
        .route(
            "/utlysningar/{id}/ekonomi",
            web::get().to(payments::dashboard),
        )
        .route(
            "/utlysningar/{id}/utbetalningar.csv",
            web::get().to(payments::file),
        )
        .route(
            "/organisationer/{id}/utbetalningar",
            web::get().to(payments::for_organisation),
        )
        .route(
            "/utlysningar/{id}/fordelning.csv",
            web::get().to(calls::allocation_csv),
        )
        .route(
            "/utlysningar/{id}/redigera",
            web::get().to(call_forms::edit_form),
        )
        .route(
            "/utlysningar/{id}/redigera",
            web::post().to(call_forms::update),
        )
        .route(
            "/utlysningar/{id}/publicera",
            web::post().to(call_forms::publish),
        )
        .route("/utlysningar/{id}/stang", web::post().to(call_forms::close))
        .route(
            "/utlysningar/{id}/kopiera",
            web::post().to(call_forms::copy),
        )
        .route(
            "/utlysningar/{id}/ansokningar",
            web::get().to(call_forms::list),
        )
        // The form editor (issue 15): a call's application and report-back forms.
        .configure(form_editor::routes)
        .route(
            "/utlysningar/{id}/ansokningar.csv",
            web::get().to(call_forms::csv),
        )
        .route(
            "/utlysningar/{id}/ansokningar-svar.csv",
            web::get().to(call_forms::answers_csv),
        )
        .route("/ansokningar/{id}", web::get().to(applications::show))
        .route(
            "/ansokningar/{id}/handlaggare",
            web::post().to(applications::set_case_officer),
        )
        .route("/mina-arenden", web::get().to(applications::my_cases))
        .route("/arbetskoer", web::get().to(queues::show))
        // Change requests (issue 16).
        .route(
            "/ansokningar/{id}/andringar",
            web::get().to(change_requests::list),
        )
        .route(
            "/ansokningar/{id}/andringar",
            web::post().to(change_requests::create),
        )
        .route("/andringar/{id}", web::get().to(change_requests::show))
        .route("/andringar/{id}", web::post().to(change_requests::update))
        .route(
            "/andringar/{id}/svar",
            web::post().to(change_requests::answer),
        )
        .route(
            "/andringar/{id}/filer/{file}",
            web::get().to(change_requests::file),
        )
        .route(
            "/andringar/{id}/komplettering",
            web::post().to(change_requests::request_supplement),
        )
        .route(
            "/andringar/{id}/komplettering/svar",
            web::post().to(change_requests::answer_supplement),
        )
        // The case's mail log (issue 16).
        .route("/ansokningar/{id}/e-post", web::get().to(mail_log::show))
        .route(
            "/ansokningar/{id}/e-post/{message_id}",
            web::get().to(mail_log::message),
        )
        .route(
            "/ansokningar/{id}/e-post/{message_id}/skicka-igen",
            web::post().to(mail_log::resend),
        )
        // Messages on the case (issue 16); a file's address ends in .pdf (see messages::file_path).
        .route(
            "/ansokningar/{id}/meddelanden",
            web::get().to(messages::show),
        )
        .route(
            "/ansokningar/{id}/meddelanden",
            web::post().to(messages::send),
        )
        .route(
            "/ansokningar/{id}/meddelanden/filer/{file}.pdf",
            web::get().to(messages::file),
        )
        .route("/sok", web::get().to(search::show))
        .route("/sok.csv", web::get().to(search::csv))
        .route("/utlysningar/{id}/ansok", web::post().to(drafting::start))
        .route(
            "/ansokningar/{id}/redigera",
            web::get().to(drafting::edit_form),
        )
        .route("/ansokningar/{id}/redigera", web::post().to(drafting::save))
        .route(
            "/ansokningar/{id}/skicka-in",
            web::get().to(drafting::confirm),
        )
        .route(
            "/ansokningar/{id}/skicka-in",
            web::post().to(drafting::submit),
        )
        .route("/ansokningar/{id}/kvitto", web::get().to(drafting::receipt))
        .route(
            "/ansokningar/{id}/komplettera",
            web::post().to(drafting::begin_supplement),
        )
        .route(
            "/ansokningar/{id}/bilagor",
            web::post().to(drafting::upload),
        )
        .route(
            "/ansokningar/{id}/bilagor/{attachment}",
            web::get().to(drafting::download_attachment),
        )
        .route(
            "/ansokningar/{id}/bilagor/{attachment}/ta-bort",
            web::post().to(drafting::remove_attachment),
        )
        .route(
            "/ansokningar/{id}/begar-komplettering",
            web::post().to(applications::request_supplement),
        )
        .route(
            "/ansokningar/{id}/komplett",
            web::post().to(applications::mark_complete),
        )
        .route(
            "/ansokningar/{id}/jav",
            web::post().to(assessment::declare_conflict),
        )
        .route(
            "/ansokningar/{id}/bedomning",
            web::post().to(assessment::assess),
        )
        .route(
            "/ansokningar/{id}/forslag",
            web::post().to(assessment::propose),
        )
        .route(
            "/ansokningar/{id}/bered-beslut",
            web::post().to(assessment::prepare),
        )
        .route("/beslut/{id}/fatta", web::post().to(assessment::sign))
        .route(
            "/utlysningar/{id}/omfordelning",
            web::get().to(redistribution::rounds),
        )
        .route(
            "/utlysningar/{id}/omfordelning",
            web::post().to(redistribution::open),
        )
        .route("/omfordelningar/{id}", web::get().to(redistribution::show))
        .route(
            "/omfordelningar/{id}/stang",
            web::post().to(redistribution::close),
        )
        .route(
            "/omfordelningar/{id}/ansok",
            web::get().to(redistribution::top_up_form),
        )
        .route(
            "/omfordelningar/{id}/ansok",
            web::post().to(redistribution::apply),
        )
        .route(
            "/aterkrav/{id}/mottaget",
            web::post().to(assessment::record_reclaim_received),
        )
        .route("/beslut/{id}/andra", web::get().to(changes::form))
        .route("/beslut/{id}/andra", web::post().to(changes::prepare))
        .route("/beslut/{id}/brev.pdf", web::get().to(assessment::letter))
        .route(
            "/organisationer/{id}/personer",
            web::get().to(members::show),
        )
        .route(
            "/organisationer/{id}/personer",
            web::post().to(members::add),
        )
        .route(
            "/organisationer/{id}/ta-bort",
            web::post().to(members::remove_organisation),
        )
        .route("/konton/{id}/ta-bort", web::post().to(members::remove))
        // Ombudsansökan (issue 14): the person's pages, then the officers'.
        .route("/ombudsansokan", web::get().to(ombud::list))
        .route("/ombudsansokan/ny", web::get().to(ombud::new_form))
        .route("/ombudsansokan/ny", web::post().to(ombud::create))
        .route("/ombudsansokan/{id}", web::get().to(ombud::show))
        .route(
            "/ombudsansokan/{id}/komplettera",
            web::post().to(ombud::supplement),
        )
        .route(
            "/ombudsansokan/{id}/dokument/{document}",
            web::get().to(ombud::document),
        )
        .route(
            "/ombudsansokan/{id}/brev/{letter}",
            web::get().to(ombud::letter),
        )
        .route("/ombudsansokningar", web::get().to(ombud::queue))
        .route("/ombudsansokningar/{id}", web::get().to(ombud::case))
        .route(
            "/ombudsansokningar/{id}/komplettering",
            web::post().to(ombud::request_supplement),
        )
        .route(
            "/ombudsansokningar/{id}/godkann",
            web::post().to(ombud::approve),
        )
        .route(
            "/ombudsansokningar/{id}/avskriv",
            web::post().to(ombud::write_off),
        )
        .route("/granskningslogg", web::get().to(audit::show))
        .route("/granskningslogg.csv", web::get().to(audit::csv))
        .route("/admin", web::get().to(admin::show))
        .route("/tillganglighet", web::get().to(home::accessibility))
        .route("/kontakt", web::get().to(about::contact))
        .route("/personuppgifter", web::get().to(about::privacy))
        .route("/static/app.css", web::get().to(assets::css))
        // E-legitimation (OpenID Connect): to the provider and back, the first login of a
        // person without an account, and a fresh e-legitimation to sign with.
        .route("/logga-in/e-legitimation", web::get().to(oidc::start_login))
        .route(
            crate::accounts::oidc::CALLBACK_PATH,
            web::get().to(oidc::callback),
        )
        .route(
            oidc::FIRST_LOGIN_PATH,
            web::get().to(oidc::first_login_form),
        )
        .route(oidc::FIRST_LOGIN_PATH, web::post().to(oidc::first_login))
        .route("/underskrift", web::post().to(oidc::start_signing))
        .configure(reports::routes);
}

/// What every page's frame needs: who is logged in, the CSRF token for the logout form,
/// and which menu item is current.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub actor: Option<Actor>,
    pub csrf: String,
    pub agency: String,
    /// How people reach the agency, for the footer on every page.
    pub contact: &'static crate::agency::Agency,
    pub current: &'static str,
    /// A confirmation of what the last form did, shown once (see `flash`).
    pub flash: Option<flash::Flash>,
}

impl PageContext {
    pub fn new(actor: Option<Actor>, csrf: String, agency: &str, current: &'static str) -> Self {
        PageContext {
            actor,
            csrf,
            agency: agency.to_string(),
            contact: crate::agency::agency(),
            current,
            flash: None,
        }
    }

    /// A logged-in person's page: the session's CSRF token, and the confirmation the last
    /// form left for this page, taken out of the session so that it shows once.
    pub fn for_person(
        actor: Actor,
        session: &actix_session::Session,
        agency: &str,
        current: &'static str,
    ) -> Result<Self, AppError> {
        let csrf = crate::http::csrf_token(session)?;
        Ok(PageContext::new(Some(actor), csrf, agency, current).with_flash(session))
    }

    /// Takes the waiting confirmation, if any, for a page built with `new`.
    pub fn with_flash(mut self, session: &actix_session::Session) -> Self {
        self.flash = flash::take(session);
        self
    }

    pub fn anonymous(agency: &str) -> Self {
        PageContext::new(None, String::new(), agency, "")
    }

    pub fn role(&self) -> Option<Role> {
        self.actor.as_ref().map(|a| a.role)
    }

    pub fn shows_audit_link(&self) -> bool {
        matches!(self.role(), Some(Role::Auditor | Role::Admin))
    }

    /// An applicant's own organisation, for the menu.
    pub fn own_organisation(&self) -> Option<&str> {
        self.actor
            .as_ref()
            .and_then(|a| a.organisation_id.as_deref())
    }

    pub fn shows_admin_link(&self) -> bool {
        self.role() == Some(Role::Admin)
    }
}

/// Renders a template into a response with the given status.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Result<HttpResponse, WebError> {
    let body = template
        .render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageContext,
    title: String,
    message: String,
    details: Vec<String>,
}

/// An `AppError` on its way to a person: a Swedish page, or the login page.
#[derive(Debug)]
pub struct WebError {
    error: AppError,
    /// Where to come back to after logging in.
    next: Option<String>,
}

impl WebError {
    pub fn from_request(req: &HttpRequest, error: AppError) -> WebError {
        WebError {
            error,
            next: Some(req.uri().to_string()),
        }
    }
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> WebError {
        WebError { error, next: None }
    }
}

impl From<crate::db::DbError> for WebError {
    fn from(error: crate::db::DbError) -> WebError {
        WebError::from(AppError::Db(error))
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match &self.error {
            AppError::Unauthenticated => StatusCode::SEE_OTHER,
            other => other.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message, details) = match &self.error {
            AppError::Unauthenticated => {
                let next = self.next.as_deref().unwrap_or("/");
                return redirect(&format!("/logga-in?next={}", format::url_encode(next)));
            }
            AppError::Forbidden => (
                "Åtkomst nekad",
                "Du har inte behörighet till den här sidan. Försöket har loggats.".to_string(),
                vec![],
            ),
            AppError::NotFound => (
                "Sidan finns inte",
                "Vi hittar inte det du letar efter. Kontrollera adressen, eller gå till startsidan."
                    .to_string(),
                vec![],
            ),
            AppError::Invalid(errors) => (
                "Uppgifterna behöver rättas",
                "Något av det som skickades in är inte giltigt:".to_string(),
                errors.iter().map(|e| e.message.clone()).collect(),
            ),
            AppError::Refused(message) => ("Åtkomst nekad", message.clone(), vec![]),
            AppError::Conflict(message) => ("Det går inte just nu", message.clone(), vec![]),
            AppError::Db(_) if self.error.is_unavailable() => {
                self.error.log_if_internal("web page");
                (
                    crate::error::UNAVAILABLE_TITLE,
                    crate::error::UNAVAILABLE_MESSAGE.to_string(),
                    vec![],
                )
            }
            AppError::TooManyAttempts { message, .. } => {
                ("För många försök", message.clone(), vec![])
            }
            AppError::Db(_) | AppError::Internal(_) => {
                self.error.log_if_internal("web page");
                (
                    "Något gick fel",
                    "Ett tekniskt fel uppstod och ingenting sparades. Försök igen om en stund."
                        .to_string(),
                    vec![],
                )
            }
        };
        let page = ErrorPage {
            ctx: PageContext::anonymous(&crate::agency::agency().name),
            title: title.to_string(),
            message,
            details,
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.error.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        match page.render() {
            Ok(body) => response.content_type("text/html; charset=utf-8").body(body),
            Err(_) => response
                .content_type("text/plain; charset=utf-8")
                .body(title),
        }
    }
}

/// The message beside a form refused for its CSRF token, when the form is shown again
/// with what was typed.
pub const CSRF_REFUSED: &str = "Formuläret kom inte från en sida i tjänsten eller hade varit öppet för länge. Ingenting sparades; det du skrev står kvar. Skicka igen.";

/// Form bodies that cannot be read at all (wrong encoding, far too large) get a Swedish
/// page instead of actix's English text.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        // Large enough that an over-long answer reaches the rules, which name its field.
        .limit(16 * 1024 * 1024)
        .error_handler(|err, _req| {
            tracing::info!(error = %err, "unreadable form body");
            WebError::from(AppError::invalid(
                "formulär",
                "Formuläret kunde inte läsas. Det kan vara för stort. Ladda om sidan och försök igen.",
            ))
            .into()
        })
}
