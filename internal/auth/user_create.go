package auth

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const maxTeamLen = 60

// StaffNew shows the add-staff form (GET /admin/users/new).
func (s *Service) StaffNew(w http.ResponseWriter, r *http.Request) {
	s.Pages.Render(w, r, http.StatusOK, "Add a staff member", newStaffPage(staffForm{Role: string(RoleSales), Key: form.NewKey()}))
}

// StaffCreate creates an account of any role and emails an invitation to choose a
// password (POST /admin/users). The admin never chooses a password: the account has
// none, and its address is unproven, until the invitation is followed.
func (s *Service) StaffCreate(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	f := staffForm{Name: form.Text(r, "name"), Email: emailField(r),
		Role: r.PostFormValue("role"), Team: form.Text(r, "team"), Errors: form.Errors{}, Key: key}
	form.Required(f.Errors, "name", f.Name, "Name", maxNameLen)
	form.Email(f.Errors, "email", f.Email)
	checkRoleTeam(f.Errors, Role(f.Role), f.Team)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Add a staff member", newStaffPage(f))
		return
	}
	ctx := r.Context()
	admin := UserFrom(ctx)
	claim := form.Claim{UserID: admin.ID, Key: key, To: "/admin/users"}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := claim.Take(ctx, tx); err != nil {
			return err
		}
		u, err := CreateUser(ctx, tx, NewUser{Name: f.Name, Email: f.Email, Role: Role(f.Role), Team: f.Team})
		if err != nil {
			return err
		}
		e := accountEntry(audit.UserCreated, admin, u.ID, u.Email)
		e.After = roleFields(map[string]string{"name": u.Name, "email": u.Email}, u.Role, teamOf(u))
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
		token, err := issueToken(ctx, tx, purposeInvite, u.ID, inviteTokenTTL)
		if err != nil {
			return err
		}
		return enqueueEmail(ctx, tx, "staff_invite", u.Email,
			accountEmail{Name: u.Name, By: admin.Name, Role: u.Role.Label(), Link: s.link("/reset-password", token)})
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if errors.Is(err, ErrEmailTaken) {
		f.Errors.Add("email", "A user with this email already exists.")
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Add a staff member", newStaffPage(f))
		return
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", f.Name+" was added and invited by email.")
	httpx.Redirect(w, r, "/admin/users")
}

func checkRoleTeam(errs form.Errors, role Role, team string) {
	if !role.Valid() {
		errs.Add("role", "Choose one of the roles.")
	}
	if role == RoleAgent && team == "" {
		errs.Add("team", "Support agents need a team.")
	}
	if msg := form.Check(team, maxTeamLen, false); msg != "" {
		errs.Add("team", msg)
	}
}
