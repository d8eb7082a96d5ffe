-- The officer's lists at 100 000 applications (issue 12): what a list filters, sorts and
-- counts by is kept on the rows and in a table of counts, written with the change, so that
-- a page reads a page of an index and a pager's total is a handful of rows, never a count
-- over the call.

-- How a decided application was decided (`decisions::outcome`), set when the case is
-- decided (`db::applications::set_status`); NULL for every other status.
ALTER TABLE applications ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('granted', 'partly_granted', 'rejected'));
-- The organisation's name, for the sort by organisation (organisations are never renamed;
-- filled by the trigger below on every insert).
ALTER TABLE applications ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
-- The place of the status label people read (the outcome's, once decided) in alphabetical
-- order, as the list sorts by it: Avslagen, Bedömd, Beslutad, Beviljad, Delvis beviljad,
-- Inkommen, Komplett, Komplettering begärd, Utkast (`db::applications::status_rank`; a test
-- checks the two agree).
ALTER TABLE applications ADD COLUMN status_rank INTEGER GENERATED ALWAYS AS (
    CASE COALESCE(outcome, status)
        WHEN 'rejected' THEN 0 WHEN 'assessed' THEN 1 WHEN 'decided' THEN 2
        WHEN 'granted' THEN 3 WHEN 'partly_granted' THEN 4 WHEN 'submitted' THEN 5
        WHEN 'complete' THEN 6 WHEN 'supplement_requested' THEN 7 WHEN 'draft' THEN 8
        ELSE 99 END) VIRTUAL;

UPDATE applications SET organisation_name =
    (SELECT o.name FROM organisations o WHERE o.id = applications.organisation_id);
UPDATE applications SET outcome =
    CASE WHEN NOT EXISTS (SELECT 1 FROM decisions d
             WHERE d.application_id = applications.id AND d.status = 'signed'
             AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection'))
         THEN NULL
         WHEN NOT EXISTS (SELECT 1 FROM decisions d
             JOIN decision_years dy ON dy.decision_id = d.id
             WHERE d.application_id = applications.id AND d.status = 'signed'
             AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
             GROUP BY dy.year HAVING SUM(dy.amount_ore) > 0) THEN 'rejected'
         WHEN EXISTS (SELECT 1 FROM application_years ay
             WHERE ay.version_id = (SELECT v.id FROM application_versions v
                 WHERE v.application_id = applications.id AND v.status = 'submitted'
                 ORDER BY v.number DESC LIMIT 1)
             AND ay.requested_ore > COALESCE((SELECT SUM(dy.amount_ore) FROM decisions d
                 JOIN decision_years dy ON dy.decision_id = d.id
                 WHERE d.application_id = applications.id AND d.status = 'signed'
                 AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
                 AND dy.year = ay.year), 0)) THEN 'partly_granted'
         ELSE 'granted' END
    WHERE status = 'decided';

-- Applications per call and shown status (the outcome, once decided; drafts are the
-- organisations' own and not counted), kept by the triggers below in the transaction
-- that writes the application.
CREATE TABLE application_counts (
    call_id TEXT NOT NULL REFERENCES calls (id),
    code TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (call_id, code)
);
INSERT INTO application_counts (call_id, code, n)
    SELECT call_id, COALESCE(outcome, status), COUNT(*) FROM applications
    WHERE status <> 'draft' GROUP BY call_id, COALESCE(outcome, status);

CREATE TRIGGER applications_organisation_name AFTER INSERT ON applications
WHEN NEW.organisation_name = ''
BEGIN
    UPDATE applications SET organisation_name =
        (SELECT o.name FROM organisations o WHERE o.id = NEW.organisation_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER application_counts_insert AFTER INSERT ON applications
WHEN NEW.status <> 'draft'
BEGIN
    INSERT INTO application_counts (call_id, code, n)
        SELECT NEW.call_id, COALESCE(NEW.outcome, NEW.status), 1 WHERE 1
        ON CONFLICT (call_id, code) DO UPDATE SET n = n + 1;
END;

-- Only when what is counted changes: `lock` sets the status to itself on every step.
CREATE TRIGGER application_counts_update AFTER UPDATE OF status, outcome, call_id ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.outcome IS NOT NEW.outcome
    OR OLD.call_id IS NOT NEW.call_id
BEGIN
    UPDATE application_counts SET n = n - 1
        WHERE OLD.status <> 'draft' AND call_id = OLD.call_id
        AND code = COALESCE(OLD.outcome, OLD.status);
    INSERT INTO application_counts (call_id, code, n)
        SELECT NEW.call_id, COALESCE(NEW.outcome, NEW.status), 1 WHERE NEW.status <> 'draft'
        ON CONFLICT (call_id, code) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER application_counts_delete AFTER DELETE ON applications
WHEN OLD.status <> 'draft'
BEGIN
    UPDATE application_counts SET n = n - 1
        WHERE call_id = OLD.call_id AND code = COALESCE(OLD.outcome, OLD.status);
END;

-- A case decided before its decision is signed (fixtures, a bulk load) gets its outcome
-- when the decision is signed; a case decided in the service gets it in `set_status`,
-- which runs after the signing.
CREATE TRIGGER applications_outcome_signed AFTER UPDATE OF status ON decisions
WHEN NEW.status = 'signed' AND OLD.status <> 'signed' AND NEW.application_id IS NOT NULL
    AND NEW.amends_decision_id IS NULL AND NEW.kind IN ('grant', 'top_up', 'rejection')
BEGIN
    UPDATE applications SET outcome =
        CASE WHEN NOT EXISTS (SELECT 1 FROM decisions d
                 WHERE d.application_id = applications.id AND d.status = 'signed'
                 AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection'))
             THEN NULL
             WHEN NOT EXISTS (SELECT 1 FROM decisions d
                 JOIN decision_years dy ON dy.decision_id = d.id
                 WHERE d.application_id = applications.id AND d.status = 'signed'
                 AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
                 GROUP BY dy.year HAVING SUM(dy.amount_ore) > 0) THEN 'rejected'
             WHEN EXISTS (SELECT 1 FROM application_years ay
                 WHERE ay.version_id = (SELECT v.id FROM application_versions v
                     WHERE v.application_id = applications.id AND v.status = 'submitted'
                     ORDER BY v.number DESC LIMIT 1)
                 AND ay.requested_ore > COALESCE((SELECT SUM(dy.amount_ore) FROM decisions d
                     JOIN decision_years dy ON dy.decision_id = d.id
                     WHERE d.application_id = applications.id AND d.status = 'signed'
                     AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
                     AND dy.year = ay.year), 0)) THEN 'partly_granted'
             ELSE 'granted' END
        WHERE id = NEW.application_id AND status = 'decided';
END;
CREATE TRIGGER applications_outcome_signed_insert AFTER INSERT ON decisions
WHEN NEW.status = 'signed' AND NEW.application_id IS NOT NULL
    AND NEW.amends_decision_id IS NULL AND NEW.kind IN ('grant', 'top_up', 'rejection')
BEGIN
    UPDATE applications SET outcome =
        CASE WHEN NOT EXISTS (SELECT 1 FROM decisions d
                 WHERE d.application_id = applications.id AND d.status = 'signed'
                 AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection'))
             THEN NULL
             WHEN NOT EXISTS (SELECT 1 FROM decisions d
                 JOIN decision_years dy ON dy.decision_id = d.id
                 WHERE d.application_id = applications.id AND d.status = 'signed'
                 AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
                 GROUP BY dy.year HAVING SUM(dy.amount_ore) > 0) THEN 'rejected'
             WHEN EXISTS (SELECT 1 FROM application_years ay
                 WHERE ay.version_id = (SELECT v.id FROM application_versions v
                     WHERE v.application_id = applications.id AND v.status = 'submitted'
                     ORDER BY v.number DESC LIMIT 1)
                 AND ay.requested_ore > COALESCE((SELECT SUM(dy.amount_ore) FROM decisions d
                     JOIN decision_years dy ON dy.decision_id = d.id
                     WHERE d.application_id = applications.id AND d.status = 'signed'
                     AND d.amends_decision_id IS NULL AND d.kind IN ('grant', 'top_up', 'rejection')
                     AND dy.year = ay.year), 0)) THEN 'partly_granted'
             ELSE 'granted' END
        WHERE id = NEW.application_id AND status = 'decided';
END;

-- The list's sorts read a page of an index in order (ties by registration number).
CREATE INDEX applications_call_organisation
    ON applications (call_id, organisation_name, registration_number);
CREATE INDEX applications_call_rank ON applications (call_id, status_rank, registration_number);
CREATE INDEX applications_call_outcome ON applications (call_id, outcome, registration_number);
-- The audit trail newest first, ties by id, read from the index a page at a time.
CREATE INDEX audit_events_newest ON audit_events (occurred_at, id);
-- Statistics for the new indexes: without them SQLite judges an index it knows nothing
-- about more selective than the ones it has counted, and sorted a whole call for the list
-- in order of registration number.
ANALYZE applications;
ANALYZE audit_events;
