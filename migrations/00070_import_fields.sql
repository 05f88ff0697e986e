-- +goose Up
-- Issue 11: an import row's built-in fields (job title, phones, notes, address; a
-- company's website, phone, industry, address) and custom field values, checked when
-- the file is staged, as one JSON object: {"builtin": {column: value}, "phones":
-- [{kind, number, digits}], "custom": [{field_id, text, num, date, bool, choices, empty}]}.
ALTER TABLE crm_import_rows ADD COLUMN extra jsonb;

-- +goose Down
ALTER TABLE crm_import_rows DROP COLUMN extra;
