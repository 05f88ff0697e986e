-- +goose Up
-- The email channel's inbound half (issue 12): support mailboxes fetched over IMAP, and
-- every message fetched from them with what the desk did with it.

-- A support mailbox. The password is sealed by internal/secret under SECRET_KEY, for the
-- purpose "mailbox:<id>": never stored or shown in the clear. from_env marks the one
-- INBOUND_IMAP_URL declares (kept in step with the environment at start-up).
CREATE TABLE mailboxes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    address         text NOT NULL,
    host            text NOT NULL,
    port            integer NOT NULL,
    security        text NOT NULL,
    username        text NOT NULL,
    password_sealed bytea NOT NULL,
    folder          text NOT NULL DEFAULT 'INBOX',
    team            text,
    poll_secs       integer NOT NULL DEFAULT 30,
    -- Processed mail is flagged \Seen; deleted (and expunged) only when the admin asks.
    delete_processed boolean NOT NULL DEFAULT false,
    enabled         boolean NOT NULL DEFAULT true,
    from_env        boolean NOT NULL DEFAULT false,
    -- The folder's UIDVALIDITY when last polled: a change means every UID is new.
    uidvalidity     bigint,
    last_poll_at    timestamptz,
    last_error      text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mailboxes_address_check CHECK (address = lower(address) AND address LIKE '%_@_%'),
    CONSTRAINT mailboxes_port_check CHECK (port BETWEEN 1 AND 65535),
    CONSTRAINT mailboxes_security_check CHECK (security IN ('tls', 'starttls', 'none')),
    CONSTRAINT mailboxes_poll_secs_check CHECK (poll_secs BETWEEN 10 AND 86400),
    CONSTRAINT mailboxes_version_check CHECK (version > 0)
);
CREATE UNIQUE INDEX mailboxes_from_env_idx ON mailboxes (from_env) WHERE from_env;
CREATE UNIQUE INDEX mailboxes_account_idx ON mailboxes (lower(host), port, username, folder);

-- Every message fetched, once: its place on the server (mailbox, UIDVALIDITY, UID) is
-- unique, and the row is written in the same transaction as the ticket or reply it made,
-- so a re-fetch after a restart, a kill or a second replica finds it and does nothing.
-- A message seen again under another UID (a UIDVALIDITY reset, a copy) is told by its
-- Message-ID: at most one row per Message-ID made a ticket or a reply.
-- state: 'ticket' (it opened one), 'reply' (added to one), 'ignored' (reason says why:
-- an auto-reply, a bounce, our own address, a flood, a duplicate), 'quarantined' (it
-- could not be read: reason says why). The original is in inbound_message_raw.
CREATE TABLE inbound_messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id  uuid NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    uidvalidity bigint NOT NULL,
    uid         bigint NOT NULL,
    message_id  text,
    from_addr   text NOT NULL DEFAULT '',
    subject     text NOT NULL DEFAULT '',
    size        bigint NOT NULL,
    state       text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    ticket_id   uuid REFERENCES tickets (id) ON DELETE SET NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inbound_messages_place_unique UNIQUE (mailbox_id, uidvalidity, uid),
    CONSTRAINT inbound_messages_state_check CHECK (state IN ('ticket', 'reply', 'ignored', 'quarantined')),
    CONSTRAINT inbound_messages_uid_check CHECK (uid > 0)
);
CREATE UNIQUE INDEX inbound_messages_once_idx ON inbound_messages (message_id)
    WHERE message_id IS NOT NULL AND state IN ('ticket', 'reply');
-- The admin's list of a mailbox's decisions (newest first) and its quarantine.
CREATE INDEX inbound_messages_mailbox_idx ON inbound_messages (mailbox_id, id DESC);
CREATE INDEX inbound_messages_quarantine_idx ON inbound_messages (mailbox_id, id DESC) WHERE state = 'quarantined';
-- A ticket's mail, for the agent's list of its originals (and the foreign key's SET NULL).
CREATE INDEX inbound_messages_ticket_idx ON inbound_messages (ticket_id, id) WHERE ticket_id IS NOT NULL;
-- A sender's messages in the last minute (the flood rule).
CREATE INDEX inbound_messages_sender_idx ON inbound_messages (from_addr, received_at);

-- The whole original of each message, for staff, in pieces of at most 1 MiB: the
-- simple protocol sends a bytea as hex text inside the statement, so one 25 MB value
-- would cost the server's memory several times its size in one go.
CREATE TABLE inbound_message_raw (
    inbound_id bigint NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (inbound_id, seq)
);

-- A filed mail's Message-ID goes into ticket_mail_ids (00054), with the notifications'.

-- A notification whose delivery failure report came back to a support mailbox.
ALTER TABLE mail_outbox ADD COLUMN bounced_at timestamptz;

-- +goose Down
ALTER TABLE mail_outbox DROP COLUMN bounced_at;
DROP TABLE inbound_message_raw;
DROP TABLE inbound_messages;
DROP TABLE mailboxes;
