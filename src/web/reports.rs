//! Report-back pages: the organisation's list of reports owed, the form (nothing typed is
//! lost: a refused form comes back as typed with a message beside each field, and a form
//! posted after the session ended is kept), the confirmation with the signature, the
//! report as read by everyone who may, the officer's actions (a refused one also comes back
//! as typed, on the report's page), and the overview per call and year with its CSV files.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::drafting::{CsrfForm, check_csrf};
use super::flash::{self, Flash};
use super::{PageContext, WebError, redirect, render, stash};
use crate::accounts::Actor;
use crate::calls::form::{self, FormField};
use crate::codes::Role;
use crate::db::DbConnection;
use crate::db::calls::ExpectedResult;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, MaybeActor, State};
use crate::money::Ore;
use crate::reports::overview::{self, Overview};
use crate::reports::workflow::{
    self, ReceivedInput, ReportSupplementInput, ReportView, Slot, SubmitInput, VersionView,
};
use crate::reports::{AnswerInput, Money, ReportInput, format_fte};
use crate::web::form_fields::{self, ShownField};

fn edit_path(id: &str) -> String {
    format!("/aterrapporter/{id}/redigera")
}

fn ctx(state: &State, session: &Session, actor: Actor) -> Result<PageContext, WebError> {
    Ok(PageContext::for_person(
        actor,
        session,
        &state.agency_name,
        "home",
    )?)
}

#[derive(Template)]
#[template(path = "report_list.html")]
struct ListPage {
    ctx: PageContext,
    organisation: String,
    slots: Vec<Slot>,
    today: chrono::NaiveDate,
}

/// The applicant's organisation's reports owed.
pub async fn list(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    let Some(org) = actor.0.organisation_id.clone() else {
        return Err(AppError::NotFound.into());
    };
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let slots = state
        .db
        .run(move |c| workflow::slots_of_organisation(c, &viewer, &org, now))
        .await?;
    let page = ListPage {
        organisation: actor.0.organisation_name.clone().unwrap_or_default(),
        ctx: ctx(&state, &session, actor.0)?,
        slots,
        today: crate::clock::stockholm_date(now),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    decision_id: String,
    #[serde(default)]
    year: i32,
}

pub async fn start(
    state: State,
    session: Session,
    actor: Authenticated,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let now = state.clock.now();
    let form = form.into_inner();
    let report = state
        .db
        .run(move |c| workflow::start(c, &actor.0, &form.decision_id, form.year, now))
        .await?;
    flash::set(&session, Flash::ReportStarted);
    Ok(redirect(&edit_path(&report.id)))
}

/// What the form shows: the stored draft, or what was just typed.
fn values_from(view: &ReportView, version: &VersionView) -> ReportInput {
    ReportInput {
        answers: version
            .answers
            .iter()
            .map(|a| {
                (
                    a.expected_result_id.clone(),
                    AnswerInput {
                        achievement: a.achievement.as_str().into(),
                        activities: a.activities.clone(),
                        obstacles: a.obstacles.clone(),
                    },
                )
            })
            .collect(),
        costs: view
            .definition
            .cost_categories
            .iter()
            .filter_map(|c| {
                version
                    .used_in(&c.id)
                    .map(|u| (c.code.clone(), u.format_number()))
            })
            .collect(),
        // The counts are the call's counts field, among `fields`.
        children_total: String::new(),
        girls: String::new(),
        boys: String::new(),
        staff_fte: version
            .version
            .staff_fte_hundredths
            .map(format_fte)
            .unwrap_or_default(),
        fields: form_fields::inputs(&view.definition.report_form(), &version.field_bodies()),
    }
}

#[derive(Template)]
#[template(path = "report_edit.html")]
struct EditPage {
    ctx: PageContext,
    view: ReportView,
    version: VersionView,
    values: ReportInput,
    errors: FieldErrors,
    notice: Option<String>,
    form_key: String,
}

impl EditPage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    fn result_answer(&self, result: &ExpectedResult) -> AnswerInput {
        self.values
            .answers
            .get(&result.id)
            .cloned()
            .unwrap_or_default()
    }

    /// The call's own report-back fields (see `_form_fields.html`).
    fn report_fields(&self) -> Vec<FormField> {
        self.view.definition.report_form()
    }

    /// Whether the own fields begin with a heading of their own.
    fn fields_start_with_page(&self) -> bool {
        self.view
            .definition
            .report_fields
            .first()
            .is_some_and(|f| f.kind == form::FieldKind::Page)
    }

    /// What is typed or stored for one of the call's own fields (see `_form_fields.html`).
    fn answer<P: std::borrow::Borrow<i32>>(&self, position: P) -> form::AnswerInput {
        self.values
            .fields
            .get(&position.borrow().to_string())
            .cloned()
            .unwrap_or_default()
    }

    /// Reports take no files: no attachment question has any (see `_form_fields.html`).
    fn files(&self, _field_id: &str) -> Vec<(String, String)> {
        Vec::new()
    }

    fn file_url(&self, _id: &str) -> String {
        String::new()
    }

    fn checked(&self, result: &ExpectedResult, code: &str) -> bool {
        self.values
            .answers
            .get(&result.id)
            .is_some_and(|a| a.achievement == code)
    }

    fn cost<S: AsRef<str>>(&self, code: S) -> &str {
        self.values
            .costs
            .get(code.as_ref())
            .map(String::as_str)
            .unwrap_or("")
    }

    fn results(&self) -> Vec<&ExpectedResult> {
        self.view.results()
    }

    /// The longest text of an answer, as the hint above the answers says it.
    fn text_max(&self) -> String {
        let longest = crate::reports::ACTIVITIES_MAX.max(crate::reports::OBSTACLES_MAX);
        super::format::number(longest)
    }

    fn achievements(&self) -> Vec<(&'static str, &'static str)> {
        crate::reports::Achievement::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect()
    }
}

async fn load_draft(
    state: &State,
    actor: &Actor,
    id: String,
) -> Result<(ReportView, VersionView), WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let view = state
        .db
        .run(move |c| {
            workflow::load_for_applicant(c, &viewer, &id, now, "ändra en återrapportering")?;
            workflow::view(c, &viewer, &id, now)
        })
        .await?;
    let version = view.draft().cloned().ok_or_else(|| {
        AppError::Conflict(if view.report.status == crate::reports::ReportStatus::Approved {
            "Återrapporteringen är godkänd och kan inte längre ändras.".to_string()
        } else {
            "Återrapporteringen är inlämnad och låst. Den kan bara ändras om handläggaren begär en komplettering.".to_string()
        })
    })?;
    Ok((view, version))
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
    let (view, version) = load_draft(&state, &actor.0, id.clone()).await?;
    let mut values = values_from(&view, &version);
    let mut notice = query
        .sparat
        .as_ref()
        .map(|_| "Utkastet är sparat.".to_string());
    let token = query.aterstall.clone();
    if let Some(pairs) =
        stash::restore(&state, &req, &actor.0.user_id, token, edit_path(&id)).await?
    {
        values = ReportInput::from_form(&FormData::new(pairs));
        notice = Some(
            "Du blev utloggad innan texten sparades. Här är det du skrev – kontrollera och spara."
                .into(),
        );
    }
    let page = EditPage {
        ctx: ctx(&state, &session, actor.0)?,
        view,
        version,
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

pub async fn save(
    state: State,
    session: Session,
    actor: MaybeActor,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let pairs = form.into_inner();
    let posted_key = FormData::new(pairs.clone()).get("form_key");
    let Some(actor) = actor.0 else {
        // The session ended while the person was typing: keep what they typed, for the
        // person and browser that were shown the form only.
        return stash::keep_and_log_in(&state, &req, pairs, edit_path(&id)).await;
    };
    let form = FormData::new(pairs);
    let input = ReportInput::from_form(&form);
    let (view, version) = load_draft(&state, &actor, id.clone()).await?;
    let again = |errors: FieldErrors, status: StatusCode| {
        let page = EditPage {
            ctx: ctx(&state, &session, actor.clone())?,
            view: view.clone(),
            version: version.clone(),
            values: input.clone(),
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
        );
    }
    let now = state.clock.now();
    let (saver, report_id, save_input) = (actor.clone(), id.clone(), input.clone());
    let result = state
        .db
        .run(move |c| workflow::save_draft(c, &saver, &report_id, &save_input, now))
        .await;
    match result {
        Ok(_) if form.get("action") == "submit" => {
            Ok(redirect(&format!("/aterrapporter/{id}/skicka-in")))
        }
        Ok(_) => Ok(redirect(&format!("{}?sparat=1", edit_path(&id)))),
        Err(AppError::Invalid(errors)) => again(errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "report_confirm.html")]
struct ConfirmPage {
    ctx: PageContext,
    view: ReportView,
    problems: FieldErrors,
    blocked: Option<String>,
    money: Money,
    signer_name: String,
    signer_role: String,
    /// Logged in with e-legitimation and not yet signed: the page asks for it first.
    needs_signature: bool,
    sign_next: String,
}

impl ConfirmPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.problems.get(field)
    }

    /// The draft's answers to the call's own fields, as they will be submitted.
    fn shown_fields(&self) -> Vec<ShownField> {
        match self.view.draft() {
            Some(v) => form_fields::shown(&self.view.definition.report_form(), &v.field_bodies()),
            None => Vec::new(),
        }
    }
}

async fn confirm_page(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    submitted: Option<(SubmitInput, FieldErrors)>,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let (viewer, report_id) = (actor.clone(), id.clone());
    let (view, check) = state
        .db
        .run(move |c| {
            let check = workflow::check_submit(c, &viewer, &report_id, now)?;
            Ok::<_, AppError>((workflow::view(c, &viewer, &report_id, now)?, check))
        })
        .await?;
    let (input, extra, status) = match submitted {
        Some((input, errors)) => (input, errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (
            SubmitInput {
                signer_name: actor.name.clone(),
                signer_role: String::new(),
            },
            FieldErrors::new(),
            StatusCode::OK,
        ),
    };
    let mut problems = check.problems;
    for e in extra.iter() {
        if problems.get(&e.field).is_none() {
            problems.add(e.field.clone(), e.message.clone());
        }
    }
    let needs_signature = super::signing::needed(session, &actor, now);
    let sign_next = format!("/aterrapporter/{id}/skicka-in");
    let page = ConfirmPage {
        needs_signature,
        sign_next,
        ctx: ctx(state, session, actor)?,
        view,
        problems,
        blocked: check.blocked,
        money: check.money,
        signer_name: input.signer_name,
        signer_role: input.signer_role,
    };
    render(status, &page)
}

pub async fn confirm(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    confirm_page(&state, &session, actor.0, path.into_inner(), None).await
}

#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    signer_name: String,
    #[serde(default)]
    signer_role: String,
}

pub async fn submit(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<SubmitForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let form = form.into_inner();
    let input = SubmitInput {
        signer_name: form.signer_name,
        signer_role: form.signer_role,
    };
    let now = state.clock.now();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let (submitter, report_id, sent) = (actor.0.clone(), id.clone(), input.clone());
    let signed = super::signing::required(&session, &actor.0, now)?;
    let result = state
        .db
        .run(move |c| {
            workflow::submit(
                c, &submitter, &report_id, &sent, &signed, now, &links, &agency,
            )
        })
        .await;
    match result {
        Ok(_) => {
            super::signing::used(&session);
            Ok(redirect(&format!("/aterrapporter/{id}?inlamnad=1")))
        }
        Err(AppError::Invalid(errors)) => {
            confirm_page(&state, &session, actor.0, id, Some((input, errors))).await
        }
        Err(other) => Err(other.into()),
    }
}

fn show_path(id: &str) -> String {
    format!("/aterrapporter/{id}")
}

/// What the officer typed into the report page's forms, and why it was refused. A
/// refused form comes back as typed, with the message beside the field.
#[derive(Default)]
struct OfficerForms {
    supplement: ReportSupplementInput,
    /// `None` offers today's date.
    received_on: Option<String>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "report_show.html")]
struct ShowPage {
    ctx: PageContext,
    view: ReportView,
    notice: Option<String>,
    today: chrono::NaiveDate,
    supplement: ReportSupplementInput,
    received_on: Option<String>,
    errors: FieldErrors,
}

impl ShowPage {
    fn is_officer(&self) -> bool {
        self.ctx.role() == Some(Role::Officer)
    }

    fn is_own(&self) -> bool {
        self.ctx.own_organisation() == Some(self.view.report.organisation_id.as_str())
    }

    fn shown(&self) -> Option<&VersionView> {
        if self.is_own() {
            self.view.draft().or_else(|| self.view.latest_submitted())
        } else {
            self.view.latest_submitted()
        }
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    fn received_on(&self) -> String {
        self.received_on
            .clone()
            .unwrap_or_else(|| self.today.to_string())
    }

    fn results(&self) -> Vec<&ExpectedResult> {
        self.view.results()
    }

    fn answer_of<'a>(
        &self,
        version: &'a VersionView,
        result: &ExpectedResult,
    ) -> Option<&'a crate::db::reports::ReportAnswer> {
        version.answer(&result.id)
    }

    fn money(&self, version: &VersionView) -> Money {
        self.view.money_of(version)
    }

    fn used_in(&self, version: &VersionView, category_id: &str) -> Ore {
        version.used_in(category_id).unwrap_or(Ore::ZERO)
    }

    fn fte(&self, n: &Option<i32>) -> String {
        n.map(format_fte).unwrap_or_else(|| "–".into())
    }

    /// A version's answers to the call's own fields, as read (hidden ones left out).
    fn shown_fields(&self, version: &VersionView) -> Vec<ShownField> {
        form_fields::shown(&self.view.definition.report_form(), &version.field_bodies())
    }
}

async fn show_page(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    notice: Option<String>,
    forms: OfficerForms,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let view = state
        .db
        .run(move |c| workflow::view(c, &viewer, &id, now))
        .await?;
    let page = ShowPage {
        ctx: ctx(state, session, actor)?,
        view,
        notice,
        today: crate::clock::stockholm_date(now),
        supplement: forms.supplement,
        received_on: forms.received_on,
        errors: forms.errors,
    };
    render(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    inlamnad: Option<String>,
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, WebError> {
    let notice = query.inlamnad.as_ref().map(|_| {
        "Återrapporteringen är inlämnad. En kvittens har skickats med e-post.".to_string()
    });
    show_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        notice,
        OfficerForms::default(),
        StatusCode::OK,
    )
    .await
}

/// An officer's action from the report page, sent with what was typed and what the report
/// page confirms once it is done. Done, it leads back to the report, which confirms it;
/// refused (a stale form, or input the domain rejects), it shows the page again with the
/// message beside the field and what was typed, and nothing is stored. Other errors pass
/// through.
async fn officer_action<T, F>(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    csrf_token: &str,
    (typed, done): (OfficerForms, Flash),
    action: F,
) -> Result<HttpResponse, WebError>
where
    F: FnOnce(&mut DbConnection, &Actor, DateTime<Utc>) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (errors, status) = if !http::csrf_matches(session, csrf_token) {
        (
            FieldErrors::single("csrf_token", super::CSRF_REFUSED),
            StatusCode::FORBIDDEN,
        )
    } else {
        let (now, doer) = (state.clock.now(), actor.clone());
        match state.db.run(move |c| action(c, &doer, now)).await {
            Ok(_) => {
                flash::set(session, done);
                return Ok(redirect(&show_path(&id)));
            }
            Err(AppError::Invalid(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
            Err(other) => return Err(other.into()),
        }
    };
    let forms = OfficerForms { errors, ..typed };
    show_page(state, session, actor, id, None, forms, status).await
}

pub async fn begin_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let id = path.into_inner();
    let (now, report_id) = (state.clock.now(), id.clone());
    state
        .db
        .run(move |c| workflow::begin_supplement_answer(c, &actor.0, &report_id, now))
        .await?;
    flash::set(&session, Flash::ReportSupplementAnswerStarted);
    Ok(redirect(&edit_path(&id)))
}

#[derive(Debug, Deserialize)]
pub struct SupplementForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    due_on: String,
}

pub async fn request_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<SupplementForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let input = ReportSupplementInput {
        message: form.message,
        due_on: form.due_on,
    };
    let (report_id, sent) = (id.clone(), input.clone());
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let typed = OfficerForms {
        supplement: input,
        ..OfficerForms::default()
    };
    officer_action(
        &state,
        &session,
        actor.0,
        id,
        &form.csrf_token,
        (typed, Flash::ReportSupplementRequested),
        move |c, officer, now| {
            workflow::request_supplement(c, officer, &report_id, &sent, now, &links, &agency)
        },
    )
    .await
}

pub async fn approve(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let report_id = id.clone();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    officer_action(
        &state,
        &session,
        actor.0,
        id,
        &form.csrf_token,
        (OfficerForms::default(), Flash::ReportApproved),
        move |c, officer, now| workflow::approve(c, officer, &report_id, now, &links, &agency),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReceivedForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    received_on: String,
}

pub async fn record_received(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<ReceivedForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let input = ReceivedInput {
        received_on: form.received_on,
    };
    let report_id = id.clone();
    let typed = OfficerForms {
        received_on: Some(input.received_on.clone()),
        ..OfficerForms::default()
    };
    officer_action(
        &state,
        &session,
        actor.0,
        id,
        &form.csrf_token,
        (typed, Flash::RepaymentReceived),
        move |c, officer, now| workflow::record_received(c, officer, &report_id, &input, now),
    )
    .await
}

pub async fn letter(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let document = state
        .db
        .run(move |c| workflow::claim_letter(c, &actor.0, &id, now))
        .await?;
    Ok(crate::http::pdf_response(
        &document.filename,
        Some(&document.sha256),
        document.content,
    ))
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    ar: Option<i32>,
}

/// `?sida=N`: the page of the overview, from 1.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    sida: String,
}

/// Regions per page of the overview.
pub const OVERVIEW_PAGE_SIZE: i64 = 100;

/// A page number as typed: anything unreadable is the first page.
fn page_number(typed: &str) -> i64 {
    typed
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=1_000_000_000).contains(p))
        .unwrap_or(1)
}

fn overview_window(page: i64) -> overview::Window {
    overview::Window {
        limit: OVERVIEW_PAGE_SIZE,
        offset: (page - 1).saturating_mul(OVERVIEW_PAGE_SIZE),
    }
}

#[derive(Template)]
#[template(path = "report_overview.html")]
struct OverviewPage {
    ctx: PageContext,
    overview: Overview,
    /// From 1.
    page: i64,
    pages: i64,
}

impl OverviewPage {
    fn label(&self, row: &overview::Row, index: &usize) -> &'static str {
        workflow::achievement_label(row.achievement(*index))
    }

    /// A region's answer to one of the call's own fields ("–" when none).
    fn field_answer(&self, row: &overview::Row, field: &FormField) -> String {
        let text = overview::field_text(&self.overview.fields, row, field);
        if text.is_empty() { "–".into() } else { text }
    }

    /// The call's own questions (headings left out), for the matrix; the counts field is
    /// the table's columns of children, girls and boys.
    fn questions(&self) -> Vec<&FormField> {
        overview::own_columns(&self.overview.fields)
            .into_iter()
            .filter(|f| f.is_question())
            .collect()
    }

    fn count(&self, n: &Option<i32>) -> String {
        n.map(super::format::number).unwrap_or_else(|| "–".into())
    }

    fn page_size(&self) -> i64 {
        OVERVIEW_PAGE_SIZE
    }

    fn page_link<P: std::borrow::Borrow<i64>>(&self, page: P) -> String {
        format!("?ar={}&sida={}", self.overview.year, page.borrow())
    }

    /// The pages linked in the navigation: the first, the last and two either side of
    /// this one; `None` for the pages left out between them.
    fn page_numbers(&self) -> Vec<Option<i64>> {
        crate::web::format::page_numbers(self.page, self.pages)
    }
}

pub async fn overview_page(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let (now, year, viewer) = (state.clock.now(), query.ar, actor.0.clone());
    let asked = page_number(&page.sida);
    let (overview, page_number) = state
        .db
        .run(move |c| {
            let o = overview::for_call(c, &viewer, &id, year, now, overview_window(asked))?;
            let pages = ((o.total + OVERVIEW_PAGE_SIZE - 1) / OVERVIEW_PAGE_SIZE).max(1);
            if asked > pages {
                // Past the end (a typed number, or fewer regions): the last page.
                let last =
                    overview::for_call(c, &viewer, &id, Some(o.year), now, overview_window(pages))?;
                return Ok::<_, AppError>((last, pages));
            }
            Ok((o, asked))
        })
        .await?;
    let pages = ((overview.total + OVERVIEW_PAGE_SIZE - 1) / OVERVIEW_PAGE_SIZE).max(1);
    let page = OverviewPage {
        ctx: ctx(&state, &session, actor.0)?,
        overview,
        page: page_number,
        pages,
    };
    render(StatusCode::OK, &page)
}

/// Regions per chunk of a streamed file: the service holds neither a connection nor more
/// than a chunk of rows while the client downloads.
const CSV_CHUNK: i64 = 500;

/// Where a streamed file has come to: rows after a place in the order (from the start
/// when `None`), then the row of sums, then the end.
enum Stage {
    Rows(Option<crate::db::reports::OwedCursor>),
    Sums,
    Done,
}

/// The officers' file of every region, streamed a chunk of rows at a time.
pub async fn overview_csv(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let (now, year) = (state.clock.now(), query.ar);
    // The order is read once, as keys only; the rows follow a chunk at a time.
    let export = state
        .db
        .run(move |c| overview::export(c, &actor.0, &id, year, now))
        .await?;
    let filename = format!("aterrapportering-{}.csv", export.head.year);
    let head = std::sync::Arc::new(export.head);
    let filter = std::sync::Arc::new(export.filter);
    let mut first = crate::spreadsheet::SpreadsheetCsv::new();
    first.row(overview::csv_header(&head))?;
    let first = web::Bytes::from(first.finish()?);
    let db = state.db.clone();
    // Each chunk reads on from where the last ended (the kept rows' order), so no list
    // of every region is held and the first byte leaves at once.
    let rows = futures_util::stream::try_unfold((Stage::Rows(None), db), move |(stage, db)| {
        let (head, filter) = (head.clone(), filter.clone());
        async move {
            let mut w = crate::spreadsheet::SpreadsheetCsv::continuation();
            match stage {
                Stage::Rows(after) => {
                    let results = head.results.clone();
                    let fields = head.fields.clone();
                    let (rows, next) = db
                        .run(move |c| {
                            overview::export_rows(
                                c,
                                &results,
                                &fields,
                                &filter,
                                after.as_ref(),
                                CSV_CHUNK,
                                now,
                            )
                        })
                        .await?;
                    for row in &rows {
                        w.row(overview::csv_record(&head, row))?;
                    }
                    let stage = match next {
                        Some(cursor) => Stage::Rows(Some(cursor)),
                        None => Stage::Sums,
                    };
                    Ok::<_, AppError>(Some((web::Bytes::from(w.finish()?), (stage, db))))
                }
                Stage::Sums => {
                    w.row(overview::csv_sums(&head))?;
                    Ok(Some((web::Bytes::from(w.finish()?), (Stage::Done, db))))
                }
                Stage::Done => Ok(None),
            }
        }
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, AppError>(first) }),
        rows,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

/// The public file: no login, approved reports only, small counts written "<5"; streamed
/// a chunk of regions at a time.
pub async fn public_csv(
    state: State,
    path: web::Path<String>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let year = query
        .ar
        .ok_or_else(|| AppError::invalid("ar", "Ange året, till exempel ?ar=2021."))?;
    let plan = state
        .db
        .run(move |c| overview::public_plan(c, &id, year))
        .await?;
    let mut first = crate::spreadsheet::SpreadsheetCsv::new();
    first.row(overview::public_csv_header(&plan))?;
    let first = web::Bytes::from(first.finish()?);
    let plan = std::sync::Arc::new(plan);
    let db = state.db.clone();
    let rows = futures_util::stream::try_unfold((Stage::Rows(None), db), move |(stage, db)| {
        let plan = plan.clone();
        async move {
            let Stage::Rows(after) = stage else {
                return Ok::<_, AppError>(None);
            };
            let (rows, next) = db
                .run(move |c| overview::public_rows(c, &plan, after.as_ref(), CSV_CHUNK, year, now))
                .await?;
            let mut w = crate::spreadsheet::SpreadsheetCsv::continuation();
            for row in &rows {
                w.row(overview::public_csv_record(row))?;
            }
            let stage = next.map_or(Stage::Done, |cursor| Stage::Rows(Some(cursor)));
            Ok(Some((web::Bytes::from(w.finish()?), (stage, db))))
        }
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, AppError>(first) }),
        rows,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"aterrapportering-{year}-offentlig.csv\""),
        ))
        .streaming(body))
}

/// Registered by `web::routes`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/aterrapporter", web::get().to(list))
        .route("/aterrapporter/starta", web::post().to(start))
        .route("/aterrapporter/{id}", web::get().to(show))
        .route("/aterrapporter/{id}/redigera", web::get().to(edit_form))
        .route("/aterrapporter/{id}/redigera", web::post().to(save))
        .route("/aterrapporter/{id}/skicka-in", web::get().to(confirm))
        .route("/aterrapporter/{id}/skicka-in", web::post().to(submit))
        .route(
            "/aterrapporter/{id}/komplettera",
            web::post().to(begin_supplement),
        )
        .route(
            "/aterrapporter/{id}/begar-komplettering",
            web::post().to(request_supplement),
        )
        .route("/aterrapporter/{id}/godkann", web::post().to(approve))
        .route(
            "/aterrapporter/{id}/aterbetalning/mottagen",
            web::post().to(record_received),
        )
        .route(
            "/aterrapporter/{id}/aterbetalning.pdf",
            web::get().to(letter),
        )
        .route(
            "/utlysningar/{id}/aterrapporter",
            web::get().to(overview_page),
        )
        .route(
            "/utlysningar/{id}/aterrapporter.csv",
            web::get().to(overview_csv),
        )
        .route(
            "/utlysningar/{id}/aterrapporter-offentlig.csv",
            web::get().to(public_csv),
        );
}
