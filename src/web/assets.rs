//! The stylesheet, built into the binary so that the service runs from any folder.

use actix_web::HttpResponse;
use actix_web::http::header;

const APP_CSS: &str = include_str!("../../static/app.css");

pub async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(APP_CSS)
}
