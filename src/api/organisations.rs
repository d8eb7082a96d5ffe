//! Organisations and their people through the API: what the administrator's page
//! (*Konton och organisationer*) and an organisation's page of people show, readable by id
//! with the same access rules.

use actix_web::web;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::ApiError;
use crate::accounts::{self, members};
use crate::db::accounts::User;
use crate::db::organisations::Organisation;
use crate::http::{Authenticated, State};

/// The organisations and people part of the OpenAPI document, merged into the service's.
#[derive(OpenApi)]
#[openapi(
    paths(people, accounts_overview),
    components(schemas(OrganisationDto, PersonDto, OrganisationPeopleDto, AccountsDto))
)]
pub struct OrganisationsApiDoc;

/// An organisation as the register holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: String,
    pub org_number: String,
    pub name: String,
    /// `region`, `municipality`, … as the register says.
    pub kind: String,
}

impl OrganisationDto {
    fn new(o: &Organisation) -> OrganisationDto {
        OrganisationDto {
            id: o.id.clone(),
            org_number: o.org_number.clone(),
            name: o.name.clone(),
            kind: o.kind.as_str().to_string(),
        }
    }
}

/// A person with an account. Never a password or anything derived from one: only whether
/// the person has chosen one yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `applicant`, `officer`, `decision_maker`, `auditor` or `admin`.
    pub role: String,
    pub organisation_id: Option<String>,
    /// The person's role in the organisation: `ombud`, `representative` or `coordinator`.
    pub org_role: Option<crate::codes::OrgRole>,
    /// Deactivated accounts are `false`; their sessions have ended.
    pub active: bool,
    /// Invited, and the invitation link not yet used: no password opens the account.
    pub awaits_password: bool,
}

impl PersonDto {
    fn new(u: &User) -> PersonDto {
        PersonDto {
            id: u.id.clone(),
            name: u.name.clone(),
            email: u.email.clone(),
            role: u.role.as_str().to_string(),
            organisation_id: u.organisation_id.clone(),
            org_role: u.org_role,
            active: u.active,
            awaits_password: u.awaits_password(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPeopleDto {
    pub organisation: OrganisationDto,
    pub people: Vec<PersonDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsDto {
    pub people: Vec<PersonDto>,
    pub organisations: Vec<OrganisationDto>,
}

/// An organisation and its people: for the administrator, and for the organisation's own
/// people (anyone else gets 404, recorded).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/people", tag = "accounts",
    params(("id" = String, Path, description = "The organisation's id")),
    responses((status = 200, body = OrganisationPeopleDto),
        (status = 401, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn people(
    state: State,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<OrganisationPeopleDto>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (organisation, people) = state
        .db
        .run(move |c| members::list(c, &actor.0, &id, now))
        .await?;
    Ok(web::Json(OrganisationPeopleDto {
        organisation: OrganisationDto::new(&organisation),
        people: people.iter().map(PersonDto::new).collect(),
    }))
}

/// Every account and organisation: the administrator's overview (anyone else gets 403,
/// recorded).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    responses((status = 200, body = AccountsDto),
        (status = 401, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn accounts_overview(
    state: State,
    actor: Authenticated,
) -> Result<web::Json<AccountsDto>, ApiError> {
    let now = state.clock.now();
    let overview = state
        .db
        .run(move |c| accounts::overview(c, &actor.0, now))
        .await?;
    Ok(web::Json(AccountsDto {
        people: overview
            .users
            .iter()
            .map(|(u, _)| PersonDto::new(u))
            .collect(),
        organisations: overview
            .organisations
            .iter()
            .map(OrganisationDto::new)
            .collect(),
    }))
}
