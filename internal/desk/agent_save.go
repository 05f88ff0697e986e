package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// maxTeam is the longest team name, as the platform's user admin allows.
const maxTeam = 60

// checkTeam validates an agent's team: required, one line, at most maxTeam characters.
func checkTeam(errs form.Errors, field, team string) {
	if team == "" {
		errs.Add(field, "Agents need a team, like Tier 1 or Billing.")
		return
	}
	if msg := form.Check(team, maxTeam, false); msg != "" {
		errs.Add(field, msg)
	}
}

// addAgentForm makes an existing user an agent.
type addAgentForm struct {
	Email  string
	Team   string
	Errors form.Errors
	Key    form.Key // the form's one-time key
}

// Validate fills f.Errors.
func (f *addAgentForm) Validate() {
	f.Errors = form.Errors{}
	form.Email(f.Errors, "email", f.Email)
	checkTeam(f.Errors, "team", f.Team)
}

// editAgentForm changes one agent's team.
type editAgentForm struct {
	ID    string
	Team  string
	Error string
}

// errNoUser means no account has the email given.
var errNoUser = errors.New("no such user")

// makeAgent gives the user with email an agent profile in team. Customers and sales
// reps become agents (auth.ChangeRole: they are signed out everywhere, and a customer
// account is invited by email to choose a new password, so only the mailbox's owner
// becomes an agent); an admin keeps the admin role and gains the profile, so they can
// be assigned tickets. A repeat of the form's claim changes nothing and returns a
// *form.Repeat.
func makeAgent(ctx context.Context, d *db.DB, base *url.URL, claim form.Claim, email, team, by string) (*auth.User, auth.RoleChanged, error) {
	var u *auth.User
	var done auth.RoleChanged
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		if err := claim.Take(ctx, tx); err != nil {
			return err
		}
		var err error
		u, err = auth.UserByEmail(ctx, tx, email)
		if errors.Is(err, db.ErrNotFound) {
			return errNoUser
		}
		if err != nil {
			return err
		}
		if u.Role == auth.RoleAdmin || u.Role == auth.RoleAgent {
			return auth.SetAgentTeam(ctx, tx, u.ID, team)
		}
		done, err = auth.ChangeRole(ctx, tx, base, auth.RoleChange{UserID: u.ID, Role: auth.RoleAgent, Team: team, By: by})
		return err
	})
	return u, done, err
}

// AddAgent makes an existing user an agent in a team (POST /admin/agents).
func (s *Service) AddAgent(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	f := addAgentForm{Email: form.NormalizeEmail(r.PostFormValue("email")), Team: form.Text(r, "team")}
	f.Validate()
	f.Key = key
	if f.Errors.OK() {
		ctx := r.Context()
		claim := form.Claim{UserID: auth.UserFrom(ctx).ID, Key: key, To: "/admin/agents"}
		u, done, err := makeAgent(ctx, s.DB, s.BaseURL, claim, f.Email, f.Team, auth.UserFrom(ctx).Name)
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, errNoUser):
			f.Errors.Add("email", "No account uses this email. Add the person under Users first.")
		case err != nil:
			s.Pages.ServerError(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", u.Name+" is an agent in "+f.Team+"."+done.Note())
			httpx.Redirect(w, r, "/admin/agents")
			return
		}
	}
	s.renderAgents(w, r, http.StatusUnprocessableEntity, agentsView{Add: f})
}

const setTeamSQL = `
UPDATE agents a SET team = $2
FROM "user" u
WHERE a.user_id = $1 AND u.id = a.user_id AND u.role IN ('agent', 'admin')`

// UpdateAgent changes an agent's team (POST /admin/agents/{id}).
func (s *Service) UpdateAgent(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	f := editAgentForm{ID: chi.URLParam(r, "id"), Team: form.Text(r, "team")}
	if form.Check(f.ID, 64, false) != "" {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	errs := form.Errors{}
	checkTeam(errs, "team", f.Team)
	if !errs.OK() {
		f.Error = errs["team"]
		s.renderAgents(w, r, http.StatusUnprocessableEntity, agentsView{Edit: f})
		return
	}
	tag, err := s.DB.Exec(r.Context(), setTeamSQL, f.ID, f.Team)
	if err != nil {
		s.Pages.ServerError(w, r, db.Translate(err))
		return
	}
	if tag.RowsAffected() == 0 {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	s.Pages.Flash(w, r, "success", "Team changed to "+f.Team+".")
	httpx.Redirect(w, r, "/admin/agents")
}
