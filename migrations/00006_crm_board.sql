-- +goose Up
-- Sales CRM additions to the seeds' schema (nothing of it is renamed or dropped):
-- de-duplication enforced by the database, the stage history behind the deal timeline
-- and "days in stage", and the indexes the board, the lists and their search need at
-- 100k+ deals.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Companies are de-duplicated on their normalised domain (internal/crm NormalizeDomain).
-- The seeds' idx_company_domain stays; this one is what makes two concurrent creates fail.
CREATE UNIQUE INDEX companies_domain_unique ON companies (domain) WHERE domain IS NOT NULL;
CREATE INDEX companies_name_idx ON companies (lower(name), id);
CREATE INDEX companies_created_idx ON companies (created_at DESC, id DESC);
CREATE INDEX companies_search_idx ON companies USING gin ((name || ' ' || coalesce(domain, '')) gin_trgm_ops);

-- A contact is found (and matched on import) by email, whatever its case.
CREATE UNIQUE INDEX contacts_email_unique ON contacts (lower(email));
CREATE INDEX contacts_owner_created_idx ON contacts (owner_id, created_at DESC, id DESC);
CREATE INDEX contacts_created_idx ON contacts (created_at DESC, id DESC);
CREATE INDEX contacts_search_idx ON contacts USING gin ((coalesce(name, '') || ' ' || email) gin_trgm_ops);

CREATE UNIQUE INDEX pipelines_name_unique ON pipelines (name);

-- The owner choices on every CRM form and filter: a few hundred reps among tens of
-- thousands of customers.
CREATE INDEX user_assignable_idx ON "user" (name, id) WHERE role IN ('sales', 'admin') AND NOT banned;

-- When the deal entered its current stage: "days in stage" on the board, and the order
-- of a board column (most recently moved first).
ALTER TABLE deals ADD COLUMN stage_changed_at timestamptz NOT NULL DEFAULT now();

-- A new deal has been in its stage since it was created, also when the creator (an
-- import, the seed) dates created_at in the past.
-- +goose StatementBegin
CREATE FUNCTION crm_deal_stage_since_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.stage_changed_at := NEW.created_at;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER deals_stage_since_created
    BEFORE INSERT ON deals
    FOR EACH ROW EXECUTE FUNCTION crm_deal_stage_since_created();
UPDATE deals SET stage_changed_at = created_at;

-- The board: a column is (pipeline, stage) in stage_changed_at order, read 25 cards at
-- a time. One rep's board reads its own index for the cards and, index-only (the
-- INCLUDE columns), for the totals. Everyone's totals read half a pipeline; there
-- Postgres rightly prefers the heap (a covering index measured no faster at scale 20).
CREATE INDEX deals_board_idx ON deals (pipeline_id, stage, stage_changed_at DESC, id DESC);
CREATE INDEX deals_board_owner_idx ON deals (pipeline_id, owner_id, stage, stage_changed_at DESC, id DESC)
    INCLUDE (amount_cents, close_date);
-- The deal list ("mine" by default) and a rep's overview across pipelines.
CREATE INDEX deals_owner_created_idx ON deals (owner_id, created_at DESC, id DESC);
CREATE INDEX deals_created_idx ON deals (created_at DESC, id DESC);
CREATE INDEX deals_search_idx ON deals USING gin (title gin_trgm_ops);
-- The overview: open deals by close date (overdue, closing soon), a rep's or everyone's.
CREATE INDEX deals_open_close_idx ON deals (close_date) WHERE stage IN ('lead', 'qualified');
CREATE INDEX deals_owner_open_close_idx ON deals (owner_id, close_date) WHERE stage IN ('lead', 'qualified');

-- Every stage change, with who and when: an append-only log like activities.
CREATE TABLE deal_stage_changes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    deal_id    uuid NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    from_stage text NOT NULL,
    to_stage   text NOT NULL,
    actor_id   text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deal_stage_changes_from_check CHECK (from_stage IN ('lead', 'qualified', 'won', 'lost')),
    CONSTRAINT deal_stage_changes_to_check CHECK (to_stage IN ('lead', 'qualified', 'won', 'lost'))
);
CREATE INDEX deal_stage_changes_deal_time_idx ON deal_stage_changes (deal_id, changed_at);

CREATE TRIGGER deal_stage_changes_append_only
    BEFORE UPDATE OR DELETE ON deal_stage_changes
    FOR EACH ROW EXECUTE FUNCTION rapport_append_only();

-- +goose Down
DROP TABLE deal_stage_changes;
DROP INDEX deals_owner_open_close_idx;
DROP INDEX deals_open_close_idx;
DROP INDEX deals_search_idx;
DROP INDEX deals_created_idx;
DROP INDEX deals_owner_created_idx;
DROP INDEX deals_board_owner_idx;
DROP INDEX deals_board_idx;
DROP TRIGGER deals_stage_since_created ON deals;
DROP FUNCTION crm_deal_stage_since_created();
ALTER TABLE deals DROP COLUMN stage_changed_at;
DROP INDEX user_assignable_idx;
DROP INDEX pipelines_name_unique;
DROP INDEX contacts_search_idx;
DROP INDEX contacts_created_idx;
DROP INDEX contacts_owner_created_idx;
DROP INDEX contacts_email_unique;
DROP INDEX companies_search_idx;
DROP INDEX companies_created_idx;
DROP INDEX companies_name_idx;
DROP INDEX companies_domain_unique;
