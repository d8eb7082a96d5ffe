//! What the API sends. Amounts are kronor as exact decimal strings (`"2913808"`,
//! `"1234.50"`), never floating point; times are UTC (RFC 3339); days are `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::Actor;
use crate::allocation::AllocationTable;
use crate::applications::workflow::{Receipt, SubmitCheck};
use crate::applications::{ApplicationSummary, ApplicationView, VersionView};
use crate::calls::edit::AmendmentView;
use crate::calls::{CallOverview, CallPhase};
use crate::codes::{
    ApplicationStatus, CallStatus, DecisionKind, DecisionStatus, OrgKind, SupplementStatus,
    VersionStatus,
};
use crate::db::applications::{AttachmentInfo, SupplementRequest};
use crate::db::audit::AuditEvent;
use crate::db::calls::{CallDefinition, CostCategory};
use crate::decisions::Outcome;
use crate::error::FieldError;
use crate::money::Ore;

fn kr(amount: Ore) -> Decimal {
    amount.to_kronor()
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct YearAmount {
    pub year: i32,
    /// Kronor, exact.
    #[schema(value_type = String, example = "2913808")]
    pub amount: Decimal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallYearDto {
    pub year: i32,
    #[schema(value_type = String, example = "15000000")]
    pub ceiling: Decimal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallDto {
    pub id: String,
    pub code: String,
    pub title: String,
    pub status: CallStatus,
    pub phase: CallPhase,
    pub opens_on: NaiveDate,
    /// Open until 23:59:59 Europe/Stockholm on this day.
    pub last_day: NaiveDate,
    pub max_recipients: i32,
    pub years: Vec<CallYearDto>,
}

impl CallDto {
    pub fn from_overview(o: &CallOverview) -> CallDto {
        CallDto {
            id: o.call.id.clone(),
            code: o.call.code.clone(),
            title: o.call.title.clone(),
            status: o.call.status,
            phase: o.phase,
            opens_on: o.call.opens_on,
            last_day: o.call.last_day,
            max_recipients: o.call.max_recipients,
            years: o
                .allocation
                .year_summaries()
                .into_iter()
                .map(|y| CallYearDto {
                    year: y.year,
                    ceiling: kr(y.ceiling),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionDto {
    pub position: i32,
    pub title: String,
    pub help_text: String,
    pub required: bool,
    pub max_length: i32,
    /// The field's type (`long_text` for the free-text questions of calls made before
    /// forms were data; `page` for a heading that takes no answer).
    #[schema(value_type = String, example = "long_text")]
    pub kind: String,
    /// The type's settings: bounds, options, table columns, file kinds, the condition.
    pub settings: crate::calls::form::FieldSettings,
}

impl SectionDto {
    pub fn new(f: &crate::calls::form::FormField) -> SectionDto {
        SectionDto {
            position: f.position,
            title: f.title.clone(),
            help_text: f.help_text.clone(),
            required: f.required,
            max_length: f.max_length,
            kind: f.kind.as_str().to_string(),
            settings: f.settings.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CostCategoryDto {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CriterionDto {
    pub position: i32,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExpectedResultDto {
    pub id: String,
    pub year: i32,
    pub position: i32,
    pub area: String,
    pub title: String,
    /// Paragraphs separated by blank lines; "- " starts a list item, "* " a note.
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgrammeDto {
    pub code: String,
    pub name: String,
    pub agency_name: String,
    pub appropriation: String,
    pub purpose: String,
    pub legal_basis: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallDetailDto {
    #[serde(flatten)]
    pub call: CallDto,
    pub description: String,
    pub programme: ProgrammeDto,
    pub eligible_kinds: Vec<OrgKind>,
    pub sections: Vec<SectionDto>,
    /// The report-back's own fields, beside the answer group per expected result.
    pub report_fields: Vec<SectionDto>,
    pub cost_categories: Vec<CostCategoryDto>,
    pub criteria: Vec<CriterionDto>,
    pub annex_title: String,
    pub expected_results: Vec<ExpectedResultDto>,
}

impl CallDetailDto {
    pub fn new(def: &CallDefinition, phase: CallPhase) -> CallDetailDto {
        CallDetailDto {
            call: CallDto {
                id: def.call.id.clone(),
                code: def.call.code.clone(),
                title: def.call.title.clone(),
                status: def.call.status,
                phase,
                opens_on: def.call.opens_on,
                last_day: def.call.last_day,
                max_recipients: def.call.max_recipients,
                years: def
                    .years
                    .iter()
                    .map(|y| CallYearDto {
                        year: y.year,
                        ceiling: kr(y.ceiling_ore),
                    })
                    .collect(),
            },
            description: def.call.description.clone(),
            programme: ProgrammeDto {
                code: def.programme.code.clone(),
                name: def.programme.name.clone(),
                agency_name: def.programme.agency_name.clone(),
                appropriation: def.programme.appropriation.clone(),
                purpose: def.programme.purpose.clone(),
                legal_basis: def.programme.legal_basis.clone(),
            },
            eligible_kinds: def.eligible_kinds.clone(),
            sections: def.fields().iter().map(SectionDto::new).collect(),
            report_fields: def.report_form().iter().map(SectionDto::new).collect(),
            cost_categories: def
                .cost_categories
                .iter()
                .map(|c| CostCategoryDto {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            criteria: def
                .criteria
                .iter()
                .map(|c| CriterionDto {
                    position: c.position,
                    title: c.title.clone(),
                    description: c.description.clone(),
                })
                .collect(),
            annex_title: def.call.annex_title.clone(),
            expected_results: def
                .expected_results
                .iter()
                .map(|r| ExpectedResultDto {
                    id: r.id.clone(),
                    year: r.year,
                    position: r.position,
                    area: r.area.clone(),
                    title: r.title.clone(),
                    body: r.body.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AllocationYearDto {
    pub year: i32,
    #[schema(value_type = String, example = "15000000")]
    pub ceiling: Decimal,
    #[schema(value_type = String, example = "11089785")]
    pub granted: Decimal,
    #[schema(value_type = String, example = "3910215")]
    pub remaining: Decimal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecipientDto {
    pub organisation_id: String,
    pub organisation_name: String,
    pub org_number: String,
    pub amounts: Vec<YearAmount>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

/// Tabell 1: granted per recipient and year by signed decisions, with sums, ceilings and
/// what remains.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AllocationDto {
    pub call_id: String,
    pub call_title: String,
    pub years: Vec<AllocationYearDto>,
    pub recipients: Vec<RecipientDto>,
    #[schema(value_type = String)]
    pub granted_total: Decimal,
    #[schema(value_type = String)]
    pub ceiling_total: Decimal,
    #[schema(value_type = String)]
    pub remaining_total: Decimal,
}

impl AllocationDto {
    pub fn new(call_id: &str, call_title: &str, table: &AllocationTable) -> AllocationDto {
        AllocationDto {
            call_id: call_id.to_string(),
            call_title: call_title.to_string(),
            years: table
                .year_summaries()
                .into_iter()
                .map(|y| AllocationYearDto {
                    year: y.year,
                    ceiling: kr(y.ceiling),
                    granted: kr(y.granted),
                    remaining: kr(y.remaining),
                })
                .collect(),
            recipients: table
                .rows
                .iter()
                .map(|r| RecipientDto {
                    organisation_id: r.organisation_id.clone(),
                    organisation_name: r.organisation_name.clone(),
                    org_number: r.org_number.clone(),
                    amounts: table
                        .years
                        .iter()
                        .zip(&r.amounts)
                        .map(|(year, amount)| YearAmount {
                            year: *year,
                            amount: kr(*amount),
                        })
                        .collect(),
                    total: kr(r.total),
                })
                .collect(),
            granted_total: kr(table.granted_total),
            ceiling_total: kr(table.ceiling_total),
            remaining_total: kr(table.remaining_total),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganisationRef {
    pub id: String,
    pub name: String,
    pub org_number: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationSummaryDto {
    pub id: String,
    pub call_id: String,
    pub call_title: String,
    pub organisation: OrganisationRef,
    pub status: ApplicationStatus,
    pub registration_number: Option<String>,
    pub project_title: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Applied for per year, in the latest submitted version.
    pub requested: Vec<YearAmount>,
    /// Once the application is decided: how the decision answering it came out, from what
    /// was applied for and what is granted per year (`granted`, `partly_granted`,
    /// `rejected`); the status label people read in every list.
    pub outcome: Option<Outcome>,
}

impl ApplicationSummaryDto {
    pub fn new(s: &ApplicationSummary) -> ApplicationSummaryDto {
        ApplicationSummaryDto {
            id: s.application.id.clone(),
            call_id: s.application.call_id.clone(),
            call_title: s.call_title.clone(),
            organisation: OrganisationRef {
                id: s.organisation.id.clone(),
                name: s.organisation.name.clone(),
                org_number: s.organisation.org_number.clone(),
            },
            status: s.application.status,
            registration_number: s.application.registration_number.clone(),
            project_title: s.application.project_title.clone(),
            submitted_at: s.application.submitted_at.map(utc),
            requested: s
                .requested
                .iter()
                .map(|(year, amount)| YearAmount {
                    year: *year,
                    amount: kr(*amount),
                })
                .collect(),
            outcome: s.outcome,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerDto {
    pub section_position: i32,
    pub section_title: String,
    /// The answer as stored: the text for text questions, the canonical text of the type
    /// for the others (amounts in öre, `ja`/`nej`, an option's value, JSON for lists,
    /// tables and counts by sex).
    pub body: Option<String>,
    /// The question's type (`long_text` for every question of calls made before forms
    /// were data).
    #[schema(value_type = String, example = "long_text")]
    pub kind: String,
    /// The answer in its type's shape: a text, an amount in kronor as a decimal text, a
    /// list of values, rows of a table, counts by sex.
    pub value: Option<serde_json::Value>,
    /// The answer as people read it (`1 234,50 kr`, `Ja`, the options' labels).
    pub text: Option<String>,
    /// False when the question is not asked given the other answers (its condition is not
    /// met); such an answer is not part of the application.
    pub asked: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VersionDto {
    pub number: i32,
    pub status: VersionStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub answers: Vec<AnswerDto>,
    pub requested: Vec<YearAmount>,
    /// The supplement request this version answers, for a version after the first.
    pub supplement_request_id: Option<String>,
    /// The applicant's answer to that request.
    pub supplement_answer: Option<String>,
    /// The budget per year and cost category.
    pub budget: Vec<BudgetLineDto>,
    pub staff: Vec<StaffLineDto>,
    pub attachments: Vec<AttachmentDto>,
    /// What changed since the version before (empty for the first).
    pub changes: Vec<ChangeDto>,
}

/// One cell of the budget: what is applied for in a cost category one year.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BudgetLineDto {
    pub year: i32,
    /// The cost category's code (`personal`, `resor`, ...).
    pub category: String,
    pub category_name: String,
    /// Kronor, exact.
    #[schema(value_type = String, example = "1500000")]
    pub amount: Decimal,
    pub description: String,
}

/// One person's part in the project one year.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffLineDto {
    pub year: i32,
    pub role: String,
    /// Share of full time, in per cent.
    pub fte_percent: i32,
    pub months: i32,
    /// Kronor, exact.
    #[schema(value_type = String, example = "420000")]
    pub cost: Decimal,
}

/// An attached PDF. The content is at
/// `GET /api/v1/applications/{id}/attachments/{attachment_id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentDto {
    pub id: String,
    pub filename: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
}

impl AttachmentDto {
    pub fn new(a: &AttachmentInfo) -> AttachmentDto {
        AttachmentDto {
            id: a.id.clone(),
            filename: a.filename.clone(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
        }
    }
}

/// A PDF, sent and received as the file's bytes themselves.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

/// One difference from the version before, as text.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeDto {
    /// What changed, in Swedish ("Fråga 2: Målgrupp", "Budget 2021, Personal").
    pub what: String,
    pub before: String,
    pub after: String,
}

/// An officer's request for a supplement, and the applicant's answer once given.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupplementDto {
    pub id: String,
    pub message: String,
    /// The day to answer by.
    pub due_on: NaiveDate,
    pub status: SupplementStatus,
    /// Whether the answer may change the budget.
    pub budget_change_allowed: bool,
    pub requested_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_text: Option<String>,
}

impl SupplementDto {
    pub fn new(r: &SupplementRequest) -> SupplementDto {
        SupplementDto {
            id: r.id.clone(),
            message: r.message.clone(),
            due_on: r.due_on,
            status: r.status,
            budget_change_allowed: r.budget_change_allowed,
            requested_at: utc(r.requested_at),
            answered_at: r.answered_at.map(utc),
            answer_text: r.answer_text.clone(),
        }
    }
}

impl VersionDto {
    fn new(
        x: &VersionView,
        categories: &[CostCategory],
        supplements: &[SupplementRequest],
    ) -> VersionDto {
        let category = |id: &str| categories.iter().find(|c| c.id == id);
        // A draft holds its answer to the supplement; a submitted version's answer is kept
        // with the request it answered.
        let supplement_answer = x.version.supplement_answer.clone().or_else(|| {
            x.version.supplement_request_id.as_ref().and_then(|id| {
                supplements
                    .iter()
                    .find(|r| &r.id == id)
                    .and_then(|r| r.answer_text.clone())
            })
        });
        VersionDto {
            number: x.version.number,
            status: x.version.status,
            submitted_at: x.version.submitted_at.map(utc),
            answers: x
                .answers
                .iter()
                .filter(|a| a.field.is_question())
                .map(|a| AnswerDto {
                    section_position: a.section.position,
                    section_title: a.section.title.clone(),
                    body: a.body.clone(),
                    kind: a.field.kind.as_str().to_string(),
                    value: a
                        .body
                        .as_ref()
                        .map(|b| crate::calls::form::to_api(&a.field, b)),
                    text: a.shown(),
                    asked: a.visible,
                })
                .collect(),
            requested: x
                .years
                .iter()
                .map(|y| YearAmount {
                    year: y.year,
                    amount: kr(y.requested_ore),
                })
                .collect(),
            supplement_request_id: x.version.supplement_request_id.clone(),
            supplement_answer,
            budget: x
                .budget_lines
                .iter()
                .map(|l| BudgetLineDto {
                    year: l.year,
                    category: category(&l.cost_category_id)
                        .map(|c| c.code.clone())
                        .unwrap_or_default(),
                    category_name: category(&l.cost_category_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    amount: kr(l.amount_ore),
                    description: l.description.clone(),
                })
                .collect(),
            staff: x
                .staff_lines
                .iter()
                .map(|s| StaffLineDto {
                    year: s.year,
                    role: s.role.clone(),
                    fte_percent: s.fte_percent,
                    months: s.months,
                    cost: kr(s.cost_ore),
                })
                .collect(),
            attachments: x.attachments.iter().map(AttachmentDto::new).collect(),
            changes: x
                .changes
                .iter()
                .map(|c| ChangeDto {
                    what: c.what.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionDto {
    pub id: String,
    pub kind: DecisionKind,
    pub status: DecisionStatus,
    pub registration_number: String,
    pub decided_on: Option<NaiveDate>,
    pub decision_maker: Option<String>,
    pub presenting_officer: String,
    pub reasons: String,
    /// The change each year this decision makes to the granted amount.
    pub amounts: Vec<YearAmount>,
    /// SHA-256 of the signed letter, where one has been made.
    pub document_sha256: Option<String>,
    /// For a decision that answers the application: how (`granted`, `partly_granted`,
    /// `rejected`). The whole decision in words is at `GET /api/v1/decisions/{id}`.
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDto {
    #[serde(flatten)]
    pub summary: ApplicationSummaryDto,
    pub source_note: Option<String>,
    pub versions: Vec<VersionDto>,
    pub decisions: Vec<DecisionDto>,
    /// The supplements asked for, oldest first.
    pub supplements: Vec<SupplementDto>,
}

impl ApplicationDto {
    pub fn new(v: &ApplicationView) -> ApplicationDto {
        let latest = v
            .versions
            .iter()
            .rev()
            .find(|x| x.version.status == VersionStatus::Submitted);
        let requested = latest
            .map(|x| {
                x.years
                    .iter()
                    .map(|y| YearAmount {
                        year: y.year,
                        amount: kr(y.requested_ore),
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApplicationDto {
            summary: ApplicationSummaryDto {
                id: v.application.id.clone(),
                call_id: v.call.id.clone(),
                call_title: v.call.title.clone(),
                organisation: OrganisationRef {
                    id: v.organisation.id.clone(),
                    name: v.organisation.name.clone(),
                    org_number: v.organisation.org_number.clone(),
                },
                status: v.application.status,
                registration_number: v.application.registration_number.clone(),
                project_title: v.application.project_title.clone(),
                submitted_at: v.application.submitted_at.map(utc),
                requested,
                outcome: v.outcome,
            },
            source_note: v.application.source_note.clone(),
            versions: v
                .versions
                .iter()
                .map(|x| VersionDto::new(x, &v.definition.cost_categories, &v.supplements))
                .collect(),
            decisions: v
                .decisions
                .iter()
                .map(|d| DecisionDto {
                    id: d.decision.id.clone(),
                    kind: d.decision.kind,
                    status: d.decision.status,
                    registration_number: d.decision.registration_number.clone(),
                    decided_on: d.decision.decided_on,
                    decision_maker: d.decision_maker_name.clone(),
                    presenting_officer: d.presenting_officer_name.clone(),
                    reasons: d.decision.reasons.clone(),
                    amounts: d
                        .years
                        .iter()
                        .map(|y| YearAmount {
                            year: y.year,
                            amount: kr(y.amount_ore),
                        })
                        .collect(),
                    document_sha256: d.document_sha256.clone(),
                    outcome: d.outcome,
                })
                .collect(),
            supplements: v.supplements.iter().map(SupplementDto::new).collect(),
        }
    }
}

/// What the applicant gets when the application has been submitted; the same receipt is
/// e-mailed to them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptDto {
    pub application_id: String,
    /// The case's registration number, `SB-YYYY-NNNN`.
    pub registration_number: String,
    /// The version submitted.
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    /// Who submitted, by name.
    pub submitted_by: String,
}

impl ReceiptDto {
    pub fn new(r: &Receipt) -> ReceiptDto {
        ReceiptDto {
            application_id: r.application_id.clone(),
            registration_number: r.registration_number.clone(),
            version: r.version,
            submitted_at: utc(r.submitted_at),
            submitted_by: r.submitted_by.clone(),
        }
    }
}

/// Whether the draft can be submitted now, without submitting it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitCheckDto {
    /// What must be completed first, per field.
    pub problems: Vec<FieldError>,
    /// Why it cannot be submitted now whatever it holds (the deadline has passed, only the
    /// organisation's representative may submit), if so.
    pub blocked: Option<String>,
}

impl SubmitCheckDto {
    pub fn new(c: SubmitCheck) -> SubmitCheckDto {
        SubmitCheckDto {
            problems: c.problems.into_vec(),
            blocked: c.blocked,
        }
    }
}

/// The draft version opened to answer a supplement request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupplementAnswerDto {
    /// The new version's number; fill it in with `PUT /api/v1/applications/{id}/draft`.
    pub version: i32,
}

/// Why a published call is closed before its last day.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct CloseCallRequest {
    #[serde(default)]
    pub reason: String,
}

/// One term changed by an amendment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TermChangeDto {
    /// The term, in Swedish ("Sista ansökningsdag").
    pub term: String,
    pub before: String,
    pub after: String,
}

/// A recorded change to a published call (or its early closing).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AmendmentDto {
    pub id: String,
    pub summary: String,
    pub amended_at: DateTime<Utc>,
    /// Who made it, by name.
    pub by_name: String,
    pub changes: Vec<TermChangeDto>,
}

impl AmendmentDto {
    pub fn new(a: &AmendmentView) -> AmendmentDto {
        AmendmentDto {
            id: a.amendment.id.clone(),
            summary: a.amendment.summary.clone(),
            amended_at: utc(a.amendment.amended_at),
            by_name: a.by_name.clone(),
            changes: a
                .changes
                .iter()
                .map(|c| TermChangeDto {
                    term: c.term.clone(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventDto {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<String>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub actor_organisation_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub details: serde_json::Value,
}

impl AuditEventDto {
    pub fn new(e: &AuditEvent) -> AuditEventDto {
        AuditEventDto {
            id: e.id.clone(),
            occurred_at: utc(e.occurred_at),
            actor_user_id: e.actor_user_id.clone(),
            actor_email: e.actor_email.clone(),
            actor_role: e.actor_role.clone(),
            actor_organisation_id: e.actor_organisation_id.clone(),
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id.clone(),
            summary: e.summary.clone(),
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPageDto {
    pub events: Vec<AuditEventDto>,
    pub page: i64,
    pub per_page: i64,
    pub has_next: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub actor: Actor,
    /// Send as `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
}

/// One section of a decision's text: a heading and its body in the letter's text format
/// (paragraphs separated by a blank line; a line starting with "- " is a list item; a
/// paragraph starting with "* " is a note).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TextSectionDto {
    pub heading: String,
    pub body: String,
}

/// One row of a decision's table of amounts: the year and one amount per column.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AmountRowDto {
    pub year: i32,
    #[schema(value_type = Vec<String>)]
    pub amounts: Vec<Decimal>,
}

/// The decision's table: the heads of the amount columns ("Sökt belopp", "Beviljat
/// belopp"; "Beviljat före ändringen", "Beviljat efter ändringen"), a row per year, and the
/// sums when there are two years or more.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AmountTableDto {
    pub columns: Vec<String>,
    pub rows: Vec<AmountRowDto>,
    #[schema(value_type = Option<Vec<String>>)]
    pub totals: Option<Vec<Decimal>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnnexResultDto {
    pub area: String,
    pub title: String,
    /// The letter's text format.
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnnexYearDto {
    pub year: i32,
    pub results: Vec<AnnexResultDto>,
}

/// Bilaga 1: the expected results of the granted years.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnnexDto {
    pub title: String,
    pub intro: String,
    pub years: Vec<AnnexYearDto>,
}

/// A decision in words, exactly as its letter says it (for a draft: as it would read if
/// signed today).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionTextDto {
    pub heading: String,
    pub agency: String,
    pub decided_on: NaiveDate,
    pub registration_number: String,
    pub recipient: String,
    pub recipient_org_number: String,
    /// In order: the decision, purpose, reasons, conditions, report-back, legal basis, how
    /// to appeal (those that apply to the kind of decision).
    pub sections: Vec<TextSectionDto>,
    /// Set after the section `table_after_section` (an index into `sections`).
    pub table: AmountTableDto,
    pub table_after_section: Option<usize>,
    /// "I detta ärende har … beslutat. … har varit föredragande." (signed decisions only).
    pub signature: Option<String>,
    pub annex: Option<AnnexDto>,
}

impl DecisionTextDto {
    pub fn new(letter: &crate::letters::Letter, signed: bool) -> DecisionTextDto {
        DecisionTextDto {
            heading: letter.heading.clone(),
            agency: letter.agency.clone(),
            decided_on: letter.decided_on,
            registration_number: letter.registration_number.clone(),
            recipient: letter.recipient_name.clone(),
            recipient_org_number: letter.recipient_org_number.clone(),
            sections: letter
                .sections
                .iter()
                .map(|s| TextSectionDto {
                    heading: s.heading.clone(),
                    body: s.body.clone(),
                })
                .collect(),
            table: AmountTableDto {
                columns: letter.amounts.columns.clone(),
                rows: letter
                    .amounts
                    .rows
                    .iter()
                    .map(|r| AmountRowDto {
                        year: r.year,
                        amounts: r.amounts.iter().map(|a| kr(*a)).collect(),
                    })
                    .collect(),
                totals: letter
                    .amounts
                    .totals()
                    .map(|t| t.into_iter().map(kr).collect()),
            },
            table_after_section: letter.table_after(),
            signature: signed.then(|| letter.signature_sentence()),
            annex: letter.annex.as_ref().map(|a| AnnexDto {
                title: a.title.clone(),
                intro: a.intro.clone(),
                years: a
                    .years
                    .iter()
                    .map(|y| AnnexYearDto {
                        year: y.year,
                        results: y
                            .results
                            .iter()
                            .map(|r| AnnexResultDto {
                                area: r.area.clone(),
                                title: r.title.clone(),
                                body: r.body.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            }),
        }
    }
}
