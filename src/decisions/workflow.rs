//! Preparing and signing decisions. The presenting officer prepares a decision from the
//! case's proposal; a decision maker signs it. Signing is one transaction: the rules against
//! the call as it is at that moment (`sign_in_tx`), the letter made once with its SHA-256,
//! the case marked decided, the letter queued to the applicant, the audit entry.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::letter;
use crate::access;
use crate::accounts::Actor;
use crate::assessment;
use crate::audit::{self, action};
use crate::clock;
use crate::codes::{
    ApplicationKind, ApplicationStatus, DecisionKind, DecisionStatus, Recommendation, Role,
};
use crate::db::decisions::{Decision, DecisionDocument, DecisionYear};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::forms;
use crate::outbox::{self, Links, MailAttachment};

/// What the presenting officer may change when preparing: the reasons as they will read in
/// the letter (default: the proposal's).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PrepareInput {
    #[serde(default)]
    pub reasons: String,
}

/// Prepares the decision of a case from its latest proposal, replacing an earlier draft.
pub fn prepare(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &PrepareInput,
    now: DateTime<Utc>,
) -> Result<Decision, AppError> {
    assessment::ensure_may_handle(
        conn,
        actor,
        application_id,
        now,
        "bereda ett beslut",
        Role::Officer,
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if application.status != ApplicationStatus::Assessed {
            return Err(AppError::Conflict(format!(
                "Ärendet har status \"{}\". Ett beslut bereds när ansökan är bedömd och har ett förslag.",
                application.status.label()
            )));
        }
        let (proposal, years) = db::assessments::proposals(conn, &application.id)?
            .pop()
            .ok_or_else(|| AppError::Conflict("Ärendet har inget förslag till beslut.".into()))?;
        let reasons = if input.reasons.trim().is_empty() {
            proposal.reasons.clone()
        } else {
            forms::required_text(&input.reasons, assessment::REASONS_MAX, "skälen")
                .map_err(|m| AppError::invalid("reasons", m))?
        };
        for old in db::decisions::for_application(conn, &application.id)? {
            // A draft change to a signed decision in the case is a matter of its own.
            if old.status == DecisionStatus::Draft && old.amends_decision_id.is_none() {
                db::decisions::delete_draft(conn, &old.id)?;
            }
        }
        let call = db::calls::find_call(conn, &application.call_id)?.ok_or(AppError::NotFound)?;
        let def = db::calls::load_definition(conn, call)?;
        let kind = match (proposal.recommendation, application.kind) {
            (Recommendation::Reject, _) => DecisionKind::Rejection,
            (_, ApplicationKind::TopUp) => DecisionKind::TopUp,
            (Recommendation::Grant | Recommendation::Partial, _) => DecisionKind::Grant,
        };
        let first_year = years.iter().map(|y| y.year).min();
        let decision = Decision {
            id: db::new_id(),
            call_id: application.call_id.clone(),
            application_id: Some(application.id.clone()),
            organisation_id: application.organisation_id.clone(),
            kind,
            status: DecisionStatus::Draft,
            registration_number: application.registration_number.clone().unwrap_or_default(),
            decided_on: None,
            purpose: def.programme.purpose.clone(),
            reasons,
            report_due_on: first_year.and_then(|y| letter::report_due(&def, y)),
            presenting_officer_id: actor.user_id.clone(),
            decision_maker_id: None,
            amends_decision_id: None,
            redistribution_round_id: application.redistribution_round_id.clone(),
            source_note: None,
            created_at: now.naive_utc(),
            created_by: actor.user_id.clone(),
            signed_at: None,
        };
        let decision_years: Vec<DecisionYear> = if kind == DecisionKind::Rejection {
            Vec::new()
        } else {
            years
                .iter()
                .filter(|y| y.amount_ore > crate::money::Ore::ZERO)
                .map(|y| DecisionYear {
                    decision_id: decision.id.clone(),
                    year: y.year,
                    amount_ore: y.amount_ore,
                })
                .collect()
        };
        db::decisions::insert_draft(conn, &decision, &decision_years)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::DECISION_CREATED,
                entity_type: "decision",
                entity_id: Some(&decision.id),
                summary: format!(
                    "Beslut berett ({}) i {} av {}",
                    kind.label().to_lowercase(),
                    decision.registration_number,
                    actor.name
                ),
                details: json!({
                    "application_id": application.id,
                    "kind": kind.as_str(),
                    "amounts": decision_years.iter().map(|y| json!({"year": y.year, "amount_ore": y.amount_ore.ore()})).collect::<Vec<_>>(),
                }),
            },
        )?;
        Ok(decision)
    })
}

/// Makes and stores the letter of a decision that has just been signed, inside the signing
/// transaction. Returns the stored document.
pub fn issue_letter(
    conn: &mut DbConnection,
    decision_id: &str,
    now: DateTime<Utc>,
    reclaims: &[crate::payments::Reclaim],
) -> Result<DecisionDocument, AppError> {
    let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    let decided_on = decision
        .decided_on
        .ok_or_else(|| AppError::Internal("a letter is made only for a signed decision".into()))?;
    // One value for the PDF and for the words kept beside it, which the case page shows.
    let content = super::text::compose(conn, &decision, decided_on, reclaims, now)?;
    let letter_json = serde_json::to_string(&content)
        .map_err(|e| AppError::Internal(format!("letter text: {e}")))?;
    let bytes = crate::letters::render(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    let document = DecisionDocument {
        decision_id: decision.id.clone(),
        filename: letter::filename(&decision, decided_on),
        sha256: hex::encode(Sha256::digest(&bytes)),
        content: bytes,
        created_at: now.naive_utc(),
        letter_json: Some(letter_json),
    };
    db::decisions::insert_document(conn, &document)?;
    Ok(document)
}

/// A decision maker signs a draft decision.
pub fn sign(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<DecisionDocument, AppError> {
    let draft = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    let application_id = draft
        .application_id
        .clone()
        .ok_or_else(|| AppError::Conflict("Beslutet hör inte till någon ansökan.".into()))?;
    assessment::ensure_may_handle(
        conn,
        actor,
        &application_id,
        now,
        "fatta ett beslut",
        Role::DecisionMaker,
    )?;
    let decided_on = clock::stockholm_date(now);
    db::write_tx(conn, |conn| {
        // The case first, as preparing takes it: an officer replacing a draft (and deleting
        // its amount rows) waits until this signing has committed, and then sees it signed.
        db::applications::lock(conn, &application_id)?;
        let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
        let application =
            db::applications::find(conn, &application_id)?.ok_or(AppError::NotFound)?;
        let call = db::calls::find_call(conn, &decision.call_id)?.ok_or(AppError::NotFound)?;
        let applied: BTreeMap<i32, crate::money::Ore> =
            assessment::applied_amounts(conn, &application.id)?;
        super::sign_in_tx(
            conn,
            &decision,
            Some(&applied),
            call.max_recipients.max(0) as usize,
            actor,
            decided_on,
            now,
        )?;
        let reclaims = crate::payments::plan_for_decision(
            conn,
            &decision,
            &call,
            &actor.user_id,
            decided_on,
            now,
        )?;
        let document = issue_letter(conn, &decision.id, now, &reclaims)?;
        db::applications::set_status(conn, &application.id, ApplicationStatus::Decided)?;
        let organisation =
            db::organisations::find(conn, &decision.organisation_id)?.ok_or(AppError::NotFound)?;
        // The message says how the application was answered, as the case page does: a
        // partial grant must not read as a grant in full.
        let kind = if super::answers_application(&decision) {
            let granted: BTreeMap<i32, crate::money::Ore> =
                db::decisions::years(conn, &decision.id)?
                    .into_iter()
                    .map(|y| (y.year, y.amount_ore))
                    .collect();
            format!(
                "ansökan {}",
                super::outcome(&applied, &granted).label().to_lowercase()
            )
        } else {
            decision.kind.label().to_lowercase()
        };
        let decided = decided_on.to_string();
        let link = links.case(&application.id);
        let mail = outbox::DecisionSigned {
            agency: &call_agency(conn, &call)?,
            registration_number: &decision.registration_number,
            kind: &kind,
            organisation: &organisation.name,
            call_title: &call.title,
            decided_on: &decided,
            link: &link,
            sha256: &document.sha256,
            contact: &crate::agency::of_call(conn, &call.id)?,
        };
        let (subject, body) = (mail.subject(), mail.body()?);
        for person in db::accounts::of_organisation(conn, &organisation.id)? {
            outbox::queue_with_attachment(
                conn,
                now,
                outbox::About {
                    kind: outbox::kind::DECISION_SIGNED,
                    case: decision.application_id.as_deref(),
                },
                &person.email,
                &subject,
                &body,
                MailAttachment {
                    filename: document.filename.clone(),
                    content_type: "application/pdf".into(),
                    content: document.content.clone(),
                },
            )?;
        }
        let years = db::decisions::years(conn, &decision.id)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::DECISION_SIGNED,
                entity_type: "decision",
                entity_id: Some(&decision.id),
                summary: format!(
                    "{} fattade beslut ({}) i {} för {}",
                    actor.name,
                    decision.kind.label().to_lowercase(),
                    decision.registration_number,
                    organisation.name
                ),
                details: json!({
                    "application_id": application.id,
                    "decided_on": decided_on,
                    "sha256": document.sha256,
                    "amounts": years.iter().map(|y| json!({"year": y.year, "amount_ore": y.amount_ore.ore()})).collect::<Vec<_>>(),
                }),
            },
        )?;
        Ok(document)
    })
}

/// The agency that decides in the call's programme.
fn call_agency(conn: &mut DbConnection, call: &crate::db::calls::Call) -> Result<String, AppError> {
    Ok(db::calls::load_definition(conn, call.clone())?
        .programme
        .agency_name)
}

/// A signed letter for download, to whoever may read the case; byte-identical to what was
/// made at signing.
pub fn document(
    conn: &mut DbConnection,
    actor: &Actor,
    decision_id: &str,
    now: DateTime<Utc>,
) -> Result<DecisionDocument, AppError> {
    let decision = db::decisions::find(conn, decision_id)?.ok_or(AppError::NotFound)?;
    if !access::can_read_case(actor, &decision.organisation_id) {
        audit::record_denied(
            conn,
            actor,
            now,
            "decision",
            Some(decision_id),
            "hämta ett beslutsbrev",
        )?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    if decision.status != DecisionStatus::Signed {
        return Err(AppError::NotFound);
    }
    db::decisions::document(conn, decision_id)?.ok_or(AppError::NotFound)
}

/// The decision date the signing will carry, for the confirmation page.
pub fn decision_day(now: DateTime<Utc>) -> NaiveDate {
    clock::stockholm_date(now)
}
