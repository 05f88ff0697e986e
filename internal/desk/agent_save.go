package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

// editAgentForm changes one agent's team, away flag and capacity.
type editAgentForm struct {
	ID       string
	Team     string
	Away     bool
	Capacity string // "" is no limit
	Error    string
	// CapacityError is the capacity's problem.
	CapacityError string
}

// maxCapacity is the most open tickets an agent's capacity may be set to.
const maxCapacity = 10000

// parseCapacity reads a capacity: "" is none (nil); else a whole number from 1 to
// maxCapacity, or a message.
func parseCapacity(v string) (*int, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxCapacity {
		return nil, "Capacity is a whole number of tickets from 1 to 10000, or empty for no limit."
	}
	return &n, ""
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

// setTeamSQL returns the agent's address and their team, away flag and capacity as
// they were: the subquery locks the agents row first, so "was" is what this update
// replaced.
const setTeamSQL = `
UPDATE agents a SET team = $2, away = $3, capacity = $4
FROM (SELECT g.user_id, g.team, g.away, g.capacity FROM agents g WHERE g.user_id = $1 FOR UPDATE) was, "user" u
WHERE a.user_id = was.user_id AND u.id = a.user_id AND u.role IN ('agent', 'admin')
RETURNING u.email, coalesce(was.team, ''), was.away, was.capacity`

// agentSettings are an agent's team, away flag and capacity (nil: none).
type agentSettings struct {
	Team     string
	Away     bool
	Capacity *int
}

func (a agentSettings) audit() map[string]string {
	c := "none"
	if a.Capacity != nil {
		c = strconv.Itoa(*a.Capacity)
	}
	return map[string]string{"team": a.Team, "away": strconv.FormatBool(a.Away), "capacity": c}
}

// setAgent changes the agent userID's settings; it returns their address and the
// settings as they were, and db.ErrNotFound when userID is no agent.
func setAgent(ctx context.Context, q db.Querier, userID string, to agentSettings) (email string, was agentSettings, err error) {
	err = q.QueryRow(ctx, setTeamSQL, userID, to.Team, to.Away, to.Capacity).Scan(&email, &was.Team, &was.Away, &was.Capacity)
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

// AgentUpdate changes an agent's team, away flag and capacity (POST /admin/agents/{id}).
func (s *Service) AgentUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	// Not PathID: user ids are the seed schema's text, not always UUIDs.
	f := editAgentForm{ID: chi.URLParam(r, "id"), Team: form.Text(r, "team"), Away: r.PostFormValue("away") != "",
		Capacity: r.PostFormValue("capacity")}
	if form.Check(f.ID, 64, false) != "" {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	errs := form.Errors{}
	checkTeam(errs, "team", f.Team)
	capacity, msg := parseCapacity(f.Capacity)
	if !errs.OK() || msg != "" {
		f.Error, f.CapacityError = errs["team"], msg
		s.renderAgents(w, r, http.StatusUnprocessableEntity, agentsView{Edit: f})
		return
	}
	ctx := r.Context()
	to := agentSettings{Team: f.Team, Away: f.Away, Capacity: capacity}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		email, was, err := setAgent(ctx, tx, f.ID, to)
		if err != nil {
			return err
		}
		before, after := was.audit(), to.audit()
		for k := range before { // only what changed
			if before[k] == after[k] {
				delete(before, k)
				delete(after, k)
			}
		}
		if len(after) == 0 {
			return nil
		}
		by := auth.UserFrom(ctx)
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.AgentTeamsChanged,
			TargetType: audit.TargetUser, TargetID: f.ID, TargetLabel: email, Before: before, After: after})
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Agent saved: team "+f.Team+".")
	httpx.Redirect(w, r, "/admin/agents")
}
