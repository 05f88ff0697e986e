-- +goose Up
-- Identity tables in the shape Better Auth gives them (snake_case columns, text ids),
-- so the seeds' domain tables can reference "user"(id) and a database created by the
-- seed stack could be adopted. Rapport's additions are marked.

CREATE TABLE "user" (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    email          text NOT NULL,
    email_verified boolean NOT NULL DEFAULT false,
    image          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Rapport: role and deactivation (Better Auth's admin plugin uses the same names).
    role            text NOT NULL DEFAULT 'customer',
    banned          boolean NOT NULL DEFAULT false,
    -- Rapport: bumped to end every session of the user (password change, deactivation).
    session_version integer NOT NULL DEFAULT 1,
    CONSTRAINT user_email_unique UNIQUE (email),
    CONSTRAINT user_email_lowercase_check CHECK (email = lower(email)),
    CONSTRAINT user_role_check CHECK (role IN ('customer', 'sales', 'agent', 'admin'))
);

CREATE TABLE account (
    id                       text PRIMARY KEY,
    account_id               text NOT NULL,
    provider_id              text NOT NULL,
    user_id                  text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    access_token             text,
    refresh_token            text,
    id_token                 text,
    access_token_expires_at  timestamptz,
    refresh_token_expires_at timestamptz,
    scope                    text,
    password                 text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
-- Rapport: one credential account per user.
CREATE UNIQUE INDEX account_provider_user_idx ON account (provider_id, user_id);

-- One-time tokens. identifier holds a purpose and the SHA-256 of the token (never the token).
CREATE TABLE verification (
    id         text PRIMARY KEY,
    identifier text NOT NULL,
    value      text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX verification_identifier_idx ON verification (identifier);
CREATE INDEX verification_expires_idx ON verification (expires_at);

-- scs's Postgres store.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-in counters, per account and per client address, shared by every replica.
CREATE TABLE auth_throttle (
    key          text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- +goose Down
DROP TABLE auth_throttle;
DROP TABLE sessions;
DROP TABLE verification;
DROP TABLE account;
DROP TABLE "user";
