-- +goose Up
-- A change to what a user may do (session_version bumped by a password change or
-- deactivation, a new role, banned) or the user's deletion is announced on the
-- rapport_user_access channel with the user's id, by the database itself, whatever
-- code path made it. Every replica's live-queue listener ends that user's open event
-- streams at once; their sessions are already refused by the next request.

-- +goose StatementBegin
CREATE FUNCTION rapport_user_access_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('rapport_user_access', OLD.id);
    ELSE
        PERFORM pg_notify('rapport_user_access', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER user_access_changed
    AFTER UPDATE OF session_version, role, banned ON "user"
    FOR EACH ROW
    WHEN (OLD.session_version IS DISTINCT FROM NEW.session_version
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.banned IS DISTINCT FROM NEW.banned)
    EXECUTE FUNCTION rapport_user_access_notify();

CREATE TRIGGER user_access_deleted
    AFTER DELETE ON "user"
    FOR EACH ROW EXECUTE FUNCTION rapport_user_access_notify();

-- +goose Down
DROP TRIGGER user_access_deleted ON "user";
DROP TRIGGER user_access_changed ON "user";
DROP FUNCTION rapport_user_access_notify();
