-- +goose Up
-- Merge and split (issue 13; internal/desk/ticket_merge.go, message_split.go).
-- merged_into is the ticket a merged (closed) ticket's conversation went to: mail to its
-- reply address lands there. split_from is the ticket a split ticket's message came
-- from. ticket_links is both tickets' history of it: one row on each side.
ALTER TABLE tickets
    ADD COLUMN merged_into uuid REFERENCES tickets (id) ON DELETE SET NULL,
    ADD COLUMN split_from uuid REFERENCES tickets (id) ON DELETE SET NULL;
CREATE INDEX tickets_merged_into_idx ON tickets (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX tickets_split_from_idx ON tickets (split_from) WHERE split_from IS NOT NULL;

-- kind: 'merged_into' (this ticket went into other), 'merged_from' (other came into
-- this one), 'split_to' (a message of this ticket became other), 'split_from'.
CREATE TABLE ticket_links (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    other_id   uuid REFERENCES tickets (id) ON DELETE SET NULL,
    other_ref  text NOT NULL,
    kind       text NOT NULL,
    actor_id   text REFERENCES "user" (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_links_kind_check CHECK (kind IN ('merged_into', 'merged_from', 'split_to', 'split_from'))
);
CREATE INDEX ticket_links_ticket_idx ON ticket_links (ticket_id, created_at);
CREATE INDEX ticket_links_other_idx ON ticket_links (other_id) WHERE other_id IS NOT NULL;

-- ticket_messages is append-only (00004): a merge copies the source's messages into
-- the target (their created_at kept, so they fall into place by time) and moves their
-- files and mail ids to the copies; merged_from names the message copied. No foreign
-- key, for the same reason as macro_id (00062).
ALTER TABLE ticket_messages ADD COLUMN merged_from uuid;

-- +goose Down
ALTER TABLE ticket_messages DROP COLUMN merged_from;
DROP TABLE ticket_links;
ALTER TABLE tickets DROP COLUMN merged_into, DROP COLUMN split_from;
