-- Identity as in the agency's e-service (issue 14).
--
-- 1. A person may hold an account without acting for any organisation yet: someone who has
--    logged in with e-legitimation and applies to become an organisation's ombud. The old
--    rule "an applicant always belongs to an organisation" goes; staff still belong to none.
-- 2. "May sign" (is_signatory) becomes the person's role in the organisation: one ombud per
--    organisation, representatives and uppgiftssamordnare. The first signatory of each
--    organisation becomes its ombud, every other applicant a representative (who may still
--    submit, as signatories and colleagues could before).
-- 3. The personal identity number is kept only as a keyed hash, to recognise the person at
--    the next login, and in masked form (birth date only) to show.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL
        CHECK (role IN ('officer', 'decision_maker', 'applicant', 'auditor', 'admin')),
    organisation_id TEXT REFERENCES organisations (id),
    org_role TEXT CHECK (org_role IN ('ombud', 'representative', 'coordinator')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    pin_hash TEXT UNIQUE,
    pin_masked TEXT,
    -- A role in an organisation only with the organisation, and only for people outside the
    -- agency: the agency's staff act for no organisation.
    CHECK ((organisation_id IS NULL) = (org_role IS NULL)),
    CHECK (role = 'applicant' OR organisation_id IS NULL),
    CHECK ((pin_hash IS NULL) = (pin_masked IS NULL))
);
INSERT INTO users_new (id, email, name, password_hash, role, organisation_id, org_role,
                       active, created_at)
SELECT u.id, u.email, u.name, u.password_hash, u.role, u.organisation_id,
       CASE
           WHEN u.organisation_id IS NULL THEN NULL
           WHEN u.is_signatory AND u.id = (
               SELECT f.id FROM users f
               WHERE f.organisation_id = u.organisation_id AND f.is_signatory
               ORDER BY f.created_at, f.id LIMIT 1) THEN 'ombud'
           ELSE 'representative'
       END,
       u.active, u.created_at
FROM users u;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organisation ON users (organisation_id);
CREATE UNIQUE INDEX users_one_ombud ON users (organisation_id) WHERE org_role = 'ombud';

-- Who submitted a version is already recorded; now also how they proved who they were
-- ('password' or 'e-legitimation') and, for e-legitimation, the provider's assurance level.
ALTER TABLE application_versions ADD COLUMN submitted_method TEXT;
ALTER TABLE application_versions ADD COLUMN submitted_loa TEXT;
ALTER TABLE report_versions ADD COLUMN submitted_method TEXT;
ALTER TABLE report_versions ADD COLUMN submitted_loa TEXT;
COMMIT;
PRAGMA foreign_keys = ON;
