//! A posted page form that may carry a file: read whole, text and file together, so that a
//! form with an upload in it loses nothing typed.
//!
//! Pages post `application/x-www-form-urlencoded` (read with the shared [`super::form_config`])
//! or, when the form has a file field, `multipart/form-data`, read here with the same
//! limits and Swedish messages. An attached file is kept up to the attachment limit; a
//! larger one is read to its end but not kept, and arrives as
//! [`Upload::too_large`](crate::applications::workflow::Upload::too_large), so that the rules
//! answer it beside the file field while everything typed is shown again. (actix's own
//! multipart extractor keeps at most 2 MiB in memory by default and answers anything larger
//! with an English "Payload error" before the handler runs.)

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use super::WebError;
use crate::applications::workflow::{ATTACHMENT_MAX_BYTES, Upload};
use crate::error::AppError;
use crate::forms::FormData;

/// The name of a form's file field.
pub const FILE_FIELD: &str = "file";

/// Most bytes of text a form may carry, as for urlencoded forms (see `form_config`): above
/// the longest text any field allows, so that an over-long answer reaches the rules.
const TEXT_LIMIT: usize = 16 * 1024 * 1024;

/// Most fields a form may have (the call form's rows included, it has a few hundred).
const FIELD_LIMIT: usize = 20_000;

/// How far past the attachment limit a file is still read (and thrown away) so that the
/// answer reaches the browser, which is still sending; beyond this the body is not read
/// further and the connection is closed after the answer.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// A form as posted: its fields as name/value pairs, in order, and the file, if one was
/// chosen.
#[derive(Debug, Default)]
pub struct PostedForm {
    pub pairs: Vec<(String, String)>,
    pub file: Option<Upload>,
    /// More than one file was chosen; only the first was kept.
    pub more_files: bool,
}

impl PostedForm {
    pub fn data(&self) -> FormData {
        FormData::new(self.pairs.clone())
    }
}

impl FromRequest for PostedForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<PostedForm, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if multipart {
            let stream = Multipart::new(req.headers(), payload.take());
            Box::pin(async move { read_multipart(stream).await.map_err(|e| e.into()) })
        } else {
            let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
            Box::pin(async move {
                let pairs = form.await?.into_inner();
                Ok(PostedForm {
                    pairs,
                    file: None,
                    more_files: false,
                })
            })
        }
    }
}

/// The same message as for an unreadable urlencoded form.
fn unreadable(detail: &str) -> WebError {
    tracing::info!(error = %detail, "unreadable multipart form body");
    WebError::from(AppError::invalid(
        "formulär",
        "Formuläret kunde inte läsas. Det kan vara för stort. Ladda om sidan och försök igen.",
    ))
}

async fn read_multipart(mut stream: Multipart) -> Result<PostedForm, WebError> {
    let mut form = PostedForm::default();
    let mut text_bytes = 0usize;
    let mut fields = 0usize;
    let mut drained = 0usize;
    while let Some(field) = stream.next().await {
        let mut field = field.map_err(|e| unreadable(&e.to_string()))?;
        fields += 1;
        if fields > FIELD_LIMIT {
            return Err(unreadable("too many fields"));
        }
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        match filename {
            Some(filename) => {
                // A file: kept up to the attachment limit; beyond it only counted.
                let mut kept: Option<Vec<u8>> = Some(Vec::new());
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| unreadable(&e.to_string()))?;
                    match &mut kept {
                        Some(bytes) if bytes.len() + chunk.len() <= ATTACHMENT_MAX_BYTES => {
                            bytes.extend_from_slice(&chunk)
                        }
                        _ => {
                            kept = None;
                            drained += chunk.len();
                        }
                    }
                    if drained > DRAIN_LIMIT {
                        // Far too large: answer now with what was typed before it.
                        form.file = Some(Upload::too_large(&filename));
                        return Ok(form);
                    }
                }
                // Browsers send an empty, nameless part for a file field left empty; and
                // only the form's own file fields are taken: the general one and those of
                // attachment questions (`file.<n>`), one file per post.
                let chosen = !filename.is_empty() || kept.as_ref().is_none_or(|b| !b.is_empty());
                let ours = name == FILE_FIELD || name.starts_with("file.");
                if ours && chosen {
                    if form.file.is_none() {
                        form.file = Some(
                            match kept {
                                Some(bytes) => Upload::new(&filename, bytes),
                                None => Upload::too_large(&filename),
                            }
                            .for_field(&name),
                        );
                    } else {
                        form.more_files = true;
                    }
                }
            }
            None => {
                let mut value = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| unreadable(&e.to_string()))?;
                    text_bytes += chunk.len();
                    if text_bytes > TEXT_LIMIT {
                        return Err(unreadable("text above the limit"));
                    }
                    value.extend_from_slice(&chunk);
                }
                // The same characters are refused here as in every other body (see
                // `input_guard`, which leaves multipart bodies to their readers).
                if let Err(fault) = crate::input_guard::check_text(&value) {
                    return Err(WebError::from(AppError::invalid(name, fault.message())));
                }
                if let Err(fault) = crate::input_guard::check_str(&name) {
                    return Err(WebError::from(AppError::invalid(
                        "formulär",
                        fault.message(),
                    )));
                }
                let value =
                    String::from_utf8(value).map_err(|_| unreadable("text field is not UTF-8"))?;
                form.pairs.push((name, value));
            }
        }
    }
    Ok(form)
}
