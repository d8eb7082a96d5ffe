//! Payments: a call's payments (the agency, auditors), an organisation's (also its people),
//! marking a batch paid, and the payment file.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::flash::{self, Flash};
use super::{PageContext, WebError, redirect, render};
use crate::accounts::Actor;
use crate::codes::{PaymentStatus, Role};
use crate::error::{AppError, FieldErrors};
use crate::forms::FormData;
use crate::http::{Authenticated, State};
use crate::money::Ore;
use crate::payments::{self, MarkPaidInput, PaymentLine, PaymentPage};
use futures_util::StreamExt;

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    ctx: PageContext,
    title: String,
    /// The call, when this is a call's list (marking and the file are per call).
    call_id: Option<String>,
    lines: Vec<PaymentLine>,
    /// The count and the sums over every payment, not only this page's.
    list: PaymentPage,
    errors: FieldErrors,
    typed: FormData,
    /// From 1.
    page: i64,
    pages: i64,
}

/// Payments per page of the list.
pub const PAGE_SIZE: i64 = 100;

/// `?sida=N`: the page of a list, from 1.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    sida: String,
}

/// A page number as typed: anything unreadable is the first page.
fn page_number(typed: &str) -> i64 {
    typed
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=1_000_000_000).contains(p))
        .unwrap_or(1)
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
        self.list.sum(PaymentStatus::parse(status))
    }

    fn page_size(&self) -> i64 {
        PAGE_SIZE
    }

    fn page_link<P: std::borrow::Borrow<i64>>(&self, page: P) -> String {
        format!("?sida={}", page.borrow())
    }

    /// The pages linked in the navigation: the first, the last and two either side of
    /// this one; `None` for the pages left out between them.
    fn page_numbers(&self) -> Vec<Option<i64>> {
        crate::web::format::page_numbers(self.page, self.pages)
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
    page_number: i64,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let (viewer, call, org) = (actor.clone(), call_id.clone(), organisation_id.clone());
    let (title, lines, page_number) = state
        .db
        .run(move |c| {
            let offset = |p: i64| (p - 1).saturating_mul(PAGE_SIZE);
            let mut page_number = page_number;
            let mut lines = payments::list(
                c,
                &viewer,
                call.as_deref(),
                org.as_deref(),
                PAGE_SIZE,
                offset(page_number),
                now,
            )?;
            let pages = ((lines.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
            if page_number > pages {
                // Past the end (the list shrank, or a typed number): the last page.
                page_number = pages;
                lines = payments::list(
                    c,
                    &viewer,
                    call.as_deref(),
                    org.as_deref(),
                    PAGE_SIZE,
                    offset(page_number),
                    now,
                )?;
            }
            let title = match (&call, &org) {
                (Some(id), _) => crate::db::calls::find_call(c, id)?
                    .map(|c| c.title)
                    .unwrap_or_default(),
                (None, Some(id)) => crate::db::organisations::find(c, id)?
                    .map(|o| o.name)
                    .unwrap_or_default(),
                _ => String::new(),
            };
            Ok::<_, AppError>((title, lines, page_number))
        })
        .await?;
    let pages = ((lines.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = PaymentsPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        title,
        call_id,
        lines: lines.lines.clone(),
        list: lines,
        errors,
        typed,
        page: page_number,
        pages,
    };
    render(status, &page)
}

pub async fn for_call(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
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
        page_number(&query.sida),
    )
    .await
}

pub async fn for_organisation(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
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
        page_number(&query.sida),
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
        Ok(_) => {
            flash::set(&session, Flash::PaymentsMarked);
            Ok(redirect(&format!("/utlysningar/{call_id}/utbetalningar")))
        }
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                Some(call_id),
                None,
                errors,
                form.clone(),
                StatusCode::UNPROCESSABLE_ENTITY,
                page_number(&form.get("sida")),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Payment lines per chunk of the payment file: each chunk is one short read.
const CSV_CHUNK: i64 = 500;

/// The payment file, streamed a chunk of lines at a time.
pub async fn file(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let call_id = path.into_inner();
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let id = call_id.clone();
    state
        .db
        .run(move |c| payments::check_file(c, &viewer, &id, now))
        .await?;
    let header_row = web::Bytes::from(payments::csv_header()?);
    let db = state.db.clone();
    // Each part starts after the last payment of the one before (see
    // `db::payments::file_keys_after`); the file ends with the first empty part.
    let rows =
        futures_util::stream::try_unfold((None, call_id, db), |(after, call_id, db)| async move {
            let id = call_id.clone();
            let part = db
                .run(move |c| payments::file_part(c, &id, after.as_ref(), CSV_CHUNK))
                .await?;
            Ok::<_, AppError>(match part {
                Some((lines, last)) => Some((
                    web::Bytes::from(payments::csv_rows(&lines)?),
                    (Some(last), call_id, db),
                )),
                None => None,
            })
        });
    let body = futures_util::stream::once(async move { Ok::<_, AppError>(header_row) }).chain(rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"utbetalningar.csv\"".to_string(),
        ))
        .streaming(body))
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
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "home")?,
        call_id,
        title,
        chart: crate::dashboard::svg(&years),
        years,
    };
    render(StatusCode::OK, &page)
}
