//! The people of an organisation, and adding one (the administrator, or the organisation's
//! representative): the new person is invited by e-mail to choose their own password.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{PageContext, WebError, render};
use crate::accounts::Actor;
use crate::accounts::invitations;
use crate::accounts::links::{self, MailContext};
use crate::accounts::members::{self, MemberInput};
use crate::codes::Role;
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

    fn may_add(&self) -> bool {
        match &self.ctx.actor {
            Some(a) => {
                a.role == Role::Admin
                    || (a.is_signatory
                        && a.organisation_id.as_deref() == Some(&self.organisation.id))
            }
            None => false,
        }
    }

    fn is_admin(&self) -> bool {
        self.ctx.role() == Some(Role::Admin)
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
    signatory: String,
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
        signatory: form.signatory,
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
