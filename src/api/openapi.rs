use actix_web::web;
use utoipa::OpenApi;

use super::dto;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Statsbidrag API",
        description = "Utlysningar, ansökningar, beslut och granskningslogg. Publicerade utlysningar och deras fördelningstabeller är öppna data.",
        version = "1"
    ),
    paths(
        super::calls::list,
        super::calls::show,
        super::calls::allocation,
        super::applications::list,
        super::applications::show,
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
