package crm

import (
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/httpx"
	"rapport/web"
)

// FieldRemovalShow asks to confirm a field's removal, saying how many values go with
// it (GET /admin/fields/{id}/delete).
func (s *Service) FieldRemovalShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	c, err := FieldByID(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Remove "+c.Label, fieldRemovalPage(c))
}

// FieldDelete removes a field and its values (POST /admin/fields/{id}/delete).
func (s *Service) FieldDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	var label string
	var n int64
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if label, n, err = DeleteField(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, fieldEntry(ctx, audit.CustomFieldDeleted, id, label,
			map[string]any{"label": label, "values": n}, nil))
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Field "+label+" removed with "+web.Count(int(n), "value", "values")+".")
	httpx.Redirect(w, r, "/admin/fields")
}
