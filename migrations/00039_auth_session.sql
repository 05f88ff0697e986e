-- +goose Up
-- Rapport's own session store (internal/auth/session_store.go), replacing scs's
-- "sessions" table. A row is a browser's session, found by the SHA-256 of the token in
-- its cookie: the token itself is never stored, so a copy of this table signs nobody in.
-- Either user_id is set (signed in, at session_version "version") or pending_user_id
-- (the password was right and the second step of a two-step sign-in is awaited until
-- pending_until, with "next" the page to go on to). seen_at is the idle timeout's
-- clock, moved at most once a minute by the statement that loads the session;
-- expires_at ends the session however active it is. user_agent and address are the
-- browser's at sign-in, for the account page's list of active sessions. id names a
-- session on that page (the hash never leaves the database).
--
-- The old sessions are dropped, not converted: their tokens are stored in clear, and
-- everyone signs in again once after this upgrade.
CREATE TABLE auth_session (
    token_hash      bytea PRIMARY KEY CONSTRAINT auth_session_token_hash_check CHECK (length(token_hash) = 32),
    id              uuid NOT NULL DEFAULT gen_random_uuid() CONSTRAINT auth_session_id_unique UNIQUE,
    user_id         text REFERENCES "user"(id) ON DELETE CASCADE,
    version         integer NOT NULL DEFAULT 0,
    pending_user_id text REFERENCES "user"(id) ON DELETE CASCADE,
    pending_until   timestamptz,
    next            text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    seen_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    user_agent      text NOT NULL DEFAULT '' CONSTRAINT auth_session_user_agent_check CHECK (length(user_agent) <= 512),
    address         text NOT NULL DEFAULT '' CONSTRAINT auth_session_address_check CHECK (length(address) <= 64),
    CONSTRAINT auth_session_one_user_check CHECK ((user_id IS NULL) <> (pending_user_id IS NULL)),
    CONSTRAINT auth_session_pending_check CHECK ((pending_user_id IS NULL) = (pending_until IS NULL))
);
-- A user's sessions: the account page's list, and ending them all at once.
CREATE INDEX auth_session_user_idx ON auth_session (user_id);
-- Deleting a user deletes their pending sign-ins (the foreign key's lookup).
CREATE INDEX auth_session_pending_user_idx ON auth_session (pending_user_id) WHERE pending_user_id IS NOT NULL;
-- The periodic purge of expired sessions (internal/auth/session_purge_job.go).
CREATE INDEX auth_session_expires_idx ON auth_session (expires_at);

DROP TABLE sessions;

-- +goose Down
CREATE TABLE sessions (
    token   text PRIMARY KEY,
    data    bytea NOT NULL,
    expiry  timestamptz NOT NULL,
    user_id text REFERENCES "user"(id) ON DELETE CASCADE,
    seen_at timestamptz
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
CREATE INDEX sessions_user_idx ON sessions (user_id);
DROP TABLE auth_session;
