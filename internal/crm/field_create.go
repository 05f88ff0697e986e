package crm

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// FieldCreate adds a custom field (POST /admin/fields).
func (s *Service) FieldCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := parseFieldForm(r)
	f.Key = key
	f.Validate()
	if f.Errors.OK() {
		def := f.field()
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: "/admin/fields"}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			id, err := CreateField(ctx, tx, claim, def, f.position)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, fieldEntry(ctx, audit.CustomFieldCreated, id, def.Label, nil, fieldAudit(def)))
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, ErrFieldLabelTaken):
			f.Errors.Add("label", Entity(f.Entity).Label()+" already have a field called "+f.Label+".")
		case errors.Is(err, ErrTooManyFields):
			f.Errors.Add("entity", Entity(f.Entity).Label()+" have the most fields allowed already.")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Field "+f.Label+" added.")
			httpx.Redirect(w, r, "/admin/fields")
			return
		}
	}
	s.renderFields(w, r, http.StatusUnprocessableEntity, fieldsPage{New: f})
}
