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
	Name       string `db:"name"`
	RoundRobin bool   `db:"round_robin"`
	Agents     int    `db:"agents"`
}

// Teams are few (a dozen); each one's agents are counted from the small agents table.
const teamSettingsSQL = `
SELECT t.name, t.round_robin, (SELECT count(*) FROM agents a WHERE a.team = t.name)::int AS agents
FROM teams t ORDER BY t.name LIMIT 200`

func listTeamSettings(ctx context.Context, q db.Querier) ([]team, error) {
	rows, err := q.Query(ctx, teamSettingsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[team])
	return list, db.Translate(err)
}

// setRoundRobinSQL returns the setting as it was (the subquery locks the row first).
const setRoundRobinSQL = `
UPDATE teams t SET round_robin = $2
FROM (SELECT name, round_robin FROM teams WHERE name = $1 FOR UPDATE) was
WHERE t.name = was.name
RETURNING was.round_robin`

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
