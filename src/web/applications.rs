//! A case's page: the application in every version, supplements and decisions.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{PageContext, WebError, render};
use crate::applications::{self, ApplicationView};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    ctx: PageContext,
    view: ApplicationView,
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let view = state
        .db
        .run(move |c| applications::view(c, &viewer, &id, now))
        .await?;
    let page = ApplicationPage {
        ctx: PageContext::new(
            Some(actor.0),
            http::csrf_token(&session)?,
            &state.agency_name,
            "home",
        ),
        view,
    };
    render(StatusCode::OK, &page)
}
