-- +goose Up
-- An edit of a planned activity carries the version its form was loaded at, as the
-- CRM's other edit forms do (issue 10): a save against another version changes nothing
-- and says who saved in between. Only an edit bumps it; done, undone and a reminder
-- sent leave the form's fields as they were, so they do not.
ALTER TABLE planned_activities
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_by text REFERENCES "user"(id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE planned_activities DROP COLUMN updated_by, DROP COLUMN version;
