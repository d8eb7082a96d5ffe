//! The audit trail, for auditors and administrators: a page of entries with filters, and
//! the same entries as a CSV file.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use super::{PageContext, WebError, render};
use crate::audit::{self, AuditPage, TrailQuery, TrailSearch, field};
use crate::audit_labels;
use crate::db::audit::{AuditEvent, TrailKey};
use crate::error::{AppError, FieldErrors};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTrailPage {
    ctx: PageContext,
    query: TrailQuery,
    errors: FieldErrors,
    /// The entries and their objects' pages; none when the filters could not be read.
    found: Option<(AuditPage, Vec<Option<String>>)>,
}

impl AuditTrailPage {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    /// The page `page` of the trail, with every filter of this one.
    fn page_link(&self, page: i64) -> String {
        let filters = query_string(&self.query);
        if filters.is_empty() {
            format!("/granskningslogg?sida={page}")
        } else {
            format!("/granskningslogg?{filters}&sida={page}")
        }
    }

    /// Every entry the filters match, not only this page's.
    fn csv_link(&self) -> String {
        let filters = query_string(&self.query);
        if filters.is_empty() {
            "/granskningslogg.csv".to_string()
        } else {
            format!("/granskningslogg.csv?{filters}")
        }
    }

    fn actions(&self) -> &'static [(&'static str, &'static str)] {
        audit_labels::ACTIONS
    }

    /// A code typed into the address or kept in an old link that no label names: offered
    /// as a choice of its own, so that the filter shows what it filters by.
    fn unlisted_event(&self) -> Option<&str> {
        let event = self.query.event.trim();
        (!event.is_empty() && audit_labels::action_label(event).is_none()).then_some(event)
    }

    fn rows(&self) -> Vec<(&AuditEvent, Option<&str>)> {
        self.found
            .iter()
            .flat_map(|(page, links)| page.events.iter().zip(links.iter().map(Option::as_deref)))
            .collect()
    }

    fn when(&self, event: &AuditEvent) -> String {
        super::format::when(&event.occurred_at)
    }

    /// The instant in UTC for `<time datetime>`.
    fn instant(&self, event: &AuditEvent) -> String {
        event.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    fn action(&self, event: &AuditEvent) -> String {
        audit_labels::action_or_code(&event.action).to_string()
    }

    /// Whether the entry's code has a label (without one the code is shown once, as the
    /// label).
    fn has_label(&self, event: &AuditEvent) -> bool {
        audit_labels::action_label(&event.action).is_some()
    }

    fn role(&self, event: &AuditEvent) -> Option<String> {
        event
            .actor_role
            .as_deref()
            .map(|r| audit_labels::role_or_code(r).to_string())
    }

    fn entity(&self, event: &AuditEvent) -> String {
        audit_labels::entity_or_code(&event.entity_type).to_string()
    }
}

/// The filters as the query string of a link (the page's own field names).
fn query_string(query: &TrailQuery) -> String {
    let enc = super::format::url_encode;
    [
        (field::EVENT, &query.event),
        (field::PERSON, &query.person),
        (field::OBJECT, &query.object),
        (field::FROM, &query.from),
        (field::TO, &query.to),
    ]
    .iter()
    .filter(|(_, value)| !value.trim().is_empty())
    .map(|(name, value)| format!("{name}={}", enc(value)))
    .collect::<Vec<_>>()
    .join("&")
}

/// The query string read as pairs, so that nothing in it (a repeated field, a page that is
/// not a number, an unknown field) can fail the request before the rules see it. The last
/// of a repeated field counts.
fn trail_query(pairs: Vec<(String, String)>) -> TrailQuery {
    let mut query = TrailQuery::default();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            field::EVENT => &mut query.event,
            field::PERSON => &mut query.person,
            field::OBJECT => &mut query.object,
            field::FROM => &mut query.from,
            field::TO => &mut query.to,
            "sida" => &mut query.page,
            _ => continue,
        };
        *slot = value;
    }
    query
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let query = trail_query(query.into_inner());
    let now = state.clock.now();
    let (viewer, typed) = (actor.0.clone(), query.clone());
    let search = state
        .db
        .run(move |c| audit::search(c, &viewer, &typed, now))
        .await?;
    let (status, found, errors) = match search {
        TrailSearch::Found { page, links } => {
            (StatusCode::OK, Some((page, links)), FieldErrors::new())
        }
        TrailSearch::Invalid(errors) => (StatusCode::BAD_REQUEST, None, errors),
    };
    page_with(&state, &session, actor, query, errors, found, status)
}

fn page_with(
    state: &State,
    session: &Session,
    actor: Authenticated,
    query: TrailQuery,
    errors: FieldErrors,
    found: Option<(AuditPage, Vec<Option<String>>)>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let page = AuditTrailPage {
        ctx: PageContext::new(
            Some(actor.0),
            http::csrf_token(session)?,
            &state.agency_name,
            "audit",
        ),
        query,
        errors,
        found,
    };
    render(status, &page)
}

/// The entries the filters match as CSV, newest first, streamed a part at a time (see
/// `audit::export_part`): the first bytes go out at once and memory stays the same for a
/// trail of any length. Filters that cannot be read get the page with their messages.
pub async fn csv(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let query = trail_query(query.into_inner());
    let now = state.clock.now();
    let (viewer, typed) = (actor.0.clone(), query.clone());
    let filter = match state
        .db
        .run(move |c| audit::export_filter(c, &viewer, &typed, now))
        .await?
    {
        Ok(filter) => filter,
        Err(errors) => {
            return page_with(
                &state,
                &session,
                actor,
                query,
                errors,
                None,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let header_row = web::Bytes::from(audit::csv_header()?);
    let db = state.db.clone();
    // State: where the next part starts (`Some(None)`: at the newest entry); `None` once
    // the last part is sent.
    let start: Option<Option<TrailKey>> = Some(None);
    let rows = futures_util::stream::try_unfold(start, move |cursor| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let Some(after) = cursor else {
                return Ok::<_, AppError>(None);
            };
            let part = db
                .run(move |c| audit::export_part(c, &filter, after.as_ref()))
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
                "attachment; filename=\"granskningslogg-{}.csv\"",
                crate::clock::stockholm_date(now)
            ),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn links_carry_every_filter_and_read_back_the_same() {
        let query = trail_query(pairs(&[
            ("handelse", "access.denied"),
            ("person", "anna b@x"),
            ("objekt", "id-1"),
            ("fran", "2020-06-01"),
            ("till", "2020-06-30"),
            ("sida", "3"),
            ("okand", "x"),
        ]));
        let written = query_string(&query);
        assert_eq!(
            written,
            "handelse=access.denied&person=anna%20b%40x&objekt=id-1&fran=2020-06-01&till=2020-06-30"
        );
        let read: Vec<(String, String)> = written
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ").replace("%40", "@")))
            .collect();
        assert_eq!(
            trail_query(read),
            TrailQuery {
                page: String::new(),
                ..query
            }
        );
    }

    #[test]
    fn the_last_of_a_repeated_field_counts() {
        let query = trail_query(pairs(&[("sida", "x"), ("sida", "2")]));
        assert_eq!(query.page_number(), 2);
    }
}
