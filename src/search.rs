//! The officers' search across calls and years (issue 16): organisation (name or number),
//! registration number, project title, status, responsible officer, call and year, all
//! optional and all to hold at once. The same rules answer the page (`/sok`), its CSV
//! export (`/sok.csv`) and the API (`/api/v1/search`); the SQL is in `db::search`.
//!
//! Who may search: the agency's case staff and auditors, who read every case that has
//! arrived (`access::can_list_all_cases`). Anyone else is refused and the attempt recorded,
//! whatever they typed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::codes::{ApplicationStatus, CallStatus};
use crate::db::DbConnection;
use crate::db::accounts::User;
use crate::db::applications::StatusFilter;
use crate::db::calls::Call;
use crate::db::search::{OfficerFilter, SearchFilter, SearchRow, YearFilter};
use crate::decisions::Outcome;
use crate::error::{AppError, FieldErrors};

/// Cases per page (the page and the API).
pub const PAGE_SIZE: i64 = 50;

/// Cases per part of the CSV export: each part is one short read.
pub const CSV_CHUNK: i64 = 500;

/// The longest text a name or title criterion takes; a registration number is far shorter.
pub const TEXT_MAX: usize = 200;
pub const NUMBER_MAX: usize = 50;

/// The officer criterion's value for the cases that have no officer.
pub const OFFICER_NONE: &str = "none";

/// The criteria's names: the page's fields, the query string's keys and the API's
/// parameters alike, which the field errors are keyed by.
pub mod field {
    pub const ORGANISATION: &str = "organisation";
    pub const REGISTRATION_NUMBER: &str = "registration_number";
    pub const TITLE: &str = "title";
    pub const STATUS: &str = "status";
    pub const OFFICER: &str = "officer";
    pub const CALL: &str = "call";
    pub const YEAR: &str = "year";
    pub const PAGE: &str = "page";
}

/// The criteria as typed (or carried in a link): text, checked by [`criteria_from`] before
/// any of it reaches the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the organisation's name (any case), or of its organisation number with or
    /// without the dash.
    #[serde(default)]
    pub organisation: String,
    /// Part of the registration number, such as `SB-2021-0003` (any case).
    #[serde(default)]
    pub registration_number: String,
    /// Part of the project title (any case).
    #[serde(default)]
    pub title: String,
    /// A status (`submitted`, `supplement_requested`, `complete`, `assessed`, `decided`)
    /// or how a decided case was decided (`granted`, `partly_granted`, `rejected`).
    #[serde(default)]
    pub status: String,
    /// The responsible officer's user id, or `none` for the cases without one.
    #[serde(default)]
    pub officer: String,
    /// A call's id.
    #[serde(default)]
    pub call: String,
    /// Four digits: one of the call's years, or the year the case arrived.
    #[serde(default)]
    pub year: String,
    /// The page, from 1.
    #[serde(default)]
    pub page: String,
}

impl SearchQuery {
    /// The query string read as pairs, so that nothing in it (a repeated key, a page that
    /// is not a number, an unknown key) can fail the request before the rules see it. The
    /// last of a repeated key counts.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> SearchQuery {
        let mut query = SearchQuery::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                field::ORGANISATION => &mut query.organisation,
                field::REGISTRATION_NUMBER => &mut query.registration_number,
                field::TITLE => &mut query.title,
                field::STATUS => &mut query.status,
                field::OFFICER => &mut query.officer,
                field::CALL => &mut query.call,
                field::YEAR => &mut query.year,
                field::PAGE => &mut query.page,
                _ => continue,
            };
            *slot = value;
        }
        query
    }

    /// The criteria (not the page) as a query string, those given only.
    pub fn to_query_string(&self) -> String {
        let enc = crate::web::format::url_encode;
        [
            (field::ORGANISATION, &self.organisation),
            (field::REGISTRATION_NUMBER, &self.registration_number),
            (field::TITLE, &self.title),
            (field::STATUS, &self.status),
            (field::OFFICER, &self.officer),
            (field::CALL, &self.call),
            (field::YEAR, &self.year),
        ]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", enc(value)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The page for the web page: from 1, anything unreadable is the first (it comes from
    /// links, not from a field).
    pub fn page_number(&self) -> i64 {
        page_from(&self.page).unwrap_or(1)
    }
}

/// The page asked for: empty is the first; otherwise a whole number from 1.
pub fn page_from(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(1);
    }
    text.parse::<i64>()
        .ok()
        .filter(|p| (1..=1_000_000_000).contains(p))
        .ok_or_else(|| "Ange sidan som ett heltal, 1 eller större.".to_string())
}

/// What the officer and call criteria may name: the form's lists.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Everyone who is or was an officer.
    pub officers: Vec<User>,
    /// The calls that can have cases (published or closed), newest first.
    pub calls: Vec<Call>,
}

pub fn choices(conn: &mut DbConnection) -> Result<Choices, AppError> {
    Ok(Choices {
        officers: crate::db::search::officers(conn)?,
        calls: crate::db::calls::list_calls(conn, &[CallStatus::Published, CallStatus::Closed])?,
    })
}

/// The statuses one can search by, code and label: the steps of a case that has arrived,
/// "Beslutad" for every decided case, and how decided cases were decided.
pub fn status_choices() -> Vec<(&'static str, &'static str)> {
    ApplicationStatus::ALL
        .iter()
        .filter(|s| **s != ApplicationStatus::Draft)
        .map(|s| (s.as_str(), s.label()))
        .chain(Outcome::ALL.iter().map(|o| (o.as_str(), o.label())))
        .collect()
}

/// The search the typed criteria ask for, or every problem with them in Swedish, by field.
/// Text is matched as a part, in any case; `%` and `_` match themselves.
pub fn criteria_from(query: &SearchQuery, choices: &Choices) -> Result<SearchFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut text = |name: &str, value: &str, max: usize| {
        let value = value.trim();
        if value.chars().count() > max {
            errors.add(name, format!("Skriv högst {max} tecken."));
            None
        } else {
            Some(value.to_lowercase()).filter(|v| !v.is_empty())
        }
    };
    let organisation = text(field::ORGANISATION, &query.organisation, TEXT_MAX);
    let registration_number = text(
        field::REGISTRATION_NUMBER,
        &query.registration_number,
        NUMBER_MAX,
    );
    let title = text(field::TITLE, &query.title, TEXT_MAX);
    // An organisation number is typed with or without its dash (and perhaps a space):
    // what is left, digits only, is matched against the number without its dash.
    let org_number_digits = organisation.as_deref().and_then(|typed| {
        let digits: String = typed
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .collect();
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
    });

    let status = match query.status.trim() {
        "" => None,
        code => {
            let parsed = ApplicationStatus::parse(code)
                .filter(|s| *s != ApplicationStatus::Draft)
                .map(StatusFilter::Status)
                .or_else(|| Outcome::parse(code).map(StatusFilter::Outcome));
            if parsed.is_none() {
                errors.add(field::STATUS, "Välj en status i listan.");
            }
            parsed
        }
    };

    let officer = match query.officer.trim() {
        "" => None,
        OFFICER_NONE => Some(OfficerFilter::Nobody),
        id => {
            if choices.officers.iter().any(|u| u.id == id) {
                Some(OfficerFilter::Officer(id.to_string()))
            } else {
                errors.add(field::OFFICER, "Välj en handläggare i listan.");
                None
            }
        }
    };

    let call_id = match query.call.trim() {
        "" => None,
        id => {
            if choices.calls.iter().any(|c| c.id == id) {
                Some(id.to_string())
            } else {
                errors.add(field::CALL, "Välj en utlysning i listan.");
                None
            }
        }
    };

    let year = match year_from(&query.year) {
        Ok(year) => year,
        Err(message) => {
            errors.add(field::YEAR, message);
            None
        }
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SearchFilter {
        // A number typed is looked for in the number; it is never part of a name.
        organisation_name: organisation.filter(|_| org_number_digits.is_none()),
        org_number_digits,
        registration_number,
        title,
        status,
        officer,
        call_id,
        year,
    })
}

/// A year as four digits, with the bounds of that Swedish calendar year (for the day a
/// case arrived), or nothing for an empty field.
fn year_from(text: &str) -> Result<Option<YearFilter>, &'static str> {
    const MESSAGE: &str = "Ange ett år med fyra siffror.";
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MESSAGE);
    }
    let year: i32 = text.parse().map_err(|_| MESSAGE)?;
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(MESSAGE)?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or(MESSAGE)?;
    Ok(Some(YearFilter {
        year,
        arrived_from: crate::clock::stockholm_day_start(first).naive_utc(),
        arrived_before: crate::clock::stockholm_day_start(next).naive_utc(),
    }))
}

/// Refuses, and records, anyone who may not search (the page, the export, the API).
pub fn ensure_may_search(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !access::can_list_all_cases(actor) {
        audit::record_denied(conn, actor, now, "application", None, "söka bland ärenden")?;
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// One case found, as the page, the export and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub application_id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub registration_number: String,
    pub organisation_name: String,
    pub org_number: String,
    pub call_title: String,
    pub project_title: String,
    pub status: ApplicationStatus,
    pub outcome: Option<Outcome>,
    /// The responsible officer's name, if the case has one.
    pub officer: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    /// The Swedish day it arrived.
    pub submitted_on: Option<NaiveDate>,
}

impl Hit {
    /// The status people read (how it was decided, once decided).
    pub fn status_label(&self) -> &'static str {
        crate::applications::status_label(self.status, self.outcome)
    }

    /// The status's code beside the label (the outcome's, once decided).
    pub fn status_code(&self) -> &'static str {
        crate::applications::status_code(self.status, self.outcome)
    }

    /// `2020-04-20`, or empty.
    pub fn submitted_text(&self) -> String {
        self.submitted_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

/// The rows read with their officers' names.
fn hits(conn: &mut DbConnection, rows: Vec<SearchRow>) -> Result<Vec<Hit>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.application_id.clone()).collect();
    let mut officers = crate::db::search::officer_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| Hit {
            officer: officers.remove(&r.application_id),
            registration_number: r.registration_number.unwrap_or_default(),
            organisation_name: r.organisation_name,
            org_number: r.org_number,
            call_title: r.call_title,
            project_title: r.project_title,
            status: r.status,
            outcome: r.outcome.as_deref().and_then(Outcome::parse),
            submitted_on: r
                .submitted_at
                .map(|at| crate::clock::stockholm_date(Utc.from_utc_datetime(&at))),
            submitted_at: r.submitted_at,
            call_id: r.call_id,
            organisation_id: r.organisation_id,
            application_id: r.application_id,
        })
        .collect())
}

/// One page of what a search found.
#[derive(Debug, Clone)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// How many cases the criteria hold in all.
    pub total: i64,
    /// From 1.
    pub page: i64,
    /// At least 1.
    pub pages: i64,
}

/// A search as a person reads it: a page of cases, or what to correct (nothing was looked
/// up).
#[derive(Debug, Clone)]
pub enum Search {
    Found(Found),
    Invalid(FieldErrors),
}

/// The search: refused and recorded for those who may not search (whatever they typed),
/// then the criteria checked, then one page counted and read. `page` is the page asked for
/// (or what is wrong with it); a page past the last reads no cases.
pub fn search(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &SearchQuery,
    page: Result<i64, String>,
    now: DateTime<Utc>,
) -> Result<(Choices, Search), AppError> {
    ensure_may_search(conn, actor, now)?;
    let choices = choices(conn)?;
    let filter = match (criteria_from(query, &choices), page) {
        (Ok(filter), Ok(page)) => (filter, page),
        (criteria, page) => {
            let mut errors = criteria.err().unwrap_or_default();
            if let Err(message) = page {
                errors.add(field::PAGE, message);
            }
            return Ok((choices, Search::Invalid(errors)));
        }
    };
    let (filter, page) = filter;
    let total = crate::db::search::count(conn, &filter)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let rows = if offset < total {
        crate::db::search::rows(conn, &filter, None, PAGE_SIZE, offset)?
    } else {
        Vec::new()
    };
    let hits = hits(conn, rows)?;
    Ok((
        choices,
        Search::Found(Found {
            hits,
            total,
            page,
            pages,
        }),
    ))
}

/// The export's filter, for those who may search (others are refused and recorded, as for
/// the page), or the problems with what was typed (with the form's lists, for the page
/// that names them).
pub fn export_filter(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &SearchQuery,
    now: DateTime<Utc>,
) -> Result<Result<SearchFilter, (Choices, FieldErrors)>, AppError> {
    ensure_may_search(conn, actor, now)?;
    let choices = choices(conn)?;
    Ok(criteria_from(query, &choices).map_err(|errors| (choices, errors)))
}

/// The export's first line.
pub fn csv_header() -> Result<Vec<u8>, AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::new();
    writer.row([
        "Diarienummer",
        "Organisation",
        "Organisationsnummer",
        "Utlysning",
        "Projekt",
        "Status",
        "Handläggare",
        "Inkommen",
    ])?;
    writer.finish()
}

/// The export's lines for some cases (after its header).
pub fn csv_rows(hits: &[Hit]) -> Result<Vec<u8>, AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
    for hit in hits {
        writer.row([
            hit.registration_number.as_str(),
            hit.organisation_name.as_str(),
            hit.org_number.as_str(),
            hit.call_title.as_str(),
            hit.project_title.as_str(),
            hit.status_label(),
            hit.officer.as_deref().unwrap_or(""),
            hit.submitted_text().as_str(),
        ])?;
    }
    writer.finish()
}

/// A part of the export: its CSV lines, and the registration number the next part starts
/// after (`None` when this part was the last).
pub type ExportPart = (Vec<u8>, Option<String>);

/// The next part of the export after the registration number `after` (`None`: from the
/// first case); `Ok(None)`: nothing more.
pub fn export_part(
    conn: &mut DbConnection,
    filter: &SearchFilter,
    after: Option<&str>,
) -> Result<Option<ExportPart>, AppError> {
    let rows = crate::db::search::rows(conn, filter, after, CSV_CHUNK, 0)?;
    let Some(last) = rows.last().and_then(|r| r.registration_number.clone()) else {
        return Ok(None);
    };
    // A short part is the last: no query is made only to find nothing.
    let next = (rows.len() as i64 == CSV_CHUNK).then_some(last);
    let hits = hits(conn, rows)?;
    Ok(Some((csv_rows(&hits)?, next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> Choices {
        Choices::default()
    }

    fn query(edit: impl FnOnce(&mut SearchQuery)) -> SearchQuery {
        let mut q = SearchQuery::default();
        edit(&mut q);
        q
    }

    #[test]
    fn nothing_typed_is_every_case() {
        assert_eq!(
            criteria_from(&SearchQuery::default(), &choices()),
            Ok(SearchFilter::default())
        );
    }

    #[test]
    fn an_organisation_number_is_read_with_or_without_its_dash() {
        for typed in ["232100-0255", "2321000255", " 232100 0255 "] {
            let filter = criteria_from(&query(|q| q.organisation = typed.into()), &choices())
                .expect("valid");
            assert_eq!(filter.org_number_digits.as_deref(), Some("2321000255"));
            assert_eq!(filter.organisation_name, None);
        }
        let filter = criteria_from(&query(|q| q.organisation = " SKÅNE ".into()), &choices())
            .expect("valid");
        assert_eq!(filter.organisation_name.as_deref(), Some("skåne"));
        assert_eq!(filter.org_number_digits, None);
    }

    #[test]
    fn a_year_has_four_digits() {
        for bad in ["21", "20211", "år", "-202", "２０２１"] {
            let errors =
                criteria_from(&query(|q| q.year = bad.into()), &choices()).expect_err("invalid");
            assert_eq!(
                errors.get(field::YEAR),
                Some("Ange ett år med fyra siffror.")
            );
        }
        let filter = criteria_from(&query(|q| q.year = "2021".into()), &choices()).expect("valid");
        let year = filter.year.expect("a year");
        assert_eq!(year.year, 2021);
        // The Swedish new year: 23:00 UTC the evening before.
        assert_eq!(year.arrived_from.to_string(), "2020-12-31 23:00:00");
        assert_eq!(year.arrived_before.to_string(), "2021-12-31 23:00:00");
    }

    #[test]
    fn unknown_codes_and_ids_are_named_by_their_field() {
        let errors = criteria_from(
            &query(|q| {
                q.status = "draft".into();
                q.officer = "someone".into();
                q.call = "no-call".into();
                q.title = "x".repeat(TEXT_MAX + 1);
            }),
            &choices(),
        )
        .expect_err("invalid");
        assert_eq!(errors.get(field::STATUS), Some("Välj en status i listan."));
        assert_eq!(
            errors.get(field::OFFICER),
            Some("Välj en handläggare i listan.")
        );
        assert_eq!(errors.get(field::CALL), Some("Välj en utlysning i listan."));
        assert_eq!(errors.get(field::TITLE), Some("Skriv högst 200 tecken."));
    }

    #[test]
    fn statuses_and_outcomes_and_nobody() {
        let filter = criteria_from(
            &query(|q| {
                q.status = "partly_granted".into();
                q.officer = OFFICER_NONE.into();
            }),
            &choices(),
        )
        .expect("valid");
        assert_eq!(
            filter.status,
            Some(StatusFilter::Outcome(Outcome::PartlyGranted))
        );
        assert_eq!(filter.officer, Some(OfficerFilter::Nobody));
        assert!(status_choices().iter().all(|(code, _)| *code != "draft"));
    }

    #[test]
    fn links_carry_every_criterion_and_read_back_the_same() {
        let typed = query(|q| {
            q.organisation = "Region Skåne".into();
            q.title = "100%".into();
            q.year = "2021".into();
            q.page = "3".into();
        });
        let written = typed.to_query_string();
        assert_eq!(
            written,
            "organisation=Region%20Sk%C3%A5ne&title=100%25&year=2021"
        );
        let pairs = vec![
            ("organisation".to_string(), "a".to_string()),
            ("organisation".to_string(), "b".to_string()),
            ("page".to_string(), "x".to_string()),
            ("unknown".to_string(), "y".to_string()),
        ];
        let read = SearchQuery::from_pairs(pairs);
        assert_eq!(read.organisation, "b");
        assert_eq!(read.page_number(), 1);
        assert!(page_from("0").is_err());
        assert_eq!(page_from(" 2 "), Ok(2));
    }
}
