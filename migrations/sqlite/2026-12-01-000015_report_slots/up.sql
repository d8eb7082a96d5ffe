-- The report-back overview at scale (issue 12): one kept row per grant year (a signed first
-- grant's year with an amount), holding what the overview and the report lists filter, sort
-- and sum by, so that a page reads an index range instead of working out every grant year's
-- current amount and latest report of the call. Written in the same transaction as whatever
-- changes it (src/db/reports.rs `refresh_slots`); filled here for the data already there.
CREATE TABLE report_slots (
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    year INTEGER NOT NULL,
    call_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    -- Sort keys: organisations are never renamed, a signed decision's number never changes.
    organisation_name TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    -- Granted now: the grant's amount and every signed change to it. Owed a report while > 0.
    granted_ore BIGINT NOT NULL,
    report_id TEXT,
    report_status TEXT,
    -- The latest submitted version's money (NULL before the first submit).
    received_ore BIGINT,
    used_ore BIGINT,
    -- Repayments of the report recorded as received.
    repaid_ore BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (decision_id, year)
);
-- The overview's order within a call's year, and the lists' order across calls.
CREATE INDEX report_slots_call_order ON report_slots
    (call_id, year, organisation_name, registration_number, decision_id) WHERE granted_ore > 0;
CREATE INDEX report_slots_order ON report_slots
    (year, organisation_name, registration_number, decision_id) WHERE granted_ore > 0;
CREATE INDEX report_slots_organisation ON report_slots (organisation_id);

-- Per call and year, the pager's count and the overview's sums, kept by the same writes.
CREATE TABLE report_year_totals (
    call_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    -- Grant years in all, and those owed a report (granted now > 0).
    slots BIGINT NOT NULL DEFAULT 0,
    owed BIGINT NOT NULL DEFAULT 0,
    received_ore BIGINT NOT NULL DEFAULT 0,
    used_ore BIGINT NOT NULL DEFAULT 0,
    -- Each report's unused money (never below zero), summed.
    unused_ore BIGINT NOT NULL DEFAULT 0,
    repaid_ore BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, year)
);

-- The report page and the overview read a report's claims by report.
CREATE INDEX IF NOT EXISTS repayment_claims_report ON repayment_claims (report_id);

INSERT INTO report_slots (decision_id, year, call_id, organisation_id, organisation_name,
    registration_number, granted_ore, report_id, report_status, received_ore, used_ore, repaid_ore)
SELECT d.id, dy.year, d.call_id, d.organisation_id, o.name, d.registration_number,
    dy.amount_ore + COALESCE((SELECT SUM(cy.amount_ore) FROM decisions c
        JOIN decision_years cy ON cy.decision_id = c.id
        WHERE c.amends_decision_id = d.id AND c.status = 'signed' AND cy.year = dy.year), 0),
    r.id, r.status,
    CASE WHEN v.id IS NULL THEN NULL ELSE COALESCE(v.received_ore, 0) END,
    CASE WHEN v.id IS NULL THEN NULL ELSE COALESCE(v.used_ore, 0) END,
    COALESCE((SELECT SUM(k.amount_ore) FROM repayment_claims k
        WHERE k.report_id = r.id AND k.status = 'received'), 0)
FROM decision_years dy
JOIN decisions d ON d.id = dy.decision_id
JOIN organisations o ON o.id = d.organisation_id
LEFT JOIN reports r ON r.decision_id = d.id AND r.year = dy.year
LEFT JOIN report_versions v ON v.report_id = r.id AND v.status = 'submitted'
    AND v.number = (SELECT MAX(v2.number) FROM report_versions v2
        WHERE v2.report_id = r.id AND v2.status = 'submitted')
WHERE d.status = 'signed' AND d.kind = 'grant' AND dy.amount_ore > 0;

INSERT INTO report_year_totals (call_id, year, slots, owed, received_ore, used_ore, unused_ore,
    repaid_ore)
SELECT call_id, year, COUNT(*), SUM(CASE WHEN granted_ore > 0 THEN 1 ELSE 0 END),
    SUM(COALESCE(received_ore, 0)), SUM(COALESCE(used_ore, 0)),
    SUM(CASE WHEN received_ore IS NULL OR used_ore > received_ore THEN 0
        ELSE received_ore - used_ore END),
    SUM(repaid_ore)
FROM report_slots GROUP BY call_id, year;
