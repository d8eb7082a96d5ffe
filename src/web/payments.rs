//! Payments: a call's payments (the agency, auditors), an organisation's (also its people),
//! marking a batch paid, and the payment file.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::codes::{PaymentStatus, Role};
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{self, Authenticated, State};
use crate::money::Ore;
use crate::payments::{self, MarkPaidInput, PaymentLine};

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    ctx: PageContext,
    title: String,
    /// The call, when this is a call's list (marking and the file are per call).
    call_id: Option<String>,
    lines: Vec<PaymentLine>,
    errors: FieldErrors,
    typed: FormData,
}

impl PaymentsPage {
    fn may_mark(&self) -> bool {
        self.call_id.is_some() && self.ctx.role() == Some(Role::Officer)
    }

    fn error<S: AsRef<str>>(&self, field: S) -> Option<&str> {
        self.errors.get(field.as_ref())
    }

    fn typed<S: AsRef<str>>(&self, field: S) -> String {
        self.typed.get(field.as_ref())
    }

    fn is_planned(&self, line: &PaymentLine) -> bool {
        line.payment.status == PaymentStatus::Planned
    }

    fn checked(&self, id: &str) -> bool {
        self.typed.all("payment_ids").iter().any(|p| p == id)
    }

    fn total(&self, status: &str) -> Ore {
        self.lines
            .iter()
            // "All" is what is to be paid or has been: a cancelled payment never will be.
            .filter(|l| {
                if status.is_empty() {
                    l.payment.status != PaymentStatus::Cancelled
                } else {
                    l.payment.status.as_str() == status
                }
            })
            .map(|l| l.payment.amount_ore)
            .sum()
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &State,
    session: &Session,
    actor: Actor,
    call_id: Option<String>,
    organisation_id: Option<String>,
    errors: FieldErrors,
    typed: FormData,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let (viewer, call, org) = (actor.clone(), call_id.clone(), organisation_id.clone());
    let (title, lines) = state
        .db
        .run(move |c| {
            let lines = payments::list(c, &viewer, call.as_deref(), org.as_deref(), now)?;
            let title = match (&call, &org) {
                (Some(id), _) => crate::db::calls::find_call(c, id)?
                    .map(|c| c.title)
                    .unwrap_or_default(),
                (None, Some(id)) => crate::db::organisations::find(c, id)?
                    .map(|o| o.name)
                    .unwrap_or_default(),
                _ => String::new(),
            };
            Ok::<_, AppError>((title, lines))
        })
        .await?;
    let page = PaymentsPage {
        ctx: PageContext::new(
            Some(actor),
            http::csrf_token(session)?,
            &state.agency_name,
            "home",
        ),
        title,
        call_id,
        lines,
        errors,
        typed,
    };
    render(status, &page)
}

pub async fn for_call(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    page(
        &state,
        &session,
        actor.0,
        Some(path.into_inner()),
        None,
        FieldErrors::new(),
        FormData::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn for_organisation(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    page(
        &state,
        &session,
        actor.0,
        None,
        Some(path.into_inner()),
        FieldErrors::new(),
        FormData::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn mark_paid(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let call_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    super::drafting::check_csrf(&session, &form.get("csrf_token"))?;
    let input = MarkPaidInput {
        payment_ids: form.all("payment_ids"),
        paid_on: form.get("paid_on"),
        reference: form.get("reference"),
    };
    let now = state.clock.now();
    let who = actor.0.clone();
    match state
        .db
        .run(move |c| payments::mark_paid(c, &who, &input, now))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/utlysningar/{call_id}/utbetalningar"))),
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                Some(call_id),
                None,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn file(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let call_id = path.into_inner();
    let now = state.clock.now();
    let id = call_id.clone();
    let lines = state
        .db
        .run(move |c| payments::list(c, &actor.0, Some(&id), None, now))
        .await?;
    let body = payments::to_csv(&lines)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"utbetalningar.csv\"".to_string(),
        ))
        .body(body))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: PageContext,
    call_id: String,
    title: String,
    years: Vec<crate::dashboard::YearMoney>,
    /// Drawn by `dashboard::svg`, which escapes every text it writes.
    chart: String,
}

/// A call's money at a glance (the agency and auditors).
pub async fn dashboard(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let call_id = path.into_inner();
    let now = state.clock.now();
    let (viewer, id) = (actor.0.clone(), call_id.clone());
    let (title, years) = state
        .db
        .run(move |c| {
            let years = crate::dashboard::for_call(c, &viewer, &id, now)?;
            let title = crate::db::calls::find_call(c, &id)?
                .map(|c| c.title)
                .unwrap_or_default();
            Ok::<_, AppError>((title, years))
        })
        .await?;
    let page = DashboardPage {
        ctx: PageContext::new(
            Some(actor.0),
            http::csrf_token(&session)?,
            &state.agency_name,
            "home",
        ),
        call_id,
        title,
        chart: crate::dashboard::svg(&years),
        years,
    };
    render(StatusCode::OK, &page)
}
