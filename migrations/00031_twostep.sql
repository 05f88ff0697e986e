-- +goose Up
-- Two-step sign-in (TOTP, RFC 6238) for staff, its recovery codes, the workspace's
-- settings (the two-step requirement first), and a note on sign-in counters so a
-- throttled attacker writes one audit entry per lock, not one per attempt.

-- A user's authenticator secret. The secret is sealed (internal/secret, AES-256-GCM under
-- SECRET_KEY, for "twostep:<user_id>"), never stored in the clear. A row with enabled_at
-- NULL is an enrolment waiting for its first code; sign-in uses only enabled rows.
-- last_step is the time step (Unix time / 30 s) of the last code accepted: a code of that
-- step or an earlier one is refused, so a code works once.
CREATE TABLE user_twostep (
    user_id    text PRIMARY KEY REFERENCES "user"(id) ON DELETE CASCADE,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    enabled_at timestamptz,
    last_step  bigint,
    CONSTRAINT user_twostep_secret_size_check CHECK (length(secret) BETWEEN 29 AND 256)
);

-- One-time recovery codes, as the SHA-256 of the code (random, 50 bits and more: no slow
-- hash needed). A used code keeps its row, with used_at, so the account page can say how
-- many are left; a new set replaces the old one whole.
CREATE TABLE twostep_recovery_code (
    user_id    text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash),
    CONSTRAINT twostep_recovery_code_hash_check CHECK (length(code_hash) = 32)
);

-- The workspace's settings: one row (id is always true), which later settings (company
-- name, time zone, currency) extend with columns. twostep_roles: the staff roles that
-- must use two-step sign-in.
CREATE TABLE workspace_settings (
    id            boolean PRIMARY KEY DEFAULT true,
    twostep_roles text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspace_settings_one_row_check CHECK (id),
    CONSTRAINT workspace_settings_twostep_roles_check CHECK (twostep_roles <@ ARRAY['sales', 'agent', 'admin']::text[])
);
INSERT INTO workspace_settings DEFAULT VALUES;

-- The admin's security page counts the staff of each role (and the user list filters
-- by role): without an index that reads every customer.
CREATE INDEX user_role_idx ON "user" (role);

-- Set once a counter has refused an attempt in its current window: only that first
-- refusal is written to the audit log.
ALTER TABLE auth_throttle ADD COLUMN refusal_noted boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE auth_throttle DROP COLUMN refusal_noted;
DROP INDEX user_role_idx;
DROP TABLE workspace_settings;
DROP TABLE twostep_recovery_code;
DROP TABLE user_twostep;
