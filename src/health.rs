//! Liveness and readiness, for whoever runs the service (a load balancer, an orchestrator,
//! an operator with curl).
//!
//! - `GET /healthz` (liveness) says only that the process answers: it touches nothing, so
//!   that a database outage does not get healthy processes restarted.
//! - `GET /readyz` (readiness) says whether the service can do its work: it reads the
//!   database's schema version (every migration this binary carries must be applied: an
//!   empty or foreign database fails here) and writes and commits one row (a full disk or a
//!   read-only database fails here). Anything else answers 503 with the reason.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::db::{self, DbError};
use crate::http::State;

/// The answer of both checks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` (liveness), `ready` or `unavailable`.
    pub status: String,
    /// The configured backend: `SQLite` or `PostgreSQL`.
    pub database: String,
    /// The newest migration this binary carries (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// Why the service is not ready, in Swedish (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The readiness row every instance writes.
const PROBE_ROW: &str = "readiness";

/// 200 when the service can read its schema version and write; 503 with the reason
/// otherwise.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readiness(state: State) -> HttpResponse {
    let database = state.db.url().backend_name().to_string();
    let now = state.clock.now().naive_utc();
    let checked = state
        .db
        .run(move |c| -> Result<Result<String, String>, DbError> {
            let (version, complete) = match db::health::schema_version(c) {
                Ok(v) => v,
                Err(e) => {
                    tracing::error!(error = %e, "readiness: schema version unreadable");
                    return Ok(Err(
                        "Databasens schemaversion går inte att läsa (tom eller fel databas?)."
                            .into(),
                    ));
                }
            };
            if !complete {
                return Ok(Err(format!(
                    "Databasen saknar migreringar som tjänsten behöver (senaste: {version})."
                )));
            }
            if let Err(e) = db::health::record_check(c, PROBE_ROW, now) {
                tracing::error!(error = %e, "readiness: the database refuses writes");
                return Ok(Err(
                    "Databasen tar inte emot skrivningar (full disk eller skrivskyddad?).".into(),
                ));
            }
            Ok(Ok(version))
        })
        .await;
    let (ready, schema_version, reason) = match checked {
        Ok(Ok(version)) => (true, Some(version), None),
        Ok(Err(reason)) => (false, None, Some(reason)),
        Err(e) => {
            tracing::error!(error = %e, "readiness: the database does not answer");
            (false, None, Some("Databasen svarar inte.".to_string()))
        }
    };
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" }.into(),
        database,
        schema_version,
        reason,
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// 200 as long as the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Readiness)))]
pub async fn liveness(state: State) -> HttpResponse {
    HttpResponse::Ok().json(Readiness {
        status: "ok".into(),
        database: state.db.url().backend_name().to_string(),
        schema_version: None,
        reason: None,
    })
}
