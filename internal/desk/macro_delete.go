package desk

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

const deleteMacroSQL = `DELETE FROM macros WHERE id = $1 AND version = $2 RETURNING name`

// MacroDelete deletes a macro (POST /desk/macros/{id}/delete) at the version its form
// carries: its owner, or an admin for a shared one. Messages written with it keep its
// name (ticket_messages.macro_name).
func (s *Service) MacroDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	var name string
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		m, err := macroByID(ctx, tx, u.ID, id)
		if err != nil {
			return err
		}
		if !m.canEdit(u) {
			return errMacroShared
		}
		err = tx.QueryRow(ctx, deleteMacroSQL, id, version).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errMacroStale
		}
		if err != nil || !m.Shared() {
			return db.Translate(err)
		}
		return auditMacro(ctx, tx, u, audit.MacroDeleted, id, name, macroFormOf(m).fields(), nil)
	})
	switch {
	case errors.Is(err, errMacroStale):
		s.Pages.ErrorWith(w, r, http.StatusConflict, "The macro changed",
			"Someone changed this macro after you opened it, so it was not deleted. Open it again to see the new version, then delete it if you still want to.")
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "Macro “"+name+"” deleted.")
		httpx.Redirect(w, r, "/desk/macros")
	}
}
