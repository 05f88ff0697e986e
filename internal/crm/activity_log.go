package crm

import (
	"context"
	"errors"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const maxActivityBody = 10000

// activityTypes are the kinds of activity, as the seeds' activities_type_check allows.
var activityTypes = []string{"call", "email", "note"}

// The owner scope is in the statement: logging on someone else's deal inserts no row,
// and claims no key (form.Claim), so the refusal is not remembered as an answer.
const logActivitySQL = `
WITH deal AS (
    SELECT d.id FROM deals d WHERE d.id = $1 AND ($5::boolean OR d.owner_id = $2)
), claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $2, $6, $7 FROM deal WHERE $6 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO activities (deal_id, actor_id, type, body)
SELECT id, $2, $3, $4 FROM deal
WHERE $6 = '' OR EXISTS (SELECT FROM claim)`

// LogActivity appends a call, email or note to a deal's timeline, from no form (seeds,
// fixtures). Only the deal's owner or an admin may (ErrForbidden). Activities are never
// edited or deleted: the database refuses it.
func LogActivity(ctx context.Context, q db.Querier, by Actor, dealID, kind, body string) error {
	return logActivity(ctx, q, by, form.Claim{}, dealID, kind, body)
}

// logActivity is LogActivity claiming the form's key (for by) in the same statement: a
// repeat of the key logs nothing and returns a *form.Repeat.
func logActivity(ctx context.Context, q db.Querier, by Actor, claim form.Claim, dealID, kind, body string) error {
	tag, err := q.Exec(ctx, logActivitySQL, dealID, by.ID, kind, body, by.Admin, string(claim.Key), claim.To)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := claim.Repeated(ctx, q); !errors.Is(err, db.ErrNotFound) {
		return err
	}
	return notMine(ctx, q, dealExistsSQL, dealID)
}

// activityForm is the deal page's log-an-activity form.
type activityForm struct {
	Type   string
	Body   string
	Errors form.Errors
	Key    form.Key // the form's one-time key; a fresh one when "" (renderDeal)
}

// Validate checks the type and the body (free text, kept verbatim).
func (f *activityForm) Validate() {
	valid := false
	for _, t := range activityTypes {
		valid = valid || t == f.Type
	}
	if !valid {
		f.Errors.Add("type", "Choose call, email or note.")
	}
	if f.Body == "" {
		f.Errors.Add("body", "Write what happened.")
	} else if msg := form.Check(f.Body, maxActivityBody, true); msg != "" {
		f.Errors.Add("body", msg)
	}
}

// ActivityCreate logs a call, email or note on a deal (POST /crm/deals/{id}/activities).
// A problem re-renders the deal page with the message beside the field.
func (s *Service) ActivityCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := activityForm{Type: form.Text(r, "type"), Body: form.Text(r, "body"), Errors: form.Errors{}, Key: key}
	f.Validate()
	if !f.Errors.OK() {
		s.renderDeal(w, r, id, http.StatusUnprocessableEntity, f)
		return
	}
	by := ActorFrom(ctx)
	err := logActivity(ctx, s.DB, by, form.Claim{UserID: by.ID, Key: key, To: dealPath(id)}, id, f.Type, f.Body)
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", activityLabel(f.Type)+" logged.")
	httpx.Redirect(w, r, dealPath(id))
}
