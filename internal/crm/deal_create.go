package crm

import (
	"context"
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

const createDealSQL = `
INSERT INTO deals (title, contact_id, pipeline_id, owner_id, amount_cents, close_date, stage)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id`

// CreateDeal inserts a deal and returns its id.
func CreateDeal(ctx context.Context, q db.Querier, d DealFields) (string, error) {
	var id string
	err := q.QueryRow(ctx, createDealSQL, d.Title, d.ContactID, d.PipelineID, d.OwnerID, d.AmountCents, d.CloseDate, d.Stage).Scan(&id)
	return id, db.Translate(err)
}

// DealNew shows the deal form (GET /crm/deals/new). ?contact_id= and ?pipeline_id=
// pre-fill it; the rep owns the deal by default.
func (s *Service) DealNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := dealForm{Contact: q.Get("contact_id"), PipelineID: q.Get("pipeline_id"), Stage: "lead", OwnerID: auth.UserFrom(ctx).ID}
	if err := s.loadChoices(ctx, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	if findPipeline(f.Pipelines, f.PipelineID) == nil && len(f.Pipelines) > 0 {
		f.PipelineID = f.Pipelines[0].ID
	}
	s.Pages.Render(w, r, http.StatusOK, "New deal", dealFormPage(f))
}

// DealCreate adds a deal (POST /crm/deals).
func (s *Service) DealCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := parseDealForm(r)
	err := f.Validate(ctx, s.DB)
	if err == nil && !f.Errors.OK() {
		if err = s.loadChoices(ctx, &f); err == nil {
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New deal", dealFormPage(f))
			return
		}
	}
	var id string
	if err == nil {
		id, err = CreateDeal(ctx, s.DB, f.fields)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Deal "+f.Title+" added.")
	httpx.Redirect(w, r, dealPath(id))
}
