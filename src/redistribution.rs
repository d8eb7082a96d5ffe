//! Redistribution rounds (omfördelning): in the autumn the officer opens a round for a call
//! and year, with a last day. What is available is the year's ceiling, less what is granted,
//! plus unused money paid back, and it is read live from the decisions, never stored.
//! Organisations already granted in the call apply for more; the applications are assessed
//! like any other and decided as top-ups (`DecisionKind::TopUp`) under the same signing
//! rules, so that no combination of top-ups passes what is available. What no one is
//! granted stays visibly unallocated.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access;
use crate::accounts::Actor;
use crate::applications::workflow::signatory_refusal;
use crate::audit::{self, action as audit_action};
use crate::clock;
use crate::codes::{ApplicationKind, ApplicationStatus, CallStatus, Role, VersionStatus};
use crate::dashboard::{self, YearMoney};
use crate::db::applications::{Application, BudgetLine, Version, YearRequest};
use crate::db::calls::{Call, CostCategory};
use crate::db::redistribution::Round;
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::money::Ore;
use crate::outbox::{self, Links};
use crate::registration;

pub mod action {
    pub const OPENED: &str = "round.opened";
    pub const CLOSED: &str = "round.closed";
}

/// Longest reasons for asking for more money.
pub const REASONS_MAX: usize = 8000;
/// Longest description of a budget line.
pub const DESCRIPTION_MAX: usize = 500;

/// What the officer types to open a round.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RoundInput {
    #[serde(default)]
    pub year: String,
    /// The last day to apply, `YYYY-MM-DD`; open until 23:59 Stockholm time that day.
    #[serde(default)]
    pub last_day: String,
}

/// Checks a round against the call: one of its years, a last day from today on.
pub fn parse_round(
    input: &RoundInput,
    call_years: &[i32],
    today: NaiveDate,
) -> Result<(i32, NaiveDate), FieldErrors> {
    let mut errors = FieldErrors::new();
    let year = match input.year.trim().parse::<i32>() {
        Ok(year) if call_years.contains(&year) => Some(year),
        _ => {
            errors.add(
                "year",
                format!(
                    "Välj ett av utlysningens år: {}.",
                    call_years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
    };
    let last_day = match forms::date(&input.last_day, "sista dag att ansöka") {
        Ok(day) if day < today => {
            errors.add(
                "last_day",
                format!("Sista dagen kan inte ligga före i dag ({today})."),
            );
            None
        }
        Ok(day) => Some(day),
        Err(message) => {
            errors.add("last_day", message);
            None
        }
    };
    match (year, last_day) {
        (Some(year), Some(day)) if errors.is_empty() => Ok((year, day)),
        _ => Err(errors),
    }
}

fn require_officer(
    conn: &mut DbConnection,
    actor: &Actor,
    entity: Option<&str>,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if actor.role != Role::Officer {
        audit::record_denied(conn, actor, now, "redistribution_round", entity, what)?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    Ok(())
}

/// The officer opens a round for a call and year.
pub fn open_round(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    input: &RoundInput,
    now: DateTime<Utc>,
) -> Result<Round, AppError> {
    require_officer(conn, actor, Some(call_id), "öppna en omfördelning", now)?;
    db::write_tx(conn, |conn| {
        let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
        if call.status == CallStatus::Draft {
            return Err(AppError::Conflict(
                "Utlysningen är inte publicerad; det finns inga beslut att fördela om.".into(),
            ));
        }
        let years: Vec<i32> = db::calls::call_years(conn, call_id)?
            .iter()
            .map(|y| y.year)
            .collect();
        let (year, last_day) =
            parse_round(input, &years, clock::stockholm_date(now)).map_err(AppError::Invalid)?;
        if db::redistribution::for_call(conn, call_id)?
            .iter()
            .any(|r| r.year == year && r.status == "open")
        {
            return Err(AppError::invalid(
                "year",
                format!("Det finns redan en öppen omfördelning för {year}. Stäng den först."),
            ));
        }
        let round = Round {
            id: db::new_id(),
            call_id: call.id.clone(),
            year,
            opens_on: clock::stockholm_date(now),
            last_day,
            status: "open".into(),
            created_by: actor.user_id.clone(),
            created_at: now.naive_utc(),
            closed_at: None,
        };
        db::redistribution::insert(conn, &round)?;
        let money = year_money(conn, &call.id, year)?;
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::OPENED,
                entity_type: "redistribution_round",
                entity_id: Some(&round.id),
                summary: format!(
                    "Omfördelning för {year} öppnad av {} i {}, sista dag {last_day}; tillgängligt {}",
                    actor.name,
                    call.title,
                    money.available()
                ),
                details: json!({"call_id": call.id, "year": year, "last_day": last_day, "available_ore": money.available().ore()}),
            },
        )?;
        Ok(round)
    })
}

/// The officer closes a round: no more applications; those made are still decided.
pub fn close_round(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    now: DateTime<Utc>,
) -> Result<Round, AppError> {
    require_officer(conn, actor, Some(round_id), "stänga en omfördelning", now)?;
    db::write_tx(conn, |conn| {
        let round = db::redistribution::find(conn, round_id)?.ok_or(AppError::NotFound)?;
        if db::redistribution::close(conn, round_id, now.naive_utc())? != 1 {
            return Err(AppError::Conflict("Omfördelningen är redan stängd.".into()));
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::CLOSED,
                entity_type: "redistribution_round",
                entity_id: Some(round_id),
                summary: format!("Omfördelning för {} stängd av {}", round.year, actor.name),
                details: json!({"call_id": round.call_id, "year": round.year}),
            },
        )?;
        db::redistribution::find(conn, round_id)?.ok_or(AppError::NotFound)
    })
}

/// The money of one year of a call, as the dashboard counts it.
pub fn year_money(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
) -> Result<YearMoney, AppError> {
    dashboard::figures(conn, call_id)?
        .into_iter()
        .find(|y| y.year == year)
        .ok_or(AppError::NotFound)
}

/// One application in a round, with what was asked and what has been granted on it.
#[derive(Debug, Clone, Serialize)]
pub struct RoundApplication {
    pub application: Application,
    pub organisation: String,
    pub requested: Ore,
    pub granted: Ore,
    /// Once decided: how (see `decisions::outcome`).
    pub outcome: Option<crate::decisions::Outcome>,
}

impl RoundApplication {
    pub fn status_label(&self) -> &'static str {
        crate::applications::status_label(self.application.status, self.outcome)
    }
}

/// A round as the agency sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RoundView {
    pub round: Round,
    pub call: Call,
    pub money: YearMoney,
    pub applications: Vec<RoundApplication>,
    /// Whether applications are still taken (open and not past the last day).
    pub taking_applications: bool,
}

impl RoundView {
    pub fn requested_total(&self) -> Ore {
        self.applications.iter().map(|a| a.requested).sum()
    }

    pub fn granted_total(&self) -> Ore {
        self.applications.iter().map(|a| a.granted).sum()
    }
}

fn taking_applications(round: &Round, now: DateTime<Utc>) -> bool {
    round.status == "open" && !clock::is_past_last_day(round.last_day, now)
}

/// A round with its live figures, for the agency and auditors.
pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    now: DateTime<Utc>,
) -> Result<RoundView, AppError> {
    if !access::can_list_all_cases(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "redistribution_round",
            Some(round_id),
            "se en omfördelning",
        )?;
        return Err(if actor.role == Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    let round = db::redistribution::find(conn, round_id)?.ok_or(AppError::NotFound)?;
    let call = db::calls::find_call(conn, &round.call_id)?.ok_or(AppError::NotFound)?;
    let money = year_money(conn, &call.id, round.year)?;
    // The round's applications with their amounts and outcomes in a few queries, not six
    // per application.
    let ids = db::redistribution::application_ids(conn, &round.id)?;
    let granted = db::redistribution::signed_totals(conn, &ids)?;
    let rows = db::applications::with_organisation(conn, &ids)?;
    let applications = crate::applications::summaries(conn, rows)?
        .into_iter()
        .map(|s| RoundApplication {
            requested: s.requested.values().copied().sum(),
            granted: granted.get(&s.application.id).copied().unwrap_or(Ore::ZERO),
            outcome: s.outcome,
            organisation: s.organisation.name,
            application: s.application,
        })
        .collect();
    Ok(RoundView {
        taking_applications: taking_applications(&round, now),
        round,
        call,
        money,
        applications,
    })
}

/// The rounds of a call, for its page.
pub fn rounds_of_call(conn: &mut DbConnection, call_id: &str) -> Result<Vec<Round>, AppError> {
    Ok(db::redistribution::for_call(conn, call_id)?)
}

/// The rounds of a call, for the agency and auditors (as the call's page of rounds).
/// Refusals are recorded.
pub fn rounds_for(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Round>, AppError> {
    if !access::can_list_all_cases(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "call",
            Some(call_id),
            "se utlysningens omfördelningar",
        )?;
        return Err(AppError::Forbidden);
    }
    db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    rounds_of_call(conn, call_id)
}

/// The rounds a person may act on now: for an applicant, those their organisation may apply
/// in (as their start page lists them); for the agency and auditors, every open round.
pub fn open_rounds_for(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<(Round, Call)>, AppError> {
    match (actor.role, actor.organisation_id.as_deref()) {
        (Role::Applicant, Some(org)) => open_for_organisation(conn, org, now),
        _ if access::can_list_all_cases(actor) => {
            let mut out = Vec::new();
            for round in db::redistribution::open_rounds(conn)? {
                if let Some(call) = db::calls::find_call(conn, &round.call_id)? {
                    out.push((round, call));
                }
            }
            Ok(out)
        }
        _ => {
            audit::record_denied(
                conn,
                actor,
                now,
                "redistribution_round",
                None,
                "se omfördelningar",
            )?;
            Err(AppError::Forbidden)
        }
    }
}

/// What an organisation types to ask for more money: an amount per cost category of the
/// call, a description for each amount, and the reasons.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TopUpInput {
    /// Whole kronor per cost category code; empty or missing means nothing.
    #[serde(default, deserialize_with = "forms::text_map")]
    pub amounts: BTreeMap<String, String>,
    /// What the money is for, per cost category code.
    #[serde(default)]
    pub descriptions: BTreeMap<String, String>,
    #[serde(default)]
    pub reasons: String,
}

/// A checked request: the amount per cost category with its description, and the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct TopUpRequest {
    pub lines: Vec<(CostCategory, Ore, String)>,
    pub reasons: String,
}

impl TopUpRequest {
    pub fn total(&self) -> Ore {
        self.lines.iter().map(|(_, a, _)| *a).sum()
    }
}

/// Checks what was typed. Field names: `amounts.<code>`, `descriptions.<code>`, `reasons`.
pub fn parse_top_up(
    input: &TopUpInput,
    categories: &[CostCategory],
) -> Result<TopUpRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut lines = Vec::new();
    for key in input.amounts.keys() {
        if !categories.iter().any(|c| &c.code == key) {
            errors.add(format!("amounts.{key}"), "Okänd kostnadskategori.");
        }
    }
    for category in categories {
        let typed = input
            .amounts
            .get(&category.code)
            .map(|s| s.trim())
            .unwrap_or_default();
        if typed.is_empty() {
            continue;
        }
        let field = format!("amounts.{}", category.code);
        match Ore::parse_whole_kronor(typed) {
            Ok(amount) if amount == Ore::ZERO => {}
            Ok(amount) => {
                let description = input
                    .descriptions
                    .get(&category.code)
                    .cloned()
                    .unwrap_or_default();
                match forms::required_text(
                    &description,
                    DESCRIPTION_MAX,
                    "vad pengarna ska användas till",
                ) {
                    Ok(description) => lines.push((category.clone(), amount, description)),
                    Err(message) => errors.add(format!("descriptions.{}", category.code), message),
                }
            }
            Err(e) => errors.add(field, e.to_string()),
        }
    }
    let reasons = forms::required_text(&input.reasons, REASONS_MAX, "varför ni behöver mer medel")
        .map_err(|m| errors.add("reasons", m))
        .unwrap_or_default();
    if errors.is_empty() && lines.is_empty() {
        errors.add(
            "amounts",
            "Ange hur mycket ni söker för minst en kostnadskategori.",
        );
    }
    if errors.is_empty() {
        Ok(TopUpRequest { lines, reasons })
    } else {
        Err(errors)
    }
}

/// Why an organisation may not apply in a round, if it may not.
pub fn top_up_refusal(
    round: &Round,
    now: DateTime<Utc>,
    organisation: &str,
    granted_in_call: Ore,
    already_applied: bool,
) -> Option<String> {
    if !granted_in_call.is_positive() {
        return Some(format!(
            "{organisation} har inget beviljat statsbidrag i utlysningen. Bara organisationer som redan har bidrag i utlysningen kan söka ytterligare medel i omfördelningen."
        ));
    }
    if round.status != "open" {
        return Some("Omfördelningen är stängd.".into());
    }
    if clock::is_past_last_day(round.last_day, now) {
        return Some(format!(
            "Sista dag att ansöka i omfördelningen var {} kl. 23.59.",
            round.last_day
        ));
    }
    if already_applied {
        return Some(format!(
            "{organisation} har redan ansökt i den här omfördelningen. Varje organisation ansöker en gång per omfördelning."
        ));
    }
    None
}

/// What an organisation holds in a call now, over all years and decisions.
fn granted_to(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
) -> Result<Ore, AppError> {
    Ok(db::decisions::signed_amounts_for_call(conn, call_id)?
        .iter()
        .filter(|s| s.organisation_id == organisation_id)
        .map(|s| s.amount)
        .sum())
}

/// The applicant's view of a round: the form, or why it is not for them.
#[derive(Debug, Clone, Serialize)]
pub struct TopUpForm {
    pub round: Round,
    pub call: Call,
    pub organisation: String,
    pub categories: Vec<CostCategory>,
    pub refusal: Option<String>,
    /// Their application in the round, when they have made one.
    pub application_id: Option<String>,
}

fn applicant_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<String, AppError> {
    match (&actor.role, &actor.organisation_id) {
        (Role::Applicant, Some(org)) => Ok(org.clone()),
        _ => {
            audit::record_denied(
                conn,
                actor,
                now,
                "redistribution_round",
                Some(round_id),
                what,
            )?;
            Err(AppError::Forbidden)
        }
    }
}

/// The form for asking for more money in a round.
pub fn top_up_form(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    now: DateTime<Utc>,
) -> Result<TopUpForm, AppError> {
    let organisation_id =
        applicant_organisation(conn, actor, round_id, now, "ansöka i en omfördelning")?;
    let round = db::redistribution::find(conn, round_id)?.ok_or(AppError::NotFound)?;
    let call = db::calls::find_call(conn, &round.call_id)?.ok_or(AppError::NotFound)?;
    let def = db::calls::load_definition(conn, call.clone())?;
    let organisation = db::organisations::find(conn, &organisation_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let application_id = db::redistribution::application_of(conn, &round.id, &organisation_id)?;
    let granted = granted_to(conn, &call.id, &organisation_id)?;
    Ok(TopUpForm {
        refusal: top_up_refusal(
            &round,
            now,
            &organisation,
            granted,
            application_id.is_some(),
        ),
        round,
        call,
        organisation,
        categories: def.cost_categories,
        application_id,
    })
}

/// Rounds the organisation may apply in now, for its start page.
pub fn open_for_organisation(
    conn: &mut DbConnection,
    organisation_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(Round, Call)>, AppError> {
    let mut open = Vec::new();
    for round in db::redistribution::open_rounds(conn)? {
        if clock::is_past_last_day(round.last_day, now)
            || db::redistribution::application_of(conn, &round.id, organisation_id)?.is_some()
            || !granted_to(conn, &round.call_id, organisation_id)?.is_positive()
        {
            continue;
        }
        if let Some(call) = db::calls::find_call(conn, &round.call_id)? {
            open.push((round, call));
        }
    }
    Ok(open)
}

/// A filed application for more money.
#[derive(Debug, Clone, Serialize)]
pub struct TopUpReceipt {
    pub application_id: String,
    pub registration_number: String,
    pub requested: Ore,
}

/// An organisation asks for more money in a round. The application is filed at once (there
/// is no draft: the form is short and comes back with everything typed when it is refused).
pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    input: &TopUpInput,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<TopUpReceipt, AppError> {
    let form = top_up_form(conn, actor, round_id, now)?;
    if let Some(reason) = &form.refusal {
        // Refusals are on record; an organisation without a grant is told why.
        audit::record_denied(
            conn,
            actor,
            now,
            "redistribution_round",
            Some(round_id),
            "ansöka om ytterligare medel",
        )?;
        return Err(AppError::Refused(reason.clone()));
    }
    if let Some(reason) = signatory_refusal(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "redistribution_round",
            Some(round_id),
            "ansöka utan rätt att skicka in för organisationen",
        )?;
        return Err(AppError::Refused(reason));
    }
    let request = parse_top_up(input, &form.categories).map_err(AppError::Invalid)?;
    let organisation_id = actor.organisation_id.clone().unwrap_or_default();
    db::write_tx(conn, |conn| {
        // Checked again inside the transaction: the round may have closed, or a colleague
        // applied a moment ago (the unique index catches the last race).
        let round = db::redistribution::find(conn, round_id)?.ok_or(AppError::NotFound)?;
        let already = db::redistribution::application_of(conn, &round.id, &organisation_id)?;
        let granted = granted_to(conn, &round.call_id, &organisation_id)?;
        if let Some(reason) =
            top_up_refusal(&round, now, &form.organisation, granted, already.is_some())
        {
            return Err(AppError::Conflict(reason));
        }
        let initial = db::applications::find_initial(conn, &round.call_id, &organisation_id)?;
        let title = format!(
            "Ytterligare medel {}: {}",
            round.year,
            initial.map(|a| a.project_title).unwrap_or_default()
        );
        let number = registration::next(conn, chrono::Datelike::year(&clock::stockholm_date(now)))?;
        let application = Application {
            id: db::new_id(),
            call_id: round.call_id.clone(),
            organisation_id: organisation_id.clone(),
            kind: ApplicationKind::TopUp,
            redistribution_round_id: Some(round.id.clone()),
            status: ApplicationStatus::Submitted,
            registration_number: Some(number.clone()),
            project_title: title.clone(),
            source_note: None,
            created_by: Some(actor.user_id.clone()),
            created_at: now.naive_utc(),
            submitted_at: Some(now.naive_utc()),
            submitted_by: Some(actor.user_id.clone()),
        };
        db::applications::insert(conn, &application)?;
        let version = Version {
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
            reasons: Some(request.reasons.clone()),
        };
        db::applications::insert_version(conn, &version)?;
        let lines: Vec<BudgetLine> = request
            .lines
            .iter()
            .map(|(category, amount, description)| BudgetLine {
                id: db::new_id(),
                version_id: version.id.clone(),
                year: round.year,
                cost_category_id: category.id.clone(),
                amount_ore: *amount,
                description: description.clone(),
            })
            .collect();
        let years = [YearRequest {
            version_id: version.id.clone(),
            year: round.year,
            requested_ore: request.total(),
        }];
        db::applications::replace_draft_rows(conn, &version.id, &[], &years, Some((&lines, &[])))?;
        db::applications::mark_version_submitted(
            conn,
            &version.id,
            now.naive_utc(),
            Some(&actor.user_id),
        )?;
        let call = db::calls::find_call(conn, &round.call_id)?.ok_or(AppError::NotFound)?;
        let def = db::calls::load_definition(conn, call)?;
        let when = clock::format_stockholm(now.naive_utc());
        let submitter = format!("{} ({})", actor.name, actor.email);
        let next_steps = crate::applications::what_happens_next(
            &def.programme.agency_name,
            None,
            1,
            def.call.payment_month,
        );
        let receipt = outbox::Receipt {
            agency: &def.programme.agency_name,
            registration_number: &number,
            organisation: &form.organisation,
            call_title: &def.call.title,
            project_title: &title,
            version: 1,
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
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: audit_action::APPLICATION_SUBMITTED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Ansökan om ytterligare medel {number} för {} inskickad av {} för {}: {}",
                    round.year,
                    actor.name,
                    form.organisation,
                    request.total()
                ),
                details: json!({
                    "registration_number": number,
                    "redistribution_round_id": round.id,
                    "requested": [{"year": round.year, "amount_ore": request.total().ore()}],
                }),
            },
        )?;
        Ok(TopUpReceipt {
            application_id: application.id,
            registration_number: number,
            requested: request.total(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories() -> Vec<CostCategory> {
        vec![CostCategory {
            id: "c1".into(),
            call_id: "call".into(),
            position: 1,
            code: "personal".into(),
            name: "Personal".into(),
        }]
    }

    fn round(status: &str, last_day: &str) -> Round {
        Round {
            id: "r".into(),
            call_id: "call".into(),
            year: 2021,
            opens_on: "2021-09-01".parse().unwrap(),
            last_day: last_day.parse().unwrap(),
            status: status.into(),
            created_by: "u".into(),
            created_at: chrono::NaiveDateTime::default(),
            closed_at: None,
        }
    }

    #[test]
    fn a_negative_or_empty_top_up_is_refused_with_the_field() {
        let input = TopUpInput {
            amounts: BTreeMap::from([("personal".into(), "-500 000".into())]),
            descriptions: BTreeMap::new(),
            reasons: "Fler platser.".into(),
        };
        let errors = parse_top_up(&input, &categories()).unwrap_err();
        assert_eq!(
            errors.get("amounts.personal"),
            Some("Beloppet får inte vara negativt.")
        );
        let empty = TopUpInput {
            reasons: "Fler platser.".into(),
            ..Default::default()
        };
        assert!(
            parse_top_up(&empty, &categories())
                .unwrap_err()
                .get("amounts")
                .is_some()
        );
    }

    #[test]
    fn a_top_up_sums_its_lines() {
        let input = TopUpInput {
            amounts: BTreeMap::from([("personal".into(), "500 000".into())]),
            descriptions: BTreeMap::from([("personal".into(), "En sjuksköterska till".into())]),
            reasons: "Fler platser.".into(),
        };
        let request = parse_top_up(&input, &categories()).unwrap();
        assert_eq!(request.total(), Ore::from_kronor(500_000));
    }

    #[test]
    fn only_an_organisation_with_a_grant_applies_while_the_round_is_open() {
        let now: DateTime<Utc> = "2021-09-15T10:00:00Z".parse().unwrap();
        let open = round("open", "2021-09-30");
        let kr = Ore::from_kronor;
        assert!(top_up_refusal(&open, now, "Region Skåne", kr(1), false).is_none());
        assert!(
            top_up_refusal(&open, now, "Region Stockholm", Ore::ZERO, false)
                .unwrap()
                .contains("inget beviljat statsbidrag")
        );
        assert!(top_up_refusal(&open, now, "Region Skåne", kr(1), true).is_some());
        assert!(top_up_refusal(&round("closed", "2021-09-30"), now, "R", kr(1), false).is_some());
        assert!(top_up_refusal(&round("open", "2021-09-14"), now, "R", kr(1), false).is_some());
    }
}
