package crm

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/httpx"
)

// FieldEdit shows a custom field's form (GET /admin/fields/{id}).
func (s *Service) FieldEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	c, err := FieldByID(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Edit "+c.Label, fieldEditPage(fieldFormOf(c.CustomField), c))
}

// FieldUpdate saves a field (POST /admin/fields/{id}): a rename keeps its values. 409
// when it changed since the form was loaded.
func (s *Service) FieldUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	c, err := FieldByID(ctx, s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseFieldForm(r)
	f.ID, f.Entity, f.Kind = id, string(c.Entity), string(c.Kind)
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v <= 0 {
		s.badVersion(w, r)
		return
	}
	f.Version = v
	f.Validate()
	if f.Errors.OK() {
		def := f.field()
		if f.position == nil {
			def.Position = c.Position
		}
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			if err := UpdateField(ctx, tx, def); err != nil {
				return err
			}
			return audit.Record(ctx, tx, fieldEntry(ctx, audit.CustomFieldUpdated, id, def.Label, fieldAudit(c.CustomField), fieldAudit(def)))
		})
		switch {
		case errors.Is(err, ErrFieldLabelTaken):
			f.Errors.Add("label", c.Entity.Label()+" already have a field called "+f.Label+".")
		case errors.Is(err, ErrStale):
			f.Errors.Add("label", "Someone changed this field after you opened the form; it now holds what they saved. Check it and save again.")
			s.Pages.Render(w, r, http.StatusConflict, "Edit "+c.Label, fieldEditPage(f, c))
			return
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Field "+f.Label+" saved.")
			httpx.Redirect(w, r, "/admin/fields")
			return
		}
	}
	s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit "+c.Label, fieldEditPage(f, c))
}
