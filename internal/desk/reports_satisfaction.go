package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// csatDays is the satisfaction report's window: long enough for weeks to mean something.
const csatDays = 90

// csatRow is one group of the satisfaction report: a team, an agent, a week (Monday,
// UTC), or every rating ("all").
type csatRow struct {
	Dim   string     `db:"dim"` // team, agent, week, all
	Team  *string    `db:"team"`
	Agent *string    `db:"agent"`
	Week  *time.Time `db:"week"`
	Good  int        `db:"good"`
	Count int        `db:"n"`
}

// Percent is the share of good ratings.
func (r csatRow) Percent() float64 {
	if r.Count == 0 {
		return 0
	}
	return 100 * float64(r.Good) / float64(r.Count)
}

// The ratings given in the window, grouped four ways in one pass (ticket_ratings_rated_idx);
// an agent's name is one probe of user_pkey per agent row.
// A solve is counted for the agent and team the ticket had when it was solved.
const csatReportSQL = `
SELECT x.dim, x.team, (SELECT u.name FROM "user" u WHERE u.id = x.agent_id) AS agent, x.week, x.good, x.n
FROM (
    SELECT CASE WHEN grouping(g.team) = 0 THEN 'team'
                WHEN grouping(g.agent_id) = 0 THEN 'agent'
                WHEN grouping(date_trunc('week', g.rated_at AT TIME ZONE 'UTC')) = 0 THEN 'week'
                ELSE 'all' END AS dim,
           g.team, g.agent_id,
           date_trunc('week', g.rated_at AT TIME ZONE 'UTC') AS week,
           count(*) FILTER (WHERE g.rating = 'good')::int AS good, count(*)::int AS n
    FROM ticket_ratings g
    WHERE g.rated_at >= now() - make_interval(days => $1)
    GROUP BY GROUPING SETS ((g.team), (g.agent_id), (date_trunc('week', g.rated_at AT TIME ZONE 'UTC')), ())
) x
ORDER BY x.dim, x.week DESC NULLS LAST, agent, x.team`

// csatReport is the satisfaction report.
type csatReport struct {
	Days                int
	All                 csatRow
	Teams, Agents, Week []csatRow
	// Asked is how many solves asked in the window; Answered how many of those answered.
	Asked, Answered int
}

func loadCSATReport(ctx context.Context, q db.Querier, days int) (csatReport, error) {
	rep := csatReport{Days: days}
	rows, err := q.Query(ctx, csatReportSQL, days)
	if err != nil {
		return rep, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[csatRow])
	if err != nil {
		return rep, db.Translate(err)
	}
	for _, r := range list {
		switch r.Dim {
		case "all":
			rep.All = r
		case "team":
			rep.Teams = append(rep.Teams, r)
		case "agent":
			rep.Agents = append(rep.Agents, r)
		case "week":
			rep.Week = append(rep.Week, r)
		}
	}
	return rep, nil
}

// CSATReport shows customer satisfaction over the last 90 days: the share of Good
// ratings by team, agent and week (GET /desk/reports/satisfaction). One statement.
func (s *Service) CSATReport(w http.ResponseWriter, r *http.Request) {
	rep, err := loadCSATReport(r.Context(), s.DB, csatDays)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Satisfaction", csatReportPage(rep))
}
