-- What issue 6 (report-back) adds: per-call rules for when reports open, when reminders go
-- out and when a repayment is due; supplements to reports; a log so that each reminder is
-- sent once; the repayment claim's letter as sent; who recorded a repayment as received.
-- And the database's own refusal to change a report once it is approved.

-- A call without a row here uses the defaults: reports open on 1 January after the grant
-- year, the reminder goes 14 days before the due day, a repayment is due 30 days after
-- the report is approved.
CREATE TABLE call_report_rules (
    call_id TEXT PRIMARY KEY NOT NULL REFERENCES calls (id),
    opens_offset_days INTEGER NOT NULL DEFAULT 0 CHECK (opens_offset_days BETWEEN -90 AND 365),
    reminder_days_before INTEGER NOT NULL DEFAULT 14 CHECK (reminder_days_before BETWEEN 1 AND 90),
    repayment_due_days INTEGER NOT NULL DEFAULT 30 CHECK (repayment_due_days BETWEEN 1 AND 365)
);

CREATE TABLE report_supplement_requests (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    message TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    answered_at TIMESTAMP
);
CREATE INDEX report_supplement_requests_report ON report_supplement_requests (report_id);

ALTER TABLE report_versions ADD COLUMN supplement_request_id TEXT REFERENCES report_supplement_requests (id);
ALTER TABLE repayment_claims ADD COLUMN received_by TEXT REFERENCES users (id);

-- One row per reminder sent: (decision, year, kind) is sent once.
CREATE TABLE report_reminders (
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('before_due', 'overdue')),
    sent_at TIMESTAMP NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (decision_id, year, kind)
);

-- The repayment claim's letter as sent: made once, served byte-identical ever after.
CREATE TABLE repayment_claim_documents (
    claim_id TEXT PRIMARY KEY NOT NULL REFERENCES repayment_claims (id),
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TRIGGER reports_approved_frozen BEFORE UPDATE OR DELETE ON reports FOR EACH ROW
    WHEN (OLD.status = 'approved')
    EXECUTE FUNCTION refuse_change('an approved report never changes');
CREATE TRIGGER report_versions_approved_no_insert BEFORE INSERT ON report_versions FOR EACH ROW
    EXECUTE FUNCTION refuse_change_when_parent_frozen('reports', 'report_id', 'approved', 'an approved report never changes');
CREATE TRIGGER repayment_claim_documents_immutable BEFORE UPDATE OR DELETE ON repayment_claim_documents FOR EACH ROW
    EXECUTE FUNCTION refuse_change('a sent letter never changes');
CREATE TRIGGER repayment_claims_received_immutable BEFORE UPDATE ON repayment_claims FOR EACH ROW
    WHEN (OLD.status = 'received')
    EXECUTE FUNCTION refuse_change('a received repayment never changes');
