//! The officers' form editor pages (issue 15): a call's application form and report-back
//! form listed field by field, each field edited on a page of its own with its settings as
//! plain inputs (no JavaScript), moved, removed, added; the whole form copied from another
//! call, exported as JSON and imported; and a preview as the applicant sees the form.
//! The work is `calls::form_editor`'s; these handlers read the forms and show the answers.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::drafting::check_csrf;
use super::flash::{self, Flash};
use super::posted::PostedForm;
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::calls::form::{AnswerInput, FILE_KINDS, FieldKind, FormField};
use crate::calls::form_editor::{
    self, Direction, FieldForm, FormKind, Saved, VersionView, split_field_error,
};
use crate::codes::Role;
use crate::db::calls::Call;
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{Authenticated, State};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The fixed names before `{position}`, which would otherwise take them.
    cfg.route("/utlysningar/{id}/formular", web::get().to(editor))
        .route(
            "/utlysningar/{id}/formular/forhandsgranska",
            web::get().to(preview),
        )
        .route("/utlysningar/{id}/formular.json", web::get().to(export))
        .route("/utlysningar/{id}/formular/{form}/ny", web::post().to(add))
        .route(
            "/utlysningar/{id}/formular/{form}/kopiera",
            web::post().to(copy),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/importera",
            web::post().to(import),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/{position}",
            web::get().to(field_page),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/{position}",
            web::post().to(save),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/{position}/upp",
            web::post().to(move_up),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/{position}/ned",
            web::post().to(move_down),
        )
        .route(
            "/utlysningar/{id}/formular/{form}/{position}/ta-bort",
            web::post().to(remove),
        );
}

/// `?form=application|report`.
#[derive(Debug, Default, Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    form: String,
}

fn form_of(text: &str) -> Result<FormKind, WebError> {
    FormKind::from_query(text).ok_or_else(|| AppError::NotFound.into())
}

fn position_of(text: &str) -> Result<usize, WebError> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| AppError::NotFound.into())
}

fn editor_path(call_id: &str, form: FormKind) -> String {
    format!("/utlysningar/{call_id}/formular?form={}", form.as_str())
}

/// One problem as the error summary lists it: where it links and what it says.
pub struct Problem {
    pub href: String,
    pub message: String,
}

/// Everything the editor page shows of a form.
struct Loaded {
    call: Call,
    fields: Vec<FormField>,
    stamp: String,
    version: Option<i32>,
    versions: Vec<VersionView>,
    sources: Vec<(String, String, String)>,
}

async fn load(
    state: &State,
    actor: &Actor,
    call_id: String,
    form: FormKind,
    what: &'static str,
) -> Result<Loaded, WebError> {
    let (viewer, now) = (actor.clone(), state.clock.now());
    Ok(state
        .db
        .run(move |c| {
            form_editor::require_reader(c, &viewer, &call_id, now, what)?;
            let export = form_editor::export(c, &viewer, &call_id, form, now)?;
            let def = crate::calls::definition(c, Some(&viewer), &call_id)?;
            let fields = form.fields(&def);
            let versions = form_editor::versions(c, &viewer, &call_id, Some(form), now)?;
            let sources = if viewer.role == Role::Officer {
                form_editor::copy_sources(c, &call_id)?
            } else {
                Vec::new()
            };
            Ok::<_, AppError>(Loaded {
                stamp: form_editor::stamp(form, &fields),
                call: def.call,
                fields,
                version: export.version,
                versions,
                sources,
            })
        })
        .await?)
}

#[derive(Template)]
#[template(path = "form_editor.html")]
struct EditorPage {
    ctx: PageContext,
    call: Call,
    form: FormKind,
    fields: Vec<FormField>,
    stamp: String,
    version: Option<i32>,
    versions: Vec<VersionView>,
    sources: Vec<(String, String, String)>,
    errors: FieldErrors,
    /// The errors are of an import: they name the imported fields, not the listed ones.
    import_errors: bool,
    import_text: String,
}

impl EditorPage {
    fn frozen(&self) -> Option<&'static str> {
        form_editor::frozen_reason(self.call.status)
    }

    fn may_edit(&self) -> bool {
        self.ctx.role() == Some(Role::Officer) && self.frozen().is_none()
    }

    fn other_form(&self) -> FormKind {
        match self.form {
            FormKind::Application => FormKind::Report,
            FormKind::Report => FormKind::Application,
        }
    }

    /// The types to add, `(code, label, preselected)`.
    fn kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.form
            .kinds()
            .iter()
            .map(|k| (k.as_str(), k.label(), *k == FieldKind::LongText))
            .collect()
    }

    /// The forms to copy from, `(code, label, preselected)`.
    fn forms(&self) -> Vec<(&'static str, &'static str, bool)> {
        FormKind::ALL
            .iter()
            .map(|f| (f.as_str(), f.label(), *f == self.form))
            .collect()
    }

    fn condition(&self, field: &FormField) -> String {
        field.condition_text(&self.fields).unwrap_or_default()
    }

    /// The messages for one listed field (not for an import's fields).
    fn field_errors(&self, index: &usize) -> Vec<String> {
        if self.import_errors {
            return Vec::new();
        }
        self.errors
            .iter()
            .filter(|e| split_field_error(&e.field).is_some_and(|(i, _)| i == *index))
            .map(|e| e.message.clone())
            .collect()
    }

    fn error<S: AsRef<str>>(&self, name: S) -> Option<&str> {
        self.errors.get(name.as_ref())
    }

    fn problems(&self) -> Vec<Problem> {
        self.errors
            .iter()
            .map(|e| match split_field_error(&e.field) {
                Some((i, _)) if self.import_errors => Problem {
                    href: "#form_json".into(),
                    message: format!("Fråga {} i JSON-texten: {}", i + 1, e.message),
                },
                Some((i, _)) => Problem {
                    href: format!("#fields.{i}"),
                    message: format!("Fråga {}: {}", i + 1, e.message),
                },
                None if e.field == "source" => Problem {
                    href: "#source".into(),
                    message: e.message.clone(),
                },
                None if self.import_errors || e.field == "form_json" => Problem {
                    href: "#form_json".into(),
                    message: e.message.clone(),
                },
                None => Problem {
                    href: "#fragor".into(),
                    message: e.message.clone(),
                },
            })
            .collect()
    }

    fn when<D: std::borrow::Borrow<chrono::NaiveDateTime>>(&self, at: D) -> String {
        crate::web::format::when(at.borrow())
    }
}

/// The answer to a change made from the editor page: back to the editor with its message,
/// or the editor again with the errors (and the pasted JSON of a refused import).
#[allow(clippy::too_many_arguments)]
async fn answer_on_editor(
    state: &State,
    session: &Session,
    actor: Actor,
    call_id: String,
    form_kind: FormKind,
    flash: Flash,
    result: Result<Saved, AppError>,
    import: Option<String>,
) -> Result<HttpResponse, WebError> {
    match result {
        Ok(saved) => done(session, flash, &call_id, form_kind, saved),
        Err(AppError::Invalid(errors)) => {
            let import_errors = import.is_some();
            editor_page(
                state,
                session,
                actor,
                call_id,
                form_kind,
                errors,
                import_errors,
                import.unwrap_or_default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn editor_page(
    state: &State,
    session: &Session,
    actor: Actor,
    call_id: String,
    form: FormKind,
    errors: FieldErrors,
    import_errors: bool,
    import_text: String,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let loaded = load(state, &actor, call_id, form, "se en utlysnings formulär").await?;
    let page = EditorPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        call: loaded.call,
        form,
        fields: loaded.fields,
        stamp: loaded.stamp,
        version: loaded.version,
        versions: loaded.versions,
        sources: loaded.sources,
        errors,
        import_errors,
        import_text,
    };
    render(status, &page)
}

pub async fn editor(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&query.form)?;
    editor_page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        form,
        FieldErrors::new(),
        false,
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "form_preview.html")]
struct PreviewPage {
    ctx: PageContext,
    call: Call,
    form: FormKind,
    fields: Vec<FormField>,
}

impl PreviewPage {
    /// Nothing is answered in a preview (see `_form_fields.html`).
    fn answer<P: std::borrow::Borrow<i32>>(&self, _position: P) -> AnswerInput {
        AnswerInput::default()
    }

    fn error<S: AsRef<str>>(&self, _name: S) -> Option<&str> {
        None
    }

    fn files(&self, _field_id: &str) -> Vec<(String, String)> {
        Vec::new()
    }

    fn file_url(&self, _id: &str) -> String {
        String::new()
    }
}

pub async fn preview(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&query.form)?;
    let loaded = load(
        &state,
        &actor.0,
        path.into_inner(),
        form,
        "förhandsgranska en utlysnings formulär",
    )
    .await?;
    let page = PreviewPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        call: loaded.call,
        form,
        fields: loaded.fields,
    };
    render(StatusCode::OK, &page)
}

/// The form as a JSON file to download.
pub async fn export(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, WebError> {
    let form = form_of(&query.form)?;
    let (call_id, now) = (path.into_inner(), state.clock.now());
    let (code, body) = state
        .db
        .run(move |c| {
            let export = form_editor::export(c, &actor.0, &call_id, form, now)?;
            let call = crate::db::calls::find_call(c, &call_id)?.ok_or(AppError::NotFound)?;
            Ok::<_, AppError>((call.code, form_editor::export_file(&export)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"formular-{code}-{}.json\"",
                form.as_str()
            ),
        ))
        .body(body))
}

// ---------------------------------------------------------------------------------------
// One field's page.
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "form_field.html")]
struct FieldPage {
    ctx: PageContext,
    call: Call,
    form: FormKind,
    /// None: a new field, added after `after` (None: last).
    position: Option<usize>,
    after: Option<usize>,
    input: FieldForm,
    /// The fields before this one, for the condition.
    earlier: Vec<FormField>,
    stamp: String,
    errors: FieldErrors,
}

impl FieldPage {
    fn error<S: AsRef<str>>(&self, name: S) -> Option<&str> {
        self.errors.get(name.as_ref())
    }

    fn frozen(&self) -> Option<&'static str> {
        form_editor::frozen_reason(self.call.status)
    }

    fn may_edit(&self) -> bool {
        self.ctx.role() == Some(Role::Officer) && self.frozen().is_none()
    }

    fn action(&self) -> String {
        match self.position {
            Some(p) => format!(
                "/utlysningar/{}/formular/{}/{p}",
                self.call.id,
                self.form.as_str()
            ),
            None => format!(
                "/utlysningar/{}/formular/{}/ny",
                self.call.id,
                self.form.as_str()
            ),
        }
    }

    fn after_value(&self) -> String {
        self.after.map(|a| a.to_string()).unwrap_or_default()
    }

    fn kind(&self) -> Option<FieldKind> {
        self.input.field_kind()
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.form
            .kinds()
            .iter()
            .map(|k| (k.as_str(), k.label(), self.input.kind.trim() == k.as_str()))
            .collect()
    }

    fn uses_length(&self) -> bool {
        matches!(
            self.kind(),
            Some(FieldKind::ShortText | FieldKind::LongText)
        )
    }

    fn uses_bounds(&self) -> bool {
        matches!(
            self.kind(),
            Some(FieldKind::Integer | FieldKind::Amount | FieldKind::Percentage)
        )
    }

    fn bounds_hint(&self) -> &'static str {
        match self.kind() {
            Some(FieldKind::Amount) => "I hela kronor. Lämna tomt för ingen gräns.",
            Some(FieldKind::Percentage) => "I procent, 0–1 000. Lämna tomt för ingen gräns.",
            _ => "Heltal. Lämna tomt för ingen gräns.",
        }
    }

    fn uses_options(&self) -> bool {
        matches!(
            self.kind(),
            Some(FieldKind::SingleChoice | FieldKind::MultipleChoice)
        )
    }

    fn uses_columns(&self) -> bool {
        self.kind() == Some(FieldKind::Table)
    }

    fn uses_files(&self) -> bool {
        self.kind() == Some(FieldKind::Attachment)
    }

    fn is_page(&self) -> bool {
        self.kind() == Some(FieldKind::Page)
    }

    fn file_kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        FILE_KINDS
            .iter()
            .map(|(k, label)| (*k, *label, self.input.accept.iter().any(|a| a == k)))
            .collect()
    }

    fn column_kinds(&self) -> String {
        crate::calls::form::ColumnKind::ALL
            .iter()
            .map(|k| k.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Earlier fields a condition may name: `(number, text, selected)`, the text with the
    /// answers it can have.
    fn sources(&self) -> Vec<(String, String, bool)> {
        self.earlier
            .iter()
            .filter_map(|f| {
                let answers = match f.kind {
                    FieldKind::YesNo => "ja, nej".to_string(),
                    FieldKind::SingleChoice | FieldKind::MultipleChoice => f
                        .settings
                        .options
                        .iter()
                        .map(|o| o.label.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => return None,
                };
                let number = f.position.to_string();
                let selected = self.input.show_when.trim() == number;
                Some((
                    number,
                    format!("Fråga {}: {} (svar: {answers})", f.position, f.title),
                    selected,
                ))
            })
            .collect()
    }

    fn title_text(&self) -> String {
        match self.position {
            Some(p) => format!("Fråga {p}"),
            None => "Ny fråga".to_string(),
        }
    }

    /// The summary's entries: a message about this field links to its input, one about
    /// another field names it.
    fn problems(&self) -> Vec<Problem> {
        self.errors
            .iter()
            .map(|e| {
                let href = if e.field.starts_with("fields.") || e.field == "position" {
                    "#title".to_string()
                } else {
                    format!("#{}", e.field)
                };
                Problem {
                    href,
                    message: e.message.clone(),
                }
            })
            .collect()
    }
}

/// The errors of a save named by this page's inputs: `fields.<index>.min` → `min`; those
/// of other fields keep their names, and say which field they concern.
fn page_errors(errors: FieldErrors, index: usize) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.iter() {
        match split_field_error(&e.field) {
            Some((i, what)) if i == index => {
                let name = match what {
                    "" | "settings" => "kind",
                    other => other,
                };
                out.add(name, e.message.clone());
            }
            Some((i, _)) => out.add(e.field.clone(), format!("Fråga {}: {}", i + 1, e.message)),
            None => out.add(e.field.clone(), e.message.clone()),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn field_page_with(
    state: &State,
    session: &Session,
    actor: Actor,
    call_id: String,
    form: FormKind,
    position: Option<usize>,
    after: Option<usize>,
    input: Option<FieldForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let loaded = load(state, &actor, call_id, form, "se en utlysnings formulär").await?;
    let fields = loaded.fields;
    let earlier_than = match (position, after) {
        (Some(p), _) => p,
        (None, Some(a)) => a + 1,
        (None, None) => fields.len() + 1,
    };
    let input = match (input, position) {
        (Some(input), _) => input,
        (None, Some(p)) => {
            let field = fields.get(p - 1).ok_or(AppError::NotFound)?;
            FieldForm::from_field(field, &fields)
        }
        (None, None) => FieldForm {
            kind: FieldKind::LongText.as_str().into(),
            ..Default::default()
        },
    };
    let earlier = fields
        .iter()
        .filter(|f| (f.position as usize) < earlier_than)
        .cloned()
        .collect();
    let page = FieldPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        call: loaded.call,
        form,
        position,
        after,
        input,
        earlier,
        stamp: loaded.stamp,
        errors,
    };
    render(status, &page)
}

pub async fn field_page(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, WebError> {
    let (call_id, form, position) = path.into_inner();
    let (form, position) = (form_of(&form)?, position_of(&position)?);
    field_page_with(
        &state,
        &session,
        actor.0,
        call_id,
        form,
        Some(position),
        None,
        None,
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// The fields before `before` (a number from 1), as stored: for reading a condition.
async fn earlier_fields(
    state: &State,
    actor: &Actor,
    call_id: &str,
    form: FormKind,
    before: Option<usize>,
) -> Result<Vec<FormField>, WebError> {
    let (viewer, id) = (actor.clone(), call_id.to_string());
    let def = state
        .db
        .run(move |c| crate::calls::definition(c, Some(&viewer), &id))
        .await?;
    Ok(form
        .fields(&def)
        .into_iter()
        .filter(|f| before.is_none_or(|b| (f.position as usize) < b))
        .collect())
}

/// Adds a field: from the editor's short form (title, type, place) or this page's whole
/// form. When the type needs settings not given yet, the whole form comes back to give them.
pub async fn add(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (call_id, form_kind) = path.into_inner();
    let form_kind = form_of(&form_kind)?;
    let data = FormData::new(form.into_inner());
    check_csrf(&session, &data.get("csrf_token"))?;
    let after = match data.get("after").trim() {
        "" => None,
        text => Some(text.parse::<usize>().map_err(|_| AppError::NotFound)?),
    };
    let input = FieldForm::from_form(&data);
    let earlier =
        earlier_fields(&state, &actor.0, &call_id, form_kind, after.map(|a| a + 1)).await?;
    let index = after.unwrap_or(usize::MAX);
    let section = match input.to_section(&earlier) {
        Ok(section) => section,
        Err(errors) => {
            return field_page_with(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                None,
                after,
                Some(input),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (who, id, stamp, now) = (
        actor.0.clone(),
        call_id.clone(),
        data.get("stamp"),
        state.clock.now(),
    );
    let result = state
        .db
        .run(move |c| form_editor::add(c, &who, &id, form_kind, after, section, Some(&stamp), now))
        .await;
    match result {
        Ok(saved) => done(&session, Flash::FormFieldAdded, &call_id, form_kind, saved),
        Err(AppError::Invalid(errors)) => {
            // The new field's index: where it was put (last: after all the others).
            let index = if index == usize::MAX {
                earlier.len()
            } else {
                index
            };
            field_page_with(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                None,
                after,
                Some(input),
                page_errors(errors, index),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

fn done(
    session: &Session,
    flash: Flash,
    call_id: &str,
    form: FormKind,
    saved: Saved,
) -> Result<HttpResponse, WebError> {
    flash::set(session, flash);
    let anchor = saved
        .position
        .map(|p| format!("#fields.{}", p.saturating_sub(1)))
        .unwrap_or_default();
    Ok(redirect(&format!("{}{anchor}", editor_path(call_id, form))))
}

pub async fn save(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (call_id, form_kind, position) = path.into_inner();
    let (form_kind, position) = (form_of(&form_kind)?, position_of(&position)?);
    let data = FormData::new(form.into_inner());
    check_csrf(&session, &data.get("csrf_token"))?;
    let input = FieldForm::from_form(&data);
    let earlier = earlier_fields(&state, &actor.0, &call_id, form_kind, Some(position)).await?;
    let section = match input.to_section(&earlier) {
        Ok(section) => section,
        Err(errors) => {
            return field_page_with(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                Some(position),
                None,
                Some(input),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (who, id, stamp, now) = (
        actor.0.clone(),
        call_id.clone(),
        data.get("stamp"),
        state.clock.now(),
    );
    let result = state
        .db
        .run(move |c| {
            form_editor::save_field(
                c,
                &who,
                &id,
                form_kind,
                position,
                section,
                Some(&stamp),
                now,
            )
        })
        .await;
    match result {
        Ok(saved) => done(&session, Flash::FormFieldSaved, &call_id, form_kind, saved),
        Err(AppError::Invalid(errors)) => {
            field_page_with(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                Some(position),
                None,
                Some(input),
                page_errors(errors, position - 1),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// A button's form: the CSRF token and the form's stamp as the page showed it.
#[derive(Debug, Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    stamp: String,
}

enum Step {
    Move(Direction),
    Remove,
}

async fn step(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
    form: web::Form<ButtonForm>,
    step: Step,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let (call_id, form_kind, position) = path.into_inner();
    let (form_kind, position) = (form_of(&form_kind)?, position_of(&position)?);
    let (who, id, stamp, now) = (
        actor.0.clone(),
        call_id.clone(),
        form.into_inner().stamp,
        state.clock.now(),
    );
    let flash = match step {
        Step::Move(_) => Flash::FormFieldMoved,
        Step::Remove => Flash::FormFieldRemoved,
    };
    let result = state
        .db
        .run(move |c| match step {
            Step::Move(direction) => form_editor::move_one(
                c,
                &who,
                &id,
                form_kind,
                position,
                direction,
                Some(&stamp),
                now,
            ),
            Step::Remove => {
                form_editor::remove(c, &who, &id, form_kind, position, Some(&stamp), now)
            }
        })
        .await;
    answer_on_editor(
        &state, &session, actor.0, call_id, form_kind, flash, result, None,
    )
    .await
}

pub async fn move_up(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, WebError> {
    step(state, session, actor, path, form, Step::Move(Direction::Up)).await
}

pub async fn move_down(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, WebError> {
    step(
        state,
        session,
        actor,
        path,
        form,
        Step::Move(Direction::Down),
    )
    .await
}

pub async fn remove(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, WebError> {
    step(state, session, actor, path, form, Step::Remove).await
}

#[derive(Debug, Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    stamp: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_form: String,
}

/// Puts another call's form in place of this one's.
pub async fn copy(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    form: web::Form<CopyForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&session, &form.csrf_token)?;
    let (call_id, form_kind) = path.into_inner();
    let form_kind = form_of(&form_kind)?;
    let posted = form.into_inner();
    let source_form = FormKind::from_query(&posted.source_form).unwrap_or(form_kind);
    let (who, id, now) = (actor.0.clone(), call_id.clone(), state.clock.now());
    let result = state
        .db
        .run(move |c| {
            form_editor::copy_from(
                c,
                &who,
                &id,
                form_kind,
                &posted.source,
                source_form,
                Some(&posted.stamp),
                now,
            )
        })
        .await;
    answer_on_editor(
        &state,
        &session,
        actor.0,
        call_id,
        form_kind,
        Flash::FormCopied,
        result,
        None,
    )
    .await
}

/// Puts a form given as JSON (pasted, or a file) in place of this one's.
pub async fn import(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    posted: PostedForm,
) -> Result<HttpResponse, WebError> {
    let data = posted.data();
    check_csrf(&session, &data.get("csrf_token"))?;
    let (call_id, form_kind) = path.into_inner();
    let form_kind = form_of(&form_kind)?;
    // A chosen file is read in place of the text box.
    let text = match posted.file.as_ref().and_then(|f| f.content.as_ref()) {
        Some(bytes) if !bytes.is_empty() => match String::from_utf8(bytes.clone()) {
            Ok(text) => text,
            Err(_) => {
                let errors = FieldErrors::single(
                    "form_json",
                    "Filen är inte en textfil i UTF-8. Välj den JSON-fil som exporten gav.",
                );
                return editor_page(
                    &state,
                    &session,
                    actor.0,
                    call_id,
                    form_kind,
                    errors,
                    true,
                    String::new(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        Some(_) => data.get("form_json"),
        None if posted.file.is_some() => {
            let errors = FieldErrors::single("form_json", "Filen är för stor för ett formulär.");
            return editor_page(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                errors,
                true,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        None => data.get("form_json"),
    };
    let rows = match form_editor::read_import_text(&text, form_kind) {
        Ok(rows) => rows,
        Err(errors) => {
            return editor_page(
                &state,
                &session,
                actor.0,
                call_id,
                form_kind,
                errors,
                true,
                text,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (who, id, now) = (actor.0.clone(), call_id.clone(), state.clock.now());
    let result = state
        .db
        .run(move |c| form_editor::import(c, &who, &id, form_kind, rows, now))
        .await;
    answer_on_editor(
        &state,
        &session,
        actor.0,
        call_id,
        form_kind,
        Flash::FormImported,
        result,
        Some(text),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saves_errors_are_named_by_the_pages_inputs() {
        let mut errors = FieldErrors::new();
        errors.add(
            "fields.2.options",
            "Ange minst två alternativ, ett per rad.",
        );
        errors.add("fields.2.settings", "Inställningarna kunde inte läsas.");
        errors.add("fields.4.show_when", "Villkoret...");
        errors.add("code", "Koden...");
        let named = page_errors(errors, 2);
        let names: Vec<&str> = named.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["options", "kind", "fields.4.show_when", "code"]);
        assert!(
            named
                .get("fields.4.show_when")
                .is_some_and(|m| m.starts_with("Fråga 5: "))
        );
    }
}
