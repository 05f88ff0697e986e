package crm

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const lockDealSQL = `SELECT title, stage, ($2::boolean OR owner_id = $3) FROM deals WHERE id = $1 FOR UPDATE`

const moveDealSQL = `UPDATE deals SET stage = $2, stage_changed_at = now() WHERE id = $1`

const recordStageChangeSQL = `
INSERT INTO deal_stage_changes (deal_id, from_stage, to_stage, actor_id) VALUES ($1, $2, $3, $4)`

// Move is the outcome of MoveDeal.
type Move struct {
	Title string
	From  Stage
	To    Stage
	Moved bool // false when the deal already was in the stage
}

// MoveDeal moves a deal to stage in one transaction: the deal's stage and
// stage_changed_at, and the change with who and when in deal_stage_changes. Only the
// deal's owner or an admin may (ErrForbidden). Moving to the current stage changes
// nothing and records nothing. A move is not version-checked and leaves the version
// alone: it writes one field the edit form never writes, so a move and an edit cannot
// overwrite each other; of two moves the later wins, and both are in the timeline.
func MoveDeal(ctx context.Context, d *db.DB, by Actor, id string, stage Stage) (Move, error) {
	m := Move{To: stage}
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		var allowed bool
		if err := tx.QueryRow(ctx, lockDealSQL, id, by.Admin, by.ID).Scan(&m.Title, &m.From, &allowed); err != nil {
			return db.Translate(err)
		}
		if !allowed {
			return ErrForbidden
		}
		if m.From == stage {
			return nil
		}
		if _, err := tx.Exec(ctx, moveDealSQL, id, stage); err != nil {
			return db.Translate(err)
		}
		if _, err := tx.Exec(ctx, recordStageChangeSQL, id, m.From, stage, by.ID); err != nil {
			return db.Translate(err)
		}
		m.Moved = true
		return nil
	})
	return m, err
}

// DealMove moves a deal to the posted stage (POST /crm/deals/{id}/stage) and returns
// to next (the board or the deal page). The board's drag and drop posts the same form
// with fetch and re-renders the board from the page this redirects to.
func (s *Service) DealMove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	stage := Stage(form.Text(r, "stage"))
	if !stage.Valid() {
		s.Pages.ErrorWith(w, r, http.StatusUnprocessableEntity, "Choose a stage",
			"A deal's stage is one of lead, qualified, won and lost. Go back and choose one of them.")
		return
	}
	m, err := MoveDeal(r.Context(), s.DB, ActorFrom(r.Context()), id, stage)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if m.Moved {
		s.Pages.Flash(w, r, "success", m.Title+" moved from "+m.From.Label()+" to "+m.To.Label()+".")
	} else {
		s.Pages.Flash(w, r, "info", m.Title+" already is in "+m.To.Label()+".")
	}
	next := httpx.LocalPath(r.PostFormValue("next"))
	if next == "" {
		next = dealPath(id)
	}
	httpx.Redirect(w, r, next)
}
