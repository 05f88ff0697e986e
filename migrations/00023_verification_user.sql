-- +goose Up
-- A user's one-time tokens are found by their user id (verification.value): a
-- forgot-password request checks for a recent link, and the first use of a reset or
-- invitation link deletes every other link of that user. Without an index each of those
-- reads the whole table, which now keeps every live link rather than only the newest.
CREATE INDEX verification_value_idx ON verification (value);

-- +goose Down
DROP INDEX verification_value_idx;
