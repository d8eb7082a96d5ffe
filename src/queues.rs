//! The officers' queues (arbetsköer): what waits for the agency across all calls, in one
//! place: applications sent in or answered, change requests, report-backs handed in,
//! supplements past their day, repayment claims past due, and unread messages. Each queue
//! is a count and its oldest items; an officer can narrow every queue to their own cases.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::codes::Role;
use crate::db::DbConnection;
use crate::db::queues::{self as store, Item};
use crate::error::AppError;

/// Items shown per queue; the count says how many wait in all.
pub const ITEMS: i64 = 50;

/// The queues in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    Applications,
    ChangeRequests,
    Reports,
    Messages,
    SupplementsOverdue,
    ReportSupplementsOverdue,
    ClaimsOverdue,
}

impl QueueKind {
    pub const ALL: [QueueKind; 7] = [
        QueueKind::Applications,
        QueueKind::ChangeRequests,
        QueueKind::Reports,
        QueueKind::Messages,
        QueueKind::SupplementsOverdue,
        QueueKind::ReportSupplementsOverdue,
        QueueKind::ClaimsOverdue,
    ];

    pub fn title(self) -> &'static str {
        match self {
            QueueKind::Applications => "Nya och kompletterade ansökningar",
            QueueKind::ChangeRequests => "Ändringsansökningar att besvara",
            QueueKind::Reports => "Återrapporter att granska",
            QueueKind::Messages => "Olästa meddelanden från organisationer",
            QueueKind::SupplementsOverdue => {
                "Kompletteringar av ansökningar som inte kommit in i tid"
            }
            QueueKind::ReportSupplementsOverdue => {
                "Kompletteringar av återrapporter som inte kommit in i tid"
            }
            QueueKind::ClaimsOverdue => "Återbetalningar som inte betalats i tid",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            QueueKind::Applications => "applications",
            QueueKind::ChangeRequests => "change_requests",
            QueueKind::Reports => "reports",
            QueueKind::Messages => "messages",
            QueueKind::SupplementsOverdue => "supplements_overdue",
            QueueKind::ReportSupplementsOverdue => "report_supplements_overdue",
            QueueKind::ClaimsOverdue => "claims_overdue",
        }
    }

    /// Where an item's link goes.
    pub fn link(self, item: &Item) -> String {
        match self {
            QueueKind::ChangeRequests => format!("/andringar/{}", item.target),
            QueueKind::Reports | QueueKind::ReportSupplementsOverdue => {
                format!("/aterrapporter/{}", item.target)
            }
            QueueKind::Messages => format!("/ansokningar/{}/meddelanden", item.target),
            _ => format!("/ansokningar/{}", item.target),
        }
    }
}

/// One queue: how many wait, and the oldest of them.
#[derive(Debug, Clone)]
pub struct Queue {
    pub kind: QueueKind,
    pub count: i64,
    pub items: Vec<Item>,
}

/// Who may read the queues: the agency's case staff and auditors (who read every case).
fn ensure_may_read(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if access::can_list_all_cases(actor) {
        return Ok(());
    }
    audit::record_denied(conn, actor, now, "application", None, "läsa arbetsköerna")?;
    Err(AppError::Forbidden)
}

/// Every queue, oldest first; with `only_mine`, only the officer's own cases.
pub fn all(
    conn: &mut DbConnection,
    actor: &Actor,
    only_mine: bool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Queue>, AppError> {
    ensure_may_read(conn, actor, now)?;
    let officer = (only_mine && actor.role == Role::Officer).then_some(actor.user_id.as_str());
    let mut out = Vec::new();
    let mut push = |kind, (count, items): (i64, Vec<Item>)| out.push(Queue { kind, count, items });
    push(
        QueueKind::Applications,
        store::applications_waiting(conn, officer, ITEMS)?,
    );
    push(
        QueueKind::ChangeRequests,
        store::change_requests_waiting(conn, officer, ITEMS)?,
    );
    push(
        QueueKind::Reports,
        store::reports_waiting(conn, officer, ITEMS)?,
    );
    push(QueueKind::Messages, unread_messages(conn, officer)?);
    push(
        QueueKind::SupplementsOverdue,
        store::application_supplements_overdue(conn, officer, today, ITEMS)?,
    );
    push(
        QueueKind::ReportSupplementsOverdue,
        store::report_supplements_overdue(conn, officer, today, ITEMS)?,
    );
    push(
        QueueKind::ClaimsOverdue,
        store::claims_overdue(conn, officer, today, ITEMS)?,
    );
    Ok(out)
}

/// Cases with messages from organisations that nobody at the agency has read.
fn unread_messages(
    conn: &mut DbConnection,
    officer: Option<&str>,
) -> Result<(i64, Vec<Item>), AppError> {
    let mine = match officer {
        Some(officer) => Some(store::officer_cases(conn, officer)?),
        None => None,
    };
    let cases: Vec<_> = crate::messages::unread_for_staff(conn)?
        .into_iter()
        .filter(|c| mine.as_ref().is_none_or(|m| m.contains(&c.application.id)))
        .collect();
    let count = cases.len() as i64;
    let items = cases
        .into_iter()
        .take(ITEMS as usize)
        .map(|c| Item {
            application_id: Some(c.application.id.clone()),
            registration_number: c
                .application
                .registration_number
                .clone()
                .unwrap_or_default(),
            organisation: c.organisation.name.clone(),
            target: c.application.id.clone(),
            since: c.oldest,
            due_on: None,
            year: None,
        })
        .collect();
    Ok((count, items))
}

/// The total waiting in all queues, for the staff start page and navigation.
pub fn total(queues: &[Queue]) -> i64 {
    queues.iter().map(|q| q.count).sum()
}

/// When an item has waited since, as shown.
pub fn since_text(at: &NaiveDateTime) -> String {
    crate::clock::format_stockholm(*at)
}
