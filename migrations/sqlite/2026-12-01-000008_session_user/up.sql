-- Whose session it is, so that ending a person's sessions (deactivation, a new password)
-- is an indexed lookup instead of a search through every session's text. Sessions begun
-- before this migration have none and are still found by their text (they end within 12
-- hours anyway).
ALTER TABLE sessions ADD COLUMN user_id TEXT;
CREATE INDEX sessions_user_id ON sessions (user_id);
