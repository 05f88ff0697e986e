-- +goose Up
-- activities and ticket_messages are append-only logs: a direct UPDATE or DELETE is
-- refused by the database itself. A DELETE that arrives through a declared
-- ON DELETE CASCADE runs inside the foreign key's own trigger (depth > 1) and is allowed,
-- so deleting a deal or a ticket still takes its log with it.

-- +goose StatementBegin
CREATE FUNCTION rapport_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER activities_append_only
    BEFORE UPDATE OR DELETE ON activities
    FOR EACH ROW EXECUTE FUNCTION rapport_append_only();

CREATE TRIGGER ticket_messages_append_only
    BEFORE UPDATE OR DELETE ON ticket_messages
    FOR EACH ROW EXECUTE FUNCTION rapport_append_only();

-- +goose Down
DROP TRIGGER ticket_messages_append_only ON ticket_messages;
DROP TRIGGER activities_append_only ON activities;
DROP FUNCTION rapport_append_only();
