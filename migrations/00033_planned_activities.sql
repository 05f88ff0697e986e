-- +goose Up
-- Planned activities (issue 10): the next steps a rep schedules on a deal, as Pipedrive
-- has them. The seeds' activities table stays what it is, an append-only log of what
-- happened: planned work lives in planned_activities, and marking one done appends an
-- entry to the log (planned_id, planned_event, planned_label say which and how).

-- The kinds of planned activity. The first five come with Rapport; an admin adds more
-- (/admin/activity-types) and hides those no longer used (active = false keeps the
-- activities that have one readable). key is what planned_activities.type stores.
CREATE TABLE activity_types (
    key        text PRIMARY KEY,
    label      text NOT NULL,
    position   integer NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activity_types_key_check CHECK (key ~ '^[a-z][a-z0-9_]{0,31}$'),
    CONSTRAINT activity_types_label_check CHECK (length(label) BETWEEN 1 AND 40)
);
CREATE UNIQUE INDEX activity_types_label_unique ON activity_types (lower(label));
INSERT INTO activity_types (key, label, position) VALUES
    ('call', 'Call', 1), ('meeting', 'Meeting', 2), ('email', 'Email', 3), ('task', 'Task', 4), ('deadline', 'Deadline', 5);

-- A planned activity. Its day is due_date, a calendar day as the planner chose it; a
-- timed one also has due_time, a wall-clock time in time_zone (the planner's zone when
-- it was saved), and due_at, that instant. due_sort orders a day's activities: due_at,
-- or for an all-day activity the start of its day in time_zone, so all-day ones come
-- first. Lists page by (due_date, due_sort, id). remind_at is due_at minus remind_mins,
-- and reminded_at is set in the transaction that queues the reminder's email.
CREATE TABLE planned_activities (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    deal_id       uuid NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    contact_id    uuid REFERENCES contacts(id) ON DELETE SET NULL,
    type          text NOT NULL REFERENCES activity_types(key),
    subject       text NOT NULL,
    note          text NOT NULL DEFAULT '',
    due_date      date NOT NULL,
    due_time      time,
    time_zone     text NOT NULL DEFAULT 'UTC',
    due_at        timestamptz,
    due_sort      timestamptz NOT NULL,
    duration_mins integer,
    remind_mins   integer,
    remind_at     timestamptz,
    reminded_at   timestamptz,
    assignee_id   text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz,
    done_by       text,
    CONSTRAINT planned_activities_subject_check CHECK (length(subject) BETWEEN 1 AND 200),
    CONSTRAINT planned_activities_note_check CHECK (length(note) <= 10000),
    CONSTRAINT planned_activities_due_check CHECK (due_date BETWEEN DATE '2000-01-01' AND DATE '2199-12-31'),
    CONSTRAINT planned_activities_time_check CHECK ((due_time IS NULL) = (due_at IS NULL)),
    CONSTRAINT planned_activities_zone_check CHECK (length(time_zone) BETWEEN 1 AND 64),
    CONSTRAINT planned_activities_duration_check CHECK (duration_mins BETWEEN 1 AND 1440),
    CONSTRAINT planned_activities_remind_check CHECK ((remind_mins IS NULL AND remind_at IS NULL)
        OR (remind_mins IS NOT NULL AND remind_mins BETWEEN 0 AND 10080 AND due_at IS NOT NULL AND remind_at IS NOT NULL)),
    CONSTRAINT planned_activities_done_check CHECK ((done_at IS NULL) = (done_by IS NULL))
);

-- "My activities" and the navigation's count (a rep's open ones by day), everyone's
-- open ones, the done ones newest first (a rep's and everyone's), a deal's (its next
-- activity, its page; also what deleting a deal cascades through), a contact's (ON
-- DELETE SET NULL), and the reminders waiting to be sent.
CREATE INDEX planned_open_assignee_idx ON planned_activities (assignee_id, due_date, due_sort, id) WHERE done_at IS NULL;
CREATE INDEX planned_open_idx ON planned_activities (due_date, due_sort, id) WHERE done_at IS NULL;
CREATE INDEX planned_done_assignee_idx ON planned_activities (assignee_id, done_at DESC, id DESC) WHERE done_at IS NOT NULL;
CREATE INDEX planned_done_idx ON planned_activities (done_at DESC, id DESC) WHERE done_at IS NOT NULL;
CREATE INDEX planned_deal_idx ON planned_activities (deal_id, due_date, due_sort, id);
CREATE INDEX planned_contact_idx ON planned_activities (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX planned_remind_idx ON planned_activities (remind_at) WHERE reminded_at IS NULL AND done_at IS NULL AND remind_at IS NOT NULL;

-- The deal's next open activity (the earliest by due_date, due_sort, id), kept by every
-- change of its planned activities in the same transaction, so that the board's cards
-- read it with the deal (Pipedrive's next_activity_date). NULL: none planned.
ALTER TABLE deals
    ADD COLUMN next_activity_date date,
    ADD COLUMN next_activity_at timestamptz;

-- A log entry written by completing (or reopening) a planned activity: which one, what
-- happened, and its type's label as it was (the log's own type is call, email or note,
-- as the seeds' check allows). No foreign key: the log outlives a deleted plan.
ALTER TABLE activities
    ADD COLUMN planned_id uuid,
    ADD COLUMN planned_event text,
    ADD COLUMN planned_label text,
    ADD CONSTRAINT activities_planned_event_check CHECK (planned_event IN ('done', 'reopened')),
    ADD CONSTRAINT activities_planned_label_check CHECK (length(planned_label) <= 40);

-- +goose Down
ALTER TABLE activities DROP CONSTRAINT activities_planned_label_check, DROP CONSTRAINT activities_planned_event_check,
    DROP COLUMN planned_label, DROP COLUMN planned_event, DROP COLUMN planned_id;
ALTER TABLE deals DROP COLUMN next_activity_at, DROP COLUMN next_activity_date;
DROP TABLE planned_activities;
DROP TABLE activity_types;
