package crm

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// A lost deal's reason: one of the admin's list (crm_lost_reasons), whose label the
// deal keeps as it was chosen, or "Other" with the rep's words.

const (
	maxLostReason = 100 // a reason's label (deals_lost_reason_check, crm_lost_reasons_label_check)
	maxLostNote   = 500 // the rep's words (deals_lost_note_check)
	otherReason   = "Other"
)

// LostReason is one entry of the admin's list.
type LostReason struct {
	ID        string    `db:"id"`
	Label     string    `db:"label"`
	CreatedAt time.Time `db:"created_at"`
}

// ErrLostReasonTaken means the list already has the label (any case).
var ErrLostReasonTaken = errors.New("crm: the list has this lost reason")

const listLostReasonsSQL = `SELECT id, label, created_at FROM crm_lost_reasons ORDER BY created_at, label, id`

// ListLostReasons returns the admin's list, oldest first.
func ListLostReasons(ctx context.Context, q db.Querier) ([]LostReason, error) {
	rows, err := q.Query(ctx, listLostReasonsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[LostReason])
	return list, db.Translate(err)
}

const createLostReasonSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $2, $3, $4 WHERE $3 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO crm_lost_reasons (label) SELECT $1 WHERE $3 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// CreateLostReason adds a reason to the list, claiming the form's key in the same
// statement (the zero Claim claims nothing): ErrLostReasonTaken, or a *form.Repeat.
func CreateLostReason(ctx context.Context, q db.Querier, claim form.Claim, label string) (string, error) {
	var id string
	err := q.QueryRow(ctx, createLostReasonSQL, label, claim.UserID, string(claim.Key), claim.To).Scan(&id)
	if db.Unique(err, "crm_lost_reasons_label_unique") {
		return "", ErrLostReasonTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, q)
	}
	return id, db.Translate(err)
}

const deleteLostReasonSQL = `DELETE FROM crm_lost_reasons WHERE id = $1 RETURNING label`

// DeleteLostReason removes a reason from the list and returns its label; the deals
// lost for it keep it. db.ErrNotFound when there is none.
func DeleteLostReason(ctx context.Context, q db.Querier, id string) (string, error) {
	var label string
	err := q.QueryRow(ctx, deleteLostReasonSQL, id).Scan(&label)
	return label, db.Translate(err)
}

// lostReasonEntry is the audit log's entry of a change to the list.
func lostReasonEntry(ctx context.Context, action audit.Action, id, label string) audit.Entry {
	by := auth.UserFrom(ctx)
	return audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: action, TargetType: audit.TargetLostReason,
		TargetID: id, TargetLabel: label}
}

// lostReasonsPage is the admin's list with the add form.
type lostReasonsPage struct {
	Reasons []LostReason
	Label   string
	Errors  form.Errors
	Key     form.Key
}

// LostReasonList shows the list with a form to add one (GET /admin/lost-reasons).
func (s *Service) LostReasonList(w http.ResponseWriter, r *http.Request) {
	s.renderLostReasons(w, r, http.StatusOK, lostReasonsPage{Errors: form.Errors{}, Key: form.NewKey()})
}

func (s *Service) renderLostReasons(w http.ResponseWriter, r *http.Request, status int, p lostReasonsPage) {
	list, err := ListLostReasons(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p.Reasons = list
	s.Pages.Render(w, r, status, "Lost reasons", lostReasonsAdminPage(p))
}

// LostReasonCreate adds a reason (POST /admin/lost-reasons).
func (s *Service) LostReasonCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := lostReasonsPage{Label: form.Text(r, "label"), Errors: form.Errors{}, Key: key}
	form.Required(p.Errors, "label", p.Label, "Reason", maxLostReason)
	if p.Errors.OK() && p.Label == otherReason {
		p.Errors.Add("label", `"Other" is always offered: the rep then says why in their own words.`)
	}
	if p.Errors.OK() {
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: "/admin/lost-reasons"}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			id, err := CreateLostReason(ctx, tx, claim, p.Label)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, lostReasonEntry(ctx, audit.LostReasonCreated, id, p.Label))
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, ErrLostReasonTaken):
			p.Errors.Add("label", "The list already has "+p.Label+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Lost reason "+p.Label+" added.")
			httpx.Redirect(w, r, "/admin/lost-reasons")
			return
		}
	}
	s.renderLostReasons(w, r, http.StatusUnprocessableEntity, p)
}

// LostReasonDelete removes a reason from the list (POST /admin/lost-reasons/{id}/delete).
func (s *Service) LostReasonDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	var label string
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if label, err = DeleteLostReason(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, lostReasonEntry(ctx, audit.LostReasonDeleted, id, label))
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Lost reason "+label+" removed. Deals lost for it keep it.")
	httpx.Redirect(w, r, "/admin/lost-reasons")
}
