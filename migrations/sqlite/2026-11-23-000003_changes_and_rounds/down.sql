DROP INDEX redistribution_rounds_one_open;
ALTER TABLE application_versions DROP COLUMN reasons;
CREATE TABLE payments_old (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'paid')),
    paid_on DATE,
    payment_reference TEXT,
    marked_by TEXT REFERENCES users (id),
    marked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK ((status = 'paid') = (paid_on IS NOT NULL))
);
INSERT INTO payments_old (id, decision_id, call_id, organisation_id, year, amount_ore, due_on,
    status, paid_on, payment_reference, marked_by, marked_at, created_at)
SELECT id, decision_id, call_id, organisation_id, year, amount_ore, due_on,
    status, paid_on, payment_reference, marked_by, marked_at, created_at FROM payments
WHERE status <> 'cancelled';
DROP TABLE payments;
ALTER TABLE payments_old RENAME TO payments;
CREATE TRIGGER payments_paid_no_update BEFORE UPDATE ON payments WHEN OLD.status = 'paid'
BEGIN SELECT RAISE(ABORT, 'a paid payment never changes'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;
