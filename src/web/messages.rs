//! The messages of a case (issue 16): the thread, oldest first, with read receipts, and
//! the form to write one, with a file if the writer likes. The rules are in
//! `crate::messages`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::posted::PostedForm;
use super::{CSRF_REFUSED, PageContext, WebError, redirect, render};
use crate::error::{AppError, FieldErrors};
use crate::http::{self, Authenticated, State};
use crate::messages::{self, MessageAbout, MessageInput, Thread};

#[derive(Template)]
#[template(path = "messages.html")]
struct ThreadPage {
    ctx: PageContext,
    thread: Thread,
    /// The form as typed, when it was refused.
    typed: MessageInput,
    errors: FieldErrors,
    /// A message was just sent.
    sent: bool,
}

impl ThreadPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    fn abouts(&self) -> &'static [MessageAbout] {
        MessageAbout::ALL
    }

    fn about_chosen(&self, about: &MessageAbout) -> bool {
        self.typed.about == about.as_str()
    }

    fn max_chars(&self) -> String {
        crate::web::format::number(messages::MESSAGE_MAX_CHARS as i64)
    }

    fn file_path(&self, file_id: &str) -> String {
        file_path(&self.thread.application.id, file_id)
    }
}

/// Where a message's file is downloaded. It ends in `.pdf` (files are PDFs, see
/// `workflow::check_attachment`), which also keeps link crawlers from fetching downloads.
pub fn file_path(application_id: &str, file_id: &str) -> String {
    format!("/ansokningar/{application_id}/meddelanden/filer/{file_id}.pdf")
}

#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    #[serde(default)]
    skickat: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &State,
    session: &Session,
    actor: crate::accounts::Actor,
    id: String,
    typed: MessageInput,
    errors: FieldErrors,
    status: StatusCode,
    sent: bool,
) -> Result<HttpResponse, WebError> {
    let now = state.clock.now();
    let viewer = actor.clone();
    let thread = state
        .db
        .run(move |c| messages::read_thread(c, &viewer, &id, now))
        .await?;
    let page = ThreadPage {
        ctx: PageContext::for_person(actor, session, &state.agency_name, "home")?,
        thread,
        typed,
        errors,
        sent,
    };
    render(status, &page)
}

/// The thread. Opening it marks the other side's messages read.
pub async fn show(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, WebError> {
    page(
        &state,
        &session,
        actor.0,
        path.into_inner(),
        MessageInput::default(),
        FieldErrors::new(),
        StatusCode::OK,
        query.skickat.is_some(),
    )
    .await
}

/// Writes a message (a form with or without a file). Refused text comes back as typed.
pub async fn send(
    state: State,
    session: Session,
    actor: Authenticated,
    path: web::Path<String>,
    posted: PostedForm,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let data = posted.data();
    let typed = MessageInput {
        text: data.get("text"),
        about: data.get("about"),
    };
    if !http::csrf_matches(&session, &data.get("csrf_token")) {
        let errors = FieldErrors::single("csrf_token", CSRF_REFUSED);
        return page(
            &state,
            &session,
            actor.0,
            id,
            typed,
            errors,
            StatusCode::FORBIDDEN,
            false,
        )
        .await;
    }
    if posted.more_files {
        let errors = FieldErrors::single("file", "Bifoga en fil per meddelande.");
        return page(
            &state,
            &session,
            actor.0,
            id,
            typed,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        )
        .await;
    }
    let now = state.clock.now();
    let (links, agency) = (state.links.clone(), state.agency_name.clone());
    let (who, case, input, upload) = (actor.0.clone(), id.clone(), typed.clone(), posted.file);
    let result = state
        .db
        .run(move |c| {
            messages::send(
                c,
                &who,
                &case,
                &input,
                upload.as_ref(),
                now,
                &links,
                &agency,
            )
        })
        .await;
    match result {
        Ok(sent) => Ok(redirect(&format!(
            "/ansokningar/{id}/meddelanden?skickat=1#meddelande-{}",
            sent.message.id
        ))),
        Err(AppError::Invalid(errors)) => {
            page(
                &state,
                &session,
                actor.0,
                id,
                typed,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// A message's file, for whoever may read the case.
pub async fn file(
    state: State,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, file_id) = path.into_inner();
    let now = state.clock.now();
    let file = state
        .db
        .run(move |c| messages::download_file(c, &actor.0, &id, &file_id, now))
        .await?;
    Ok(http::file_response(
        &file.filename,
        &file.content_type,
        Some(&file.sha256),
        file.content,
    ))
}
