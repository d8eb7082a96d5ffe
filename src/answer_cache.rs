//! Public answers kept in memory for a moment: the allocation table and the call page as
//! the public sees them, the two busiest reads, are the same for everyone and change only
//! when a decision is signed or changed, money is redistributed or the call is edited.
//!
//! An answer is served from memory while both hold: no write has committed in this
//! process since it was read (`db::generation`, bumped by every committed write
//! transaction, so a signing is seen by the very next request), and it is younger than
//! [`MAX_AGE`], a second (so that what another instance or the command line wrote shows
//! within it). Answers that depend on who asks are never kept.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use crate::db;

/// How long an answer is served without a look at the database.
pub const TTL: Duration = Duration::from_millis(500);

/// Past [`TTL`] the first request reads the answer again while the others are still
/// served the kept one (instead of all of them asking the database at the same moment),
/// but never one older than this.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// More entries than this and the expired ones are dropped (calls are few; keys also hold
/// the database, so a test process with many databases keeps many).
const PRUNE_ABOVE: usize = 1024;

struct Entry {
    generation: u64,
    stored: Instant,
    body: Bytes,
    /// A request is reading the answer again.
    refreshing: bool,
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

    /// The kept body, if it is still the answer. `None` tells the caller to read it from
    /// the database and [`AnswerCache::put`] it.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let generation = db::generation();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get_mut(key)?;
        let age = entry.stored.elapsed();
        if entry.generation != generation || age >= MAX_AGE {
            return None;
        }
        if age >= TTL && !entry.refreshing {
            entry.refreshing = true;
            return None;
        }
        Some(entry.body.clone())
    }

    /// Keeps `body`, read from the database after [`db::generation`] was `generation`:
    /// if a write committed meanwhile the body may be older than it, and is not kept past
    /// that write.
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= PRUNE_ABOVE {
            let now = db::generation();
            entries.retain(|_, e| e.generation == now && e.stored.elapsed() < MAX_AGE);
        }
        entries.insert(
            key,
            Entry {
                generation,
                stored: Instant::now(),
                body,
                refreshing: false,
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

    #[test]
    fn past_its_ttl_one_request_reads_again_while_the_others_get_the_kept_answer() {
        let cache = AnswerCache::new();
        let kept = |age: Duration| Entry {
            generation: db::generation(),
            stored: Instant::now().checked_sub(age).unwrap_or_else(Instant::now),
            body: Bytes::from_static(b"kept"),
            refreshing: false,
        };
        cache
            .entries
            .lock()
            .unwrap()
            .insert("k".into(), kept(TTL + Duration::from_millis(50)));
        cache
            .entries
            .lock()
            .unwrap()
            .insert("old".into(), kept(MAX_AGE));
        // Unless a write commits meanwhile (tests run in parallel), the first asker reads
        // again and the next is served what is kept.
        let generation = db::generation();
        let (first, second) = (cache.get("k"), cache.get("k"));
        if db::generation() == generation {
            assert_eq!(first, None);
            assert_eq!(second, Some(Bytes::from_static(b"kept")));
        }
        assert_eq!(cache.get("old"), None);
        assert_eq!(cache.get("old"), None);
    }
}
