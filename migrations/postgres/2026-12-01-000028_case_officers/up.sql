-- Each case's responsible officer (handläggare), set and changed by officers (issue 16).
-- One row per case that has one; every change is also in the audit trail (who, when, from
-- whom to whom), so the row holds only the present.
CREATE TABLE case_officers (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    assigned_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX case_officers_officer ON case_officers (officer_id);
