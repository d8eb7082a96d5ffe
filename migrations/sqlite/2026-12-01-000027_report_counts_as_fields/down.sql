-- Takes back what the up migration added, and nothing stored since: an answer to a counts
-- field is deleted only where it says what the version's columns still hold (the columns
-- were kept), and a counts field only once no answer to it is left. A version whose counts
-- were typed after the migration keeps them as the answer to the call's own field, which
-- the service before 000027 shows as such. The counts field a fixture or a new call got
-- (same title and help text) goes the same way: before 000027 the counts were fixed.
DROP TRIGGER report_field_answers_frozen_no_insert;
DROP TRIGGER report_field_answers_frozen_no_update;
DROP TRIGGER report_field_answers_frozen_no_delete;

DELETE FROM report_field_answers
WHERE field_id IN (SELECT id FROM call_report_fields WHERE kind = 'sex_counts' AND title = 'Barn och unga som ingått' AND help_text = 'Bara antal, inga uppgifter om enskilda barn eller unga.')
  AND body = (SELECT '{"total":' || v.children_total || ',"girls":' || COALESCE(v.girls, 'null') || ',"boys":' || COALESCE(v.boys, 'null') || '}'
              FROM report_versions v WHERE v.id = report_field_answers.version_id);

DELETE FROM call_report_fields
WHERE kind = 'sex_counts' AND title = 'Barn och unga som ingått' AND help_text = 'Bara antal, inga uppgifter om enskilda barn eller unga.'
  AND NOT EXISTS (SELECT 1 FROM report_field_answers a WHERE a.field_id = call_report_fields.id);

CREATE TRIGGER report_field_answers_frozen_no_insert BEFORE INSERT ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_update BEFORE UPDATE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_delete BEFORE DELETE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
