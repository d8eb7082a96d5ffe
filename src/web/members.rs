//! The people of an organisation and their roles; inviting one (the ombud, or a
//! representative for uppgiftssamordnare) and removing one; the ombud removing the
//! organisation from the e-service.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{PageContext, WebError, render};
use crate::accounts::Actor;
use crate::accounts::invitations;
use crate::accounts::links::{self, MailContext};
use crate::accounts::members::{self, MemberInput};
use crate::db::accounts::User;
use crate::db::organisations::Organisation;
use crate::error::{AppError, FieldErrors};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    ctx: PageContext,
    organisation: Organisation,
    people: Vec<User>,
    input: MemberInput,
    errors: FieldErrors,
    /// The account just made; its owner has been sent an invitation link.
    created: Option<User>,
    /// What an action on an account did (after its redirect).
    notice: Option<&'static str>,
}

impl MembersPage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    /// The roles the viewer may invite people to, as (code, label).
    fn roles(&self) -> Vec<(&'static str, &'static str)> {
        self.ctx
            .actor
            .as_ref()
            .map(|a| members::roles_to_give(a, &self.organisation.id))
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.as_str(), r.label()))
            .collect()
    }

    fn may_add(&self) -> bool {
        !self.roles().is_empty()
    }

    fn may_remove_organisation(&self) -> bool {
        self.ctx.actor.as_ref().is_some_and(|a| {
            crate::access::may_for_organisation(
                a,
                &self.organisation.id,
                crate::access::OrgAction::RemoveOrganisation,
            )
        })
    }

    fn role_label(&self, person: &User) -> &'static str {
        person.org_role.map(|r| r.label()).unwrap_or("")
    }

    fn may_manage(&self, person: &User) -> bool {
        self.ctx
            .actor
            .as_ref()
            .is_some_and(|a| invitations::may_manage(a, person))
    }

    fn invitation_days(&self) -> i64 {
        links::INVITATION_VALID_FOR.num_days()
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &State,
    session: &Session,
    actor: Actor,
    id: String,
    input: MemberInput,
    errors: FieldErrors,
    created: Option<User>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (organisation, people) = state
        .db
        .run(move |c| members::list(c, &viewer, &id, now))
        .await?;
    let page = MembersPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "organisation")?,
        organisation,
        people,
        input,
        errors,
        created,
        notice,
    };
    render(status, &page)
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        MemberInput::default(),
        FieldErrors::new(),
        None,
        super::account_actions::notice(&req),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn add(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let input = MemberInput {
        email: form.email,
        name: form.name,
        role: form.role,
    };
    if !http::csrf_matches(&session, &form.csrf_token) {
        let errors = FieldErrors::single("csrf_token", super::CSRF_REFUSED);
        return page(
            &state,
            &session,
            actor.0,
            id,
            input,
            errors,
            None,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let mail = MailContext::new(&state.links, &state.agency_name);
    let (who, org_id, typed) = (actor.0.clone(), id.clone(), input.clone());
    match state
        .db
        .run(move |c| members::add(c, &who, &org_id, &typed, now, &mail))
        .await
    {
        Ok(created) => {
            page(
                &state,
                &session,
                actor.0,
                id,
                MemberInput::default(),
                FieldErrors::new(),
                Some(created),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                id,
                input,
                errors,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

/// Removes a person from their organisation; back to its list, which says so.
pub async fn remove(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    if !http::csrf_matches(&session, &form.csrf_token) {
        return Err(AppError::invalid("csrf_token", super::CSRF_REFUSED).into());
    }
    let now = state.clock.now();
    let organisation_id = actor.0.organisation_id.clone().unwrap_or_default();
    let (who, id) = (actor.0, path.into_inner());
    state
        .db
        .run(move |c| members::remove(c, &who, &id, now))
        .await?;
    Ok(super::redirect(&format!(
        "/organisationer/{organisation_id}/personer?klart=borttagen"
    )))
}

/// The ombud removes the organisation from the e-service; they lose their own role too,
/// so they land on the start page, which says what happened.
pub async fn remove_organisation(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    if !http::csrf_matches(&session, &form.csrf_token) {
        return Err(AppError::invalid("csrf_token", super::CSRF_REFUSED).into());
    }
    let now = state.clock.now();
    let (who, id) = (actor.0, path.into_inner());
    state
        .db
        .run(move |c| members::remove_organisation(c, &who, &id, now))
        .await?;
    // Their own session ended with the others'.
    session.purge();
    Ok(super::redirect("/?klart=organisation-borttagen"))
}
