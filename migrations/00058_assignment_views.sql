-- +goose Up
-- Assignment and views (issue 13): round-robin assignment per team, agents' away flag
-- and capacity, the assignment history, saved queue views and the indexes of the
-- built-in views "Breaching soon" and open tickets sorted by last update.

-- A team may hand its new tickets to its available agents in turn. The cursor is the
-- agent who got the last one: the next is the first available agent after them in id
-- order (wrapping), chosen with the team's row locked in the ticket's transaction.
ALTER TABLE teams
    ADD COLUMN round_robin boolean NOT NULL DEFAULT false,
    ADD COLUMN rr_last_user_id text;

-- Away: set by the agent (or an admin); round robin skips them. Capacity: at most this
-- many open or pending tickets before round robin skips them (NULL: no limit).
ALTER TABLE agents
    ADD COLUMN away boolean NOT NULL DEFAULT false,
    ADD COLUMN capacity integer,
    ADD CONSTRAINT agents_capacity_check CHECK (capacity BETWEEN 1 AND 10000);

-- Who gave a ticket to whom and why: an agent's assignment on the ticket page, "Take
-- it", round robin (actor NULL), or an agent's deactivation returning it to the team.
CREATE TABLE ticket_assignment_changes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     uuid NOT NULL,
    actor_id      text,
    from_assignee text,
    to_assignee   text,
    from_team     text,
    to_team       text,
    reason        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_assignment_changes_ticket_id_tickets_id_fk FOREIGN KEY (ticket_id)
        REFERENCES tickets(id) ON DELETE CASCADE,
    CONSTRAINT ticket_assignment_changes_actor_id_user_id_fk FOREIGN KEY (actor_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT ticket_assignment_changes_reason_check
        CHECK (reason IN ('manual', 'take', 'round_robin', 'deactivated'))
);
CREATE INDEX idx_assignment_change_ticket ON ticket_assignment_changes (ticket_id, created_at);
CREATE TRIGGER ticket_assignment_changes_append_only
    BEFORE UPDATE OR DELETE ON ticket_assignment_changes
    FOR EACH ROW EXECUTE FUNCTION rapport_append_only();

-- A saved view: the queue's filters and sort under a name, the owner's alone or shared
-- with every agent. Typed columns, each with the check the query string gets.
CREATE TABLE desk_views (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      text NOT NULL,
    name          text NOT NULL,
    shared        boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'open',
    priority      text,
    team          text,
    no_team       boolean NOT NULL DEFAULT false,
    assignee      text NOT NULL DEFAULT '',
    due_soon      boolean NOT NULL DEFAULT false,
    solved_recent boolean NOT NULL DEFAULT false,
    sort          text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT desk_views_owner_id_user_id_fk FOREIGN KEY (owner_id)
        REFERENCES "user"(id) ON DELETE CASCADE,
    CONSTRAINT desk_views_name_check CHECK (length(name) BETWEEN 1 AND 80),
    CONSTRAINT desk_views_status_check CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    CONSTRAINT desk_views_priority_check CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    CONSTRAINT desk_views_team_check CHECK (length(team) BETWEEN 1 AND 100),
    CONSTRAINT desk_views_assignee_check CHECK (assignee IN ('', 'mine', 'none')),
    CONSTRAINT desk_views_sort_check CHECK (sort IN ('', 'updated')),
    CONSTRAINT desk_views_version_check CHECK (version > 0)
);
CREATE INDEX idx_desk_view_owner ON desk_views (owner_id, name);
CREATE INDEX idx_desk_view_shared ON desk_views (name) WHERE shared;

-- A saved view's count, capped: the statement is written with the view's values as
-- literals (EXECUTE), so it is planned for them and takes the index they match, as the
-- queue's own counts are (internal/desk/queue_list.go, countSQL); a generic plan over the
-- view's columns would read every ticket of the status.
-- +goose StatementBegin
CREATE FUNCTION desk_view_count(p_status text, p_priority text, p_team text, p_no_team boolean,
    p_assignee text, p_me text, p_due_soon boolean, p_solved_recent boolean, p_cap integer)
RETURNS integer LANGUAGE plpgsql STABLE AS $$
DECLARE
    q text := 'SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE t.status = ' || quote_literal(p_status);
    n integer;
BEGIN
    IF p_priority IS NOT NULL THEN q := q || ' AND t.priority = ' || quote_literal(p_priority); END IF;
    IF p_team IS NOT NULL THEN q := q || ' AND t.team = ' || quote_literal(p_team); END IF;
    IF p_no_team THEN q := q || ' AND t.team IS NULL'; END IF;
    IF p_assignee = 'mine' THEN q := q || ' AND t.assignee_id = ' || quote_nullable(p_me); END IF;
    IF p_assignee = 'none' THEN q := q || ' AND t.assignee_id IS NULL'; END IF;
    IF p_due_soon THEN q := q || ' AND t.next_due_at < now() + interval ''1 hour'''; END IF;
    IF p_solved_recent THEN q := q || ' AND t.solved_at >= now() - interval ''7 days'''; END IF;
    EXECUTE q || ' LIMIT ' || p_cap::text || ') x' INTO n;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- "Breaching soon": open tickets by their next deadline.
CREATE INDEX idx_ticket_open_due ON tickets (next_due_at, id) WHERE status = 'open';
-- Open and pending sorted by last update (a view's "Recently updated" sort).
CREATE INDEX idx_ticket_active_updated ON tickets (status, updated_at, id)
    WHERE status IN ('open', 'pending');

-- +goose Down
DROP INDEX idx_ticket_active_updated;
DROP INDEX idx_ticket_open_due;
DROP FUNCTION desk_view_count(text, text, text, boolean, text, text, boolean, boolean, integer);
DROP TABLE desk_views;
DROP TABLE ticket_assignment_changes;
ALTER TABLE agents DROP CONSTRAINT agents_capacity_check, DROP COLUMN capacity, DROP COLUMN away;
ALTER TABLE teams DROP COLUMN rr_last_user_id, DROP COLUMN round_robin;
