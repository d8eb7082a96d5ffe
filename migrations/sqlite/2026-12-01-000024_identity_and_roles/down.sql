PRAGMA foreign_keys = OFF;
BEGIN;
ALTER TABLE report_versions DROP COLUMN submitted_loa;
ALTER TABLE report_versions DROP COLUMN submitted_method;
ALTER TABLE application_versions DROP COLUMN submitted_loa;
ALTER TABLE application_versions DROP COLUMN submitted_method;
-- People without an organisation had no place in the old table.
CREATE TABLE users_old (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL
        CHECK (role IN ('officer', 'decision_maker', 'applicant', 'auditor', 'admin')),
    organisation_id TEXT REFERENCES organisations (id),
    is_signatory BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role = 'applicant' AND organisation_id IS NOT NULL)
        OR (role <> 'applicant' AND organisation_id IS NULL))
);
INSERT INTO users_old (id, email, name, password_hash, role, organisation_id, is_signatory,
                       active, created_at)
SELECT id, email, name, password_hash, role, organisation_id, COALESCE(org_role = 'ombud', FALSE), active,
       created_at
FROM users WHERE role <> 'applicant' OR organisation_id IS NOT NULL;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_organisation ON users (organisation_id);
COMMIT;
PRAGMA foreign_keys = ON;
