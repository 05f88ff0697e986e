package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// enrolPaths are what a user held back by the two-step requirement may still reach
// (with /signout and the static files, which are outside RequireEnrolment): the
// enrolment itself.
var enrolPaths = map[string]bool{enrolPath: true, enrolPath + "/setup": true, enrolPath + "/confirm": true}

// RequireEnrolment sends a signed-in staff user whose role requires two-step sign-in,
// and who has none, to set it up before any other page. It costs no statement: the
// session's lookup loads the user's two-step state and the requirement with the user.
// Use it after RequireUser.
func (s *Service) RequireEnrolment(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := UserFrom(r.Context()); s.mustEnrol(u) && !enrolPaths[r.URL.Path] {
			s.Pages.Flash(w, r, "info", "Your administrator requires two-step sign-in for your role. Set it up to continue.")
			httpx.Redirect(w, r, enrolPath)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// staffRoles are the roles the requirement can name, in display order.
var staffRoles = []Role{RoleSales, RoleAgent, RoleAdmin}

// securitySettings is the admin's security page: which roles must use two-step sign-in,
// and per staff role how many active users have it on.
type securitySettings struct {
	Required []Role
	Counts   map[Role]roleCount
}

type roleCount struct{ Users, WithTwoStep int }

// securitySettingsSQL: the staff are read through user_role_idx (the roles are spelt out
// so the planner sees how few they are beside the customers).
const securitySettingsSQL = `
SELECT ws.twostep_roles, r.role, count(u.id),
       count(u.id) FILTER (WHERE EXISTS (SELECT 1 FROM user_twostep t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL))
FROM workspace_settings ws
CROSS JOIN unnest(ARRAY['sales', 'agent', 'admin']) AS r (role)
LEFT JOIN (SELECT id, role FROM "user" WHERE role IN ('sales', 'agent', 'admin') AND NOT banned) u ON u.role = r.role
WHERE ws.id
GROUP BY ws.twostep_roles, r.role`

// loadSecuritySettings reads the requirement and the counts in one statement.
func loadSecuritySettings(ctx context.Context, q db.Querier) (securitySettings, error) {
	rows, err := q.Query(ctx, securitySettingsSQL)
	if err != nil {
		return securitySettings{}, db.Translate(err)
	}
	defer rows.Close()
	st := securitySettings{Counts: map[Role]roleCount{}}
	for rows.Next() {
		var required []string
		var role string
		var c roleCount
		if err := rows.Scan(&required, &role, &c.Users, &c.WithTwoStep); err != nil {
			return securitySettings{}, db.Translate(err)
		}
		st.Counts[Role(role)] = c
		st.Required = st.Required[:0]
		for _, r := range required {
			st.Required = append(st.Required, Role(r))
		}
	}
	return st, db.Translate(rows.Err())
}

// requireTwoStepSQL sets the roles that must use two-step sign-in and returns the ones
// before, for the audit log; no row when they are the same already (nothing changes).
const requireTwoStepSQL = `
UPDATE workspace_settings ws SET twostep_roles = $1, updated_at = now()
FROM (SELECT twostep_roles FROM workspace_settings WHERE id FOR UPDATE) old
WHERE ws.id AND old.twostep_roles IS DISTINCT FROM $1::text[]
RETURNING old.twostep_roles`

// SecurityShow shows the workspace's sign-in requirements (GET /admin/security).
func (s *Service) SecurityShow(w http.ResponseWriter, r *http.Request) {
	st, err := loadSecuritySettings(r.Context(), s.DB)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Security", securityPage(securityForm{Settings: st, Chosen: st.Required, Available: s.Secrets != nil}))
}

// SecurityUpdate sets which staff roles must use two-step sign-in (POST /admin/security).
// Users in those roles without it are sent to set it up on their next request.
func (s *Service) SecurityUpdate(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	f := securityForm{Available: s.Secrets != nil}
	for _, v := range r.PostForm["twostep_roles"] {
		role := Role(v)
		if !slices.Contains(staffRoles, role) {
			f.Error = "Choose roles from the list."
			break
		}
		if !slices.Contains(f.Chosen, role) {
			f.Chosen = append(f.Chosen, role)
		}
	}
	if f.Error == "" && len(f.Chosen) > 0 && s.Secrets == nil {
		f.Error = "Two-step sign-in is unavailable until the server has a SECRET_KEY, so it cannot be required yet."
	}
	if f.Error != "" {
		var err error
		if f.Settings, err = loadSecuritySettings(ctx, s.DB); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Security", securityPage(f))
		return
	}
	roles := make([]string, 0, len(f.Chosen))
	for _, role := range staffRoles { // stored in display order, whatever the form's
		if slices.Contains(f.Chosen, role) {
			roles = append(roles, string(role))
		}
	}
	admin := UserFrom(ctx)
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var before []string
		err := tx.QueryRow(ctx, requireTwoStepSQL, roles).Scan(&before)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return db.Translate(err)
		}
		e := userEvent(audit.TwoStepRequired, admin, nil)
		e.TargetType, e.TargetID, e.TargetLabel = "workspace", "settings", "Two-step sign-in requirement"
		e.Before, e.After = map[string][]string{"roles": before}, map[string][]string{"roles": roles}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	msg := "Two-step sign-in is no longer required."
	if len(roles) > 0 {
		msg = "Two-step sign-in is now required for: " + roleList(f.Chosen) + ". Anyone in these roles without it is asked to set it up before anything else."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/admin/security")
}

// roleList names roles for people, in display order: "Sales rep, Admin".
func roleList(roles []Role) string {
	out := ""
	for _, r := range staffRoles {
		if slices.Contains(roles, r) {
			if out != "" {
				out += ", "
			}
			out += r.Label()
		}
	}
	return out
}
