package crm

import (
	"net/http"

	"rapport/internal/form"
)

// fieldsPage is the admin's list of custom fields with the add form.
type fieldsPage struct {
	Fields []FieldStats
	New    fieldForm
}

// FieldList shows every custom field with a form to add one (GET /admin/fields).
func (s *Service) FieldList(w http.ResponseWriter, r *http.Request) {
	s.renderFields(w, r, http.StatusOK, fieldsPage{New: fieldForm{Entity: string(EntityContact), Kind: string(KindText),
		Errors: form.Errors{}, Key: form.NewKey()}})
}

func (s *Service) renderFields(w http.ResponseWriter, r *http.Request, status int, p fieldsPage) {
	list, err := ListFieldStats(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p.Fields = list
	s.Pages.Render(w, r, status, "Custom fields", fieldsAdminPage(p))
}
