package crm

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// targetStageSQL finds and locks (for share) the stage a deal moves to: the stage $2
// when given, else in the deal's pipeline the first stage of kind $3, or for "open"
// (a reopen) the open stage the deal last came from, else the first open one. The
// share lock keeps the stage from being removed until the move commits (DeleteStage
// locks it for update). The deal is read unlocked here; MoveDeal checks the pipeline
// again once it holds the deal's lock.
const targetStageSQL = `
SELECT s.id, s.pipeline_id, s.name, s.kind, s.position, s.probability, s.rotting_days
FROM pipeline_stages s
WHERE CASE WHEN $2::uuid IS NOT NULL THEN s.id = $2
           ELSE s.pipeline_id = (SELECT d.pipeline_id FROM deals d WHERE d.id = $1)
                AND CASE WHEN $3::text = 'open' THEN s.kind IN ('lead', 'qualified') ELSE s.kind = $3 END
      END
ORDER BY (s.id = (SELECT h.from_stage_id FROM deal_stage_changes h WHERE h.deal_id = $1
                  ORDER BY h.changed_at DESC, h.id DESC LIMIT 1)) IS TRUE DESC, ` + stageOrder + `
LIMIT 1
FOR SHARE OF s`

// lockDealSQL locks the deal: concurrent moves of one deal happen one after the other,
// each recording the stage the one before left it in.
const lockDealSQL = `
SELECT d.title, d.stage, d.stage_id, coalesce(s.name, '') AS stage_name, d.pipeline_id, ($2::boolean OR d.owner_id = $3)
FROM deals d LEFT JOIN pipeline_stages s ON s.id = d.stage_id
WHERE d.id = $1
FOR UPDATE OF d`

// moveDealSQL moves the deal and records the change, with both stages' names as they
// are now and, into lost, the reason. Its time is the clock's once the deal is locked,
// not the transaction's start (now()): a move that waited for another's lock is dated
// after it, so the history in time order is the order the moves happened.
const moveDealSQL = `
WITH t AS (SELECT clock_timestamp() AS at),
moved AS (
    UPDATE deals SET stage_id = $2, stage = $3, stage_changed_at = t.at,
           closed_at = CASE WHEN $3 IN ('won', 'lost') THEN t.at END,
           lost_reason = $9, lost_note = $10
    FROM t
    WHERE id = $1
    RETURNING id, t.at
)
INSERT INTO deal_stage_changes (deal_id, from_stage, to_stage, actor_id, from_stage_id, to_stage_id, from_name, to_name,
                                lost_reason, lost_note, changed_at)
SELECT id, $4, $3, $5, $6, $2, $7, $8, $9, $10, at FROM moved`

// MoveTo is where a deal moves: a stage of its pipeline (StageID), or the first stage
// of a kind in its pipeline (Kind: a form of the seeds' values, won or lost from a
// button), or back to an open stage (Reopen). A move into lost needs a Reason (the
// label of the admin's list as chosen, or "Other") and may carry a Note.
type MoveTo struct {
	StageID string
	Kind    Stage
	Reopen  bool
	Reason  string
	Note    string
}

// Move is the outcome of MoveDeal.
type Move struct {
	Title    string
	From     Stage
	FromName string
	To       PipelineStage
	Moved    bool // false when the deal already was in the stage
}

// ErrNeedsReason means a move into lost came without a reason: the lost form asks.
var ErrNeedsReason = errors.New("crm: a deal is marked lost with a reason")

// ErrAlreadyOpen means a reopen of a deal that is not won or lost.
var ErrAlreadyOpen error = &httpx.PageError{Status: http.StatusConflict, Heading: "The deal is open",
	Message: "Only a won or lost deal can be reopened; this one is still open. Reload the page to see it as it is."}

// MoveDeal moves a deal in one transaction: its stage (stage_id with deals.stage, the
// stage's kind, in the same statement), when it entered it, when it closed and why it
// was lost, and the change with who, when and the stages' names in
// deal_stage_changes. Only the deal's owner or an admin may (ErrForbidden). Moving to
// the current stage changes nothing and records nothing. A move is not version-checked
// and leaves the version alone: it writes fields the edit form never writes. Two moves
// of one deal at once are serialised on the deal's row: the later records the stage the
// earlier left, so the history stays one line.
func MoveDeal(ctx context.Context, d *db.DB, by Actor, id string, to MoveTo) (Move, error) {
	var m Move
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		var stageID *string
		if to.StageID != "" {
			stageID = &to.StageID
		}
		kind := string(to.Kind)
		if to.Reopen {
			kind = "open"
		}
		rows, err := tx.Query(ctx, targetStageSQL, id, stageID, kind)
		if err != nil {
			return db.Translate(err)
		}
		target, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[PipelineStage])
		if errors.Is(err, pgx.ErrNoRows) {
			if to.StageID == "" {
				return db.ErrNotFound // no deal (every pipeline has a stage of each kind)
			}
			return ErrStageGone
		}
		if err != nil {
			return db.Translate(err)
		}
		m.To = target
		var allowed bool
		var fromID *string
		var pipelineID string
		if err := tx.QueryRow(ctx, lockDealSQL, id, by.Admin, by.ID).Scan(&m.Title, &m.From, &fromID, &m.FromName, &pipelineID, &allowed); err != nil {
			return db.Translate(err)
		}
		switch {
		case !allowed:
			return ErrForbidden
		case pipelineID != target.PipelineID:
			return ErrStageGone
		case to.Reopen && m.From.Open():
			return ErrAlreadyOpen
		case fromID != nil && *fromID == target.ID:
			return nil
		case target.Kind == StageLost && to.Reason == "":
			return ErrNeedsReason
		}
		var reason, note *string
		if target.Kind == StageLost {
			reason = &to.Reason
			if to.Note != "" {
				note = &to.Note
			}
		}
		if _, err := tx.Exec(ctx, moveDealSQL, id, target.ID, target.Kind, m.From, by.ID, fromID, m.FromName, target.Name,
			reason, note); err != nil {
			return db.Translate(err)
		}
		m.Moved = true
		return nil
	})
	return m, err
}

// DealMove moves a deal to the posted stage (POST /crm/deals/{id}/stage: stage_id, or
// stage as one of the seeds' values for the first stage of that kind) and returns to
// next (the board or the deal page). The board's drag and drop posts the same form with
// fetch and re-renders the board from the page this redirects to. A move into lost goes
// to the lost form first, which asks why.
func (s *Service) DealMove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	to := MoveTo{StageID: form.Text(r, "stage_id")}
	if to.StageID == "" {
		to.Kind = Stage(form.Text(r, "stage"))
	}
	if (to.StageID != "" && !db.ValidUUID(to.StageID)) || (to.StageID == "" && !to.Kind.Valid()) {
		s.Pages.ErrorWith(w, r, http.StatusUnprocessableEntity, "Choose a stage",
			"A deal moves to one of its pipeline's stages. Go back and choose one of them.")
		return
	}
	s.move(w, r, id, to)
}

// move runs MoveDeal for a posted form and answers it: a flash and the way back to next.
func (s *Service) move(w http.ResponseWriter, r *http.Request, id string, to MoveTo) {
	next := httpx.LocalPath(r.PostFormValue("next"))
	if next == "" {
		next = dealPath(id)
	}
	m, err := MoveDeal(r.Context(), s.DB, ActorFrom(r.Context()), id, to)
	switch {
	case errors.Is(err, ErrNeedsReason):
		httpx.Redirect(w, r, dealPath(id)+"/lost?"+url.Values{"next": {next}}.Encode())
		return
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	case !m.Moved:
		s.Pages.Flash(w, r, "info", m.Title+" already is in "+m.To.Name+".")
	case m.To.Kind == StageWon:
		s.Pages.Flash(w, r, "success", m.Title+" won. Well done!")
	case m.To.Kind == StageLost:
		s.Pages.Flash(w, r, "success", m.Title+" marked lost ("+to.Reason+").")
	case to.Reopen:
		s.Pages.Flash(w, r, "success", m.Title+" reopened in "+m.To.Name+".")
	default:
		s.Pages.Flash(w, r, "success", m.Title+" moved from "+stageName(m.FromName, m.From)+" to "+m.To.Name+".")
	}
	httpx.Redirect(w, r, next)
}

// stageName is a stage's name as recorded, or the seeds' label when none was.
func stageName(name string, kind Stage) string {
	if name != "" {
		return name
	}
	return kind.Label()
}
