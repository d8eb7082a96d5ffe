DROP TABLE form_stashes;
ALTER TABLE application_versions DROP COLUMN supplement_answer;
ALTER TABLE supplement_requests DROP COLUMN budget_change_allowed;
