-- The officer's lists at 100 000 applications (issue 12): what a list filters, sorts and
-- counts by is kept on the rows and in a table of counts, written with the change, so that
-- a page reads a page of an index and a pager's total is a handful of rows, never a count
-- over the call.

-- How a decided application was decided (`decisions::outcome`), set when the case is
-- decided (`db::applications::set_status`); NULL for every other status.
ALTER TABLE applications ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('granted', 'partly_granted', 'rejected'));
-- The organisation's name, for the sort by organisation (organisations are never renamed;
-- filled by the trigger below on every insert). Byte order, as the lists sort.
ALTER TABLE applications ADD COLUMN organisation_name TEXT COLLATE "C" NOT NULL DEFAULT '';
-- The place of the status label people read (the outcome's, once decided) in alphabetical
-- order, as the list sorts by it: Avslagen, Bedömd, Beslutad, Beviljad, Delvis beviljad,
-- Inkommen, Komplett, Komplettering begärd, Utkast (`db::applications::status_rank`; a test
-- checks the two agree).
ALTER TABLE applications ADD COLUMN status_rank INTEGER GENERATED ALWAYS AS (
    CASE COALESCE(outcome, status)
        WHEN 'rejected' THEN 0 WHEN 'assessed' THEN 1 WHEN 'decided' THEN 2
        WHEN 'granted' THEN 3 WHEN 'partly_granted' THEN 4 WHEN 'submitted' THEN 5
        WHEN 'complete' THEN 6 WHEN 'supplement_requested' THEN 7 WHEN 'draft' THEN 8
        ELSE 99 END) STORED;

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

CREATE FUNCTION applications_organisation_name() RETURNS trigger AS $$
BEGIN
    IF NEW.organisation_name = '' THEN
        NEW.organisation_name := (SELECT o.name FROM organisations o
                                  WHERE o.id = NEW.organisation_id);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER applications_organisation_name BEFORE INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_organisation_name();

CREATE FUNCTION application_counts_add(p_call TEXT, p_code TEXT, p_delta BIGINT)
RETURNS void AS $$
BEGIN
    INSERT INTO application_counts (call_id, code, n) VALUES (p_call, p_code, p_delta)
        ON CONFLICT (call_id, code) DO UPDATE SET n = application_counts.n + p_delta;
END $$ LANGUAGE plpgsql;

-- Only when what is counted changes (`lock` sets the status to itself on every step). The
-- two rows a change touches are written in one order (by call and code), so that two cases
-- moving opposite ways cannot deadlock.
CREATE FUNCTION application_counts_keep() RETURNS trigger AS $$
DECLARE
    old_call TEXT; old_code TEXT; new_call TEXT; new_code TEXT;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status <> 'draft' THEN
        old_call := OLD.call_id;
        old_code := COALESCE(OLD.outcome, OLD.status);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status <> 'draft' THEN
        new_call := NEW.call_id;
        new_code := COALESCE(NEW.outcome, NEW.status);
    END IF;
    IF old_call IS NOT DISTINCT FROM new_call AND old_code IS NOT DISTINCT FROM new_code THEN
        RETURN NULL;
    END IF;
    IF new_call IS NULL OR (old_call IS NOT NULL AND (old_call, old_code) < (new_call, new_code)) THEN
        IF old_call IS NOT NULL THEN PERFORM application_counts_add(old_call, old_code, -1); END IF;
        IF new_call IS NOT NULL THEN PERFORM application_counts_add(new_call, new_code, 1); END IF;
    ELSE
        PERFORM application_counts_add(new_call, new_code, 1);
        IF old_call IS NOT NULL THEN PERFORM application_counts_add(old_call, old_code, -1); END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER application_counts_keep
    AFTER INSERT OR DELETE OR UPDATE OF status, outcome, call_id ON applications
    FOR EACH ROW EXECUTE FUNCTION application_counts_keep();

-- A case decided before its decision is signed (fixtures, a bulk load) gets its outcome
-- when the decision is signed; a case decided in the service gets it in `set_status`,
-- which runs after the signing.
CREATE FUNCTION applications_outcome_signed() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status <> 'signed')
        AND NEW.application_id IS NOT NULL AND NEW.amends_decision_id IS NULL
        AND NEW.kind IN ('grant', 'top_up', 'rejection') THEN
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
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER applications_outcome_signed AFTER INSERT OR UPDATE OF status ON decisions
    FOR EACH ROW EXECUTE FUNCTION applications_outcome_signed();

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
