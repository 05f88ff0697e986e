package crm

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

// The form's key is claimed in the same statement (form.Claim).
const createDealSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $9, $10, $11 WHERE $10 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO deals (id, title, contact_id, pipeline_id, owner_id, amount_cents, close_date, stage, stage_id, probability)
SELECT $1::uuid, $2, $3::uuid, $4::uuid, $5, $6::bigint, $7::timestamptz, $8, $12::uuid, $13::smallint
WHERE $10 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// CreateDeal inserts a deal that comes from no form (seeds, fixtures) and returns its id.
func CreateDeal(ctx context.Context, q db.Querier, d DealFields) (string, error) {
	return createDeal(ctx, q, form.Claim{}, db.NewUUID(), d)
}

// createDeal inserts deal id as CreateDeal does, claiming the form's key in the same
// statement: a repeat of the key creates nothing and returns a *form.Repeat.
func createDeal(ctx context.Context, q db.Querier, claim form.Claim, id string, d DealFields) (string, error) {
	err := q.QueryRow(ctx, createDealSQL, id, d.Title, d.ContactID, d.PipelineID, d.OwnerID, d.AmountCents, d.CloseDate, d.Stage,
		claim.UserID, string(claim.Key), claim.To, d.StageID, d.Probability).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, q)
	}
	return id, db.Translate(err)
}

// DealNew shows the deal form (GET /crm/deals/new). ?contact_id= and ?pipeline_id=
// pre-fill it; the rep owns the deal by default.
func (s *Service) DealNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := dealForm{Contact: q.Get("contact_id"), PipelineID: q.Get("pipeline_id"), OwnerID: auth.UserFrom(ctx).ID,
		Key: form.NewKey()}
	if err := s.loadChoices(ctx, &f); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	fields, err := ListFields(ctx, s.DB, EntityDeal)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = customOf(fields, nil)
	if findPipeline(f.Pipelines, f.PipelineID) == nil && len(f.Pipelines) > 0 {
		f.PipelineID = f.Pipelines[0].ID
	}
	if st := findPipeline(f.Pipelines, f.PipelineID).FirstOf(StageLead); st != nil {
		f.StageID = st.ID
	}
	s.Pages.Render(w, r, http.StatusOK, "New deal", dealFormPage(f))
}

// DealCreate adds a deal (POST /crm/deals).
func (s *Service) DealCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityDeal)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseDealForm(r)
	f.Key = key
	f.Custom = parseCustom(r, fields)
	err = f.Validate(ctx, s.DB)
	f.Custom.check(f.Errors)
	if err == nil && !f.Errors.OK() {
		if err = s.loadChoices(ctx, &f); err == nil {
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New deal", dealFormPage(f))
			return
		}
	}
	var id string
	if err == nil {
		id = db.NewUUID()
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: dealPath(id)}
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			var err error
			if id, err = createDeal(ctx, tx, claim, id, f.fields); err != nil {
				return err
			}
			return saveCustom(ctx, tx, id, f.Custom)
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		if f.vanished(err) { // nothing was written, the key not claimed: the form can be sent again
			if err = s.loadChoices(ctx, &f); err == nil {
				s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New deal", dealFormPage(f))
				return
			}
		}
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Deal "+f.Title+" added.")
	httpx.Redirect(w, r, dealPath(id))
}
