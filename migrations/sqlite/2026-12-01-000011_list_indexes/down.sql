DROP INDEX audit_events_action;
DROP INDEX applications_call_status;
DROP INDEX applications_call_number;
