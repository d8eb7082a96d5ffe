DROP INDEX payments_organisation_order;
DROP INDEX payments_call_order;
DROP TRIGGER payment_counts_insert;
DROP TABLE payment_counts;
DROP TRIGGER payments_organisation_name;
DROP TRIGGER payments_paid_name_no_update;
DROP TRIGGER payments_paid_no_update;
ALTER TABLE payments DROP COLUMN organisation_name;
CREATE TRIGGER payments_paid_no_update BEFORE UPDATE ON payments WHEN OLD.status IN ('paid', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'a paid or cancelled payment never changes'); END;
