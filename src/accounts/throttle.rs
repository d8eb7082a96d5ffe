//! Throttling wrong passwords, per account and per client address, with growing delays.
//!
//! An account is known here by the SHA-256 of its normalised e-mail address, whether or not
//! an account has that address: the answers never depend on whether it exists. A client is
//! known by its IP address (an IPv6 client by its /64 network, which one subscriber usually
//! holds whole). Everything lives in memory in two tables of bounded size: old entries are
//! forgotten after a quiet day, and when a table is full the entry that matters least gives
//! way, so that a storm of invented addresses cannot grow the process.
//!
//! A failure is counted when the attempt begins, before the slow password check, so that
//! many attempts at once cannot all slip past the count; a success takes its count back.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// How many wrong passwords are free and how long the lockouts after them last.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The wrong password that reaches this count starts the first lockout.
    pub free_failures: u32,
    /// The first lockout; each further wrong password (after a lockout ends) doubles it.
    pub first_lockout: Duration,
    pub longest_lockout: Duration,
}

impl Policy {
    /// The lockout after the `failures`-th wrong password, if it starts one.
    fn lockout(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free_failures)?;
        let factor = 1i32 << beyond.min(20);
        Some((self.first_lockout * factor).min(self.longest_lockout))
    }
}

/// One account: five wrong passwords in a row, then 1, 2, 4, 8 and at most 15 minutes.
pub const ACCOUNT_POLICY: Policy = Policy {
    free_failures: 5,
    first_lockout: Duration::minutes(1),
    longest_lockout: Duration::minutes(15),
};

/// One client address, over every account it tries: more free failures, since many people
/// can share an office's address, then the same growing lockouts.
pub const ADDRESS_POLICY: Policy = Policy {
    free_failures: 30,
    first_lockout: Duration::minutes(1),
    longest_lockout: Duration::minutes(15),
};

/// A run of failures is forgotten after this long without one (and without a lockout).
pub const FORGET_AFTER: Duration = Duration::hours(24);
/// At most this many accounts and this many addresses are tracked (about 100 bytes each).
pub const MAX_TRACKED: usize = 20_000;
/// At most this many first failures, and this many lockouts, reach the audit trail a
/// minute; the rest are counted in one summary entry for the minute.
pub const AUDIT_ENTRIES_PER_MINUTE: u32 = 20;

#[derive(Debug, Clone)]
struct Record {
    /// Wrong passwords in this run (an attempt under way counts as one).
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
    last_failure: DateTime<Utc>,
    /// Attempts refused under a lockout since the last audit entry about this record.
    refused: u32,
    /// The account holder has been told about this run.
    told: bool,
}

impl Record {
    fn new(now: DateTime<Utc>) -> Record {
        Record {
            failures: 0,
            locked_until: None,
            last_failure: now,
            refused: 0,
            told: false,
        }
    }

    fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    fn forgotten_at(&self, now: DateTime<Utc>) -> bool {
        self.locked_at(now).is_none() && now - self.last_failure >= FORGET_AFTER
    }
}

/// What counting one failure did to a record.
#[derive(Debug, Clone, Copy)]
struct Counted {
    failures: u32,
    lock_started: Option<DateTime<Utc>>,
}

struct Table<K> {
    entries: HashMap<K, Record>,
    policy: Policy,
    capacity: usize,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(policy: Policy, capacity: usize) -> Table<K> {
        Table {
            entries: HashMap::new(),
            policy,
            capacity,
        }
    }

    /// When the key's lockout ends, if it is locked; the refusal is counted.
    fn refuse_if_locked(&mut self, key: &K, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let record = self.entries.get_mut(key)?;
        let until = record.locked_at(now)?;
        record.refused = record.refused.saturating_add(1);
        Some(until)
    }

    fn count_failure(&mut self, key: &K, now: DateTime<Utc>) -> Counted {
        if !self.entries.contains_key(key) {
            self.make_room(now);
        }
        let record = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| Record::new(now));
        if record.forgotten_at(now) {
            *record = Record::new(now);
        }
        record.failures = record.failures.saturating_add(1);
        record.last_failure = now;
        let lock_started = self.policy.lockout(record.failures).map(|d| now + d);
        if lock_started.is_some() {
            record.locked_until = lock_started;
        }
        Counted {
            failures: record.failures,
            lock_started,
        }
    }

    /// Takes back a failure counted for an attempt that did not fail (and the lockout it
    /// started, unless other failures still call for one).
    fn take_back(&mut self, key: &K, counted: Counted) {
        if let Some(record) = self.entries.get_mut(key) {
            record.failures = record.failures.saturating_sub(1);
            if counted.lock_started.is_some() && record.locked_until == counted.lock_started {
                record.locked_until = None;
            }
            if record.failures == 0 && record.locked_until.is_none() {
                self.entries.remove(key);
            }
        }
    }

    fn locked_until(&self, key: &K, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.entries.get(key).and_then(|r| r.locked_at(now))
    }

    fn forget_old(&mut self, now: DateTime<Utc>) {
        self.entries.retain(|_, r| !r.forgotten_at(now));
    }

    /// Makes room for one more entry: forgotten ones go first; if the table is still full,
    /// the unlocked entry with the oldest failure, or else the lockout that ends first.
    fn make_room(&mut self, now: DateTime<Utc>) {
        if self.entries.len() < self.capacity {
            return;
        }
        self.forget_old(now);
        while self.entries.len() >= self.capacity {
            let victim = self
                .entries
                .iter()
                .min_by_key(|(_, r)| {
                    let locked = r.locked_at(now);
                    (locked.is_some(), locked.unwrap_or(r.last_failure))
                })
                .map(|(k, _)| k.clone());
            match victim {
                Some(key) => {
                    self.entries.remove(&key);
                }
                None => break,
            }
        }
    }
}

/// The rate at which failed logins reach the audit trail: first failures and lockouts each
/// have their own allowance a minute, so that a flood of invented addresses cannot hide
/// the lockouts.
struct AuditBudget {
    minute_start: DateTime<Utc>,
    first_failures: u32,
    lockouts: u32,
    left_out: u32,
}

impl AuditBudget {
    fn new(epoch: DateTime<Utc>) -> AuditBudget {
        AuditBudget {
            minute_start: epoch,
            first_failures: 0,
            lockouts: 0,
            left_out: 0,
        }
    }

    fn admit(&mut self, notes: Vec<Note>, now: DateTime<Utc>) -> Vec<Note> {
        let mut admitted = Vec::new();
        if now >= self.minute_start + Duration::minutes(1) || now < self.minute_start {
            if self.left_out > 0 {
                admitted.push(Note::NotItemised {
                    count: self.left_out,
                    from: self.minute_start,
                });
            }
            *self = AuditBudget::new(now);
        }
        for note in notes {
            let used = match note {
                Note::FirstFailure => &mut self.first_failures,
                _ => &mut self.lockouts,
            };
            if *used < AUDIT_ENTRIES_PER_MINUTE {
                *used += 1;
                admitted.push(note);
            } else {
                self.left_out = self.left_out.saturating_add(1);
            }
        }
        admitted
    }
}

/// What the audit trail should say about a failed login.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The first wrong password of a run for this account.
    FirstFailure,
    /// The account's run reached a lockout.
    AccountLocked {
        failures: u32,
        refused: u32,
        until: DateTime<Utc>,
    },
    /// The client address reached a lockout.
    AddressLocked {
        failures: u32,
        refused: u32,
        until: DateTime<Utc>,
    },
    /// Entries left out in the minute that began at `from`, over the budget.
    NotItemised { count: u32, from: DateTime<Utc> },
}

/// A lockout in force: nothing is checked until it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub until: DateTime<Utc>,
}

impl Locked {
    /// Whole seconds until the lockout ends, at least 1 (for `Retry-After`).
    pub fn retry_after_seconds(&self, now: DateTime<Utc>) -> u64 {
        let millis = u64::try_from((self.until - now).num_milliseconds()).unwrap_or(0);
        millis.div_ceil(1000).max(1)
    }

    /// What the person trying to log in reads. The same whether or not the account exists.
    pub fn message(&self, now: DateTime<Utc>) -> String {
        let minutes = self.retry_after_seconds(now).div_ceil(60);
        let wait = if minutes == 1 {
            "1 minut".to_string()
        } else {
            format!("{minutes} minuter")
        };
        format!(
            "För många misslyckade inloggningsförsök. Av säkerhetsskäl går det att försöka igen om {wait} (kl. {}). Har du glömt lösenordet kan du begära ett nytt under \"Glömt lösenordet?\".",
            crate::clock::format_stockholm(self.until.naive_utc())
                .split(' ')
                .nth(1)
                .unwrap_or_default()
        )
    }
}

/// A login attempt under way: its failure is already counted.
#[derive(Debug)]
pub struct Attempt {
    account: [u8; 32],
    address: IpAddr,
    account_count: Counted,
    address_count: Counted,
}

/// What a wrong password led to.
#[derive(Debug)]
pub struct Failure {
    /// The lockout now in force, if this failure started one (or one was in force).
    pub locked: Option<Locked>,
    /// Audit entries to write (within the budget).
    pub notes: Vec<Note>,
    /// Tell the account holder (if there is one): this run has just locked the account.
    pub tell_holder: Option<Locked>,
}

struct State {
    accounts: Table<[u8; 32]>,
    addresses: Table<IpAddr>,
    audit: AuditBudget,
    last_sweep: DateTime<Utc>,
}

/// The throttle for the whole service (one per process).
pub struct Throttle {
    state: Mutex<State>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(MAX_TRACKED)
    }
}

impl Throttle {
    pub fn new(capacity: usize) -> Throttle {
        let epoch = DateTime::<Utc>::MIN_UTC;
        Throttle {
            state: Mutex::new(State {
                accounts: Table::new(ACCOUNT_POLICY, capacity),
                addresses: Table::new(ADDRESS_POLICY, capacity),
                audit: AuditBudget::new(epoch),
                last_sweep: epoch,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves counts, never broken invariants.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Before checking a password: refused if the account or the address is locked out;
    /// otherwise the attempt is counted as a failure until it is known to be one or not.
    pub fn begin(
        &self,
        normalised_email: &str,
        address: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Attempt, Locked> {
        let account = account_key(normalised_email);
        let address = address_key(address);
        let mut state = self.state();
        if now - state.last_sweep >= Duration::minutes(10) || now < state.last_sweep {
            state.accounts.forget_old(now);
            state.addresses.forget_old(now);
            state.last_sweep = now;
        }
        let account_lock = state.accounts.refuse_if_locked(&account, now);
        let address_lock = state.addresses.refuse_if_locked(&address, now);
        if let Some(until) = account_lock.max(address_lock) {
            return Err(Locked { until });
        }
        let account_count = state.accounts.count_failure(&account, now);
        let address_count = state.addresses.count_failure(&address, now);
        Ok(Attempt {
            account,
            address,
            account_count,
            address_count,
        })
    }

    /// The password was wrong (or the account inactive).
    pub fn failed(&self, attempt: Attempt, now: DateTime<Utc>) -> Failure {
        let mut state = self.state();
        let mut notes = Vec::new();
        if attempt.account_count.failures == 1 {
            notes.push(Note::FirstFailure);
        }
        let mut tell_holder = None;
        if let Some(until) = attempt.account_count.lock_started
            && let Some(record) = state.accounts.entries.get_mut(&attempt.account)
        {
            notes.push(Note::AccountLocked {
                failures: record.failures,
                refused: std::mem::take(&mut record.refused),
                until,
            });
            if !record.told {
                record.told = true;
                tell_holder = Some(Locked { until });
            }
        }
        if let Some(until) = attempt.address_count.lock_started
            && let Some(record) = state.addresses.entries.get_mut(&attempt.address)
        {
            notes.push(Note::AddressLocked {
                failures: record.failures,
                refused: std::mem::take(&mut record.refused),
                until,
            });
        }
        let notes = state.audit.admit(notes, now);
        let locked = state
            .accounts
            .locked_until(&attempt.account, now)
            .max(state.addresses.locked_until(&attempt.address, now))
            .map(|until| Locked { until });
        Failure {
            locked,
            notes,
            tell_holder,
        }
    }

    /// The password was right: the account's run is over; the address keeps its other
    /// failures (a success of one's own must not clear the way for guesses at others).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut state = self.state();
        state.accounts.entries.remove(&attempt.account);
        state
            .addresses
            .take_back(&attempt.address, attempt.address_count);
    }

    /// The attempt could not be checked (the database failed): it counts for nothing.
    pub fn abandoned(&self, attempt: Attempt) {
        let mut state = self.state();
        state
            .accounts
            .take_back(&attempt.account, attempt.account_count);
        state
            .addresses
            .take_back(&attempt.address, attempt.address_count);
    }

    /// How many accounts and addresses are tracked (for tests and measurements).
    pub fn tracked(&self) -> (usize, usize) {
        let state = self.state();
        (state.accounts.entries.len(), state.addresses.entries.len())
    }
}

fn account_key(normalised_email: &str) -> [u8; 32] {
    Sha256::digest(normalised_email.as_bytes()).into()
}

/// An IPv4 address as it is (also when it comes mapped into IPv6); an IPv6 address by its
/// /64 network.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        "2026-01-01T08:00:00Z"
            .parse::<DateTime<Utc>>()
            .unwrap_or_default()
            + Duration::minutes(minutes)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn the_fifth_wrong_password_locks_with_growing_lockouts() {
        let throttle = Throttle::default();
        for n in 1..=4 {
            let attempt = throttle.begin("a@b.se", ip(1), at(0));
            let failure = throttle.failed(attempt.unwrap_or_else(|_| unreachable!()), at(0));
            assert!(failure.locked.is_none(), "attempt {n}");
        }
        let Ok(attempt) = throttle.begin("a@b.se", ip(1), at(0)) else {
            unreachable!()
        };
        let failure = throttle.failed(attempt, at(0));
        assert_eq!(failure.locked.map(|l| l.until), Some(at(1)));
        assert!(failure.tell_holder.is_some());
        // Locked: even the right password is not checked.
        assert_eq!(
            throttle
                .begin("a@b.se", ip(2), at(0))
                .err()
                .map(|l| l.until),
            Some(at(1))
        );
        // After the lockout, one more wrong password locks for twice as long; no new mail.
        let Ok(attempt) = throttle.begin("a@b.se", ip(2), at(1)) else {
            unreachable!()
        };
        let failure = throttle.failed(attempt, at(1));
        assert_eq!(failure.locked.map(|l| l.until), Some(at(3)));
        assert!(failure.tell_holder.is_none());
        // Other accounts are not affected.
        assert!(throttle.begin("c@b.se", ip(3), at(1)).is_ok());
    }

    #[test]
    fn lockouts_are_capped_and_a_success_ends_the_run() {
        assert_eq!(ACCOUNT_POLICY.lockout(4), None);
        assert_eq!(ACCOUNT_POLICY.lockout(5), Some(Duration::minutes(1)));
        assert_eq!(ACCOUNT_POLICY.lockout(8), Some(Duration::minutes(8)));
        assert_eq!(ACCOUNT_POLICY.lockout(9), Some(Duration::minutes(15)));
        assert_eq!(
            ACCOUNT_POLICY.lockout(u32::MAX),
            Some(Duration::minutes(15))
        );
        let throttle = Throttle::default();
        for _ in 0..4 {
            if let Ok(a) = throttle.begin("a@b.se", ip(1), at(0)) {
                throttle.failed(a, at(0));
            }
        }
        if let Ok(a) = throttle.begin("a@b.se", ip(1), at(0)) {
            throttle.succeeded(a);
        }
        assert_eq!(throttle.tracked().0, 0);
    }

    #[test]
    fn tables_stay_bounded() {
        let throttle = Throttle::new(100);
        for n in 0..1000u32 {
            let email = format!("{n}@example.org");
            let address = IpAddr::from(n.to_be_bytes());
            if let Ok(a) = throttle.begin(&email, address, at(0)) {
                throttle.failed(a, at(0));
            }
        }
        let (accounts, addresses) = throttle.tracked();
        assert!(accounts <= 100 && addresses <= 100);
    }

    #[test]
    fn the_audit_trail_gets_a_bounded_number_of_entries_a_minute() {
        let throttle = Throttle::default();
        let mut written = 0;
        for n in 0..500u32 {
            let address = IpAddr::from(n.to_be_bytes());
            if let Ok(a) = throttle.begin(&format!("{n}@x.se"), address, at(0)) {
                written += throttle.failed(a, at(0)).notes.len();
            }
        }
        assert_eq!(written, AUDIT_ENTRIES_PER_MINUTE as usize);
        let Ok(a) = throttle.begin("late@x.se", ip(1), at(2)) else {
            unreachable!()
        };
        let notes = throttle.failed(a, at(2)).notes;
        assert_eq!(
            notes.first(),
            Some(&Note::NotItemised {
                count: 500 - AUDIT_ENTRIES_PER_MINUTE,
                from: at(0)
            })
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap_or(ip(0));
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap_or(ip(0));
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap_or(ip(0));
        assert_eq!(address_key(mapped), ip(1));
    }
}
