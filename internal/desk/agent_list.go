package desk

import (
	"context"
	"net/http"
	"sort"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// agent is a person who staffs the desk: a user with the agent role, or an admin with
// an agent profile (an agents row).
type agent struct {
	ID     string  `db:"id" json:"id"`
	Name   string  `db:"name" json:"name"`
	Email  string  `db:"email" json:"email"`
	Role   string  `db:"role" json:"role"`
	Team   *string `db:"team" json:"team"`
	Banned bool    `db:"banned" json:"banned"`
	// Away agents get no tickets from round robin; Capacity (nil: none) is how many
	// open and pending tickets they may hold before round robin passes them by.
	Away     bool `db:"away" json:"away"`
	Capacity *int `db:"capacity" json:"capacity"`
	// NotifyAssigned: they want an email when a ticket is given to them (00076).
	NotifyAssigned bool `db:"notify_assigned" json:"notify_assigned"`
}

// More than this many agents would need a search box rather than a list. Each agent's
// user is one probe of user_pkey: OFFSET 0 keeps the lookup per agent, where the planner
// would otherwise read every user (customers included) to find the hundred staff.
const agentsSQL = `
SELECT u.id, u.name, u.email, u.role, a.team, u.banned, a.away, a.capacity, u.notify_assigned
FROM agents a
CROSS JOIN LATERAL (
    SELECT * FROM "user" u WHERE u.id = a.user_id AND u.role IN ('agent', 'admin') OFFSET 0
) u
ORDER BY u.name, u.id
LIMIT 1000`

// listAgents returns everyone with an agent profile, deactivated ones included.
func listAgents(ctx context.Context, q db.Querier) ([]agent, error) {
	rows, err := q.Query(ctx, agentsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[agent])
	return list, db.Translate(err)
}

const assignableAgentSQL = `
SELECT u.id, u.name, u.email, u.role, a.team, u.banned, a.away, a.capacity, u.notify_assigned
FROM agents a
JOIN "user" u ON u.id = a.user_id
WHERE u.id = $1 AND u.role IN ('agent', 'admin') AND NOT u.banned`

// assignableAgent loads an active agent by id; ErrNotFound when id is no such person.
func assignableAgent(ctx context.Context, q db.Querier, id string) (agent, error) {
	rows, err := q.Query(ctx, assignableAgentSQL, id)
	if err != nil {
		return agent{}, db.Translate(err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[agent])
	return a, db.Translate(err)
}

// teamsSQL is the teams (made at first run, or by an admin) and those agents belong
// to, for the queue's team filter.
const teamsSQL = `
SELECT name FROM teams UNION SELECT team FROM agents WHERE team IS NOT NULL AND team <> '' ORDER BY 1`

// teamsOf is the distinct teams of agents, sorted, plus extra when it is not among them.
func teamsOf(agents []agent, extra string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range agents {
		if t := deref(a.Team); t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if extra != "" && !seen[extra] {
		out = append(out, extra)
	}
	sort.Strings(out)
	return out
}

// agentsView is the admin's agents page.
type agentsView struct {
	Agents []agent
	Teams  []team
	Add    addAgentForm
	// Edit is the row whose team change failed validation, with its typed values.
	Edit editAgentForm
}

// AgentList lists the desk's agents with their teams, and a form to make a user an agent
// (GET /admin/agents).
func (s *Service) AgentList(w http.ResponseWriter, r *http.Request) {
	s.renderAgents(w, r, http.StatusOK, agentsView{})
}

func (s *Service) renderAgents(w http.ResponseWriter, r *http.Request, status int, v agentsView) {
	var err error
	if v.Agents, v.Teams, err = listAgentsAndTeams(r.Context(), s.DB); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if v.Add.Key == "" {
		v.Add.Key = form.NewKey()
	}
	if v.Add.Errors == nil {
		v.Add.Errors = form.Errors{}
	}
	s.Pages.Render(w, r, status, "Agents", agentsPage(v))
}
