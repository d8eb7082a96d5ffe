-- A kept form belongs to the person and the browser key it was posted with (issue 11):
-- only they can take it back. Forms kept before this change had no owner; they are
-- dropped (they live a day at most).
DELETE FROM form_stashes;
ALTER TABLE form_stashes ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE form_stashes ADD COLUMN key_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX form_stashes_user ON form_stashes (user_id, created_at);
