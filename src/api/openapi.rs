use actix_web::web;
use utoipa::OpenApi;

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
        crate::startup::healthz,
    ),
    components(schemas(
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
        dto::Health,
        super::Problem,
        crate::error::FieldError,
    ))
)]
pub struct ApiDoc;

pub async fn document() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
