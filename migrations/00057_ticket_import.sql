-- +goose Up
-- Tickets brought in from another helpdesk's export (issue 14): the ticket's key across
-- imports, the source and the file's own id (or a hash of the row when the file has no
-- id), so that importing the same file twice adds nothing the second time.
ALTER TABLE tickets ADD COLUMN import_ref text,
    ADD CONSTRAINT tickets_import_ref_check CHECK (length(import_ref) <= 140);
CREATE UNIQUE INDEX tickets_import_ref_unique ON tickets (import_ref) WHERE import_ref IS NOT NULL;

-- +goose Down
DROP INDEX tickets_import_ref_unique;
ALTER TABLE tickets DROP COLUMN import_ref;
