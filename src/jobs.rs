//! What every background job shares: the shutdown flag that ends its work between two
//! chunks, and the lease that lets one instance of several run it.
//!
//! Background work runs on blocking threads (database, SMTP). The runtime waits for those
//! threads when the process stops, so a job that went on for half an hour would hold up a
//! SIGTERM for as long: every job therefore works in bounded chunks and asks
//! [`Shutdown::requested`] between them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::db::{self, DbConnection};

/// Set once the server has stopped taking requests; background work ends at its next
/// chunk. Cheap to clone; every clone sees the same flag.
#[derive(Debug, Clone, Default)]
pub struct Shutdown(Arc<AtomicBool>);

impl Shutdown {
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A job's lease in `job_leases`, held by this process (`holder`, unique per process).
#[derive(Debug, Clone)]
pub struct Lease {
    pub job: &'static str,
    pub holder: String,
    /// How long a claim keeps other instances off while the job runs; renewed between
    /// chunks, so a process that dies holding it delays the job by at most this long.
    pub length: Duration,
}

impl Lease {
    /// A lease for `job` held by a new, unique holder.
    pub fn new(job: &'static str, length: Duration) -> Lease {
        Lease {
            job,
            holder: db::new_id(),
            length,
        }
    }

    /// Takes or renews the lease; false when another instance holds it.
    pub fn claim(&self, conn: &mut DbConnection, now: DateTime<Utc>) -> diesel::QueryResult<bool> {
        db::jobs::claim_lease(
            conn,
            self.job,
            &self.holder,
            now.naive_utc(),
            (now + self.length).naive_utc(),
        )
    }

    /// The job is done for this period: other instances skip it until `until` (then the
    /// next period's round may run anywhere).
    pub fn keep_until(
        &self,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> diesel::QueryResult<bool> {
        db::jobs::claim_lease(
            conn,
            self.job,
            &self.holder,
            now.naive_utc(),
            until.max(now).naive_utc(),
        )
    }
}
