//! Calls for applications (utlysningar): what each role may see of them, their state, and
//! their allocation table. `edit` holds how officers write them.

pub mod edit;
pub mod form;
pub mod form_editor;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access;
use crate::accounts::Actor;
use crate::allocation::{self, AllocationTable};
use crate::clock;
use crate::codes::{CallStatus, OrgKind};
use crate::db::calls::{Call, CallDefinition};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::money::Ore;

/// Where a call stands, as an applicant would put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    Draft,
    NotYetOpen,
    Open,
    DeadlinePassed,
    ClosedEarly,
}

impl CallPhase {
    pub fn label(self) -> &'static str {
        match self {
            CallPhase::Draft => "Utkast, inte publicerad",
            CallPhase::NotYetOpen => "Publicerad, inte öppen än",
            CallPhase::Open => "Öppen för ansökningar",
            CallPhase::DeadlinePassed => "Ansökningstiden har gått ut",
            CallPhase::ClosedEarly => "Stängd",
        }
    }

    /// The badge's style (`status-call-…` in `static/app.css`): by whether the call takes
    /// applications now, not by its stored status, so that a published call whose last day
    /// has passed no longer looks like an open one. The labels differ too, so the colour is
    /// never the only difference.
    pub fn badge(self) -> &'static str {
        match self {
            CallPhase::Draft => "call-draft",
            CallPhase::NotYetOpen => "call-upcoming",
            CallPhase::Open => "call-open",
            CallPhase::DeadlinePassed | CallPhase::ClosedEarly => "call-closed",
        }
    }
}

/// The phase at a given instant: open from the first minute of the opening day to the last
/// second of the last day, Stockholm time.
pub fn phase(call: &Call, now: DateTime<Utc>) -> CallPhase {
    match call.status {
        CallStatus::Draft => CallPhase::Draft,
        CallStatus::Closed => CallPhase::ClosedEarly,
        CallStatus::Published => {
            if now < clock::stockholm_day_start(call.opens_on) {
                CallPhase::NotYetOpen
            } else if clock::is_past_last_day(call.last_day, now) {
                CallPhase::DeadlinePassed
            } else {
                CallPhase::Open
            }
        }
    }
}

/// A call with its state and money at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct CallOverview {
    pub call: Call,
    pub phase: CallPhase,
    pub allocation: AllocationTable,
    pub application_count: usize,
}

fn visible_statuses(actor: Option<&Actor>) -> Vec<CallStatus> {
    match actor {
        Some(a) if access::can_see_draft_calls(a) => Vec::new(),
        _ => vec![CallStatus::Published, CallStatus::Closed],
    }
}

/// How many recipients one page of a call's allocation table shows (the call page, and
/// the public JSON unless asked for another page size).
pub const ALLOCATION_PAGE: i64 = 100;

/// The sums of a call's allocation table per year, without the recipients' rows: from the
/// figures kept per call and year (`db::money_figures`), so the start page reads a few
/// rows per call whatever its size (it built every call's whole table: 120 ms at 100 000).
pub fn allocation_totals(
    conn: &mut DbConnection,
    call_id: &str,
    years: &[(i32, Ore)],
) -> Result<AllocationTable, AppError> {
    allocation_page(conn, call_id, years, 0, 0).map(|(table, _)| table)
}

/// One page of a call's allocation table: the sums per year of every recipient, and the
/// rows of `limit` recipients from `offset` in name order (read from the index kept for it).
/// Also how many recipients there are in all.
pub fn allocation_page(
    conn: &mut DbConnection,
    call_id: &str,
    years: &[(i32, Ore)],
    limit: i64,
    offset: i64,
) -> Result<(AllocationTable, i64), AppError> {
    let granted: std::collections::BTreeMap<i32, Ore> =
        db::money_figures::call_years(conn, call_id)?
            .into_iter()
            .map(|(year, m)| (year, m.granted()))
            .collect();
    let (recipients, amounts, total) = if limit > 0 {
        let recipients = db::money_figures::recipients_page(conn, call_id, limit, offset)?;
        let ids: Vec<String> = recipients.iter().map(|(id, _, _)| id.clone()).collect();
        let amounts = db::money_figures::granted_of(conn, call_id, &ids)?;
        let total = db::money_figures::recipient_count(conn, call_id)?;
        (recipients, amounts, total)
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    Ok((
        allocation::from_kept(years, &granted, &recipients, &amounts),
        total,
    ))
}

/// The allocation table's rows of the recipients after `after` (name, id) in name order,
/// at most `limit`: a part of the streamed CSV.
pub fn allocation_rows_after(
    conn: &mut DbConnection,
    call_id: &str,
    years: &[(i32, Ore)],
    after: Option<&(String, String)>,
    limit: i64,
) -> Result<Vec<allocation::AllocationRow>, AppError> {
    let recipients = db::money_figures::recipients_after(conn, call_id, after, limit)?;
    let ids: Vec<String> = recipients.iter().map(|(id, _, _)| id.clone()).collect();
    let amounts = db::money_figures::granted_of(conn, call_id, &ids)?;
    Ok(allocation::from_kept(years, &Default::default(), &recipients, &amounts).rows)
}

/// A call anyone allowed may see the allocation of, with its years' ceilings.
pub fn allocation_call(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    call_id: &str,
) -> Result<(Call, Vec<(i32, Ore)>), AppError> {
    let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    if !is_visible(actor, call.status) {
        return Err(AppError::NotFound);
    }
    let years = db::calls::call_years(conn, call_id)?
        .into_iter()
        .map(|y| (y.year, y.ceiling_ore))
        .collect();
    Ok((call, years))
}

/// The calls a person may see (the public sees published ones), with their state.
pub fn overview(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<Vec<CallOverview>, AppError> {
    let calls = db::calls::list_calls(conn, &visible_statuses(actor))?;
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        let years: Vec<(i32, Ore)> = db::calls::call_years(conn, &call.id)?
            .into_iter()
            .map(|y| (y.year, y.ceiling_ore))
            .collect();
        let allocation = allocation_totals(conn, &call.id, &years)?;
        let application_count = match actor {
            Some(a) if access::can_list_all_cases(a) => {
                db::applications::count_submitted(conn, &call.id)? as usize
            }
            _ => 0,
        };
        out.push(CallOverview {
            phase: phase(&call, now),
            call,
            allocation,
            application_count,
        });
    }
    Ok(out)
}

/// Calls open now that the applicant's organisation is eligible for.
pub fn open_for_applicant(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<CallOverview>, AppError> {
    let Some(org_id) = &actor.organisation_id else {
        return Ok(Vec::new());
    };
    let Some(org) = db::organisations::find(conn, org_id)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for overview in overview(conn, Some(actor), now)? {
        if overview.phase != CallPhase::Open {
            continue;
        }
        let def = db::calls::load_definition(conn, overview.call.clone())?;
        if is_eligible_kind(&def, org.kind) {
            out.push(overview);
        }
    }
    Ok(out)
}

pub fn is_eligible_kind(def: &CallDefinition, kind: OrgKind) -> bool {
    def.eligible_kinds.contains(&kind)
}

/// A call as its page shows it. Drafts are the agency's own: to others they do not exist.
pub fn definition(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    call_id: &str,
) -> Result<CallDefinition, AppError> {
    let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    if !is_visible(actor, call.status) {
        return Err(AppError::NotFound);
    }
    Ok(db::calls::load_definition(conn, call)?)
}

/// The allocation table of a call anyone may see: open data, from signed decisions only.
/// One query: see [`db::calls::allocation_source`].
pub fn allocation(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    call_id: &str,
) -> Result<(db::calls::AllocationSource, AllocationTable), AppError> {
    let source = db::calls::allocation_source(conn, call_id)?.ok_or(AppError::NotFound)?;
    if !is_visible(actor, source.status) {
        return Err(AppError::NotFound);
    }
    let table = allocation::build(&source.years, &source.signed);
    Ok((source, table))
}

/// Whether a call in this state may be seen by this person (the public sees published
/// and closed calls, the agency drafts too).
pub fn is_visible(actor: Option<&Actor>, status: CallStatus) -> bool {
    let visible = visible_statuses(actor);
    visible.is_empty() || visible.contains(&status)
}

/// Whether a call in this state is the same for everyone who may see it, so that an
/// answer about it may be shared between people (see `crate::answer_cache`).
pub fn is_public(status: CallStatus) -> bool {
    is_visible(None, status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn call(status: CallStatus) -> Call {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        Call {
            id: "c".into(),
            programme_id: "p".into(),
            code: "c".into(),
            title: "t".into(),
            description: String::new(),
            annex_title: String::new(),
            annex_intro: String::new(),
            status,
            max_recipients: 4,
            opens_on: date(2020, 1, 31),
            last_day: date(2020, 4, 20),
            payment_month: 1,
            report_due_month: 3,
            report_due_day: 1,
            requires_approved_reports: false,
            copied_from_call_id: None,
            created_at: Default::default(),
            published_at: None,
            closed_at: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_published_call_is_open_between_its_days_in_stockholm_time() {
        let c = call(CallStatus::Published);
        assert_eq!(phase(&c, at("2020-01-30T22:59:59Z")), CallPhase::NotYetOpen);
        assert_eq!(phase(&c, at("2020-01-30T23:00:00Z")), CallPhase::Open);
        assert_eq!(phase(&c, at("2020-04-20T21:59:59Z")), CallPhase::Open);
        assert_eq!(
            phase(&c, at("2020-04-20T22:00:01Z")),
            CallPhase::DeadlinePassed
        );
        assert_eq!(
            phase(&call(CallStatus::Draft), at("2020-03-01T00:00:00Z")),
            CallPhase::Draft
        );
        assert_eq!(
            phase(&call(CallStatus::Closed), at("2020-03-01T00:00:00Z")),
            CallPhase::ClosedEarly
        );
    }
}
