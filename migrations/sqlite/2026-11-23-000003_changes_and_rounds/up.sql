-- What issue 5 adds for change decisions and redistribution rounds:
-- * a planned payment can be cancelled by a decision that lowers or revokes the grant (a
--   cancelled payment, like a paid one, never changes again; the remainder is planned anew);
-- * an application for more money in a round carries its reasons;
-- * one open round per call and year.
-- SQLite cannot change a CHECK constraint, so the payments table is rebuilt.
CREATE TABLE payments_new (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'paid', 'cancelled')),
    paid_on DATE,
    payment_reference TEXT,
    marked_by TEXT REFERENCES users (id),
    marked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    cancelled_by_decision_id TEXT REFERENCES decisions (id),
    CHECK ((status = 'paid') = (paid_on IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
INSERT INTO payments_new (id, decision_id, call_id, organisation_id, year, amount_ore, due_on,
    status, paid_on, payment_reference, marked_by, marked_at, created_at)
SELECT id, decision_id, call_id, organisation_id, year, amount_ore, due_on,
    status, paid_on, payment_reference, marked_by, marked_at, created_at FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE TRIGGER payments_paid_no_update BEFORE UPDATE ON payments WHEN OLD.status IN ('paid', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'a paid or cancelled payment never changes'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;

ALTER TABLE application_versions ADD COLUMN reasons TEXT;

CREATE UNIQUE INDEX redistribution_rounds_one_open ON redistribution_rounds (call_id, year)
    WHERE status = 'open';
