ALTER TABLE programmes DROP COLUMN contact_phone;
ALTER TABLE programmes DROP COLUMN contact_email;
