-- Issue 11: no one may know another person's password. A new person chooses their own
-- through an e-mailed invitation link, and anyone can reset a forgotten password through
-- an e-mailed reset link. An account invited but not yet set up has an empty
-- password_hash, which no password matches.
CREATE TABLE account_links (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    -- SHA-256 (hex) of the link's token: the database never holds a usable link.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Set once, when the link is used to choose a password.
    used_at TIMESTAMP,
    -- Set when a newer link, a password change or a deactivation makes the link void.
    revoked_at TIMESTAMP,
    -- Who sent an invitation; none for a reset the person asked for themselves.
    created_by TEXT REFERENCES users (id)
);
CREATE INDEX account_links_user ON account_links (user_id, purpose, created_at);

-- Messages whose text is replaced once they are sent, because it carries a one-time link:
-- the database then holds a usable link only while its message waits to be delivered.
CREATE TABLE outbox_redactions (
    message_id TEXT PRIMARY KEY NOT NULL REFERENCES outbox_messages (id)
);
