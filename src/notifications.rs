//! Notifications (issue 16): e-mail the service sends on its own, each at most once, all
//! of their rules in this file.
//!
//! - **Daily digest** (`digest`) to each officer responsible for cases (`case_officers`),
//!   once per Stockholm day, at or after 07:00 Stockholm time: what others did in their
//!   cases since the previous digest (the audit trail's entries on the cases' objects, by a
//!   person other than the officer, draft steps and refusals left out). Nothing new, no
//!   mail. The mail names each item's kind, case and time, never its contents.
//! - **Draft reminder** (`draft_reminder`) to the people of an organisation with a draft
//!   application not sent in, [`DRAFT_REMINDER_DAYS_BEFORE`] days before the call's last
//!   day (or later, up to the last day, if the service was down): once per draft.
//! - **Report open** (`report_open`) to the people of a grant's organisation on the day the
//!   year's report-back opens (`reports::opens_on`; up to [`REPORT_OPEN_LATE_DAYS`] days
//!   later if the service was down, never after the report is due or in): once per grant
//!   decision and year.
//! - **Repayment reminder** (`repayment_reminder`) to the people of an organisation whose
//!   repayment claim is not paid when its due day has passed: once per claim.
//!
//! The rules are plain functions over dates ([`digest_window`], [`draft_reminder_due`],
//! [`report_open_due`], [`repayment_reminder_due`]); [`run`] finds what they make due and
//! queues it. Each notification is a row in `notifications_sent` inserted in the same
//! transaction as its outbox messages and its audit entry: of two instances running the
//! round at once, the second insert does nothing and that transaction queues no mail. The
//! background round runs hourly under a lease, beside the report reminders
//! (`startup`, `reports::reminders`).

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::json;

use crate::agency::Contact;
use crate::audit;
use crate::clock::{self, SharedClock};
use crate::codes::CallStatus;
use crate::db::calls::Call;
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::jobs::{Lease, Shutdown};
use crate::outbox::{self, Links, kind};
use crate::reports::ClaimStatus;

pub mod action {
    pub const DIGEST_SENT: &str = "notification.digest_sent";
    pub const DRAFT_REMINDER_SENT: &str = "notification.draft_reminder_sent";
    pub const REPORT_OPEN_SENT: &str = "notification.report_open_sent";
    pub const REPAYMENT_REMINDER_SENT: &str = "notification.repayment_reminder_sent";
}

/// The lease's name in `job_leases`.
pub const JOB: &str = "notifications";
/// Notifications recorded per write transaction at most; between chunks a round checks for
/// shutdown and renews its lease.
pub const CHUNK: i64 = 100;

// ---------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------

/// The digest goes out at or after this hour, Stockholm time.
pub const DIGEST_HOUR: u32 = 7;
/// A digest never reaches further back than this, whatever happened to earlier ones (an
/// officer new to the service, or back after a long time without anything new).
pub const DIGEST_LOOKBACK_DAYS: i64 = 7;
/// The draft reminder goes out this many days before the call's last day.
pub const DRAFT_REMINDER_DAYS_BEFORE: i64 = 7;
/// The report-open notice goes out on the opening day; a round that missed the day (the
/// service was down) still sends it on the days after, up to this many days in all.
pub const REPORT_OPEN_LATE_DAYS: i64 = 7;

/// What the audit trail records that is no news for a case's officer: the steps of a
/// draft (the answer that is sent in is the news), read receipts and refused attempts.
pub const NOT_DIGEST_ITEMS: &[&str] = &[
    audit::action::ACCESS_DENIED,
    audit::action::APPLICATION_CREATED,
    audit::action::APPLICATION_DRAFT_SAVED,
    audit::action::APPLICATION_VERSION_CREATED,
    audit::action::ATTACHMENT_ADDED,
    audit::action::ATTACHMENT_REMOVED,
    crate::reports::workflow::action::CREATED,
    crate::reports::workflow::action::DRAFT_SAVED,
    crate::reports::workflow::action::VERSION_CREATED,
    // A change request begun (its submission is the news), and read receipts of messages.
    "change_request.created",
    "message.read",
];

/// Whether an entry on one of an officer's cases is news for their digest: done by a
/// person other than the officer (the system's own entries, such as reminders, are not),
/// and not a draft step or a refusal.
pub fn is_digest_item(action: &str, actor_user_id: Option<&str>, officer_id: &str) -> bool {
    let by_someone_else = actor_user_id.is_some_and(|who| who != officer_id);
    let draft_step = action.ends_with(".draft_saved") || NOT_DIGEST_ITEMS.contains(&action);
    by_someone_else && !draft_step
}

/// The instant of a day's digest: 07:00 Stockholm time.
pub fn digest_time(day: NaiveDate) -> DateTime<Utc> {
    clock::from_stockholm_local(
        day.and_time(chrono::NaiveTime::MIN) + Duration::hours(i64::from(DIGEST_HOUR)),
    )
}

/// The items a digest covers: entries in `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestWindow {
    /// The Stockholm day of the digest (its key: one per officer and day).
    pub day: NaiveDate,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// The digest due at `now` for an officer whose latest digest was the one of `previous`:
/// none before 07:00 Stockholm time, none if today's has gone. It covers what happened
/// since the previous digest's 07:00 (at most [`DIGEST_LOOKBACK_DAYS`] back; the day before
/// for a first one) up to today's 07:00, so that each entry is in exactly one digest, also
/// when a round comes late in the day.
pub fn digest_window(now: DateTime<Utc>, previous: Option<NaiveDate>) -> Option<DigestWindow> {
    let day = clock::stockholm_date(now);
    let until = digest_time(day);
    if now < until || previous.is_some_and(|p| p >= day) {
        return None;
    }
    let earliest = until - Duration::days(DIGEST_LOOKBACK_DAYS);
    let from = match previous {
        Some(p) => digest_time(p).max(earliest),
        None => until - Duration::days(1),
    };
    Some(DigestWindow { day, from, until })
}

/// Whether a call's draft reminder is due today: a published call, open today, whose last
/// day is at most [`DRAFT_REMINDER_DAYS_BEFORE`] days away.
pub fn draft_reminder_due(call: &Call, today: NaiveDate) -> bool {
    call.status == CallStatus::Published
        && today >= call.opens_on
        && today <= call.last_day
        && today >= call.last_day - Duration::days(DRAFT_REMINDER_DAYS_BEFORE)
}

/// Whether the report-open notice of a grant year is due today, by the day the year's
/// report opens and the day it is due.
pub fn report_open_due(opens_on: NaiveDate, due_on: NaiveDate, today: NaiveDate) -> bool {
    today >= opens_on && today < opens_on + Duration::days(REPORT_OPEN_LATE_DAYS) && today <= due_on
}

/// Whether a repayment claim's reminder is due today: unpaid, and its due day has passed.
pub fn repayment_reminder_due(status: ClaimStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == ClaimStatus::Open && today > due_on
}

// ---------------------------------------------------------------------------------------
// The texts
// ---------------------------------------------------------------------------------------

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    pub at: NaiveDateTime,
    /// The case's registration number.
    pub case: String,
    /// What happened, as the audit trail's Swedish label.
    pub what: String,
}

impl DigestItem {
    pub fn when(&self) -> String {
        clock::format_stockholm(self.at)
    }
}

#[derive(Template)]
#[template(path = "email/digest.txt")]
pub struct Digest<'a> {
    pub agency: &'a str,
    pub name: &'a str,
    pub day: &'a str,
    pub items: &'a [DigestItem],
    pub link: &'a str,
}

impl Digest<'_> {
    pub fn subject(&self) -> String {
        let n = self.items.len();
        format!(
            "Sammanställning {}: {n} {} i dina ärenden",
            self.day,
            if n == 1 {
                "ny händelse"
            } else {
                "nya händelser"
            }
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/draft_reminder.txt")]
pub struct DraftReminder<'a> {
    pub agency: &'a str,
    pub organisation: &'a str,
    pub call_title: &'a str,
    pub project_title: &'a str,
    pub last_day: &'a str,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl DraftReminder<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Påminnelse: er ansökan är inte inskickad – sista dag {} ({})",
            self.last_day, self.call_title
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/report_open.txt")]
pub struct ReportOpen<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    pub year: i32,
    pub due_on: &'a str,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl ReportOpen<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Återrapporteringen för {} har öppnat: {}, senast {}",
            self.year, self.registration_number, self.due_on
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "email/repayment_reminder.txt")]
pub struct RepaymentReminder<'a> {
    pub agency: &'a str,
    pub registration_number: &'a str,
    pub organisation: &'a str,
    /// "återbetalning" or "återkrav".
    pub kind: &'a str,
    pub year: i32,
    pub amount: &'a str,
    pub payment_reference: &'a str,
    pub due_on: &'a str,
    pub link: &'a str,
    pub contact: &'a Contact,
}

impl RepaymentReminder<'_> {
    pub fn subject(&self) -> String {
        format!(
            "Påminnelse: {} {} för {} är inte betald (förföll {})",
            self.kind, self.registration_number, self.year, self.due_on
        )
    }

    pub fn body(&self) -> Result<String, AppError> {
        render(self)
    }
}

// ---------------------------------------------------------------------------------------
// The round
// ---------------------------------------------------------------------------------------

/// What one round queued: notifications (not messages; one goes to every person of an
/// organisation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub digests: usize,
    pub draft_reminders: usize,
    pub report_opens: usize,
    pub repayment_reminders: usize,
}

/// What a round needs besides the connection.
struct Round<'a> {
    now: DateTime<Utc>,
    today: NaiveDate,
    links: &'a Links,
    agency: &'a str,
    contacts: BTreeMap<String, Contact>,
}

impl Round<'_> {
    /// The contact of a call's programme (every notification of a call names the same).
    fn contact(&mut self, conn: &mut DbConnection, call_id: &str) -> Result<Contact, AppError> {
        if let Some(c) = self.contacts.get(call_id) {
            return Ok(c.clone());
        }
        let contact = crate::agency::of_call(conn, call_id)?;
        self.contacts.insert(call_id.to_string(), contact.clone());
        Ok(contact)
    }
}

/// Queues every notification due at `now` that has not been sent.
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
    let mut round = Round {
        now,
        today: clock::stockholm_date(now),
        links,
        agency,
        contacts: BTreeMap::new(),
    };
    let mut sent = Sent::default();
    if !digests(conn, &mut round, go_on, &mut sent)?
        || !draft_reminders(conn, &mut round, go_on, &mut sent)?
        || !report_opens(conn, &mut round, go_on, &mut sent)?
    {
        return Ok(sent);
    }
    repayment_reminders(conn, &mut round, go_on, &mut sent)?;
    Ok(sent)
}

/// The items of an officer's digest: entries in the window on the objects of their cases
/// that are news for them (see [`is_digest_item`]), oldest first.
pub fn digest_items(
    conn: &mut DbConnection,
    officer_id: &str,
    window: &DigestWindow,
) -> Result<Vec<DigestItem>, AppError> {
    let cases = db::notifications::cases_of(conn, officer_id)?;
    let ids: Vec<String> = cases.iter().map(|(id, _)| id.clone()).collect();
    let entities = db::notifications::case_entities(conn, &ids)?;
    let events = db::notifications::events_on(
        conn,
        &entities,
        officer_id,
        window.from.naive_utc(),
        window.until.naive_utc(),
    )?;
    let case_of = |entity_id: &str| {
        entities
            .iter()
            .find(|(_, id, _)| id == entity_id)
            .and_then(|(_, _, case)| cases.iter().find(|(id, _)| id == case))
            .map(|(id, number)| number.clone().unwrap_or_else(|| id.clone()))
    };
    Ok(events
        .into_iter()
        .filter(|e| is_digest_item(&e.action, e.actor_user_id.as_deref(), officer_id))
        .filter_map(|e| {
            let case = case_of(e.entity_id.as_deref()?)?;
            Some(DigestItem {
                at: e.occurred_at,
                case,
                what: crate::audit_labels::action_or_code(&e.action).to_string(),
            })
        })
        .collect())
}

/// Each officer's digest; false when `go_on` ended the round.
fn digests(
    conn: &mut DbConnection,
    round: &mut Round<'_>,
    go_on: &mut dyn FnMut(&mut DbConnection) -> bool,
    sent: &mut Sent,
) -> Result<bool, AppError> {
    if round.now < digest_time(round.today) {
        return Ok(true);
    }
    for (officer_id, email, name) in db::notifications::officers_with_cases(conn)? {
        if !go_on(conn) {
            return Ok(false);
        }
        let previous = db::notifications::latest_subject(conn, kind::DIGEST, &officer_id)?
            .and_then(|day| NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok());
        let Some(window) = digest_window(round.now, previous) else {
            continue;
        };
        let items = digest_items(conn, &officer_id, &window)?;
        if items.is_empty() {
            continue;
        }
        let day = window.day.to_string();
        let link = format!("{}/mina-arenden", round.links.base);
        let message = Digest {
            agency: round.agency,
            name: &name,
            day: &day,
            items: &items,
            link: &link,
        };
        let (subject, body) = (message.subject(), message.body()?);
        let now = round.now;
        let queued = db::write_tx(conn, |c| -> Result<bool, AppError> {
            if !db::notifications::record(c, kind::DIGEST, &day, &officer_id, now.naive_utc())? {
                return Ok(false);
            }
            outbox::queue(
                c,
                now,
                outbox::About::account(kind::DIGEST),
                &email,
                &subject,
                &body,
            )?;
            audit::record(
                c,
                None,
                now,
                audit::Entry {
                    action: action::DIGEST_SENT,
                    entity_type: "user",
                    entity_id: Some(&officer_id),
                    summary: format!(
                        "Daglig sammanställning {day} skickad till {name}: {} händelser",
                        items.len()
                    ),
                    details: json!({
                        "day": day,
                        "items": items.len(),
                        "from": window.from,
                        "until": window.until,
                    }),
                },
            )?;
            Ok(true)
        })?;
        if queued {
            sent.digests += 1;
        }
    }
    Ok(true)
}

/// The draft reminders of every call whose last day is near; false when `go_on` ended
/// the round.
fn draft_reminders(
    conn: &mut DbConnection,
    round: &mut Round<'_>,
    go_on: &mut dyn FnMut(&mut DbConnection) -> bool,
    sent: &mut Sent,
) -> Result<bool, AppError> {
    let calls: Vec<Call> = db::notifications::published_calls(conn)?
        .into_iter()
        .filter(|call| draft_reminder_due(call, round.today))
        .collect();
    for call in calls {
        let contact = round.contact(conn, &call.id)?;
        let last_day = call.last_day.to_string();
        let mut after = String::new();
        loop {
            if !go_on(conn) {
                return Ok(false);
            }
            let drafts = db::notifications::pending_drafts(
                conn,
                kind::DRAFT_REMINDER,
                &call.id,
                &after,
                CHUNK,
            )?;
            let Some(last) = drafts.last() else {
                break;
            };
            after = last.application_id.clone();
            let now = round.now;
            let (links, agency) = (round.links, round.agency);
            let queued = db::write_tx(conn, |c| -> Result<usize, AppError> {
                let mut queued = 0;
                for draft in &drafts {
                    if !db::notifications::record(
                        c,
                        kind::DRAFT_REMINDER,
                        &draft.application_id,
                        &draft.organisation_id,
                        now.naive_utc(),
                    )? {
                        continue;
                    }
                    let link = format!(
                        "{}/ansokningar/{}/redigera",
                        links.base, draft.application_id
                    );
                    let message = DraftReminder {
                        agency,
                        organisation: &draft.organisation_name,
                        call_title: &call.title,
                        project_title: &draft.project_title,
                        last_day: &last_day,
                        link: &link,
                        contact: &contact,
                    };
                    let (subject, body) = (message.subject(), message.body()?);
                    let people = db::accounts::of_organisation(c, &draft.organisation_id)?;
                    for person in &people {
                        outbox::queue(
                            c,
                            now,
                            outbox::About::case(kind::DRAFT_REMINDER, &draft.application_id),
                            &person.email,
                            &subject,
                            &body,
                        )?;
                    }
                    audit::record(
                        c,
                        None,
                        now,
                        audit::Entry {
                            action: action::DRAFT_REMINDER_SENT,
                            entity_type: "application",
                            entity_id: Some(&draft.application_id),
                            summary: format!(
                                "Påminnelse om ej inskickad ansökan till {} (sista dag {last_day}) skickad till {} personer hos {}",
                                call.title,
                                people.len(),
                                draft.organisation_name
                            ),
                            details: json!({ "call_id": call.id, "last_day": call.last_day }),
                        },
                    )?;
                    queued += 1;
                }
                Ok(queued)
            })?;
            sent.draft_reminders += queued;
            if (drafts.len() as i64) < CHUNK {
                break;
            }
        }
    }
    Ok(true)
}

/// The report-open notices of every grant year whose report opens today; false when
/// `go_on` ended the round.
fn report_opens(
    conn: &mut DbConnection,
    round: &mut Round<'_>,
    go_on: &mut dyn FnMut(&mut DbConnection) -> bool,
    sent: &mut Sent,
) -> Result<bool, AppError> {
    let mut due = Vec::new();
    for c in db::jobs::calls_for_reminders(conn)? {
        for &year in &c.years {
            let (Some(opens_on), Some(due_on)) = (
                crate::reports::opens_on(&c.rules, year),
                crate::decisions::letter::report_due_of_call(&c.call, year),
            ) else {
                continue;
            };
            if report_open_due(opens_on, due_on, round.today) {
                due.push((c.call.id.clone(), year, due_on));
            }
        }
    }
    for (call_id, year, due_on) in due {
        let contact = round.contact(conn, &call_id)?;
        let due_text = due_on.to_string();
        let mut after = String::new();
        loop {
            if !go_on(conn) {
                return Ok(false);
            }
            let slots = db::notifications::pending_opened_slots(
                conn,
                kind::REPORT_OPEN,
                &call_id,
                year,
                &after,
                CHUNK,
            )?;
            let Some(last) = slots.last() else {
                break;
            };
            after = last.decision_id.clone();
            let now = round.now;
            let (links, agency) = (round.links, round.agency);
            let queued = db::write_tx(conn, |c| -> Result<usize, AppError> {
                let mut queued = 0;
                for slot in &slots {
                    let key = db::notifications::slot_key(&slot.decision_id, slot.year);
                    if !db::notifications::record(
                        c,
                        kind::REPORT_OPEN,
                        &key,
                        &slot.organisation_id,
                        now.naive_utc(),
                    )? {
                        continue;
                    }
                    let link = match &slot.report_id {
                        Some(id) => crate::reports::mail::link(links, id),
                        None => crate::reports::mail::list_link(links),
                    };
                    let message = ReportOpen {
                        agency,
                        registration_number: &slot.registration_number,
                        organisation: &slot.organisation_name,
                        year: slot.year,
                        due_on: &due_text,
                        link: &link,
                        contact: &contact,
                    };
                    let (subject, body) = (message.subject(), message.body()?);
                    let people = db::accounts::of_organisation(c, &slot.organisation_id)?;
                    for person in &people {
                        outbox::queue(
                            c,
                            now,
                            outbox::About {
                                kind: kind::REPORT_OPEN,
                                case: slot.application_id.as_deref(),
                            },
                            &person.email,
                            &subject,
                            &body,
                        )?;
                    }
                    audit::record(
                        c,
                        None,
                        now,
                        audit::Entry {
                            action: action::REPORT_OPEN_SENT,
                            entity_type: "decision",
                            entity_id: Some(&slot.decision_id),
                            summary: format!(
                                "Avisering om att återrapporteringen {} för {} har öppnat skickad till {} personer hos {}",
                                slot.registration_number,
                                slot.year,
                                people.len(),
                                slot.organisation_name
                            ),
                            details: json!({ "year": slot.year, "due_on": due_on }),
                        },
                    )?;
                    queued += 1;
                }
                Ok(queued)
            })?;
            sent.report_opens += queued;
            if (slots.len() as i64) < CHUNK {
                break;
            }
        }
    }
    Ok(true)
}

/// The reminders of unpaid repayment claims past their due day; false when `go_on`
/// ended the round.
fn repayment_reminders(
    conn: &mut DbConnection,
    round: &mut Round<'_>,
    go_on: &mut dyn FnMut(&mut DbConnection) -> bool,
    sent: &mut Sent,
) -> Result<bool, AppError> {
    let mut after = String::new();
    loop {
        if !go_on(conn) {
            return Ok(false);
        }
        // The query asks for what [`repayment_reminder_due`] says: open, due before today.
        let claims = db::notifications::pending_unpaid_claims(
            conn,
            kind::REPAYMENT_REMINDER,
            round.today,
            &after,
            CHUNK,
        )?;
        let Some(last) = claims.last() else {
            break;
        };
        after = last.claim_id.clone();
        let mut contacts = Vec::new();
        for claim in &claims {
            contacts.push(round.contact(conn, &claim.call_id)?);
        }
        let (now, today) = (round.now, round.today);
        let (links, agency) = (round.links, round.agency);
        let queued = db::write_tx(conn, |c| -> Result<usize, AppError> {
            let mut queued = 0;
            for (claim, contact) in claims.iter().zip(&contacts) {
                if !repayment_reminder_due(ClaimStatus::Open, claim.due_on, today)
                    || !db::notifications::record(
                        c,
                        kind::REPAYMENT_REMINDER,
                        &claim.claim_id,
                        &claim.organisation_id,
                        now.naive_utc(),
                    )?
                {
                    continue;
                }
                let link = match (&claim.report_id, &claim.application_id) {
                    (Some(report), _) => crate::reports::mail::link(links, report),
                    (None, Some(case)) => links.case(case),
                    (None, None) => links.base.clone(),
                };
                let (amount, due_on) = (claim.amount.to_string(), claim.due_on.to_string());
                let kind_text = claim.kind.label().to_lowercase();
                let message = RepaymentReminder {
                    agency,
                    registration_number: &claim.registration_number,
                    organisation: &claim.organisation_name,
                    kind: &kind_text,
                    year: claim.year,
                    amount: &amount,
                    payment_reference: &claim.payment_reference,
                    due_on: &due_on,
                    link: &link,
                    contact,
                };
                let (subject, body) = (message.subject(), message.body()?);
                let people = db::accounts::of_organisation(c, &claim.organisation_id)?;
                for person in &people {
                    outbox::queue(
                        c,
                        now,
                        outbox::About {
                            kind: kind::REPAYMENT_REMINDER,
                            case: claim.application_id.as_deref(),
                        },
                        &person.email,
                        &subject,
                        &body,
                    )?;
                }
                audit::record(
                    c,
                    None,
                    now,
                    audit::Entry {
                        action: action::REPAYMENT_REMINDER_SENT,
                        entity_type: "repayment_claim",
                        entity_id: Some(&claim.claim_id),
                        summary: format!(
                            "Påminnelse om obetald {kind_text} {} för {} ({amount}, förföll {due_on}) skickad till {} personer hos {}",
                            claim.registration_number,
                            claim.year,
                            people.len(),
                            claim.organisation_name
                        ),
                        details: json!({
                            "year": claim.year,
                            "due_on": claim.due_on,
                            "amount_ore": claim.amount.ore(),
                        }),
                    },
                )?;
                queued += 1;
            }
            Ok(queued)
        })?;
        sent.repayment_reminders += queued;
        if (claims.len() as i64) < CHUNK {
            break;
        }
    }
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
                        digests = sent.digests,
                        draft_reminders = sent.draft_reminders,
                        report_opens = sent.report_opens,
                        repayment_reminders = sent.repayment_reminders,
                        "notifications queued"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    e.log_if_internal("notifications");
                }
            }
            actix_web::rt::time::sleep(interval).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_digest_waits_for_seven_in_stockholm_and_goes_once_a_day() {
        // 2020-07-02 07:00 CEST is 05:00 UTC.
        assert_eq!(digest_window(utc("2020-07-02T04:59:59Z"), None), None);
        let first = digest_window(utc("2020-07-02T05:00:00Z"), None);
        assert_eq!(
            first,
            Some(DigestWindow {
                day: day("2020-07-02"),
                from: utc("2020-07-01T05:00:00Z"),
                until: utc("2020-07-02T05:00:00Z"),
            })
        );
        // Today's has gone: nothing more today, even late in the day.
        assert_eq!(
            digest_window(utc("2020-07-02T20:00:00Z"), Some(day("2020-07-02"))),
            None
        );
        // The next covers from the previous one's 07:00; in winter 07:00 is 06:00 UTC.
        let next = digest_window(utc("2020-12-03T09:00:00Z"), Some(day("2020-12-01")));
        assert_eq!(
            next.map(|w| (w.from, w.until)),
            Some((utc("2020-12-01T06:00:00Z"), utc("2020-12-03T06:00:00Z")))
        );
        // Never further back than a week.
        let late = digest_window(utc("2020-12-30T09:00:00Z"), Some(day("2020-12-01")));
        assert_eq!(late.map(|w| w.from), Some(utc("2020-12-23T06:00:00Z")));
    }

    #[test]
    fn the_officers_own_steps_drafts_and_the_system_are_not_news() {
        assert!(is_digest_item("application.submitted", Some("a"), "o"));
        assert!(is_digest_item("supplement.answered", Some("a"), "o"));
        assert!(!is_digest_item("application.submitted", Some("o"), "o"));
        assert!(!is_digest_item("report.reminder_sent", None, "o"));
        assert!(!is_digest_item("application.draft_saved", Some("a"), "o"));
        assert!(!is_digest_item(
            "change_request.draft_saved",
            Some("a"),
            "o"
        ));
        assert!(!is_digest_item("access.denied", Some("a"), "o"));
    }

    #[test]
    fn report_open_and_repayment_days() {
        let (opens, due) = (day("2022-01-01"), day("2022-03-01"));
        assert!(!report_open_due(opens, due, day("2021-12-31")));
        assert!(report_open_due(opens, due, day("2022-01-01")));
        assert!(report_open_due(opens, due, day("2022-01-07")));
        assert!(!report_open_due(opens, due, day("2022-01-08")));
        assert!(!repayment_reminder_due(
            ClaimStatus::Open,
            day("2022-05-01"),
            day("2022-05-01")
        ));
        assert!(repayment_reminder_due(
            ClaimStatus::Open,
            day("2022-05-01"),
            day("2022-05-02")
        ));
        assert!(!repayment_reminder_due(
            ClaimStatus::Received,
            day("2022-05-01"),
            day("2022-05-02")
        ));
    }
}
