//! Reminders about report-back: one before the due day (the call's rules say how many days
//! before) and one when the day has passed without a report, each sent once per grant year.
//! `run` is called by a background tick and, in tests, directly with the test clock.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::mail;
use super::workflow::{self, Slot, SlotState, action};
use crate::audit;
use crate::clock::SharedClock;
use crate::codes::CallStatus;
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::outbox::{self, Links};

pub const BEFORE_DUE: &str = "before_due";
pub const OVERDUE: &str = "overdue";

/// Which reminder a report owed is due for today, if any. Plain rule, no I/O.
pub fn due_reminder(
    slot: &Slot,
    rules: &crate::db::reports::ReportRules,
    today: chrono::NaiveDate,
) -> Option<&'static str> {
    if !matches!(slot.state(today), SlotState::NotStarted | SlotState::Draft) {
        return None;
    }
    if today > slot.due_on {
        Some(OVERDUE)
    } else if today >= super::reminder_on(rules, slot.due_on) {
        Some(BEFORE_DUE)
    } else {
        None
    }
}

/// What one round sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub before_due: usize,
    pub overdue: usize,
}

/// Queues every reminder due now that has not been sent, in one transaction each.
pub fn run(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Sent, AppError> {
    let today = crate::clock::stockholm_date(now);
    let mut sent = Sent::default();
    for call in db::calls::list_calls(conn, &[CallStatus::Published, CallStatus::Closed])? {
        let rules = workflow::rules_for(conn, &call.id)?;
        for slot in workflow::slots(conn, Some(&call.id), None)? {
            let Some(kind) = due_reminder(&slot, &rules, today) else {
                continue;
            };
            if send(conn, &slot, kind, now, links, agency)? {
                match kind {
                    OVERDUE => sent.overdue += 1,
                    _ => sent.before_due += 1,
                }
            }
        }
    }
    Ok(sent)
}

fn send(
    conn: &mut DbConnection,
    slot: &Slot,
    kind: &'static str,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<bool, AppError> {
    db::write_tx(conn, |conn| {
        let people = db::accounts::of_organisation(conn, &slot.organisation.id)?;
        let recipients = i32::try_from(people.len()).unwrap_or(i32::MAX);
        if !db::reports::record_reminder(
            conn,
            &slot.decision.id,
            slot.year,
            kind,
            now.naive_utc(),
            recipients,
        )? {
            return Ok(false);
        }
        let link = match &slot.report {
            Some(r) => mail::link(links, &r.id),
            None => mail::list_link(links),
        };
        let due = slot.due_on.to_string();
        let message = mail::Reminder {
            agency,
            registration_number: &slot.decision.registration_number,
            organisation: &slot.organisation.name,
            year: slot.year,
            due_on: &due,
            overdue: kind == OVERDUE,
            link: &link,
        };
        let (subject, body) = (message.subject(), message.body()?);
        for person in &people {
            outbox::queue(conn, now, &person.email, &subject, &body)?;
        }
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::REMINDER_SENT,
                entity_type: "decision",
                entity_id: Some(&slot.decision.id),
                summary: format!(
                    "{} om återrapportering {} för {} skickad till {} personer hos {}",
                    if kind == OVERDUE {
                        "Påminnelse efter sista dag"
                    } else {
                        "Påminnelse"
                    },
                    slot.decision.registration_number,
                    slot.year,
                    people.len(),
                    slot.organisation.name
                ),
                details: json!({ "year": slot.year, "kind": kind, "due_on": slot.due_on }),
            },
        )?;
        Ok(true)
    })
}

/// Runs `run` every `interval` in the background, with the service's clock.
pub fn spawn(
    db: Db,
    clock: SharedClock,
    links: Links,
    agency: String,
    interval: StdDuration,
) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        loop {
            let now = clock.now();
            let (links, agency) = (links.clone(), agency.clone());
            let result: Result<Sent, AppError> =
                db.run(move |c| run(c, now, &links, &agency)).await;
            match result {
                Ok(sent) if sent != Sent::default() => {
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
