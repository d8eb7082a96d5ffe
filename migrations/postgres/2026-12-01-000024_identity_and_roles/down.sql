ALTER TABLE report_versions DROP COLUMN submitted_loa;
ALTER TABLE report_versions DROP COLUMN submitted_method;
ALTER TABLE application_versions DROP COLUMN submitted_loa;
ALTER TABLE application_versions DROP COLUMN submitted_method;
DROP INDEX users_one_ombud;
ALTER TABLE users DROP CONSTRAINT users_pin_whole;
ALTER TABLE users DROP CONSTRAINT users_staff_without_organisation;
ALTER TABLE users DROP CONSTRAINT users_org_role_with_organisation;
ALTER TABLE users DROP COLUMN pin_masked;
ALTER TABLE users DROP COLUMN pin_hash;
ALTER TABLE users ADD COLUMN is_signatory BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET is_signatory = (org_role = 'ombud') WHERE org_role IS NOT NULL;
ALTER TABLE users DROP COLUMN org_role;
-- People without an organisation had no place in the old table.
DELETE FROM users WHERE role = 'applicant' AND organisation_id IS NULL;
ALTER TABLE users ADD CONSTRAINT users_check CHECK ((role = 'applicant' AND organisation_id IS NOT NULL)
    OR (role <> 'applicant' AND organisation_id IS NULL));
