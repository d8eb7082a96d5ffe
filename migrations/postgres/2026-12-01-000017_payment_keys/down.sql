DROP INDEX payments_organisation_order;
DROP INDEX payments_call_order;
DROP TRIGGER payment_counts_keep ON payments;
DROP FUNCTION payment_counts_keep();
DROP TABLE payment_counts;
DROP TRIGGER payments_organisation_name ON payments;
DROP FUNCTION payments_organisation_name();
ALTER TABLE payments DROP COLUMN organisation_name;
