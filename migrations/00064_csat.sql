-- +goose Up
-- Customer satisfaction (issue 13; internal/desk/csat_*.go). One row per solve that
-- emailed the requester: the email's Good / Bad links name the row and carry an HMAC
-- (a key derived from SECRET_KEY), so the id alone rates nothing. rating is NULL until
-- the requester answers; the first answer is kept (rated_at), a comment may follow once.
-- agent_id and team are the ticket's when it was solved: the reports count by them.
CREATE TABLE ticket_ratings (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id  uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    agent_id   text REFERENCES "user" (id) ON DELETE SET NULL,
    team       text,
    rating     text,
    comment    text,
    solved_at  timestamptz NOT NULL DEFAULT now(),
    rated_at   timestamptz,
    CONSTRAINT ticket_ratings_rating_check CHECK (rating IN ('good', 'bad')),
    CONSTRAINT ticket_ratings_rated_check CHECK ((rating IS NULL) = (rated_at IS NULL)),
    CONSTRAINT ticket_ratings_comment_check CHECK (length(comment) <= 5000)
);
CREATE INDEX ticket_ratings_ticket_idx ON ticket_ratings (ticket_id, solved_at);
-- The reports: rated solves by week.
CREATE INDEX ticket_ratings_rated_idx ON ticket_ratings (rated_at) WHERE rated_at IS NOT NULL;
CREATE INDEX ticket_ratings_agent_idx ON ticket_ratings (agent_id) WHERE agent_id IS NOT NULL;

-- +goose Down
DROP TABLE ticket_ratings;
