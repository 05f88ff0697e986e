package crm

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// The admin's changes to a pipeline's stages. Each runs in the caller's transaction
// and starts by locking the pipeline's row (lockPipeline), so changes to one pipeline's
// stages happen one after the other: two admins adding a stage at once get positions
// one after the other, a reorder never sees half of another. Deals keep moving
// meanwhile: a move locks its target stage for share (MoveDeal), a removal locks the
// stage it removes for update, so a move into a stage being removed waits and is then
// refused, and the removal moves every deal that was in the stage.

// ErrStageNameTaken means another stage of the pipeline has the name (any case).
var ErrStageNameTaken = errors.New("crm: a stage of the pipeline has this name")

// ErrLastOfKind means the change would leave the pipeline without a stage of a kind
// the seeds' deals.stage may hold (every pipeline keeps a lead, a qualified, a won and
// a lost stage).
var ErrLastOfKind = errors.New("crm: the pipeline's last stage of its kind")

// ErrStageGone means the stage a deal was to move to no longer exists, or is in
// another pipeline than the deal.
var ErrStageGone error = &httpx.PageError{Status: http.StatusConflict, Heading: "That stage has changed",
	Message: "The stage you chose was removed, or the deal moved to another pipeline meanwhile. Reload the page and choose again."}

const lockPipelineSQL = `SELECT name FROM pipelines WHERE id = $1 FOR UPDATE`

// lockPipeline locks pipeline id's row for the transaction and returns its name;
// db.ErrNotFound when there is none.
func lockPipeline(ctx context.Context, tx pgx.Tx, id string) (string, error) {
	var name string
	err := tx.QueryRow(ctx, lockPipelineSQL, id).Scan(&name)
	return name, db.Translate(err)
}

// StageStats is a stage with how many deals are in it, for the admin's page.
type StageStats struct {
	PipelineStage
	Deals int64 `db:"deals" json:"deals"`
}

// PipelineAdmin is a pipeline as the admin's page shows it.
type PipelineAdmin struct {
	ID        string       `db:"id"`
	Name      string       `db:"name"`
	CreatedAt time.Time    `db:"created_at"`
	Stages    []StageStats `db:"stages"`
}

// Each stage's count is an index-only count of deals_stage_board_idx.
const pipelineAdminSQL = `
SELECT p.id, p.name, p.created_at,
       coalesce((SELECT json_agg(s ORDER BY ` + stageOrder + `) FROM (
           SELECT s.id, s.pipeline_id, s.name, s.kind, s.position, s.probability, s.rotting_days,
                  (SELECT count(*) FROM deals d WHERE d.stage_id = s.id) AS deals
           FROM pipeline_stages s WHERE s.pipeline_id = p.id) s), '[]') AS stages
FROM pipelines p WHERE p.id = $1`

// LoadPipelineAdmin reads a pipeline with its stages and their deal counts in one
// statement; db.ErrNotFound when there is none.
func LoadPipelineAdmin(ctx context.Context, q db.Querier, id string) (*PipelineAdmin, error) {
	rows, err := q.Query(ctx, pipelineAdminSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[PipelineAdmin])
	return p, db.Translate(err)
}

// Stage is the pipeline's stage id, nil when it has none of that id.
func (p *PipelineAdmin) Stage(id string) *StageStats {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i]
		}
	}
	return nil
}

// OfKind is how many of the pipeline's stages count as kind.
func (p *PipelineAdmin) OfKind(kind Stage) int {
	n := 0
	for _, s := range p.Stages {
		if s.Kind == kind {
			n++
		}
	}
	return n
}

// The new stage goes after the pipeline's other open stages (won and lost stay last,
// whatever their position). The form's key is claimed in the same statement.
const createStageSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $6, $7, $8 WHERE $7 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability, rotting_days)
SELECT $1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM pipeline_stages WHERE pipeline_id = $1), $4, $5
WHERE $7 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// CreateStage adds an open stage to a pipeline in tx, claiming the form's key (the
// zero Claim claims nothing): ErrStageNameTaken, or a *form.Repeat for a key used
// before.
func CreateStage(ctx context.Context, tx pgx.Tx, claim form.Claim, pipelineID string, f stageFields) (string, error) {
	if _, err := lockPipeline(ctx, tx, pipelineID); err != nil {
		return "", err
	}
	var id string
	err := tx.QueryRow(ctx, createStageSQL, pipelineID, f.Name, f.Kind, f.Probability, f.RottingDays,
		claim.UserID, string(claim.Key), claim.To).Scan(&id)
	if db.Unique(err, "pipeline_stages_name_unique") {
		return "", ErrStageNameTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, tx)
	}
	return id, db.Translate(err)
}

// The subquery locks the row first, so "was" is what this update changed. A change of
// kind cascades to the stage's deals (deals_stage_id_fk ON UPDATE CASCADE).
const updateStageSQL = `
UPDATE pipeline_stages s SET name = $3, kind = $4, probability = $5, rotting_days = $6
FROM (SELECT id, name, kind, probability, rotting_days FROM pipeline_stages WHERE id = $2 AND pipeline_id = $1 FOR UPDATE) was
WHERE s.id = was.id
RETURNING was.name, was.kind, was.probability, was.rotting_days`

// UpdateStage saves a stage of a pipeline in tx and returns what it was:
// db.ErrNotFound, ErrStageNameTaken, or ErrLastOfKind when it was the pipeline's last
// stage of its kind and f changes the kind.
func UpdateStage(ctx context.Context, tx pgx.Tx, pipelineID, stageID string, f stageFields) (stageFields, error) {
	var was stageFields
	if _, err := lockPipeline(ctx, tx, pipelineID); err != nil {
		return was, err
	}
	var kind Stage
	var same int
	if err := tx.QueryRow(ctx, stageKindCountSQL, stageID, pipelineID).Scan(&kind, &same); err != nil {
		return was, db.Translate(err)
	}
	if kind != f.Kind && (same < 2 || !kind.Open() || !f.Kind.Open()) {
		return was, ErrLastOfKind
	}
	err := tx.QueryRow(ctx, updateStageSQL, pipelineID, stageID, f.Name, f.Kind, f.Probability, f.RottingDays).
		Scan(&was.Name, &was.Kind, &was.Probability, &was.RottingDays)
	if db.Unique(err, "pipeline_stages_name_unique") {
		return was, ErrStageNameTaken
	}
	return was, db.Translate(err)
}

// Swaps the open stage $2 with its open neighbour before it ($3) or after it, in one
// statement (the position constraint is checked at its end).
const reorderStageSQL = `
WITH me AS (
    SELECT id, position FROM pipeline_stages WHERE id = $2 AND pipeline_id = $1 AND kind IN ('lead', 'qualified')
), other AS (
    SELECT s.id, s.position FROM pipeline_stages s, me
    WHERE s.pipeline_id = $1 AND s.kind IN ('lead', 'qualified')
      AND CASE WHEN $3::boolean THEN s.position < me.position ELSE s.position > me.position END
    ORDER BY CASE WHEN $3::boolean THEN -s.position ELSE s.position END
    LIMIT 1
)
UPDATE pipeline_stages s SET position = CASE WHEN s.id = me.id THEN other.position ELSE me.position END
FROM me, other
WHERE s.id IN (me.id, other.id)`

// ReorderStage moves an open stage one place earlier (up) or later on the board, in tx.
// It reports whether it moved: false when the stage already is first or last (or is
// the won or lost stage, which stay last); db.ErrNotFound for no such pipeline.
func ReorderStage(ctx context.Context, tx pgx.Tx, pipelineID, stageID string, up bool) (bool, error) {
	if _, err := lockPipeline(ctx, tx, pipelineID); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, reorderStageSQL, pipelineID, stageID, up)
	if err != nil {
		return false, db.Translate(err)
	}
	if tag.RowsAffected() == 2 {
		return true, nil
	}
	var exists bool
	if err := tx.QueryRow(ctx, stageExistsSQL, stageID, pipelineID).Scan(&exists); err != nil {
		return false, db.Translate(err)
	}
	if !exists {
		return false, db.ErrNotFound
	}
	return false, nil
}

const stageExistsSQL = `SELECT EXISTS (SELECT 1 FROM pipeline_stages WHERE id = $1 AND pipeline_id = $2)`

// stageKindCountSQL is a stage's kind and how many of its pipeline's stages have it.
const stageKindCountSQL = `
SELECT s.kind, (SELECT count(*) FROM pipeline_stages o WHERE o.pipeline_id = s.pipeline_id AND o.kind = s.kind)
FROM pipeline_stages s WHERE s.id = $1 AND s.pipeline_id = $2`

const stageHeldSQL = `SELECT EXISTS (SELECT 1 FROM deals WHERE stage_id = $1)`

// lockStageSQL locks a stage of a pipeline: for update ($3) by a removal, for share by
// a move into it.
const (
	lockStageForUpdateSQL = `SELECT id, pipeline_id, name, kind, position, probability, rotting_days
FROM pipeline_stages WHERE id = $1 AND pipeline_id = $2 FOR UPDATE`
	lockStageForShareSQL = `SELECT id, pipeline_id, name, kind, position, probability, rotting_days
FROM pipeline_stages WHERE id = $1 AND pipeline_id = $2 FOR SHARE`
)

func lockStage(ctx context.Context, tx pgx.Tx, sql, stageID, pipelineID string) (*PipelineStage, error) {
	rows, err := tx.Query(ctx, sql, stageID, pipelineID)
	if err != nil {
		return nil, db.Translate(err)
	}
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[PipelineStage])
	return s, db.Translate(err)
}

// Every deal in the removed stage $1 moves to $2, each move in the stage history as
// the admin's ($5), with both stages' names.
const moveStageDealsSQL = `
WITH moved AS (
    UPDATE deals d SET stage_id = $2, stage = $3, stage_changed_at = now()
    WHERE d.stage_id = $1
    RETURNING d.id
)
INSERT INTO deal_stage_changes (deal_id, from_stage, to_stage, actor_id, from_stage_id, to_stage_id, from_name, to_name)
SELECT m.id, $4, $3, $5, $1, $2, $6, $7 FROM moved m`

const deleteStageSQL = `DELETE FROM pipeline_stages WHERE id = $1`

// StageRemoval is what DeleteStage did.
type StageRemoval struct {
	Stage PipelineStage // the stage removed
	To    *PipelineStage
	Moved int64 // deals moved to To
}

// ErrMoveToNeeded means the stage holds deals and moveTo names no other open stage of
// the pipeline.
var ErrMoveToNeeded = errors.New("crm: choose where the stage's deals go")

// DeleteStage removes an open stage of a pipeline in tx, after moving its deals to the
// pipeline's open stage moveTo (needed only when it holds deals): db.ErrNotFound,
// ErrLastOfKind for the pipeline's last stage of its kind (the won and lost stages are
// each the only one), ErrMoveToNeeded.
func DeleteStage(ctx context.Context, tx pgx.Tx, by Actor, pipelineID, stageID, moveTo string) (StageRemoval, error) {
	var r StageRemoval
	if _, err := lockPipeline(ctx, tx, pipelineID); err != nil {
		return r, err
	}
	s, err := lockStage(ctx, tx, lockStageForUpdateSQL, stageID, pipelineID)
	if err != nil {
		return r, err
	}
	r.Stage = *s
	var kind Stage
	var same int
	if err := tx.QueryRow(ctx, stageKindCountSQL, stageID, pipelineID).Scan(&kind, &same); err != nil {
		return r, db.Translate(err)
	}
	if same < 2 || !s.Kind.Open() {
		return r, ErrLastOfKind
	}
	var held bool
	if err := tx.QueryRow(ctx, stageHeldSQL, stageID).Scan(&held); err != nil {
		return r, db.Translate(err)
	}
	if held {
		if moveTo == stageID || !db.ValidUUID(moveTo) {
			return r, ErrMoveToNeeded
		}
		to, err := lockStage(ctx, tx, lockStageForShareSQL, moveTo, pipelineID)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !to.Kind.Open()) {
			return r, ErrMoveToNeeded
		}
		if err != nil {
			return r, err
		}
		r.To = to
		tag, err := tx.Exec(ctx, moveStageDealsSQL, stageID, to.ID, to.Kind, s.Kind, by.ID, s.Name, to.Name)
		if err != nil {
			return r, db.Translate(err)
		}
		r.Moved = tag.RowsAffected()
	}
	_, err = tx.Exec(ctx, deleteStageSQL, stageID)
	return r, db.Translate(err)
}
