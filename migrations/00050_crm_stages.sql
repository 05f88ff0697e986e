-- +goose Up
-- A pipeline's own stages (issue 10): named, ordered, with a win probability and an
-- optional "rotting after N days". Each stage counts as one of the seeds' four values
-- (its kind), so deals.stage keeps its meaning for anything that reads it: a deal's
-- stage_id names its stage, and a foreign key on (stage_id, pipeline_id, stage) makes
-- stage the kind of that stage in the deal's pipeline, whoever writes the row. Every
-- pipeline has at least one stage of each kind (the application refuses to remove the
-- last) and exactly one won and one lost stage, which the board puts last.

CREATE TABLE pipeline_stages (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_id  uuid NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    name         text NOT NULL,
    kind         text NOT NULL,
    position     integer NOT NULL,
    probability  smallint NOT NULL,
    rotting_days integer,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pipeline_stages_kind_check CHECK (kind IN ('lead', 'qualified', 'won', 'lost')),
    CONSTRAINT pipeline_stages_name_check CHECK (char_length(name) BETWEEN 1 AND 60),
    CONSTRAINT pipeline_stages_probability_check CHECK (probability BETWEEN 0 AND 100
        AND (kind <> 'won' OR probability = 100) AND (kind <> 'lost' OR probability = 0)),
    CONSTRAINT pipeline_stages_rotting_check CHECK (rotting_days IS NULL
        OR (rotting_days BETWEEN 1 AND 3650 AND kind IN ('lead', 'qualified'))),
    -- Deferrable: a reorder swaps two positions in one statement.
    CONSTRAINT pipeline_stages_position_unique UNIQUE (pipeline_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    -- What deals' foreign key references: a stage with its pipeline and kind.
    CONSTRAINT pipeline_stages_deal_key UNIQUE (id, pipeline_id, kind)
);
CREATE UNIQUE INDEX pipeline_stages_name_unique ON pipeline_stages (pipeline_id, lower(name));
CREATE UNIQUE INDEX pipeline_stages_closed_unique ON pipeline_stages (pipeline_id, kind) WHERE kind IN ('won', 'lost');

-- Every pipeline starts with today's four columns, whoever creates it (the application,
-- the seeds, the seed stack).
-- +goose StatementBegin
CREATE FUNCTION crm_pipeline_default_stages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
    VALUES (NEW.id, 'Lead', 'lead', 1, 20), (NEW.id, 'Qualified', 'qualified', 2, 50),
           (NEW.id, 'Won', 'won', 3, 100), (NEW.id, 'Lost', 'lost', 4, 0);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER pipelines_default_stages
    AFTER INSERT ON pipelines
    FOR EACH ROW EXECUTE FUNCTION crm_pipeline_default_stages();
INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
SELECT p.id, v.name, v.kind, v.position, v.probability
FROM pipelines p
CROSS JOIN (VALUES ('Lead', 'lead', 1, 20), ('Qualified', 'qualified', 2, 50), ('Won', 'won', 3, 100), ('Lost', 'lost', 4, 0))
    AS v(name, kind, position, probability);

-- A deal's stage, and the rep's own win probability when they override the stage's.
ALTER TABLE deals
    ADD COLUMN stage_id uuid,
    ADD COLUMN probability smallint,
    ADD CONSTRAINT deals_probability_check CHECK (probability BETWEEN 0 AND 100);
UPDATE deals d SET stage_id = s.id
FROM pipeline_stages s
WHERE s.pipeline_id = d.pipeline_id AND s.kind = d.stage;
-- ON UPDATE CASCADE: a stage that changes kind (lead to qualified) changes its deals'
-- stage with it. No ON DELETE: a stage that holds deals cannot go (they move first).
ALTER TABLE deals ADD CONSTRAINT deals_stage_id_fk FOREIGN KEY (stage_id, pipeline_id, stage)
    REFERENCES pipeline_stages (id, pipeline_id, kind) ON UPDATE CASCADE;

-- A writer who knows only the seeds' columns (an insert with a stage, an update of the
-- stage or of the pipeline) gets the first stage of that kind in the deal's pipeline. A
-- writer who sets stage_id is trusted to set stage with it: the foreign key checks them.
-- +goose StatementBegin
CREATE FUNCTION crm_deal_stage_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stage_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.stage_id IS DISTINCT FROM OLD.stage_id) THEN
        RETURN NEW;
    END IF;
    IF NEW.stage_id IS NULL OR NOT EXISTS (SELECT 1 FROM pipeline_stages s
            WHERE s.id = NEW.stage_id AND s.pipeline_id = NEW.pipeline_id AND s.kind = NEW.stage) THEN
        NEW.stage_id := (SELECT s.id FROM pipeline_stages s
            WHERE s.pipeline_id = NEW.pipeline_id AND s.kind = NEW.stage
            ORDER BY s.position, s.id LIMIT 1);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER deals_stage_id
    BEFORE INSERT OR UPDATE OF stage, stage_id, pipeline_id ON deals
    FOR EACH ROW EXECUTE FUNCTION crm_deal_stage_id();

-- The board is now a column per stage: (stage_id, stage_changed_at) for everyone's
-- cards, (owner_id, stage_id, stage_changed_at) for one rep's; the INCLUDE columns make
-- a column's totals (count, amount, weighted amount) index-only, under the filters too
-- (close date, the next activity's, open or not). They replace 00006's (pipeline_id,
-- stage) board indexes, which nothing reads any more.
CREATE INDEX deals_stage_board_idx ON deals (stage_id, stage_changed_at DESC, id DESC)
    INCLUDE (amount_cents, probability, close_date, next_activity_date, next_activity_at, stage);
CREATE INDEX deals_stage_board_owner_idx ON deals (owner_id, stage_id, stage_changed_at DESC, id DESC)
    INCLUDE (amount_cents, probability, close_date, next_activity_date, next_activity_at, stage);
DROP INDEX deals_board_idx;
DROP INDEX deals_board_owner_idx;

-- The stage history keeps each stage as it was named when the deal moved (a stage
-- renamed or removed later does not rewrite the timeline). Rows from before have
-- none: they show the seeds' labels, which were the stages' names then.
ALTER TABLE deal_stage_changes
    ADD COLUMN from_stage_id uuid,
    ADD COLUMN to_stage_id uuid,
    ADD COLUMN from_name text,
    ADD COLUMN to_name text;

-- +goose Down
ALTER TABLE deal_stage_changes DROP COLUMN to_name, DROP COLUMN from_name, DROP COLUMN to_stage_id, DROP COLUMN from_stage_id;
CREATE INDEX deals_board_idx ON deals (pipeline_id, stage, stage_changed_at DESC, id DESC);
CREATE INDEX deals_board_owner_idx ON deals (pipeline_id, owner_id, stage, stage_changed_at DESC, id DESC)
    INCLUDE (amount_cents, close_date);
DROP INDEX deals_stage_board_owner_idx;
DROP INDEX deals_stage_board_idx;
DROP TRIGGER deals_stage_id ON deals;
DROP FUNCTION crm_deal_stage_id();
ALTER TABLE deals DROP CONSTRAINT deals_stage_id_fk, DROP CONSTRAINT deals_probability_check,
    DROP COLUMN probability, DROP COLUMN stage_id;
DROP TRIGGER pipelines_default_stages ON pipelines;
DROP FUNCTION crm_pipeline_default_stages();
DROP TABLE pipeline_stages;
