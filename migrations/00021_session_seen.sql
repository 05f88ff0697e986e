-- +goose Up
-- When each session was last seen (the idle timeout's clock), beside the encoded data:
-- the statement that loads a request's session moves it at most once a minute, so a
-- page view never saves the session only to say "still here". NULL for sessions saved
-- before this column, which keep their time in the data until their next save.
ALTER TABLE sessions ADD COLUMN seen_at timestamptz;

-- +goose Down
ALTER TABLE sessions DROP COLUMN seen_at;
