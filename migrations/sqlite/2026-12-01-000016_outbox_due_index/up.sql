-- The mail sender asks for the next due messages in (next_attempt_at, created_at, id) order.
-- The old index (sent_at, next_attempt_at) gave only the first key, so every claim read and
-- sorted all unsent messages: with 10 000 reminders queued after a start on a large
-- database, 14–18 ms per claim on PostgreSQL, for a minute, beside the pages being served.
-- This index holds only the unsent messages, in the order the sender takes them.
CREATE INDEX outbox_due ON outbox_messages (next_attempt_at, created_at, id) WHERE sent_at IS NULL;
