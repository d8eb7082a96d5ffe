//! Response headers every answer carries, pages, API and files alike, including the answers
//! made from errors that middleware further in returned.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

/// The content security policy: everything from this site only, no inline script or style,
/// no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The service uses no camera, microphone, location, payment or the like.
const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// Two years, as HSTS preload lists ask; only sent when the cookies are marked secure,
/// that is when the service runs behind HTTPS.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// Adds the security headers to every response. Caching: a response that says nothing
/// about caching (every page, API answer and file except the stylesheet) is `no-store`, so
/// that a case page, a decision letter or an API answer is never kept by a browser or a
/// proxy for the next person at the same computer.
pub async fn add(
    hsts: bool,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(mut response) => {
            set_headers(response.headers_mut(), hsts);
            Ok(response)
        }
        // An error from further in (the session layer, say) becomes its response later, out
        // of this middleware's reach: wrap it so that its response carries the headers too.
        Err(error) => Err(WithHeaders { error, hsts }.into()),
    }
}

fn set_headers(headers: &mut HeaderMap, hsts: bool) {
    let mut set_default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set_default(header::CACHE_CONTROL, "no-store");
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::REFERRER_POLICY, "same-origin");
    set_default(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set_default(
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    if hsts {
        set_default(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
}

/// An error whose response gets the security headers.
#[derive(Debug)]
struct WithHeaders {
    error: actix_web::Error,
    hsts: bool,
}

impl std::fmt::Display for WithHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for WithHeaders {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.error.error_response();
        set_headers(response.headers_mut(), self.hsts);
        response
    }
}
