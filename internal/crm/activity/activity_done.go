package activity

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// doneSQL marks an open activity done and appends the entry to the deal's log in one
// statement ($2 the actor, $3 'done'): the log's type is the activity's when the seeds'
// check allows it (call, email), a note otherwise, and the entry names the activity and
// its type as it was. An activity already done changes nothing and logs nothing.
const doneSQL = `
WITH done AS (
    UPDATE planned_activities SET done_at = now(), done_by = $2, updated_at = now()
    WHERE id = $1 AND done_at IS NULL
    RETURNING id, deal_id, type, subject, note
)
INSERT INTO activities (deal_id, actor_id, type, body, planned_id, planned_event, planned_label)
SELECT done.deal_id, $2, CASE WHEN done.type IN ('call', 'email') THEN done.type ELSE 'note' END,
       done.subject || CASE WHEN done.note <> '' THEN E'\n\n' || done.note ELSE '' END,
       done.id, 'done', t.label
FROM done JOIN activity_types t ON t.key = done.type`

// reopenSQL is doneSQL's undo: the activity is open again, and the log (append-only)
// says it was reopened.
const reopenSQL = `
WITH reopened AS (
    UPDATE planned_activities SET done_at = NULL, done_by = NULL, updated_at = now()
    WHERE id = $1 AND done_at IS NOT NULL
    RETURNING id, deal_id, type, subject
)
INSERT INTO activities (deal_id, actor_id, type, body, planned_id, planned_event, planned_label)
SELECT r.deal_id, $2, 'note', r.subject, r.id, 'reopened', t.label
FROM reopened r JOIN activity_types t ON t.key = r.type`

// SetDone marks the activity done (or, with done false, open again) for by: its
// assignee, the deal's owner or an admin (ErrForbidden). It appends the change to the
// deal's log and keeps the deal's next activity, in one transaction. It reports whether
// anything changed (false: it already was so) and the activity's subject.
func SetDone(ctx context.Context, d *db.DB, by actor, id string, done bool) (bool, string, error) {
	var changed bool
	var subject string
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		l, err := lockActivity(ctx, tx, by, id)
		if err != nil {
			return err
		}
		subject = l.Subject
		if l.Done == done {
			return nil
		}
		sql := doneSQL
		if !done {
			sql = reopenSQL
		}
		tag, err := tx.Exec(ctx, sql, id, by.ID)
		if err != nil {
			return db.Translate(err)
		}
		changed = tag.RowsAffected() == 1
		return refreshNext(ctx, tx, l.DealID)
	})
	return changed, subject, err
}

// MarkDone is SetDone for seeds and tests, as the user byID.
func MarkDone(ctx context.Context, d *db.DB, byID string, admin bool, id string, done bool) error {
	_, _, err := SetDone(ctx, d, actor{ID: byID, Admin: admin}, id, done)
	return err
}

// ActivityDone marks an activity done (POST /crm/activities/{id}/done) and goes back to
// next (the page the form was on: My activities, the deal): a form per row, no
// JavaScript needed.
func (s *Service) ActivityDone(w http.ResponseWriter, r *http.Request) { s.setDone(w, r, true) }

// ActivityUndo opens a done activity again (POST /crm/activities/{id}/undo).
func (s *Service) ActivityUndo(w http.ResponseWriter, r *http.Request) { s.setDone(w, r, false) }

func (s *Service) setDone(w http.ResponseWriter, r *http.Request, done bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	changed, subject, err := SetDone(r.Context(), s.DB, actorFrom(r.Context()), id, done)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	switch {
	case changed && done:
		s.Pages.Flash(w, r, "success", "Done: "+subject+".")
	case changed:
		s.Pages.Flash(w, r, "success", "Open again: "+subject+".")
	case done:
		s.Pages.Flash(w, r, "info", subject+" already was done.")
	default:
		s.Pages.Flash(w, r, "info", subject+" already was open.")
	}
	next := httpx.LocalPath(form.Text(r, "next"))
	if next == "" {
		next = ListPath
	}
	httpx.Redirect(w, r, next)
}
