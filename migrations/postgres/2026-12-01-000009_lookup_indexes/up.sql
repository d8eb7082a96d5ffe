-- Indexes on the columns the service looks rows up by (a case's versions, a call's
-- applications and payments, a decision's changes and claims, ...): without them every
-- such read scans its whole table, which at 100 000 applications costs the dashboard and
-- the case page tens of times more than at 1 000 (issue 12).
CREATE INDEX IF NOT EXISTS applications_call ON applications (call_id);
CREATE INDEX IF NOT EXISTS applications_organisation ON applications (organisation_id);
CREATE INDEX IF NOT EXISTS supplement_requests_application ON supplement_requests (application_id);
CREATE INDEX IF NOT EXISTS application_versions_application ON application_versions (application_id);
CREATE INDEX IF NOT EXISTS application_budget_lines_version ON application_budget_lines (version_id);
CREATE INDEX IF NOT EXISTS application_staff_lines_version ON application_staff_lines (version_id);
CREATE INDEX IF NOT EXISTS attachments_version ON attachments (version_id);
CREATE INDEX IF NOT EXISTS conflict_declarations_application ON conflict_declarations (application_id);
CREATE INDEX IF NOT EXISTS assessments_application ON assessments (application_id);
CREATE INDEX IF NOT EXISTS proposals_application ON proposals (application_id);
CREATE INDEX IF NOT EXISTS decisions_application ON decisions (application_id);
CREATE INDEX IF NOT EXISTS decisions_amends ON decisions (amends_decision_id);
CREATE INDEX IF NOT EXISTS decisions_organisation ON decisions (organisation_id);
CREATE INDEX IF NOT EXISTS decisions_round ON decisions (redistribution_round_id);
CREATE INDEX IF NOT EXISTS payments_decision ON payments (decision_id);
CREATE INDEX IF NOT EXISTS payments_call ON payments (call_id);
CREATE INDEX IF NOT EXISTS payments_organisation ON payments (organisation_id);
CREATE INDEX IF NOT EXISTS reports_decision ON reports (decision_id);
CREATE INDEX IF NOT EXISTS reports_organisation ON reports (organisation_id);
CREATE INDEX IF NOT EXISTS report_versions_report ON report_versions (report_id);
CREATE INDEX IF NOT EXISTS repayment_claims_call ON repayment_claims (call_id);
CREATE INDEX IF NOT EXISTS repayment_claims_decision ON repayment_claims (decision_id);
CREATE INDEX IF NOT EXISTS repayment_claims_organisation ON repayment_claims (organisation_id);
CREATE INDEX IF NOT EXISTS users_organisation ON users (organisation_id);
CREATE INDEX IF NOT EXISTS call_sections_call ON call_sections (call_id);
CREATE INDEX IF NOT EXISTS call_cost_categories_call ON call_cost_categories (call_id);
CREATE INDEX IF NOT EXISTS call_criteria_call ON call_criteria (call_id);
CREATE INDEX IF NOT EXISTS expected_results_call ON expected_results (call_id);
CREATE INDEX IF NOT EXISTS call_amendments_call ON call_amendments (call_id);
CREATE INDEX IF NOT EXISTS redistribution_rounds_call ON redistribution_rounds (call_id);
