//! Change requests (ändringsansökan): a recipient asks to change a decided grant, and an
//! officer answers. The rules are in `rules`; this module reads the grant as it stands,
//! checks who may act, and stores each step in one transaction with its audit entry and its
//! e-mail. Where the answer changes amounts or conditions, it is a draft change decision
//! (`decisions::change::insert_draft_change`) that a decision maker signs under the same
//! rules as every decision: the ceiling, payments cancelled or planned, money paid back
//! claimed, the letter. Declining a grant before it is paid is a revocation: once signed,
//! its planned payments are cancelled and the money is free under the ceiling at once.

pub mod rules;

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::access::{self, OrgAction};
use crate::accounts::Actor;
use crate::agency::Contact;
use crate::applications::workflow::CheckedFile;
use crate::audit;
use crate::codes::{
    ChangeKind, ChangeRequestStatus, DecisionKind, DecisionStatus, PaymentStatus, Role,
    VersionStatus,
};
use crate::db::applications::Application;
use crate::db::change_requests::{
    ChangeFile, ChangeLine, ChangeRequest, ChangeSupplement, FileInfo,
};
use crate::db::decisions::Decision;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::money::Ore;
use crate::outbox::{self, About, Links};
use rules::{AnswerInput, Asked, GrantState, RequestInput};

pub mod action {
    pub const CREATED: &str = "change_request.created";
    pub const DRAFT_SAVED: &str = "change_request.draft_saved";
    pub const SUBMITTED: &str = "change_request.submitted";
    pub const ANSWERED: &str = "change_request.answered";
    pub const SUPPLEMENT_REQUESTED: &str = "change_request.supplement_requested";
    pub const SUPPLEMENT_ANSWERED: &str = "change_request.supplement_answered";
}

/// A request with what the page and the API show beside it.
#[derive(Debug, Clone)]
pub struct View {
    pub request: ChangeRequest,
    /// Budget move: (category name, line).
    pub lines: Vec<(String, ChangeLine)>,
    pub submitted_by: Option<String>,
    pub handled_by: Option<String>,
    /// The change decision of the answer, if it still exists.
    pub decision: Option<Decision>,
    /// The files attached (PDF).
    pub files: Vec<FileInfo>,
    /// Supplements asked for, oldest first.
    pub supplements: Vec<ChangeSupplement>,
}

/// What a save does with the draft's files besides its fields.
#[derive(Debug, Clone, Copy, Default)]
pub enum FileChange<'a> {
    #[default]
    None,
    /// Attach a checked file (`applications::workflow::check_attachment`).
    Add(&'a CheckedFile),
    /// Remove a file by its id.
    Remove(&'a str),
}

/// The case's signed grant: the decision a change request is about.
pub fn grant_of(conn: &mut DbConnection, application_id: &str) -> Result<Decision, AppError> {
    db::decisions::for_application(conn, application_id)?
        .into_iter()
        .find(|d| {
            d.kind == DecisionKind::Grant
                && d.status == DecisionStatus::Signed
                && d.amends_decision_id.is_none()
        })
        .ok_or_else(|| {
            AppError::Conflict(
                "Ärendet har inget fattat beslut om bidrag. En ändringsansökan görs när bidraget är beviljat."
                    .into(),
            )
        })
}

/// The grant as it stands: amounts with every signed change, what is paid, and the budget
/// per year and cost category (the application's last submitted budget, or the newest
/// budget move whose change decision is signed).
pub fn grant_state(conn: &mut DbConnection, grant: &Decision) -> Result<GrantState, AppError> {
    let amounts = crate::decisions::current_amounts(conn, &grant.id)?;
    let mut paid: BTreeMap<i32, Ore> = BTreeMap::new();
    if let Some(application_id) = &grant.application_id {
        for p in db::payments::of_application(conn, application_id)? {
            if p.status == PaymentStatus::Paid {
                let entry = paid.entry(p.year).or_insert(Ore::ZERO);
                *entry = *entry + p.amount_ore;
            }
        }
    }
    let call = db::calls::find_call(conn, &grant.call_id)?.ok_or(AppError::NotFound)?;
    let def = db::calls::load_definition(conn, call)?;
    let categories: Vec<(String, String)> = def
        .cost_categories
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let mut budget: BTreeMap<i32, BTreeMap<String, Ore>> = BTreeMap::new();
    if let Some(application_id) = &grant.application_id {
        let submitted = db::applications::versions(conn, application_id)?
            .into_iter()
            .filter(|v| v.status == VersionStatus::Submitted)
            .max_by_key(|v| v.number);
        if let Some(version) = submitted {
            for line in db::applications::budget_lines(conn, &version.id)? {
                let entry = budget
                    .entry(line.year)
                    .or_default()
                    .entry(line.cost_category_id.clone())
                    .or_insert(Ore::ZERO);
                *entry = *entry + line.amount_ore;
            }
        }
        // Oldest first, so that a later approved move overrides an earlier one.
        let mut moves = db::change_requests::of_case(conn, application_id)?;
        moves.reverse();
        for request in moves {
            let approved = matches!(
                request.status,
                ChangeRequestStatus::Approved | ChangeRequestStatus::PartlyApproved
            );
            if request.kind != ChangeKind::Budget || !approved {
                continue;
            }
            let signed = match &request.change_decision_id {
                Some(id) => db::decisions::find(conn, id)?
                    .is_some_and(|d| d.status == DecisionStatus::Signed),
                None => false,
            };
            if let (true, Some(year)) = (signed, request.year) {
                let year_budget = budget.entry(year).or_default();
                for line in db::change_requests::lines(conn, &request.id)? {
                    if let Some(approved) = line.approved_ore {
                        year_budget.insert(line.cost_category_id, approved);
                    }
                }
            }
        }
    }
    Ok(GrantState {
        amounts,
        paid,
        budget,
        categories,
    })
}

/// The case, after checking that the person may read it (refusals recorded).
fn readable_case(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    if !access::can_read_case(actor, &application.organisation_id)
        || application.submitted_at.is_none()
    {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(application_id),
            "läsa ändringsansökningar",
        )?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    Ok(application)
}

/// The case, after checking that the person may write or submit a change request for it:
/// a person of the recipient organisation whose role allows `what`.
fn writable_case(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    what: OrgAction,
    now: DateTime<Utc>,
) -> Result<Application, AppError> {
    let application = readable_case(conn, actor, application_id, now)?;
    if !access::may_for_organisation(actor, &application.organisation_id, what) {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(application_id),
            "göra en ändringsansökan",
        )?;
        return Err(match access::org_refusal(actor, what) {
            Some(reason) if actor.role == Role::Applicant => AppError::Refused(reason),
            _ => AppError::Forbidden,
        });
    }
    Ok(application)
}

/// Every request of a case, newest first, for whoever may read the case. The organisation's
/// people see their drafts; the agency sees only what was sent in.
pub fn of_case(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<View>, AppError> {
    readable_case(conn, actor, application_id, now)?;
    let mut out = Vec::new();
    for request in db::change_requests::of_case(conn, application_id)? {
        if request.status == ChangeRequestStatus::Draft && actor.role != Role::Applicant {
            continue;
        }
        out.push(view(conn, request)?);
    }
    Ok(out)
}

/// One request, for whoever may read its case (a draft only for the organisation).
pub fn find(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    now: DateTime<Utc>,
) -> Result<View, AppError> {
    let request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
    readable_case(conn, actor, &request.application_id, now)?;
    if request.status == ChangeRequestStatus::Draft && actor.role != Role::Applicant {
        return Err(AppError::NotFound);
    }
    view(conn, request)
}

fn view(conn: &mut DbConnection, request: ChangeRequest) -> Result<View, AppError> {
    let names: BTreeMap<String, String> = {
        let decision =
            db::decisions::find(conn, &request.decision_id)?.ok_or(AppError::NotFound)?;
        let call = db::calls::find_call(conn, &decision.call_id)?.ok_or(AppError::NotFound)?;
        db::calls::load_definition(conn, call)?
            .cost_categories
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    let lines = db::change_requests::lines(conn, &request.id)?
        .into_iter()
        .map(|l| {
            (
                names.get(&l.cost_category_id).cloned().unwrap_or_default(),
                l,
            )
        })
        .collect();
    let person =
        |conn: &mut DbConnection, id: &Option<String>| -> Result<Option<String>, AppError> {
            Ok(match id {
                Some(id) => db::accounts::find(conn, id)?.map(|u| u.name),
                None => None,
            })
        };
    let submitted_by = person(conn, &request.submitted_by)?;
    let handled_by = person(conn, &request.handled_by)?;
    let decision = match &request.change_decision_id {
        Some(id) => db::decisions::find(conn, id)?,
        None => None,
    };
    let files = db::change_requests::files_of(conn, &request.id)?;
    let supplements = db::change_requests::supplements_of(conn, &request.id)?;
    Ok(View {
        supplements,
        request,
        lines,
        submitted_by,
        handled_by,
        decision,
        files,
    })
}

/// The grant and its state, for the request form.
pub fn form_context(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<(Application, Decision, GrantState), AppError> {
    let application = readable_case(conn, actor, application_id, now)?;
    let grant = grant_of(conn, application_id)?;
    let state = grant_state(conn, &grant)?;
    Ok((application, grant, state))
}

/// Saves a draft (new, or `existing`), and with `submit` sends it in: checked in full,
/// frozen, a receipt to the sender and a notice to the case's officer.
#[allow(clippy::too_many_arguments)]
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    existing: Option<&str>,
    input: &RequestInput,
    files: FileChange<'_>,
    submit: bool,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<ChangeRequest, AppError> {
    writable_case(conn, actor, application_id, OrgAction::EditCase, now)?;
    if submit {
        writable_case(conn, actor, application_id, OrgAction::SubmitCase, now)?;
    }
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let grant = grant_of(conn, application_id)?;
        let state = grant_state(conn, &grant)?;
        let parsed = rules::parse_request(input, &state, submit).map_err(AppError::Invalid)?;
        let mut request = match existing {
            Some(id) => {
                let request = db::change_requests::find(conn, id)?
                    .filter(|r| r.application_id == application_id)
                    .ok_or(AppError::NotFound)?;
                if request.status != ChangeRequestStatus::Draft {
                    return Err(AppError::Conflict(
                        "Ändringsansökan är redan inskickad och kan inte ändras.".into(),
                    ));
                }
                request
            }
            None => ChangeRequest {
                id: db::new_id(),
                application_id: application_id.to_string(),
                decision_id: grant.id.clone(),
                organisation_id: grant.organisation_id.clone(),
                number: db::change_requests::next_number(conn, application_id)?,
                kind: parsed.kind,
                status: ChangeRequestStatus::Draft,
                year: None,
                amount_ore: None,
                description: String::new(),
                created_at: now.naive_utc(),
                created_by: actor.user_id.clone(),
                updated_at: now.naive_utc(),
                submitted_at: None,
                submitted_by: None,
                handled_at: None,
                handled_by: None,
                answer: None,
                approved_amount_ore: None,
                change_decision_id: None,
            },
        };
        request.kind = parsed.kind;
        request.year = parsed.year;
        request.amount_ore = parsed.amount;
        request.description = parsed.description.clone();
        request.updated_at = now.naive_utc();
        if existing.is_some() {
            db::change_requests::update_draft(conn, &request)?;
        } else {
            db::change_requests::insert(conn, &request)?;
            record(
                conn,
                actor,
                now,
                action::CREATED,
                &request,
                format!(
                    "{} började ändringsansökan {} i {}",
                    actor.name, request.number, grant.registration_number
                ),
                json!({}),
            )?;
        }
        let lines: Vec<ChangeLine> = parsed
            .budget
            .iter()
            .map(|(id, (before, after))| ChangeLine {
                request_id: request.id.clone(),
                cost_category_id: id.clone(),
                before_ore: *before,
                requested_ore: *after,
                approved_ore: None,
            })
            .collect();
        db::change_requests::replace_lines(conn, &request.id, &lines)?;
        let file_note = match files {
            FileChange::None => json!(null),
            FileChange::Add(file) => {
                let row = ChangeFile {
                    id: db::new_id(),
                    request_id: request.id.clone(),
                    filename: file.name.clone(),
                    content_type: file.content_type.to_string(),
                    size_bytes: file.bytes.len() as i64,
                    sha256: hex::encode(Sha256::digest(&file.bytes)),
                    content: file.bytes.clone(),
                    uploaded_at: now.naive_utc(),
                    uploaded_by: actor.user_id.clone(),
                };
                db::change_requests::insert_file(conn, &row)?;
                json!({"added": row.filename, "sha256": row.sha256})
            }
            FileChange::Remove(file_id) => {
                let name = db::change_requests::file(conn, &request.id, file_id)?
                    .ok_or(AppError::NotFound)?
                    .filename;
                db::change_requests::delete_file(conn, &request.id, file_id)?;
                json!({"removed": name})
            }
        };
        if !submit {
            if existing.is_some() || !file_note.is_null() {
                record(
                    conn,
                    actor,
                    now,
                    action::DRAFT_SAVED,
                    &request,
                    format!(
                        "{} sparade utkastet till ändringsansökan {} i {}",
                        actor.name, request.number, grant.registration_number
                    ),
                    json!({"file": file_note}),
                )?;
            }
            return Ok(request);
        }
        if db::change_requests::mark_submitted(conn, &request.id, &actor.user_id, now.naive_utc())?
            != 1
        {
            return Err(AppError::Conflict(
                "Ändringsansökan skickades in samtidigt från en annan flik.".into(),
            ));
        }
        request.status = ChangeRequestStatus::Submitted;
        request.submitted_at = Some(now.naive_utc());
        request.submitted_by = Some(actor.user_id.clone());
        let organisation = db::organisations::find(conn, &grant.organisation_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        let link = format!("{}/andringar/{}", links.base, request.id);
        let contact = crate::agency::of_call(conn, &grant.call_id)?;
        let agency = agency_of(conn, &grant)?;
        let when = crate::clock::format_stockholm(now.naive_utc());
        let receipt = Received {
            agency: &agency,
            registration_number: &grant.registration_number,
            organisation: &organisation,
            number: request.number,
            kind: request.kind.label(),
            submitted_at: &when,
            submitted_by: &actor.name,
            link: &link,
            contact: &contact,
        };
        outbox::queue(
            conn,
            now,
            About::case(outbox::kind::CHANGE_REQUEST, application_id),
            &actor.email,
            &receipt.subject(),
            &render(&receipt)?,
        )?;
        if let Some(officer) = crate::applications::assignment::officer_of(conn, application_id)? {
            let notice = ToOfficer {
                registration_number: &grant.registration_number,
                organisation: &organisation,
                number: request.number,
                kind: request.kind.label(),
                link: &link,
            };
            outbox::queue(
                conn,
                now,
                About::case(outbox::kind::CHANGE_REQUEST, application_id),
                &officer.email,
                &notice.subject(),
                &render(&notice)?,
            )?;
        }
        let sent_files: Vec<serde_json::Value> = db::change_requests::files_of(conn, &request.id)?
            .iter()
            .map(|f| json!({"name": f.filename, "size_bytes": f.size_bytes}))
            .collect();
        record(
            conn,
            actor,
            now,
            action::SUBMITTED,
            &request,
            format!(
                "{} skickade in ändringsansökan {} ({}) i {}",
                actor.name,
                request.number,
                request.kind.label().to_lowercase(),
                grant.registration_number
            ),
            json!({
                "file": file_note,
                "files": sent_files,
                "kind": request.kind.as_str(),
                "year": request.year,
                "amount_ore": request.amount_ore.map(|a| a.ore()),
                "budget": lines.iter().map(|l| json!({"cost_category_id": l.cost_category_id, "before_ore": l.before_ore.ore(), "requested_ore": l.requested_ore.ore()})).collect::<Vec<_>>(),
            }),
        )?;
        Ok(request)
    })
}

/// A file of a request, for whoever may read the request.
pub fn download_file(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    file_id: &str,
    now: DateTime<Utc>,
) -> Result<ChangeFile, AppError> {
    find(conn, actor, request_id, now)?;
    db::change_requests::file(conn, request_id, file_id)?.ok_or(AppError::NotFound)
}

/// Removes a draft the organisation no longer wants (only a draft; nothing sent in is
/// ever removed).
pub fn discard(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
    writable_case(
        conn,
        actor,
        &request.application_id,
        OrgAction::EditCase,
        now,
    )?;
    db::write_tx(conn, |conn| {
        if db::change_requests::delete_draft(conn, request_id)? != 1 {
            return Err(AppError::Conflict(
                "Bara ett utkast kan tas bort. En inskickad ändringsansökan finns kvar.".into(),
            ));
        }
        record(
            conn,
            actor,
            now,
            action::DRAFT_SAVED,
            &request,
            format!(
                "{} tog bort utkastet till ändringsansökan {}",
                actor.name, request.number
            ),
            json!({"discarded": true}),
        )?;
        Ok(request.application_id.clone())
    })
}

/// The officer answers a submitted request: approved, in part, or refused, with reasons.
/// Where the grant's amounts or conditions change, a draft change decision is prepared for
/// a decision maker to sign; otherwise the answer is recorded and sent to the organisation.
pub fn answer(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    input: &AnswerInput,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<ChangeRequest, AppError> {
    let request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
    crate::assessment::ensure_may_handle(
        conn,
        actor,
        &request.application_id,
        now,
        "svara på en ändringsansökan",
        Role::Officer,
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, &request.application_id)?;
        let mut request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
        if request.status != ChangeRequestStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "Ändringsansökan har status \"{}\" och kan inte besvaras.",
                request.status.label().to_lowercase()
            )));
        }
        let mut lines = db::change_requests::lines(conn, &request.id)?;
        let asked = Asked {
            kind: request.kind,
            year: request.year,
            amount: request.amount_ore,
            budget: lines
                .iter()
                .map(|l| (l.cost_category_id.clone(), (l.before_ore, l.requested_ore)))
                .collect(),
        };
        let answer = rules::parse_answer(input, &asked).map_err(AppError::Invalid)?;
        for line in &mut lines {
            line.approved_ore = answer.budget.get(&line.cost_category_id).copied();
        }
        let grant = db::decisions::find(conn, &request.decision_id)?.ok_or(AppError::NotFound)?;
        let decision = if rules::needs_decision(request.kind, answer.outcome) {
            let state = grant_state(conn, &grant)?;
            let (kind, changes) = match request.kind {
                ChangeKind::Decline => {
                    if state.paid_total().is_positive() {
                        return Err(AppError::Conflict(
                            "Bidraget har börjat betalas ut sedan ändringsansökan kom in. Att avstå kan inte beviljas; ett ändringsbeslut om återkrav bereds på beslutets sida."
                                .into(),
                        ));
                    }
                    let changes: BTreeMap<i32, Ore> = state
                        .amounts
                        .iter()
                        .filter(|(_, a)| a.is_positive())
                        .map(|(y, a)| (*y, Ore::ZERO - *a))
                        .collect();
                    (DecisionKind::Revocation, changes)
                }
                ChangeKind::GiveBack => {
                    let year = request.year.ok_or(AppError::NotFound)?;
                    let amount = answer.amount.unwrap_or(Ore::ZERO);
                    let held = state.amounts.get(&year).copied().unwrap_or(Ore::ZERO);
                    if amount > held {
                        return Err(AppError::Conflict(format!(
                            "Bidraget för {year} är nu {held}, mindre än det som ska lämnas tillbaka."
                        )));
                    }
                    (
                        DecisionKind::Change,
                        BTreeMap::from([(year, Ore::ZERO - amount)]),
                    )
                }
                _ => (DecisionKind::Change, BTreeMap::new()),
            };
            let reasons = decision_reasons(&request, &lines, &state, &answer.answer);
            Some(crate::decisions::change::insert_draft_change(
                conn,
                actor,
                &grant,
                &request.application_id,
                (kind, reasons, &changes),
                now,
            )?)
        } else {
            None
        };
        request.status = answer.outcome;
        request.answer = Some(answer.answer.clone());
        request.handled_at = Some(now.naive_utc());
        request.handled_by = Some(actor.user_id.clone());
        request.approved_amount_ore = answer.amount;
        request.change_decision_id = decision.as_ref().map(|d| d.id.clone());
        request.updated_at = now.naive_utc();
        if db::change_requests::mark_handled(conn, &request, &lines)? != 1 {
            return Err(AppError::Conflict(
                "Ändringsansökan besvarades samtidigt av någon annan.".into(),
            ));
        }
        // A recorded answer goes to the organisation now; an answer that is a change
        // decision goes with the decision letter when it is signed.
        if decision.is_none() {
            let organisation = db::organisations::find(conn, &request.organisation_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            let link = format!("{}/andringar/{}", links.base, request.id);
            let contact = crate::agency::of_call(conn, &grant.call_id)?;
            let agency = agency_of(conn, &grant)?;
            let mail = Answered {
                agency: &agency,
                registration_number: &grant.registration_number,
                organisation: &organisation,
                number: request.number,
                outcome: request.status.label(),
                link: &link,
                contact: &contact,
            };
            let (subject, body) = (mail.subject(), render(&mail)?);
            for person in db::accounts::of_organisation(conn, &request.organisation_id)? {
                outbox::queue(
                    conn,
                    now,
                    About::case(outbox::kind::CHANGE_REQUEST, &request.application_id),
                    &person.email,
                    &subject,
                    &body,
                )?;
            }
        }
        record(
            conn,
            actor,
            now,
            action::ANSWERED,
            &request,
            format!(
                "{} besvarade ändringsansökan {} i {}: {}{}",
                actor.name,
                request.number,
                grant.registration_number,
                request.status.label().to_lowercase(),
                if decision.is_some() {
                    ", ändringsbeslut berett"
                } else {
                    ""
                }
            ),
            json!({
                "outcome": request.status.as_str(),
                "approved_amount_ore": request.approved_amount_ore.map(|a| a.ore()),
                "budget": lines.iter().map(|l| json!({"cost_category_id": l.cost_category_id, "approved_ore": l.approved_ore.map(|a| a.ore())})).collect::<Vec<_>>(),
                "change_decision_id": request.change_decision_id,
            }),
        )?;
        Ok(request)
    })
}

/// The reasons of the change decision an answer prepares: for a budget move the approved
/// budget per cost category (the condition that changes), then the officer's reasons.
fn decision_reasons(
    request: &ChangeRequest,
    lines: &[ChangeLine],
    state: &GrantState,
    answer: &str,
) -> String {
    let mut text = format!(
        "Ändringsansökan {} ({}) har kommit in.",
        request.number,
        request.kind.label().to_lowercase()
    );
    if request.kind == ChangeKind::Budget {
        let year = request.year.unwrap_or_default();
        text.push_str(&format!(
            "\n\nGodkänd fördelning mellan kostnadsslag för {year}:"
        ));
        for (id, name) in &state.categories {
            if let Some(line) = lines.iter().find(|l| &l.cost_category_id == id) {
                let approved = line.approved_ore.unwrap_or(line.before_ore);
                text.push_str(&format!(
                    "\n- {name}: {approved} (tidigare {}, sökt {})",
                    line.before_ore, line.requested_ore
                ));
            }
        }
    }
    text.push_str("\n\n");
    text.push_str(answer);
    text
}

fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    action: &str,
    request: &ChangeRequest,
    summary: String,
    mut details: serde_json::Value,
) -> Result<(), AppError> {
    if let Some(map) = details.as_object_mut() {
        map.insert("application_id".into(), json!(request.application_id));
        map.insert("number".into(), json!(request.number));
    }
    audit::record(
        conn,
        Some(actor),
        now,
        audit::Entry {
            action,
            entity_type: "change_request",
            entity_id: Some(&request.id),
            summary,
            details,
        },
    )?;
    Ok(())
}

fn agency_of(conn: &mut DbConnection, grant: &Decision) -> Result<String, AppError> {
    let call = db::calls::find_call(conn, &grant.call_id)?.ok_or(AppError::NotFound)?;
    Ok(db::calls::load_definition(conn, call)?
        .programme
        .agency_name)
}

fn render<T: Template>(template: &T) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("e-mail template: {e}")))
}

/// Kvittens: the change request has arrived.
#[derive(Template)]
#[template(path = "email/change_request_received.txt")]
struct Received<'a> {
    agency: &'a str,
    registration_number: &'a str,
    organisation: &'a str,
    number: i32,
    kind: &'a str,
    submitted_at: &'a str,
    submitted_by: &'a str,
    link: &'a str,
    contact: &'a Contact,
}

impl Received<'_> {
    fn subject(&self) -> String {
        format!(
            "Kvittens: ändringsansökan {} i {} har kommit in",
            self.number, self.registration_number
        )
    }
}

/// To the case's officer: a change request waits.
#[derive(Template)]
#[template(path = "email/change_request_to_officer.txt")]
struct ToOfficer<'a> {
    registration_number: &'a str,
    organisation: &'a str,
    number: i32,
    kind: &'a str,
    link: &'a str,
}

impl ToOfficer<'_> {
    fn subject(&self) -> String {
        format!(
            "Ändringsansökan {} i {} väntar på svar",
            self.number, self.registration_number
        )
    }
}

/// The recorded answer, to the organisation's people.
#[derive(Template)]
#[template(path = "email/change_request_answered.txt")]
struct Answered<'a> {
    agency: &'a str,
    registration_number: &'a str,
    organisation: &'a str,
    number: i32,
    outcome: &'a str,
    link: &'a str,
    contact: &'a Contact,
}

impl Answered<'_> {
    fn subject(&self) -> String {
        format!(
            "Svar på ändringsansökan {} i {}",
            self.number, self.registration_number
        )
    }
}

/// The officer asks the organisation for more about a request sent in: what, and by when.
/// The request waits ("komplettering begärd") until the organisation answers; the
/// organisation's people are told by e-mail.
pub fn request_supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    input: &crate::applications::workflow::SupplementInput,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<ChangeRequest, AppError> {
    let request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
    crate::assessment::ensure_may_handle(
        conn,
        actor,
        &request.application_id,
        now,
        "begära komplettering av en ändringsansökan",
        Role::Officer,
    )?;
    let (message, due_on, _) =
        crate::applications::workflow::parse_supplement(input, crate::clock::stockholm_date(now))?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, &request.application_id)?;
        if db::change_requests::set_status(
            conn,
            request_id,
            ChangeRequestStatus::Submitted,
            ChangeRequestStatus::SupplementRequested,
            now.naive_utc(),
        )? != 1
        {
            return Err(AppError::Conflict(
                "Komplettering kan bara begäras av en inskickad ändringsansökan som inte är besvarad och inte redan väntar på en komplettering.".into(),
            ));
        }
        let row = ChangeSupplement {
            id: db::new_id(),
            request_id: request_id.to_string(),
            requested_at: now.naive_utc(),
            requested_by: actor.user_id.clone(),
            message: message.clone(),
            due_on,
            answer: None,
            answered_at: None,
            answered_by: None,
        };
        db::change_requests::insert_supplement(conn, &row)?;
        let grant = db::decisions::find(conn, &request.decision_id)?.ok_or(AppError::NotFound)?;
        let agency = agency_of(conn, &grant)?;
        let contact = crate::agency::of_call(conn, &grant.call_id)?;
        let organisation = db::organisations::find(conn, &request.organisation_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        let due = due_on.to_string();
        let link = format!("{}/andringar/{}", links.base, request.id);
        let mail = SupplementAsked {
            agency: &agency,
            registration_number: &grant.registration_number,
            organisation: &organisation,
            number: request.number,
            message: &message,
            due_on: &due,
            link: &link,
            contact: &contact,
        };
        let (subject, body) = (mail.subject(), render(&mail)?);
        for person in db::accounts::of_organisation(conn, &request.organisation_id)? {
            outbox::queue(
                conn,
                now,
                About::case(outbox::kind::CHANGE_REQUEST, &request.application_id),
                &person.email,
                &subject,
                &body,
            )?;
        }
        record(
            conn,
            actor,
            now,
            action::SUPPLEMENT_REQUESTED,
            &request,
            format!(
                "{} begärde komplettering av ändringsansökan {} i {}, senast {due}",
                actor.name, request.number, grant.registration_number
            ),
            json!({"message": message, "due_on": due}),
        )?;
        let mut request = request.clone();
        request.status = ChangeRequestStatus::SupplementRequested;
        Ok(request)
    })
}

/// The organisation answers the open supplement (those who may submit); the request is
/// back with the officer, who is told by e-mail.
pub fn answer_supplement(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    answer: &str,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<ChangeRequest, AppError> {
    let request = db::change_requests::find(conn, request_id)?.ok_or(AppError::NotFound)?;
    writable_case(
        conn,
        actor,
        &request.application_id,
        OrgAction::SubmitCase,
        now,
    )?;
    let answer = crate::forms::required_text(answer, rules::TEXT_MAX, "ert svar")
        .map_err(|m| AppError::invalid("supplement_answer", m))?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, &request.application_id)?;
        let open = db::change_requests::supplements_of(conn, request_id)?
            .into_iter()
            .find(|s| s.answered_at.is_none());
        let Some(open) = open else {
            return Err(AppError::Conflict(
                "Ändringsansökan väntar inte på någon komplettering.".into(),
            ));
        };
        if db::change_requests::set_status(
            conn,
            request_id,
            ChangeRequestStatus::SupplementRequested,
            ChangeRequestStatus::Submitted,
            now.naive_utc(),
        )? != 1
            || db::change_requests::answer_supplement(
                conn,
                &open.id,
                &answer,
                &actor.user_id,
                now.naive_utc(),
            )? != 1
        {
            return Err(AppError::Conflict(
                "Kompletteringen besvarades samtidigt från en annan flik.".into(),
            ));
        }
        let grant = db::decisions::find(conn, &request.decision_id)?.ok_or(AppError::NotFound)?;
        let to = match crate::applications::assignment::officer_of(conn, &request.application_id)? {
            Some(officer) => Some(officer.email),
            None => db::accounts::find(conn, &open.requested_by)?.map(|u| u.email),
        };
        if let Some(to) = to {
            let organisation = db::organisations::find(conn, &request.organisation_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            let link = format!("{}/andringar/{}", links.base, request.id);
            let notice = ToOfficer {
                registration_number: &grant.registration_number,
                organisation: &organisation,
                number: request.number,
                kind: "komplettering besvarad",
                link: &link,
            };
            outbox::queue(
                conn,
                now,
                About::case(outbox::kind::CHANGE_REQUEST, &request.application_id),
                &to,
                &notice.subject(),
                &render(&notice)?,
            )?;
        }
        record(
            conn,
            actor,
            now,
            action::SUPPLEMENT_ANSWERED,
            &request,
            format!(
                "{} besvarade kompletteringen av ändringsansökan {} i {}",
                actor.name, request.number, grant.registration_number
            ),
            json!({"supplement_id": open.id}),
        )?;
        let mut request = request.clone();
        request.status = ChangeRequestStatus::Submitted;
        Ok(request)
    })
}

/// Komplettering begärd, to the organisation's people.
#[derive(Template)]
#[template(path = "email/change_request_supplement.txt")]
struct SupplementAsked<'a> {
    agency: &'a str,
    registration_number: &'a str,
    organisation: &'a str,
    number: i32,
    message: &'a str,
    due_on: &'a str,
    link: &'a str,
    contact: &'a Contact,
}

impl SupplementAsked<'_> {
    fn subject(&self) -> String {
        format!(
            "Komplettering begärs: ändringsansökan {} i {}",
            self.number, self.registration_number
        )
    }
}
