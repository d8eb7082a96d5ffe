//! The audit trail: every change of state and every refused access, with who (user, role,
//! organisation), when and what. Entries are written in the same transaction as the change
//! they record; the database refuses to update or delete them.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::accounts::Actor;
use crate::codes::{CallStatus, Role};
use crate::db::DbConnection;
use crate::db::audit::{self as store, AuditEvent};
use crate::error::{AppError, FieldErrors};

/// What happened, as a stable code (`application.submitted`) for filtering and export.
pub mod action {
    pub const LOGIN: &str = "auth.login";
    /// The first wrong password of a run for an address (later ones are counted in the
    /// lockout entries, not written one by one).
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    /// A lockout of an account or a client address after wrong passwords.
    pub const LOGIN_THROTTLED: &str = "auth.login_throttled";
    /// Failed-login entries over the trail's budget for a minute, counted in one entry.
    pub const LOGIN_FAILURES_SUMMARISED: &str = "auth.login_failures_summarised";
    pub const LOGOUT: &str = "auth.logout";
    pub const ACCESS_DENIED: &str = "access.denied";
    pub const ACCOUNT_CREATED: &str = "account.created";
    // Accounts (issue 11): links to choose a password, changes, deactivation. No entry
    // ever holds a password or a link's token.
    pub const ACCOUNT_INVITED: &str = "account.invited";
    pub const ACCOUNT_PASSWORD_SET: &str = "account.password_set";
    pub const ACCOUNT_PASSWORD_CHANGED: &str = "account.password_changed";
    pub const ACCOUNT_PASSWORD_CHANGE_REFUSED: &str = "account.password_change_refused";
    pub const ACCOUNT_RESET_REQUESTED: &str = "account.reset_requested";
    pub const ACCOUNT_PASSWORD_RESET: &str = "account.password_reset";
    pub const ACCOUNT_DEACTIVATED: &str = "account.deactivated";
    pub const ACCOUNT_REACTIVATED: &str = "account.reactivated";
    /// An invitation taken up with e-legitimation instead of a password (issue 14).
    pub const ACCOUNT_INVITATION_ACCEPTED_EID: &str = "account.invitation_accepted_eid";
    pub const ORGANISATION_CREATED: &str = "organisation.created";
    pub const PROGRAMME_CREATED: &str = "programme.created";
    pub const CALL_CREATED: &str = "call.created";
    pub const CALL_UPDATED: &str = "call.updated";
    pub const CALL_PUBLISHED: &str = "call.published";
    pub const CALL_CLOSED: &str = "call.closed";
    pub const CALL_AMENDED: &str = "call.amended";
    pub const APPLICATION_CREATED: &str = "application.created";
    pub const APPLICATION_DRAFT_SAVED: &str = "application.draft_saved";
    pub const APPLICATION_VERSION_CREATED: &str = "application.version_created";
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const APPLICATION_COMPLETE: &str = "application.complete";
    pub const CASE_OFFICER_SET: &str = "application.case_officer_set";
    /// A message written in a case (issue 16); its text stays in the message.
    pub const MESSAGE_SENT: &str = "message.sent";
    /// Messages from the other side marked read when someone opened the thread.
    pub const MESSAGES_READ: &str = "message.read";
    pub const ATTACHMENT_ADDED: &str = "attachment.added";
    pub const ATTACHMENT_REMOVED: &str = "attachment.removed";
    pub const MEMBER_ADDED: &str = "organisation.member_added";
    pub const MEMBER_REMOVED: &str = "organisation.member_removed";
    /// The ombud removed the organisation from the e-service: every role in it ended.
    pub const ORGANISATION_REMOVED: &str = "organisation.removed";
    pub const SUPPLEMENT_REQUESTED: &str = "supplement.requested";
    pub const SUPPLEMENT_ANSWERED: &str = "supplement.answered";
    pub const DECISION_CREATED: &str = "decision.created";
    pub const DECISION_SIGNED: &str = "decision.signed";
    pub const FIXTURES_LOADED: &str = "fixtures.loaded";
    // E-legitimation (OpenID Connect). Entries name the person's number only masked
    // (`19800101-****`), never in full. A successful login is `LOGIN` with the method in
    // its details.
    /// A person the provider vouched for was refused (inactive account, staff login off).
    pub const EID_LOGIN_REFUSED: &str = "auth.eid_login_refused";
    /// An answer from the provider whose ID token failed verification.
    pub const EID_VERIFICATION_FAILED: &str = "auth.eid_verification_failed";
    /// A fresh e-legitimation made to sign (submit) something.
    pub const EID_SIGNED: &str = "auth.eid_signed";
    /// A signature refused: the e-legitimation was another person's.
    pub const EID_SIGNATURE_REFUSED: &str = "auth.eid_signature_refused";
    // Ombudsansökan (issue 14)
    pub const OMBUD_REQUEST_SUBMITTED: &str = "ombud_request.submitted";
    pub const OMBUD_REQUEST_SUPPLEMENT_REQUESTED: &str = "ombud_request.supplement_requested";
    pub const OMBUD_REQUEST_SUPPLEMENTED: &str = "ombud_request.supplemented";
    pub const OMBUD_REQUEST_APPROVED: &str = "ombud_request.approved";
    pub const OMBUD_REQUEST_WRITTEN_OFF: &str = "ombud_request.written_off";
    /// A later approved ombudsansökan made someone else the organisation's ombud: the
    /// earlier ombud became a representative and was logged out.
    pub const OMBUD_REPLACED: &str = "organisation.ombud_replaced";
}

/// One entry to write. `summary` is Swedish, for people reading the trail.
pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<&'a str>,
    pub summary: String,
    pub details: Value,
}

/// Writes an entry. `actor` is `None` for the system itself (start-up, command line).
pub fn record(
    conn: &mut DbConnection,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> diesel::QueryResult<()> {
    let event = AuditEvent {
        id: crate::db::new_id(),
        occurred_at: now.naive_utc(),
        actor_user_id: actor.map(|a| a.user_id.clone()),
        actor_email: actor.map(|a| a.email.clone()),
        actor_role: actor.map(|a| a.role.as_str().to_string()),
        actor_organisation_id: actor.and_then(|a| a.organisation_id.clone()),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id.map(str::to_string),
        summary: entry.summary,
        details: entry.details.to_string(),
    };
    store::insert(conn, &event)
}

/// Records a refused access. `what` says in Swedish what was attempted ("läsa ansökan").
pub fn record_denied(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    entity_type: &str,
    entity_id: Option<&str>,
    what: &str,
) -> diesel::QueryResult<()> {
    tracing::warn!(
        user = %actor.email,
        role = actor.role.as_str(),
        entity_type,
        entity_id,
        what,
        "access refused"
    );
    record(
        conn,
        Some(actor),
        now,
        Entry {
            action: action::ACCESS_DENIED,
            entity_type,
            entity_id,
            summary: format!(
                "Nekad åtkomst: {} ({}) försökte {what}",
                actor.email,
                actor.role.label()
            ),
            details: json!({ "attempted": what }),
        },
    )
}

/// One page of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub page: i64,
    pub per_page: i64,
    pub has_next: bool,
}

pub const PER_PAGE: i64 = 100;

/// Refuses, and records, anyone who may not read the trail (the page, the export, the API).
pub fn ensure_may_read(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !crate::access::can_read_audit_trail(actor) {
        record_denied(
            conn,
            actor,
            now,
            "audit_trail",
            None,
            "läsa granskningsloggen",
        )?;
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The trail, newest first, for those who may read it. Others are refused and recorded.
pub fn list_for(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &store::AuditFilter,
    page: i64,
    now: DateTime<Utc>,
) -> Result<AuditPage, AppError> {
    ensure_may_read(conn, actor, now)?;
    list_page(conn, filter, page)
}

fn list_page(
    conn: &mut DbConnection,
    filter: &store::AuditFilter,
    page: i64,
) -> Result<AuditPage, AppError> {
    // A page number past any trail (typed into the address) reads an empty page instead of
    // overflowing the offset.
    let page = page.clamp(1, i64::MAX / PER_PAGE);
    let mut events = store::list(conn, filter, PER_PAGE + 1, (page - 1) * PER_PAGE)?;
    let has_next = events.len() as i64 > PER_PAGE;
    events.truncate(PER_PAGE as usize);
    Ok(AuditPage {
        events,
        page,
        per_page: PER_PAGE,
        has_next,
    })
}

/// The trail's filters as typed into the page's form (or carried in a link): text, checked
/// by [`filter_from`] before any of it reaches the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailQuery {
    /// An action code (`access.denied`); empty for every kind.
    pub event: String,
    /// Part of the acting person's e-mail address.
    pub person: String,
    /// An object's id, exactly.
    pub object: String,
    /// The first day, `YYYY-MM-DD`, Swedish time.
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// The page, from 1; anything unreadable is the first page (it comes from links).
    pub page: String,
}

impl TrailQuery {
    pub fn page_number(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// The longest text each filter takes: codes and ids are far shorter, an e-mail address is
/// at most 254 characters. Anything longer is a mistake, answered beside the field.
pub const EVENT_MAX: usize = 100;
pub const PERSON_MAX: usize = 254;
pub const OBJECT_MAX: usize = 100;

/// The form's field names, which its errors are keyed by.
pub mod field {
    pub const EVENT: &str = "handelse";
    pub const PERSON: &str = "person";
    pub const OBJECT: &str = "objekt";
    pub const FROM: &str = "fran";
    pub const TO: &str = "till";
}

/// The filter the typed query asks for, or every problem with it in Swedish, by field.
/// Days are Swedish calendar days: from the first day's midnight in Europe/Stockholm up to
/// (not including) the midnight after the last, so summer time is honoured.
pub fn filter_from(query: &TrailQuery) -> Result<store::AuditFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut text = |name: &str, value: &str, max: usize, what: &str| {
        let value = value.trim();
        if value.chars().count() > max {
            errors.add(name, format!("{what} får vara högst {max} tecken."));
            None
        } else {
            Some(value.to_string()).filter(|v| !v.is_empty())
        }
    };
    let action = text(field::EVENT, &query.event, EVENT_MAX, "Händelsen");
    let person = text(field::PERSON, &query.person, PERSON_MAX, "E-postadressen");
    let object = text(field::OBJECT, &query.object, OBJECT_MAX, "Objektets id");
    let from = parse_day(&query.from)
        .map_err(|m| errors.add(field::FROM, m))
        .ok()
        .flatten();
    let to = parse_day(&query.to)
        .map_err(|m| errors.add(field::TO, m))
        .ok()
        .flatten();
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.add(
            field::TO,
            "Till och med-datumet ligger före från och med-datumet. Ändra något av dem.",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(store::AuditFilter {
        action,
        entity_id: object,
        actor_email_contains: person,
        occurred_from: from.map(|day| crate::clock::stockholm_day_start(day).naive_utc()),
        occurred_before: to
            .and_then(|day| day.succ_opt())
            .map(|next| crate::clock::stockholm_day_start(next).naive_utc()),
        ..store::AuditFilter::default()
    })
}

/// A day as `<input type="date">` sends it (`2020-06-30`), or nothing for an empty field.
/// Only four-digit years: the shape people type, and no date chrono cannot step past.
fn parse_day(text: &str) -> Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            "Ange ett datum som finns, skrivet ÅÅÅÅ-MM-DD, till exempel 2020-06-30.".to_string()
        })
}

/// A page of the trail as a person reads it: the entries and, for each, the address of
/// its object's page where there is one the reader may open.
#[derive(Debug, Clone)]
pub enum TrailSearch {
    Found {
        page: AuditPage,
        links: Vec<Option<String>>,
    },
    /// The filters could not be read: nothing was looked up.
    Invalid(FieldErrors),
}

/// The trail page: refused and recorded for those who may not read it (whatever they
/// typed), then the filters checked, then one page read.
pub fn search(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &TrailQuery,
    now: DateTime<Utc>,
) -> Result<TrailSearch, AppError> {
    ensure_may_read(conn, actor, now)?;
    let filter = match filter_from(query) {
        Ok(filter) => filter,
        Err(errors) => return Ok(TrailSearch::Invalid(errors)),
    };
    let page = list_page(conn, &filter, query.page_number())?;
    let links = object_links(conn, actor, &page.events)?;
    Ok(TrailSearch::Found { page, links })
}

/// A page an entry's object can be read on, with what deciding who may open it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectPage {
    Application {
        id: String,
        organisation_id: String,
        submitted: bool,
    },
    Call {
        id: String,
        status: Option<CallStatus>,
    },
    Round {
        id: String,
    },
    Report {
        id: String,
        organisation_id: String,
    },
    Members {
        organisation_id: String,
    },
}

/// The address of the page, if the viewer may open it: the same rules the pages apply, so
/// that the trail never links to a refusal (which would itself be recorded).
pub fn href(viewer: &Actor, page: &ObjectPage) -> Option<String> {
    use crate::access;
    let enc = crate::web::format::url_encode;
    match page {
        ObjectPage::Application {
            id,
            organisation_id,
            submitted,
        } => access::can_read_application(viewer, organisation_id, *submitted)
            .then(|| format!("/ansokningar/{}", enc(id))),
        ObjectPage::Call { id, status } => status
            .is_some_and(|s| crate::calls::is_visible(Some(viewer), s))
            .then(|| format!("/utlysningar/{}", enc(id))),
        ObjectPage::Round { id } => {
            access::can_list_all_cases(viewer).then(|| format!("/omfordelningar/{}", enc(id)))
        }
        ObjectPage::Report {
            id,
            organisation_id,
        } => access::can_read_case(viewer, organisation_id)
            .then(|| format!("/aterrapporter/{}", enc(id))),
        // As `accounts::members::list`: the administrator, or the organisation's own.
        ObjectPage::Members { organisation_id } => (viewer.role == Role::Admin
            || viewer.organisation_id.as_deref() == Some(organisation_id.as_str()))
        .then(|| format!("/organisationer/{}/personer", enc(organisation_id))),
    }
}

/// For each entry, the address of its object's page, if it has one the viewer may open.
/// A decision, a payment and a repayment claim have no page of their own: they link to
/// their case (a claim from a report to the report). An object that no longer exists, or
/// an id that never named one (a refused attempt records what was asked for), gets none.
/// A few queries per page, by id.
pub fn object_links(
    conn: &mut DbConnection,
    viewer: &Actor,
    events: &[AuditEvent],
) -> Result<Vec<Option<String>>, AppError> {
    use std::collections::{BTreeSet, HashMap};
    let ids_of = |kind: &str| -> BTreeSet<String> {
        events
            .iter()
            .filter(|e| e.entity_type == kind)
            .filter_map(|e| e.entity_id.clone())
            .collect()
    };
    let list = |ids: BTreeSet<String>| ids.into_iter().collect::<Vec<_>>();

    let payments: HashMap<String, String> =
        store::payment_decisions(conn, &list(ids_of("payment")))?
            .into_iter()
            .collect();
    let claims: HashMap<String, (Option<String>, String)> =
        store::claim_sources(conn, &list(ids_of("repayment_claim")))?
            .into_iter()
            .map(|(id, report, decision)| (id, (report, decision)))
            .collect();
    let mut decision_ids = ids_of("decision");
    decision_ids.extend(payments.values().cloned());
    decision_ids.extend(
        claims
            .values()
            .filter(|(report, _)| report.is_none())
            .map(|(_, decision)| decision.clone()),
    );
    let decisions: HashMap<String, String> = store::decision_cases(conn, &list(decision_ids))?
        .into_iter()
        .filter_map(|(id, application)| application.map(|a| (id, a)))
        .collect();
    let mut application_ids = ids_of("application");
    application_ids.extend(decisions.values().cloned());
    let applications: HashMap<String, (String, bool)> =
        store::applications_for_links(conn, &list(application_ids))?
            .into_iter()
            .map(|(id, org, submitted)| (id, (org, submitted)))
            .collect();
    let mut report_ids = ids_of("report");
    report_ids.extend(claims.values().filter_map(|(report, _)| report.clone()));
    let reports: HashMap<String, String> = store::report_organisations(conn, &list(report_ids))?
        .into_iter()
        .collect();
    let calls: HashMap<String, String> = store::call_statuses(conn, &list(ids_of("call")))?
        .into_iter()
        .collect();
    let rounds: BTreeSet<String> =
        store::existing_rounds(conn, &list(ids_of("redistribution_round")))?
            .into_iter()
            .collect();
    let organisations: BTreeSet<String> =
        store::existing_organisations(conn, &list(ids_of("organisation")))?
            .into_iter()
            .collect();

    let application_page = |id: &String| {
        applications
            .get(id)
            .map(|(organisation_id, submitted)| ObjectPage::Application {
                id: id.clone(),
                organisation_id: organisation_id.clone(),
                submitted: *submitted,
            })
    };
    let report_page = |id: &String| {
        reports.get(id).map(|organisation_id| ObjectPage::Report {
            id: id.clone(),
            organisation_id: organisation_id.clone(),
        })
    };
    let decision_page = |id: &String| decisions.get(id).and_then(application_page);
    Ok(events
        .iter()
        .map(|event| {
            let id = event.entity_id.as_ref()?;
            let page = match event.entity_type.as_str() {
                "application" => application_page(id),
                "decision" => decision_page(id),
                "payment" => payments.get(id).and_then(decision_page),
                "repayment_claim" => match claims.get(id)? {
                    (Some(report), _) => report_page(report),
                    (None, decision) => decision_page(decision),
                },
                "report" => report_page(id),
                "call" => calls.get(id).map(|status| ObjectPage::Call {
                    id: id.clone(),
                    status: CallStatus::parse(status),
                }),
                "redistribution_round" => rounds
                    .contains(id)
                    .then(|| ObjectPage::Round { id: id.clone() }),
                "organisation" => organisations.contains(id).then(|| ObjectPage::Members {
                    organisation_id: id.clone(),
                }),
                _ => None,
            }?;
            href(viewer, &page)
        })
        .collect())
}

/// Entries per part of the CSV export: each part is one short read.
pub const EXPORT_PART: i64 = 1000;

/// The export's filter, for those who may read the trail (others are refused and
/// recorded, as for the page), or the problems with what was typed. A download itself is
/// not recorded: no export in the service is (reading changes nothing).
pub fn export_filter(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &TrailQuery,
    now: DateTime<Utc>,
) -> Result<Result<store::AuditFilter, FieldErrors>, AppError> {
    ensure_may_read(conn, actor, now)?;
    Ok(filter_from(query))
}

/// The export's first line.
pub fn csv_header() -> Result<Vec<u8>, AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::new();
    writer.row([
        "Tid (svensk tid)",
        "Händelse",
        "Händelsekod",
        "Vem",
        "Roll",
        "Objekt",
        "Objekttyp (kod)",
        "Objektets id",
        "Vad",
        "Detaljer",
        "Organisationens id",
        "Händelsens id",
    ])?;
    writer.finish()
}

/// A part of the export: its CSV lines, and where the next part starts (`None` when this
/// part was the last).
pub type ExportPart = (Vec<u8>, Option<store::TrailKey>);

/// The next part of the export after `after`; `Ok(None)`: nothing more.
pub fn export_part(
    conn: &mut DbConnection,
    filter: &store::AuditFilter,
    after: Option<&store::TrailKey>,
) -> Result<Option<ExportPart>, AppError> {
    let events = store::list_after(conn, filter, after, EXPORT_PART)?;
    let Some(last) = events.last().map(store::TrailKey::of) else {
        return Ok(None);
    };
    // A short part is the last: no query is made only to find nothing.
    let next = (events.len() as i64 == EXPORT_PART).then_some(last);
    Ok(Some((csv_rows(&events)?, next)))
}

/// Lines of the export after its header: labels beside the codes, so that a reader reads
/// and a filter in the spreadsheet still matches the code.
pub fn csv_rows(events: &[AuditEvent]) -> Result<Vec<u8>, AppError> {
    use crate::audit_labels::{action_or_code, entity_or_code, role_or_code};
    let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
    for e in events {
        writer.row([
            stockholm_seconds(e.occurred_at).as_str(),
            action_or_code(&e.action),
            e.action.as_str(),
            e.actor_email.as_deref().unwrap_or("Systemet"),
            e.actor_role.as_deref().map(role_or_code).unwrap_or(""),
            entity_or_code(&e.entity_type),
            e.entity_type.as_str(),
            e.entity_id.as_deref().unwrap_or(""),
            e.summary.as_str(),
            e.details.as_str(),
            e.actor_organisation_id.as_deref().unwrap_or(""),
            e.id.as_str(),
        ])?;
    }
    writer.finish()
}

/// `2020-06-30 16:00:05` in Stockholm: the export keeps the seconds the page leaves out.
fn stockholm_seconds(at: chrono::NaiveDateTime) -> String {
    use chrono::TimeZone;
    Utc.from_utc_datetime(&at)
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str) -> TrailQuery {
        TrailQuery {
            from: from.into(),
            to: to.into(),
            ..TrailQuery::default()
        }
    }

    #[test]
    fn days_are_swedish_days_and_the_last_is_included() {
        // Summer (UTC+2): 2020-06-30 00:00 in Stockholm is 22:00 UTC the day before.
        let filter = filter_from(&query("2020-06-30", "2020-06-30")).unwrap_or_default();
        assert_eq!(
            filter.occurred_from.map(|t| t.to_string()),
            Some("2020-06-29 22:00:00".to_string())
        );
        assert_eq!(
            filter.occurred_before.map(|t| t.to_string()),
            Some("2020-06-30 22:00:00".to_string())
        );
        // Winter (UTC+1).
        let filter = filter_from(&query("", "2020-01-31")).unwrap_or_default();
        assert_eq!(filter.occurred_from, None);
        assert_eq!(
            filter.occurred_before.map(|t| t.to_string()),
            Some("2020-01-31 23:00:00".to_string())
        );
    }

    #[test]
    fn unreadable_days_and_a_reversed_range_are_answered_by_field() {
        for bad in [
            "2020-02-30",
            "30/06/2020",
            "2020-6-30",
            "+12020-06-30",
            "idag",
        ] {
            let errors = filter_from(&query(bad, "")).err().unwrap_or_default();
            assert!(errors.get(field::FROM).is_some(), "{bad}");
        }
        let errors = filter_from(&query("2020-07-01", "2020-06-30"))
            .err()
            .unwrap_or_default();
        assert!(errors.get(field::TO).is_some_and(|m| m.contains("före")));
        // The last possible day has a next day.
        assert!(filter_from(&query("9999-12-31", "9999-12-31")).is_ok());
    }

    #[test]
    fn over_long_text_is_refused_and_blank_text_is_no_filter() {
        let long = TrailQuery {
            person: "a".repeat(PERSON_MAX + 1),
            object: "b".repeat(OBJECT_MAX + 1),
            event: "c".repeat(EVENT_MAX + 1),
            ..TrailQuery::default()
        };
        let errors = filter_from(&long).err().unwrap_or_default();
        for name in [field::PERSON, field::OBJECT, field::EVENT] {
            assert!(errors.get(name).is_some(), "{name}");
        }
        let blank = TrailQuery {
            person: "  ".into(),
            object: " ".into(),
            ..TrailQuery::default()
        };
        let filter = filter_from(&blank).unwrap_or_default();
        assert_eq!(filter.actor_email_contains, None);
        assert_eq!(filter.entity_id, None);
    }

    #[test]
    fn unreadable_page_numbers_are_the_first_page() {
        for (typed, page) in [("", 1), ("x", 1), ("0", 1), ("-3", 1), ("7", 7)] {
            let query = TrailQuery {
                page: typed.into(),
                ..TrailQuery::default()
            };
            assert_eq!(query.page_number(), page, "{typed}");
        }
    }

    fn viewer(role: Role, organisation: Option<&str>) -> Actor {
        Actor {
            user_id: "u".into(),
            email: "e@example.org".into(),
            name: "N".into(),
            role,
            organisation_id: organisation.map(str::to_string),
            organisation_name: None,
            org_role: organisation.map(|_| crate::codes::OrgRole::Representative),
            pin_masked: None,
        }
    }

    #[test]
    fn links_only_to_pages_the_reader_may_open() {
        let auditor = viewer(Role::Auditor, None);
        let admin = viewer(Role::Admin, None);
        let case = ObjectPage::Application {
            id: "a1".into(),
            organisation_id: "o1".into(),
            submitted: true,
        };
        assert_eq!(href(&auditor, &case).as_deref(), Some("/ansokningar/a1"));
        // The administrator manages accounts, not cases.
        assert_eq!(href(&admin, &case), None);
        // A draft is the organisation's own.
        let draft = ObjectPage::Application {
            id: "a2".into(),
            organisation_id: "o1".into(),
            submitted: false,
        };
        assert_eq!(href(&auditor, &draft), None);
        let members = ObjectPage::Members {
            organisation_id: "o1".into(),
        };
        assert_eq!(
            href(&admin, &members).as_deref(),
            Some("/organisationer/o1/personer")
        );
        assert_eq!(href(&auditor, &members), None);
        let draft_call = ObjectPage::Call {
            id: "c1".into(),
            status: Some(CallStatus::Draft),
        };
        assert_eq!(
            href(&auditor, &draft_call).as_deref(),
            Some("/utlysningar/c1")
        );
        assert_eq!(href(&admin, &draft_call), None);
    }
}
