-- The payments list (a call's, an organisation's) reads a page in order of due day,
-- recipient's name, year and id. The name lived only on organisations, so every page joined
-- and sorted all of a call's payments (50 000 payments: 180 ms a page), and the pager counted
-- them all. The name is copied onto each payment on insert (organisations are never renamed;
-- a rename would have to update it, as for applications and call_recipients), the order read
-- from an index, and the number of payments kept per call and per organisation by triggers
-- in the inserting transaction.
ALTER TABLE payments ADD COLUMN organisation_name TEXT NOT NULL DEFAULT '';
-- A paid or cancelled payment never changes: the guard now names the columns that make the
-- payment, so that the copy of the name can be filled in (here, and by the insert trigger
-- below, which runs after a payment inserted as paid); once filled, the name of a paid or
-- cancelled payment never changes either.
DROP TRIGGER payments_paid_no_update;
UPDATE payments SET organisation_name =
    (SELECT o.name FROM organisations o WHERE o.id = payments.organisation_id);
CREATE TRIGGER payments_paid_no_update BEFORE UPDATE OF id, decision_id, call_id,
    organisation_id, year, amount_ore, due_on, status, paid_on, payment_reference, marked_by,
    marked_at, created_at, cancelled_at, cancelled_by_decision_id ON payments
WHEN OLD.status IN ('paid', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'a paid or cancelled payment never changes'); END;
CREATE TRIGGER payments_paid_name_no_update BEFORE UPDATE OF organisation_name ON payments
WHEN OLD.status IN ('paid', 'cancelled') AND OLD.organisation_name <> ''
BEGIN SELECT RAISE(ABORT, 'a paid or cancelled payment never changes'); END;

CREATE TRIGGER payments_organisation_name AFTER INSERT ON payments
WHEN NEW.organisation_name = ''
BEGIN
    UPDATE payments SET organisation_name =
        (SELECT o.name FROM organisations o WHERE o.id = NEW.organisation_id)
    WHERE id = NEW.id;
END;

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

CREATE TRIGGER payment_counts_insert AFTER INSERT ON payments
BEGIN
    INSERT INTO payment_counts (scope, owner_id, n) VALUES ('call', NEW.call_id, 1)
        ON CONFLICT (scope, owner_id) DO UPDATE SET n = n + 1;
    INSERT INTO payment_counts (scope, owner_id, n) VALUES ('organisation', NEW.organisation_id, 1)
        ON CONFLICT (scope, owner_id) DO UPDATE SET n = n + 1;
END;
-- Payments are never deleted (payments_no_delete), so nothing counts down.

CREATE INDEX payments_call_order ON payments (call_id, due_on, organisation_name, year, id);
CREATE INDEX payments_organisation_order
    ON payments (organisation_id, due_on, organisation_name, year, id);
ANALYZE payments;
