-- +goose Up
-- Outgoing email, written in the same transaction as the change that causes it and
-- delivered by a worker with retries (internal/mail).
CREATE TABLE mail_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_addr      text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    sent_at      timestamptz,
    last_error   text
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE mail_outbox;
