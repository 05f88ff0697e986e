-- +goose Up
-- What planned activities need from each user (issue 10): their time zone (an IANA name,
-- checked against Go's and Postgres's zone databases when saved; "today" and every
-- date on a page follow it), whether they get the morning email of their day's
-- activities, the secret of their calendar feed, and the record of each morning email.
ALTER TABLE "user"
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN activity_digest boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT user_time_zone_check CHECK (length(time_zone) BETWEEN 1 AND 64);

-- A user's iCalendar feed: the SHA-256 of its secret (random, 256 bits: no slow hash
-- needed), never the secret. One per user; rotating replaces it.
CREATE TABLE calendar_feeds (
    user_id    text PRIMARY KEY REFERENCES "user"(id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_feeds_hash_check CHECK (length(token_hash) = 32)
);
CREATE UNIQUE INDEX calendar_feeds_hash_unique ON calendar_feeds (token_hash);

-- One row per user and local day whose morning email was decided: claimed with
-- ON CONFLICT DO NOTHING in the transaction that queues the email, so each user gets
-- at most one per day, whatever the replicas, retries and restarts. activities is how
-- many it listed (0: nothing was due, no email went out).
CREATE TABLE activity_digests (
    user_id    text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    local_date date NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    activities integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, local_date)
);

-- +goose Down
DROP TABLE activity_digests;
DROP TABLE calendar_feeds;
ALTER TABLE "user" DROP CONSTRAINT user_time_zone_check, DROP COLUMN activity_digest, DROP COLUMN time_zone;
