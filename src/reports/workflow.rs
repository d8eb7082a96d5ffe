//! What happens to a report: the recipient starts it once the year's report has opened,
//! saves drafts, and a representative submits it, signing with name and role; the officer
//! asks for a supplement (answered in a new version) or approves it. Approval with unused
//! money makes a repayment claim with its letter; the officer records the money when it
//! comes in. Each step is one transaction with its audit entry and, where someone must be
//! told, its queued e-mail. Refusals are recorded before and outside the transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    Achievement, ClaimKind, ClaimStatus, Money, ReportInput, ReportStatus, StoredDraft, mail,
};
use crate::accounts::Actor;
use crate::audit;
use crate::codes::{DecisionKind, DecisionStatus, Role, SupplementStatus, VersionStatus};
use crate::db::calls::{CallDefinition, ExpectedResult};
use crate::db::decisions::Decision;
use crate::db::organisations::Organisation;
use crate::db::reports::{
    ClaimDocument, CostLine, FieldAnswer, RepaymentClaim, Report, ReportAnswer, ReportRules,
    ReportSupplementRequest, ReportVersion, Submission,
};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::money::Ore;
use crate::outbox::{self, Links, MailAttachment};
use crate::{access, clock};

pub mod action {
    pub const CREATED: &str = "report.created";
    pub const DRAFT_SAVED: &str = "report.draft_saved";
    pub const SUBMITTED: &str = "report.submitted";
    pub const SUPPLEMENT_REQUESTED: &str = "report.supplement_requested";
    pub const VERSION_CREATED: &str = "report.version_created";
    pub const APPROVED: &str = "report.approved";
    pub const REMINDER_SENT: &str = "report.reminder_sent";
    pub const RULES_CHANGED: &str = "report.rules_changed";
    pub const CLAIM_CREATED: &str = "repayment.created";
    pub const CLAIM_RECEIVED: &str = "repayment.received";
}

/// The call's report rules, or the defaults.
pub fn rules_for(conn: &mut DbConnection, call_id: &str) -> Result<ReportRules, AppError> {
    Ok(db::reports::rules(conn, call_id)?.unwrap_or_else(|| super::default_rules(call_id)))
}

fn definition_of(conn: &mut DbConnection, call_id: &str) -> Result<CallDefinition, AppError> {
    let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    Ok(db::calls::load_definition(conn, call)?)
}

fn schedule(
    def: &CallDefinition,
    rules: &ReportRules,
    year: i32,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    match (super::opens_on(rules, year), super::due_on(def, year)) {
        (Some(opens), Some(due)) => Ok((opens, due)),
        _ => Err(AppError::Internal(format!("no report days for {year}"))),
    }
}

/// Where a report owed for a grant year is, as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// The year's report has not opened yet.
    NotOpen,
    /// Open, but nobody has started it.
    NotStarted,
    Draft,
    Submitted,
    SupplementRequested,
    Approved,
}

impl SlotState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlotState::NotOpen => "not_open",
            SlotState::NotStarted => "not_started",
            SlotState::Draft => "draft",
            SlotState::Submitted => "submitted",
            SlotState::SupplementRequested => "supplement_requested",
            SlotState::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SlotState::NotOpen => "Inte öppen än",
            SlotState::NotStarted => "Ej påbörjad",
            SlotState::Draft => ReportStatus::Draft.label(),
            SlotState::Submitted => ReportStatus::Submitted.label(),
            SlotState::SupplementRequested => ReportStatus::SupplementRequested.label(),
            SlotState::Approved => ReportStatus::Approved.label(),
        }
    }
}

/// One report owed: a signed grant's year, with the report if it has been started.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub decision: Decision,
    pub organisation: Organisation,
    pub year: i32,
    pub granted: Ore,
    pub report: Option<Report>,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

impl Slot {
    pub fn state(&self, today: NaiveDate) -> SlotState {
        match &self.report {
            Some(r) => match r.status {
                ReportStatus::Draft => SlotState::Draft,
                ReportStatus::Submitted => SlotState::Submitted,
                ReportStatus::SupplementRequested => SlotState::SupplementRequested,
                ReportStatus::Approved => SlotState::Approved,
            },
            None if today < self.opens_on => SlotState::NotOpen,
            None => SlotState::NotStarted,
        }
    }

    /// Past the due day and not yet submitted. (A supplement has its own answer day, shown
    /// with the request.)
    pub fn overdue(&self, today: NaiveDate) -> bool {
        today > self.due_on
            && matches!(
                self.state(today),
                SlotState::NotStarted | SlotState::Draft | SlotState::NotOpen
            )
    }
}

/// The grant years that owe a report: a signed first grant's years whose amount, after
/// every signed change decision, is still above zero (a revoked year owes none). The amount
/// given is the one granted now.
pub fn owed_grant_years(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> Result<Vec<(Decision, i32, Ore)>, AppError> {
    let mut owed = Vec::new();
    for (decision, year, _) in db::reports::grant_years(conn, call_id, organisation_id)? {
        let now = crate::decisions::current_amounts(conn, &decision.id)?
            .get(&year)
            .copied()
            .unwrap_or(Ore::ZERO);
        if now.is_positive() {
            owed.push((decision, year, now));
        }
    }
    Ok(owed)
}

/// The reports owed in a call, of an organisation, or both, each with its report if started.
pub fn slots(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> Result<Vec<Slot>, AppError> {
    let filter = db::reports::OwedFilter {
        call_id: call_id.map(str::to_string),
        organisation_id: organisation_id.map(str::to_string),
        ..Default::default()
    };
    Ok(slots_page(conn, &filter, i64::MAX, 0)?.0)
}

/// One page of the reports owed that match the filter, in the order people read them (year,
/// organisation, registration number), and how many match in all. The database filters,
/// orders and counts; only the page's rows are read and built.
pub fn slots_page(
    conn: &mut DbConnection,
    filter: &db::reports::OwedFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Slot>, i64), AppError> {
    let (keys, total) = db::reports::owed_page(conn, filter, limit, offset)?;
    Ok((slots_of_keys(conn, keys)?, total))
}

/// The reports owed for these grant years (`owed_page`'s rows), in their order.
pub fn slots_of_keys(
    conn: &mut DbConnection,
    keys: Vec<db::reports::OwedKey>,
) -> Result<Vec<Slot>, AppError> {
    let decision_ids: Vec<String> = {
        let mut ids: Vec<String> = keys.iter().map(|(id, _, _)| id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let (found_decisions, found_organisations, found_reports) =
        db::reports::owed_parts(conn, &decision_ids)?;
    let decisions: HashMap<String, Decision> = found_decisions
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let organisations: HashMap<String, Organisation> = found_organisations
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let reports: HashMap<(String, i32), Report> = found_reports
        .into_iter()
        .map(|r| ((r.decision_id.clone(), r.year), r))
        .collect();
    let mut defs: HashMap<String, (CallDefinition, ReportRules)> = HashMap::new();
    let mut out = Vec::with_capacity(keys.len());
    for (decision_id, year, granted) in keys {
        let decision = decisions
            .get(&decision_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        if !defs.contains_key(&decision.call_id) {
            let def = definition_of(conn, &decision.call_id)?;
            let rules = rules_for(conn, &decision.call_id)?;
            defs.insert(decision.call_id.clone(), (def, rules));
        }
        let Some((def, rules)) = defs.get(&decision.call_id) else {
            continue;
        };
        let (opens_on, due_on) = schedule(def, rules, year)?;
        let organisation = organisations
            .get(&decision.organisation_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let report = reports.get(&(decision.id.clone(), year)).cloned();
        out.push(Slot {
            decision,
            organisation,
            year,
            granted,
            report,
            opens_on,
            due_on,
        });
    }
    Ok(out)
}

/// An organisation's own reports: its people, and the agency's staff and auditors.
pub fn slots_of_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Slot>, AppError> {
    check_organisation_reader(conn, actor, organisation_id, now)?;
    slots(conn, None, Some(organisation_id))
}

/// Whether someone may read an organisation's reports; a refusal is recorded.
pub fn check_organisation_reader(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !access::can_read_case(actor, organisation_id) {
        audit::record_denied(
            conn,
            actor,
            now,
            "organisation",
            Some(organisation_id),
            "se organisationens återrapporteringar",
        )?;
        return Err(refusal(actor));
    }
    Ok(())
}

fn refusal(actor: &Actor) -> AppError {
    if actor.role == Role::Applicant {
        AppError::NotFound
    } else {
        AppError::Forbidden
    }
}

/// The report, for someone who may read it. An applicant of another organisation is told
/// it does not exist; both refusals are recorded.
pub fn load_for_reader(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Report, AppError> {
    let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    if !access::can_read_case(actor, &report.organisation_id) {
        audit::record_denied(conn, actor, now, "report", Some(&report.id), what)?;
        return Err(refusal(actor));
    }
    Ok(report)
}

/// The report, for someone of its organisation who works on it.
pub fn load_for_applicant(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Report, AppError> {
    let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    if actor.role != Role::Applicant
        || actor.organisation_id.as_deref() != Some(report.organisation_id.as_str())
    {
        audit::record_denied(conn, actor, now, "report", Some(&report.id), what)?;
        return Err(
            if actor.role == Role::Applicant
                || !access::can_read_case(actor, &report.organisation_id)
            {
                refusal(actor)
            } else {
                AppError::Forbidden
            },
        );
    }
    if let Some(reason) = crate::access::org_refusal(actor, crate::access::OrgAction::EditCase) {
        audit::record_denied(conn, actor, now, "report", Some(&report.id), what)?;
        return Err(AppError::Refused(reason));
    }
    Ok(report)
}

fn load_for_officer(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Report, AppError> {
    let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    if actor.role != Role::Officer {
        audit::record_denied(conn, actor, now, "report", Some(&report.id), what)?;
        return Err(
            if actor.role == Role::Applicant
                && actor.organisation_id.as_deref() != Some(report.organisation_id.as_str())
            {
                AppError::NotFound
            } else {
                AppError::Forbidden
            },
        );
    }
    Ok(report)
}

/// The version being worked on, if there is one.
fn draft_of(versions: &[ReportVersion]) -> Option<&ReportVersion> {
    versions
        .iter()
        .rev()
        .find(|v| v.status == VersionStatus::Draft)
}

fn latest_submitted(versions: &[ReportVersion]) -> Option<&ReportVersion> {
    versions
        .iter()
        .rev()
        .find(|v| v.status == VersionStatus::Submitted)
}

/// Starts the organisation's report for a grant year, once it has opened. Starting again
/// gives the report already started.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    if actor.role != Role::Applicant
        || actor.organisation_id.as_deref() != Some(decision.organisation_id.as_str())
    {
        audit::record_denied(
            conn,
            actor,
            now,
            "decision",
            Some(&decision.id),
            "börja en återrapportering",
        )?;
        return Err(refusal(actor));
    }
    // Opening a report already started is working on it; starting one is a right of its own.
    if db::reports::find_for(conn, &decision.id, year)?.is_none()
        && let Some(reason) = crate::access::org_refusal(actor, crate::access::OrgAction::StartCase)
    {
        audit::record_denied(
            conn,
            actor,
            now,
            "decision",
            Some(&decision.id),
            "börja en återrapportering",
        )?;
        return Err(AppError::Refused(reason));
    }
    db::write_tx(conn, |conn| {
        if let Some(existing) = db::reports::find_for(conn, &decision.id, year)? {
            return Ok(existing);
        }
        if decision.status != DecisionStatus::Signed || decision.kind != DecisionKind::Grant {
            return Err(AppError::NotFound);
        }
        let granted = crate::decisions::current_amounts(conn, &decision.id)?
            .get(&year)
            .copied()
            .unwrap_or(Ore::ZERO);
        if !granted.is_positive() {
            return Err(AppError::NotFound);
        }
        let def = definition_of(conn, &decision.call_id)?;
        let rules = rules_for(conn, &decision.call_id)?;
        let (opens_on, due_on) = schedule(&def, &rules, year)?;
        if clock::stockholm_date(now) < opens_on {
            return Err(AppError::Conflict(format!(
                "Återrapporteringen för {year} öppnar {opens_on}, när bidragsåret har tagit slut."
            )));
        }
        let report = Report {
            id: db::new_id(),
            decision_id: decision.id.clone(),
            organisation_id: decision.organisation_id.clone(),
            year,
            status: ReportStatus::Draft,
            opens_on,
            due_on,
            created_at: now.naive_utc(),
            approved_at: None,
            approved_by: None,
        };
        db::reports::insert(conn, &report)?;
        db::reports::insert_version(conn, &new_version(&report.id, 1, None, actor, now))?;
        // The lists' kept row of the grant year now has a report.
        db::reports::refresh_slots(conn, &report.decision_id)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CREATED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Återrapportering för {year} påbörjad i ärende {}",
                    decision.registration_number
                ),
                details: json!({ "decision_id": decision.id, "year": year, "due_on": due_on }),
            },
        )?;
        Ok(report)
    })
}

fn new_version(
    report_id: &str,
    number: i32,
    supplement_request_id: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ReportVersion {
    ReportVersion {
        id: db::new_id(),
        report_id: report_id.to_string(),
        number,
        status: VersionStatus::Draft,
        created_at: now.naive_utc(),
        created_by: Some(actor.user_id.clone()),
        submitted_at: None,
        submitted_by: None,
        signer_name: None,
        signer_role: None,
        children_total: None,
        girls: None,
        boys: None,
        staff_fte_hundredths: None,
        received_ore: None,
        used_ore: None,
        unused_ore: None,
        supplement_request_id,
    }
}

fn frozen_message(report: &Report) -> String {
    match report.status {
        ReportStatus::Approved => {
            "Återrapporteringen är godkänd och kan inte längre ändras.".to_string()
        }
        _ => "Återrapporteringen är inlämnad och låst. Den kan bara ändras om handläggaren begär en komplettering.".to_string(),
    }
}

/// Saves what was typed into the draft. Nothing is stored unless all of it is well-formed.
pub fn save_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    input: &ReportInput,
    now: DateTime<Utc>,
) -> Result<ReportVersion, AppError> {
    load_for_applicant(conn, actor, report_id, now, "ändra en återrapportering")?;
    db::write_tx(conn, |conn| {
        db::reports::lock(conn, report_id)?;
        let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
        let versions = db::reports::versions(conn, &report.id)?;
        let version = draft_of(&versions)
            .cloned()
            .ok_or_else(|| AppError::Conflict(frozen_message(&report)))?;
        let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
        let def = definition_of(conn, &decision.call_id)?;
        let received = db::reports::received(
            conn,
            &decision.call_id,
            &report.organisation_id,
            report.year,
        )?;
        let content =
            super::parse(&def, report.year, input, received).map_err(AppError::Invalid)?;
        let answers: Vec<ReportAnswer> = content
            .answers
            .iter()
            .map(|(id, (achievement, activities, obstacles))| ReportAnswer {
                version_id: version.id.clone(),
                expected_result_id: id.clone(),
                achievement: *achievement,
                activities: activities.clone(),
                obstacles: obstacles.clone(),
            })
            .collect();
        let costs: Vec<CostLine> = content
            .costs
            .iter()
            .map(|(category, used)| CostLine {
                version_id: version.id.clone(),
                cost_category_id: category.clone(),
                used_ore: *used,
            })
            .collect();
        let fields: Vec<FieldAnswer> = content
            .fields
            .iter()
            .map(|(field_id, body)| FieldAnswer {
                version_id: version.id.clone(),
                field_id: field_id.clone(),
                body: body.clone(),
            })
            .collect();
        db::reports::replace_draft_rows(conn, &version.id, &answers, &costs)?;
        db::reports::replace_field_answers(conn, &version.id, &fields)?;
        db::reports::set_draft_staff(conn, &version.id, content.counts.staff_fte_hundredths)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::DRAFT_SAVED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Utkast till återrapportering för {} sparat, version {}",
                    report.year, version.number
                ),
                details: json!({
                    "version": version.number,
                    "answers": answers.len(),
                    "field_answers": fields.len(),
                    "used_ore": content.used().ore(),
                }),
            },
        )?;
        Ok(version)
    })
}

fn stored_draft(
    conn: &mut DbConnection,
    def: &CallDefinition,
    version: &ReportVersion,
    received: Ore,
) -> Result<StoredDraft, AppError> {
    let fields: std::collections::BTreeMap<String, String> =
        db::reports::field_answers(conn, &version.id)?
            .into_iter()
            .map(|a| (a.field_id, a.body))
            .collect();
    Ok(StoredDraft {
        answers: db::reports::answers(conn, &version.id)?,
        costs: db::reports::cost_lines(conn, &version.id)?,
        counts: super::counts_of(&def.report_form(), version.staff_fte_hundredths, &fields),
        received,
        fields,
    })
}

/// The named person who signs the report at submit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SubmitInput {
    #[serde(default)]
    pub signer_name: String,
    /// Their role at the organisation ("Regiondirektör", "Verksamhetschef").
    #[serde(default)]
    pub signer_role: String,
}

/// What the confirmation page needs to know before the report is submitted.
#[derive(Debug, Clone)]
pub struct SubmitCheck {
    pub problems: FieldErrors,
    pub blocked: Option<String>,
    pub money: Money,
}

fn signatory_refusal(actor: &Actor) -> Option<String> {
    crate::access::org_refusal(actor, crate::access::OrgAction::SubmitCase)
}

/// Checks a draft before submitting, without changing anything.
pub fn check_submit(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
) -> Result<SubmitCheck, AppError> {
    let report = load_for_applicant(conn, actor, report_id, now, "lämna in en återrapportering")?;
    let versions = db::reports::versions(conn, &report.id)?;
    let version = draft_of(&versions)
        .cloned()
        .ok_or_else(|| AppError::Conflict(frozen_message(&report)))?;
    let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
    let def = definition_of(conn, &decision.call_id)?;
    let received = db::reports::received(
        conn,
        &decision.call_id,
        &report.organisation_id,
        report.year,
    )?;
    let stored = stored_draft(conn, &def, &version, received)?;
    let money = Money {
        received,
        used: stored.costs.iter().map(|c| c.used_ore).sum(),
    };
    Ok(SubmitCheck {
        problems: super::check_complete(&def, report.year, &stored, None),
        blocked: signatory_refusal(actor),
        money,
    })
}

/// What the organisation sees after submitting.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub report_id: String,
    pub registration_number: String,
    pub year: i32,
    pub version: i32,
    pub submitted_at: chrono::NaiveDateTime,
    pub signer_name: String,
    pub signer_role: String,
    pub money: Money,
}

/// Submits the draft, signed by a named person with their role: the content is checked,
/// the money frozen as it stands (received from the payments), the version locked.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    input: &SubmitInput,
    signed: &crate::accounts::Signed,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Receipt, AppError> {
    load_for_applicant(conn, actor, report_id, now, "lämna in en återrapportering")?;
    if let Some(reason) = signatory_refusal(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "report",
            Some(report_id),
            "lämna in utan rätt att lämna in för organisationen",
        )?;
        return Err(AppError::Refused(reason));
    }
    db::write_tx(conn, |conn| {
        db::reports::lock(conn, report_id)?;
        let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
        let versions = db::reports::versions(conn, &report.id)?;
        let version = draft_of(&versions)
            .cloned()
            .ok_or_else(|| AppError::Conflict(frozen_message(&report)))?;
        let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
        let def = definition_of(conn, &decision.call_id)?;
        let received = db::reports::received(
            conn,
            &decision.call_id,
            &report.organisation_id,
            report.year,
        )?;
        let stored = stored_draft(conn, &def, &version, received)?;
        super::check_complete(
            &def,
            report.year,
            &stored,
            Some((&input.signer_name, &input.signer_role)),
        )
        .into_result()?;
        let money = Money {
            received,
            used: stored.costs.iter().map(|c| c.used_ore).sum(),
        };
        let signer_name = input.signer_name.trim().to_string();
        let signer_role = input.signer_role.trim().to_string();
        // Before the version is frozen.
        db::reports::record_signed(conn, &version.id, signed)?;
        let changed = db::reports::mark_version_submitted(
            conn,
            &version.id,
            &Submission {
                at: now.naive_utc(),
                by: &actor.user_id,
                signer_name: &signer_name,
                signer_role: &signer_role,
                received: money.received,
                used: money.used,
                unused: money.unused(),
            },
        )?;
        if changed != 1 {
            return Err(AppError::Conflict(frozen_message(&report)));
        }
        db::reports::set_status(conn, &report.id, ReportStatus::Submitted)?;
        db::reports::refresh_slots(conn, &report.decision_id)?;
        let organisation =
            db::organisations::find(conn, &report.organisation_id)?.ok_or(AppError::NotFound)?;
        let when = clock::format_stockholm(now.naive_utc());
        let link = mail::link(links, &report.id);
        if let Some(request_id) = &version.supplement_request_id {
            db::reports::mark_supplement_answered(conn, request_id, now.naive_utc())?;
            let requested_by = db::reports::supplement_requests(conn, &report.id)?
                .into_iter()
                .find(|r| &r.id == request_id)
                .map(|r| r.requested_by);
            if let Some(officer) = match requested_by {
                Some(id) => db::accounts::find(conn, &id)?,
                None => None,
            } {
                let message = mail::SupplementReceived {
                    registration_number: &decision.registration_number,
                    organisation: &organisation.name,
                    year: report.year,
                    version: version.number,
                    submitted_at: &when,
                    link: &link,
                };
                outbox::queue(
                    conn,
                    now,
                    outbox::About {
                        kind: outbox::kind::REPORT_SUPPLEMENT_RECEIVED,
                        case: decision.application_id.as_deref(),
                    },
                    &officer.email,
                    &message.subject(),
                    &message.body()?,
                )?;
            }
        }
        let signer = format!("{signer_name}, {signer_role}");
        let receipt = mail::Receipt {
            agency,
            registration_number: &decision.registration_number,
            organisation: &organisation.name,
            year: report.year,
            version: version.number,
            submitted_at: &when,
            signer: &signer,
            received: money.received.to_string(),
            used: money.used.to_string(),
            unused: money.unused().to_string(),
            has_unused: money.unused() > Ore::ZERO,
            link: &link,
            contact: &crate::agency::of_call(conn, &decision.call_id)?,
        };
        outbox::queue(
            conn,
            now,
            outbox::About {
                kind: outbox::kind::REPORT_RECEIPT,
                case: decision.application_id.as_deref(),
            },
            &actor.email,
            &receipt.subject(),
            &receipt.body()?,
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::SUBMITTED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Återrapportering {} för {} version {} inlämnad av {} ({signer}, {}) för {}: mottaget {}, använt {}, oanvänt {}",
                    decision.registration_number,
                    report.year,
                    version.number,
                    actor.name,
                    crate::accounts::Signed::in_words(Some(signed.method), signed.loa.as_deref()),
                    organisation.name,
                    money.received,
                    money.used,
                    money.unused()
                ),
                details: json!({
                    "version": version.number,
                    "signer_name": signer_name,
                    "signer_role": signer_role,
                    "signed_method": signed.method,
                    "signed_loa": signed.loa,
                    "received_ore": money.received.ore(),
                    "used_ore": money.used.ore(),
                    "unused_ore": money.unused().ore(),
                }),
            },
        )?;
        Ok(Receipt {
            report_id: report.id.clone(),
            registration_number: decision.registration_number.clone(),
            year: report.year,
            version: version.number,
            submitted_at: now.naive_utc(),
            signer_name,
            signer_role,
            money,
        })
    })
}

/// An officer's request for a supplement, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReportSupplementInput {
    /// What is missing.
    #[serde(default)]
    pub message: String,
    /// The day to answer by, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2022-04-15")]
    pub due_on: String,
}

fn parse_supplement(
    input: &ReportSupplementInput,
    today: NaiveDate,
) -> Result<(String, NaiveDate), AppError> {
    let mut errors = FieldErrors::new();
    let message = forms::required_text(
        &input.message,
        super::SUPPLEMENT_MESSAGE_MAX,
        "vad som ska kompletteras",
    )
    .map_err(|m| errors.add("message", m))
    .ok();
    let due_on = match forms::date(&input.due_on, "sista svarsdag") {
        Ok(day) if day < today => {
            errors.add("due_on", "Sista svarsdag kan inte ligga före i dag.");
            None
        }
        Ok(day) => Some(day),
        Err(m) => {
            errors.add("due_on", m);
            None
        }
    };
    errors.into_result()?;
    match (message, due_on) {
        (Some(m), Some(d)) => Ok((m, d)),
        _ => Err(AppError::Internal(
            "supplement input checked but missing".into(),
        )),
    }
}

/// The officer asks for a supplement; the organisation's people are told by e-mail.
pub fn request_supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    input: &ReportSupplementInput,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<ReportSupplementRequest, AppError> {
    load_for_officer(
        conn,
        actor,
        report_id,
        now,
        "begära komplettering av en återrapportering",
    )?;
    db::write_tx(conn, |conn| {
        db::reports::lock(conn, report_id)?;
        let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
        if report.status != ReportStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "Återrapporteringen har status \"{}\". Komplettering kan begäras när den är inlämnad och inte godkänd.",
                report.status.label()
            )));
        }
        let (message, due_on) = parse_supplement(input, clock::stockholm_date(now))?;
        let request = ReportSupplementRequest {
            id: db::new_id(),
            report_id: report.id.clone(),
            requested_by: actor.user_id.clone(),
            requested_at: now.naive_utc(),
            message,
            due_on,
            status: SupplementStatus::Open,
            answered_at: None,
        };
        db::reports::insert_supplement_request(conn, &request)?;
        db::reports::set_status(conn, &report.id, ReportStatus::SupplementRequested)?;
        db::reports::refresh_slots(conn, &report.decision_id)?;
        let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
        let organisation =
            db::organisations::find(conn, &report.organisation_id)?.ok_or(AppError::NotFound)?;
        let due = due_on.to_string();
        let link = mail::link(links, &report.id);
        let message = mail::SupplementRequested {
            agency,
            registration_number: &decision.registration_number,
            organisation: &organisation.name,
            year: report.year,
            message: &request.message,
            due_on: &due,
            link: &link,
            contact: &crate::agency::of_call(conn, &decision.call_id)?,
        };
        let (subject, body) = (message.subject(), message.body()?);
        for person in db::accounts::of_organisation(conn, &organisation.id)? {
            outbox::queue(
                conn,
                now,
                outbox::About {
                    kind: outbox::kind::REPORT_SUPPLEMENT_REQUESTED,
                    case: decision.application_id.as_deref(),
                },
                &person.email,
                &subject,
                &body,
            )?;
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::SUPPLEMENT_REQUESTED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Komplettering av återrapportering {} för {} begärd av {}, svar senast {due_on}",
                    decision.registration_number, report.year, actor.name
                ),
                details: json!({
                    "supplement_request_id": request.id,
                    "due_on": due_on,
                    "message": request.message,
                }),
            },
        )?;
        Ok(request)
    })
}

/// Opens a new version to answer the open supplement request: a copy of the latest
/// submitted version. Returns the draft (the existing one if the answer was already begun).
pub fn begin_supplement_answer(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
) -> Result<ReportVersion, AppError> {
    load_for_applicant(
        conn,
        actor,
        report_id,
        now,
        "komplettera en återrapportering",
    )?;
    db::write_tx(conn, |conn| {
        db::reports::lock(conn, report_id)?;
        let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
        let versions = db::reports::versions(conn, &report.id)?;
        if let Some(draft) = draft_of(&versions) {
            return Ok(draft.clone());
        }
        let request = db::reports::supplement_requests(conn, &report.id)?
            .into_iter()
            .find(|r| r.status == SupplementStatus::Open)
            .filter(|_| report.status == ReportStatus::SupplementRequested)
            .ok_or_else(|| {
                AppError::Conflict(
                    "Ingen komplettering är begärd av den här återrapporteringen.".into(),
                )
            })?;
        let latest = latest_submitted(&versions).cloned().ok_or_else(|| {
            AppError::Conflict("Återrapporteringen har ingen inlämnad version.".into())
        })?;
        let number = versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
        let version = new_version(&report.id, number, Some(request.id.clone()), actor, now);
        db::reports::insert_version(conn, &version)?;
        let answers: Vec<ReportAnswer> = db::reports::answers(conn, &latest.id)?
            .into_iter()
            .map(|a| ReportAnswer {
                version_id: version.id.clone(),
                ..a
            })
            .collect();
        let costs: Vec<CostLine> = db::reports::cost_lines(conn, &latest.id)?
            .into_iter()
            .map(|c| CostLine {
                version_id: version.id.clone(),
                ..c
            })
            .collect();
        // The call's own fields are copied too, so the new version starts from all of the
        // one it supplements.
        let fields: Vec<FieldAnswer> = db::reports::field_answers(conn, &latest.id)?
            .into_iter()
            .map(|a| FieldAnswer {
                version_id: version.id.clone(),
                ..a
            })
            .collect();
        db::reports::replace_draft_rows(conn, &version.id, &answers, &costs)?;
        db::reports::replace_field_answers(conn, &version.id, &fields)?;
        db::reports::set_draft_staff(conn, &version.id, latest.staff_fte_hundredths)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::VERSION_CREATED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Version {number} av återrapporteringen påbörjad som svar på komplettering, utgår från version {}",
                    latest.number
                ),
                details: json!({
                    "version": number,
                    "from_version": latest.number,
                    "supplement_request_id": request.id,
                }),
            },
        )?;
        Ok(version)
    })
}

/// The officer approves the submitted report. Unused money becomes a repayment claim of
/// exactly that amount, with its letter (PDF, stored with its SHA-256) sent to the
/// organisation's people. Returns the claim, if one was made.
pub fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Option<RepaymentClaim>, AppError> {
    load_for_officer(conn, actor, report_id, now, "godkänna en återrapportering")?;
    db::write_tx(conn, |conn| {
        db::reports::lock(conn, report_id)?;
        let report = db::reports::find(conn, report_id)?.ok_or(AppError::NotFound)?;
        if report.status != ReportStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "Återrapporteringen har status \"{}\". Bara en inlämnad återrapportering kan godkännas.",
                report.status.label()
            )));
        }
        let versions = db::reports::versions(conn, &report.id)?;
        let version = latest_submitted(&versions).cloned().ok_or_else(|| {
            AppError::Conflict("Återrapporteringen har ingen inlämnad version.".into())
        })?;
        let money = Money {
            received: version.received_ore.unwrap_or(Ore::ZERO),
            used: version.used_ore.unwrap_or(Ore::ZERO),
        };
        if db::reports::mark_approved(conn, &report.id, &actor.user_id, now.naive_utc())? != 1 {
            return Err(AppError::Conflict(
                "Återrapporteringen godkändes nyss av någon annan. Ladda om sidan.".into(),
            ));
        }
        db::reports::refresh_slots(conn, &report.decision_id)?;
        let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
        let organisation =
            db::organisations::find(conn, &report.organisation_id)?.ok_or(AppError::NotFound)?;
        let today = clock::stockholm_date(now);
        let link = mail::link(links, &report.id);
        let mut claim_text = None;
        let mut attachment = None;
        let mut made = None;
        if money.to_repay() > Ore::ZERO {
            let def = definition_of(conn, &decision.call_id)?;
            let rules = rules_for(conn, &decision.call_id)?;
            let claim = RepaymentClaim {
                id: db::new_id(),
                organisation_id: report.organisation_id.clone(),
                decision_id: decision.id.clone(),
                report_id: Some(report.id.clone()),
                call_id: decision.call_id.clone(),
                year: report.year,
                kind: ClaimKind::Repayment,
                amount_ore: money.to_repay(),
                reason: format!(
                    "Outnyttjat statsbidrag för {} enligt godkänd återrapportering, version {}",
                    report.year, version.number
                ),
                payment_reference: super::payment_reference(
                    &decision.registration_number,
                    report.year,
                ),
                due_on: super::repayment_due(&rules, today),
                status: ClaimStatus::Open,
                received_on: None,
                created_at: now.naive_utc(),
                created_by: actor.user_id.clone(),
                received_by: None,
            };
            db::reports::insert_claim(conn, &claim)?;
            let letter = super::letter::build(
                &def,
                &decision,
                &organisation,
                &claim,
                money,
                &actor.name,
                today,
                now,
            );
            let bytes =
                crate::letters::render(&letter).map_err(|e| AppError::Internal(e.to_string()))?;
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let filename = super::letter::filename(&claim);
            db::reports::insert_claim_document(
                conn,
                &ClaimDocument {
                    claim_id: claim.id.clone(),
                    filename: filename.clone(),
                    sha256: sha256.clone(),
                    content: bytes.clone(),
                    created_at: now.naive_utc(),
                },
            )?;
            claim_text = Some(mail::ClaimText {
                amount: claim.amount_ore.to_string(),
                reference: claim.payment_reference.clone(),
                due_on: claim.due_on.to_string(),
                sha256: sha256.clone(),
            });
            attachment = Some(MailAttachment {
                filename,
                content_type: "application/pdf".into(),
                content: bytes,
            });
            audit::record(
                conn,
                Some(actor),
                now,
                audit::Entry {
                    action: action::CLAIM_CREATED,
                    entity_type: "repayment_claim",
                    entity_id: Some(&claim.id),
                    summary: format!(
                        "Återbetalning {} begärd av {} för {}, referens {}, senast {}",
                        claim.amount_ore,
                        organisation.name,
                        report.year,
                        claim.payment_reference,
                        claim.due_on
                    ),
                    details: json!({
                        "report_id": report.id,
                        "amount_ore": claim.amount_ore.ore(),
                        "payment_reference": claim.payment_reference,
                        "due_on": claim.due_on,
                        "letter_sha256": sha256,
                    }),
                },
            )?;
            made = Some(claim);
        }
        let message = mail::Approved {
            agency,
            registration_number: &decision.registration_number,
            organisation: &organisation.name,
            year: report.year,
            claim: claim_text,
            link: &link,
            contact: &crate::agency::of_call(conn, &decision.call_id)?,
        };
        let (subject, body) = (message.subject(), message.body()?);
        for person in db::accounts::of_organisation(conn, &organisation.id)? {
            match &attachment {
                Some(a) => outbox::queue_with_attachment(
                    conn,
                    now,
                    outbox::About {
                        kind: outbox::kind::REPORT_APPROVED,
                        case: decision.application_id.as_deref(),
                    },
                    &person.email,
                    &subject,
                    &body,
                    a.clone(),
                )?,
                None => outbox::queue(
                    conn,
                    now,
                    outbox::About {
                        kind: outbox::kind::REPORT_APPROVED,
                        case: decision.application_id.as_deref(),
                    },
                    &person.email,
                    &subject,
                    &body,
                )?,
            }
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::APPROVED,
                entity_type: "report",
                entity_id: Some(&report.id),
                summary: format!(
                    "Återrapportering {} för {} godkänd av {} (version {}): oanvänt {}",
                    decision.registration_number,
                    report.year,
                    actor.name,
                    version.number,
                    money.unused()
                ),
                details: json!({
                    "version": version.number,
                    "unused_ore": money.unused().ore(),
                    "claim_id": made.as_ref().map(|c| c.id.clone()),
                }),
            },
        )?;
        Ok(made)
    })
}

/// The day the repaid money came in, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReceivedInput {
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2022-05-02")]
    pub received_on: String,
}

fn parse_received_on(input: &ReceivedInput, now: DateTime<Utc>) -> Result<NaiveDate, AppError> {
    match forms::date(&input.received_on, "dagen pengarna kom in") {
        Ok(day) if day > clock::stockholm_date(now) => Err(AppError::invalid(
            "received_on",
            "Dagen pengarna kom in kan inte ligga i framtiden.",
        )),
        Ok(day) => Ok(day),
        Err(m) => Err(AppError::invalid("received_on", m)),
    }
}

/// Marks a claim received inside the caller's transaction, with its audit entry.
fn mark_received(
    conn: &mut DbConnection,
    actor: &Actor,
    claim: RepaymentClaim,
    received_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<RepaymentClaim, AppError> {
    if received_on < claim.created_at.date() {
        return Err(AppError::invalid(
            "received_on",
            format!(
                "Beloppet begärdes {}; det kan inte ha kommit in före dess.",
                claim.created_at.date()
            ),
        ));
    }
    if db::reports::mark_claim_received(conn, &claim.id, received_on, &actor.user_id)? != 1 {
        return Err(AppError::Conflict(format!(
            "{} har redan status \"{}\" och kan inte registreras igen.",
            claim.kind.label(),
            claim.status.label()
        )));
    }
    // A repayment received counts in the overview's sums.
    db::reports::refresh_slots(conn, &claim.decision_id)?;
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::CLAIM_RECEIVED,
            entity_type: "repayment_claim",
            entity_id: Some(&claim.id),
            summary: format!(
                "{} {} (referens {}) inbetald {received_on}, registrerad av {}",
                claim.kind.label(),
                claim.amount_ore,
                claim.payment_reference,
                actor.name
            ),
            details: json!({
                "report_id": claim.report_id,
                "decision_id": claim.decision_id,
                "kind": claim.kind.as_str(),
                "amount_ore": claim.amount_ore.ore(),
                "received_on": received_on,
            }),
        },
    )?;
    Ok(RepaymentClaim {
        status: ClaimStatus::Received,
        received_on: Some(received_on),
        received_by: Some(actor.user_id.clone()),
        ..claim
    })
}

/// The officer records that the repayment has come in: from then on it counts as repaid,
/// and what can be redistributed for the year grows by the amount.
pub fn record_received(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    input: &ReceivedInput,
    now: DateTime<Utc>,
) -> Result<RepaymentClaim, AppError> {
    load_for_officer(conn, actor, report_id, now, "registrera en återbetalning")?;
    let received_on = parse_received_on(input, now)?;
    db::write_tx(conn, |conn| {
        let claim = db::reports::claims_of_report(conn, report_id)?
            .into_iter()
            .find(|c| c.kind == ClaimKind::Repayment)
            .ok_or_else(|| {
                AppError::Conflict(
                    "Det finns ingen återbetalning att registrera för den här återrapporteringen."
                        .into(),
                )
            })?;
        mark_received(conn, actor, claim, received_on, now)
    })
}

/// The officer records that money claimed back by a change decision (återkrav) has come
/// in. It is shown on the dashboard as reclaimed; it does not add to what is available,
/// since the change decision already lowered what is granted.
pub fn record_reclaim_received(
    conn: &mut DbConnection,
    actor: &Actor,
    claim_id: &str,
    input: &ReceivedInput,
    now: DateTime<Utc>,
) -> Result<RepaymentClaim, AppError> {
    if actor.role != Role::Officer {
        audit::record_denied(
            conn,
            actor,
            now,
            "repayment_claim",
            Some(claim_id),
            "registrera ett återkrav som inbetalt",
        )?;
        return Err(refusal(actor));
    }
    let received_on = parse_received_on(input, now)?;
    db::write_tx(conn, |conn| {
        let claim = db::reports::claims_of_id(conn, claim_id)?.ok_or(AppError::NotFound)?;
        if claim.kind != ClaimKind::Reclaim {
            return Err(AppError::NotFound);
        }
        mark_received(conn, actor, claim, received_on, now)
    })
}

/// The repayment claim's letter, for whoever may read the report.
pub fn claim_letter(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
) -> Result<ClaimDocument, AppError> {
    load_for_reader(conn, actor, report_id, now, "hämta brev om återbetalning")?;
    let claim = db::reports::claims_of_report(conn, report_id)?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    db::reports::claim_document(conn, &claim.id)?.ok_or(AppError::NotFound)
}

/// One version with what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: ReportVersion,
    pub answers: Vec<ReportAnswer>,
    pub costs: Vec<CostLine>,
    /// Answers to the call's own report-back fields.
    pub fields: Vec<FieldAnswer>,
}

impl VersionView {
    pub fn answer(&self, expected_result_id: &str) -> Option<&ReportAnswer> {
        self.answers
            .iter()
            .find(|a| a.expected_result_id == expected_result_id)
    }

    pub fn used_in(&self, category_id: &str) -> Option<Ore> {
        self.costs
            .iter()
            .find(|c| c.cost_category_id == category_id)
            .map(|c| c.used_ore)
    }

    pub fn used(&self) -> Ore {
        self.costs.iter().map(|c| c.used_ore).sum()
    }

    pub fn is_draft(&self) -> bool {
        self.version.status == VersionStatus::Draft
    }

    /// The answers to the call's own fields: field id → stored answer.
    pub fn field_bodies(&self) -> std::collections::BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|a| (a.field_id.clone(), a.body.clone()))
            .collect()
    }
}

/// A report with everything its page and the API show.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub report: Report,
    pub decision: Decision,
    pub organisation: Organisation,
    #[serde(skip)]
    pub definition: CallDefinition,
    /// Drafts only for the organisation's own people.
    pub versions: Vec<VersionView>,
    pub supplements: Vec<ReportSupplementRequest>,
    pub claims: Vec<RepaymentClaim>,
    /// Received for the year from the payments, as of now (a submitted version keeps the
    /// figure it was submitted with).
    pub received_now: Ore,
    pub overdue: bool,
}

impl ReportView {
    pub fn results(&self) -> Vec<&ExpectedResult> {
        self.definition
            .expected_results
            .iter()
            .filter(|r| r.year == self.report.year)
            .collect()
    }

    pub fn draft(&self) -> Option<&VersionView> {
        self.versions.iter().rev().find(|v| v.is_draft())
    }

    pub fn latest_submitted(&self) -> Option<&VersionView> {
        self.versions.iter().rev().find(|v| !v.is_draft())
    }

    pub fn open_supplement(&self) -> Option<&ReportSupplementRequest> {
        self.supplements
            .iter()
            .rev()
            .find(|s| s.status == SupplementStatus::Open)
    }

    /// The money of a version: frozen at submit, or as it stands for a draft.
    pub fn money_of(&self, version: &VersionView) -> Money {
        Money {
            received: version.version.received_ore.unwrap_or(self.received_now),
            used: version.used(),
        }
    }
}

/// A report, for whoever may read it.
pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    report_id: &str,
    now: DateTime<Utc>,
) -> Result<ReportView, AppError> {
    let report = load_for_reader(conn, actor, report_id, now, "läsa en återrapportering")?;
    let decision = db::decisions::find(conn, &report.decision_id)?.ok_or(AppError::NotFound)?;
    let organisation =
        db::organisations::find(conn, &report.organisation_id)?.ok_or(AppError::NotFound)?;
    let definition = definition_of(conn, &decision.call_id)?;
    let own = actor.organisation_id.as_deref() == Some(report.organisation_id.as_str());
    let mut versions = Vec::new();
    for version in db::reports::versions(conn, &report.id)? {
        if version.status == VersionStatus::Draft && !own {
            continue;
        }
        versions.push(VersionView {
            answers: db::reports::answers(conn, &version.id)?,
            costs: db::reports::cost_lines(conn, &version.id)?,
            fields: db::reports::field_answers(conn, &version.id)?,
            version,
        });
    }
    let received_now = db::reports::received(
        conn,
        &decision.call_id,
        &report.organisation_id,
        report.year,
    )?;
    let today = clock::stockholm_date(now);
    let overdue = today > report.due_on && report.status == ReportStatus::Draft;
    Ok(ReportView {
        supplements: db::reports::supplement_requests(conn, &report.id)?,
        claims: db::reports::claims_of_report(conn, &report.id)?,
        report,
        decision,
        organisation,
        definition,
        versions,
        received_now,
        overdue,
    })
}

/// A call's report rules as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RulesInput {
    /// Days after 1 January following the grant year that reports open (may be negative).
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "0")]
    pub opens_offset_days: String,
    /// Days before the due day that the reminder goes out.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "14")]
    pub reminder_days_before: String,
    /// Days after approval that a repayment is due.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "30")]
    pub repayment_due_days: String,
}

/// Officers set a call's report rules; reports already started keep their days.
pub fn set_rules(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    input: &RulesInput,
    now: DateTime<Utc>,
) -> Result<ReportRules, AppError> {
    if actor.role != Role::Officer {
        audit::record_denied(
            conn,
            actor,
            now,
            "call",
            Some(call_id),
            "ändra reglerna för återrapportering",
        )?;
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let mut number = |field: &str, text: &str, min: i64, max: i64, what: &str| {
        forms::integer(text, min, max, what)
            .map_err(|m| errors.add(field, m))
            .unwrap_or(0) as i32
    };
    let rules = ReportRules {
        call_id: call_id.to_string(),
        opens_offset_days: number(
            "opens_offset_days",
            &input.opens_offset_days,
            -90,
            365,
            "antal dagar",
        ),
        reminder_days_before: number(
            "reminder_days_before",
            &input.reminder_days_before,
            1,
            90,
            "antal dagar",
        ),
        repayment_due_days: number(
            "repayment_due_days",
            &input.repayment_due_days,
            1,
            365,
            "antal dagar",
        ),
    };
    errors.into_result()?;
    db::write_tx(conn, |conn| {
        db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        db::reports::save_rules(conn, &rules)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::RULES_CHANGED,
                entity_type: "call",
                entity_id: Some(call_id),
                summary: format!(
                    "Regler för återrapportering ändrade av {}: öppnar {} dagar efter årsskiftet, påminnelse {} dagar före sista dag, återbetalning inom {} dagar",
                    actor.name,
                    rules.opens_offset_days,
                    rules.reminder_days_before,
                    rules.repayment_due_days
                ),
                details: json!(rules),
            },
        )?;
        Ok(rules.clone())
    })
}

/// The label of an achievement code, for templates.
pub fn achievement_label(code: Option<Achievement>) -> &'static str {
    code.map(Achievement::label).unwrap_or("–")
}
