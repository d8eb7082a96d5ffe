//! Applications: who may see which, and how a case reads (versions, supplements,
//! decisions). `draft` holds the rules for what an applicant types, `workflow` the steps of
//! a case, `diff` what changed between versions.

pub mod assignment;
pub mod diff;
pub mod draft;
pub mod export;
pub mod lists;
pub mod workflow;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::db::applications::{
    Answer, Application, AttachmentInfo, BudgetLine, StaffLine, SupplementRequest, Version,
    YearRequest,
};
use crate::db::calls::{Call, CallDefinition, CallSection};
use crate::db::decisions::{Decision, DecisionYear};
use crate::db::organisations::Organisation;
use crate::db::{self, DbConnection};
use crate::decisions::Outcome;
use crate::error::AppError;
use crate::letters::Letter;
use crate::money::Ore;

/// The status people read: once an application is decided, how it was decided ("Beviljad",
/// "Delvis beviljad", "Avslagen"), on the case page and in every list.
pub fn status_label(
    status: crate::codes::ApplicationStatus,
    outcome: Option<Outcome>,
) -> &'static str {
    match (status, outcome) {
        (crate::codes::ApplicationStatus::Decided, Some(o)) => o.label(),
        _ => status.label(),
    }
}

/// The code beside the label (CSS class, list filter): the outcome's once decided.
pub fn status_code(
    status: crate::codes::ApplicationStatus,
    outcome: Option<Outcome>,
) -> &'static str {
    match (status, outcome) {
        (crate::codes::ApplicationStatus::Decided, Some(o)) => o.as_str(),
        _ => status.as_str(),
    }
}

/// One line of a list of applications.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationSummary {
    pub application: Application,
    pub organisation: Organisation,
    pub call_title: String,
    /// Applied for per year in the latest submitted version.
    pub requested: BTreeMap<i32, Ore>,
    /// Once decided: how (see `decisions::outcome`).
    pub outcome: Option<Outcome>,
}

impl ApplicationSummary {
    pub fn status_label(&self) -> &'static str {
        status_label(self.application.status, self.outcome)
    }

    pub fn status_code(&self) -> &'static str {
        status_code(self.application.status, self.outcome)
    }

    /// The amount applied for a year, or a dash where none was given.
    pub fn requested_for(&self, year: &i32) -> String {
        self.requested
            .get(year)
            .map(|a| a.to_string())
            .unwrap_or_else(|| "–".to_string())
    }
}

/// Sums of what was applied for per year over a list of applications.
pub fn requested_sums(summaries: &[ApplicationSummary], years: &[i32]) -> Vec<Ore> {
    years
        .iter()
        .map(|y| summaries.iter().filter_map(|s| s.requested.get(y)).sum())
        .collect()
}

/// The applications a person may list, as a filter: an applicant their own organisation's
/// (drafts too), the agency's staff and auditors every one that has arrived. Anyone else is
/// refused, and the attempt recorded.
pub fn visible_to(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<db::applications::ListFilter, AppError> {
    let mut filter = db::applications::ListFilter {
        call_id: call_id.map(str::to_string),
        ..Default::default()
    };
    if access::can_list_all_cases(actor) {
        // An organisation's drafts are its own until it submits: the agency lists cases
        // that have arrived.
        filter.submitted_only = true;
    } else if let (crate::codes::Role::Applicant, Some(org)) =
        (actor.role, actor.organisation_id.as_deref())
    {
        filter.organisation_id = Some(org.to_string());
    } else {
        audit::record_denied(conn, actor, now, "application", None, "lista ansökningar")?;
        return Err(AppError::Forbidden);
    }
    Ok(filter)
}

/// One page of a list of applications, and how many the filter holds in all.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryPage {
    pub rows: Vec<ApplicationSummary>,
    pub total: i64,
}

/// One page of what `filter` holds, in the asked order, with the amounts and outcomes of
/// the page's rows only: the work grows with the page, not with the call.
pub fn page(
    conn: &mut DbConnection,
    filter: &db::applications::ListFilter,
    sort: db::applications::ListSort,
    descending: bool,
    limit: i64,
    offset: i64,
) -> Result<SummaryPage, AppError> {
    let total = db::applications::count(conn, filter)?;
    page_of(conn, filter, sort, descending, limit, offset, total)
}

/// As [`page`], with the count already known.
pub fn page_of(
    conn: &mut DbConnection,
    filter: &db::applications::ListFilter,
    sort: db::applications::ListSort,
    descending: bool,
    limit: i64,
    offset: i64,
    total: i64,
) -> Result<SummaryPage, AppError> {
    let rows = if offset < total {
        db::applications::list_page(conn, filter, sort, descending, limit, offset)?
    } else {
        Vec::new()
    };
    Ok(SummaryPage {
        rows: summaries(conn, rows)?,
        total,
    })
}

/// Every application a person may list (an applicant's organisation's: a short list).
/// Optionally only those of one call.
pub fn list_for(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<ApplicationSummary>, AppError> {
    let filter = visible_to(conn, actor, call_id, now)?;
    let rows = db::applications::list_page(
        conn,
        &filter,
        db::applications::ListSort::RegistrationNumber,
        false,
        i64::MAX,
        0,
    )?;
    summaries(conn, rows)
}

/// The lines of a list: each application with what it applies for and how it was decided.
pub fn summaries(
    conn: &mut DbConnection,
    rows: Vec<(Application, Organisation)>,
) -> Result<Vec<ApplicationSummary>, AppError> {
    let ids: Vec<String> = rows.iter().map(|(a, _)| a.id.clone()).collect();
    let mut requested: BTreeMap<String, BTreeMap<i32, Ore>> = BTreeMap::new();
    for (app_id, year, amount) in db::applications::latest_submitted_requests(conn, &ids)? {
        requested.entry(app_id).or_default().insert(year, amount);
    }
    let decided: Vec<(String, BTreeMap<i32, Ore>)> = rows
        .iter()
        .filter(|(a, _)| a.status == crate::codes::ApplicationStatus::Decided)
        .map(|(a, _)| {
            (
                a.id.clone(),
                requested.get(&a.id).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut outcomes = crate::decisions::outcomes(conn, &decided)?;
    let mut call_titles: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (application, organisation) in rows {
        let call_title = match call_titles.get(&application.call_id) {
            Some(t) => t.clone(),
            None => {
                let title = db::calls::find_call(conn, &application.call_id)?
                    .map(|c| c.title)
                    .unwrap_or_default();
                call_titles.insert(application.call_id.clone(), title.clone());
                title
            }
        };
        out.push(ApplicationSummary {
            requested: requested.remove(&application.id).unwrap_or_default(),
            outcome: outcomes.remove(&application.id),
            application,
            organisation,
            call_title,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub section: CallSection,
    /// The question as a field of the call's form (type and settings read).
    pub field: crate::calls::form::FormField,
    /// The stored answer, in its type's canonical text.
    pub body: Option<String>,
    /// Whether the question is asked given the other answers (a question with a condition
    /// that is not met is left out where the application is shown).
    pub visible: bool,
}

impl AnswerView {
    /// The answer as people read it (`1 234,50 kr`, `Ja`, the options' labels).
    pub fn shown(&self) -> Option<String> {
        self.body
            .as_ref()
            .map(|b| crate::calls::form::display(&self.field, b))
    }

    /// A table answer as rows of cells, in the columns' order.
    pub fn table(&self) -> Vec<Vec<String>> {
        self.body
            .as_ref()
            .map(|b| crate::calls::form::table_cells(&self.field, b))
            .unwrap_or_default()
    }
}

/// Every question of the call with its stored answer, if any, in the form's order.
pub fn answer_views(definition: &CallDefinition, answers: Vec<Answer>) -> Vec<AnswerView> {
    let fields = definition.fields();
    let bodies: std::collections::BTreeMap<String, String> = answers
        .into_iter()
        .map(|a| (a.section_id, a.body))
        .collect();
    definition
        .sections
        .iter()
        .zip(&fields)
        .map(|(section, field)| AnswerView {
            section: section.clone(),
            field: field.clone(),
            body: bodies.get(&section.id).cloned(),
            visible: crate::calls::form::visible(field, &fields, &bodies),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub version: Version,
    pub answers: Vec<AnswerView>,
    pub years: Vec<YearRequest>,
    pub budget_lines: Vec<BudgetLine>,
    pub staff_lines: Vec<StaffLine>,
    pub attachments: Vec<AttachmentInfo>,
    /// What changed since the version before, for a version after the first.
    pub changes: Vec<diff::Change>,
}

impl VersionView {
    /// The files attached to an attachment question, by its id; "" for the general list.
    pub fn files_of(&self, section_id: &str) -> Vec<AttachmentInfo> {
        self.attachments
            .iter()
            .filter(|a| a.section_id.as_deref().unwrap_or("") == section_id)
            .cloned()
            .collect()
    }

    pub fn total(&self) -> Ore {
        self.years.iter().map(|y| y.requested_ore).sum()
    }

    pub fn requested_for(&self, year: &i32) -> Option<Ore> {
        self.years
            .iter()
            .find(|y| y.year == *year)
            .map(|y| y.requested_ore)
    }

    pub fn budget_cell<S: AsRef<str>>(&self, year: &i32, category_id: S) -> Option<&BudgetLine> {
        self.budget_lines
            .iter()
            .find(|l| l.year == *year && l.cost_category_id == category_id.as_ref())
    }

    pub fn staff_total(&self, year: &i32) -> Ore {
        self.staff_lines
            .iter()
            .filter(|s| s.year == *year)
            .map(|s| s.cost_ore)
            .sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub decision: Decision,
    pub presenting_officer_name: String,
    pub decision_maker_name: Option<String>,
    pub years: Vec<DecisionYear>,
    pub document_sha256: Option<String>,
    /// For a grant or top-up: the signed decisions that changed or revoked it since.
    pub changed_by: Vec<Decision>,
    /// For a grant or top-up: what it grants now, after those changes.
    pub current: Vec<(i32, crate::money::Ore)>,
    /// For a change or revocation: the day of the decision it changes.
    pub amends_decided_on: Option<chrono::NaiveDate>,
    /// Money this decision claims back (återkrav), with whether it has come in.
    pub claims: Vec<crate::db::reports::RepaymentClaim>,
    /// The whole decision in words, as its letter says it (a draft: as it would read if
    /// signed now).
    pub text: Letter,
    /// For a decision that answers the application: how it answered it.
    pub outcome: Option<Outcome>,
}

/// A whole case, as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub application: Application,
    pub organisation: Organisation,
    pub call: Call,
    pub definition: CallDefinition,
    /// Who submitted it first, by name.
    pub submitted_by_name: Option<String>,
    pub versions: Vec<VersionView>,
    pub supplements: Vec<SupplementRequest>,
    pub decisions: Vec<DecisionView>,
    /// Once decided: how (see `decisions::outcome`).
    pub outcome: Option<Outcome>,
}

impl ApplicationView {
    pub fn status_label(&self) -> &'static str {
        status_label(self.application.status, self.outcome)
    }

    pub fn status_code(&self) -> &'static str {
        status_code(self.application.status, self.outcome)
    }
}

/// Reads a case. Someone who may not read it is told it does not exist (an applicant must
/// not learn which other organisations applied), and the attempt is recorded.
pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: &str,
    now: DateTime<Utc>,
) -> Result<ApplicationView, AppError> {
    let application = db::applications::find(conn, application_id)?.ok_or(AppError::NotFound)?;
    let submitted = application.submitted_at.is_some();
    if !access::can_read_application(actor, &application.organisation_id, submitted) {
        audit::record_denied(
            conn,
            actor,
            now,
            "application",
            Some(&application.id),
            if submitted {
                "läsa en annan organisations ansökan"
            } else {
                "läsa ett utkast som inte har skickats in"
            },
        )?;
        // An applicant must not learn that another organisation applied; nobody learns of
        // a draft before it is sent in.
        return Err(
            if actor.role == crate::codes::Role::Applicant || !submitted {
                AppError::NotFound
            } else {
                AppError::Forbidden
            },
        );
    }
    let organisation =
        db::organisations::find(conn, &application.organisation_id)?.ok_or(AppError::NotFound)?;
    let call = db::calls::find_call(conn, &application.call_id)?.ok_or(AppError::NotFound)?;
    let definition: CallDefinition = db::calls::load_definition(conn, call.clone())?;
    let mut versions = Vec::new();
    for version in db::applications::versions(conn, &application.id)? {
        // An applicant's colleagues see drafts; the agency sees only what was submitted.
        if version.status == crate::codes::VersionStatus::Draft
            && actor.role != crate::codes::Role::Applicant
        {
            continue;
        }
        let answers = answer_views(&definition, db::applications::answers(conn, &version.id)?);
        let mut view = VersionView {
            years: db::applications::year_requests(conn, &version.id)?,
            budget_lines: db::applications::budget_lines(conn, &version.id)?,
            staff_lines: db::applications::staff_lines(conn, &version.id)?,
            attachments: db::applications::attachments_of(conn, &version.id)?,
            changes: Vec::new(),
            answers,
            version,
        };
        if let Some(previous) = versions.last() {
            view.changes = diff::between(previous, &view, &definition.cost_categories);
        }
        versions.push(view);
    }
    let applied = crate::assessment::applied_amounts(conn, &application.id)?;
    let mut decisions = Vec::new();
    for decision in db::decisions::for_application(conn, &application.id)? {
        // Drafts of decisions are internal to the agency until signed.
        if decision.status == crate::codes::DecisionStatus::Draft && !access::is_case_staff(actor) {
            continue;
        }
        let presenting_officer_name = db::accounts::find(conn, &decision.presenting_officer_id)?
            .map(|u| u.name)
            .unwrap_or_default();
        let decision_maker_name = match &decision.decision_maker_id {
            Some(id) => db::accounts::find(conn, id)?.map(|u| u.name),
            None => None,
        };
        let changed_by: Vec<Decision> = db::decisions::changes_of(conn, &decision.id)?
            .into_iter()
            .filter(|d| d.status == crate::codes::DecisionStatus::Signed)
            .collect();
        let current = if changed_by.is_empty() {
            Vec::new()
        } else {
            crate::decisions::current_amounts(conn, &decision.id)?
                .into_iter()
                .collect()
        };
        let amends_decided_on = match &decision.amends_decision_id {
            Some(id) => db::decisions::find(conn, id)?.and_then(|d| d.decided_on),
            None => None,
        };
        let years = db::decisions::years(conn, &decision.id)?;
        let outcome = crate::decisions::answers_application(&decision).then(|| {
            let granted: BTreeMap<i32, Ore> =
                years.iter().map(|y| (y.year, y.amount_ore)).collect();
            crate::decisions::outcome(&applied, &granted)
        });
        decisions.push(DecisionView {
            text: crate::decisions::text::of(conn, &decision, now)?,
            outcome,
            presenting_officer_name,
            decision_maker_name,
            years,
            document_sha256: db::decisions::document_checksum(conn, &decision.id)?,
            changed_by,
            current,
            amends_decided_on,
            claims: db::reports::claims_of_decision(conn, &decision.id)?,
            decision,
        });
    }
    let submitted_by_name = match &application.submitted_by {
        Some(id) => db::accounts::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    // The case's outcome is that of the signed decision answering it, as in the lists.
    let outcome = decisions
        .iter()
        .rev()
        .find(|d| d.decision.status == crate::codes::DecisionStatus::Signed && d.outcome.is_some())
        .and_then(|d| d.outcome)
        .filter(|_| application.status == crate::codes::ApplicationStatus::Decided);
    Ok(ApplicationView {
        outcome,
        supplements: db::applications::supplement_requests(conn, &application.id)?,
        submitted_by_name,
        application,
        organisation,
        call,
        definition,
        versions,
        decisions,
    })
}

/// What happens after an application (or a supplement's answer) has come in, in the words the
/// receipt page and the receipt e-mail use: handling, supplements, the decision and the
/// money, as this service does them. `deadline` is the last day of the call when the
/// applicant may still count on it (none for a later version or a top-up, which are handled
/// as they come).
pub fn what_happens_next(
    agency: &str,
    deadline: Option<chrono::NaiveDate>,
    version: i32,
    payment_month: i32,
) -> Vec<String> {
    let mut steps = Vec::with_capacity(4);
    if version > 1 {
        steps.push(format!(
            "{agency} går igenom kompletteringen tillsammans med resten av ansökan."
        ));
    } else if let Some(last_day) = deadline {
        steps.push(format!(
            "Ansökningstiden går ut den {last_day}. Därefter bedömer {agency} varje ansökan \
             mot utlysningens bedömningskriterier."
        ));
    } else {
        steps.push(format!(
            "{agency} bedömer ansökan mot utlysningens bedömningskriterier."
        ));
    }
    steps.push(
        "Om vi behöver fler uppgifter begär vi en komplettering. Ni får då ett e-postmeddelande \
         och svarar här i e-tjänsten."
            .to_string(),
    );
    steps.push(
        "När beslutet är fattat får ni beslutsbrevet med e-post. Beslutet finns också alltid \
         under ärendet i e-tjänsten."
            .to_string(),
    );
    steps.push(format!(
        "Beviljade medel betalas ut i {} varje bidragsår.",
        crate::decisions::letter::month_name(payment_month)
    ));
    steps
}
