//! "Sök ärenden" (issue 16): the officers' search across calls and years, a page of cases
//! at a time, and every case it finds as a CSV file. The rules are in `search`.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use super::{PageContext, WebError, render};
use crate::error::{AppError, FieldErrors};
use crate::http::{Authenticated, State};
use crate::search::{self, Choices, Found, Search, SearchQuery, field};

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageContext,
    query: SearchQuery,
    choices: Choices,
    errors: FieldErrors,
    /// The page of cases; none when the criteria could not be read.
    found: Option<Found>,
    /// For the pager (`_pager.html`).
    page: i64,
    pages: i64,
}

impl SearchPage {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    /// The page `page` of the same search.
    fn page_link<P: std::borrow::Borrow<i64>>(&self, page: P) -> String {
        let criteria = self.query.to_query_string();
        if criteria.is_empty() {
            format!("/sok?page={}", page.borrow())
        } else {
            format!("/sok?{criteria}&page={}", page.borrow())
        }
    }

    fn page_numbers(&self) -> Vec<Option<i64>> {
        super::format::page_numbers(self.page, self.pages)
    }

    /// Every case the search finds, not only this page's.
    fn csv_link(&self) -> String {
        let criteria = self.query.to_query_string();
        if criteria.is_empty() {
            "/sok.csv".to_string()
        } else {
            format!("/sok.csv?{criteria}")
        }
    }

    fn statuses(&self) -> Vec<(&'static str, &'static str)> {
        search::status_choices()
    }

    /// Whether the list `name` has `value` chosen.
    fn is_chosen(&self, name: &str, value: &str) -> bool {
        let chosen = match name {
            field::STATUS => &self.query.status,
            field::OFFICER => &self.query.officer,
            field::CALL => &self.query.call,
            _ => return false,
        };
        chosen.trim() == value
    }

    fn officer_none(&self) -> &'static str {
        search::OFFICER_NONE
    }

    /// A value typed into the address, or kept in an old link, that the list does not
    /// have: offered as a choice of its own, so that the form shows what was asked (and
    /// its message says why it cannot be used).
    fn unlisted(&self, name: &str) -> Option<&str> {
        let (value, listed) = match name {
            field::STATUS => {
                let v = self.query.status.trim();
                (v, self.statuses().iter().any(|(code, _)| *code == v))
            }
            field::OFFICER => {
                let v = self.query.officer.trim();
                (
                    v,
                    v == search::OFFICER_NONE || self.choices.officers.iter().any(|u| u.id == v),
                )
            }
            field::CALL => {
                let v = self.query.call.trim();
                (v, self.choices.calls.iter().any(|c| c.id == v))
            }
            _ => return None,
        };
        (!value.is_empty() && !listed).then_some(value)
    }

    /// The first and last case shown, counted from 1.
    fn first_shown(&self) -> i64 {
        (self.page - 1) * search::PAGE_SIZE + 1
    }

    fn last_shown(&self) -> i64 {
        (self.page - 1) * search::PAGE_SIZE + self.found.as_ref().map_or(0, |f| f.hits.len() as i64)
    }

    /// `aria-describedby` for a field: its hint, and its message when it has one.
    fn described_by(&self, name: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{name}-hint"));
        }
        if self.error(name).is_some() {
            ids.push(format!("{name}-fel"));
        }
        ids.join(" ")
    }
}

async fn run_search(
    state: &State,
    actor: &Authenticated,
    query: &SearchQuery,
    page: i64,
) -> Result<(Choices, Search), WebError> {
    let (viewer, typed, now) = (actor.0.clone(), query.clone(), state.clock.now());
    Ok(state
        .db
        .run(move |c| search::search(c, &viewer, &typed, Ok(page), now))
        .await?)
}

/// `GET /sok`: the form, and the cases the criteria find (every case that has arrived when
/// nothing is typed), newest registration number first.
pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let query = SearchQuery::from_pairs(query.into_inner());
    let asked = query.page_number();
    let (mut choices, mut result) = run_search(&state, &actor, &query, asked).await?;
    if let Search::Found(found) = &result
        && found.page > found.pages
    {
        // A page past the end (the cases found grew fewer, or a typed number): the last.
        let last = found.pages;
        (choices, result) = run_search(&state, &actor, &query, last).await?;
    }
    let (status, found, errors) = match result {
        Search::Found(found) => (StatusCode::OK, Some(found), FieldErrors::new()),
        Search::Invalid(errors) => (StatusCode::BAD_REQUEST, None, errors),
    };
    page_with(
        &state, &session, actor, query, choices, errors, found, status,
    )
}

#[allow(clippy::too_many_arguments)]
fn page_with(
    state: &State,
    session: &Session,
    actor: Authenticated,
    query: SearchQuery,
    choices: Choices,
    errors: FieldErrors,
    found: Option<Found>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let (page, pages) = found.as_ref().map_or((1, 1), |f| (f.page, f.pages));
    let page = SearchPage {
        ctx: PageContext::for_person(actor.0, session, &state.agency_name, "search")?,
        query,
        choices,
        errors,
        found,
        page,
        pages,
    };
    render(status, &page)
}

/// `GET /sok.csv`: every case the criteria find, in the page's order, streamed a part at
/// a time (see `search::export_part`): the first bytes go out at once and memory stays the
/// same however many cases match. Criteria that cannot be read get the page with their
/// messages.
pub async fn csv(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let query = SearchQuery::from_pairs(query.into_inner());
    let now = state.clock.now();
    let (viewer, typed) = (actor.0.clone(), query.clone());
    let filter = match state
        .db
        .run(move |c| search::export_filter(c, &viewer, &typed, now))
        .await?
    {
        Ok(filter) => filter,
        Err((choices, errors)) => {
            return page_with(
                &state,
                &session,
                actor,
                query,
                choices,
                errors,
                None,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let header_row = web::Bytes::from(search::csv_header()?);
    let db = state.db.clone();
    // State: where the next part starts (`Some(None)`: at the first case); `None` once the
    // last part is sent.
    let start: Option<Option<String>> = Some(None);
    let rows = futures_util::stream::try_unfold(start, move |cursor| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let Some(after) = cursor else {
                return Ok::<_, AppError>(None);
            };
            let part = db
                .run(move |c| search::export_part(c, &filter, after.as_deref()))
                .await?;
            Ok(part.map(|(bytes, next)| (web::Bytes::from(bytes), next.map(Some))))
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, AppError>(header_row) }).chain(rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"arenden-{}.csv\"",
                crate::clock::stockholm_date(now)
            ),
        ))
        .streaming(body))
}
