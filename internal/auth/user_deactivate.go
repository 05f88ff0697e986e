package auth

import (
	"net/http"
	"net/url"

	"rapport/internal/httpx"
)

// Deactivate stops a user signing in and ends their sessions (POST /admin/users/{id}/deactivate).
func (s *Service) Deactivate(w http.ResponseWriter, r *http.Request) { s.setBanned(w, r, true) }

// Reactivate lets a deactivated user sign in again (POST /admin/users/{id}/reactivate).
func (s *Service) Reactivate(w http.ResponseWriter, r *http.Request) { s.setBanned(w, r, false) }

func (s *Service) setBanned(w http.ResponseWriter, r *http.Request, banned bool) {
	u, ok := s.userFromPath(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if u.ID == UserFrom(ctx).ID {
		s.Pages.Error(w, r, http.StatusForbidden)
		return
	}
	if err := SetBanned(ctx, s.DB, u.ID, banned); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	msg := u.Name + " was reactivated."
	if banned {
		msg = u.Name + " was deactivated and signed out everywhere."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/admin/users/"+url.PathEscape(u.ID))
}
