-- Forms per call as data (issue 15). A call's application questions (call_sections) get a
-- type and the type's settings, so a call can ask for amounts, dates, choices, tables and
-- more than free text; the report-back gets fields of its own per call. Every existing
-- question is free text, which is what the default says. The settings are JSON written
-- and read only by src/calls/form.rs, which checks them when an officer saves a form.
ALTER TABLE call_sections ADD COLUMN kind TEXT NOT NULL DEFAULT 'long_text'
    CHECK (kind IN ('page', 'short_text', 'long_text', 'integer', 'amount', 'percentage', 'date', 'yes_no', 'single_choice', 'multiple_choice', 'email', 'phone', 'org_number', 'attachment', 'table', 'sex_counts'));
ALTER TABLE call_sections ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- The report-back's own fields of a call, beside the fixed answer group per expected
-- result. Same shape as call_sections; a table of its own so that positions count per form.
CREATE TABLE call_report_fields (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    help_text TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    max_length INTEGER NOT NULL CHECK (max_length > 0),
    kind TEXT NOT NULL CHECK (kind IN ('page', 'short_text', 'long_text', 'integer', 'amount', 'percentage', 'date', 'yes_no', 'single_choice', 'multiple_choice', 'email', 'phone', 'org_number', 'attachment', 'table', 'sex_counts')),
    settings TEXT NOT NULL DEFAULT '{}',
    UNIQUE (call_id, position)
);
CREATE INDEX call_report_fields_call ON call_report_fields (call_id);

-- Answers to a call's own report-back fields, as the canonical text of their type.
CREATE TABLE report_field_answers (
    version_id TEXT NOT NULL REFERENCES report_versions (id),
    field_id TEXT NOT NULL REFERENCES call_report_fields (id),
    body TEXT NOT NULL,
    PRIMARY KEY (version_id, field_id)
);

-- Which attachment question a file answers; none for the files of the general attachment
-- list (every file stored before). No foreign key: SQLite cannot drop a column that has one,
-- and the service only writes ids of the version's own call.
ALTER TABLE attachments ADD COLUMN section_id TEXT;

-- Every saved state of a call's forms, numbered per call and form: what an officer built,
-- when and by whom. A published call's forms no longer change, so the last version is the
-- one every answer was given under.
CREATE TABLE call_form_versions (
    call_id TEXT NOT NULL REFERENCES calls (id),
    form TEXT NOT NULL CHECK (form IN ('application', 'report')),
    version INTEGER NOT NULL CHECK (version > 0),
    definition TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    saved_by TEXT REFERENCES users (id),
    PRIMARY KEY (call_id, form, version)
);

CREATE TRIGGER call_report_fields_stamp_insert AFTER INSERT ON call_report_fields BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = NEW.call_id;
END;
CREATE TRIGGER call_report_fields_stamp_update AFTER UPDATE ON call_report_fields BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16)))
        WHERE call_id IN (OLD.call_id, NEW.call_id);
END;
CREATE TRIGGER call_report_fields_stamp_delete AFTER DELETE ON call_report_fields BEGIN
    UPDATE call_definition_stamps SET stamp = lower(hex(randomblob(16))) WHERE call_id = OLD.call_id;
END;
CREATE TRIGGER report_field_answers_frozen_no_insert BEFORE INSERT ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_update BEFORE UPDATE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_field_answers_frozen_no_delete BEFORE DELETE ON report_field_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER call_form_versions_no_update BEFORE UPDATE ON call_form_versions
BEGIN SELECT RAISE(ABORT, 'a saved form version never changes'); END;
