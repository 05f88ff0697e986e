package auth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// UserDeactivate stops a user signing in and ends their sessions (POST /admin/users/{id}/deactivate).
func (s *Service) UserDeactivate(w http.ResponseWriter, r *http.Request) { s.setBanned(w, r, true) }

// UserReactivate lets a deactivated user sign in again (POST /admin/users/{id}/reactivate).
func (s *Service) UserReactivate(w http.ResponseWriter, r *http.Request) { s.setBanned(w, r, false) }

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
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		email, was, err := SetBanned(ctx, tx, u.ID, banned)
		if err != nil || was == banned { // a second click changes nothing: nothing to log
			return err
		}
		action := audit.UserReactivated
		if banned {
			action = audit.UserDeactivated
		}
		if banned && s.Deactivated != nil {
			if err := s.Deactivated(ctx, tx, u.ID, UserFrom(ctx)); err != nil {
				return err
			}
		}
		e := accountEntry(action, UserFrom(ctx), u.ID, email)
		e.Before, e.After = map[string]string{"status": accessStatus(was)}, map[string]string{"status": accessStatus(banned)}
		return audit.Record(ctx, tx, e)
	})
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
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

// accessStatus is a deactivation flag as the audit log shows it.
func accessStatus(banned bool) string {
	if banned {
		return "deactivated"
	}
	return "active"
}
