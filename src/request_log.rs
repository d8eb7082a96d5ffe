//! What the request log says about a request: enough to follow it, nothing that would let a
//! reader of the log act as someone else.
//!
//! The default span of tracing-actix-web records the whole address. Ours has secrets in it:
//! the one-time link that lets a person choose their password (`/valj-losenord/<token>`)
//! and the token of a kept form; query strings carry search words and addresses. Anyone
//! who can read the log (an operator, a log service) must not be able to take over an
//! account from it. So the log gets the path with every segment that looks like a token
//! hidden, and the names of the query parameters without their values.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// The root span of every request, with the address made safe to log.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_string());
        let user_agent = request
            .headers()
            .get("User-Agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let client_ip = request
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %loggable_target(request.path(), request.query_string()),
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The path with token-like segments hidden, and the query's names without values.
pub fn loggable_target(path: &str, query: &str) -> String {
    let mut target: String = path
        .split('/')
        .map(|segment| {
            if looks_like_token(segment) {
                "[dold]"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    if !query.is_empty() {
        let names: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split('=').next().unwrap_or(""))
            .map(|name| {
                if looks_like_token(name) {
                    "[dold]"
                } else {
                    name
                }
            })
            .collect();
        target.push('?');
        target.push_str(
            &names
                .iter()
                .map(|n| format!("{n}=…"))
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    target
}

/// A long run of letters and digits (and `-`, `_`) with both letters and digits in it that
/// is not one of our record ids (UUIDs, which are worth keeping in the log and give no one
/// any power): the link and form tokens are 22 or more random characters. The service's
/// own words in addresses (`kompletteringsbegaran`) have no digits and stay readable.
fn looks_like_token(segment: &str) -> bool {
    segment.len() >= 20
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && segment.bytes().any(|b| b.is_ascii_digit())
        && segment.bytes().any(|b| b.is_ascii_alphabetic())
        && uuid::Uuid::try_parse(segment).is_err()
}

#[cfg(test)]
mod tests {
    use super::loggable_target;

    #[test]
    fn hides_tokens_and_query_values_but_keeps_ids() {
        assert_eq!(
            loggable_target(
                "/valj-losenord/Abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                ""
            ),
            "/valj-losenord/[dold]"
        );
        assert_eq!(
            loggable_target(
                "/ansokningar/0b5c3f8e-2a4d-4c1e-9f7a-1234567890ab/redigera",
                "sparat=Zx9kqW2mT5vB8nR4yL7cH1jD&steg=2"
            ),
            "/ansokningar/0b5c3f8e-2a4d-4c1e-9f7a-1234567890ab/redigera?sparat=…&steg=…"
        );
        assert_eq!(loggable_target("/", ""), "/");
        assert_eq!(
            loggable_target("/ansokningar/x/kompletteringsbegaran-svar", ""),
            "/ansokningar/x/kompletteringsbegaran-svar"
        );
        assert_eq!(
            loggable_target("/utlysningar", "q=anna@example.se"),
            "/utlysningar?q=…"
        );
    }
}
