//! Assessment (bedömning): officers each rate every criterion of the call, side by side; the
//! presenting officer proposes amounts per year and a recommendation with reasons. An
//! officer who declares a conflict of interest (jäv) in a case neither assesses nor decides
//! it, and the declaration is part of the case.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit;
use crate::codes::{ApplicationStatus, Rating, Recommendation, Role};
use crate::db::applications::Application;
use crate::db::assessments::{Assessment, ConflictDeclaration, Proposal, ProposalYear};
use crate::db::calls::Criterion;
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::money::Ore;

pub const COMMENT_MAX: usize = 4000;
pub const REASONS_MAX: usize = 8000;

/// Action codes for the audit trail.
pub mod action {
    pub const CONFLICT_DECLARED: &str = "assessment.conflict_declared";
    pub const ASSESSED: &str = "assessment.saved";
    pub const PROPOSED: &str = "assessment.proposed";
}

fn is_staff(actor: &Actor) -> bool {
    matches!(actor.role, Role::Officer | Role::DecisionMaker)
}

/// Refuses someone who is not case staff, or who has declared a conflict in this case.
pub fn ensure_may_handle(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
    what: &str,
    role: Role,
) -> Result<Application, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    if actor.role != role {
        audit::record_denied(conn, actor, now, "application", Some(application_id), what)?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    if application.submitted_at.is_none() {
        // A draft never sent in is not a case yet: nothing to assess or decide.
        audit::record_denied(conn, actor, now, "application", Some(application_id), what)?;
        return Err(AppError::NotFound);
    }
    if db::assessments::has_conflict(conn, application_id, &actor.user_id)? {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(application_id),
            &format!("{what} trots anmält jäv"),
        )?;
        return Err(AppError::Refused(
            "Du har anmält jäv i ärendet och får inte bedöma eller besluta i det.".into(),
        ));
    }
    Ok(application)
}

/// Declares a conflict of interest in a case. It cannot be taken back: it stays part of the
/// case.
pub fn declare_conflict(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !is_staff(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(application_id),
            "anmäla jäv",
        )?;
        return Err(AppError::Forbidden);
    }
    let reason = forms::required_text(reason, 2000, "varför du är jävig")
        .map_err(|m| AppError::invalid("reason", m))?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        if db::assessments::has_conflict(conn, application_id, &actor.user_id)? {
            return Err(AppError::Conflict(
                "Du har redan anmält jäv i ärendet.".into(),
            ));
        }
        let declaration = ConflictDeclaration {
            id: db::new_id(),
            application_id: application.id.clone(),
            user_id: actor.user_id.clone(),
            declared_at: now.naive_utc(),
            reason: reason.clone(),
        };
        db::assessments::insert_conflict(conn, &declaration)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CONFLICT_DECLARED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!("{} anmälde jäv: {reason}", actor.name),
                details: json!({ "reason": reason }),
            },
        )?;
        Ok(())
    })
}

/// One rating as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RatingInput {
    /// The criterion's number in the call (1, 2, ...).
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "1")]
    pub criterion: String,
    /// `met`, `partly` or `not_met`.
    #[serde(default)]
    pub rating: String,
    #[serde(default)]
    pub comment: String,
}

fn parse_ratings(
    criteria: &[Criterion],
    input: &[RatingInput],
) -> Result<Vec<(Criterion, Rating, String)>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = Vec::new();
    for criterion in criteria {
        let field = |name: &str| format!("ratings.{}.{name}", criterion.position);
        let given = input
            .iter()
            .find(|r| r.criterion.trim() == criterion.position.to_string());
        let Some(given) = given else {
            errors.add(
                field("rating"),
                format!("Bedöm kriteriet \"{}\".", criterion.title),
            );
            continue;
        };
        let rating = match Rating::parse(given.rating.trim()) {
            Some(r) => Some(r),
            None => {
                errors.add(
                    field("rating"),
                    format!("Välj en bedömning för \"{}\".", criterion.title),
                );
                None
            }
        };
        let comment = forms::optional_text(&given.comment, COMMENT_MAX)
            .map_err(|m| errors.add(field("comment"), m))
            .ok();
        if let (Some(rating), Some(comment)) = (rating, comment) {
            if rating != Rating::Met && comment.is_empty() {
                errors.add(
                    field("comment"),
                    "Motivera en bedömning som inte är \"uppfyllt\".",
                );
            } else {
                out.push((criterion.clone(), rating, comment));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn assessable(application: &Application) -> Result<(), AppError> {
    match application.status {
        ApplicationStatus::Submitted
        | ApplicationStatus::Complete
        | ApplicationStatus::Assessed => Ok(()),
        other => Err(AppError::Conflict(format!(
            "Ärendet har status \"{}\" och kan inte bedömas nu.",
            other.label()
        ))),
    }
}

/// Saves an officer's assessment of every criterion (replacing their earlier one).
pub fn assess(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &[RatingInput],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    ensure_may_handle(
        conn,
        actor,
        application_id,
        now,
        "bedöma en ansökan",
        Role::Officer,
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        assessable(&application)?;
        let call = db::calls::find_call(conn, &application.call_id)?.ok_or(AppError::NotFound)?;
        let def = db::calls::load_definition(conn, call)?;
        let ratings = parse_ratings(&def.criteria, input).map_err(AppError::Invalid)?;
        let rows: Vec<Assessment> = ratings
            .iter()
            .map(|(criterion, rating, comment)| Assessment {
                id: db::new_id(),
                application_id: application.id.clone(),
                officer_id: actor.user_id.clone(),
                criterion_id: criterion.id.clone(),
                rating: *rating,
                comment: comment.clone(),
                created_at: now.naive_utc(),
            })
            .collect();
        db::assessments::replace_assessments(conn, &application.id, &actor.user_id, &rows)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::ASSESSED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "{} bedömde ansökan mot {} {}",
                    actor.name,
                    rows.len(),
                    if rows.len() == 1 { "kriterium" } else { "kriterier" }
                ),
                details: json!(ratings
                    .iter()
                    .map(|(c, r, comment)| json!({"criterion": c.position, "rating": r.as_str(), "comment": comment}))
                    .collect::<Vec<_>>()),
            },
        )?;
        Ok(())
    })
}

/// The presenting officer's proposal, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ProposalInput {
    /// `grant`, `partial` or `reject`.
    #[serde(default)]
    pub recommendation: String,
    #[serde(default)]
    pub reasons: String,
    /// Proposed amount per year, whole kronor; ignored for a rejection.
    #[serde(default, deserialize_with = "forms::text_map")]
    pub amounts: BTreeMap<String, String>,
}

/// Checks a proposal against what was applied for.
pub fn parse_proposal(
    input: &ProposalInput,
    applied: &BTreeMap<i32, Ore>,
) -> Result<(Recommendation, String, BTreeMap<i32, Ore>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let recommendation = Recommendation::parse(input.recommendation.trim());
    if recommendation.is_none() {
        errors.add(
            "recommendation",
            "Välj ett förslag: bevilja, bevilja delvis eller avslå.",
        );
    }
    let reasons = forms::required_text(&input.reasons, REASONS_MAX, "skälen för förslaget")
        .map_err(|m| errors.add("reasons", m))
        .unwrap_or_default();
    let mut amounts = BTreeMap::new();
    if recommendation != Some(Recommendation::Reject) {
        for (year, asked) in applied {
            let field = format!("amounts.{year}");
            let typed = input
                .amounts
                .get(&year.to_string())
                .cloned()
                .unwrap_or_default();
            if typed.trim().is_empty() {
                continue;
            }
            match Ore::parse_whole_kronor(&typed) {
                Ok(amount) if amount > *asked => errors.add(
                    field,
                    format!("Beloppet för {year} ({amount}) är högre än det sökta ({asked})."),
                ),
                Ok(amount) => {
                    amounts.insert(*year, amount);
                }
                Err(e) => errors.add(field, e.to_string()),
            }
        }
        for key in input.amounts.keys() {
            if !key
                .trim()
                .parse::<i32>()
                .is_ok_and(|y| applied.contains_key(&y))
                && !input.amounts[key].trim().is_empty()
            {
                errors.add(
                    format!("amounts.{key}"),
                    "Det har inte sökts något för det året.",
                );
            }
        }
        let total: Ore = amounts.values().copied().sum();
        if errors.is_empty() && total <= Ore::ZERO {
            errors.add(
                "amounts",
                "Ange belopp för minst ett år, eller föreslå avslag.",
            );
        }
        if recommendation == Some(Recommendation::Grant)
            && errors.is_empty()
            && amounts
                != applied
                    .iter()
                    .map(|(y, a)| (*y, *a))
                    .filter(|(_, a)| *a > Ore::ZERO)
                    .collect()
        {
            errors.add(
                "recommendation",
                "Beloppen är lägre än de sökta: föreslå \"bevilja delvis\".",
            );
        }
    }
    match (errors.is_empty(), recommendation) {
        (true, Some(r)) => Ok((r, reasons, amounts)),
        _ => Err(errors),
    }
}

/// What was applied for per year in the latest submitted version.
pub fn applied_amounts(
    conn: &mut DbConnection,
    application_id: &str,
) -> Result<BTreeMap<i32, Ore>, AppError> {
    Ok(
        db::applications::latest_submitted_requests_of(conn, application_id)?
            .into_iter()
            .collect(),
    )
}

/// The presenting officer proposes; the case is then assessed.
pub fn propose(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    input: &ProposalInput,
    now: DateTime<Utc>,
) -> Result<Proposal, AppError> {
    ensure_may_handle(
        conn,
        actor,
        application_id,
        now,
        "lämna förslag till beslut",
        Role::Officer,
    )?;
    db::write_tx(conn, |conn| {
        db::applications::lock(conn, application_id)?;
        let application =
            db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
        assessable(&application)?;
        let applied = applied_amounts(conn, &application.id)?;
        let (recommendation, reasons, amounts) =
            parse_proposal(input, &applied).map_err(AppError::Invalid)?;
        let proposal = Proposal {
            id: db::new_id(),
            application_id: application.id.clone(),
            officer_id: actor.user_id.clone(),
            recommendation,
            reasons: reasons.clone(),
            created_at: now.naive_utc(),
        };
        let years: Vec<ProposalYear> = amounts
            .iter()
            .map(|(year, amount)| ProposalYear {
                proposal_id: proposal.id.clone(),
                year: *year,
                amount_ore: *amount,
            })
            .collect();
        db::assessments::insert_proposal(conn, &proposal, &years)?;
        db::applications::set_status(conn, &application.id, ApplicationStatus::Assessed)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::PROPOSED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "{} föreslog: {}{}",
                    actor.name,
                    recommendation.label().to_lowercase(),
                    amounts
                        .iter()
                        .map(|(y, a)| format!(", {y}: {a}"))
                        .collect::<String>()
                ),
                details: json!({
                    "recommendation": recommendation.as_str(),
                    "amounts": amounts.iter().map(|(y, a)| json!({"year": y, "amount_ore": a.ore()})).collect::<Vec<_>>(),
                }),
            },
        )?;
        Ok(proposal)
    })
}

/// One officer's ratings, in the order of the criteria.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerColumn {
    pub officer_name: String,
    pub ratings: Vec<Option<Assessment>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub years: Vec<ProposalYear>,
    pub officer_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub declaration: ConflictDeclaration,
    pub name: String,
}

/// The assessment of a case, side by side, for the agency and auditors.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentView {
    pub criteria: Vec<Criterion>,
    pub columns: Vec<OfficerColumn>,
    pub proposals: Vec<ProposalView>,
    pub conflicts: Vec<ConflictView>,
}

impl AssessmentView {
    pub fn latest_proposal(&self) -> Option<&ProposalView> {
        self.proposals.last()
    }

    pub fn has_conflict(&self, user_id: &str) -> bool {
        self.conflicts
            .iter()
            .any(|c| c.declaration.user_id == user_id)
    }
}

fn name_of(conn: &mut DbConnection, user_id: &str) -> Result<String, AppError> {
    Ok(db::accounts::find(conn, user_id)?
        .map(|u| u.name)
        .unwrap_or_default())
}

pub fn view(
    conn: &mut DbConnection,
    application: &Application,
) -> Result<AssessmentView, AppError> {
    let call = db::calls::find_call(conn, &application.call_id)?.ok_or(AppError::NotFound)?;
    let def = db::calls::load_definition(conn, call)?;
    let all = db::assessments::assessments(conn, &application.id)?;
    let mut officers: Vec<String> = Vec::new();
    for a in &all {
        if !officers.contains(&a.officer_id) {
            officers.push(a.officer_id.clone());
        }
    }
    let mut columns = Vec::new();
    for officer in officers {
        columns.push(OfficerColumn {
            officer_name: name_of(conn, &officer)?,
            ratings: def
                .criteria
                .iter()
                .map(|c| {
                    all.iter()
                        .find(|a| a.officer_id == officer && a.criterion_id == c.id)
                        .cloned()
                })
                .collect(),
        });
    }
    let mut proposals = Vec::new();
    for (proposal, years) in db::assessments::proposals(conn, &application.id)? {
        proposals.push(ProposalView {
            officer_name: name_of(conn, &proposal.officer_id)?,
            proposal,
            years,
        });
    }
    let mut conflicts = Vec::new();
    for declaration in db::assessments::conflicts(conn, &application.id)? {
        conflicts.push(ConflictView {
            name: name_of(conn, &declaration.user_id)?,
            declaration,
        });
    }
    Ok(AssessmentView {
        criteria: def.criteria,
        columns,
        proposals,
        conflicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied() -> BTreeMap<i32, Ore> {
        BTreeMap::from([
            (2021, Ore::from_kronor(2_913_808)),
            (2022, Ore::from_kronor(3_363_938)),
        ])
    }

    fn input(rec: &str, a: &str, b: &str) -> ProposalInput {
        ProposalInput {
            recommendation: rec.into(),
            reasons: "Skäl.".into(),
            amounts: BTreeMap::from([("2021".into(), a.into()), ("2022".into(), b.into())]),
        }
    }

    #[test]
    fn a_proposal_never_exceeds_what_was_applied_for() {
        let errors = parse_proposal(&input("partial", "2913809", "1"), &applied())
            .err()
            .unwrap_or_default();
        assert!(errors.get("amounts.2021").is_some());
        assert!(parse_proposal(&input("partial", "1000000", "0"), &applied()).is_ok());
    }

    #[test]
    fn a_full_grant_proposes_what_was_applied_for_and_a_rejection_nothing() {
        assert!(parse_proposal(&input("grant", "2913808", "3363938"), &applied()).is_ok());
        assert!(
            parse_proposal(&input("grant", "2913808", "3000000"), &applied())
                .err()
                .unwrap_or_default()
                .get("recommendation")
                .is_some()
        );
        let (rec, _, amounts) = parse_proposal(&input("reject", "5", "5"), &applied())
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rec, Recommendation::Reject);
        assert!(amounts.is_empty());
    }
}
