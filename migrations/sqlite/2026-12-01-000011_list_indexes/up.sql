-- The officer's list of a call's applications pages in SQL (issue 12): in order of
-- registration number, and counted, from the index alone, with or without a status filter.
CREATE INDEX applications_call_number ON applications (call_id, registration_number, status);
CREATE INDEX applications_call_status ON applications (call_id, status, registration_number);
-- The audit trail filtered by action, newest first, a page at a time.
CREATE INDEX audit_events_action ON audit_events (action, occurred_at);
