package desk

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// team is a team's settings on the agents page.
type team struct {
	Name       string `db:"name" json:"name"`
	RoundRobin bool   `db:"round_robin" json:"round_robin"`
	Agents     int    `db:"agents" json:"agents"`
}

// Teams are few (a dozen): the teams rows and the teams agents are in (a team from the
// seeds or an import may have no row until its setting is first changed); each one's
// agents are counted from the small agents table.
const teamSettingsSQL = `
SELECT n.name, coalesce(t.round_robin, false) AS round_robin,
       (SELECT count(*) FROM agents a WHERE a.team = n.name)::int AS agents
FROM (SELECT name FROM teams UNION SELECT team FROM agents WHERE team IS NOT NULL AND team <> '') n
LEFT JOIN teams t ON t.name = n.name
ORDER BY n.name LIMIT 200`

// agentsPageSQL is the agents page in one statement: the agents and the teams.
const agentsPageSQL = `
SELECT coalesce((SELECT json_agg(g ORDER BY g.name, g.id) FROM (` + agentsSQL + `) g), '[]'),
       coalesce((SELECT json_agg(t ORDER BY t.name) FROM (` + teamSettingsSQL + `) t), '[]')`

// listAgentsAndTeams is everyone with an agent profile and the teams' settings.
func listAgentsAndTeams(ctx context.Context, q db.Querier) ([]agent, []team, error) {
	var agents []agent
	var teams []team
	err := q.QueryRow(ctx, agentsPageSQL).Scan(&agents, &teams)
	return agents, teams, db.Translate(err)
}

// setRoundRobinSQL sets a known team's setting (a team row, or a team agents are in,
// which gets its row) and returns it as it was (the CTE locks the row first).
const setRoundRobinSQL = `
WITH was AS (SELECT round_robin FROM teams WHERE name = $1 FOR UPDATE)
INSERT INTO teams (name, round_robin)
SELECT $1, $2 WHERE EXISTS (SELECT FROM was) OR EXISTS (SELECT FROM agents WHERE team = $1)
ON CONFLICT (name) DO UPDATE SET round_robin = EXCLUDED.round_robin
RETURNING coalesce((SELECT round_robin FROM was), false)`

// TeamUpdate turns a team's round robin on or off (POST /admin/agents/teams): its new
// tickets then go to its available agents in turn.
func (s *Service) TeamUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	name := form.Text(r, "team")
	if form.Check(name, 100, false) != "" || name == "" {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	on := r.PostFormValue("round_robin") == "on"
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var was bool
		if err := tx.QueryRow(ctx, setRoundRobinSQL, name, on).Scan(&was); err != nil {
			return db.Translate(err)
		}
		if was == on {
			return nil
		}
		by := auth.UserFrom(ctx)
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.AgentTeamsChanged,
			TargetType: auditTargetTeam, TargetLabel: name,
			Before: map[string]string{"round_robin": onOff(was)}, After: map[string]string{"round_robin": onOff(on)}})
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	msg := "Round robin is off for " + name + "."
	if on {
		msg = "Round robin is on for " + name + ": its new tickets go to its available agents in turn."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/admin/agents")
}

// auditTargetTeam is a team as the audit log names it (by its label: team names may be
// longer than a target id).
const auditTargetTeam = "team"

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
