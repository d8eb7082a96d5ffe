use std::collections::HashSet;
use std::sync::LazyLock;

use actix_web::web;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::Ref;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, RefOr};
use utoipa::{Modify, OpenApi};

use super::dto;
use crate::applications::{draft, workflow};
use crate::calls::edit;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Statsbidrag API",
        description = "Utlysningar, ansökningar, beslut och granskningslogg. Publicerade utlysningar och deras fördelningstabeller är öppna data.",
        version = "1"
    ),
    paths(
        super::payments::for_call,
        super::payments::dashboard,
        super::payments::for_organisation,
        super::payments::mark_paid,
        super::payments::show,
        super::payments::claim,
        super::payments::claim_letter,
        super::redistribution::for_call,
        super::redistribution::open_rounds,
        super::decisions::show_assessment,
        super::decisions::assess,
        super::decisions::declare_conflict,
        super::decisions::propose,
        super::decisions::prepare,
        super::decisions::sign,
        super::decisions::prepare_change,
        super::redistribution::open,
        super::redistribution::show,
        super::redistribution::close,
        super::redistribution::apply,
        super::decisions::show,
        super::decisions::letter,
        super::calls::list,
        super::calls::create,
        super::calls::show,
        super::calls::update,
        super::calls::publish,
        super::calls::close,
        super::calls::copy,
        super::calls::amendments,
        super::calls::allocation,
        super::applications::start,
        super::applications::list,
        super::applications::show,
        super::applications::save_draft,
        super::applications::submit_check,
        super::applications::submit,
        super::applications::request_supplement,
        super::applications::begin_supplement_answer,
        super::applications::mark_complete,
        super::applications::add_attachment,
        super::applications::remove_attachment,
        super::applications::download_attachment,
        super::audit::list,
        super::session::login,
        super::session::logout,
        super::session::me,
        crate::health::liveness,
        crate::health::readiness,
    ),
    components(schemas(
        super::payments::PaymentDto,
        super::payments::YearMoneyDto,
        super::payments::MarkedDto,
        super::payments::ClaimDetailDto,
        super::redistribution::RoundSummaryDto,
        crate::decisions::Outcome,
        dto::DecisionTextDto,
        dto::TextSectionDto,
        dto::AmountTableDto,
        dto::AmountRowDto,
        dto::AnnexDto,
        dto::AnnexYearDto,
        dto::AnnexResultDto,
        crate::payments::MarkPaidInput,
        super::decisions::ConflictRequest,
        crate::decisions::change::ChangeInput,
        crate::redistribution::RoundInput,
        crate::redistribution::TopUpInput,
        super::redistribution::RoundDto,
        super::redistribution::RoundApplicationDto,
        super::redistribution::TopUpReceiptDto,
        super::decisions::AssessmentRequest,
        super::decisions::AssessmentDto,
        super::decisions::OfficerAssessmentDto,
        super::decisions::RatingDto,
        super::decisions::ProposalDto,
        super::decisions::ConflictDto,
        super::decisions::DecisionDetailDto,
        dto::DecisionDto,
        crate::assessment::RatingInput,
        crate::assessment::ProposalInput,
        crate::decisions::workflow::PrepareInput,
        dto::CallDto,
        dto::CallDetailDto,
        dto::CallYearDto,
        dto::AllocationDto,
        dto::AllocationYearDto,
        dto::RecipientDto,
        dto::YearAmount,
        dto::ApplicationSummaryDto,
        dto::ApplicationDto,
        dto::VersionDto,
        dto::BudgetLineDto,
        dto::StaffLineDto,
        dto::AttachmentDto,
        dto::PdfFile,
        dto::ChangeDto,
        dto::SupplementDto,
        dto::ReceiptDto,
        dto::SubmitCheckDto,
        dto::SupplementAnswerDto,
        dto::CloseCallRequest,
        dto::AmendmentDto,
        dto::TermChangeDto,
        edit::CallInput,
        edit::CallYearInput,
        edit::SectionInput,
        edit::CategoryInput,
        edit::CriterionInput,
        edit::ExpectedResultInput,
        draft::DraftInput,
        draft::BudgetInput,
        draft::StaffInput,
        workflow::SupplementInput,
        dto::AuditEventDto,
        dto::AuditPageDto,
        dto::LoginRequest,
        dto::SessionDto,
        crate::health::Readiness,
        super::Problem,
        crate::error::FieldError,
    ))
)]
pub struct ApiDoc;

/// The whole document, as served: every module's operations, then the conventions that
/// hold for all of them (see [`Conventions`]). Made once.
pub fn api_document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| {
        let mut doc = ApiDoc::openapi();
        doc.merge(super::reports::ReportsApiDoc::openapi());
        doc.merge(super::forms::FormsApiDoc::openapi());
        doc.merge(super::queues::QueuesApiDoc::openapi());
        doc.merge(super::case_officer::CaseOfficerApiDoc::openapi());
        doc.merge(super::change_requests::ChangeRequestsApiDoc::openapi());
        doc.merge(super::account::AccountApiDoc::openapi());
        doc.merge(super::organisations::OrganisationsApiDoc::openapi());
        doc.merge(super::mail_log::MailLogApiDoc::openapi());
        doc.merge(super::messages::MessagesApiDoc::openapi());
        doc.merge(super::search::SearchApiDoc::openapi());
        Conventions.modify(&mut doc);
        doc
    });
    &DOCUMENT
}

pub async fn document() -> web::Json<&'static utoipa::openapi::OpenApi> {
    web::Json(api_document())
}

/// The operations anyone may call without logging in (method, path). Every other operation
/// needs the session cookie, and every other write also the `X-CSRF-Token` header; the
/// contract test calls each operation without a login to hold this list to the handlers.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/v1/calls"),
    ("get", "/api/v1/calls/{id}"),
    ("get", "/api/v1/calls/{id}/allocation"),
    ("get", "/api/v1/calls/{id}/amendments"),
    ("get", "/api/v1/calls/{id}/reports/public"),
    ("post", "/api/v1/session"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

/// The security schemes' names.
const SESSION: &str = "session";
const CSRF: &str = "csrf";

/// What is true of every operation and is written here once rather than on each handler:
///
/// - security: public operations say so (`security: [{}]`), the rest need the session
///   cookie, and writes also the CSRF header (which the handlers' own `X-CSRF-Token`
///   parameters described one by one; they are replaced by the scheme);
/// - errors: every error answer is problem JSON (`application/problem+json`, schema
///   `Problem`), and each operation lists the errors the shared extractors and rules can
///   give it: 401 and 403 when it needs a login, 404 when it has path ids, 409 for writes,
///   422 for every API operation (a query or body with characters no text may have is
///   refused before any handler), and 5XX (a technical error, nothing saved);
/// - operation ids are unique: `{tag}_{function}`.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "statsbidrag_session",
                "The session cookie that POST /api/v1/session sets.",
            ))),
        );
        components.add_security_scheme(
            CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token, as POST /api/v1/session gave it; every write needs it.",
            ))),
        );
        let mut seen_ids = HashSet::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
                ("options", &mut item.options),
                ("trace", &mut item.trace),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation.as_mut() {
                    apply(method, path, operation, &mut seen_ids);
                }
            }
        }
    }
}

fn apply(method: &str, path: &str, op: &mut Operation, seen_ids: &mut HashSet<String>) {
    let public = PUBLIC.contains(&(method, path));
    let write = !matches!(method, "get" | "head" | "options");
    let api = path.starts_with("/api/");

    // The CSRF header is the `csrf` scheme, not a parameter of each operation.
    if let Some(parameters) = op.parameters.as_mut() {
        parameters.retain(|p| {
            !(p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("X-CSRF-Token"))
        });
    }
    let has_path_ids = path.contains('{');
    op.security = Some(vec![if public {
        SecurityRequirement::default()
    } else if write {
        SecurityRequirement::new(SESSION, Vec::<String>::new()).add(CSRF, Vec::<String>::new())
    } else {
        SecurityRequirement::new(SESSION, Vec::<String>::new())
    }]);

    let function = op.operation_id.take().unwrap_or_else(|| method.to_string());
    let tag = op
        .tags
        .as_ref()
        .and_then(|tags| tags.first())
        .cloned()
        .unwrap_or_default();
    let mut id = if tag.is_empty() {
        function
    } else {
        format!("{tag}_{function}")
    };
    if seen_ids.contains(&id) {
        // Two handlers of one tag with one name: the method and path tell them apart.
        id = format!("{id}_{method}{}", path.replace(['/', '{', '}', '-'], "_"));
    }
    seen_ids.insert(id.clone());
    op.operation_id = Some(id);

    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = "Done.".to_string();
        }
    }
    if !api {
        return;
    }
    // Error answers the handler declared: their content is problem JSON.
    for (status, response) in op.responses.responses.iter_mut() {
        if (status.starts_with('4') || status.starts_with('5'))
            && let RefOr::T(response) = response
        {
            as_problem(response);
        }
    }
    let mut standard: Vec<(&str, &str)> = Vec::new();
    if !public {
        standard.push((
            "401",
            "Not logged in, or the session has ended: log in with POST /api/v1/session.",
        ));
        standard.push((
            "403",
            if write {
                "Refused: this person's role or organisation may not do this (the attempt is recorded), or the X-CSRF-Token header is missing or wrong."
            } else {
                "Refused: this person's role or organisation may not see this (the attempt is recorded)."
            },
        ));
    }
    if has_path_ids {
        standard.push(("404", "No such thing, or not one this person may know of."));
    }
    if write && !public {
        standard.push((
            "409",
            "The state of the case refuses this now; `detail` says why.",
        ));
    }
    standard.push((
        "422",
        "Invalid input: each problem is named by its field in `errors` (a body that is not JSON, a rule broken, text with control characters or bytes that are not UTF-8).",
    ));
    standard.push(("5XX", "A technical error: nothing was saved."));
    for (status, description) in standard {
        let entry = op
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().build()));
        if let RefOr::T(response) = entry {
            if response.description.is_empty() {
                response.description = description.to_string();
            }
            as_problem(response);
        }
    }
}

/// Makes an error response's content problem JSON with the `Problem` schema (a response
/// with a body of its own, such as readiness's, is left as it is).
fn as_problem(response: &mut Response) {
    let problem_ref = || Ref::from_schema_name("Problem");
    let is_problem = |content: &Content| matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location == problem_ref().ref_location);
    let declared_problem = response.content.values().any(is_problem);
    if response.content.is_empty() || declared_problem {
        response.content.clear();
        response.content.insert(
            "application/problem+json".to_string(),
            Content::new(Some(problem_ref())),
        );
    }
}
