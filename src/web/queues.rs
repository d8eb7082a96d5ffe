//! The officers' queues page (`/arbetskoer`). The work is `queues`'.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PageContext, WebError, render};
use crate::codes::Role;
use crate::error::AppError;
use crate::http::{Authenticated, State};
use crate::queues::{self, Queue};

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// `1`: only the officer's own cases.
    #[serde(default)]
    mina: Option<String>,
}

#[derive(Template)]
#[template(path = "queues.html")]
struct QueuesPage {
    ctx: PageContext,
    queues: Vec<Queue>,
    total: i64,
    only_mine: bool,
    may_filter: bool,
}

pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let may_filter = actor.0.role == Role::Officer;
    let only_mine = may_filter && query.mina.as_deref() == Some("1");
    let viewer = actor.0.clone();
    let list = state
        .db
        .run(move |c| {
            queues::all(
                c,
                &viewer,
                only_mine,
                crate::clock::stockholm_date(now),
                now,
            )
        })
        .await
        .map_err(|e: AppError| e)?;
    let page = QueuesPage {
        ctx: PageContext::for_person(actor.0, &session, &state.agency_name, "queues")?,
        total: queues::total(&list),
        queues: list,
        only_mine,
        may_filter,
    };
    render(StatusCode::OK, &page)
}
