-- +goose Up
-- One-time keys of create forms (issue 9, defect 4: a double submit made two rows). Every
-- form that creates something carries a random key; the POST claims it, for its user, in
-- the same transaction (mostly the same statement) as the row it creates, and keeps where
-- the answer sent the browser. A repeat of the key finds the row, creates nothing and
-- answers that same redirect. The primary key decides between two concurrent submits on
-- any number of replicas: the second waits for the first's commit, then conflicts.
-- Rows older than a day are deleted in the background (form.PurgeKeys).
CREATE TABLE form_submission (
    user_id     text        NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    key         text        NOT NULL CHECK (key ~ '^[A-Za-z0-9_-]{16,64}$'),
    redirect_to text        NOT NULL CHECK (redirect_to LIKE '/%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX form_submission_created_at ON form_submission (created_at);

-- +goose Down
DROP TABLE form_submission;
