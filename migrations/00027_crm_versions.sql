-- +goose Up
-- The collision check of the CRM's edit forms (issue 9, defect 16), as tickets have it
-- (00008): an edit form carries the version it was loaded at; a save against another
-- version changes nothing and answers 409 with what changed. updated_at and updated_by
-- say who saved last, for that page. A deal's stage move (the board's drag) does not
-- bump the version: the edit form does not write the stage. updated_by has no foreign
-- key: deleting a user would then scan three tables for it, and a dangling id only
-- shows as "Someone".
ALTER TABLE companies
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN updated_by text,
    ADD CONSTRAINT companies_version_check CHECK (version > 0);
ALTER TABLE contacts
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN updated_by text,
    ADD CONSTRAINT contacts_version_check CHECK (version > 0);
ALTER TABLE deals
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN updated_by text,
    ADD CONSTRAINT deals_version_check CHECK (version > 0);

-- +goose Down
ALTER TABLE deals DROP CONSTRAINT deals_version_check,
    DROP COLUMN updated_by, DROP COLUMN updated_at, DROP COLUMN version;
ALTER TABLE contacts DROP CONSTRAINT contacts_version_check,
    DROP COLUMN updated_by, DROP COLUMN updated_at, DROP COLUMN version;
ALTER TABLE companies DROP CONSTRAINT companies_version_check,
    DROP COLUMN updated_by, DROP COLUMN updated_at, DROP COLUMN version;
