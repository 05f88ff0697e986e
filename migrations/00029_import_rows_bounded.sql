-- +goose Up
-- A staged import row keeps, of each cell, what its field allows when the row is valid
-- and an excerpt of 100 characters when it is rejected (internal/crm, excerpt): no row of
-- a preview holds a file's worth of text. This is the database's side of that promise,
-- with room to spare above every field's limit. NOT VALID: rows staged before it are
-- dropped within a day, and need not be scanned now.
ALTER TABLE crm_import_rows ADD CONSTRAINT crm_import_rows_cells_bounded CHECK (
    char_length(name) <= 1000 AND char_length(domain) <= 1000 AND char_length(email) <= 1000 AND
    char_length(company) <= 1000 AND char_length(owner) <= 1000 AND char_length(reason) <= 1000
) NOT VALID;

-- +goose Down
ALTER TABLE crm_import_rows DROP CONSTRAINT crm_import_rows_cells_bounded;
