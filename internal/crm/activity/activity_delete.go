package activity

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const deleteSQL = `DELETE FROM planned_activities WHERE id = $1`

// Delete removes a planned activity for by (its assignee, the deal's owner or an
// admin: ErrForbidden) and keeps the deal's next activity. The log keeps any entry its
// completion wrote. It returns the activity's deal.
func Delete(ctx context.Context, d *db.DB, by actor, id string) (string, string, error) {
	var l locked
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if l, err = lockActivity(ctx, tx, by, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteSQL, id); err != nil {
			return db.Translate(err)
		}
		return refreshNext(ctx, tx, l.DealID)
	})
	return l.DealID, l.Subject, err
}

// ActivityDelete deletes a planned activity (POST /crm/activities/{id}/delete) and goes
// back to next, or to its deal.
func (s *Service) ActivityDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	dealID, subject, err := Delete(r.Context(), s.DB, actorFrom(r.Context()), id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Deleted: "+subject+".")
	next := httpx.LocalPath(form.Text(r, "next"))
	if next == "" || next == editPath(id) {
		next = dealPath(dealID)
	}
	httpx.Redirect(w, r, next)
}
