//! The applicant's side of a case: start, edit the draft, attach files, confirm and submit,
//! the receipt, and answering a supplement.
//!
//! Nothing typed is lost: a form that fails the rules comes back with every value as typed
//! and the messages beside their fields; a form posted after the session ended is kept
//! (see `stash`) and offered again after logging in.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::flash::{self, Flash};
use super::posted::PostedForm;
use super::{PageContext, WebError, redirect, render, stash};
use crate::accounts::Actor;
use crate::applications::draft::{DraftInput, StaffInput};
use crate::applications::{self, ApplicationView, VersionView, workflow};
use crate::calls::form::{self, AnswerInput};
use crate::codes::VersionStatus;
use crate::db::applications::SupplementRequest;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, MaybeActor, State};
use crate::money::Ore;

/// One input of a staff row: (field name, label, value).
pub type StaffCell = (String, &'static str, String);

/// What the edit form shows in its fields: the stored draft, or what was just typed.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub project_title: String,
    /// Question number → what was typed, or the stored answer as it is typed.
    pub answers: BTreeMap<i32, AnswerInput>,
    /// (year, category code) → (amount, description).
    pub budget: BTreeMap<(i32, String), (String, String)>,
    pub staff: Vec<StaffInput>,
    pub supplement_answer: String,
}

impl FormValues {
    fn from_stored(view: &ApplicationView, version: &VersionView) -> FormValues {
        let def = &view.definition;
        let mut budget = BTreeMap::new();
        for line in &version.budget_lines {
            if let Some(category) = def
                .cost_categories
                .iter()
                .find(|c| c.id == line.cost_category_id)
            {
                budget.insert(
                    (line.year, category.code.clone()),
                    (line.amount_ore.format_number(), line.description.clone()),
                );
            }
        }
        FormValues {
            project_title: view.application.project_title.clone(),
            answers: version
                .answers
                .iter()
                .filter_map(|a| {
                    a.body
                        .as_ref()
                        .map(|b| (a.section.position, form::to_input(&a.field, b)))
                })
                .collect(),
            budget,
            staff: version
                .staff_lines
                .iter()
                .map(|s| StaffInput {
                    year: s.year.to_string(),
                    role: s.role.clone(),
                    fte_percent: s.fte_percent.to_string(),
                    months: s.months.to_string(),
                    cost: s.cost_ore.format_number(),
                })
                .collect(),
            supplement_answer: version
                .version
                .supplement_answer
                .clone()
                .unwrap_or_default(),
        }
    }

    fn from_input(input: &DraftInput, stored: FormValues) -> FormValues {
        let mut values = stored;
        values.project_title = input.project_title.clone();
        values.answers = input
            .answers
            .iter()
            .filter_map(|(k, v)| k.trim().parse::<i32>().ok().map(|n| (n, v.clone())))
            .collect();
        if let Some(lines) = &input.budget {
            values.budget = lines
                .iter()
                .filter_map(|l| {
                    l.year.trim().parse::<i32>().ok().map(|y| {
                        (
                            (y, l.category.clone()),
                            (l.amount.clone(), l.description.clone()),
                        )
                    })
                })
                .collect();
        }
        if let Some(staff) = &input.staff {
            values.staff = staff.clone();
        }
        if let Some(answer) = &input.supplement_answer {
            values.supplement_answer = answer.clone();
        }
        values
    }

    pub fn answer(&self, position: &i32) -> AnswerInput {
        self.answers.get(position).cloned().unwrap_or_default()
    }

    pub fn amount<S: AsRef<str>>(&self, year: &i32, code: S) -> &str {
        self.budget
            .get(&(*year, code.as_ref().to_string()))
            .map(|(a, _)| a.as_str())
            .unwrap_or("")
    }

    pub fn description<S: AsRef<str>>(&self, year: &i32, code: S) -> &str {
        self.budget
            .get(&(*year, code.as_ref().to_string()))
            .map(|(_, d)| d.as_str())
            .unwrap_or("")
    }

    /// The staff rows to show (those typed, and three empty ones to fill in), each as its
    /// cells: (field name, label, value).
    pub fn staff_rows(&self) -> Vec<(usize, Vec<StaffCell>)> {
        // As typed, blank rows included (error messages name the posted row numbers), but
        // without the blank rows at the end, which the three new ones replace.
        let mut rows: Vec<StaffInput> = self.staff.clone();
        while rows.last().is_some_and(StaffInput::is_blank) {
            rows.pop();
        }
        rows.extend(std::iter::repeat_n(StaffInput::default(), 3));
        rows.into_iter()
            .enumerate()
            .map(|(i, s)| {
                let cell = |name: &str, label, value: &str| {
                    (format!("staff.{i}.{name}"), label, value.to_string())
                };
                (
                    i,
                    vec![
                        cell("year", "År", &s.year),
                        cell("role", "Befattning", &s.role),
                        cell("fte_percent", "Andel av heltid (%)", &s.fte_percent),
                        cell("months", "Månader", &s.months),
                        cell("cost", "Kostnad (kr)", &s.cost),
                    ],
                )
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "application_edit.html")]
struct EditPage {
    ctx: PageContext,
    view: ApplicationView,
    version: VersionView,
    supplement: Option<SupplementRequest>,
    budget_editable: bool,
    values: FormValues,
    errors: FieldErrors,
    notice: Option<String>,
    /// This browser's form key (see `stash`), sent back with the form.
    form_key: String,
}

impl EditPage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    /// What is typed or stored for a question (see `_form_fields.html`).
    fn answer(&self, position: &i32) -> AnswerInput {
        self.values.answer(position)
    }

    /// The files attached to an attachment question: (id, name).
    fn files(&self, field_id: &str) -> Vec<(String, String)> {
        self.version
            .attachments
            .iter()
            .filter(|a| a.section_id.as_deref() == Some(field_id))
            .map(|a| (a.id.clone(), a.filename.clone()))
            .collect()
    }

    fn file_url(&self, id: &str) -> String {
        format!("/ansokningar/{}/bilagor/{id}", self.view.application.id)
    }

    /// The files of the general attachment list (not of a question).
    fn general_attachments(&self) -> Vec<crate::db::applications::AttachmentInfo> {
        self.version
            .attachments
            .iter()
            .filter(|a| a.section_id.is_none())
            .cloned()
            .collect()
    }

    /// What a field is called, for the summary of errors at the top of the page.
    fn label(&self, field: &str) -> String {
        let def = &self.view.definition;
        let parts: Vec<&str> = field.split('.').collect();
        match parts.as_slice() {
            ["project_title"] => "Projektets rubrik".into(),
            ["supplement_answer"] => "Svar på kompletteringen".into(),
            ["answers", n, ..] => format!("Fråga {n}"),
            ["budget"] => "Budget".into(),
            ["budget", year] => format!("Budget {year}"),
            ["budget", year, code, ..] => def
                .cost_categories
                .iter()
                .find(|c| c.code == *code)
                .map(|c| format!("{} {year}", c.name))
                .unwrap_or_else(|| format!("Budget {year}")),
            ["staff", n, _] => format!(
                "Personal, rad {}",
                n.parse::<usize>().map(|i| i + 1).unwrap_or(0)
            ),
            ["staff"] => "Personal".into(),
            ["file"] => "Bilaga".into(),
            ["bilagor"] => "Bilagor".into(),
            _ => String::new(),
        }
    }

    /// The stored sum of a year, as shown under the budget.
    fn year_total(&self, year: &i32) -> Ore {
        self.version.requested_for(year).unwrap_or(Ore::ZERO)
    }
}

/// The case with its draft, for someone of the applicant's organisation.
async fn load_draft(
    state: &State,
    actor: &Actor,
    id: String,
) -> Result<
    (
        ApplicationView,
        VersionView,
        Option<SupplementRequest>,
        bool,
    ),
    WebError,
> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let view = state
        .db
        .run(move |c| {
            workflow::ensure_applicant_access(c, &viewer, &id, now, "ändra en ansökan")?;
            applications::view(c, &viewer, &id, now)
        })
        .await?;
    let Some(version) = view
        .versions
        .iter()
        .rev()
        .find(|v| v.version.status == VersionStatus::Draft)
        .cloned()
    else {
        return Err(AppError::Conflict(
            "Ansökan är inskickad och låst. Den kan bara ändras om handläggaren begär en komplettering."
                .into(),
        )
        .into());
    };
    let supplement = version
        .version
        .supplement_request_id
        .as_ref()
        .and_then(|id| view.supplements.iter().find(|s| &s.id == id).cloned());
    let budget_editable = supplement
        .as_ref()
        .map(|s| s.budget_change_allowed)
        .unwrap_or(true);
    Ok((view, version, supplement, budget_editable))
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    sparat: Option<String>,
    #[serde(default)]
    aterstall: Option<String>,
}

pub async fn edit_form(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let (form_key, new_cookie) = stash::form_key(&req, &actor.0.user_id)?;
    let (view, version, supplement, budget_editable) =
        load_draft(&state, &actor.0, id.clone()).await?;
    let mut values = FormValues::from_stored(&view, &version);
    let mut notice = query.sparat.as_deref().map(|what| {
        match what {
            "bilaga" => "Utkastet är sparat och bilagan är bifogad.",
            "borttagen" => "Utkastet är sparat och bilagan är borttagen.",
            "bifogad" => "Bilagan är bifogad.",
            _ => "Utkastet är sparat.",
        }
        .to_string()
    });
    // A form that was posted after the session ended: show it again, not yet saved.
    let token = query.aterstall.clone();
    if let Some(pairs) =
        stash::restore(&state, &req, &actor.0.user_id, token, edit_path(&id)).await?
    {
        let input = DraftInput::from_form(&FormData::new(pairs));
        values = FormValues::from_input(&input, values);
        notice = Some(
            "Du blev utloggad innan texten sparades. Här är det du skrev – kontrollera och spara."
                .into(),
        );
    }
    let page = EditPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        view,
        version,
        supplement,
        budget_editable,
        values,
        errors: FieldErrors::new(),
        notice,
        form_key,
    };
    let mut response = render(StatusCode::OK, &page)?;
    if let Some(cookie) = new_cookie {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Internal(format!("cookie: {e}")))?;
    }
    Ok(response)
}

fn edit_path(id: &str) -> String {
    format!("/ansokningar/{id}/redigera")
}

/// Every button of the edit page posts the whole form: "Spara utkast", "Spara och granska",
/// "Ladda upp bilagan" and each "Ta bort ...". The typed text is saved with the file added
/// or removed, in one transaction; if any of it is refused nothing is stored and the page
/// comes back with everything as typed and the messages beside their fields.
pub async fn save(
    state: State,
    session: Session,
    actor: MaybeActor,
    path: web::Path<String>,
    posted: PostedForm,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let PostedForm {
        pairs,
        file,
        more_files,
    } = posted;
    let posted_key = FormData::new(pairs.clone()).get("form_key");
    let Some(actor) = actor.0 else {
        // The session ended while the person was typing: keep what they typed, for the
        // person and browser that were shown the form (a forged post has no key). A file is
        // not kept; the restored page asks for it again.
        return stash::keep_and_log_in(&state, &req, pairs, edit_path(&id)).await;
    };
    let form = FormData::new(pairs);
    let input = DraftInput::from_form(&form);
    let (view, version, supplement, budget_editable) =
        load_draft(&state, &actor, id.clone()).await?;
    let file_field = file.as_ref().map(|f| f.error_field());
    let again = |mut errors: FieldErrors, status: StatusCode, session: &Session| {
        // A browser cannot put a file back into a file field: say so where it was chosen.
        if let Some(field) = &file_field
            && errors.get(field).is_none()
        {
            errors.add(
                field.clone(),
                "Filen är inte bifogad eftersom ingenting sparades. Välj den igen när uppgifterna är rättade.",
            );
        }
        let values = FormValues::from_input(&input, FormValues::from_stored(&view, &version));
        let page = EditPage {
            ctx: PageContext::for_person(actor.clone(), session, &state.agency_name, "home")?,
            view: view.clone(),
            version: version.clone(),
            supplement: supplement.clone(),
            budget_editable,
            values,
            errors,
            notice: None,
            form_key: posted_key.clone(),
        };
        render(status, &page)
    };
    if !http::csrf_matches(&session, &form.get("csrf_token")) {
        return again(
            FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            StatusCode::FORBIDDEN,
            &session,
        );
    }
    if more_files {
        // One file per post: the page has a file field per attachment question, and the
        // rules for each differ. Nothing is saved, so no chosen file is kept silently.
        return again(
            FieldErrors::single("file", "Välj en fil i taget och ladda upp den innan nästa."),
            StatusCode::UNPROCESSABLE_ENTITY,
            &session,
        );
    }
    let remove = Some(form.get("remove_attachment")).filter(|a| !a.trim().is_empty());
    let files = workflow::FileChanges {
        upload: file,
        remove,
    };
    let now = state.clock.now();
    let save_input = input.clone();
    let saver = actor.clone();
    let app_id = id.clone();
    let result = state
        .db
        .run(move |c| workflow::save_draft_with_files(c, &saver, &app_id, &save_input, &files, now))
        .await;
    match result {
        Ok(_) if form.get("action") == "submit" => {
            Ok(redirect(&format!("/ansokningar/{id}/skicka-in")))
        }
        Ok(saved) => {
            let (what, anchor) = match (&saved.attached, &saved.removed) {
                (Some(_), _) => ("bilaga", "#bilagor"),
                (None, Some(_)) => ("borttagen", "#bilagor"),
                (None, None) => ("1", ""),
            };
            Ok(redirect(&format!(
                "{}?sparat={what}{anchor}",
                edit_path(&id)
            )))
        }
        Err(AppError::Invalid(errors)) => again(errors, StatusCode::UNPROCESSABLE_ENTITY, &session),
        Err(other) => Err(other.into()),
    }
}

/// Starts the organisation's application from the call's page.
pub async fn start(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let call_id = path.into_inner();
    let now = state.clock.now();
    let application = state
        .db
        .run(move |c| workflow::start(c, &actor.0, &call_id, now))
        .await?;
    flash::set(&session, Flash::ApplicationStarted);
    Ok(redirect(&edit_path(&application.id)))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

pub fn check_csrf(session: &Session, token: &str) -> Result<(), WebError> {
    if http::csrf_matches(session, token) {
        Ok(())
    } else {
        Err(AppError::Refused(
            "Formuläret kom inte från en sida i tjänsten eller hade varit öppet för länge. Ingenting sparades. Ladda om sidan och försök igen.".into(),
        )
        .into())
    }
}

#[derive(Template)]
#[template(path = "application_confirm.html")]
struct ConfirmPage {
    ctx: PageContext,
    view: ApplicationView,
    version: VersionView,
    problems: FieldErrors,
    blocked: Option<String>,
    /// Logged in with e-legitimation and not yet signed: the page asks for it first.
    needs_signature: bool,
    sign_next: String,
}

impl ConfirmPage {
    fn signer(&self) -> &str {
        self.ctx
            .actor
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or("")
    }
}

pub async fn confirm(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let (view, version, _, _) = load_draft(&state, &actor.0, id.clone()).await?;
    let now = state.clock.now();
    let checker = actor.0.clone();
    let check = state
        .db
        .run(move |c| workflow::check_submit(c, &checker, &id, now))
        .await?;
    let needs_signature = super::signing::needed(&session, &actor.0, now);
    let sign_next = format!("/ansokningar/{}/skicka-in", view.application.id);
    let page = ConfirmPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        view,
        version,
        problems: check.problems,
        blocked: check.blocked,
        needs_signature,
        sign_next,
    };
    render(StatusCode::OK, &page)
}

pub async fn submit(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let app_id = id.clone();
    let signed = super::signing::required(&session, &actor.0, now)?;
    let receipt = state
        .db
        .run(move |c| workflow::submit(c, &actor.0, &app_id, &signed, now, &links, &agency))
        .await?;
    super::signing::used(&session);
    Ok(redirect(&format!(
        "/ansokningar/{id}/kvitto?version={}",
        receipt.version
    )))
}

#[derive(Template)]
#[template(path = "application_receipt.html")]
struct ReceiptPage {
    ctx: PageContext,
    view: ApplicationView,
    version: VersionView,
    submitted_by: String,
}

impl ReceiptPage {
    /// Who the applicant asks about the case: the unit running the grant.
    fn case_contact(&self) -> crate::agency::Contact {
        crate::agency::of_programme(&self.view.definition.programme)
    }

    /// What happens now, as the receipt e-mail says it.
    fn next_steps(&self) -> Vec<String> {
        let call = &self.view.definition.call;
        crate::applications::what_happens_next(
            &self.view.definition.programme.agency_name,
            Some(call.last_day),
            self.version.version.number,
            call.payment_month,
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct ReceiptQuery {
    version: Option<i32>,
}

pub async fn receipt(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<ReceiptQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let view = state
        .db
        .run(move |c| applications::view(c, &viewer, &id, now))
        .await?;
    let version = view
        .versions
        .iter()
        .filter(|v| v.version.status == VersionStatus::Submitted)
        .rfind(|v| query.version.is_none_or(|n| n == v.version.number))
        .cloned()
        .ok_or(AppError::NotFound)?;
    let submitter_id = version.version.submitted_by.clone();
    let submitted_by = match submitter_id {
        Some(id) => {
            state
                .db
                .run(move |c| {
                    crate::db::accounts::find(c, &id)
                        .map(|u| {
                            u.map(|u| format!("{} ({})", u.name, u.email))
                                .unwrap_or_default()
                        })
                        .map_err(AppError::from)
                })
                .await?
        }
        None => String::new(),
    };
    let page = ReceiptPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        view,
        version,
        submitted_by,
    };
    render(StatusCode::OK, &page)
}

/// Opens the new version that answers a supplement request.
pub async fn begin_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| workflow::begin_supplement_answer(c, &actor.0, &app_id, now))
        .await?;
    flash::set(&session, Flash::SupplementAnswerStarted);
    Ok(redirect(&edit_path(&id)))
}

/// The attachment form of an edit page shown before the upload became part of the edit
/// form (a page left open across an update): attaches the file only. It says so, and never
/// that the draft was saved, since no text came with it.
pub async fn upload(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    posted: PostedForm,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &posted.data().get("csrf_token"))?;
    let id = path.into_inner();
    let now = state.clock.now();
    let upload = posted
        .file
        .unwrap_or_else(|| workflow::Upload::new("", Vec::new()));
    let app_id = id.clone();
    state
        .db
        .run(move |c| workflow::add_attachment(c, &actor.0, &app_id, &upload, now))
        .await?;
    Ok(redirect(&format!(
        "{}?sparat=bifogad#bilagor",
        edit_path(&id)
    )))
}

/// The removal form of an edit page shown before the removal buttons became part of the
/// edit form: removes the attachment only.
pub async fn remove_attachment(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let (id, attachment_id) = path.into_inner();
    let now = state.clock.now();
    let app_id = id.clone();
    state
        .db
        .run(move |c| workflow::remove_attachment(c, &actor.0, &app_id, &attachment_id, now))
        .await?;
    flash::set(&session, Flash::AttachmentRemoved);
    Ok(redirect(&format!("{}#bilagor", edit_path(&id))))
}

pub async fn download_attachment(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    _req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let (id, attachment_id) = path.into_inner();
    let now = state.clock.now();
    let attachment = state
        .db
        .run(move |c| workflow::download_attachment(c, &actor.0, &id, &attachment_id, now))
        .await?;
    Ok(crate::http::file_response(
        &attachment.filename,
        &attachment.content_type,
        Some(&attachment.sha256),
        attachment.content,
    ))
}
