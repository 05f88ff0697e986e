-- +goose Up
-- SLA breach warnings (issue 13): the assignee (or, unassigned, the team's agents) is
-- emailed once warn_before_mins before a ticket's next deadline and once when it is
-- breached. Each mail is claimed by writing the deadline it is about into the ticket
-- (sla_warned_for, sla_breach_mailed_for) in the statement that picks the ticket, so it
-- goes once whatever the replicas; a deadline that moves (a pause, the first reply met
-- and the resolution next) is a new deadline and warned about again.
ALTER TABLE sla_policies
    ADD COLUMN warn_before_mins integer DEFAULT 60,
    ADD CONSTRAINT sla_policies_warn_before_check CHECK (warn_before_mins IS NULL OR warn_before_mins BETWEEN 1 AND 1440);

ALTER TABLE tickets
    ADD COLUMN sla_warned_for timestamptz,
    ADD COLUMN sla_breach_mailed_for timestamptz;

-- The open tickets whose next deadline has not had its warning (or its breach mail), by
-- that deadline: the jobs' scans are a range of these.
CREATE INDEX idx_ticket_warn_due ON tickets (next_due_at)
    WHERE status = 'open' AND sla_warned_for IS DISTINCT FROM next_due_at;
CREATE INDEX idx_ticket_breach_due ON tickets (next_due_at)
    WHERE status = 'open' AND sla_breach_mailed_for IS DISTINCT FROM next_due_at;

-- Deadlines already past when this ships are not mailed about.
UPDATE tickets SET sla_warned_for = next_due_at, sla_breach_mailed_for = next_due_at
WHERE status = 'open' AND next_due_at <= now();

-- +goose Down
DROP INDEX idx_ticket_breach_due;
DROP INDEX idx_ticket_warn_due;
ALTER TABLE tickets DROP COLUMN sla_breach_mailed_for, DROP COLUMN sla_warned_for;
ALTER TABLE sla_policies DROP COLUMN warn_before_mins;
