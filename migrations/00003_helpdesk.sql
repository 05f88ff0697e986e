-- +goose Up
-- The Helpdesk part of the seed schema, item by item (docs/schema.md, "The seed contract").

CREATE TABLE tickets (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    requester_id text NOT NULL,
    subject      text NOT NULL,
    status       text NOT NULL DEFAULT 'open',
    priority     text NOT NULL DEFAULT 'normal',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tickets_requester_id_user_id_fk FOREIGN KEY (requester_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT tickets_status_check CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    CONSTRAINT tickets_priority_check CHECK (priority IN ('low', 'normal', 'high', 'urgent'))
);
CREATE INDEX idx_ticket_requester ON tickets (requester_id);
CREATE INDEX idx_ticket_status_priority ON tickets (status, priority);

CREATE TABLE ticket_messages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id   uuid NOT NULL,
    author_id   text NOT NULL,
    body        text NOT NULL,
    is_internal boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_messages_ticket_id_tickets_id_fk FOREIGN KEY (ticket_id)
        REFERENCES tickets(id) ON DELETE CASCADE,
    CONSTRAINT ticket_messages_author_id_user_id_fk FOREIGN KEY (author_id)
        REFERENCES "user"(id) ON DELETE CASCADE
);
CREATE INDEX idx_message_ticket ON ticket_messages (ticket_id, created_at);

CREATE TABLE agents (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    text NOT NULL,
    team       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agents_user_id_user_id_fk FOREIGN KEY (user_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT agents_user_unique UNIQUE (user_id)
);

CREATE TABLE sla_policies (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    priority            text NOT NULL,
    first_response_mins integer NOT NULL,
    resolve_mins        integer NOT NULL,
    CONSTRAINT sla_policies_priority_check CHECK (priority IN ('low', 'normal', 'high', 'urgent'))
);

-- +goose Down
DROP TABLE sla_policies;
DROP TABLE agents;
DROP TABLE ticket_messages;
DROP TABLE tickets;
