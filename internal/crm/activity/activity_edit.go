package activity

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

const activityByIDSQL = `SELECT ` + plannedColumns + ` FROM planned_activities p ` + plannedJoins + ` WHERE p.id = $1`

// ActivityByID loads a planned activity with its names; db.ErrNotFound when none.
func ActivityByID(ctx context.Context, q db.Querier, id string) (*Planned, error) {
	rows, err := q.Query(ctx, activityByIDSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Planned])
	return p, db.Translate(err)
}

// updateSQL writes an edit: a reschedule, a reassignment, anything but the deal. A new
// reminder time makes the reminder due again.
const updateSQL = `
UPDATE planned_activities SET contact_id = $2, type = $3, subject = $4, note = $5, due_date = $6::date,
    due_time = $7::time, time_zone = $8, due_at = $9, due_sort = $10, duration_mins = $11, remind_mins = $12,
    remind_at = $13, reminded_at = CASE WHEN remind_at IS NOT DISTINCT FROM $13 THEN reminded_at END,
    assignee_id = $14, updated_at = now()
WHERE id = $1`

// Update changes a planned activity for by (its assignee, the deal's owner or an
// admin: ErrForbidden otherwise) and keeps the deal's next activity, in one transaction.
func Update(ctx context.Context, d *db.DB, by actor, id string, f fields) error {
	return d.InTx(ctx, func(tx pgx.Tx) error {
		l, err := lockActivity(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, updateSQL, id, f.ContactID, f.Type, f.Subject, f.Note, f.DueDate.Format("2006-01-02"),
			nullable(f.DueTime), f.TimeZone, f.DueAt, f.DueSort, f.Duration, f.Remind, f.RemindAt, f.AssigneeID); err != nil {
			return db.Translate(err)
		}
		return refreshNext(ctx, tx, l.DealID)
	})
}

// editable loads the activity and the form's choices, and checks the viewer may change
// it: two statements.
func (s *Service) editable(w http.ResponseWriter, r *http.Request) (*Planned, choices, bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return nil, choices{}, false
	}
	ctx := r.Context()
	p, err := ActivityByID(ctx, s.DB, id)
	if err == nil && !actorFrom(ctx).mayChange(*p) {
		err = ErrForbidden
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return nil, choices{}, false
	}
	c, err := loadChoices(ctx, s.DB, p.DealID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return nil, choices{}, false
	}
	return p, c, true
}

// ActivityEdit is an activity's edit form (GET /crm/activities/{id}/edit): its times
// are in the zone it was planned in, which the form names.
func (s *Service) ActivityEdit(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.editable(w, r)
	if !ok {
		return
	}
	f := formOf(*p)
	f.Choices = c
	f.Next = httpx.LocalPath(r.URL.Query().Get("next"))
	s.renderForm(w, r, http.StatusOK, f)
}

// ActivityUpdate saves an edit (POST /crm/activities/{id}); problems re-render the form
// with 422 and the input kept.
func (s *Service) ActivityUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	p, c, ok := s.editable(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := parseActivityForm(r)
	f.ID, f.DealID = p.ID, p.DealID
	f.fields.Type, f.fields.TimeZone = p.Type, p.TimeZone // a hidden type may stay; the form names its zone
	loc, known := auth.LoadZone(p.TimeZone)
	if !known {
		loc = utc
	}
	f.Validate(c, loc, Today(s.now(), httpx.Location(ctx)))
	if !f.Errors.OK() {
		s.renderForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err := Update(ctx, s.DB, actorFrom(ctx), p.ID, f.fields); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Saved: "+c.typeLabel(f.Type)+" due "+DueLabel(f.fields.DueDate, f.fields.DueAt, s.now(), httpx.Location(ctx))+".")
	next := httpx.LocalPath(f.Next)
	if next == "" {
		next = dealPath(p.DealID)
	}
	httpx.Redirect(w, r, next)
}
