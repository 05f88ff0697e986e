-- +goose Up
-- The signed-in user of each scs session, kept beside the encoded data so one statement
-- loads a request's session and its user, and a user's sessions can be ended at once
-- (deactivation, password change). Deleting a user deletes their sessions.
ALTER TABLE sessions ADD COLUMN user_id text REFERENCES "user"(id) ON DELETE CASCADE;
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- +goose Down
DROP INDEX sessions_user_idx;
ALTER TABLE sessions DROP COLUMN user_id;
