-- +goose Up
-- What each column of an imported file became (issue 14: files exported by Pipedrive and
-- HubSpot are recognised and mapped without manual work), shown on the preview:
-- columns is a JSON array of {"header", "field", "note"} in the file's order (field ""
-- for a column that is ignored), source the tool recognised ("" for none).
ALTER TABLE crm_imports
    ADD COLUMN columns jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN source text NOT NULL DEFAULT '',
    ADD CONSTRAINT crm_imports_source_check CHECK (source IN ('', 'pipedrive', 'hubspot'));

-- +goose Down
ALTER TABLE crm_imports DROP COLUMN source, DROP COLUMN columns;
