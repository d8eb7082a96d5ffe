-- What issue 3 adds: a supplement request says whether the budget may change; a draft that
-- answers one keeps the answer's text until it is submitted; a form posted after the session
-- ended is kept for the person to pick up after logging in again.
ALTER TABLE supplement_requests ADD COLUMN budget_change_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE application_versions ADD COLUMN supplement_answer TEXT;

CREATE TABLE form_stashes (
    -- SHA-256 of the token in the link the person follows after logging in.
    token_hash TEXT PRIMARY KEY NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX form_stashes_created_at ON form_stashes (created_at);
