//! The start page, one per role, and the accessibility statement.

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::{PageContext, WebError, redirect, render};
use crate::applications::{self, ApplicationSummary};
use crate::calls::{self, CallOverview};
use crate::codes::Role;
use crate::error::AppError;
use crate::http::{self, MaybeActor, State};

#[derive(Template)]
#[template(path = "home_public.html")]
struct PublicHome {
    ctx: PageContext,
    calls: Vec<CallOverview>,
}

#[derive(Template)]
#[template(path = "home_staff.html")]
struct StaffHome {
    ctx: PageContext,
    calls: Vec<CallOverview>,
    /// Draft decisions waiting for a decision maker: (decision, organisation name).
    drafts: Vec<(crate::db::decisions::Decision, String)>,
}

#[derive(Template)]
#[template(path = "home_applicant.html")]
struct ApplicantHome {
    ctx: PageContext,
    organisation: String,
    open_calls: Vec<CallOverview>,
    /// Redistribution rounds the organisation may apply in now.
    rounds: Vec<(crate::db::redistribution::Round, crate::db::calls::Call)>,
    cases: Vec<ApplicationSummary>,
}

#[derive(Template)]
#[template(path = "home_auditor.html")]
struct AuditorHome {
    ctx: PageContext,
    calls: Vec<CallOverview>,
    /// The latest cases to arrive; each call's list has them all.
    cases: Vec<ApplicationSummary>,
    cases_total: i64,
}

/// How many of the latest cases the auditor's start page lists.
const LATEST_CASES: i64 = 20;

pub async fn show(
    state: State,
    session: Session,
    actor: MaybeActor,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let Some(actor) = actor.0 else {
        let calls = state.db.run(move |c| calls::overview(c, None, now)).await?;
        let page = PublicHome {
            ctx: PageContext::new(None, String::new(), &state.agency_name, "home"),
            calls,
        };
        return render(StatusCode::OK, &page);
    };
    if actor.role == Role::Admin {
        // Before the page context: a confirmation waiting in the session is for /admin.
        return Ok(redirect("/admin"));
    }
    let ctx = PageContext::for_person(actor.clone(), &session, &state.agency_name, "home")?;
    match actor.role {
        Role::Officer | Role::DecisionMaker => {
            let (calls, drafts) = state
                .db
                .run(move |c| {
                    let calls = calls::overview(c, Some(&actor), now)?;
                    let mut drafts = Vec::new();
                    // One read per organisation, not per draft.
                    let mut names: std::collections::HashMap<String, String> =
                        std::collections::HashMap::new();
                    for d in crate::db::decisions::drafts(c)? {
                        let name = match names.get(&d.organisation_id) {
                            Some(name) => name.clone(),
                            None => {
                                let name = crate::db::organisations::find(c, &d.organisation_id)?
                                    .map(|o| o.name)
                                    .unwrap_or_default();
                                names.insert(d.organisation_id.clone(), name.clone());
                                name
                            }
                        };
                        drafts.push((d, name));
                    }
                    Ok::<_, AppError>((calls, drafts))
                })
                .await?;
            render(StatusCode::OK, &StaffHome { ctx, calls, drafts })
        }
        Role::Applicant => {
            let (open_calls, rounds, cases) = state
                .db
                .run(move |c| {
                    let rounds = match &actor.organisation_id {
                        Some(org) => crate::redistribution::open_for_organisation(c, org, now)?,
                        None => Vec::new(),
                    };
                    Ok::<_, AppError>((
                        calls::open_for_applicant(c, &actor, now)?,
                        rounds,
                        // Someone who acts for no organisation yet has no cases; the page
                        // leads them to the ombudsansökan.
                        match actor.organisation_id {
                            Some(_) => applications::list_for(c, &actor, None, now)?,
                            None => Vec::new(),
                        },
                    ))
                })
                .await?;
            let organisation = ctx
                .actor
                .as_ref()
                .and_then(|a| a.organisation_name.clone())
                .unwrap_or_default();
            render(
                StatusCode::OK,
                &ApplicantHome {
                    ctx,
                    organisation,
                    open_calls,
                    rounds,
                    cases,
                },
            )
        }
        Role::Auditor => {
            let (calls, cases) = state
                .db
                .run(move |c| {
                    let filter = applications::visible_to(c, &actor, None, now)?;
                    Ok::<_, AppError>((
                        calls::overview(c, Some(&actor), now)?,
                        applications::page(
                            c,
                            &filter,
                            crate::db::applications::ListSort::RegistrationNumber,
                            true,
                            LATEST_CASES,
                            0,
                        )?,
                    ))
                })
                .await?;
            render(
                StatusCode::OK,
                &AuditorHome {
                    ctx,
                    calls,
                    cases_total: cases.total,
                    cases: cases.rows,
                },
            )
        }
        Role::Admin => Ok(redirect("/admin")),
    }
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    ctx: PageContext,
}

pub async fn accessibility(
    state: State,
    session: Session,
    actor: MaybeActor,
) -> Result<HttpResponse, WebError> {
    let csrf = match &actor.0 {
        Some(_) => http::csrf_token(&session)?,
        None => String::new(),
    };
    render(
        StatusCode::OK,
        &AccessibilityPage {
            ctx: PageContext::new(actor.0, csrf, &state.agency_name, "accessibility"),
        },
    )
}
