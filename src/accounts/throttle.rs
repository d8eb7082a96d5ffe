//! Throttling wrong passwords, per account and per client address, with growing delays.
//!
//! An account is known here by the SHA-256 of its normalised e-mail address, whether or not
//! an account has that address: the answers never depend on whether it exists. A client is
//! known by its IP address (an IPv6 client by its /64 network, which one subscriber usually
//! holds whole). The counts live in the database (`db::throttle`), shared by every instance,
//! so that the limits hold however a load balancer spreads the attempts: a row per account
//! and per address, read and written under a row lock in one short transaction per step.
//! Old rows are forgotten after a quiet day, and when the table is over its size the rows
//! that matter least give way, so that a storm of invented addresses cannot grow it.
//!
//! A failure is counted when the attempt begins, before the slow password check, so that
//! many attempts at once cannot all slip past the count; a success takes its count back.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::db::throttle as store;
use crate::db::{self, DbConnection};
use crate::error::AppError;

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
/// At most about this many accounts and addresses together are tracked (a row of about 150
/// bytes each); pruning brings the table back under it.
pub const MAX_TRACKED: usize = 40_000;
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

    fn count_failure(&mut self, policy: &Policy, now: DateTime<Utc>) -> Counted {
        if self.forgotten_at(now) {
            *self = Record::new(now);
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure = now;
        let lock_started = policy.lockout(self.failures).map(|d| now + d);
        if lock_started.is_some() {
            self.locked_until = lock_started;
        }
        Counted {
            failures: self.failures,
            lock_started,
        }
    }

    /// Takes back a failure counted for an attempt that did not fail (and the lockout it
    /// started, unless other failures still call for one). True when nothing is left to
    /// remember.
    fn take_back(&mut self, counted: Counted) -> bool {
        self.failures = self.failures.saturating_sub(1);
        if counted.lock_started.is_some() && self.locked_until == counted.lock_started {
            self.locked_until = None;
        }
        self.failures == 0 && self.locked_until.is_none()
    }

    fn from_row(row: &store::ThrottleRow) -> Record {
        Record {
            failures: u32::try_from(row.failures).unwrap_or(0),
            locked_until: row.locked_until.map(|t| t.and_utc()),
            last_failure: row.last_failure.and_utc(),
            refused: u32::try_from(row.refused).unwrap_or(0),
            told: row.told,
        }
    }

    fn to_row(&self, key: &str) -> store::ThrottleRow {
        store::ThrottleRow {
            key: key.to_string(),
            failures: i32::try_from(self.failures).unwrap_or(i32::MAX),
            locked_until: self.locked_until.map(|t| t.naive_utc()),
            last_failure: self.last_failure.naive_utc(),
            refused: i32::try_from(self.refused).unwrap_or(i32::MAX),
            told: self.told,
        }
    }
}

/// What counting one failure did to a record.
#[derive(Debug, Clone, Copy)]
struct Counted {
    failures: u32,
    lock_started: Option<DateTime<Utc>>,
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

    fn from_row(row: &store::BudgetRow) -> AuditBudget {
        AuditBudget {
            minute_start: row.minute_start.and_utc(),
            first_failures: u32::try_from(row.first_failures).unwrap_or(0),
            lockouts: u32::try_from(row.lockouts).unwrap_or(0),
            left_out: u32::try_from(row.left_out).unwrap_or(0),
        }
    }

    fn to_row(&self) -> store::BudgetRow {
        store::BudgetRow {
            minute_start: self.minute_start.naive_utc(),
            first_failures: i32::try_from(self.first_failures).unwrap_or(i32::MAX),
            lockouts: i32::try_from(self.lockouts).unwrap_or(i32::MAX),
            left_out: i32::try_from(self.left_out).unwrap_or(i32::MAX),
        }
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
    account: String,
    address: String,
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

/// The throttle's handle in one process: the state is in the database; the process keeps
/// only when it last pruned the table.
pub struct Throttle {
    capacity: i64,
    last_sweep: Mutex<DateTime<Utc>>,
    since_sweep: AtomicU32,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(MAX_TRACKED)
    }
}

/// The table is pruned at least this often, and after this many attempts of the process.
const SWEEP_EVERY: Duration = Duration::minutes(10);
pub const SWEEP_AFTER_ATTEMPTS: u32 = 1000;

impl Throttle {
    pub fn new(capacity: usize) -> Throttle {
        Throttle {
            capacity: i64::try_from(capacity).unwrap_or(i64::MAX),
            last_sweep: Mutex::new(DateTime::<Utc>::MIN_UTC),
            since_sweep: AtomicU32::new(0),
        }
    }

    /// Whether this attempt should prune the table first (every ten minutes or thousand
    /// attempts of this process).
    fn sweep_due(&self, now: DateTime<Utc>) -> bool {
        let attempts = self.since_sweep.fetch_add(1, Ordering::Relaxed);
        // A panic while holding the lock leaves a time, never broken invariants.
        let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
        if attempts >= SWEEP_AFTER_ATTEMPTS || now - *last >= SWEEP_EVERY || now < *last {
            *last = now;
            self.since_sweep.store(0, Ordering::Relaxed);
            true
        } else {
            false
        }
    }

    /// Before checking a password: refused if the account or the address is locked out;
    /// otherwise the attempt is counted as a failure until it is known to be one or not.
    /// One write transaction.
    pub fn begin(
        &self,
        conn: &mut DbConnection,
        normalised_email: &str,
        address: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Result<Attempt, Locked>, AppError> {
        let account = account_key(normalised_email);
        let address = address_row_key(address);
        if self.sweep_due(now) {
            store::prune(
                conn,
                now.naive_utc(),
                (now - FORGET_AFTER).naive_utc(),
                self.capacity,
            )?;
        }
        db::write_tx(conn, |c| {
            let keys = [account.as_str(), address.as_str()];
            store::ensure(c, &keys, now.naive_utc())?;
            let rows = store::lock(c, &keys)?;
            let mut acc = record_of(&rows, &account, now);
            let mut adr = record_of(&rows, &address, now);
            let account_lock = acc.locked_at(now);
            let address_lock = adr.locked_at(now);
            if let Some(until) = account_lock.max(address_lock) {
                if account_lock.is_some() {
                    acc.refused = acc.refused.saturating_add(1);
                    store::save(c, &acc.to_row(&account))?;
                }
                if address_lock.is_some() {
                    adr.refused = adr.refused.saturating_add(1);
                    store::save(c, &adr.to_row(&address))?;
                }
                return Ok(Err(Locked { until }));
            }
            let account_count = acc.count_failure(&ACCOUNT_POLICY, now);
            let address_count = adr.count_failure(&ADDRESS_POLICY, now);
            store::save(c, &acc.to_row(&account))?;
            store::save(c, &adr.to_row(&address))?;
            Ok(Ok(Attempt {
                account,
                address,
                account_count,
                address_count,
            }))
        })
    }

    /// The password was wrong (or the account inactive). Run it in the write transaction
    /// that records what it returns.
    pub fn failed(
        &self,
        conn: &mut DbConnection,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<Failure, AppError> {
        let rows = store::lock(conn, &[attempt.account.as_str(), attempt.address.as_str()])?;
        let mut acc = record_of(&rows, &attempt.account, now);
        let mut adr = record_of(&rows, &attempt.address, now);
        let mut notes = Vec::new();
        if attempt.account_count.failures == 1 {
            notes.push(Note::FirstFailure);
        }
        let mut tell_holder = None;
        if let Some(until) = attempt.account_count.lock_started {
            notes.push(Note::AccountLocked {
                failures: acc.failures,
                refused: std::mem::take(&mut acc.refused),
                until,
            });
            if !acc.told {
                acc.told = true;
                tell_holder = Some(Locked { until });
            }
            store::save(conn, &acc.to_row(&attempt.account))?;
        }
        if let Some(until) = attempt.address_count.lock_started {
            notes.push(Note::AddressLocked {
                failures: adr.failures,
                refused: std::mem::take(&mut adr.refused),
                until,
            });
            store::save(conn, &adr.to_row(&attempt.address))?;
        }
        let notes = match store::lock_budget(conn)? {
            Some(row) => {
                let mut budget = AuditBudget::from_row(&row);
                let admitted = budget.admit(notes, now);
                store::save_budget(conn, &budget.to_row())?;
                admitted
            }
            None => notes,
        };
        let locked = acc
            .locked_at(now)
            .max(adr.locked_at(now))
            .map(|until| Locked { until });
        Ok(Failure {
            locked,
            notes,
            tell_holder,
        })
    }

    /// The password was right: the account's run is over; the address keeps its other
    /// failures (a success of one's own must not clear the way for guesses at others).
    pub fn succeeded(&self, conn: &mut DbConnection, attempt: &Attempt) -> Result<(), AppError> {
        db::write_tx(conn, |c| {
            store::delete(c, &attempt.account)?;
            take_back(c, &attempt.address, attempt.address_count)
        })
    }

    /// The attempt could not be checked (the database failed): it counts for nothing.
    pub fn abandoned(&self, conn: &mut DbConnection, attempt: &Attempt) -> Result<(), AppError> {
        db::write_tx(conn, |c| {
            take_back(c, &attempt.account, attempt.account_count)?;
            take_back(c, &attempt.address, attempt.address_count)
        })
    }

    /// How many accounts and addresses are tracked together (for tests and measurements).
    pub fn tracked(&self, conn: &mut DbConnection) -> Result<i64, AppError> {
        Ok(store::count(conn)?)
    }
}

fn record_of(rows: &[store::ThrottleRow], key: &str, now: DateTime<Utc>) -> Record {
    rows.iter()
        .find(|r| r.key == key)
        .map(Record::from_row)
        .unwrap_or_else(|| Record::new(now))
}

fn take_back(conn: &mut DbConnection, key: &str, counted: Counted) -> Result<(), AppError> {
    let rows = store::lock(conn, &[key])?;
    let Some(row) = rows.first() else {
        return Ok(());
    };
    let mut record = Record::from_row(row);
    if record.take_back(counted) {
        store::delete(conn, key)?;
    } else {
        store::save(conn, &record.to_row(key))?;
    }
    Ok(())
}

/// An address's row key: `ip:` and the address as counted ([`address_key`]).
fn address_row_key(address: IpAddr) -> String {
    format!("ip:{}", address_key(address))
}

/// An account's row key: `a:` and the SHA-256 of its normalised address (the address
/// itself is not kept).
fn account_key(normalised_email: &str) -> String {
    format!(
        "a:{}",
        hex::encode(Sha256::digest(normalised_email.as_bytes()))
    )
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
        let mut record = Record::new(at(0));
        for n in 1..=4 {
            let counted = record.count_failure(&ACCOUNT_POLICY, at(0));
            assert!(counted.lock_started.is_none(), "attempt {n}");
        }
        let counted = record.count_failure(&ACCOUNT_POLICY, at(0));
        assert_eq!(counted.lock_started, Some(at(1)));
        assert_eq!(record.locked_at(at(0)), Some(at(1)));
        assert_eq!(record.locked_at(at(1)), None);
        // After the lockout, one more wrong password locks for twice as long.
        let counted = record.count_failure(&ACCOUNT_POLICY, at(1));
        assert_eq!(counted.lock_started, Some(at(3)));
        // A quiet day later the run is forgotten.
        let counted = record.count_failure(&ACCOUNT_POLICY, at(3) + FORGET_AFTER);
        assert_eq!(counted.failures, 1);
    }

    #[test]
    fn lockouts_are_capped_and_a_taken_back_failure_undoes_its_lockout() {
        assert_eq!(ACCOUNT_POLICY.lockout(4), None);
        assert_eq!(ACCOUNT_POLICY.lockout(5), Some(Duration::minutes(1)));
        assert_eq!(ACCOUNT_POLICY.lockout(8), Some(Duration::minutes(8)));
        assert_eq!(ACCOUNT_POLICY.lockout(9), Some(Duration::minutes(15)));
        assert_eq!(
            ACCOUNT_POLICY.lockout(u32::MAX),
            Some(Duration::minutes(15))
        );
        let mut record = Record::new(at(0));
        let first = record.count_failure(&ACCOUNT_POLICY, at(0));
        assert!(record.take_back(first), "nothing left to remember");
        for _ in 0..4 {
            record.count_failure(&ACCOUNT_POLICY, at(0));
        }
        let fifth = record.count_failure(&ACCOUNT_POLICY, at(0));
        assert!(!record.take_back(fifth));
        assert_eq!(record.locked_at(at(0)), None);
        assert_eq!(record.failures, 4);
    }

    #[test]
    fn rows_keep_every_field() {
        let mut record = Record::new(at(0));
        for _ in 0..5 {
            record.count_failure(&ACCOUNT_POLICY, at(0));
        }
        record.refused = 3;
        record.told = true;
        let back = Record::from_row(&record.to_row("a:x"));
        assert_eq!(back.failures, 5);
        assert_eq!(back.locked_until, Some(at(1)));
        assert_eq!(back.refused, 3);
        assert!(back.told);
        assert_eq!(back.last_failure, at(0));
    }

    #[test]
    fn the_audit_trail_gets_a_bounded_number_of_entries_a_minute() {
        let mut budget = AuditBudget::new(DateTime::<Utc>::MIN_UTC);
        let mut written = 0;
        for _ in 0..500u32 {
            written += budget.admit(vec![Note::FirstFailure], at(0)).len();
        }
        assert_eq!(written, AUDIT_ENTRIES_PER_MINUTE as usize);
        let mut budget = AuditBudget::from_row(&budget.to_row());
        let notes = budget.admit(vec![Note::FirstFailure], at(2));
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
        assert_eq!(address_row_key(ip(1)), "ip:10.0.0.1");
        assert!(account_key("a@b.se").starts_with("a:"));
    }
}
