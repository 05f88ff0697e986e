-- +goose Up
-- Email threading for tickets (internal/desk/ticket_mail_thread.go).
--
-- reply_token makes a ticket's reply address, support+<token>@domain: random (a v4
-- UUID's 122 bits, without dashes), never the ticket id, set the first time the ticket
-- changes. cc_addrs are the copies of the email that opened the ticket (the inbound
-- side fills them), kept on the desk's public replies.
ALTER TABLE tickets
    ADD COLUMN reply_token text,
    ADD COLUMN cc_addrs text[] NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX tickets_reply_token_key ON tickets (reply_token) WHERE reply_token IS NOT NULL;

-- Every Message-ID of a ticket's thread, sent or received, without angle brackets:
-- an answer's In-Reply-To or References finds its ticket here, and each notification
-- chains the ones before it. public is false for mail only staff saw (an assignment
-- notice): the requester's mail never references it.
CREATE TABLE ticket_mail_ids (
    message_id        text PRIMARY KEY,
    ticket_id         uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    ticket_message_id uuid REFERENCES ticket_messages (id) ON DELETE CASCADE,
    inbound           boolean NOT NULL,
    public            boolean NOT NULL,
    seq               bigint GENERATED ALWAYS AS IDENTITY,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_mail_ids_message_id_check CHECK (message_id <> '' AND message_id !~ '[<>\s]')
);
CREATE INDEX ticket_mail_ids_ticket_idx ON ticket_mail_ids (ticket_id, seq);
CREATE INDEX ticket_mail_ids_message_idx ON ticket_mail_ids (ticket_message_id) WHERE ticket_message_id IS NOT NULL;

-- +goose Down
DROP TABLE ticket_mail_ids;
DROP INDEX tickets_reply_token_key;
ALTER TABLE tickets DROP COLUMN reply_token, DROP COLUMN cc_addrs;
