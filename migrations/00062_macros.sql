-- +goose Up
-- Macros (issue 13): canned replies with actions, applied on the desk's ticket page
-- (internal/desk/macro_*.go). owner_id NULL is a shared macro (admins edit it); a set
-- owner_id is that agent's personal macro, seen by them alone. The body keeps
-- placeholders such as {{requester.first_name}} verbatim: they are substituted as data
-- when the macro is applied (internal/desk/macro_fill.go), never run as a template.
-- The actions are nullable: NULL leaves that field of the ticket as it is. tags is
-- free text kept for the tags feature (issue 13, another branch): not applied yet.
CREATE TABLE macros (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    text REFERENCES "user" (id) ON DELETE CASCADE,
    name        text NOT NULL,
    body        text NOT NULL DEFAULT '',
    status      text,
    priority    text,
    assignee_id text REFERENCES "user" (id) ON DELETE SET NULL,
    team        text,
    tags        text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1,
    created_by  text REFERENCES "user" (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT macros_name_check CHECK (name <> '' AND length(name) <= 100),
    CONSTRAINT macros_body_check CHECK (length(body) <= 20000),
    CONSTRAINT macros_status_check CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    CONSTRAINT macros_priority_check CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    CONSTRAINT macros_tags_check CHECK (length(tags) <= 500),
    CONSTRAINT macros_version_check CHECK (version > 0)
);
-- The picker and the list: shared ones (owner NULL) and the viewer's own, by name.
CREATE INDEX macros_owner_name_idx ON macros (owner_id, lower(name), id);
-- The assignee's foreign key (SET NULL when a user is deleted).
CREATE INDEX macros_assignee_idx ON macros (assignee_id) WHERE assignee_id IS NOT NULL;

-- Which macro a message was written with: its id and its name when used, so the thread
-- still says it after the macro is renamed or deleted. No foreign key on purpose:
-- ticket_messages is append-only (00004), so ON DELETE SET NULL would be an UPDATE the
-- trigger refuses, and NO ACTION would forbid deleting a used macro. The id may name a
-- deleted macro; nothing joins on it.
ALTER TABLE ticket_messages
    ADD COLUMN macro_id uuid,
    ADD COLUMN macro_name text,
    ADD CONSTRAINT ticket_messages_macro_name_check CHECK (length(macro_name) <= 100);

-- +goose Down
ALTER TABLE ticket_messages DROP COLUMN macro_id, DROP COLUMN macro_name;
DROP TABLE macros;
