-- Notifications (issue 16): which were sent, so that each goes out at most once. The key is
-- what the notification is (`kind`: digest, draft_reminder, report_open,
-- repayment_reminder), what it is about (`subject_key`: the Stockholm day of a digest, the
-- draft application, `decision/year`, the repayment claim) and to whom (`recipient`: the
-- officer's account, or the organisation). A round inserts its row in the same transaction
-- as the outbox message: of two instances at once, the second insert does nothing and its
-- transaction queues no mail (src/notifications.rs).
CREATE TABLE notifications_sent (
    kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, subject_key, recipient)
);
-- An officer's latest digest (where the next one's items begin).
CREATE INDEX notifications_sent_recipient ON notifications_sent (kind, recipient, subject_key);
