package auth

import (
	"net/http"
	"net/url"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// TwoStepReset turns another user's two-step sign-in off for them (POST
// /admin/users/{id}/two-step/reset), when they lost their phone and their recovery
// codes: it voids the secret and the codes and signs them out everywhere. They sign in
// with their password alone next time, and set it up again (at once, when their role
// requires it). Admins turn their own off from their account page.
func (s *Service) TwoStepReset(w http.ResponseWriter, r *http.Request) {
	u, ok := s.userFromPath(w, r)
	if !ok {
		return
	}
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	admin := UserFrom(ctx)
	if u.ID == admin.ID {
		s.Pages.Error(w, r, http.StatusForbidden)
		return
	}
	back := "/admin/users/" + url.PathEscape(u.ID)
	if !u.TwoStep {
		s.Pages.Flash(w, r, "info", u.Name+" has no two-step sign-in to reset.")
		httpx.Redirect(w, r, back)
		return
	}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := removeTwoStep(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := endAllSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, userEvent(audit.TwoStepReset, admin, u))
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Two-step sign-in was reset for "+u.Name+", who was signed out everywhere and signs in with the password alone until setting it up again.")
	httpx.Redirect(w, r, back)
}
