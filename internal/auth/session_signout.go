package auth

import (
	"errors"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/web"
)

// SessionSignOut signs one of the user's other sessions out (POST
// /account/sessions/{id}/signout), from the account page's list. A session that has
// ended already, or is not the user's, changes nothing and says so: the list was out
// of date.
func (s *Service) SessionSignOut(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	ua, err := endSessionByID(ctx, s.DB, UserFrom(ctx).ID, id, sessionFrom(ctx).hash)
	switch {
	case errors.Is(err, db.ErrNotFound):
		s.Pages.Flash(w, r, "info", "That session had ended already.")
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	default:
		s.Pages.Flash(w, r, "success", "Signed out "+Device(ua)+".")
	}
	httpx.Redirect(w, r, "/account")
}

// OtherSessionsSignOut signs the user out everywhere but here (POST
// /account/sessions/signout-others), sign-ins waiting for their second step included.
func (s *Service) OtherSessionsSignOut(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	n, err := endOtherSessions(ctx, s.DB, UserFrom(ctx).ID, sessionFrom(ctx).hash)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if n == 0 {
		s.Pages.Flash(w, r, "info", "You were signed in nowhere else.")
	} else {
		s.Pages.Flash(w, r, "success", "Signed out "+web.Count(int(n), "other session", "other sessions")+".")
	}
	httpx.Redirect(w, r, "/account")
}
