-- A stamp per call that changes whenever anything its definition is read from changes
-- (its programme, years and ceilings, eligible kinds, sections, cost categories, criteria
-- and expected results). `db::calls` keeps definitions it has read in memory under this
-- stamp: a draft save and the case it answers with read one row instead of nine, and an
-- instance sees another instance's change on its next read. The stamp is random, not a
-- counter, so that a call written again (a draft call is deleted and inserted when edited)
-- or a transaction rolled back never brings back a stamp some memory still holds. The
-- stamps live in a table of their own, not in `calls`, so that the triggers never take the
-- call's row lock.
CREATE TABLE call_definition_stamps (
    call_id TEXT NOT NULL PRIMARY KEY,
    stamp TEXT NOT NULL
);
INSERT INTO call_definition_stamps (call_id, stamp)
    SELECT id, gen_random_uuid()::text FROM calls;

CREATE FUNCTION calls_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM call_definition_stamps WHERE call_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO call_definition_stamps (call_id, stamp)
            VALUES (NEW.id, gen_random_uuid()::text)
            ON CONFLICT (call_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER calls_restamp AFTER INSERT OR DELETE OR UPDATE OF id, programme_id ON calls
    FOR EACH ROW EXECUTE FUNCTION calls_restamp();

CREATE FUNCTION programmes_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE call_definition_stamps SET stamp = gen_random_uuid()::text
        WHERE call_id IN (SELECT id FROM calls WHERE programme_id IN (OLD.id, NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER programmes_restamp AFTER UPDATE ON programmes
    FOR EACH ROW EXECUTE FUNCTION programmes_restamp();

-- The parts of a definition. `call_years.lock_version` is left out: it is only a row lock
-- taken by signing (see `db::calls::lock_years`), moved on every signature, and nobody
-- reads it from a definition.
CREATE FUNCTION call_definition_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE call_definition_stamps SET stamp = gen_random_uuid()::text
            WHERE call_id = OLD.call_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE call_definition_stamps SET stamp = gen_random_uuid()::text
            WHERE call_id = NEW.call_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER call_years_restamp
    AFTER INSERT OR DELETE OR UPDATE OF call_id, year, ceiling_ore ON call_years
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
CREATE TRIGGER call_eligible_kinds_restamp AFTER INSERT OR UPDATE OR DELETE ON call_eligible_kinds
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
CREATE TRIGGER call_sections_restamp AFTER INSERT OR UPDATE OR DELETE ON call_sections
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
CREATE TRIGGER call_cost_categories_restamp AFTER INSERT OR UPDATE OR DELETE ON call_cost_categories
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
CREATE TRIGGER call_criteria_restamp AFTER INSERT OR UPDATE OR DELETE ON call_criteria
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
CREATE TRIGGER expected_results_restamp AFTER INSERT OR UPDATE OR DELETE ON expected_results
    FOR EACH ROW EXECUTE FUNCTION call_definition_restamp();
