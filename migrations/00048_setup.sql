-- +goose Up
-- First run (issue 14): the workspace's name and time zone, typed on /setup, and when
-- setup finished; and the desk's teams as rows of their own, so that a team exists
-- (for tickets, mailboxes and the agent form to choose) before any agent is in it.
-- An agent's team stays agents.team (the seed's column); teams lists the names.
ALTER TABLE workspace_settings
    ADD COLUMN company_name text NOT NULL DEFAULT '',
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN setup_at timestamptz,
    ADD CONSTRAINT workspace_settings_company_name_check CHECK (length(company_name) <= 100),
    ADD CONSTRAINT workspace_settings_time_zone_check CHECK (length(time_zone) BETWEEN 1 AND 64);

CREATE TABLE teams (
    name       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_name_check CHECK (length(name) BETWEEN 1 AND 100)
);
INSERT INTO teams (name)
SELECT DISTINCT team FROM agents WHERE team IS NOT NULL AND team <> '' AND length(team) <= 100
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE teams;
ALTER TABLE workspace_settings
    DROP COLUMN setup_at,
    DROP COLUMN time_zone,
    DROP COLUMN company_name;
