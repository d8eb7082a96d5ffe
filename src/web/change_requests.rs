//! Change requests on the web: the organisation writes and sends one in, the officer reads
//! and answers it. The rules are in `change_requests`; these handlers read the form, call
//! them, and show the page again with the messages beside the fields.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::posted::PostedForm;
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::change_requests::rules::{AnswerInput, GrantState, RequestInput};
use crate::change_requests::{self as requests, FileChange, View};
use crate::codes::{ChangeKind, ChangeRequestStatus, Role};
use crate::db::applications::Application;
use crate::db::decisions::Decision;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, State};
use crate::money::Ore;

/// What the request form needs besides what was typed.
struct FormContext {
    state: GrantState,
    errors: FieldErrors,
    typed: FormData,
}

impl FormContext {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    fn value(&self, name: &str) -> String {
        self.typed.get(name)
    }

    fn kind_is(&self, code: &str) -> bool {
        self.typed.get("kind") == code
    }

    fn kinds(&self) -> &'static [ChangeKind] {
        ChangeKind::ALL
    }

    /// Grant years with an amount, for the year choice.
    fn years(&self) -> Vec<(i32, Ore)> {
        self.state
            .amounts
            .iter()
            .filter(|(_, a)| a.is_positive())
            .map(|(y, a)| (*y, *a))
            .collect()
    }

    fn budget_years(&self) -> Vec<i32> {
        self.state.budget.keys().copied().collect()
    }

    fn budget_of(&self, year: &i32, category: &str) -> Ore {
        self.state
            .budget
            .get(year)
            .and_then(|b| b.get(category))
            .copied()
            .unwrap_or(Ore::ZERO)
    }

    fn paid(&self) -> Ore {
        self.state.paid_total()
    }
}

fn typed_from(view: &View) -> FormData {
    let r = &view.request;
    let mut pairs = vec![
        ("kind".to_string(), r.kind.as_str().to_string()),
        ("description".to_string(), r.description.clone()),
    ];
    if let Some(year) = r.year {
        pairs.push(("year".into(), year.to_string()));
    }
    if let Some(amount) = r.amount_ore {
        pairs.push(("amount".into(), kronor(amount)));
    }
    for (_, line) in &view.lines {
        if line.requested_ore != line.before_ore {
            pairs.push((
                format!("budget.{}", line.cost_category_id),
                kronor(line.requested_ore),
            ));
        }
    }
    FormData::new(pairs)
}

/// Whole kronor as typed in a field: "1200000".
fn kronor(amount: Ore) -> String {
    amount.to_kronor().trunc().to_string()
}

/// The file posted with the form, checked as an application's attachments are; a problem
/// goes beside the file field.
fn posted_file(
    posted: &PostedForm,
) -> Result<Option<crate::applications::workflow::CheckedFile>, FieldErrors> {
    if posted.more_files {
        return Err(FieldErrors::single(
            "file",
            "Bifoga en fil i taget. Spara, och bifoga sedan nästa.",
        ));
    }
    match &posted.file {
        Some(upload) if !upload.filename.is_empty() => {
            match crate::applications::workflow::check_attachment(upload) {
                Ok(file) => Ok(Some(file)),
                Err(AppError::Invalid(errors)) => Err(errors),
                Err(_) => Err(FieldErrors::single("file", "Filen kunde inte läsas.")),
            }
        }
        _ => Ok(None),
    }
}

fn request_input(form: &FormData) -> RequestInput {
    RequestInput {
        kind: form.get("kind"),
        year: form.get("year"),
        amount: form.get("amount"),
        budget: form.map("budget"),
        description: form.get("description"),
    }
}

#[derive(Template)]
#[template(path = "change_requests.html")]
struct ListPage {
    ctx: PageContext,
    application: Application,
    grant: Option<Decision>,
    requests: Vec<View>,
    may_write: bool,
    form: Option<FormContext>,
}

/// Whether the person may write change requests for the case (the page offers the form;
/// the use case checks again).
fn may_write(actor: &Actor, application: &Application) -> bool {
    crate::access::may_for_organisation(
        actor,
        &application.organisation_id,
        crate::access::OrgAction::EditCase,
    )
}

async fn list_page(
    state: &State,
    session: &Session,
    actor: Actor,
    application_id: String,
    errors: FieldErrors,
    typed: FormData,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (application, grant, grant_state, list) = state
        .db
        .run(move |c| {
            let list = requests::of_case(c, &viewer, &application_id, now)?;
            let application =
                crate::db::applications::find(c, &application_id)?.ok_or(AppError::NotFound)?;
            let (grant, grant_state) = match requests::grant_of(c, &application_id) {
                Ok(grant) => {
                    let s = requests::grant_state(c, &grant)?;
                    (Some(grant), Some(s))
                }
                Err(AppError::Conflict(_)) => (None, None),
                Err(e) => return Err(e),
            };
            Ok::<_, AppError>((application, grant, grant_state, list))
        })
        .await?;
    let writer = may_write(&actor, &application);
    let page = ListPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        application,
        grant,
        requests: list,
        may_write: writer,
        form: grant_state.map(|state| FormContext {
            state,
            errors,
            typed,
        }),
    };
    render(status, &page)
}

pub async fn list(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    list_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        FieldErrors::new(),
        FormData::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    posted: PostedForm,
) -> Result<HttpResponse, WebError> {
    let application_id = path.into_inner();
    let form = posted.data();
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let file = match posted_file(&posted) {
        Ok(file) => file,
        Err(errors) => {
            return list_page(
                &state,
                &session,
                actor.0,
                application_id,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let input = request_input(&form);
    let submit = form.get("action") == "submit";
    let (now, links) = (state.clock.now(), state.links.clone());
    let (who, id) = (actor.0.clone(), application_id.clone());
    match state
        .db
        .run(move |c| {
            let files = file.as_ref().map(FileChange::Add).unwrap_or_default();
            requests::save(c, &who, &id, None, &input, files, submit, now, &links)
        })
        .await
    {
        Ok(request) => Ok(redirect(&format!("/andringar/{}", request.id))),
        Err(AppError::Invalid(errors)) => {
            list_page(
                &state,
                &session,
                actor.0,
                application_id,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "change_request.html")]
struct RequestPage {
    ctx: PageContext,
    view: View,
    registration_number: String,
    organisation: String,
    /// The organisation may still change the draft and send it in.
    editing: Option<FormContext>,
    /// The officer may answer (and ask for a supplement).
    answering: bool,
    /// The organisation may answer the supplement asked for.
    supplementing: bool,
    errors: FieldErrors,
    typed: FormData,
}

impl RequestPage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    fn outcome_is(&self, code: &str) -> bool {
        self.typed.get("outcome") == code
    }
}

#[allow(clippy::too_many_arguments)]
async fn request_page(
    state: &State,
    session: &Session,
    actor: Actor,
    request_id: String,
    errors: FieldErrors,
    typed: Option<FormData>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (view, application, organisation, grant_state) = state
        .db
        .run(move |c| {
            let view = requests::find(c, &viewer, &request_id, now)?;
            let application = crate::db::applications::find(c, &view.request.application_id)?
                .ok_or(AppError::NotFound)?;
            let organisation = crate::db::organisations::find(c, &application.organisation_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            let grant = crate::db::decisions::find(c, &view.request.decision_id)?
                .ok_or(AppError::NotFound)?;
            let grant_state = requests::grant_state(c, &grant)?;
            Ok::<_, AppError>((view, application, organisation, grant_state))
        })
        .await?;
    let draft = view.request.status == ChangeRequestStatus::Draft;
    let editing = (draft && may_write(&actor, &application)).then(|| FormContext {
        state: grant_state,
        errors: errors.clone(),
        typed: typed.clone().unwrap_or_else(|| typed_from(&view)),
    });
    let answering =
        actor.role == Role::Officer && view.request.status == ChangeRequestStatus::Submitted;
    let supplementing = view.request.status == ChangeRequestStatus::SupplementRequested
        && crate::access::may_for_organisation(
            &actor,
            &application.organisation_id,
            crate::access::OrgAction::SubmitCase,
        );
    let page = RequestPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        registration_number: application.registration_number.clone().unwrap_or_default(),
        organisation,
        editing,
        answering,
        supplementing,
        errors,
        typed: typed.unwrap_or_default(),
        view,
    };
    render(status, &page)
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    request_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Saves the draft, sends it in, or removes it, or one of its files (the button pressed
/// says which). A file chosen is attached with the save.
pub async fn update(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    posted: PostedForm,
) -> Result<HttpResponse, WebError> {
    let request_id = path.into_inner();
    let form = posted.data();
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let (now, links) = (state.clock.now(), state.links.clone());
    let (who, id) = (actor.0.clone(), request_id.clone());
    let action = form.get("action");
    if action == "discard" {
        let case = state
            .db
            .run(move |c| requests::discard(c, &who, &id, now))
            .await?;
        return Ok(redirect(&format!("/ansokningar/{case}/andringar")));
    }
    let file = match posted_file(&posted) {
        Ok(file) => file,
        Err(errors) => {
            return request_page(
                &state,
                &session,
                actor.0,
                request_id,
                errors,
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let remove = action.strip_prefix("remove_file:").map(str::to_string);
    let input = request_input(&form);
    let submit = action == "submit";
    let result = state
        .db
        .run(move |c| {
            let request = crate::db::change_requests::find(c, &id)?.ok_or(AppError::NotFound)?;
            let files = match (&file, &remove) {
                (_, Some(file_id)) => FileChange::Remove(file_id),
                (Some(file), None) => FileChange::Add(file),
                (None, None) => FileChange::None,
            };
            requests::save(
                c,
                &who,
                &request.application_id,
                Some(&id),
                &input,
                files,
                submit,
                now,
                &links,
            )
        })
        .await;
    after_write(&state, &session, actor.0, request_id, form, result).await
}

/// After a write on a request's page: on to the request, or the page again with the
/// messages beside the fields and what was typed.
async fn after_write(
    state: &State,
    session: &Session,
    actor: Actor,
    request_id: String,
    form: FormData,
    result: Result<crate::db::change_requests::ChangeRequest, AppError>,
) -> Result<HttpResponse, WebError> {
    match result {
        Ok(request) => Ok(redirect(&format!("/andringar/{}", request.id))),
        Err(AppError::Invalid(errors)) => {
            request_page(
                state,
                session,
                actor,
                request_id,
                errors,
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// A file of a request, byte for byte, for whoever may read the request.
pub async fn file(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, file_id) = path.into_inner();
    let file_id = file_id.trim_end_matches(".pdf").to_string();
    let now = state.clock.now();
    let file = state
        .db
        .run(move |c| requests::download_file(c, &actor.0, &id, &file_id, now))
        .await?;
    Ok(http::file_response(
        &file.filename,
        &file.content_type,
        Some(&file.sha256),
        file.content,
    ))
}

pub async fn answer(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let request_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = AnswerInput {
        outcome: form.get("outcome"),
        answer: form.get("answer"),
        amount: form.get("amount"),
        budget: form.map("budget"),
    };
    let (now, links) = (state.clock.now(), state.links.clone());
    let (who, id) = (actor.0.clone(), request_id.clone());
    let result = state
        .db
        .run(move |c| requests::answer(c, &who, &id, &input, now, &links))
        .await;
    after_write(&state, &session, actor.0, request_id, form, result).await
}

/// The officer asks for a supplement.
pub async fn request_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let request_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = crate::applications::workflow::SupplementInput {
        message: form.get("message"),
        due_on: form.get("due_on"),
        budget_change_allowed: String::new(),
    };
    let (now, links) = (state.clock.now(), state.links.clone());
    let (who, id) = (actor.0.clone(), request_id.clone());
    let result = state
        .db
        .run(move |c| requests::request_supplement(c, &who, &id, &input, now, &links))
        .await;
    after_write(&state, &session, actor.0, request_id, form, result).await
}

/// The organisation answers the supplement.
pub async fn answer_supplement(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let request_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let answer = form.get("supplement_answer");
    let (now, links) = (state.clock.now(), state.links.clone());
    let (who, id) = (actor.0.clone(), request_id.clone());
    let result = state
        .db
        .run(move |c| requests::answer_supplement(c, &who, &id, &answer, now, &links))
        .await;
    after_write(&state, &session, actor.0, request_id, form, result).await
}
