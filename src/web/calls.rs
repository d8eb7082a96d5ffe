//! A call's page: its terms, its allocation table and, for the agency, its applications.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{PageContext, WebError, render};
use crate::access;
use crate::allocation::AllocationTable;
use crate::answer_cache::AnswerCache;
use crate::applications::{self, ApplicationSummary};
use crate::calls::edit::AmendmentView;
use crate::calls::{self, CallPhase};
use crate::codes::Role;
use crate::db::applications::Application;
use crate::db::calls::{CallDefinition, ExpectedResult};
use crate::error::AppError;
use crate::http::{self, MaybeActor, State};

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    ctx: PageContext,
    def: CallDefinition,
    phase: CallPhase,
    /// The sums per year, and one page of the recipients (`?sida=`).
    allocation: AllocationTable,
    /// The allocation table's page and how many pages its recipients fill.
    page: i64,
    pages: i64,
    recipients: i64,
    /// Only for those who may list every organisation's cases: how many per status and
    /// the first few; the whole list is a page of its own.
    applications: Option<CallCases>,
    results_by_year: Vec<(i32, Vec<ExpectedResult>)>,
    amendments: Vec<AmendmentView>,
    /// For an applicant: their organisation's application here, if any.
    own_application: Option<Application>,
    /// For an applicant: why they cannot start one now, if they cannot.
    start_refusal: Option<String>,
}

/// A call's cases as its page shows them: counted per status, the first few listed.
struct CallCases {
    /// `(status code, label, how many)`, in the order a case goes through them.
    counts: Vec<(&'static str, &'static str, i64)>,
    total: i64,
    first: Vec<ApplicationSummary>,
}

/// How many cases the call page lists; the rest are on the list's pages.
const FIRST_CASES: i64 = 10;

/// `?sida=N`: the page of the allocation table, from 1.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AllocationQuery {
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

impl CallPage {
    /// The place of the page's first and last recipient among all of them.
    fn shown_from(&self) -> i64 {
        (self.page - 1).saturating_mul(calls::ALLOCATION_PAGE) + 1
    }

    fn shown_to(&self) -> i64 {
        (self.page - 1).saturating_mul(calls::ALLOCATION_PAGE) + self.allocation.rows.len() as i64
    }

    fn page_link<P: std::borrow::Borrow<i64>>(&self, page: P) -> String {
        format!("?sida={}#fordelning", page.borrow())
    }

    /// The pages linked in the navigation: the first, the last and two either side.
    fn page_numbers(&self) -> Vec<Option<i64>> {
        crate::web::format::page_numbers(self.page, self.pages)
    }

    fn is_officer(&self) -> bool {
        self.ctx.role() == Some(Role::Officer)
    }

    fn is_applicant(&self) -> bool {
        self.ctx.role() == Some(Role::Applicant)
    }

    fn eligible(&self) -> String {
        self.def
            .eligible_kinds
            .iter()
            .map(|k| k.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub async fn show(
    state: State,
    session: Session,
    actor: MaybeActor,
    path: web::Path<String>,
    query: web::Query<AllocationQuery>,
) -> Result<HttpResponse, WebError> {
    static PUBLIC: AnswerCache = AnswerCache::new();
    let call_id = path.into_inner();
    // The allocation table shows a page of recipients (a decided call has 50 000: the
    // whole table made a 7.7 MB page), with the sums of them all.
    let page = page_number(&query.sida);
    let now = state.clock.now();
    // The page as the public sees it is the same for everyone on a given day (the phase
    // changes at midnight in Stockholm): kept for a moment, see `crate::answer_cache`.
    let public_key = actor.0.is_none().then(|| {
        format!(
            "{:?}\u{0}{call_id}\u{0}{}\u{0}{page}",
            state.db.url(),
            crate::clock::stockholm_date(now)
        )
    });
    if let Some(body) = public_key.as_deref().and_then(|key| PUBLIC.get(key)) {
        return Ok(html(body));
    }
    let generation = crate::db::generation();
    let viewer = actor.0.clone();
    let (def, (allocation, recipients), applications, amendments, own_application, start_refusal) =
        state
            .db
            .run(move |c| {
                let def = calls::definition(c, viewer.as_ref(), &call_id)?;
                let years: Vec<(i32, crate::money::Ore)> =
                    def.years.iter().map(|y| (y.year, y.ceiling_ore)).collect();
                let allocation = calls::allocation_page(
                    c,
                    &def.call.id,
                    &years,
                    calls::ALLOCATION_PAGE,
                    (page - 1).saturating_mul(calls::ALLOCATION_PAGE),
                )?;
                let applications = match &viewer {
                    Some(a) if access::can_list_all_cases(a) => {
                        let filter = applications::visible_to(c, a, Some(&call_id), now)?;
                        let by_status = crate::db::applications::count_by_status(c, &call_id)?;
                        let first = applications::page_of(
                            c,
                            &filter,
                            crate::db::applications::ListSort::RegistrationNumber,
                            false,
                            FIRST_CASES,
                            0,
                            by_status.iter().map(|(_, n)| n).sum(),
                        )?;
                        let counts = crate::codes::ApplicationStatus::ALL
                            .iter()
                            .filter_map(|s| {
                                by_status
                                    .iter()
                                    .find(|(status, _)| status == s)
                                    .map(|(_, n)| (s.as_str(), s.label(), *n))
                            })
                            .collect();
                        Some(CallCases {
                            counts,
                            total: first.total,
                            first: first.rows,
                        })
                    }
                    _ => None,
                };
                let amendments = calls::edit::amendments(c, &call_id)?;
                let (mut own, mut refusal) = (None, None);
                if let Some(a) = viewer.as_ref().filter(|a| a.role == Role::Applicant)
                    && let Some(org_id) = &a.organisation_id
                {
                    own = crate::db::applications::find_initial(c, &call_id, org_id)?;
                    if let Some(org) = crate::db::organisations::find(c, org_id)? {
                        refusal = applications::workflow::eligibility_refusal(c, &def, &org, now)?;
                    }
                }
                Ok::<_, AppError>((def, allocation, applications, amendments, own, refusal))
            })
            .await?;
    let csrf = match &actor.0 {
        Some(_) => http::csrf_token(&session)?,
        None => String::new(),
    };
    let results_by_year = def
        .years
        .iter()
        .map(|y| {
            (
                y.year,
                def.expected_results
                    .iter()
                    .filter(|r| r.year == y.year)
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let page = CallPage {
        amendments,
        own_application,
        start_refusal,
        // The public page is kept for everyone (below): only a logged-in person's page takes
        // the confirmation their last form left.
        ctx: match actor.0 {
            Some(person) => PageContext::new(Some(person), csrf, &state.agency_name, "home")
                .with_flash(&session),
            None => PageContext::new(None, csrf, &state.agency_name, "home"),
        },
        phase: calls::phase(&def.call, now),
        def,
        allocation,
        page,
        pages: (recipients + calls::ALLOCATION_PAGE - 1) / calls::ALLOCATION_PAGE,
        recipients,
        applications,
        results_by_year,
    };
    match public_key {
        Some(key) if calls::is_public(page.def.call.status) => {
            let body = Bytes::from(
                page.render()
                    .map_err(|e| AppError::Internal(format!("template: {e}")))?,
            );
            PUBLIC.put(key, generation, body.clone());
            Ok(html(body))
        }
        _ => render(StatusCode::OK, &page),
    }
}

fn html(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Recipients per part of the streamed allocation CSV: each part is one short read.
const CSV_CHUNK: i64 = 1000;

/// The allocation table as CSV: open data, from signed decisions only. Streamed a part of
/// the recipients at a time from the kept figures (`db::money_figures`), in name order, so
/// that the first bytes go out at once and memory stays the same for any size of call.
pub async fn allocation_csv(
    state: State,
    actor: MaybeActor,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    use futures_util::StreamExt;
    let call_id = path.into_inner();
    let viewer = actor.0.clone();
    let (call, years, sums) = state
        .db
        .run(move |c| {
            let (call, years) = calls::allocation_call(c, viewer.as_ref(), &call_id)?;
            let sums = calls::allocation_totals(c, &call.id, &years)?;
            Ok::<_, AppError>((call, years, sums))
        })
        .await?;
    let header_row = Bytes::from(crate::allocation::csv_header(&sums.years)?);
    let sums_rows = Bytes::from(crate::allocation::csv_sums(&sums)?);
    let db = state.db.clone();
    let call_id = call.id.clone();
    // State: the last recipient sent (name, id), or none yet; `None` once all are sent.
    let start: Option<Option<(String, String)>> = Some(None);
    let rows = futures_util::stream::try_unfold(start, move |cursor| {
        let (db, call_id, years) = (db.clone(), call_id.clone(), years.clone());
        async move {
            let Some(after) = cursor else {
                return Ok::<_, AppError>(None);
            };
            let rows = db
                .run(move |c| {
                    calls::allocation_rows_after(c, &call_id, &years, after.as_ref(), CSV_CHUNK)
                })
                .await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let next = if (rows.len() as i64) < CSV_CHUNK {
                None
            } else {
                rows.last()
                    .map(|r| Some((r.organisation_name.clone(), r.organisation_id.clone())))
            };
            let bytes = Bytes::from(crate::allocation::csv_rows(&rows)?);
            Ok(Some((bytes, next)))
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, AppError>(header_row) })
        .chain(rows)
        .chain(futures_util::stream::once(async move {
            Ok::<_, AppError>(sums_rows)
        }));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"fordelning-{}.csv\"", call.code),
        ))
        .streaming(body))
}
