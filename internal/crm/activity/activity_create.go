package activity

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// insertSQL adds a planned activity and claims the form's key in the same statement
// (form.Claim): a repeat of the key inserts nothing.
const insertSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $15, $16, $17 WHERE $16 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO planned_activities (id, deal_id, contact_id, type, subject, note, due_date, due_time, time_zone,
    due_at, due_sort, duration_mins, remind_mins, remind_at, assignee_id, created_by)
SELECT $1, $2, $3, $4, $5, $6, $7::date, $8::time, $9, $10, $11, $12, $13, $14, $18, $15
WHERE $16 = '' OR EXISTS (SELECT FROM claim)`

// Plan adds a planned activity to the deal dealID for by, in one transaction that also
// keeps the deal's next activity: only the deal's owner or an admin may (ErrForbidden;
// db.ErrNotFound for no such deal). It returns the new activity's id; a repeat of the
// claim's key adds nothing and returns a *form.Repeat.
func Plan(ctx context.Context, d *db.DB, by actor, claim form.Claim, dealID string, f fields) (string, error) {
	id := db.NewUUID()
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		var title string
		var mine bool
		if err := tx.QueryRow(ctx, lockDealSQL, dealID, by.ID, by.Admin).Scan(&title, &mine); err != nil {
			return db.Translate(err)
		}
		if !mine {
			return ErrForbidden
		}
		tag, err := tx.Exec(ctx, insertSQL, id, dealID, f.ContactID, f.Type, f.Subject, f.Note, f.DueDate.Format("2006-01-02"),
			nullable(f.DueTime), f.TimeZone, f.DueAt, f.DueSort, f.Duration, f.Remind, f.RemindAt,
			by.ID, string(claim.Key), claim.To, f.AssigneeID)
		if err != nil {
			return db.Translate(err)
		}
		if tag.RowsAffected() == 0 {
			return claim.Repeated(ctx, tx)
		}
		return refreshNext(ctx, tx, dealID)
	})
	return id, err
}

// PlanFields is what seeds and tests plan with, outside any form: on day date, at clock
// ("HH:MM" or "") in zone.
type PlanFields struct {
	Type, Subject, Note, AssigneeID string
	ContactID                       *string
	DueDate                         string // 2026-12-31
	DueTime                         string
	Zone                            string
	RemindMins                      *int
}

// PlanFor plans an activity as the user byID (an admin when admin) outside any form.
func PlanFor(ctx context.Context, d *db.DB, byID string, admin bool, dealID string, p PlanFields) (string, error) {
	loc, ok := auth.LoadZone(p.Zone)
	if !ok {
		loc = nil
	}
	f := fields{Type: p.Type, Subject: p.Subject, Note: p.Note, AssigneeID: p.AssigneeID, ContactID: p.ContactID,
		DueTime: p.DueTime, Remind: p.RemindMins}
	date, err := parseDay(p.DueDate)
	if err != nil {
		return "", err
	}
	if loc == nil {
		loc = utc
	}
	f.DueDate, f.TimeZone = date, loc.String()
	f.DueAt, f.DueSort = schedule(date, p.DueTime, loc)
	if f.Remind != nil && f.DueAt != nil {
		at := f.DueAt.Add(-minutes(*f.Remind))
		f.RemindAt = &at
	}
	return Plan(ctx, d, actor{ID: byID, Admin: admin}, form.Claim{}, dealID, f)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ActivityNew is the schedule form (GET /crm/activities/new?deal_id=): on a deal the
// viewer owns (or any, for an admin); an unknown deal shows the form with the problem.
func (s *Service) ActivityNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := activityForm{DealID: q.Get("deal_id"), Type: "call", AssigneeID: actorFrom(ctx).ID, Errors: form.Errors{},
		DueDate: Today(s.now(), httpx.Location(ctx)).Format("2006-01-02"), Next: httpx.LocalPath(q.Get("next"))}
	c, err := loadChoices(ctx, s.DB, f.DealID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Choices = c
	status := http.StatusOK
	switch {
	case c.Deal == nil:
		f.Errors.Add("deal_id", "No deal has this id: open the deal and plan the activity from its page.")
		status = http.StatusNotFound
	case !actorFrom(ctx).mayPlan(c.Deal.OwnerID):
		s.Pages.Fail(w, r, ErrForbidden)
		return
	default:
		f.ContactID = c.Deal.ContactID
	}
	s.renderForm(w, r, status, f)
}

func (a actor) mayPlan(dealOwner string) bool { return a.Admin || (a.ID != "" && a.ID == dealOwner) }

// ActivityCreate plans an activity (POST /crm/activities). Problems re-render the form
// with 422 and the input kept; someone else's deal is a 403; the same form sent twice
// plans one activity.
func (s *Service) ActivityCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	by := actorFrom(ctx)
	f := parseActivityForm(r)
	f.Key = key
	c, err := loadChoices(ctx, s.DB, f.DealID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if c.Deal != nil && !by.mayPlan(c.Deal.OwnerID) {
		s.Pages.Fail(w, r, ErrForbidden) // refused for who sent it, not for what it says
		return
	}
	loc := httpx.Location(ctx)
	f.Validate(c, loc, Today(s.now(), loc))
	if !f.Errors.OK() {
		s.renderForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	next := httpx.LocalPath(f.Next)
	if next == "" {
		next = dealPath(f.DealID)
	}
	_, err = Plan(ctx, s.DB, by, form.Claim{UserID: by.ID, Key: key, To: next}, f.DealID, f.fields)
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if errors.Is(err, db.ErrNotFound) { // the deal went away meanwhile
		f.Errors.Add("deal_id", "No deal has this id: open the deal and plan the activity from its page.")
		s.renderForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", c.typeLabel(f.Type)+" planned for "+DueLabel(f.fields.DueDate, f.fields.DueAt, s.now(), loc)+".")
	httpx.Redirect(w, r, next)
}

// renderForm shows the schedule or edit form.
func (s *Service) renderForm(w http.ResponseWriter, r *http.Request, status int, f activityForm) {
	if f.Errors == nil {
		f.Errors = form.Errors{}
	}
	if f.ID == "" && f.Key == "" {
		f.Key = form.NewKey()
	}
	title := "Plan an activity"
	if f.ID != "" {
		title = "Edit activity"
	}
	s.Pages.Render(w, r, status, title, activityFormPage(f, httpx.Location(r.Context())))
}
