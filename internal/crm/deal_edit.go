package crm

import (
	"context"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// The owner scope is in the statement: a rep's update of someone else's deal changes
// no row.
const updateDealSQL = `
UPDATE deals SET title = $3, contact_id = $4, pipeline_id = $5, owner_id = $6, amount_cents = $7, close_date = $8
WHERE id = $1 AND ($2::boolean OR owner_id = $9)`

const dealExistsSQL = `SELECT EXISTS (SELECT 1 FROM deals WHERE id = $1)`

// UpdateDeal saves a deal's fields (not its stage), reassigning it when OwnerID
// changes. Only its owner or an admin may: ErrForbidden otherwise.
func UpdateDeal(ctx context.Context, q db.Querier, by Actor, id string, d DealFields) error {
	tag, err := q.Exec(ctx, updateDealSQL, id, by.Admin, d.Title, d.ContactID, d.PipelineID, d.OwnerID, d.AmountCents, d.CloseDate, by.ID)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return notMine(ctx, q, dealExistsSQL, id)
}

// DealEdit shows the deal form filled in (GET /crm/deals/{id}/edit), to its owner or
// an admin.
func (s *Service) DealEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := DealByID(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(d.OwnerID) {
		err = ErrForbidden
	}
	if err == nil {
		f := dealForm{ID: d.ID, Title: d.Title, Contact: d.ContactEmail, PipelineID: d.PipelineID, OwnerID: d.OwnerID,
			Amount: AmountInput(d.AmountCents), CloseDate: dateInput(d.CloseDate), Stage: d.Stage}
		if err = s.loadChoices(ctx, &f); err == nil {
			s.Pages.Render(w, r, http.StatusOK, "Edit "+d.Title, dealFormPage(f))
			return
		}
	}
	s.fail(w, r, err)
}

// DealUpdate saves the deal form (POST /crm/deals/{id}).
func (s *Service) DealUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := parseDealForm(r)
	f.ID = id
	err := f.Validate(ctx, s.DB)
	if err == nil && !f.Errors.OK() {
		// Someone else's deal is refused whatever was typed (a valid form would be
		// refused by the update's own scope).
		var d *DealRow
		if d, err = DealByID(ctx, s.DB, id); err == nil && !ActorFrom(ctx).CanChange(d.OwnerID) {
			err = ErrForbidden
		}
		if err == nil {
			if err = s.loadChoices(ctx, &f); err == nil {
				s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit deal", dealFormPage(f))
				return
			}
		}
	}
	if err == nil {
		err = UpdateDeal(ctx, s.DB, ActorFrom(ctx), id, f.fields)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Deal "+f.Title+" saved.")
	httpx.Redirect(w, r, dealPath(id))
}
