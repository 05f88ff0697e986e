-- +goose Up
-- Support desk additions to the seeds' helpdesk schema: assignment, collision detection,
-- SLA clocks, a status history and the queue's indexes. Nothing of the seeds' schema is
-- renamed or dropped; every new column has a default or is nullable.

-- The policy rule, in one place: of the policies for a priority, the strictest (the
-- shortest first response target, then the shortest resolution target), then by name.
-- +goose StatementBegin
CREATE FUNCTION desk_sla_policy(p text) RETURNS sla_policies
LANGUAGE sql STABLE AS $$
    SELECT * FROM sla_policies WHERE priority = p
    ORDER BY first_response_mins, resolve_mins, name, id
    LIMIT 1
$$;
-- +goose StatementEnd

ALTER TABLE tickets
    ADD COLUMN assignee_id text,
    ADD COLUMN team text,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    -- Bumped by every change to the ticket or its thread: a form carries the version it
    -- was loaded at, and a submit against an older one is a collision.
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_by text,
    -- The policy applied and its targets, copied when it is chosen (at creation and when
    -- the priority changes), so that editing a policy does not move promises already made.
    ADD COLUMN sla_policy_id uuid,
    ADD COLUMN sla_first_response_mins integer,
    ADD COLUMN sla_resolve_mins integer,
    -- Deadlines, derived by the tickets_sla trigger: created_at + the targets, and for
    -- resolution + paused_secs (time spent pending or solved before now).
    ADD COLUMN first_response_due_at timestamptz,
    ADD COLUMN resolve_due_at timestamptz,
    -- The first public message by someone other than the requester (ticket_messages_facts).
    ADD COLUMN first_response_at timestamptz,
    ADD COLUMN solved_at timestamptz,
    -- Set while the resolution clock stands still (pending or solved); on reopening, the
    -- time since is added to paused_secs.
    ADD COLUMN paused_since timestamptz,
    ADD COLUMN paused_secs integer NOT NULL DEFAULT 0,
    -- The queue's sort key: urgent first, then the nearest deadline still to meet.
    ADD COLUMN priority_rank smallint GENERATED ALWAYS AS (
        CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
    ) STORED,
    ADD COLUMN next_due_at timestamptz GENERATED ALWAYS AS (
        CASE WHEN status IN ('solved', 'closed') THEN 'infinity'::timestamptz
             ELSE coalesce(least(CASE WHEN first_response_at IS NULL THEN first_response_due_at END,
                                 resolve_due_at), 'infinity'::timestamptz)
        END
    ) STORED,
    ADD CONSTRAINT tickets_assignee_id_user_id_fk FOREIGN KEY (assignee_id)
        REFERENCES "user"(id) ON DELETE SET NULL,
    ADD CONSTRAINT tickets_updated_by_user_id_fk FOREIGN KEY (updated_by)
        REFERENCES "user"(id) ON DELETE SET NULL,
    ADD CONSTRAINT tickets_sla_policy_id_sla_policies_id_fk FOREIGN KEY (sla_policy_id)
        REFERENCES sla_policies(id) ON DELETE SET NULL,
    ADD CONSTRAINT tickets_version_check CHECK (version > 0),
    ADD CONSTRAINT tickets_paused_secs_check CHECK (paused_secs >= 0);

ALTER TABLE sla_policies
    ADD CONSTRAINT sla_policies_minutes_check CHECK (first_response_mins > 0 AND resolve_mins > 0);

-- Who changed a ticket's status, when, from what to what. The creation is a row with
-- from_status NULL. An append-only log, like ticket_messages.
CREATE TABLE ticket_status_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   uuid NOT NULL,
    actor_id    text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_status_changes_ticket_id_tickets_id_fk FOREIGN KEY (ticket_id)
        REFERENCES tickets(id) ON DELETE CASCADE,
    CONSTRAINT ticket_status_changes_actor_id_user_id_fk FOREIGN KEY (actor_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT ticket_status_changes_from_check CHECK (from_status IN ('open', 'pending', 'solved', 'closed')),
    CONSTRAINT ticket_status_changes_to_check CHECK (to_status IN ('open', 'pending', 'solved', 'closed'))
);
CREATE INDEX idx_status_change_ticket ON ticket_status_changes (ticket_id, created_at);
CREATE TRIGGER ticket_status_changes_append_only
    BEFORE UPDATE OR DELETE ON ticket_status_changes
    FOR EACH ROW EXECUTE FUNCTION rapport_append_only();

-- The queue: one index range scan per view and filter, in sort order, for keyset pages.
CREATE INDEX idx_ticket_queue ON tickets (status, priority_rank, next_due_at, id)
    WHERE status IN ('open', 'pending');
CREATE INDEX idx_ticket_queue_assignee ON tickets (assignee_id, status, priority_rank, next_due_at, id);
CREATE INDEX idx_ticket_queue_team ON tickets (team, status, priority_rank, next_due_at, id);
-- Solved and closed views list the most recently updated first.
CREATE INDEX idx_ticket_done ON tickets (status, updated_at, id)
    WHERE status IN ('solved', 'closed');
-- Reports look at the last 30 days.
CREATE INDEX idx_ticket_created ON tickets (created_at);
CREATE INDEX idx_ticket_solved_at ON tickets (solved_at) WHERE solved_at IS NOT NULL;

-- Deadlines follow the facts they come from, whoever writes the row (the desk, the
-- seeds, an import): the policy is chosen on insert and when the priority changes.
-- +goose StatementBegin
CREATE FUNCTION desk_tickets_sla() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p sla_policies;
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.updated_at := NEW.created_at;
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.sla_policy_id IS NULL)
       OR (TG_OP = 'UPDATE' AND NEW.priority IS DISTINCT FROM OLD.priority) THEN
        p := desk_sla_policy(NEW.priority);
        NEW.sla_policy_id := p.id;
        NEW.sla_first_response_mins := p.first_response_mins;
        NEW.sla_resolve_mins := p.resolve_mins;
    END IF;
    NEW.first_response_due_at := NEW.created_at + NEW.sla_first_response_mins * interval '1 minute';
    NEW.resolve_due_at := NEW.created_at + NEW.sla_resolve_mins * interval '1 minute'
                          + NEW.paused_secs * interval '1 second';
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER tickets_sla
    BEFORE INSERT OR UPDATE OF priority, paused_secs ON tickets
    FOR EACH ROW EXECUTE FUNCTION desk_tickets_sla();

-- A thread's facts, kept for every writer of ticket_messages in one statement per
-- INSERT: the first public reply by someone other than the requester, and the last
-- activity. Tickets written already pending, solved or closed by something other than
-- the desk (seeds, imports) get their clock bookkeeping from their thread: solved when
-- the last message was written, paused since the last staff message.
-- +goose StatementBegin
CREATE FUNCTION desk_thread_facts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets t SET
        first_response_at = least(t.first_response_at, a.first_reply),
        updated_at = greatest(t.updated_at, a.last_at),
        solved_at = CASE WHEN t.solved_at IS NULL AND t.status IN ('solved', 'closed')
                         THEN a.last_at ELSE t.solved_at END,
        paused_since = CASE WHEN t.paused_since IS NOT NULL OR t.status = 'open' THEN t.paused_since
                            WHEN t.status = 'pending' THEN coalesce(a.last_staff_at, a.last_at)
                            ELSE coalesce(t.solved_at, a.last_at) END
    FROM (
        SELECT n.ticket_id,
               min(n.created_at) FILTER (WHERE NOT n.is_internal AND n.author_id <> k.requester_id) AS first_reply,
               max(n.created_at) AS last_at,
               max(n.created_at) FILTER (WHERE n.author_id <> k.requester_id) AS last_staff_at
        FROM new_messages n
        JOIN tickets k ON k.id = n.ticket_id
        GROUP BY n.ticket_id
    ) a
    WHERE t.id = a.ticket_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_messages_facts
    AFTER INSERT ON ticket_messages
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION desk_thread_facts();

-- Tickets that exist already: their policy (setting paused_secs runs tickets_sla for
-- the deadlines), then their thread's facts, as desk_thread_facts would have kept them.
UPDATE tickets t SET
    (sla_policy_id, sla_first_response_mins, sla_resolve_mins) =
        (SELECT p.id, p.first_response_mins, p.resolve_mins FROM desk_sla_policy(t.priority) p),
    paused_secs = 0;

UPDATE tickets t SET
    first_response_at = a.first_reply,
    updated_at = greatest(t.created_at, a.last_at),
    solved_at = CASE WHEN t.status IN ('solved', 'closed') THEN coalesce(a.last_at, t.created_at) END,
    paused_since = CASE WHEN t.status = 'pending' THEN coalesce(a.last_staff_at, a.last_at, t.created_at)
                        WHEN t.status IN ('solved', 'closed') THEN coalesce(a.last_at, t.created_at) END
FROM tickets k
LEFT JOIN (
    SELECT m.ticket_id,
           min(m.created_at) FILTER (WHERE NOT m.is_internal AND m.author_id <> r.requester_id) AS first_reply,
           max(m.created_at) AS last_at,
           max(m.created_at) FILTER (WHERE m.author_id <> r.requester_id) AS last_staff_at
    FROM ticket_messages m
    JOIN tickets r ON r.id = m.ticket_id
    GROUP BY m.ticket_id
) a ON a.ticket_id = k.id
WHERE t.id = k.id;

-- +goose Down
DROP TRIGGER ticket_messages_facts ON ticket_messages;
DROP FUNCTION desk_thread_facts();
DROP TRIGGER tickets_sla ON tickets;
DROP FUNCTION desk_tickets_sla();
DROP TABLE ticket_status_changes;
DROP INDEX idx_ticket_solved_at;
DROP INDEX idx_ticket_created;
DROP INDEX idx_ticket_done;
DROP INDEX idx_ticket_queue_team;
DROP INDEX idx_ticket_queue_assignee;
DROP INDEX idx_ticket_queue;
ALTER TABLE sla_policies DROP CONSTRAINT sla_policies_minutes_check;
ALTER TABLE tickets
    DROP COLUMN next_due_at,
    DROP COLUMN priority_rank,
    DROP COLUMN paused_secs,
    DROP COLUMN paused_since,
    DROP COLUMN solved_at,
    DROP COLUMN first_response_at,
    DROP COLUMN resolve_due_at,
    DROP COLUMN first_response_due_at,
    DROP COLUMN sla_resolve_mins,
    DROP COLUMN sla_first_response_mins,
    DROP COLUMN sla_policy_id,
    DROP COLUMN updated_by,
    DROP COLUMN version,
    DROP COLUMN updated_at,
    DROP COLUMN team,
    DROP COLUMN assignee_id;
DROP FUNCTION desk_sla_policy(text);
