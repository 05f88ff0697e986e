package activity

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/web"
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

// plannedForEdit is a planned activity with who edited it last (nil: nobody since it
// was planned, or a user since removed).
type plannedForEdit struct {
	Planned
	UpdatedByName *string `db:"updated_by_name"`
}

const activityForEditSQL = `SELECT ` + plannedColumns + `, ub.name AS updated_by_name
FROM planned_activities p ` + plannedJoins + `
LEFT JOIN "user" ub ON ub.id = p.updated_by
WHERE p.id = $1`

func activityForEdit(ctx context.Context, q db.Querier, id string) (*plannedForEdit, error) {
	rows, err := q.Query(ctx, activityForEditSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[plannedForEdit])
	return p, db.Translate(err)
}

// ErrStale means someone edited the activity after its form was loaded: nothing was
// saved.
var ErrStale = errors.New("activity: edited by someone else since the form was loaded")

// updateSQL writes an edit: a reschedule, a reassignment, anything but the deal. A new
// reminder time makes the reminder due again. $15 is the version the form was loaded
// at (0: no check, a post that is not our form's); $16 who saves.
const updateSQL = `
UPDATE planned_activities SET contact_id = $2, type = $3, subject = $4, note = $5, due_date = $6::date,
    due_time = $7::time, time_zone = $8, due_at = $9, due_sort = $10, duration_mins = $11, remind_mins = $12,
    remind_at = $13, reminded_at = CASE WHEN remind_at IS NOT DISTINCT FROM $13 THEN reminded_at END,
    assignee_id = $14, updated_at = now(), version = version + 1, updated_by = $16
WHERE id = $1 AND ($15::integer = 0 OR version = $15)`

// Update changes a planned activity for by (its assignee, the deal's owner or an
// admin: ErrForbidden otherwise) if it still is at version (0: whatever its version;
// ErrStale otherwise), and keeps the deal's next activity, in one transaction.
func Update(ctx context.Context, d *db.DB, by actor, id string, version int, f fields) error {
	return d.InTx(ctx, func(tx pgx.Tx) error {
		l, err := lockActivity(ctx, tx, by, id)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, updateSQL, id, f.ContactID, f.Type, f.Subject, f.Note, f.DueDate.Format("2006-01-02"),
			nullable(f.DueTime), f.TimeZone, f.DueAt, f.DueSort, f.Duration, f.Remind, f.RemindAt, f.AssigneeID, version, by.ID)
		if err != nil {
			return db.Translate(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrStale // the row is locked and ours to change: only the version differs
		}
		return refreshNext(ctx, tx, l.DealID)
	})
}

// readVersion reads the edit form's version; ok is false when it is there but not a
// positive number (a damaged form). Without one (not our form), 0: no check.
func readVersion(r *http.Request) (v int, ok bool) {
	if _, sent := r.PostForm["version"]; !sent {
		return 0, true
	}
	n, err := strconv.ParseInt(r.PostFormValue("version"), 10, 32)
	if err != nil || n <= 0 {
		return 0, false
	}
	return int(n), true
}

// editable loads the activity and the form's choices, and checks the viewer may change
// it: two statements.
func (s *Service) editable(w http.ResponseWriter, r *http.Request) (*plannedForEdit, choices, bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return nil, choices{}, false
	}
	ctx := r.Context()
	p, err := activityForEdit(ctx, s.DB, id)
	if err == nil && !actorFrom(ctx).mayChange(p.Planned) {
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
	f := formOf(p.Planned)
	f.Choices = c
	f.Next = httpx.LocalPath(r.URL.Query().Get("next"))
	s.renderForm(w, r, http.StatusOK, f)
}

// ActivityUpdate saves an edit (POST /crm/activities/{id}); problems re-render the form
// with 422 and the input kept. A form loaded before someone else's edit saves nothing:
// 409, the form again with the input kept, a notice of who saved and what the activity
// holds now, and the version brought up to date (saving again overwrites, on purpose).
func (s *Service) ActivityUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	version, ok := readVersion(r)
	if !ok {
		s.Pages.ErrorWith(w, r, http.StatusBadRequest, "This form is damaged",
			"Its version is not one Rapport wrote. Open the activity's edit page again and make your changes there.")
		return
	}
	p, c, ok := s.editable(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := parseActivityForm(r)
	f.ID, f.DealID, f.Version = p.ID, p.DealID, version
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
	err := Update(ctx, s.DB, actorFrom(ctx), p.ID, version, f.fields)
	if errors.Is(err, ErrStale) {
		var now *plannedForEdit
		if now, err = activityForEdit(ctx, s.DB, p.ID); err == nil {
			f.Stale = staleNotice(now, f, c)
			f.Version = now.Version
			s.renderForm(w, r, http.StatusConflict, f)
			return
		}
	}
	if err != nil {
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

// Stale is the 409 form's notice: who edited the activity in between, when, and the
// fields where it now holds something other than what was typed.
type Stale struct {
	Who     string
	At      time.Time
	Changes []StaleField
}

// StaleField is a field the activity now holds differently from the typed form.
type StaleField struct {
	Label, Now, Yours string
}

// staleNotice compares the activity as it is now with the typed form f.
func staleNotice(now *plannedForEdit, f activityForm, c choices) *Stale {
	n := &Stale{Who: "Someone", At: now.UpdatedAt}
	if now.UpdatedByName != nil {
		n.Who = *now.UpdatedByName
	}
	cur := formOf(now.Planned)
	name := func(id string) string {
		for _, p := range c.Assignees {
			if p.ID == id {
				return p.Name
			}
		}
		if id == now.AssigneeID {
			return now.AssigneeName
		}
		return id
	}
	contact := func(id string) string {
		if id == "" {
			return "None"
		}
		if c.Deal != nil && c.Deal.ContactID == id {
			return c.Deal.ContactName
		}
		return id
	}
	for _, x := range []struct{ label, now, yours string }{
		{"Type", c.typeLabel(cur.Type), c.typeLabel(f.Type)},
		{"Subject", cur.Subject, f.Subject},
		{"Due", cur.DueDate, f.DueDate},
		{"Time", cur.DueTime, f.DueTime},
		{"Duration", optionLabel(durations, cur.Duration), optionLabel(durations, f.Duration)},
		{"Assigned to", name(cur.AssigneeID), name(f.AssigneeID)},
		{"Contact", contact(cur.ContactID), contact(f.ContactID)},
		{"Reminder", optionLabel(reminders, cur.Remind), optionLabel(reminders, f.Remind)},
		{"Note", cur.Note, f.Note},
	} {
		if x.now != x.yours {
			n.Changes = append(n.Changes, StaleField{Label: x.label, Now: orEmpty(x.now), Yours: orEmpty(x.yours)})
		}
	}
	return n
}

// optionLabel is the label of the choice v among opts (v itself when none).
func optionLabel(opts []web.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// orEmpty shows an empty value as such.
func orEmpty(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}
