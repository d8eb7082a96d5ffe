-- Identity as in the agency's e-service (issue 14); see the SQLite migration for the why.
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD COLUMN org_role TEXT
    CHECK (org_role IN ('ombud', 'representative', 'coordinator'));
UPDATE users u SET org_role = CASE
    WHEN u.is_signatory AND u.id = (
        SELECT f.id FROM users f
        WHERE f.organisation_id = u.organisation_id AND f.is_signatory
        ORDER BY f.created_at, f.id LIMIT 1) THEN 'ombud'
    ELSE 'representative' END
WHERE u.organisation_id IS NOT NULL;
ALTER TABLE users DROP COLUMN is_signatory;
ALTER TABLE users ADD COLUMN pin_hash TEXT UNIQUE;
ALTER TABLE users ADD COLUMN pin_masked TEXT;
ALTER TABLE users ADD CONSTRAINT users_org_role_with_organisation
    CHECK ((organisation_id IS NULL) = (org_role IS NULL));
ALTER TABLE users ADD CONSTRAINT users_staff_without_organisation
    CHECK (role = 'applicant' OR organisation_id IS NULL);
ALTER TABLE users ADD CONSTRAINT users_pin_whole
    CHECK ((pin_hash IS NULL) = (pin_masked IS NULL));
CREATE UNIQUE INDEX users_one_ombud ON users (organisation_id) WHERE org_role = 'ombud';

ALTER TABLE application_versions ADD COLUMN submitted_method TEXT;
ALTER TABLE application_versions ADD COLUMN submitted_loa TEXT;
ALTER TABLE report_versions ADD COLUMN submitted_method TEXT;
ALTER TABLE report_versions ADD COLUMN submitted_loa TEXT;
