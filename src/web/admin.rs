//! The administrator's overview of accounts and organisations.

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::{PageContext, WebError, render};
use crate::accounts::{self, AccountsOverview};
use crate::http::{self, Authenticated, State};

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ctx: PageContext,
    overview: AccountsOverview,
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.0.clone();
    let overview = state
        .db
        .run(move |c| accounts::overview(c, &viewer, now))
        .await?;
    let page = AdminPage {
        ctx: PageContext::new(
            Some(actor.0),
            http::csrf_token(&session)?,
            &state.agency_name,
            "admin",
        ),
        overview,
    };
    render(StatusCode::OK, &page)
}
