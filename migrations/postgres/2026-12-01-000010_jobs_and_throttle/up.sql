-- Background jobs that must run once across every instance on the database take a lease
-- here: a conditional UPDATE that only one instance's statement can win while the lease of
-- another is unexpired. One row per job, made here so that claiming is a single UPDATE.
CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    leased_until TIMESTAMP NOT NULL
);
INSERT INTO job_leases (job, holder, leased_until)
VALUES ('report_reminders', '', '2000-01-01 00:00:00');

-- The login throttle's counts, shared by every instance so that its limits hold however
-- the attempts are spread. One row per account (`a:` and the SHA-256 of the normalised
-- address) and per client address (`ip:` and the address or IPv6 /64); rows are pruned
-- after a quiet day, by `last_failure`.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    last_failure TIMESTAMP NOT NULL,
    refused INTEGER NOT NULL,
    told BOOLEAN NOT NULL
);
CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure);

-- The per-minute allowance of failed-login audit entries, shared likewise: one row.
CREATE TABLE login_audit_budget (
    id INTEGER PRIMARY KEY,
    minute_start TIMESTAMP NOT NULL,
    first_failures INTEGER NOT NULL,
    lockouts INTEGER NOT NULL,
    left_out INTEGER NOT NULL
);
INSERT INTO login_audit_budget (id, minute_start, first_failures, lockouts, left_out)
VALUES (1, '2000-01-01 00:00:00', 0, 0, 0);
