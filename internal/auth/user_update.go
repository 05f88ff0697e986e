package auth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// userFromPath loads the {id} user, answering 404 itself when there is none.
func (s *Service) userFromPath(w http.ResponseWriter, r *http.Request) (*User, bool) {
	id := chi.URLParam(r, "id")
	if form.Check(id, 64, false) != "" { // NUL or invalid UTF-8 must not reach SQL
		s.Pages.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	u, err := UserByID(r.Context(), s.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return nil, false
	}
	return u, true
}

// UserEdit shows a user's role, team and access (GET /admin/users/{id}).
func (s *Service) UserEdit(w http.ResponseWriter, r *http.Request) {
	u, ok := s.userFromPath(w, r)
	if !ok {
		return
	}
	f := editUserForm{User: u, Role: string(u.Role), Team: teamOf(u), Self: u.ID == UserFrom(r.Context()).ID}
	s.Pages.Render(w, r, http.StatusOK, u.Name, editUserPage(f))
}

// UserUpdate changes a user's role and team (POST /admin/users/{id}). Admins cannot
// change their own role, so the last admin cannot lock everyone out. A new role signs
// the user out everywhere; a customer made staff is invited to choose a new password
// (ChangeRole).
func (s *Service) UserUpdate(w http.ResponseWriter, r *http.Request) {
	u, ok := s.userFromPath(w, r)
	if !ok {
		return
	}
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	if u.ID == UserFrom(ctx).ID {
		s.Pages.Error(w, r, http.StatusForbidden)
		return
	}
	f := editUserForm{User: u, Role: r.PostFormValue("role"), Team: form.Text(r, "team"), Errors: form.Errors{}}
	checkRoleTeam(f.Errors, Role(f.Role), f.Team)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, u.Name, editUserPage(f))
		return
	}
	var done RoleChanged
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		done, err = ChangeRole(ctx, tx, s.BaseURL, RoleChange{UserID: u.ID, Role: Role(f.Role), Team: f.Team, By: UserFrom(ctx)})
		if err == nil && s.Deactivated != nil && Role(f.Role) != RoleAgent && Role(f.Role) != RoleAdmin {
			// Off the desk: their open tickets go back to their teams, as on deactivation.
			err = s.Deactivated(ctx, tx, u.ID, UserFrom(ctx))
		}
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", u.Name+" is now "+Role(f.Role).Label()+"."+done.Note())
	httpx.Redirect(w, r, "/admin/users/"+url.PathEscape(u.ID))
}
