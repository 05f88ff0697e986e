-- +goose Up
-- Won and lost (issue 10): when a deal closed, and why it was lost: a reason from the
-- admin's list (its label copied, so a reason removed later still reads) and the rep's
-- own words, both bounded. The stage history keeps the reason of each move into lost.

CREATE TABLE crm_lost_reasons (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    label      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT crm_lost_reasons_label_check CHECK (char_length(label) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX crm_lost_reasons_label_unique ON crm_lost_reasons (lower(label));
INSERT INTO crm_lost_reasons (label, created_at)
SELECT v.label, now() + v.n * interval '1 microsecond'
FROM (VALUES (1, 'Price'), (2, 'Went with a competitor'), (3, 'No budget'), (4, 'No decision'), (5, 'Timing'),
             (6, 'Lost touch')) AS v(n, label);

ALTER TABLE deals
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN lost_reason text,
    ADD COLUMN lost_note text,
    ADD CONSTRAINT deals_lost_reason_check CHECK (char_length(lost_reason) <= 100),
    ADD CONSTRAINT deals_lost_note_check CHECK (char_length(lost_note) <= 500);
UPDATE deals SET closed_at = stage_changed_at WHERE stage IN ('won', 'lost');

-- Whoever writes the row: an open deal has no close time and no lost reason; a deal
-- that becomes won or lost without a close time gets one (its creation for an insert,
-- now for a move).
-- +goose StatementBegin
CREATE FUNCTION crm_deal_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stage IN ('lead', 'qualified') THEN
        NEW.closed_at := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.closed_at := coalesce(NEW.closed_at, NEW.created_at);
    ELSIF NEW.stage IS DISTINCT FROM OLD.stage AND NEW.closed_at IS NOT DISTINCT FROM OLD.closed_at THEN
        NEW.closed_at := now();
    END IF;
    IF NEW.stage <> 'lost' THEN
        NEW.lost_reason := NULL;
        NEW.lost_note := NULL;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER deals_closed
    BEFORE INSERT OR UPDATE OF stage, closed_at, lost_reason, lost_note ON deals
    FOR EACH ROW EXECUTE FUNCTION crm_deal_closed();

-- The forecast: open deals by close date (index-only, everything it sums included),
-- and the deals won since a day.
CREATE INDEX deals_forecast_idx ON deals (close_date) INCLUDE (owner_id, pipeline_id, stage_id, amount_cents, probability)
    WHERE stage IN ('lead', 'qualified');
CREATE INDEX deals_won_idx ON deals (closed_at) INCLUDE (owner_id, pipeline_id, amount_cents)
    WHERE stage = 'won';

ALTER TABLE deal_stage_changes
    ADD COLUMN lost_reason text,
    ADD COLUMN lost_note text;

-- +goose Down
ALTER TABLE deal_stage_changes DROP COLUMN lost_note, DROP COLUMN lost_reason;
DROP INDEX deals_won_idx;
DROP INDEX deals_forecast_idx;
DROP TRIGGER deals_closed ON deals;
DROP FUNCTION crm_deal_closed();
ALTER TABLE deals DROP CONSTRAINT deals_lost_note_check, DROP CONSTRAINT deals_lost_reason_check,
    DROP COLUMN lost_note, DROP COLUMN lost_reason, DROP COLUMN closed_at;
DROP TABLE crm_lost_reasons;
