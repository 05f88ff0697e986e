package crm

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// The owner scope and the version check are in the statement: a rep's update of
// someone else's deal, or a save against another version, changes no row. $12 and $13
// are the deal's new stage and its kind when it moves to another pipeline (NULL: its
// stage stays); a new stage starts its time in stage.
const updateDealSQL = `
UPDATE deals SET title = $3, contact_id = $4, pipeline_id = $5, owner_id = $6, amount_cents = $7, close_date = $8,
       probability = $11::smallint, version = version + 1, updated_at = now(), updated_by = $9,
       stage_changed_at = CASE WHEN $12::uuid IS DISTINCT FROM stage_id AND $12::uuid IS NOT NULL
                               THEN clock_timestamp() ELSE stage_changed_at END,
       stage_id = coalesce($12::uuid, stage_id), stage = coalesce($13::text, stage)
WHERE id = $1 AND ($2::boolean OR owner_id = $9) AND ($10::integer = 0 OR version = $10)`

// dealPipelineMoveSQL records the stage change of a deal that moved to another pipeline
// ($1), from the stage it was locked in ($2 its kind, $4 its id, $5 its name) to the
// one it is in now, by $3, at the time the update gave it. (The update's foreign key
// check holds the new stage: it cannot be removed before this commits.)
const dealPipelineMoveSQL = `
INSERT INTO deal_stage_changes (deal_id, from_stage, to_stage, actor_id, from_stage_id, to_stage_id, from_name, to_name, changed_at)
SELECT d.id, $2, d.stage, $3, $4::uuid, d.stage_id, $5, s.name, d.stage_changed_at
FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.id = $1`

const dealExistsSQL = `SELECT EXISTS (SELECT 1 FROM deals WHERE id = $1)`

// UpdateDeal saves a deal's fields, reassigning it when OwnerID changes, if it still is
// at version (0: whatever its version). Its stage changes only when it moves to another
// pipeline with the stage it takes there (StageID, with Stage its kind): that move is in
// its stage history, in the same transaction. (Without StageID a new pipeline gets the
// first stage of the deal's kind there, the trigger's mapping for the seeds' writers.)
// Only its owner or an admin may: ErrForbidden otherwise, db.ErrNotFound when there is
// none, ErrStale when someone saved it since version.
func UpdateDeal(ctx context.Context, d *db.DB, by Actor, id string, version int, f DealFields) error {
	return updateDealThen(ctx, d, by, id, version, f, nil)
}

// updateDealThen is UpdateDeal, with then (when not nil) run in the update's
// transaction after it: the form's custom values commit with the deal.
func updateDealThen(ctx context.Context, d *db.DB, by Actor, id string, version int, f DealFields, then func(q db.Querier) error) error {
	if f.StageID == nil && then == nil {
		return updateDeal(ctx, d, by, id, version, f, nil, nil)
	}
	if then == nil {
		then = func(db.Querier) error { return nil }
	}
	return d.InTx(ctx, func(tx pgx.Tx) error {
		if f.StageID == nil {
			if err := updateDeal(ctx, tx, by, id, version, f, nil, nil); err != nil {
				return err
			}
			return then(tx)
		}
		var title, stageName, pipelineID string
		var stage Stage
		var stageID *string
		var allowed bool
		if err := tx.QueryRow(ctx, lockDealSQL, id, by.Admin, by.ID).Scan(&title, &stage, &stageID, &stageName, &pipelineID, &allowed); err != nil {
			return db.Translate(err)
		}
		if !allowed {
			return ErrForbidden
		}
		kind := string(f.Stage)
		if err := updateDeal(ctx, tx, by, id, version, f, f.StageID, &kind); err != nil {
			return err
		}
		if stageID != nil && *stageID == *f.StageID {
			return then(tx)
		}
		if _, err := tx.Exec(ctx, dealPipelineMoveSQL, id, stage, by.ID, stageID, stageName); err != nil {
			return db.Translate(err)
		}
		return then(tx)
	})
}

func updateDeal(ctx context.Context, q db.Querier, by Actor, id string, version int, d DealFields, stageID, kind *string) error {
	tag, err := q.Exec(ctx, updateDealSQL, id, by.Admin, d.Title, d.ContactID, d.PipelineID, d.OwnerID, d.AmountCents, d.CloseDate, by.ID,
		version, d.Probability, stageID, kind)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return whyNotSaved(ctx, q, "deals", by, id)
}

// dealForEdit is a deal with its version and last save.
type dealForEdit struct {
	DealRow
	Saved
	Fields []CustomField `db:"fields"`
	Custom CustomValues  `db:"custom"`
}

var dealForEditSQL = `SELECT ` + dealRowColumns + `, d.version, d.updated_at, ub.name AS updated_by_name,
	` + fieldsJSON("'deal'") + ` AS fields, ` + valuesJSON("d.id") + ` AS custom
` + dealRowJoins + `
	LEFT JOIN "user" ub ON ub.id = d.updated_by
WHERE d.id = $1`

func loadDealForEdit(ctx context.Context, q db.Querier, id string) (*dealForEdit, error) {
	rows, err := q.Query(ctx, dealForEditSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[dealForEdit])
	return d, db.Translate(err)
}

// dealFormOf is the form filled in with the deal.
func dealFormOf(d *DealRow) dealForm {
	return dealForm{ID: d.ID, Title: d.Title, Contact: d.ContactEmail, PipelineID: d.PipelineID, OwnerID: d.OwnerID,
		Amount: AmountInput(d.AmountCents), CloseDate: dateInput(d.CloseDate), Stage: d.Stage, Probability: probabilityInput(d.Probability)}
}

// editFields are the form's fields for the collision check.
func (f *dealForm) editFields() []formField {
	out := []formField{{"title", "Title", f.Title}, {"contact_id", "Contact", f.Contact},
		{"pipeline_id", "Pipeline", f.PipelineID}, {"amount", "Amount (USD)", f.Amount},
		{"close_date", "Expected close date", f.CloseDate}, {"probability", "Win probability (%)", f.Probability},
		{"owner_id", "Owner", f.OwnerID}}
	return append(out, f.Custom.editFields()...)
}

// probabilityInput is a deal's own win probability as the form shows it ("" for none).
func probabilityInput(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// show is a deal field's value on the 409 page: pipelines and owners by name.
func (f *dealForm) show(name, v string) string {
	if name == "pipeline_id" {
		if p := findPipeline(f.Pipelines, v); p != nil {
			return p.Name
		}
	}
	return ownerLabel(f.Owners, name, v)
}

// DealEdit shows the deal form filled in (GET /crm/deals/{id}/edit), to its owner or
// an admin.
func (s *Service) DealEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := loadDealForEdit(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(d.OwnerID) {
		err = ErrForbidden
	}
	if err == nil {
		f := dealFormOf(&d.DealRow)
		f.Custom = customOf(d.Fields, d.Custom)
		f.Check = loadedCheck(d.Saved, f.editFields())
		if err = s.loadChoices(ctx, &f); err == nil {
			s.Pages.Render(w, r, http.StatusOK, "Edit "+d.Title, dealFormPage(f))
			return
		}
	}
	s.Pages.Fail(w, r, err)
}

// DealUpdate saves the deal form (POST /crm/deals/{id}); 409 with what changed when
// someone saved the deal after the form was loaded.
func (s *Service) DealUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityDeal)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseDealForm(r)
	f.ID = id
	f.Custom = parseCustom(r, fields)
	if f.Check, ok = readEditCheck(r, f.editFields()); !ok {
		s.badVersion(w, r)
		return
	}
	// The deal as it is: whether the form moves it to another pipeline. Someone else's
	// deal is refused whatever was typed.
	cur, err := DealByID(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(cur.OwnerID) {
		err = ErrForbidden
	}
	if err == nil {
		f.Current = cur
		err = f.Validate(ctx, s.DB)
		f.Custom.check(f.Errors)
	}
	if err == nil && !f.Errors.OK() {
		if err = s.loadChoices(ctx, &f); err == nil {
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit deal", dealFormPage(f))
			return
		}
	}
	if err == nil {
		err = updateDealThen(ctx, s.DB, ActorFrom(ctx), id, f.Check.Version, f.fields,
			func(q db.Querier) error { return saveCustom(ctx, q, id, f.Custom) })
		if f.vanished(err) {
			if err = s.loadChoices(ctx, &f); err == nil {
				if f.NewPipeline != nil { // point at the choices as loaded again
					f.NewPipeline = findPipeline(f.Pipelines, f.PipelineID)
				}
				s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit deal", dealFormPage(f))
				return
			}
		}
	}
	if errors.Is(err, ErrStale) {
		var d *dealForEdit
		if d, err = loadDealForEdit(ctx, s.DB, id); err == nil {
			if err = s.loadChoices(ctx, &f); err == nil {
				now := dealFormOf(&d.DealRow)
				now.Custom = customOf(d.Fields, d.Custom)
				f.Check.staleAgainst(d.Saved, now.editFields(), f.editFields(), f.show)
				s.Pages.Render(w, r, http.StatusConflict, "Edit deal", dealFormPage(f))
				return
			}
		}
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Deal "+f.Title+" saved.")
	httpx.Redirect(w, r, dealPath(id))
}
