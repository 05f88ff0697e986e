-- +goose Up
-- The audit log: who did what to whom, when, from which address, with the before and
-- after of what changed. Append-only, enforced here like the activity log (issue 9): an
-- UPDATE, DELETE or TRUNCATE is refused by the database whatever code path tries it, and
-- no foreign key points out of it, so deleting a user never takes their trail along
-- (actor and target are kept as ids and a label as they were at the time).
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     text,
    actor_email  text NOT NULL DEFAULT '',
    action       text NOT NULL,
    target_type  text NOT NULL DEFAULT '',
    target_id    text NOT NULL DEFAULT '',
    target_label text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    request_id   text NOT NULL DEFAULT '',
    before       jsonb,
    after        jsonb,
    CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$' AND length(action) <= 64),
    CONSTRAINT audit_log_sizes_check CHECK (
        length(actor_email) <= 320 AND length(target_type) <= 32 AND length(target_id) <= 64
        AND length(target_label) <= 320 AND length(ip) <= 64 AND length(request_id) <= 64
        AND pg_column_size(before) <= 16384 AND pg_column_size(after) <= 16384)
);

-- The page reads newest first, optionally for one actor, one action or one target.
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION rapport_audit_log_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION rapport_audit_log_immutable();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_audit_log_immutable();

-- +goose Down
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION rapport_audit_log_immutable();
DROP TABLE audit_log;
