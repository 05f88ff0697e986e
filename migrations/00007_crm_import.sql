-- +goose Up
-- CSV imports of companies and contacts. The parsed file is kept here, per row with the
-- verdict of the preview, between the upload and the confirmation: the session is no
-- place for 50k rows, and the confirmation then applies the rows set-based, in one
-- transaction. An import belongs to the user who uploaded it.

CREATE TABLE crm_imports (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    kind       text NOT NULL,
    filename   text NOT NULL,
    status     text NOT NULL DEFAULT 'previewed',
    created_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz,
    CONSTRAINT crm_imports_kind_check CHECK (kind IN ('companies', 'contacts')),
    CONSTRAINT crm_imports_status_check CHECK (status IN ('previewed', 'applied'))
);
CREATE INDEX crm_imports_created_idx ON crm_imports (created_at);

CREATE TABLE crm_import_rows (
    import_id  uuid NOT NULL REFERENCES crm_imports(id) ON DELETE CASCADE,
    line       integer NOT NULL,
    -- As typed in the file (for the preview), then resolved.
    name       text,
    domain     text,
    email      text,
    company    text,
    owner      text,
    company_id uuid,
    owner_id   text,
    action     text NOT NULL,
    reason     text,
    match_id   uuid,
    PRIMARY KEY (import_id, line),
    CONSTRAINT crm_import_rows_action_check CHECK (action IN ('create', 'match', 'reject'))
);

-- +goose Down
DROP TABLE crm_import_rows;
DROP TABLE crm_imports;
