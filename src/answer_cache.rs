//! Public answers kept in memory for a moment: the allocation table and the call page as
//! the public sees them, the two busiest reads, are the same for everyone and change only
//! when a decision is signed or changed, money is redistributed or the call is edited.
//!
//! An answer is served from memory while both hold: no write has committed in this
//! process since it was read (`db::generation`, bumped by every committed write
//! transaction, so a signing is seen by the very next request), and it is younger than
//! [`TTL`] (so that what another instance or the command line wrote shows within a
//! second). Answers that depend on who asks are never kept.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use crate::db;

/// How long an answer may be served without a look at the database.
pub const TTL: Duration = Duration::from_secs(1);

/// More entries than this and the expired ones are dropped (calls are few; keys also hold
/// the database, so a test process with many databases keeps many).
const PRUNE_ABOVE: usize = 1024;

struct Entry {
    generation: u64,
    stored: Instant,
    body: Bytes,
}

/// Bodies by key; cheap to share, one per kind of answer.
#[derive(Default)]
pub struct AnswerCache {
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl AnswerCache {
    pub const fn new() -> AnswerCache {
        AnswerCache {
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The kept body, if it is still the answer.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let generation = db::generation();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.stored.elapsed() < TTL)
            .map(|e| e.body.clone())
    }

    /// Keeps `body`, read from the database after [`db::generation`] was `generation`:
    /// if a write committed meanwhile the body may be older than it, and is not kept past
    /// that write.
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= PRUNE_ABOVE {
            let now = db::generation();
            entries.retain(|_, e| e.generation == now && e.stored.elapsed() < TTL);
        }
        entries.insert(
            key,
            Entry {
                generation,
                stored: Instant::now(),
                body,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_write_makes_a_kept_answer_stale() {
        let cache = AnswerCache::new();
        let generation = db::generation();
        cache.put("k".into(), generation, Bytes::from_static(b"old"));
        if db::generation() == generation {
            assert_eq!(cache.get("k"), Some(Bytes::from_static(b"old")));
        }
        cache.put(
            "stale".into(),
            generation.wrapping_sub(1),
            Bytes::from_static(b"x"),
        );
        assert_eq!(cache.get("stale"), None);
        assert_eq!(cache.get("missing"), None);
    }
}
