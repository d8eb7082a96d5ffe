//! Characters no text may carry, checked once for every request before any handler runs.
//!
//! PostgreSQL refuses NUL in text (SQLite keeps it, and then every export, letter and page
//! carries it), and no person types a control character or sends broken UTF-8 on purpose. So
//! the path, the query, urlencoded form bodies and JSON bodies are read here, and any NUL,
//! other C0 control character (tab, line feed and carriage return are text) or byte sequence
//! that is not UTF-8 is answered before the request reaches a handler or the database: a
//! path with one is a page or resource that does not exist (404); a query or a body with
//! one is refused (422) with a Swedish message naming the field, as problem JSON in the API
//! and as the Swedish error page elsewhere. Multipart bodies (files) are not read here: their
//! text fields are checked with [`check_text`] where they are read (`web::posted`), and a
//! file's bytes are the file's business.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use percent_encoding::percent_decode;

use crate::api::ApiError;
use crate::error::AppError;
use crate::web::WebError;

/// The largest body read for the check: the same as the JSON and form limits, so that a
/// body the handler would read is checked whole. A body declared larger is left to the
/// extractor, which refuses it by its length without reading it.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What is wrong with a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// NUL or another C0 control character other than tab, line feed and carriage return.
    Control,
    /// Bytes that are not UTF-8.
    NotUtf8,
}

impl Fault {
    /// The Swedish message for the person or client that sent it.
    pub fn message(self) -> &'static str {
        match self {
            Fault::Control => {
                "Texten innehåller ett otillåtet tecken (ett styrtecken, till exempel NUL). Ta bort det och skicka igen."
            }
            Fault::NotUtf8 => {
                "Texten innehåller ett otillåtet tecken: den är inte giltig UTF-8. Skicka texten kodad som UTF-8."
            }
        }
    }
}

/// Whether a character may stand in text: everything but the C0 control characters, of
/// which tab, line feed and carriage return are allowed.
pub fn allowed_char(c: char) -> bool {
    c >= ' ' || matches!(c, '\t' | '\n' | '\r')
}

/// Checks text as it arrived, in bytes.
pub fn check_text(bytes: &[u8]) -> Result<(), Fault> {
    let text = std::str::from_utf8(bytes).map_err(|_| Fault::NotUtf8)?;
    check_str(text)
}

/// Checks text that is already UTF-8.
pub fn check_str(text: &str) -> Result<(), Fault> {
    if text.chars().all(allowed_char) {
        Ok(())
    } else {
        Err(Fault::Control)
    }
}

/// Checks a path as sent (percent-encoded). In a path not even tab or a line break is
/// allowed: no id or name contains one.
pub fn check_path(raw: &str) -> Result<(), Fault> {
    let decoded: Vec<u8> = percent_decode(raw.as_bytes()).collect();
    let text = std::str::from_utf8(&decoded).map_err(|_| Fault::NotUtf8)?;
    if text.chars().any(|c| c.is_control()) {
        Err(Fault::Control)
    } else {
        Ok(())
    }
}

/// Checks `a=1&b=2` text (a query or a urlencoded form body); on a fault, names the field.
pub fn check_urlencoded(raw: &[u8]) -> Result<(), (String, Fault)> {
    for pair in raw.split(|b| *b == b'&') {
        let (key, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let key: Vec<u8> = percent_decode(key).collect();
        let value: Vec<u8> = percent_decode(value).collect();
        let name = match check_text(&key) {
            Ok(()) => String::from_utf8_lossy(&key).into_owned(),
            Err(fault) => return Err((String::new(), fault)),
        };
        check_text(&value).map_err(|fault| (name, fault))?;
    }
    Ok(())
}

/// Checks a JSON body: no raw byte that is not UTF-8, and no string (or key) that carries
/// a control character, raw or escaped (`\u0000`). Returns the fault and, when the body
/// can be read as JSON, the path of the field that carries it (`answers.2`).
pub fn check_json(raw: &[u8]) -> Result<(), (String, Fault)> {
    let fault = match scan_json(raw) {
        Ok(()) => return Ok(()),
        Err(fault) => fault,
    };
    let field = serde_json::from_slice::<serde_json::Value>(raw)
        .ok()
        .and_then(|value| faulty_field(&value, ""))
        .unwrap_or_default();
    Err((field, fault))
}

/// The fast pass: bytes and escapes, without building the value.
fn scan_json(raw: &[u8]) -> Result<(), Fault> {
    std::str::from_utf8(raw).map_err(|_| Fault::NotUtf8)?;
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' => {
                if raw.get(i + 1) == Some(&b'u') {
                    let code = raw
                        .get(i + 2..i + 6)
                        .and_then(|hex| std::str::from_utf8(hex).ok())
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                    if let Some(code) = code
                        && char::from_u32(code).is_some_and(|c| !allowed_char(c))
                    {
                        return Err(Fault::Control);
                    }
                    i += 6;
                } else {
                    // `\\`, `\"`, `\n` and the like: the escaped character is skipped, so
                    // that `\\u0000` is read as a backslash and text.
                    i += 2;
                }
            }
            b if b < b' ' && !matches!(b, b'\t' | b'\n' | b'\r') => return Err(Fault::Control),
            _ => i += 1,
        }
    }
    Ok(())
}

/// The dotted path of the first string (or key) with a character not allowed.
fn faulty_field(value: &serde_json::Value, path: &str) -> Option<String> {
    let join = |part: &str| {
        if path.is_empty() {
            part.to_string()
        } else {
            format!("{path}.{part}")
        }
    };
    match value {
        serde_json::Value::String(s) => check_str(s).err().map(|_| path.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| faulty_field(item, &join(&i.to_string()))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if check_str(key).is_err() {
                Some(join(key))
            } else {
                faulty_field(item, &join(key))
            }
        }),
        _ => None,
    }
}

/// Which bodies are read for the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
}

fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())?
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else if essence == "application/json" || essence.ends_with("+json") {
        Some(BodyKind::Json)
    } else {
        None
    }
}

fn is_api(req: &ServiceRequest) -> bool {
    req.path().starts_with("/api/")
}

/// The refusal, in the request's own language: problem JSON in the API, a page elsewhere.
fn refuse(req: &ServiceRequest, error: AppError) -> actix_web::Error {
    if is_api(req) {
        ApiError(error).into()
    } else {
        WebError::from(error).into()
    }
}

fn invalid(
    req: &ServiceRequest,
    field: String,
    fault: Fault,
    default_field: &str,
) -> actix_web::Error {
    let field = if field.is_empty() {
        default_field.to_string()
    } else {
        field
    };
    refuse(req, AppError::invalid(field, fault.message()))
}

/// The middleware: checks path, query and readable bodies, then passes the request on with
/// its body as it was.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if check_path(req.uri().path()).is_err() {
        return Err(refuse(&req, AppError::NotFound));
    }
    if let Some(query) = req.uri().query()
        && let Err((field, fault)) = check_urlencoded(query.as_bytes())
    {
        return Err(invalid(&req, field, fault, "query"));
    }
    if let Some(kind) = body_kind(&req) {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok());
        // A body declared too large is refused by the extractor without being read.
        if declared.is_none_or(|len| len <= BODY_LIMIT) {
            let body = match read_body(&mut req).await {
                Ok(body) => body,
                Err(message) => {
                    let field = if kind == BodyKind::Json {
                        "body"
                    } else {
                        "formulär"
                    };
                    return Err(refuse(&req, AppError::invalid(field, message)));
                }
            };
            let checked = match kind {
                BodyKind::Json => check_json(&body).map_err(|e| (e, "body")),
                BodyKind::Form => check_urlencoded(&body).map_err(|e| (e, "formulär")),
            };
            if let Err(((field, fault), default_field)) = checked {
                return Err(invalid(&req, field, fault, default_field));
            }
            req.set_payload(Payload::from(body));
        }
    }
    next.call(req).await
}

/// Reads the body whole (at most [`BODY_LIMIT`]).
async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, &'static str> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "unreadable request body");
            "Innehållet kunde inte läsas. Försök igen."
        })?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err("Innehållet är för stort.");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(check_text(b"Malm\xc3\xb6\tA\r\nB"), Ok(()));
        assert_eq!(check_text(b"a\0b"), Err(Fault::Control));
        assert_eq!(check_text(b"a\x1bb"), Err(Fault::Control));
        assert_eq!(check_text(b"a\xffb"), Err(Fault::NotUtf8));
    }

    #[test]
    fn json_escapes_are_read_as_json_reads_them() {
        assert!(check_json(br#"{"a":"x\u0000"}"#).is_err());
        assert!(check_json(br#"{"a":"x\u001B"}"#).is_err());
        assert_eq!(check_json(br#"{"a":"x\\u0000"}"#), Ok(()));
        assert_eq!(check_json(br#"{"a":"tab\tline\nok\u00e5"}"#), Ok(()));
        assert_eq!(
            check_json(br#"{"a":{"b":["ok","x\u0000"]}}"#),
            Err(("a.b.1".to_string(), Fault::Control))
        );
        assert_eq!(
            check_json(b"{\"a\":\"\xff\"}").map_err(|e| e.1),
            Err(Fault::NotUtf8)
        );
    }

    #[test]
    fn forms_and_paths() {
        assert_eq!(check_urlencoded(b"a=1&b=%C3%A5+x"), Ok(()));
        assert_eq!(
            check_urlencoded(b"a=1&title=x%00y"),
            Err(("title".to_string(), Fault::Control))
        );
        assert_eq!(
            check_urlencoded(b"title=%FF"),
            Err(("title".to_string(), Fault::NotUtf8))
        );
        assert_eq!(check_path("/ansokningar/abc"), Ok(()));
        assert_eq!(check_path("/ansokningar/a%00c"), Err(Fault::Control));
        assert_eq!(check_path("/ansokningar/a%09c"), Err(Fault::Control));
        assert_eq!(check_path("/ansokningar/%C3%28"), Err(Fault::NotUtf8));
    }
}
