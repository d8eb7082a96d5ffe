DROP INDEX outbox_messages_case;
ALTER TABLE outbox_messages DROP COLUMN resent_from;
ALTER TABLE outbox_messages DROP COLUMN kind;
ALTER TABLE outbox_messages DROP COLUMN application_id;
