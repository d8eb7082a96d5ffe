-- A stamp per call that changes whenever anything its definition is read from changes
-- (its programme, years and ceilings, eligible kinds, sections, cost categories, criteria
-- and expected results). `db::calls` keeps definitions it has read in memory under this
-- stamp: a draft save and the case it answers with read one row instead of nine, and an
-- instance sees another instance's change on its next read. The stamp is random, not a
-- counter, so that a call written again (a draft call is deleted and inserted when edited)
-- or a transaction rolled back never brings back a stamp some memory still holds.
CREATE TABLE call_definition_stamps (
    call_id TEXT NOT NULL PRIMARY KEY,
    stamp TEXT NOT NULL
);
INSERT INTO call_definition_stamps (call_id, stamp)
    SELECT id, lower(hex(randomblob(16))) FROM calls;

CREATE TRIGGER calls_stamp_insert AFTER INSERT ON calls BEGIN
    INSERT OR REPLACE INTO call_definition_stamps (call_id, stamp)
        VALUES (NEW.id, lower(hex(randomblob(16))));
END;
CREATE TRIGGER calls_stamp_update AFTER UPDATE OF id, programme_id ON calls BEGIN
    DELETE FROM call_definition_stamps WHERE call_id = OLD.id;
    INSERT OR REPLACE INTO call_definition_stamps (call_id, stamp)
        VALUES (NEW.id, lower(hex(randomblob(16))));
END;
CREATE TRIGGER calls_stamp_delete AFTER DELETE ON calls BEGIN
    DELETE FROM call_definition_stamps WHERE call_id = OLD.id;
END;
CREATE TRIGGER programmes_stamp_update AFTER UPDATE ON programmes BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (SELECT id FROM calls WHERE programme_id IN (OLD.id, NEW.id));
END;

-- The parts of a definition. `call_years.lock_version` is left out: it is only a row lock
-- taken by signing (see `db::calls::lock_years`), moved on every signature, and nobody
-- reads it from a definition.
CREATE TRIGGER call_years_stamp_insert AFTER INSERT ON call_years BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_years_stamp_update AFTER UPDATE OF call_id, year, ceiling_ore ON call_years BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_years_stamp_delete AFTER DELETE ON call_years BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER call_eligible_kinds_stamp_insert AFTER INSERT ON call_eligible_kinds BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_eligible_kinds_stamp_update AFTER UPDATE ON call_eligible_kinds BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_eligible_kinds_stamp_delete AFTER DELETE ON call_eligible_kinds BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER call_sections_stamp_insert AFTER INSERT ON call_sections BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_sections_stamp_update AFTER UPDATE ON call_sections BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_sections_stamp_delete AFTER DELETE ON call_sections BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER call_cost_categories_stamp_insert AFTER INSERT ON call_cost_categories BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_cost_categories_stamp_update AFTER UPDATE ON call_cost_categories BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_cost_categories_stamp_delete AFTER DELETE ON call_cost_categories BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER call_criteria_stamp_insert AFTER INSERT ON call_criteria BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_criteria_stamp_update AFTER UPDATE ON call_criteria BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_criteria_stamp_delete AFTER DELETE ON call_criteria BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER expected_results_stamp_insert AFTER INSERT ON expected_results BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER expected_results_stamp_update AFTER UPDATE ON expected_results BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER expected_results_stamp_delete AFTER DELETE ON expected_results BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
