-- The mail log per case (issue 16): each message in the outbox says which case it is about
-- (NULL for account mail: passwords, invitations, warnings) and which kind of message it
-- is, so that officers and auditors can read every e-mail the service sent about a case.
-- A message sent again by an officer is a new row that names the one it repeats.
-- No foreign key on application_id: the outbox outlives nothing, and SQLite could not drop
-- a referencing column on the way down.
ALTER TABLE outbox_messages ADD COLUMN application_id TEXT;
ALTER TABLE outbox_messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';
ALTER TABLE outbox_messages ADD COLUMN resent_from TEXT;
CREATE INDEX outbox_messages_case ON outbox_messages (application_id, created_at);
