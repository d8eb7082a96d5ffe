-- Messages both ways on a case (issue 16): the agency's staff and the applicant
-- organisation's people write to each other inside the case, with files. A message never
-- changes once written; the only thing ever set on it is when the other side first read
-- it and who (read_at, read_by), and that once. Nothing is deleted.
CREATE TABLE case_messages (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    sender_id TEXT NOT NULL REFERENCES users (id),
    sender_side TEXT NOT NULL CHECK (sender_side IN ('agency', 'organisation')),
    about TEXT CHECK (about IN ('application', 'grant', 'report')),
    body TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    read_by TEXT REFERENCES users (id),
    CHECK ((read_at IS NULL) = (read_by IS NULL))
);
CREATE INDEX case_messages_case ON case_messages (application_id, sent_at);
-- What waits to be read, per side (the officers' queues count these).
CREATE INDEX case_messages_unread ON case_messages (sender_side, application_id)
    WHERE read_at IS NULL;

-- Files sent with a message, kept in the database like the applications' attachments.
CREATE TABLE case_message_files (
    id TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL REFERENCES case_messages (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX case_message_files_message ON case_message_files (message_id);

-- What was written never changes; a read message stays read; nothing is deleted.
CREATE TRIGGER case_messages_written_no_update
BEFORE UPDATE OF id, application_id, sender_id, sender_side, about, body, sent_at ON case_messages
BEGIN SELECT RAISE(ABORT, 'a message on a case never changes'); END;
CREATE TRIGGER case_messages_read_no_update BEFORE UPDATE ON case_messages
WHEN OLD.read_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a message that has been read stays read'); END;
CREATE TRIGGER case_messages_no_delete BEFORE DELETE ON case_messages
BEGIN SELECT RAISE(ABORT, 'a message on a case is never deleted'); END;
CREATE TRIGGER case_message_files_no_update BEFORE UPDATE ON case_message_files
BEGIN SELECT RAISE(ABORT, 'the files of a message never change'); END;
CREATE TRIGGER case_message_files_no_delete BEFORE DELETE ON case_message_files
BEGIN SELECT RAISE(ABORT, 'the files of a message never change'); END;
