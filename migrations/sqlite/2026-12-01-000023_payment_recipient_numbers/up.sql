-- A page of payments (a call's, an organisation's, the API's) shows each payment's recipient
-- with its organisation number and the registration number of the decision it pays out.
-- Both lived only on organisations and decisions: a page of 100 payments looked up 200 rows
-- by key besides its own, and at 100 000 applications those lookups, spread over a large
-- file, took the page to 1.6–1.9× its time at 1 000. They are copied onto the payment on
-- insert, as its organisation's name already is (migration 000017). Neither ever changes:
-- organisations are never updated, and a decision's registration number is its case's,
-- written when the decision is.
ALTER TABLE payments ADD COLUMN org_number TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN registration_number TEXT NOT NULL DEFAULT '';
-- The guard of paid and cancelled payments (payments_paid_no_update) names its columns, so
-- filling in the copies here is not refused; once filled they never change (below).
UPDATE payments SET
    org_number = (SELECT o.org_number FROM organisations o WHERE o.id = payments.organisation_id),
    registration_number =
        (SELECT d.registration_number FROM decisions d WHERE d.id = payments.decision_id);
CREATE TRIGGER payments_paid_numbers_no_update
BEFORE UPDATE OF org_number, registration_number ON payments
WHEN OLD.status IN ('paid', 'cancelled') AND OLD.org_number <> '' AND OLD.registration_number <> ''
BEGIN SELECT RAISE(ABORT, 'a paid or cancelled payment never changes'); END;

CREATE TRIGGER payments_recipient_numbers AFTER INSERT ON payments
WHEN NEW.org_number = '' OR NEW.registration_number = ''
BEGIN
    UPDATE payments SET
        org_number = (SELECT o.org_number FROM organisations o WHERE o.id = NEW.organisation_id),
        registration_number =
            (SELECT d.registration_number FROM decisions d WHERE d.id = NEW.decision_id)
    WHERE id = NEW.id;
END;
