//! What the API sends. Amounts are kronor as exact decimal strings (`"2913808"`,
//! `"1234.50"`), never floating point; times are UTC (RFC 3339); days are `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::Actor;
use crate::allocation::AllocationTable;
use crate::applications::{ApplicationSummary, ApplicationView};
use crate::calls::{CallOverview, CallPhase};
use crate::codes::{
    ApplicationStatus, CallStatus, DecisionKind, DecisionStatus, OrgKind, VersionStatus,
};
use crate::db::audit::AuditEvent;
use crate::db::calls::CallDefinition;
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
            sections: def
                .sections
                .iter()
                .map(|s| SectionDto {
                    position: s.position,
                    title: s.title.clone(),
                    help_text: s.help_text.clone(),
                    required: s.required,
                    max_length: s.max_length,
                })
                .collect(),
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
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerDto {
    pub section_position: i32,
    pub section_title: String,
    pub body: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VersionDto {
    pub number: i32,
    pub status: VersionStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub answers: Vec<AnswerDto>,
    pub requested: Vec<YearAmount>,
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
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDto {
    #[serde(flatten)]
    pub summary: ApplicationSummaryDto,
    pub source_note: Option<String>,
    pub versions: Vec<VersionDto>,
    pub decisions: Vec<DecisionDto>,
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
            },
            source_note: v.application.source_note.clone(),
            versions: v
                .versions
                .iter()
                .map(|x| VersionDto {
                    number: x.version.number,
                    status: x.version.status,
                    submitted_at: x.version.submitted_at.map(utc),
                    answers: x
                        .answers
                        .iter()
                        .map(|a| AnswerDto {
                            section_position: a.section.position,
                            section_title: a.section.title.clone(),
                            body: a.body.clone(),
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
                })
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

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: String,
}
