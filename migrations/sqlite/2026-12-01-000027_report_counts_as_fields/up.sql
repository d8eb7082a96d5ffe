-- The counts of children and young people who took part in a year, by sex, become a field
-- of each call's report-back form (issue 15): the field every report asked, now a field of
-- kind sex_counts after the call's own fields, and each version's counts its answer, as the
-- service writes it (`{"total":n,"girls":n|null,"boys":n|null}`). The columns
-- report_versions.children_total, girls and boys are kept as they are (nothing writes them
-- any more), so that nothing is lost and the down migration can tell what it added.
-- The same title and help text as `reports::COUNTS_FIELD_TITLE`/`_HELP`.
INSERT INTO call_report_fields (id, call_id, position, title, help_text, required, max_length, kind, settings)
SELECT lower(hex(randomblob(16))), c.id,
       COALESCE((SELECT MAX(f.position) FROM call_report_fields f WHERE f.call_id = c.id), 0) + 1,
       'Barn och unga som ingått', 'Bara antal, inga uppgifter om enskilda barn eller unga.', 1, 8000, 'sex_counts', '{}'
FROM calls c;

-- A submitted version's answers are frozen; these are the answers it was submitted with, only
-- stored in their new place.
DROP TRIGGER report_field_answers_frozen_no_insert;
DROP TRIGGER report_field_answers_frozen_no_update;
DROP TRIGGER report_field_answers_frozen_no_delete;

-- A version without a total (a draft only: submitting required all three) has nothing the
-- field can hold; its girls and boys stay in the columns.
INSERT INTO report_field_answers (version_id, field_id, body)
SELECT v.id, f.id,
       '{"total":' || v.children_total || ',"girls":' || COALESCE(v.girls, 'null') || ',"boys":' || COALESCE(v.boys, 'null') || '}'
FROM report_versions v
JOIN reports r ON r.id = v.report_id
JOIN decisions d ON d.id = r.decision_id
JOIN call_report_fields f ON f.call_id = d.call_id AND f.kind = 'sex_counts' AND f.title = 'Barn och unga som ingått'
    AND f.position = (SELECT MAX(p.position) FROM call_report_fields p WHERE p.call_id = d.call_id)
WHERE v.children_total IS NOT NULL;

CREATE TRIGGER report_field_answers_frozen_no_insert BEFORE INSERT ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_update BEFORE UPDATE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_delete BEFORE DELETE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
