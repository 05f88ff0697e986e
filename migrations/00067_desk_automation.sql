-- +goose Up
-- Desk automation (issue 13): solved tickets close after close_solved_after_days; a
-- pending ticket with no answer from the requester gets one reminder after
-- pending_remind_after_days and is solved pending_solve_after_days after it. NULL turns
-- a rule off. The desk_automation job does it, claiming tickets in bounded batches
-- (FOR UPDATE SKIP LOCKED, then UPDATE ... RETURNING) so each change happens once
-- whatever the replicas.
ALTER TABLE workspace_settings
    ADD COLUMN close_solved_after_days integer DEFAULT 4,
    ADD COLUMN pending_remind_after_days integer,
    ADD COLUMN pending_solve_after_days integer,
    ADD CONSTRAINT workspace_settings_close_solved_check CHECK (close_solved_after_days BETWEEN 1 AND 365),
    ADD CONSTRAINT workspace_settings_pending_remind_check CHECK (pending_remind_after_days BETWEEN 1 AND 365),
    ADD CONSTRAINT workspace_settings_pending_solve_check CHECK (pending_solve_after_days BETWEEN 1 AND 365);

-- When the pending reminder of the ticket's current pending stretch went (one earlier
-- than paused_since belongs to an earlier stretch).
ALTER TABLE tickets ADD COLUMN pending_reminded_at timestamptz;

CREATE INDEX idx_ticket_solved_waiting ON tickets (solved_at) WHERE status = 'solved';
CREATE INDEX idx_ticket_pending_since ON tickets (paused_since) WHERE status = 'pending';

-- The actor of the automation's changes in ticket histories (ticket_status_changes
-- needs a user) is the user 'rapport-automation', which the job writes the first time it
-- changes a ticket: banned, without a password, no agent.

-- +goose Down
DROP INDEX idx_ticket_pending_since;
DROP INDEX idx_ticket_solved_waiting;
ALTER TABLE tickets DROP COLUMN pending_reminded_at;
ALTER TABLE workspace_settings
    DROP COLUMN pending_solve_after_days,
    DROP COLUMN pending_remind_after_days,
    DROP COLUMN close_solved_after_days;
