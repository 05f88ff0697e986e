-- +goose Up
-- An outgoing email can be a reply in a thread with copies and an HTML part
-- (internal/mail composes it with go-message). message_id is chosen when the email
-- is written, so the change that sends it can record it (ticket_mail_ids) in the same
-- transaction; NULL keeps the old derivation from the row (id and created_at).
ALTER TABLE mail_outbox
    ADD COLUMN cc          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN from_name   text NOT NULL DEFAULT '',
    ADD COLUMN reply_to    text NOT NULL DEFAULT '',
    ADD COLUMN html_body   text NOT NULL DEFAULT '',
    ADD COLUMN message_id  text,
    ADD COLUMN in_reply_to text NOT NULL DEFAULT '',
    ADD COLUMN refs        text[] NOT NULL DEFAULT '{}';
-- A bounce names the Message-ID it returns: the inbound side finds the mail by it.
CREATE INDEX mail_outbox_message_id_idx ON mail_outbox (message_id) WHERE message_id IS NOT NULL;

-- +goose Down
DROP INDEX mail_outbox_message_id_idx;
ALTER TABLE mail_outbox
    DROP COLUMN cc, DROP COLUMN from_name, DROP COLUMN reply_to, DROP COLUMN html_body,
    DROP COLUMN message_id, DROP COLUMN in_reply_to, DROP COLUMN refs;
