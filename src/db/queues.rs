//! The officers' queues: what waits for the agency across every call, each as a count and
//! its oldest items, in SQL with a limit (a queue of a hundred thousand rows costs a count
//! and one page). With `officer`, only the cases that officer is responsible for.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    applications, case_officers, change_requests, decisions, organisations, repayment_claims,
    report_supplement_requests, reports, supplement_requests,
};
use crate::codes::{ApplicationStatus, ChangeRequestStatus, SupplementStatus};
use crate::reports::{ClaimStatus, ReportStatus};

/// One item waiting: which case, whose, what and since when. `target` is the id of what
/// the link opens (the case, the report, the change request).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub application_id: Option<String>,
    pub registration_number: String,
    pub organisation: String,
    pub target: String,
    pub since: NaiveDateTime,
    /// A due day passed, for supplements and claims.
    pub due_on: Option<NaiveDate>,
    /// A year, for reports and claims.
    pub year: Option<i32>,
}

type RequestRow = (
    String,
    String,
    Option<String>,
    String,
    Option<NaiveDateTime>,
);
type DatedRow = (
    String,
    Option<String>,
    String,
    String,
    i32,
    NaiveDateTime,
    NaiveDate,
);

/// Applications sent in (or answered after a supplement) that no officer has taken
/// further yet: status `submitted`.
pub fn applications_waiting(
    conn: &mut DbConnection,
    officer: Option<&str>,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = applications::table
            .inner_join(organisations::table)
            .filter(applications::status.eq(ApplicationStatus::Submitted))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                applications::id.eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<(String, Option<String>, String, Option<NaiveDateTime>)> = base()
        .order((applications::submitted_at.asc(), applications::id.asc()))
        .limit(limit)
        .select((
            applications::id,
            applications::registration_number,
            organisations::name,
            applications::submitted_at,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, number, organisation, at)| Item {
                application_id: Some(id.clone()),
                registration_number: number.unwrap_or_default(),
                organisation,
                target: id,
                since: at.unwrap_or_default(),
                due_on: None,
                year: None,
            })
            .collect(),
    ))
}

/// Change requests sent in and not yet answered.
pub fn change_requests_waiting(
    conn: &mut DbConnection,
    officer: Option<&str>,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = change_requests::table
            .inner_join(
                applications::table.on(applications::id.eq(change_requests::application_id)),
            )
            .inner_join(
                organisations::table.on(organisations::id.eq(change_requests::organisation_id)),
            )
            .filter(change_requests::status.eq(ChangeRequestStatus::Submitted))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                change_requests::application_id.eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<RequestRow> = base()
        .order((
            change_requests::submitted_at.asc(),
            change_requests::id.asc(),
        ))
        .limit(limit)
        .select((
            change_requests::id,
            change_requests::application_id,
            applications::registration_number,
            organisations::name,
            change_requests::submitted_at,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, case, number, organisation, at)| Item {
                application_id: Some(case),
                registration_number: number.unwrap_or_default(),
                organisation,
                target: id,
                since: at.unwrap_or_default(),
                due_on: None,
                year: None,
            })
            .collect(),
    ))
}

/// Report-backs handed in and waiting for review.
pub fn reports_waiting(
    conn: &mut DbConnection,
    officer: Option<&str>,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = reports::table
            .inner_join(decisions::table.on(decisions::id.eq(reports::decision_id)))
            .inner_join(organisations::table.on(organisations::id.eq(reports::organisation_id)))
            .filter(reports::status.eq(ReportStatus::Submitted))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                decisions::application_id.nullable().eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id.nullable()),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<(String, Option<String>, String, String, i32, NaiveDate)> = base()
        .order((reports::due_on.asc(), reports::id.asc()))
        .limit(limit)
        .select((
            reports::id,
            decisions::application_id,
            decisions::registration_number,
            organisations::name,
            reports::year,
            reports::due_on,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, case, number, organisation, year, due)| Item {
                application_id: case,
                registration_number: number,
                organisation,
                target: id,
                since: due.and_hms_opt(0, 0, 0).unwrap_or_default(),
                due_on: Some(due),
                year: Some(year),
            })
            .collect(),
    ))
}

/// Supplements asked of applications whose day has passed without an answer.
pub fn application_supplements_overdue(
    conn: &mut DbConnection,
    officer: Option<&str>,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = supplement_requests::table
            .inner_join(applications::table)
            .inner_join(
                organisations::table.on(organisations::id.eq(applications::organisation_id)),
            )
            .filter(supplement_requests::status.eq(SupplementStatus::Open))
            .filter(supplement_requests::due_on.lt(today))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                supplement_requests::application_id.eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<(String, Option<String>, String, NaiveDateTime, NaiveDate)> = base()
        .order((
            supplement_requests::due_on.asc(),
            supplement_requests::id.asc(),
        ))
        .limit(limit)
        .select((
            applications::id,
            applications::registration_number,
            organisations::name,
            supplement_requests::requested_at,
            supplement_requests::due_on,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(case, number, organisation, at, due)| Item {
                application_id: Some(case.clone()),
                registration_number: number.unwrap_or_default(),
                organisation,
                target: case,
                since: at,
                due_on: Some(due),
                year: None,
            })
            .collect(),
    ))
}

/// Supplements asked of report-backs whose day has passed without an answer.
pub fn report_supplements_overdue(
    conn: &mut DbConnection,
    officer: Option<&str>,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = report_supplement_requests::table
            .inner_join(reports::table)
            .inner_join(decisions::table.on(decisions::id.eq(reports::decision_id)))
            .inner_join(organisations::table.on(organisations::id.eq(reports::organisation_id)))
            .filter(report_supplement_requests::status.eq(SupplementStatus::Open))
            .filter(report_supplement_requests::due_on.lt(today))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                decisions::application_id.nullable().eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id.nullable()),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<DatedRow> = base()
        .order((
            report_supplement_requests::due_on.asc(),
            report_supplement_requests::id.asc(),
        ))
        .limit(limit)
        .select((
            reports::id,
            decisions::application_id,
            decisions::registration_number,
            organisations::name,
            reports::year,
            report_supplement_requests::requested_at,
            report_supplement_requests::due_on,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, case, number, organisation, year, at, due)| Item {
                application_id: case,
                registration_number: number,
                organisation,
                target: id,
                since: at,
                due_on: Some(due),
                year: Some(year),
            })
            .collect(),
    ))
}

/// Repayment claims not paid by their day.
pub fn claims_overdue(
    conn: &mut DbConnection,
    officer: Option<&str>,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<(i64, Vec<Item>)> {
    let base = || {
        let mut q = repayment_claims::table
            .inner_join(decisions::table.on(decisions::id.eq(repayment_claims::decision_id)))
            .inner_join(
                organisations::table.on(organisations::id.eq(repayment_claims::organisation_id)),
            )
            .filter(repayment_claims::status.eq(ClaimStatus::Open))
            .filter(repayment_claims::due_on.lt(today))
            .into_boxed();
        if let Some(officer) = officer {
            q = q.filter(
                decisions::application_id.nullable().eq_any(
                    case_officers::table
                        .filter(case_officers::officer_id.eq(officer.to_string()))
                        .select(case_officers::application_id.nullable()),
                ),
            );
        }
        q
    };
    let count = base().count().get_result(conn)?;
    let rows: Vec<DatedRow> = base()
        .order((repayment_claims::due_on.asc(), repayment_claims::id.asc()))
        .limit(limit)
        .select((
            repayment_claims::id,
            decisions::application_id,
            decisions::registration_number,
            organisations::name,
            repayment_claims::year,
            repayment_claims::created_at,
            repayment_claims::due_on,
        ))
        .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(_, case, number, organisation, year, at, due)| Item {
                target: case.clone().unwrap_or_default(),
                application_id: case,
                registration_number: number,
                organisation,
                since: at,
                due_on: Some(due),
                year: Some(year),
            })
            .collect(),
    ))
}

/// Whether the case is one of the officer's (for the messages queue, which is read from
/// `messages`).
pub fn officer_cases(conn: &mut DbConnection, officer: &str) -> QueryResult<Vec<String>> {
    case_officers::table
        .filter(case_officers::officer_id.eq(officer))
        .select(case_officers::application_id)
        .load(conn)
}
