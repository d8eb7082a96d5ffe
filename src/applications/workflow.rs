//! What happens to a case: an applicant starts it, saves drafts, submits it before the
//! deadline; an officer asks for a supplement, the applicant answers it in a new version,
//! the officer finds the case complete. Each step is one transaction with its audit entry
//! and, where someone must be told, its queued e-mail.

use crate::calls::form::{self, FieldKind, FormField};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::draft::{self, DraftInput, StoredDraft};
use crate::access;
use crate::accounts::Actor;
use crate::audit::{self, action};
use crate::calls::{self, CallPhase};
use crate::clock;
use crate::codes::{
    ApplicationKind, ApplicationStatus, CallStatus, Role, SupplementStatus, VersionStatus,
};
use crate::db::applications::{
    Answer, Application, Attachment, BudgetLine, StaffLine, SupplementRequest, Version, YearRequest,
};
use crate::db::calls::CallDefinition;
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::outbox::{self, Links};
use crate::registration;

pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const ATTACHMENTS_PER_VERSION: usize = 20;
pub const SUPPLEMENT_MESSAGE_MAX: usize = 4000;

/// The case, loaded for an applicant who works on it. Someone of another organisation is
/// told it does not exist; someone who is not an applicant is refused. Both are recorded.
fn load_for_applicant(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    match applicant_refusal(conn, actor, &application, now, what)? {
        Some(refusal) => Err(refusal),
        None => Ok(application),
    }
}

/// Why the person may not work on the case as its applicant, recorded; `None` when they
/// may. The outer error is the database's.
fn applicant_refusal(
    conn: &mut DbConnection,
    actor: &Actor,
    application: &Application,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Option<AppError>, AppError> {
    if actor.role != Role::Applicant {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Ok(Some(AppError::Forbidden));
    }
    if actor.organisation_id.as_deref() != Some(application.organisation_id.as_str()) {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Ok(Some(AppError::NotFound));
    }
    if let Some(reason) = crate::access::org_refusal(actor, crate::access::OrgAction::EditCase) {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Ok(Some(AppError::Refused(reason)));
    }
    Ok(None)
}

/// The case in a write transaction, its row locked (PostgreSQL; on SQLite the transaction
/// holds the database), for its applicant. `Ok(Err(refusal))`: refused, and the refusal
/// recorded in the transaction, which the caller commits (so the record stays, with
/// nothing else written) before answering the refusal. Checking inside the transaction
/// reads the case once, where a check before it read it twice and committed a refusal
/// on its own.
fn lock_for_applicant(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Result<Application, AppError>, AppError> {
    let application =
        db::applications::find_for_update(conn, application_id)?.ok_or(AppError::NotFound)?;
    Ok(
        match applicant_refusal(conn, actor, &application, now, what)? {
            Some(refusal) => Err(refusal),
            None => Ok(application),
        },
    )
}

/// Refuses (and records) anyone but the applicant's own organisation working on a case;
/// for pages that show the draft before any step is taken.
pub fn ensure_applicant_access(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), AppError> {
    load_for_applicant(conn, actor, application_id, now, what).map(|_| ())
}

/// The case, loaded for an officer who handles it.
fn load_for_officer(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    if actor.role != Role::Officer {
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Err(
            if actor.role == Role::Applicant
                && actor.organisation_id.as_deref() != Some(application.organisation_id.as_str())
            {
                AppError::NotFound
            } else {
                AppError::Forbidden
            },
        );
    }
    if application.submitted_at.is_none() {
        // A draft never sent in is not a case yet: there is nothing to handle, and the
        // agency does not learn of it.
        audit::record_denied(conn, actor, now, "application", Some(&application.id), what)?;
        return Err(AppError::NotFound);
    }
    Ok(application)
}

/// The version being worked on, if there is one.
pub fn draft_version(
    conn: &mut DbConnection,
    application_id: &str,
) -> Result<Option<Version>, AppError> {
    Ok(db::applications::versions(conn, application_id)?
        .into_iter()
        .rev()
        .find(|v| v.status == VersionStatus::Draft))
}

fn definition_of(conn: &mut DbConnection, call_id: &str) -> Result<CallDefinition, AppError> {
    let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    Ok(db::calls::load_definition(conn, call)?)
}

/// Why an organisation may not start an application to a call now, if it may not.
pub fn start_refusal(
    def: &CallDefinition,
    organisation: &db::organisations::Organisation,
    now: DateTime<Utc>,
) -> Option<String> {
    match calls::phase(&def.call, now) {
        CallPhase::Open => {}
        CallPhase::NotYetOpen => {
            return Some(format!(
                "Utlysningen öppnar {}. Det går inte att börja en ansökan före dess.",
                def.call.opens_on
            ));
        }
        CallPhase::DeadlinePassed | CallPhase::ClosedEarly => {
            return Some("Utlysningen är stängd. Det går inte längre att ansöka.".into());
        }
        CallPhase::Draft => return Some("Utlysningen är inte publicerad.".into()),
    }
    if !calls::is_eligible_kind(def, organisation.kind) {
        let kinds = def
            .eligible_kinds
            .iter()
            .map(|k| k.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        return Some(format!(
            "Utlysningen riktar sig till: {kinds}. {} kan inte söka.",
            organisation.name
        ));
    }
    None
}

/// Why an organisation may not apply now, including what depends on the database: a call
/// that requires approved report-backs for the organisation's earlier grants in the
/// programme names the ones that are missing.
pub fn eligibility_refusal(
    conn: &mut DbConnection,
    def: &CallDefinition,
    organisation: &db::organisations::Organisation,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    if let Some(reason) = start_refusal(def, organisation, now) {
        return Ok(Some(reason));
    }
    if !def.call.requires_approved_reports {
        return Ok(None);
    }
    let mut missing: Vec<String> = Vec::new();
    for (decision_id, registration_number, year) in db::eligibility::earlier_grant_years(
        conn,
        &def.programme.id,
        &def.call.id,
        &organisation.id,
    )? {
        let granted_now = crate::decisions::current_amounts(conn, &decision_id)?
            .get(&year)
            .copied()
            .unwrap_or(crate::money::Ore::ZERO);
        if granted_now.is_positive() && !db::eligibility::report_approved(conn, &decision_id, year)?
        {
            missing.push(format!("{year} ({registration_number})"));
        }
    }
    Ok((!missing.is_empty()).then(|| {
        format!(
            "Utlysningen kräver att tidigare beviljade medel i programmet är korrekt återrapporterade. För {} är återrapporteringen inte godkänd för: {}.",
            organisation.name,
            missing.join(", ")
        )
    }))
}

/// Starts the organisation's application to a call: the case and its first draft.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<Application, AppError> {
    if actor.role != Role::Applicant {
        audit::record_denied(conn, actor, now, "call", Some(call_id), "starta en ansökan")?;
        return Err(AppError::Forbidden);
    }
    if let Some(reason) = crate::access::org_refusal(actor, crate::access::OrgAction::StartCase) {
        audit::record_denied(conn, actor, now, "call", Some(call_id), "starta en ansökan")?;
        return Err(AppError::Refused(reason));
    }
    db::write_tx(conn, |conn| {
        let org_id = actor.organisation_id.clone().ok_or(AppError::Forbidden)?;
        let def = calls::definition(conn, Some(actor), call_id)?;
        let organisation = db::organisations::find(conn, &org_id)?.ok_or(AppError::NotFound)?;
        if let Some(existing) = db::applications::find_initial(conn, call_id, &org_id)? {
            return Err(AppError::Conflict(format!(
                "{} har redan en ansökan i den här utlysningen ({}). En organisation kan söka en gång per utlysning.",
                organisation.name,
                existing
                    .registration_number
                    .unwrap_or_else(|| "utkast".to_string())
            )));
        }
        if let Some(reason) = eligibility_refusal(conn, &def, &organisation, now)? {
            return Err(AppError::Conflict(reason));
        }
        let application = Application {
            id: db::new_id(),
            call_id: call_id.to_string(),
            organisation_id: org_id,
            kind: ApplicationKind::Initial,
            redistribution_round_id: None,
            status: ApplicationStatus::Draft,
            registration_number: None,
            project_title: String::new(),
            source_note: None,
            created_by: Some(actor.user_id.clone()),
            created_at: now.naive_utc(),
            submitted_at: None,
            submitted_by: None,
        };
        db::applications::insert(conn, &application)?;
        db::applications::insert_version(
            conn,
            &Version {
                id: db::new_id(),
                application_id: application.id.clone(),
                number: 1,
                status: VersionStatus::Draft,
                supplement_request_id: None,
                created_at: now.naive_utc(),
                created_by: Some(actor.user_id.clone()),
                submitted_at: None,
                submitted_by: None,
                supplement_answer: None,
                reasons: None,
            },
        )?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::APPLICATION_CREATED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "{} började en ansökan till {}",
                    organisation.name, def.call.title
                ),
                details: json!({ "call_id": call_id }),
            },
        )?;
        Ok(application)
    })
}

/// Whether the draft may change the budget: a first version always, an answer to a
/// supplement only where the officer asked for a changed budget.
fn budget_editable(conn: &mut DbConnection, version: &Version) -> Result<bool, AppError> {
    match &version.supplement_request_id {
        None => Ok(true),
        Some(id) => Ok(db::applications::find_supplement_request(conn, id)?
            .map(|r| r.budget_change_allowed)
            .unwrap_or(false)),
    }
}

/// Saves what the applicant typed into the draft. Nothing is stored unless all of it is
/// well-formed; the caller shows the form again with every value as typed.
pub fn save_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<Version, AppError> {
    // One transaction, one commit: a refusal is recorded and committed in it (it must stay
    // on record), a save is written and committed with its audit entry.
    db::write_tx(conn, |conn| {
        let application =
            match lock_for_applicant(conn, actor, application_id, now, "ändra en ansökan")? {
                Ok(application) => application,
                Err(refusal) => return Ok(Err(refusal)),
            };
        save_draft_locked(conn, actor, application, input, now).map(Ok)
    })?
}

/// The saving of a draft, inside the caller's transaction, access checked before (see
/// [`save_draft`]).
fn save_draft_in(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<Version, AppError> {
    let application =
        db::applications::find_for_update(conn, application_id)?.ok_or(AppError::NotFound)?;
    save_draft_locked(conn, actor, application, input, now)
}

/// The saving of a draft, its case read and locked in the caller's transaction.
fn save_draft_locked(
    conn: &mut DbConnection,
    actor: &Actor,
    application: Application,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<Version, AppError> {
    let version = draft_version(conn, &application.id)?.ok_or_else(|| {
        AppError::Conflict(
            "Ansökan är inskickad och låst. Den kan bara ändras om handläggaren begär en komplettering."
                .into(),
        )
    })?;
    let form = db::calls::draft_form(conn, &application.call_id)?;
    let mut content = draft::parse(&form, input).map_err(AppError::Invalid)?;
    if content.budget.is_some() && !budget_editable(conn, &version)? {
        return Err(AppError::invalid(
            "budget",
            "Kompletteringen gäller inte budgeten, så budgeten kan inte ändras i den här versionen.",
        ));
    }
    if version.supplement_request_id.is_none() && content.supplement_answer.is_some() {
        content.supplement_answer = None;
    }
    let answers: Vec<Answer> = content
        .answers
        .iter()
        .map(|(section_id, body)| Answer {
            version_id: version.id.clone(),
            section_id: section_id.clone(),
            body: body.clone(),
        })
        .collect();
    let budget_rows = content.budget.as_ref().map(|(rows, staff)| {
        let lines: Vec<BudgetLine> = rows
            .iter()
            .map(|r| BudgetLine {
                id: db::new_id(),
                version_id: version.id.clone(),
                year: r.year,
                cost_category_id: r.category_id.clone(),
                amount_ore: r.amount,
                description: r.description.clone(),
            })
            .collect();
        let staff: Vec<StaffLine> = staff
            .iter()
            .enumerate()
            .map(|(i, s)| StaffLine {
                id: db::new_id(),
                version_id: version.id.clone(),
                year: s.year,
                position: i as i32,
                role: s.role.clone(),
                fte_percent: s.fte_percent,
                months: s.months,
                cost_ore: s.cost,
            })
            .collect();
        let years: Vec<YearRequest> = draft::year_sums(&form.years, rows)
            .into_iter()
            .map(|(year, amount)| YearRequest {
                version_id: version.id.clone(),
                year,
                requested_ore: amount,
            })
            .collect();
        (lines, staff, years)
    });
    match &budget_rows {
        Some((lines, staff, years)) => db::applications::replace_draft_rows(
            conn,
            &version.id,
            &answers,
            years,
            Some((lines, staff)),
        )?,
        None => db::applications::replace_draft_rows(conn, &version.id, &answers, &[], None)?,
    }
    // The title is the case's, shown to the agency: it is set in the first version and
    // stays as submitted.
    if version.number == 1 {
        if content.project_title != application.project_title {
            db::applications::set_project_title(conn, &application.id, &content.project_title)?;
        }
    } else if content.project_title != application.project_title {
        return Err(AppError::invalid(
            "project_title",
            "Projektets rubrik kan inte ändras i en komplettering.",
        ));
    }
    if version.supplement_request_id.is_some() {
        db::applications::set_supplement_answer(
            conn,
            &version.id,
            content.supplement_answer.as_deref(),
        )?;
    }
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::APPLICATION_DRAFT_SAVED,
            entity_type: "application",
            entity_id: Some(&application.id),
            summary: format!("Utkast sparat, version {}", version.number),
            details: json!({
                "version": version.number,
                "answers": answers.len(),
                "budget_changed": budget_rows.is_some(),
            }),
        },
    )?;
    Ok(version)
}

/// The draft as stored, for the rules of a complete application.
pub fn stored_draft(
    conn: &mut DbConnection,
    def: &CallDefinition,
    application: &Application,
    version: &Version,
) -> Result<StoredDraft, AppError> {
    Ok(StoredDraft {
        project_title: application.project_title.clone(),
        answers: db::applications::answers(conn, &version.id)?,
        years: db::applications::year_requests(conn, &version.id)?,
        budget_lines: db::applications::budget_lines(conn, &version.id)?,
        staff_lines: db::applications::staff_lines(conn, &version.id)?,
        supplement_answer: version.supplement_answer.clone(),
        answers_supplement: version.supplement_request_id.is_some(),
        // Read only for a form that has attachment questions: a submission's statements
        // are counted (tests/api/writes.rs).
        files_by_section: if def.sections.iter().any(|s| s.kind == FieldKind::Attachment) {
            db::applications::attachments_of(conn, &version.id)?
                .into_iter()
                .filter_map(|a| a.section_id)
                .fold(Default::default(), |mut counts, id| {
                    *counts.entry(id).or_insert(0) += 1;
                    counts
                })
        } else {
            Default::default()
        },
    })
}

/// What the confirmation page needs to know before the applicant submits.
pub struct SubmitCheck {
    pub problems: FieldErrors,
    /// Why it cannot be submitted now regardless of content (deadline, representative).
    pub blocked: Option<String>,
}

fn deadline_refusal(def: &CallDefinition, version: &Version, now: DateTime<Utc>) -> Option<String> {
    // The deadline is for applications; an answer to a supplement may come after it.
    if version.supplement_request_id.is_some() {
        return None;
    }
    match calls::phase(&def.call, now) {
        CallPhase::Open => None,
        CallPhase::DeadlinePassed => Some(format!(
            "Ansökningstiden gick ut {} kl. 23.59. Ansökan kan inte längre skickas in. Ert utkast finns kvar.",
            def.call.last_day
        )),
        CallPhase::ClosedEarly => Some(
            "Utlysningen har stängts. Ansökan kan inte skickas in. Ert utkast finns kvar.".into(),
        ),
        CallPhase::NotYetOpen => Some(format!(
            "Utlysningen öppnar {}. Ansökan kan skickas in från och med den dagen.",
            def.call.opens_on
        )),
        CallPhase::Draft => Some("Utlysningen är inte publicerad.".into()),
    }
}

pub(crate) fn signatory_refusal(actor: &Actor) -> Option<String> {
    crate::access::org_refusal(actor, crate::access::OrgAction::SubmitCase)
}

/// Checks a draft before submitting, without changing anything.
pub fn check_submit(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<SubmitCheck, AppError> {
    let application = load_for_applicant(conn, actor, application_id, now, "skicka in en ansökan")?;
    let version = draft_version(conn, &application.id)?
        .ok_or_else(|| AppError::Conflict("Det finns inget utkast att skicka in.".into()))?;
    let def = definition_of(conn, &application.call_id)?;
    let stored = stored_draft(conn, &def, &application, &version)?;
    Ok(SubmitCheck {
        problems: draft::check_complete(&def, &stored),
        blocked: deadline_refusal(&def, &version, now).or_else(|| signatory_refusal(actor)),
    })
}

/// What the applicant sees after submitting.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub application_id: String,
    pub registration_number: String,
    pub version: i32,
    pub submitted_at: chrono::NaiveDateTime,
    pub submitted_by: String,
}

/// Submits the draft: checks the deadline (server time), the representative and the
/// content; freezes the version; gives the case its registration number on first arrival;
/// queues the receipt (and, for a supplement, a message to the officer).
pub fn submit(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    signed: &crate::accounts::Signed,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Receipt, AppError> {
    // One transaction, one commit: a refusal is recorded and committed in it (it must stay
    // on record), a submission is written and committed with its audit entry and e-mail.
    db::write_tx(conn, |conn| {
        let application =
            match lock_for_applicant(conn, actor, application_id, now, "skicka in en ansökan")? {
                Ok(application) => application,
                Err(refusal) => return Ok(Err(refusal)),
            };
        if let Some(reason) = signatory_refusal(actor) {
            audit::record_denied(
                conn,
                actor,
                now,
                "application",
                Some(application_id),
                "skicka in utan rätt att skicka in för organisationen",
            )?;
            return Ok(Err(AppError::Refused(reason)));
        }
        submit_locked(conn, actor, application, signed, now, links, agency).map(Ok)
    })?
}

/// The submission, its case read, locked and its access checked in the caller's
/// transaction (see [`submit`]).
fn submit_locked(
    conn: &mut DbConnection,
    actor: &Actor,
    application: Application,
    signed: &crate::accounts::Signed,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<Receipt, AppError> {
    let version = draft_version(conn, &application.id)?
        .ok_or_else(|| AppError::Conflict("Det finns inget utkast att skicka in.".into()))?;
    let def = definition_of(conn, &application.call_id)?;
    if let Some(reason) = deadline_refusal(&def, &version, now) {
        return Err(AppError::Conflict(reason));
    }
    let stored = stored_draft(conn, &def, &application, &version)?;
    draft::check_complete(&def, &stored).into_result()?;

    // Before the version is frozen (its guard refuses any change after).
    db::applications::record_signed(conn, &version.id, signed)?;
    db::applications::mark_version_submitted(
        conn,
        &version.id,
        now.naive_utc(),
        Some(&actor.user_id),
    )?;
    db::applications::set_status(conn, &application.id, ApplicationStatus::Submitted)?;
    let organisation =
        db::organisations::find(conn, &application.organisation_id)?.ok_or(AppError::NotFound)?;
    let when = clock::format_stockholm(now.naive_utc());
    let submitter = format!("{} ({})", actor.name, actor.email);

    // A supplement's answer: recorded before the number is looked at (a supplement's case
    // has one already), the officer's message queued below with the receipt.
    let mut officer_to_tell = None;
    if let Some(request_id) = &version.supplement_request_id {
        let answer = stored.supplement_answer.clone().unwrap_or_default();
        db::applications::mark_supplement_answered(
            conn,
            request_id,
            now.naive_utc(),
            &actor.user_id,
            &answer,
        )?;
        let request = db::applications::find_supplement_request(conn, request_id)?
            .ok_or(AppError::NotFound)?;
        officer_to_tell = match &request.requested_by {
            Some(id) => db::accounts::find(conn, id)?,
            None => None,
        };
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::SUPPLEMENT_ANSWERED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Komplettering inkommen från {}: version {}",
                    organisation.name, version.number
                ),
                details: json!({
                    "supplement_request_id": request_id,
                    "version": version.number,
                }),
            },
        )?;
    }

    // The number last: taking it locks the year's counter row until this transaction
    // commits, and every other arrival of the year waits for that lock (on PostgreSQL;
    // SQLite writes one at a time anyway). Taken first, the lock was held over the whole
    // submission, and arrivals on PostgreSQL queued at one per 2.5 ms (p99 over 100 ms at
    // 16 clients); now it is held over the few writes that quote the number.
    let registration_number = match &application.registration_number {
        Some(number) => number.clone(),
        None => {
            let year = chrono::Datelike::year(&clock::stockholm_date(now));
            let number = registration::next(conn, year)?;
            db::applications::mark_arrived(
                conn,
                &application.id,
                &number,
                now.naive_utc(),
                &actor.user_id,
            )?;
            number
        }
    };
    if let Some(officer) = officer_to_tell {
        let message = outbox::SupplementReceived {
            registration_number: &registration_number,
            organisation: &organisation.name,
            version: version.number,
            submitted_at: &when,
            submitted_by: &submitter,
            link: &links.case(&application.id),
        };
        outbox::queue(
            conn,
            now,
            outbox::About::case(outbox::kind::SUPPLEMENT_RECEIVED, &application.id),
            &officer.email,
            &message.subject(),
            &message.body()?,
        )?;
    }

    let next_steps = super::what_happens_next(
        agency,
        Some(def.call.last_day),
        version.number,
        def.call.payment_month,
    );
    let receipt = outbox::Receipt {
        agency,
        registration_number: &registration_number,
        organisation: &organisation.name,
        call_title: &def.call.title,
        project_title: &application.project_title,
        version: version.number,
        submitted_at: &when,
        submitted_by: &submitter,
        link: &links.case(&application.id),
        contact: &crate::agency::of_programme(&def.programme),
        next_steps: &next_steps,
    };
    outbox::queue(
        conn,
        now,
        outbox::About::case(outbox::kind::RECEIPT, &application.id),
        &actor.email,
        &receipt.subject(),
        &receipt.body()?,
    )?;
    let requested: Vec<_> = stored
        .years
        .iter()
        .map(|y| json!({ "year": y.year, "amount_ore": y.requested_ore.ore() }))
        .collect();
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::APPLICATION_SUBMITTED,
            entity_type: "application",
            entity_id: Some(&application.id),
            summary: format!(
                "Ansökan {} version {} inskickad av {} för {}, {}",
                registration_number,
                version.number,
                actor.name,
                organisation.name,
                crate::accounts::Signed::in_words(Some(signed.method), signed.loa.as_deref())
            ),
            details: json!({
                "registration_number": registration_number,
                "version": version.number,
                "requested": requested,
                "signed_method": signed.method,
                "signed_loa": signed.loa,
            }),
        },
    )?;
    Ok(Receipt {
        application_id: application.id.clone(),
        registration_number,
        version: version.number,
        submitted_at: now.naive_utc(),
        submitted_by: actor.name.clone(),
    })
}

/// An officer's request for a supplement, as sent.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SupplementInput {
    /// What is missing.
    #[serde(default)]
    pub message: String,
    /// The day to answer by, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2020-05-15")]
    pub due_on: String,
    /// Whether the answer may change the budget.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = bool)]
    pub budget_change_allowed: String,
}

/// What an officer typed when asking for a supplement, checked (also for change requests).
pub fn parse_supplement(
    input: &SupplementInput,
    today: NaiveDate,
) -> Result<(String, NaiveDate, bool), AppError> {
    let mut errors = FieldErrors::new();
    let message = forms::required_text(
        &input.message,
        SUPPLEMENT_MESSAGE_MAX,
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
        (Some(m), Some(d)) => Ok((m, d, forms::truthy(&input.budget_change_allowed))),
        _ => Err(AppError::Internal(
            "supplement input checked but missing".into(),
        )),
    }
}

/// The officer asks for a supplement. The applicant's people are told by e-mail.
pub fn request_supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &SupplementInput,
    now: DateTime<Utc>,
    links: &Links,
    agency: &str,
) -> Result<SupplementRequest, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    load_for_officer(conn, actor, application_id, now, "begära komplettering")?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if application.kind == ApplicationKind::TopUp {
            // The answer form is built on the call's sections, which a request for more money
            // in a round does not use; the round is short, so the officer asks by phone or
            // e-mail instead.
            return Err(AppError::Conflict(
                "En ansökan om ytterligare medel i en omfördelning kompletteras inte i e-tjänsten. Kontakta organisationen direkt.".into(),
            ));
        }
        if !matches!(
            application.status,
            ApplicationStatus::Submitted | ApplicationStatus::Complete
        ) {
            return Err(AppError::Conflict(format!(
                "Ärendet har status \"{}\". Komplettering kan begäras när ansökan har kommit in och inte redan väntar på en komplettering.",
                application.status.label()
            )));
        }
        let (message, due_on, budget_change_allowed) =
            parse_supplement(input, clock::stockholm_date(now))?;
        let request = SupplementRequest {
            id: db::new_id(),
            application_id: application.id.clone(),
            requested_by: Some(actor.user_id.clone()),
            requested_at: now.naive_utc(),
            message,
            due_on,
            status: SupplementStatus::Open,
            answered_at: None,
            answered_by: None,
            answer_text: None,
            budget_change_allowed,
        };
        db::applications::insert_supplement_request(conn, &request)?;
        db::applications::set_status(
            conn,
            &application.id,
            ApplicationStatus::SupplementRequested,
        )?;
        let organisation = db::organisations::find(conn, &application.organisation_id)?
            .ok_or(AppError::NotFound)?;
        let registration_number = application.registration_number.clone().unwrap_or_default();
        let due = due_on.to_string();
        let link = links.case(&application.id);
        let mail = outbox::SupplementRequested {
            agency,
            registration_number: &registration_number,
            organisation: &organisation.name,
            message: &request.message,
            due_on: &due,
            budget_change_allowed,
            link: &link,
            contact: &crate::agency::of_call(conn, &application.call_id)?,
        };
        let (subject, body) = (mail.subject(), mail.body()?);
        for person in db::accounts::of_organisation(conn, &organisation.id)? {
            outbox::queue(
                conn,
                now,
                outbox::About::case(outbox::kind::SUPPLEMENT_REQUESTED, &application.id),
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
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Komplettering begärd av {} för {}, svar senast {}",
                    actor.name, registration_number, due_on
                ),
                details: json!({
                    "supplement_request_id": request.id,
                    "due_on": due_on,
                    "budget_change_allowed": budget_change_allowed,
                    "message": request.message,
                }),
            },
        )?;
        Ok(request)
    })
}

/// Opens a new version to answer the open supplement request: a copy of the latest
/// submitted version, to change where asked. Returns the draft (the existing one if the
/// answer was already begun).
pub fn begin_supplement_answer(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<Version, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    load_for_applicant(
        conn,
        actor,
        application_id,
        now,
        "svara på en komplettering",
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if let Some(draft) = draft_version(conn, &application.id)? {
            return Ok(draft);
        }
        let request = db::applications::supplement_requests(conn, &application.id)?
            .into_iter()
            .find(|r| r.status == SupplementStatus::Open)
            .ok_or_else(|| {
                AppError::Conflict("Ingen komplettering är begärd i det här ärendet.".into())
            })?;
        let versions = db::applications::versions(conn, &application.id)?;
        let latest = versions
            .iter()
            .rev()
            .find(|v| v.status == VersionStatus::Submitted)
            .ok_or_else(|| AppError::Conflict("Ansökan har ingen inskickad version.".into()))?;
        let number = versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
        let version = Version {
            id: db::new_id(),
            application_id: application.id.clone(),
            number,
            status: VersionStatus::Draft,
            supplement_request_id: Some(request.id.clone()),
            created_at: now.naive_utc(),
            created_by: Some(actor.user_id.clone()),
            submitted_at: None,
            submitted_by: None,
            supplement_answer: None,
            reasons: latest.reasons.clone(),
        };
        db::applications::insert_version(conn, &version)?;
        copy_version_rows(conn, &latest.id, &version.id)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::APPLICATION_VERSION_CREATED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Version {number} påbörjad som svar på komplettering, utgår från version {}",
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

fn copy_version_rows(conn: &mut DbConnection, from: &str, to: &str) -> Result<(), AppError> {
    let answers: Vec<Answer> = db::applications::answers(conn, from)?
        .into_iter()
        .map(|a| Answer {
            version_id: to.to_string(),
            ..a
        })
        .collect();
    let years: Vec<YearRequest> = db::applications::year_requests(conn, from)?
        .into_iter()
        .map(|y| YearRequest {
            version_id: to.to_string(),
            ..y
        })
        .collect();
    let lines: Vec<BudgetLine> = db::applications::budget_lines(conn, from)?
        .into_iter()
        .map(|l| BudgetLine {
            id: db::new_id(),
            version_id: to.to_string(),
            ..l
        })
        .collect();
    let staff: Vec<StaffLine> = db::applications::staff_lines(conn, from)?
        .into_iter()
        .map(|s| StaffLine {
            id: db::new_id(),
            version_id: to.to_string(),
            ..s
        })
        .collect();
    db::applications::replace_draft_rows(conn, to, &answers, &years, Some((&lines, &staff)))?;
    for attachment in db::applications::attachments_with_content(conn, from)? {
        db::applications::insert_attachment(
            conn,
            &Attachment {
                id: db::new_id(),
                version_id: to.to_string(),
                ..attachment
            },
        )?;
    }
    Ok(())
}

/// The officer finds the submitted case complete.
pub fn mark_complete(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    load_for_officer(
        conn,
        actor,
        application_id,
        now,
        "markera en ansökan komplett",
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if application.status != ApplicationStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "Ärendet har status \"{}\". Bara en inkommen ansökan kan markeras som komplett.",
                application.status.label()
            )));
        }
        db::applications::set_status(conn, &application.id, ApplicationStatus::Complete)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::APPLICATION_COMPLETE,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Ansökan {} markerad som komplett av {}",
                    application.registration_number.as_deref().unwrap_or("–"),
                    actor.name
                ),
                details: json!({}),
            },
        )?;
        Ok(())
    })
}

/// The message for a file above the limit, the same on pages and in the API.
pub const ATTACHMENT_TOO_LARGE: &str = "Filen är för stor. En bilaga får vara högst 10 MB. Minska filen (till exempel genom att spara den med lägre upplösning) eller dela upp den.";

/// A file as it arrived. A file above the limit arrives without its content: the reader
/// stops keeping it at the limit (see `web::posted`), so that an oversized upload costs no
/// memory, but the rules still answer it with their message.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    /// `None`: larger than [`ATTACHMENT_MAX_BYTES`]; the content was not kept.
    pub content: Option<Vec<u8>>,
    /// The attachment question the file was chosen for (its number); none for the general
    /// attachment list.
    pub question: Option<i32>,
}

impl Upload {
    pub fn new(filename: &str, bytes: Vec<u8>) -> Upload {
        Upload {
            filename: filename.to_string(),
            content: Some(bytes),
            question: None,
        }
    }

    pub fn too_large(filename: &str) -> Upload {
        Upload {
            filename: filename.to_string(),
            content: None,
            question: None,
        }
    }

    /// The file as chosen in the form field `name`: `file` (the general list) or
    /// `file.<n>` (attachment question n).
    pub fn for_field(mut self, name: &str) -> Upload {
        self.question = name
            .strip_prefix("file.")
            .and_then(|n| n.parse::<i32>().ok());
        self
    }

    /// The field its messages stand beside.
    pub fn error_field(&self) -> String {
        match self.question {
            Some(n) => format!("answers.{n}"),
            None => "file".into(),
        }
    }
}

/// A file that passed [`check_attachment`]: its cleaned name and its content.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// The attachment question it answers; none for the general list.
    pub section_id: Option<String>,
    /// Where a message about it stands: `file` or `answers.<n>`.
    pub error_field: String,
}

/// Checks an uploaded file: within the size limit, and a PDF by its content (it is parsed;
/// neither its name nor its first bytes decide). The name is cleaned (see
/// [`clean_filename`]).
pub fn check_attachment(upload: &Upload) -> Result<CheckedFile, AppError> {
    let Some(bytes) = &upload.content else {
        return Err(AppError::invalid("file", ATTACHMENT_TOO_LARGE));
    };
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "Välj en fil att bifoga."));
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(AppError::invalid("file", ATTACHMENT_TOO_LARGE));
    }
    if !is_readable_pdf(bytes) {
        return Err(AppError::invalid(
            "file",
            "Filen är inte en läsbar PDF. Bifoga bilagor som PDF (spara eller skriv ut dokumentet som PDF); en PDF med lösenord går inte att bifoga.",
        ));
    }
    let name = clean_filename(&upload.filename);
    let name = if name.is_empty() || name.eq_ignore_ascii_case(".pdf") {
        "bilaga.pdf".to_string()
    } else if !name.to_lowercase().ends_with(".pdf") {
        format!("{name}.pdf")
    } else {
        name
    };
    Ok(CheckedFile {
        name,
        bytes: bytes.clone(),
        content_type: "application/pdf",
        section_id: None,
        error_field: "file".into(),
    })
}

/// Checks a file chosen for an attachment question against the question's file kinds and
/// size; a file for the general list goes to [`check_attachment`]. The kind is the file
/// name's extension, and the content must look like that kind (a PDF must be readable),
/// so that a renamed program is not stored as a document.
pub fn check_upload(upload: &Upload, fields: &[FormField]) -> Result<CheckedFile, AppError> {
    let Some(n) = upload.question else {
        return check_attachment(upload);
    };
    let name = upload.error_field();
    let Some(field) = fields
        .iter()
        .find(|f| f.position == n && f.kind == FieldKind::Attachment)
    else {
        return Err(AppError::invalid(name, "Frågan tar inga bilagor."));
    };
    let max = field.max_file_bytes().min(ATTACHMENT_MAX_BYTES);
    let too_large = || {
        AppError::invalid(
            name.clone(),
            format!(
                "Filen är för stor: högst {} MB är tillåtet för den här frågan.",
                max / (1024 * 1024)
            ),
        )
    };
    let Some(bytes) = &upload.content else {
        return Err(too_large());
    };
    if bytes.is_empty() {
        return Err(AppError::invalid(name, "Välj en fil att bifoga."));
    }
    if bytes.len() > max {
        return Err(too_large());
    }
    let clean = clean_filename(&upload.filename);
    let extension = clean
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    let extension = if extension == "jpeg" {
        "jpg".to_string()
    } else {
        extension
    };
    let allowed: Vec<&str> = if field.settings.accept.is_empty() {
        form::FILE_KINDS.iter().map(|(k, _)| *k).collect()
    } else {
        field.settings.accept.iter().map(String::as_str).collect()
    };
    if !allowed.contains(&extension.as_str()) {
        return Err(AppError::invalid(
            name,
            format!(
                "Filtypen är inte tillåten här. Tillåtna filtyper: {}.",
                allowed.join(", ")
            ),
        ));
    }
    let looks_right = match extension.as_str() {
        "pdf" => is_readable_pdf(bytes),
        "docx" | "xlsx" | "odt" | "ods" => bytes.starts_with(b"PK\x03\x04"),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" => bytes.starts_with(&[0xff, 0xd8, 0xff]),
        "txt" | "csv" => std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0')),
        _ => false,
    };
    if !looks_right {
        return Err(AppError::invalid(
            name,
            format!("Filen är inte en läsbar {}-fil.", extension.to_uppercase()),
        ));
    }
    let content_type = match extension.as_str() {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "csv" => "text/csv; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    Ok(CheckedFile {
        name: clean,
        bytes: bytes.clone(),
        content_type,
        section_id: Some(field.id.clone()),
        error_field: name,
    })
}

/// Most bytes one stream of a PDF may inflate to while it is read. Object and
/// cross-reference streams are inflated as the file is parsed; without a bound a small
/// file could ask for gigabytes.
const PDF_STREAM_MAX_INFLATED: usize = 4 * 1024 * 1024;

/// Most object streams a PDF may have. The bound above is per stream, so a 10 MB file of
/// thousands of small compressed streams would still inflate to gigabytes; real files have
/// a handful (a 300-page report from Word has about ten). With both bounds, reading one
/// upload costs at most 32 × 4 MiB.
const PDF_MAX_OBJECT_STREAMS: usize = 32;

thread_local! {
    /// Object streams met so far by the PDF being read on this thread (lopdf's filter is a
    /// plain function, so the count cannot live in a closure).
    static OBJECT_STREAMS_SEEN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// lopdf calls this for every object before it inflates an object stream: past the bound,
/// object streams are dropped unread (and the file is refused below).
fn count_object_streams(
    id: lopdf::ObjectId,
    object: &mut lopdf::Object,
) -> Option<(lopdf::ObjectId, lopdf::Object)> {
    if let Ok(stream) = object.as_stream()
        && stream.dict.has_type(b"ObjStm")
    {
        let seen = OBJECT_STREAMS_SEEN.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        if seen > PDF_MAX_OBJECT_STREAMS {
            return None;
        }
    }
    Some((id, object.clone()))
}

/// Whether the bytes are a PDF that a reader can open: it parses (lopdf, the library the
/// letters are written with), has a catalogue and at least one page. Anything that only
/// starts like a PDF is refused, and so is a file built to make the reading costly (too
/// many object streams). The parser never gets to take the service down: should it panic
/// on a hostile file, the file is simply not a readable PDF.
fn is_readable_pdf(bytes: &[u8]) -> bool {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(PDF_STREAM_MAX_INFLATED),
        filter: Some(count_object_streams),
        ..lopdf::LoadOptions::default()
    };
    OBJECT_STREAMS_SEEN.with(|n| n.set(0));
    let parsed = std::panic::catch_unwind(|| {
        lopdf::Document::load_mem_with_options(bytes, options)
            .map(|doc| doc.catalog().is_ok() && !doc.get_pages().is_empty())
    });
    let within_bounds = OBJECT_STREAMS_SEEN.with(|n| n.get()) <= PDF_MAX_OBJECT_STREAMS;
    matches!(parsed, Ok(Ok(true))) && within_bounds
}

/// A file name as it is kept and shown: the last path part, without control characters and
/// without the invisible characters that change the direction of text (a name like
/// `faktura<U+202E>fdp.exe` shows as `fakturaexe.pdf`), trimmed, at most 200 characters.
pub fn clean_filename(filename: &str) -> String {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(
                c,
                '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{200e}'
                    | '\u{200f}'
                    | '\u{061c}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{feff}'
            )
    }
    filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !hidden(*c))
        .collect::<String>()
        .trim()
        .chars()
        .take(200)
        .collect()
}

/// What a save of the edit page does to the draft's files besides saving its text.
#[derive(Debug, Clone, Default)]
pub struct FileChanges {
    /// A file to attach.
    pub upload: Option<Upload>,
    /// An attachment of the draft to remove, by id.
    pub remove: Option<String>,
}

/// What a save with files did.
#[derive(Debug, Clone)]
pub struct DraftSaved {
    pub version: Version,
    /// The file attached, if one was sent.
    pub attached: Option<db::applications::AttachmentInfo>,
    /// The name of the attachment removed, if one was.
    pub removed: Option<String>,
}

/// Saves the draft's text and, in the same transaction, attaches or removes a file: what a
/// button of the edit page does. All of it is stored, or nothing: a text that breaks a rule
/// and a refused file are reported together, field by field, so that the page can be shown
/// again with everything as typed.
pub fn save_draft_with_files(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &DraftInput,
    files: &FileChanges,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    let application = load_for_applicant(conn, actor, application_id, now, "ändra en ansökan")?;
    // Parsing a PDF takes a moment: done before the write lock is taken.
    let fields: Vec<FormField> = db::calls::draft_form(conn, &application.call_id)?
        .sections
        .iter()
        .map(|s| s.field())
        .collect();
    let file = files.upload.as_ref().map(|u| check_upload(u, &fields));
    db::write_tx(conn, |conn| {
        let mut errors = FieldErrors::new();
        let version = match save_draft_in(conn, actor, application_id, input, now) {
            Ok(version) => Some(version),
            Err(AppError::Invalid(refused)) => {
                for e in refused.iter() {
                    errors.add(e.field.clone(), e.message.clone());
                }
                None
            }
            Err(other) => return Err(other),
        };
        let removed = match &files.remove {
            Some(attachment_id) => {
                match remove_attachment_in(conn, actor, application_id, attachment_id, now) {
                    Ok(attachment) => Some(attachment.filename),
                    // Removed already (a second click, another tab): said beside the list.
                    Err(AppError::NotFound) => {
                        errors.add("bilagor", "Bilagan finns inte längre i utkastet.");
                        None
                    }
                    Err(other) => return Err(other),
                }
            }
            None => None,
        };
        let attached = match file {
            Some(file) => match add_attachment_in(conn, actor, application_id, file, now) {
                Ok(info) => Some(info),
                Err(AppError::Invalid(refused)) => {
                    for e in refused.iter() {
                        errors.add(e.field.clone(), e.message.clone());
                    }
                    None
                }
                Err(other) => return Err(other),
            },
            None => None,
        };
        match version {
            Some(version) if errors.is_empty() => Ok(DraftSaved {
                version,
                attached,
                removed,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    })
}

/// Attaches a PDF to the draft; its SHA-256 is kept with it.
pub fn add_attachment(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    upload: &Upload,
    now: DateTime<Utc>,
) -> Result<db::applications::AttachmentInfo, AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    let application = load_for_applicant(conn, actor, application_id, now, "bifoga en fil")?;
    // Parsing a PDF takes a moment: done before the write lock is taken.
    let fields: Vec<FormField> = db::calls::draft_form(conn, &application.call_id)?
        .sections
        .iter()
        .map(|s| s.field())
        .collect();
    let file = check_upload(upload, &fields);
    db::write_tx(conn, |conn| {
        add_attachment_in(conn, actor, application_id, file, now)
    })
}

/// The adding of a checked file, inside the caller's transaction. `file` is the result of
/// [`check_attachment`], made before the transaction; a refused file is reported after a
/// locked draft, as before.
fn add_attachment_in(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    file: Result<CheckedFile, AppError>,
    now: DateTime<Utc>,
) -> Result<db::applications::AttachmentInfo, AppError> {
    db::applications::lock(conn, application_id)?;
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let version = draft_version(conn, &application.id)?.ok_or_else(|| {
        AppError::Conflict("Ansökan är inskickad och låst; bilagor kan inte läggas till.".into())
    })?;
    let CheckedFile {
        name,
        bytes,
        content_type,
        section_id,
        error_field,
    } = file?;
    if db::applications::attachments_of(conn, &version.id)?.len() >= ATTACHMENTS_PER_VERSION {
        return Err(AppError::invalid(
            error_field,
            format!("En ansökan kan ha högst {ATTACHMENTS_PER_VERSION} bilagor."),
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let attachment = Attachment {
        id: db::new_id(),
        version_id: version.id.clone(),
        filename: name,
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
        sha256,
        content: bytes,
        uploaded_at: now.naive_utc(),
        uploaded_by: Some(actor.user_id.clone()),
        section_id,
    };
    db::applications::insert_attachment(conn, &attachment)?;
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::ATTACHMENT_ADDED,
            entity_type: "application",
            entity_id: Some(&application.id),
            summary: format!(
                "Bilaga {} bifogad till version {}",
                attachment.filename, version.number
            ),
            details: json!({
                "attachment_id": attachment.id,
                "sha256": attachment.sha256,
                "size_bytes": attachment.size_bytes,
            }),
        },
    )?;
    Ok(db::applications::AttachmentInfo {
        id: attachment.id,
        version_id: attachment.version_id,
        filename: attachment.filename,
        content_type: attachment.content_type,
        size_bytes: attachment.size_bytes,
        sha256: attachment.sha256,
        uploaded_at: attachment.uploaded_at,
        uploaded_by: attachment.uploaded_by,
        section_id: attachment.section_id,
    })
}

/// Removes an attachment from the draft (a submitted version's stay).
pub fn remove_attachment(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    attachment_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Checked and recorded before the transaction: a refusal must stay on record.
    load_for_applicant(conn, actor, application_id, now, "ta bort en bilaga")?;
    db::write_tx(conn, |conn| {
        remove_attachment_in(conn, actor, application_id, attachment_id, now).map(|_| ())
    })
}

/// The removal of an attachment, inside the caller's transaction.
fn remove_attachment_in(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    attachment_id: &str,
    now: DateTime<Utc>,
) -> Result<Attachment, AppError> {
    db::applications::lock(conn, application_id)?;
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let version = draft_version(conn, &application.id)?
        .ok_or_else(|| AppError::Conflict("Ansökan är inskickad och låst.".into()))?;
    let attachment =
        db::applications::attachment(conn, attachment_id)?.ok_or(AppError::NotFound)?;
    if attachment.version_id != version.id {
        return Err(AppError::NotFound);
    }
    db::applications::delete_attachment(conn, attachment_id)?;
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action: action::ATTACHMENT_REMOVED,
            entity_type: "application",
            entity_id: Some(&application.id),
            summary: format!("Bilaga {} borttagen ur utkastet", attachment.filename),
            details: json!({ "attachment_id": attachment.id, "sha256": attachment.sha256 }),
        },
    )?;
    Ok(attachment)
}

/// An attachment for download, for whoever may read the case (drafts only for the
/// applicant's own organisation).
pub fn download_attachment(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    attachment_id: &str,
    now: DateTime<Utc>,
) -> Result<Attachment, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let submitted = application.submitted_at.is_some();
    if !access::can_read_application(actor, &application.organisation_id, submitted) {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(&application.id),
            "hämta en bilaga",
        )?;
        return Err(if actor.role == Role::Applicant || !submitted {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    let attachment =
        db::applications::attachment(conn, attachment_id)?.ok_or(AppError::NotFound)?;
    let version =
        db::applications::find_version(conn, &attachment.version_id)?.ok_or(AppError::NotFound)?;
    if version.application_id != application.id
        || (version.status == VersionStatus::Draft && actor.role != Role::Applicant)
    {
        return Err(AppError::NotFound);
    }
    Ok(attachment)
}

/// Whether a call still takes new applications from anyone (for start buttons).
pub fn call_takes_applications(def: &CallDefinition, now: DateTime<Utc>) -> bool {
    def.call.status == CallStatus::Published && calls::phase(&def.call, now) == CallPhase::Open
}

#[cfg(test)]
mod pdf_tests {
    use lopdf::{Stream, dictionary};

    use super::{PDF_MAX_OBJECT_STREAMS, is_readable_pdf};

    /// A one-page PDF with `streams` object streams, each inflating to 1 MiB, written by
    /// hand (a PDF library would tidy the unreferenced streams away when saving).
    fn pdf_with_object_streams(streams: usize) -> Vec<u8> {
        let mut content = b"9 0 ".to_vec();
        content.resize(1024 * 1024, b' ');
        let mut stream = Stream::new(dictionary! {}, content);
        stream.compress().expect("compress");
        let deflated = stream.content;

        let mut out = b"%PDF-1.5\n".to_vec();
        let mut offsets = Vec::new();
        for (i, object) in [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
        .iter()
        .enumerate()
        {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        }
        for i in 0..streams {
            offsets.push(out.len());
            out.extend_from_slice(
                format!(
                    "{} 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
                    i + 4,
                    deflated.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&deflated);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
        let xref_at = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
        );
        for offset in &offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
                offsets.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn a_few_object_streams_are_read_and_a_swarm_of_them_is_refused() {
        let modest = pdf_with_object_streams(3);
        assert!(is_readable_pdf(&modest));
        let swarm = pdf_with_object_streams(PDF_MAX_OBJECT_STREAMS + 8);
        // Small on disk (each MiB of spaces compresses to about a kilobyte) ...
        assert!(swarm.len() < 200_000, "{}", swarm.len());
        // ... and refused rather than inflated to 40 MiB.
        assert!(!is_readable_pdf(&swarm));
        // The count starts again for the next file on the same thread.
        assert!(is_readable_pdf(&modest));
    }
}
