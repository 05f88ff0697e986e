-- +goose Up
-- Business hours (issue 13): calendars of weekly opening hours in an IANA time zone,
-- with holidays; an SLA policy uses one or runs 24/7 (NULL, as before). A ticket of a
-- policy with a calendar has its deadlines (first_response_due_at, resolve_due_at, and so
-- the generated next_due_at) computed in Go (internal/desk/hours) and stored in the
-- transaction of every change that moves them; tickets_sla still computes the 24/7 ones.
CREATE TABLE business_calendars (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    -- An IANA zone name ("Europe/Berlin"), checked by the application.
    zone       text NOT NULL,
    -- The weekly ranges: a JSON array of seven days, Sunday first, each an array of
    -- [start, end] pairs in minutes since midnight (0 <= start < end <= 1440).
    week       jsonb NOT NULL,
    -- Whole days off, in the calendar's zone.
    holidays   date[] NOT NULL DEFAULT '{}',
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT business_calendars_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT business_calendars_zone_check CHECK (length(zone) BETWEEN 1 AND 64),
    CONSTRAINT business_calendars_week_check CHECK (jsonb_typeof(week) = 'array' AND jsonb_array_length(week) = 7),
    CONSTRAINT business_calendars_holidays_check CHECK (cardinality(holidays) <= 500),
    CONSTRAINT business_calendars_version_check CHECK (version > 0)
);
CREATE UNIQUE INDEX business_calendars_name_unique ON business_calendars (lower(name));

ALTER TABLE sla_policies
    ADD COLUMN calendar_id uuid,
    ADD CONSTRAINT sla_policies_calendar_id_fk FOREIGN KEY (calendar_id)
        REFERENCES business_calendars(id) ON DELETE RESTRICT;
CREATE INDEX sla_policies_calendar_idx ON sla_policies (calendar_id) WHERE calendar_id IS NOT NULL;

-- The open tickets of a policy, for recomputing their deadlines when the policy's
-- calendar or the calendar changes (in bounded batches, by id).
CREATE INDEX idx_ticket_policy_active ON tickets (sla_policy_id, id) WHERE status IN ('open', 'pending');

-- Policies whose open tickets still need their deadlines recomputed after a calendar
-- or policy edit larger than one batch: the sla_due_recompute job takes a row (FOR
-- UPDATE SKIP LOCKED), recomputes the next batch after after_id and moves it on, and
-- deletes the row when done.
CREATE TABLE sla_due_recompute (
    policy_id    uuid PRIMARY KEY,
    after_id     uuid,
    requested_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sla_due_recompute_policy_id_fk FOREIGN KEY (policy_id)
        REFERENCES sla_policies(id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE sla_due_recompute;
DROP INDEX idx_ticket_policy_active;
DROP INDEX sla_policies_calendar_idx;
ALTER TABLE sla_policies DROP COLUMN calendar_id;
DROP TABLE business_calendars;
