-- Money kept up to date where it is written (issue 12): pages that sum a whole call's
-- money (start page, economy dashboard, payments, allocation table) read these rows instead
-- of adding up every decision, payment and claim per request. Each org-year row is
-- recomputed from its source rows by `db::money_figures::refresh` in the transaction that
-- writes them, and the call-year row is moved by the same difference. All amounts in öre.
-- The columns follow `dashboard::OrgYear`: granted by decision kind, payments by status,
-- repayments and reclaims by received/open (waived claims count nowhere), and `returned`,
-- what the year gets back from the organisation's repayments (`OrgYear::returned`, not
-- linear, hence kept per organisation and only summed per year).
CREATE TABLE org_year_money (
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    -- Signed decision-year rows: the organisation is in the allocation table when above 0.
    signed_rows BIGINT NOT NULL DEFAULT 0,
    granted_first BIGINT NOT NULL DEFAULT 0,
    granted_top_up BIGINT NOT NULL DEFAULT 0,
    granted_changes BIGINT NOT NULL DEFAULT 0,
    paid BIGINT NOT NULL DEFAULT 0,
    planned BIGINT NOT NULL DEFAULT 0,
    cancelled BIGINT NOT NULL DEFAULT 0,
    repaid_received BIGINT NOT NULL DEFAULT 0,
    repaid_open BIGINT NOT NULL DEFAULT 0,
    reclaimed_received BIGINT NOT NULL DEFAULT 0,
    reclaimed_open BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, organisation_id, year)
);
CREATE INDEX org_year_money_organisation ON org_year_money (organisation_id);

-- The sums of `org_year_money` per call and year.
CREATE TABLE call_year_money (
    call_id TEXT NOT NULL REFERENCES calls (id),
    year INTEGER NOT NULL,
    signed_rows BIGINT NOT NULL DEFAULT 0,
    granted_first BIGINT NOT NULL DEFAULT 0,
    granted_top_up BIGINT NOT NULL DEFAULT 0,
    granted_changes BIGINT NOT NULL DEFAULT 0,
    paid BIGINT NOT NULL DEFAULT 0,
    planned BIGINT NOT NULL DEFAULT 0,
    cancelled BIGINT NOT NULL DEFAULT 0,
    repaid_received BIGINT NOT NULL DEFAULT 0,
    repaid_open BIGINT NOT NULL DEFAULT 0,
    reclaimed_received BIGINT NOT NULL DEFAULT 0,
    reclaimed_open BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, year)
);

-- The recipients of a call (an organisation with a signed amount), with the name they are
-- sorted by: the allocation table's pages read them in name order from the index. The name
-- is copied because no path renames an organisation; a rename would have to update it.
CREATE TABLE call_recipients (
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    organisation_name TEXT NOT NULL,
    org_number TEXT NOT NULL,
    PRIMARY KEY (call_id, organisation_id)
);
CREATE INDEX call_recipients_by_name ON call_recipients (call_id, organisation_name, organisation_id);

-- The figures of the data already there.
INSERT INTO org_year_money (call_id, organisation_id, year, signed_rows, granted_first,
    granted_top_up, granted_changes, paid, planned, cancelled, repaid_received, repaid_open,
    reclaimed_received, reclaimed_open)
SELECT call_id, organisation_id, year, CAST(SUM(n) AS BIGINT), CAST(SUM(gf) AS BIGINT),
    CAST(SUM(gt) AS BIGINT), CAST(SUM(gc) AS BIGINT), CAST(SUM(pd) AS BIGINT),
    CAST(SUM(pl) AS BIGINT), CAST(SUM(cn) AS BIGINT), CAST(SUM(rr) AS BIGINT),
    CAST(SUM(ro) AS BIGINT), CAST(SUM(cr) AS BIGINT), CAST(SUM(co) AS BIGINT)
FROM (
    SELECT d.call_id AS call_id, d.organisation_id AS organisation_id, dy.year AS year, 1 AS n,
        CASE WHEN d.kind = 'grant' THEN dy.amount_ore ELSE 0 END AS gf,
        CASE WHEN d.kind = 'top_up' THEN dy.amount_ore ELSE 0 END AS gt,
        CASE WHEN d.kind IN ('change', 'revocation') THEN dy.amount_ore ELSE 0 END AS gc,
        0 AS pd, 0 AS pl, 0 AS cn, 0 AS rr, 0 AS ro, 0 AS cr, 0 AS co
    FROM decisions d JOIN decision_years dy ON dy.decision_id = d.id
    WHERE d.status = 'signed'
    UNION ALL
    SELECT p.call_id, p.organisation_id, p.year, 0, 0, 0, 0,
        CASE WHEN p.status = 'paid' THEN p.amount_ore ELSE 0 END,
        CASE WHEN p.status = 'planned' THEN p.amount_ore ELSE 0 END,
        CASE WHEN p.status = 'cancelled' THEN p.amount_ore ELSE 0 END,
        0, 0, 0, 0
    FROM payments p
    UNION ALL
    SELECT r.call_id, r.organisation_id, r.year, 0, 0, 0, 0, 0, 0, 0,
        CASE WHEN r.kind = 'repayment' AND r.status = 'received' THEN r.amount_ore ELSE 0 END,
        CASE WHEN r.kind = 'repayment' AND r.status = 'open' THEN r.amount_ore ELSE 0 END,
        CASE WHEN r.kind <> 'repayment' AND r.status = 'received' THEN r.amount_ore ELSE 0 END,
        CASE WHEN r.kind <> 'repayment' AND r.status = 'open' THEN r.amount_ore ELSE 0 END
    FROM repayment_claims r
) s
GROUP BY call_id, organisation_id, year;

-- What the year gets back from the repayments: dashboard::OrgYear::returned.
UPDATE org_year_money SET returned = GREATEST(0, LEAST(
    (granted_first + granted_top_up + granted_changes)
        - GREATEST(0, LEAST(paid + planned - repaid_received - reclaimed_received - reclaimed_open,
                       granted_first + granted_top_up + granted_changes)),
    repaid_received));

INSERT INTO call_year_money (call_id, year, signed_rows, granted_first, granted_top_up,
    granted_changes, paid, planned, cancelled, repaid_received, repaid_open,
    reclaimed_received, reclaimed_open, returned)
SELECT call_id, year, CAST(SUM(signed_rows) AS BIGINT), CAST(SUM(granted_first) AS BIGINT),
    CAST(SUM(granted_top_up) AS BIGINT), CAST(SUM(granted_changes) AS BIGINT),
    CAST(SUM(paid) AS BIGINT), CAST(SUM(planned) AS BIGINT), CAST(SUM(cancelled) AS BIGINT),
    CAST(SUM(repaid_received) AS BIGINT), CAST(SUM(repaid_open) AS BIGINT),
    CAST(SUM(reclaimed_received) AS BIGINT), CAST(SUM(reclaimed_open) AS BIGINT),
    CAST(SUM(returned) AS BIGINT)
FROM org_year_money
GROUP BY call_id, year;

INSERT INTO call_recipients (call_id, organisation_id, organisation_name, org_number)
SELECT m.call_id, m.organisation_id, o.name, o.org_number
FROM (SELECT DISTINCT call_id, organisation_id FROM org_year_money WHERE signed_rows > 0) m
JOIN organisations o ON o.id = m.organisation_id;

-- Statistics for the planner at once: until autovacuum gets to the new tables PostgreSQL
-- guesses, and read a page of the allocation table's 1 000 recipients by scanning.
ANALYZE org_year_money;
ANALYZE call_year_money;
ANALYZE call_recipients;
