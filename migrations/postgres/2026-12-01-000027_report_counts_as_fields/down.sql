-- Takes back what the up migration added, and nothing stored since: an answer to a counts
-- field is deleted only where it says what the version's columns still hold (the columns
-- were kept), and a counts field only once no answer to it is left. A version whose counts
-- were typed after the migration keeps them as the answer to the call's own field, which
-- the service before 000027 shows as such. The counts field a fixture or a new call got
-- (same title and help text) goes the same way: before 000027 the counts were fixed.
ALTER TABLE report_field_answers DISABLE TRIGGER report_field_answers_frozen;
DELETE FROM report_field_answers
WHERE field_id IN (SELECT id FROM call_report_fields WHERE kind = 'sex_counts' AND title = 'Barn och unga som ingått' AND help_text = 'Bara antal, inga uppgifter om enskilda barn eller unga.')
  AND body = (SELECT '{"total":' || v.children_total::text || ',"girls":' || COALESCE(v.girls::text, 'null') || ',"boys":' || COALESCE(v.boys::text, 'null') || '}'
              FROM report_versions v WHERE v.id = report_field_answers.version_id);
ALTER TABLE report_field_answers ENABLE TRIGGER report_field_answers_frozen;

DELETE FROM call_report_fields
WHERE kind = 'sex_counts' AND title = 'Barn och unga som ingått' AND help_text = 'Bara antal, inga uppgifter om enskilda barn eller unga.'
  AND NOT EXISTS (SELECT 1 FROM report_field_answers a WHERE a.field_id = call_report_fields.id);
