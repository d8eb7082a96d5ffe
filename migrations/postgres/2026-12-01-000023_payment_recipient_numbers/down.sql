DROP TRIGGER payments_recipient_numbers ON payments;
DROP FUNCTION payments_recipient_numbers();
ALTER TABLE payments DROP COLUMN registration_number;
ALTER TABLE payments DROP COLUMN org_number;
