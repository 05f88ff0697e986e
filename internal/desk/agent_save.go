package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
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
// *form.Repeat. What changed is logged (auth.ChangeRole, or teamChanged), with by as
// the actor.
func makeAgent(ctx context.Context, d *db.DB, base *url.URL, claim form.Claim, email, team string, by *auth.User) (*auth.User, auth.RoleChanged, error) {
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
			if err := auth.SetAgentTeam(ctx, tx, u.ID, team); err != nil {
				return err
			}
			return teamChanged(ctx, tx, by, u.ID, u.Email, deref(u.Team), team)
		}
		done, err = auth.ChangeRole(ctx, tx, base, auth.RoleChange{UserID: u.ID, Role: auth.RoleAgent, Team: team, By: by})
		return err
	})
	return u, done, err
}

// AgentCreate makes an existing user an agent in a team (POST /admin/agents).
func (s *Service) AgentCreate(w http.ResponseWriter, r *http.Request) {
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
		u, done, err := makeAgent(ctx, s.DB, s.BaseURL, claim, f.Email, f.Team, auth.UserFrom(ctx))
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

// setTeamSQL returns the agent's address and their team as it was: the subquery locks
// the agents row first, so "was" is the value this update replaced.
const setTeamSQL = `
UPDATE agents a SET team = $2
FROM (SELECT g.user_id, g.team FROM agents g WHERE g.user_id = $1 FOR UPDATE) was, "user" u
WHERE a.user_id = was.user_id AND u.id = a.user_id AND u.role IN ('agent', 'admin')
RETURNING u.email, coalesce(was.team, '')`

// teamChanged logs an agent's new team (nothing when it is the same).
func teamChanged(ctx context.Context, tx pgx.Tx, by *auth.User, userID, email, was, team string) error {
	if was == team {
		return nil
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.AgentTeamsChanged,
		TargetType: audit.TargetUser, TargetID: userID, TargetLabel: email,
		Before: map[string]string{"team": was}, After: map[string]string{"team": team}})
}

// AgentUpdate changes an agent's team (POST /admin/agents/{id}).
func (s *Service) AgentUpdate(w http.ResponseWriter, r *http.Request) {
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
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var email, was string
		if err := tx.QueryRow(ctx, setTeamSQL, f.ID, f.Team).Scan(&email, &was); err != nil {
			return db.Translate(err)
		}
		return teamChanged(ctx, tx, auth.UserFrom(ctx), f.ID, email, was, f.Team)
	})
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Team changed to "+f.Team+".")
	httpx.Redirect(w, r, "/admin/agents")
}
