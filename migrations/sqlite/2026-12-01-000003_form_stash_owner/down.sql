DROP INDEX form_stashes_user;
ALTER TABLE form_stashes DROP COLUMN key_hash;
ALTER TABLE form_stashes DROP COLUMN user_id;
