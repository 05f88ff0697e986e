-- +goose Up
-- Files attached to ticket messages (internal/attach). The metadata row is small and
-- listed with the thread; the content lives in attachment_chunks, 256 KiB a row, so
-- neither tickets nor ticket_messages grow with it and an upload or download streams
-- chunk by chunk. A message's files are written in the transaction that writes the
-- message: both exist, or neither.
CREATE TABLE attachments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id    uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id   uuid NOT NULL REFERENCES ticket_messages (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name <> '' AND length(name) <= 255),
    content_type text NOT NULL,
    size         bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE attachment_chunks (
    attachment_id uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           integer NOT NULL,
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- +goose Down
DROP TABLE attachment_chunks;
DROP TABLE attachments;
