-- What issue 5 adds for change decisions and redistribution rounds:
-- * a planned payment can be cancelled by a decision that lowers or revokes the grant (a
--   cancelled payment, like a paid one, never changes again; the remainder is planned anew);
-- * an application for more money in a round carries its reasons;
-- * one open round per call and year.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('planned', 'paid', 'cancelled'));
ALTER TABLE payments ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE payments ADD COLUMN cancelled_by_decision_id TEXT REFERENCES decisions (id);
ALTER TABLE payments ADD CONSTRAINT payments_cancelled_check
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));
DROP TRIGGER payments_paid_immutable ON payments;
CREATE TRIGGER payments_paid_immutable BEFORE UPDATE ON payments FOR EACH ROW
    WHEN (OLD.status IN ('paid', 'cancelled'))
    EXECUTE FUNCTION refuse_change('a paid or cancelled payment never changes');

ALTER TABLE application_versions ADD COLUMN reasons TEXT;

CREATE UNIQUE INDEX redistribution_rounds_one_open ON redistribution_rounds (call_id, year)
    WHERE status = 'open';
