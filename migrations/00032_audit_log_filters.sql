-- +goose Up
-- The audit page's two filters that 00030's indexes do not serve, each newest first like
-- the page: the actor's address as it was recorded (exact, or a prefix: text_pattern_ops
-- serves LIKE 'abc%' whatever the database's collation; a failed sign-in has no actor
-- id, only the address that was typed), and the client address.
CREATE INDEX audit_log_actor_email_idx ON audit_log (actor_email text_pattern_ops, at DESC, id DESC);
CREATE INDEX audit_log_ip_idx ON audit_log (ip, at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_ip_idx;
DROP INDEX audit_log_actor_email_idx;
