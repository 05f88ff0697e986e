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

// makeAgent gives the user with email an agent profile in team, in tx. Customers and
// sales reps become agents (auth.ChangeRole: they are signed out everywhere, and a
// customer account is invited by email, its link under base, to choose a new password,
// so only the mailbox's owner becomes an agent); an admin keeps the admin role and
// gains the profile, so they can be assigned tickets. A repeat of the form's claim
// changes nothing and returns a *form.Repeat. What changed is logged (auth.ChangeRole,
// or teamChanged), with by as the actor.
func makeAgent(ctx context.Context, tx pgx.Tx, base *url.URL, claim form.Claim, email, team string, by *auth.User) (*auth.User, auth.RoleChanged, error) {
	if err := claim.Take(ctx, tx); err != nil {
		return nil, auth.RoleChanged{}, err
	}
	u, err := auth.UserByEmail(ctx, tx, email)
	if errors.Is(err, db.ErrNotFound) {
		return nil, auth.RoleChanged{}, errNoUser
	}
	if err != nil {
		return nil, auth.RoleChanged{}, err
	}
	if u.Role == auth.RoleAdmin || u.Role == auth.RoleAgent {
		if err := auth.SetAgentTeam(ctx, tx, u.ID, team); err != nil {
			return nil, auth.RoleChanged{}, err
		}
		return u, auth.RoleChanged{}, teamChanged(ctx, tx, by, u.ID, u.Email, deref(u.Team), team)
	}
	done, err := auth.ChangeRole(ctx, tx, base, auth.RoleChange{UserID: u.ID, Role: auth.RoleAgent, Team: team, By: by})
	return u, done, err
}

// AgentCreate makes an existing user an agent in a team (POST /admin/agents).
func (s *Service) AgentCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
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
		var u *auth.User
		var done auth.RoleChanged
		err := s.DB.InTx(ctx, func(tx pgx.Tx) (err error) {
			u, done, err = makeAgent(ctx, tx, s.BaseURL, claim, f.Email, f.Team, auth.UserFrom(ctx))
			return err
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, errNoUser):
			f.Errors.Add("email", "No account uses this email. Add the person under Users first.")
		case err != nil:
			s.Pages.Fail(w, r, err)
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

// setAgentTeam moves the agent userID to team; it returns their address and the team
// they were in (""), and db.ErrNotFound when userID is no agent.
func setAgentTeam(ctx context.Context, q db.Querier, userID, team string) (email, was string, err error) {
	err = q.QueryRow(ctx, setTeamSQL, userID, team).Scan(&email, &was)
	return email, was, db.Translate(err)
}

// teamChanged logs an agent's new team (nothing when it is the same).
func teamChanged(ctx context.Context, q db.Querier, by *auth.User, userID, email, was, team string) error {
	if was == team {
		return nil
	}
	return audit.Record(ctx, q, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.AgentTeamsChanged,
		TargetType: audit.TargetUser, TargetID: userID, TargetLabel: email,
		Before: map[string]string{"team": was}, After: map[string]string{"team": team}})
}

// AgentUpdate changes an agent's team (POST /admin/agents/{id}).
func (s *Service) AgentUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	// Not PathID: user ids are the seed schema's text, not always UUIDs.
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
		email, was, err := setAgentTeam(ctx, tx, f.ID, f.Team)
		if err != nil {
			return err
		}
		return teamChanged(ctx, tx, auth.UserFrom(ctx), f.ID, email, was, f.Team)
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Team changed to "+f.Team+".")
	httpx.Redirect(w, r, "/admin/agents")
}
