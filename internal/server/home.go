package server

import (
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/httpx"
)

// root sends a signed-in user to their role's home and anyone else to sign in.
func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if u := auth.UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	httpx.Redirect(w, r, "/signin")
}
