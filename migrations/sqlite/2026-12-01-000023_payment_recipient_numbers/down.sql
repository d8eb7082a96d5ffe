DROP TRIGGER payments_recipient_numbers;
DROP TRIGGER payments_paid_numbers_no_update;
ALTER TABLE payments DROP COLUMN registration_number;
ALTER TABLE payments DROP COLUMN org_number;
