package auth

import (
	"net/http"

	"rapport/internal/audit"
	"rapport/internal/httpx"
)

// SignOutSubmit ends the session server-side and drops the cookie (POST /signout); a
// signed-in user's sign-out is in the audit log.
func (s *Service) SignOutSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if u := UserFrom(ctx); u != nil {
		if err := audit.Record(ctx, s.DB, userEvent(audit.SignOut, u, u)); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	if err := s.endCurrent(w, r); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "info", "You have been signed out.")
	httpx.Redirect(w, r, "/signin")
}
