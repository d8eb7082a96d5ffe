//! The officer's form for a change decision or revocation of a signed grant.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::flash::{self, Flash};
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::db::decisions::Decision;
use crate::decisions::change::{self, ChangeInput};
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{Authenticated, State};
use crate::money::Ore;

#[derive(Template)]
#[template(path = "decision_change.html")]
struct ChangePage {
    ctx: PageContext,
    decision: Decision,
    organisation: String,
    current: BTreeMap<i32, Ore>,
    errors: FieldErrors,
    typed: FormData,
}

impl ChangePage {
    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    /// What the officer typed, or the amount the decision grants now.
    fn amount(&self, year: &i32) -> String {
        let field = format!("amounts.{year}");
        if self.typed.has(&field) {
            self.typed.get(&field)
        } else {
            self.current
                .get(year)
                .map(|a| a.to_kronor().to_string())
                .map(|k| k.replace('.', ","))
                .unwrap_or_default()
        }
    }

    fn kind_is(&self, kind: &str) -> bool {
        self.typed.get("kind") == kind
    }
}

async fn page(
    state: &State,
    session: &Session,
    actor: Actor,
    decision_id: String,
    errors: FieldErrors,
    typed: FormData,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let (decision, current, organisation) = state
        .db
        .run(move |c| {
            let (decision, current) = change::current(c, &viewer, &decision_id, now)?;
            let organisation = crate::db::organisations::find(c, &decision.organisation_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            Ok::<_, AppError>((decision, current, organisation))
        })
        .await?;
    let page = ChangePage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        decision,
        organisation,
        current,
        errors,
        typed,
    };
    render(status, &page)
}

pub async fn form(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    page(
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

pub async fn prepare(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let decision_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = ChangeInput {
        kind: form.get("kind"),
        amounts: form.map("amounts"),
        reasons: form.get("reasons"),
    };
    let now = state.clock.now();
    let (who, id) = (actor.0.clone(), decision_id.clone());
    match state
        .db
        .run(move |c| change::prepare_change(c, &who, &id, &input, now))
        .await
    {
        Ok(draft) => {
            flash::set(&session, Flash::ChangePrepared);
            Ok(redirect(&format!(
                "/ansokningar/{}",
                draft.application_id.unwrap_or_default()
            )))
        }
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                decision_id,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
