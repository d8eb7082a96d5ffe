//! The administrator's overview of accounts and organisations, inviting the agency's staff,
//! and the actions on each account (see `account_actions`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::account_actions;
use super::{PageContext, WebError, render};
use crate::accounts::invitations::{self, StaffInput};
use crate::accounts::links::{self, MailContext};
use crate::accounts::{self, AccountsOverview, Actor};
use crate::codes::Role;
use crate::db::accounts::User;
use crate::error::{AppError, FieldErrors};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ctx: PageContext,
    overview: AccountsOverview,
    input: StaffInput,
    errors: FieldErrors,
    /// The member of staff just invited.
    invited: Option<User>,
    notice: Option<&'static str>,
}

impl AdminPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    fn may_manage(&self, person: &User) -> bool {
        self.ctx
            .actor
            .as_ref()
            .is_some_and(|a| invitations::may_manage(a, person))
    }

    /// The roles the agency's staff can have, for the invitation form.
    fn staff_roles(&self) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| *r != Role::Applicant)
            .collect()
    }

    fn invitation_days(&self) -> i64 {
        links::INVITATION_VALID_FOR.num_days()
    }
}

struct Shown {
    input: StaffInput,
    errors: FieldErrors,
    invited: Option<User>,
    notice: Option<&'static str>,
}

async fn page(
    state: &State,
    session: &Session,
    actor: Actor,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let overview = state
        .db
        .run(move |c| accounts::overview(c, &viewer, now))
        .await?;
    let page = AdminPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "admin")?,
        overview,
        input: shown.input,
        errors: shown.errors,
        invited: shown.invited,
        notice: shown.notice,
    };
    render(status, &page)
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let shown = Shown {
        input: StaffInput::default(),
        errors: FieldErrors::new(),
        invited: None,
        notice: account_actions::notice(&req),
    };
    page(&state, &session, actor.0, shown, StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// The administrator invites a member of the agency's staff.
pub async fn invite(
    state: State,
    session: Session,
    actor: Authenticated,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let input = StaffInput {
        email: form.email,
        name: form.name,
        role: form.role,
    };
    let again = |input: StaffInput, errors: FieldErrors| Shown {
        input,
        errors,
        invited: None,
        notice: None,
    };
    if !http::csrf_matches(&session, &form.csrf_token) {
        let errors = FieldErrors::single("csrf_token", super::CSRF_REFUSED);
        return page(
            &state,
            &session,
            actor.0,
            again(input, errors),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let now = state.clock.now();
    let mail = MailContext::new(&state.links, &state.agency_name);
    let (who, typed) = (actor.0.clone(), input.clone());
    match state
        .db
        .run(move |c| invitations::invite_staff(c, &who, &typed, &mail, now))
        .await
    {
        Ok(user) => {
            let shown = Shown {
                input: StaffInput::default(),
                errors: FieldErrors::new(),
                invited: Some(user),
                notice: None,
            };
            page(&state, &session, actor.0, shown, StatusCode::OK).await
        }
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                again(input, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
