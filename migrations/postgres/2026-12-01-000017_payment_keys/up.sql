-- The payments list (a call's, an organisation's) reads a page in order of due day,
-- recipient's name, year and id. The name lived only on organisations, so every page joined
-- and sorted all of a call's payments (50 000 payments: 140 ms a page), and the pager counted
-- them all. The name is copied onto each payment on insert (organisations are never renamed;
-- a rename would have to update it, as for applications and call_recipients), the order read
-- from an index (byte order, as the application list), and the number of payments kept per
-- call and per organisation by triggers in the inserting transaction.
ALTER TABLE payments ADD COLUMN organisation_name TEXT COLLATE "C" NOT NULL DEFAULT '';
-- Paid and cancelled payments never change; filling in the copy of the name is not a
-- change of the payment (new payments get it before insert, below).
ALTER TABLE payments DISABLE TRIGGER payments_paid_immutable;
UPDATE payments SET organisation_name =
    (SELECT o.name FROM organisations o WHERE o.id = payments.organisation_id);
ALTER TABLE payments ENABLE TRIGGER payments_paid_immutable;

CREATE FUNCTION payments_organisation_name() RETURNS trigger AS $$
BEGIN
    IF NEW.organisation_name = '' THEN
        NEW.organisation_name := (SELECT o.name FROM organisations o
                                  WHERE o.id = NEW.organisation_id);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER payments_organisation_name BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_organisation_name();

-- scope: 'call' or 'organisation'; owner: the call's or the organisation's id.
CREATE TABLE payment_counts (
    scope TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, owner_id)
);
INSERT INTO payment_counts (scope, owner_id, n)
    SELECT 'call', call_id, COUNT(*) FROM payments GROUP BY call_id;
INSERT INTO payment_counts (scope, owner_id, n)
    SELECT 'organisation', organisation_id, COUNT(*) FROM payments GROUP BY organisation_id;

-- Payments are never deleted (payments_no_delete), so nothing counts down.
CREATE FUNCTION payment_counts_keep() RETURNS trigger AS $$
BEGIN
    INSERT INTO payment_counts (scope, owner_id, n) VALUES ('call', NEW.call_id, 1)
        ON CONFLICT (scope, owner_id) DO UPDATE SET n = payment_counts.n + 1;
    INSERT INTO payment_counts (scope, owner_id, n)
        VALUES ('organisation', NEW.organisation_id, 1)
        ON CONFLICT (scope, owner_id) DO UPDATE SET n = payment_counts.n + 1;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER payment_counts_keep AFTER INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION payment_counts_keep();

CREATE INDEX payments_call_order ON payments (call_id, due_on, organisation_name, year, id);
CREATE INDEX payments_organisation_order
    ON payments (organisation_id, due_on, organisation_name, year, id);
ANALYZE payments;
