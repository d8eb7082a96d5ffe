//! Reminders about report-back: one before the due day (the call's rules say how many days
//! before) and one when the day has passed without a report, each sent once per grant year.
//! `run` is called by a background tick and, in tests, directly with the test clock.
//!
//! Set-based: the rule depends only on the call, the year and whether a report is started,
//! so a round works out per call and year which kind of reminder is due today
//! ([`kind_due`]) and asks the database, in chunks, for exactly the grant years of those
//! that have no such reminder recorded (`db::jobs::pending_slots`). A round with nothing due
//! costs a few queries and no write transaction, however many grant years there are.

use std::time::Duration as StdDuration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::mail;
use super::workflow::{Slot, SlotState, action};
use crate::audit;
use crate::clock::SharedClock;
use crate::db::jobs::PendingSlot;
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::jobs::{Lease, Shutdown};
use crate::money::Ore;
use crate::outbox::{self, Links};

pub const BEFORE_DUE: &str = "before_due";
pub const OVERDUE: &str = "overdue";

/// The lease's name in `job_leases`.
pub const JOB: &str = "report_reminders";
/// Reminders recorded per write transaction at most; between chunks a round checks for
/// shutdown and renews its lease.
pub const CHUNK: i64 = 100;

/// Which reminder a report owed is due for today, if any. Plain rule, no I/O.
pub fn due_reminder(
    slot: &Slot,
    rules: &crate::db::reports::ReportRules,
    today: NaiveDate,
) -> Option<&'static str> {
    if !matches!(slot.state(today), SlotState::NotStarted | SlotState::Draft) {
        return None;
    }
    kind_due(slot.due_on, super::reminder_on(rules, slot.due_on), today)
}

/// For a report not in yet (not started, or a draft): the reminder due today, by its due
/// day and the day the reminder before it goes out. Plain rule, no I/O.
pub fn kind_due(
    due_on: NaiveDate,
    reminder_on: NaiveDate,
    today: NaiveDate,
) -> Option<&'static str> {
    if today > due_on {
        Some(OVERDUE)
    } else if today >= reminder_on {
        Some(BEFORE_DUE)
    } else {
        None
    }
}

/// One call and year with a reminder due today for its reports not in yet.
#[derive(Debug, Clone)]
struct Planned {
    call_id: String,
    year: i32,
    kind: &'static str,
    due_on: NaiveDate,
    /// Reports not started count too (the year's report has opened; before that only a
    /// draft could be reminded of, as `Slot::state` says).
    with_unstarted: bool,
}

/// The calls and years with a reminder due today: three queries.
fn plan(conn: &mut DbConnection, today: NaiveDate) -> Result<Vec<Planned>, AppError> {
    let mut planned = Vec::new();
    for c in db::jobs::calls_for_reminders(conn)? {
        for &year in &c.years {
            let (Some(opens_on), Some(due_on)) = (
                super::opens_on(&c.rules, year),
                crate::decisions::letter::report_due_of_call(&c.call, year),
            ) else {
                continue;
            };
            if let Some(kind) = kind_due(due_on, super::reminder_on(&c.rules, due_on), today) {
                planned.push(Planned {
                    call_id: c.call.id.clone(),
                    year,
                    kind,
                    due_on,
                    with_unstarted: today >= opens_on,
                });
            }
        }
    }
    Ok(planned)
}

/// A reminder due and not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub slot: PendingSlot,
    pub kind: &'static str,
    pub due_on: NaiveDate,
}

/// The next chunk of a plan's reminders after the decision `after`, and where the next
/// chunk starts (none when this was the last).
fn next_chunk(
    conn: &mut DbConnection,
    plan: &Planned,
    after: &str,
) -> Result<(Vec<Due>, Option<String>), AppError> {
    let rows = db::jobs::pending_slots(
        conn,
        &plan.call_id,
        plan.year,
        plan.kind,
        plan.with_unstarted,
        after,
        CHUNK,
    )?;
    let next = match rows.last() {
        Some(last) if rows.len() as i64 == CHUNK => Some(last.decision_id.clone()),
        _ => None,
    };
    let ids: Vec<String> = rows.iter().map(|r| r.decision_id.clone()).collect();
    let mut revoked = Vec::new();
    for id in db::jobs::changed_among(conn, &ids, plan.year)? {
        let now = crate::decisions::current_amounts(conn, &id)?
            .get(&plan.year)
            .copied()
            .unwrap_or(Ore::ZERO);
        if !now.is_positive() {
            revoked.push(id);
        }
    }
    let due = rows
        .into_iter()
        .filter(|r| !revoked.contains(&r.decision_id))
        .map(|slot| Due {
            slot,
            kind: plan.kind,
            due_on: plan.due_on,
        })
        .collect();
    Ok((due, next))
}

/// Every reminder due at `now` and not yet recorded, as the database finds them (for the
/// tests that hold the query to the rule, and for the administrator's eye).
pub fn due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<Due>, AppError> {
    let today = crate::clock::stockholm_date(now);
    let mut all = Vec::new();
    for plan in plan(conn, today)? {
        let mut after = String::new();
        loop {
            let (due, next) = next_chunk(conn, &plan, &after)?;
            all.extend(due);
            match next {
                Some(n) => after = n,
                None => break,
            }
        }
    }
    Ok(all)
}

/// What one round sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub before_due: usize,
    pub overdue: usize,
}

/// Queues every reminder due now that has not been sent, a chunk per transaction.
pub fn run(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Sent, AppError> {
    run_between(conn, now, links, agency, &mut |_| true)
}

/// As [`run`]; `go_on` is asked before every chunk (the background round checks for
/// shutdown and renews its lease there) and ends the round early when it says no. What
/// was queued stays queued; the rest is found by the next round.
pub fn run_between(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
    go_on: &mut dyn FnMut(&mut DbConnection) -> bool,
) -> Result<Sent, AppError> {
    let today = crate::clock::stockholm_date(now);
    let mut sent = Sent::default();
    for plan in plan(conn, today)? {
        // Every reminder of a call names the same contact: its programme's.
        let contact = crate::agency::of_call(conn, &plan.call_id)?;
        let mut after = String::new();
        loop {
            if !go_on(conn) {
                return Ok(sent);
            }
            let (due, next) = next_chunk(conn, &plan, &after)?;
            if !due.is_empty() {
                let queued = db::write_tx(conn, |c| -> Result<usize, AppError> {
                    let mut queued = 0;
                    for d in &due {
                        if send(c, d, now, links, agency, &contact)? {
                            queued += 1;
                        }
                    }
                    Ok(queued)
                })?;
                match plan.kind {
                    OVERDUE => sent.overdue += queued,
                    _ => sent.before_due += queued,
                }
            }
            match next {
                Some(n) => after = n,
                None => break,
            }
        }
    }
    Ok(sent)
}

/// Records one reminder and queues its mail; false when it was already recorded (by a
/// round at the same time elsewhere): then nothing is queued.
fn send(
    conn: &mut DbConnection,
    due: &Due,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
    contact: &crate::agency::Contact,
) -> Result<bool, AppError> {
    let slot = &due.slot;
    let kind = due.kind;
    let people = db::accounts::of_organisation(conn, &slot.organisation_id)?;
    let recipients = i32::try_from(people.len()).unwrap_or(i32::MAX);
    if !db::reports::record_reminder(
        conn,
        &slot.decision_id,
        slot.year,
        kind,
        now.naive_utc(),
        recipients,
    )? {
        return Ok(false);
    }
    let link = match &slot.report_id {
        Some(id) => mail::link(links, id),
        None => mail::list_link(links),
    };
    let due_on = due.due_on.to_string();
    let message = mail::Reminder {
        agency,
        registration_number: &slot.registration_number,
        organisation: &slot.organisation_name,
        year: slot.year,
        due_on: &due_on,
        overdue: kind == OVERDUE,
        link: &link,
        contact,
    };
    let (subject, body) = (message.subject(), message.body()?);
    for person in &people {
        outbox::queue(
            conn,
            now,
            outbox::About {
                kind: outbox::kind::REPORT_REMINDER,
                case: slot.application_id.as_deref(),
            },
            &person.email,
            &subject,
            &body,
        )?;
    }
    audit::record(
        conn,
        None,
        now,
        audit::Entry {
            action: action::REMINDER_SENT,
            entity_type: "decision",
            entity_id: Some(&slot.decision_id),
            summary: format!(
                "{} om återrapportering {} för {} skickad till {} personer hos {}",
                if kind == OVERDUE {
                    "Påminnelse efter sista dag"
                } else {
                    "Påminnelse"
                },
                slot.registration_number,
                slot.year,
                people.len(),
                slot.organisation_name
            ),
            details: json!({ "year": slot.year, "kind": kind, "due_on": due.due_on }),
        },
    )?;
    Ok(true)
}

/// One background round, as one instance of several: under the job's lease (another
/// instance holding it means the round is theirs: `None`), stopping between chunks on
/// shutdown. Once done, the lease is kept until `period` after the start, so that other
/// instances skip this period's round.
pub fn round(
    conn: &mut DbConnection,
    clock: &SharedClock,
    lease: &Lease,
    shutdown: &Shutdown,
    period: chrono::Duration,
    links: &Links,
    agency: &str,
) -> Result<Option<Sent>, AppError> {
    let started = clock.now();
    if !lease.claim(conn, started)? {
        return Ok(None);
    }
    // The lease is renewed when a third of it has passed, not before every chunk: a round
    // with nothing due writes only its claim and its end.
    let mut renewed = started;
    let mut go_on = |c: &mut DbConnection| {
        if shutdown.requested() {
            return false;
        }
        let now = clock.now();
        if now - renewed < lease.length / 3 {
            return true;
        }
        renewed = now;
        lease.claim(c, now).unwrap_or(false)
    };
    let sent = run_between(conn, started, links, agency, &mut go_on)?;
    if shutdown.requested() {
        // Unfinished: let the next instance to come by finish it.
        db::jobs::release_lease(conn, lease.job, &lease.holder, clock.now().naive_utc())?;
    } else {
        lease.keep_until(
            conn,
            clock.now(),
            started + period - chrono::Duration::minutes(1),
        )?;
    }
    Ok(Some(sent))
}

/// Runs a [`round`] at once and then every `interval` in the background, with the
/// service's clock, until `shutdown`.
pub fn spawn(
    db: Db,
    clock: SharedClock,
    links: Links,
    agency: String,
    interval: StdDuration,
    shutdown: Shutdown,
) -> actix_web::rt::task::JoinHandle<()> {
    let lease = Lease::new(JOB, chrono::Duration::minutes(15));
    let period = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::hours(1));
    actix_web::rt::spawn(async move {
        while !shutdown.requested() {
            let (clock, links, agency) = (clock.clone(), links.clone(), agency.clone());
            let (lease, stop) = (lease.clone(), shutdown.clone());
            let result: Result<Option<Sent>, AppError> = db
                .run(move |c| round(c, &clock, &lease, &stop, period, &links, &agency))
                .await;
            match result {
                Ok(Some(sent)) if sent != Sent::default() => {
                    tracing::info!(
                        before_due = sent.before_due,
                        overdue = sent.overdue,
                        "report reminders queued"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    e.log_if_internal("report reminders");
                }
            }
            actix_web::rt::time::sleep(interval).await;
        }
    })
}
