package desk

import (
	"net/http"

	"rapport/internal/auth"
)

// macrosView is the list of macros.
type macrosView struct {
	Macros []macro
	Me     *auth.User
}

// MacroList lists the macros the agent may use (GET /desk/macros): the shared ones,
// then their own. One statement besides the session's.
func (s *Service) MacroList(w http.ResponseWriter, r *http.Request) {
	u := auth.UserFrom(r.Context())
	list, err := listMacros(r.Context(), s.DB, u.ID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Macros", macrosPage(macrosView{Macros: list, Me: u}))
}
