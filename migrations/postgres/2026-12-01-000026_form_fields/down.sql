DROP TABLE call_form_versions;
ALTER TABLE attachments DROP COLUMN section_id;
DROP TABLE report_field_answers;
DROP TABLE call_report_fields;
ALTER TABLE call_sections DROP COLUMN settings;
ALTER TABLE call_sections DROP COLUMN kind;
