package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// reportDays is the reports' window.
const reportDays = 30

// timeStats is one priority's (or, with Priority "all", every ticket's) times over the
// window: how many, the median and 90th percentile in seconds, and the SLA outcome.
type timeStats struct {
	Priority Priority `db:"priority"`
	Count    int      `db:"n"`
	P50      *float64 `db:"p50"`
	P90      *float64 `db:"p90"`
	Met      int      `db:"met"`
	Missed   int      `db:"missed"`
}

// Attainment is the share of settled targets met, in percent, or -1 with none settled.
func (s timeStats) Attainment() float64 {
	if s.Met+s.Missed == 0 {
		return -1
	}
	return 100 * float64(s.Met) / float64(s.Met+s.Missed)
}

// windowStart is the start of the reports' window of $1 days.
const windowStart = `(now() - make_interval(days => $1))`

// Both halves of the times table in one pass over the tickets either half counts, each
// aggregate filtered to its half (one bitmap scan: idx_ticket_created, idx_ticket_solved_at,
// idx_ticket_status_priority).
//
// First responses (fr_) of the tickets opened in the window. Solving without a reply
// counts as the response; a ticket still unanswered past its deadline counts as missed
// already.
//
// Resolutions (res_) in the window, in clock time (pauses excluded: paused_secs is what
// was paused before solving). A ticket still unsolved past its deadline counts as missed.
const timeStatsSQL = `
SELECT coalesce(t.priority, 'all') AS priority,
       count(coalesce(t.first_response_at, t.solved_at)) FILTER (WHERE fr) AS fr_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(t.first_response_at, t.solved_at) - t.created_at)) FILTER (WHERE fr) AS fr_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(t.first_response_at, t.solved_at) - t.created_at)) FILTER (WHERE fr) AS fr_p90,
       count(*) FILTER (WHERE fr AND coalesce(t.first_response_at, t.solved_at) <= t.first_response_due_at) AS fr_met,
       count(*) FILTER (WHERE fr AND coalesce(t.first_response_at, t.solved_at, now()) > t.first_response_due_at) AS fr_missed,
       count(*) FILTER (WHERE res AND t.solved_at IS NOT NULL) AS res_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.solved_at - t.created_at) - t.paused_secs) FILTER (WHERE res) AS res_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.solved_at - t.created_at) - t.paused_secs) FILTER (WHERE res) AS res_p90,
       count(*) FILTER (WHERE res AND t.solved_at <= t.resolve_due_at) AS res_met,
       count(*) FILTER (WHERE res AND (t.solved_at > t.resolve_due_at
                                       OR (t.solved_at IS NULL AND t.status = 'open' AND t.resolve_due_at < now()))) AS res_missed
FROM tickets t,
     LATERAL (SELECT t.created_at >= ` + windowStart + ` AS fr,
                     coalesce(t.solved_at >= ` + windowStart + `, false)
                     OR (t.solved_at IS NULL AND t.status = 'open' AND t.resolve_due_at < now()) AS res) h
WHERE t.created_at >= ` + windowStart + `
   OR t.solved_at >= ` + windowStart + `
   OR (t.solved_at IS NULL AND t.status = 'open' AND t.resolve_due_at < now())
GROUP BY ROLLUP (t.priority)`

// timeStatsRow is a row of timeStatsSQL: a priority's first responses and resolutions.
type timeStatsRow struct {
	Priority  Priority `db:"priority"`
	FRCount   int      `db:"fr_n"`
	FRP50     *float64 `db:"fr_p50"`
	FRP90     *float64 `db:"fr_p90"`
	FRMet     int      `db:"fr_met"`
	FRMissed  int      `db:"fr_missed"`
	ResCount  int      `db:"res_n"`
	ResP50    *float64 `db:"res_p50"`
	ResP90    *float64 `db:"res_p90"`
	ResMet    int      `db:"res_met"`
	ResMissed int      `db:"res_missed"`
}

// backlogPoint is how many tickets of a priority were unsolved at the end of a day.
type backlogPoint struct {
	Day      time.Time `db:"day"`
	Priority Priority  `db:"priority"`
	Count    int       `db:"n"`
}

// A ticket is in the backlog from its creation until it is solved. Rather than test
// every ticket against every day, each one still unsolved at some point of the window
// adds 1 on the day it was created (or the window's first day) and takes 1 away on the
// day it was solved; a running sum per priority gives each day's backlog. Both halves
// are index scans (idx_ticket_status_priority, idx_ticket_solved_at).
const backlogSQL = `
WITH w AS (
    SELECT date_trunc('day', now()) - make_interval(days => $1 - 1) AS start
), events AS (
    SELECT t.priority, greatest(date_trunc('day', t.created_at), w.start) AS day, 1 AS delta
    FROM tickets t, w
    WHERE t.status IN ('open', 'pending') OR t.solved_at >= w.start
    UNION ALL
    SELECT t.priority, date_trunc('day', t.solved_at), -1
    FROM tickets t, w
    WHERE t.solved_at >= w.start AND t.status IN ('solved', 'closed')
), daily AS (
    SELECT priority, day, sum(delta) AS delta FROM events GROUP BY priority, day
)
SELECT d.day, p.priority,
       (sum(coalesce(x.delta, 0)) OVER (PARTITION BY p.priority ORDER BY d.day))::int AS n
FROM w
CROSS JOIN generate_series(w.start, date_trunc('day', now()), interval '1 day') AS d(day)
CROSS JOIN unnest(ARRAY['urgent', 'high', 'normal', 'low']) AS p(priority)
LEFT JOIN daily x ON x.priority = p.priority AND x.day = d.day
ORDER BY d.day, p.priority`

// report is the reports page's data.
type report struct {
	FirstResponse []timeStats
	Resolution    []timeStats
	Backlog       []backlogPoint
	Days          int
}

// loadReport reads the report in two statements: the times table, then the backlog.
func loadReport(ctx context.Context, q db.Querier, days int) (report, error) {
	r := report{Days: days}
	rows, err := q.Query(ctx, timeStatsSQL, days)
	if err != nil {
		return r, db.Translate(err)
	}
	stats, err := pgx.CollectRows(rows, pgx.RowToStructByName[timeStatsRow])
	if err != nil {
		return r, db.Translate(err)
	}
	var first, resolution []timeStats
	for _, s := range stats {
		first = append(first, timeStats{s.Priority, s.FRCount, s.FRP50, s.FRP90, s.FRMet, s.FRMissed})
		resolution = append(resolution, timeStats{s.Priority, s.ResCount, s.ResP50, s.ResP90, s.ResMet, s.ResMissed})
	}
	r.FirstResponse, r.Resolution = byPriority(first), byPriority(resolution)
	if rows, err = q.Query(ctx, backlogSQL, days); err != nil {
		return r, db.Translate(err)
	}
	r.Backlog, err = pgx.CollectRows(rows, pgx.RowToStructByName[backlogPoint])
	return r, db.Translate(err)
}

// allPriorities is the reports' row of every ticket whatever its priority (the
// statement's ROLLUP row), after the four priorities'.
const allPriorities Priority = "all"

// reportLabel is a report row's name: the priority's label, or "All".
func reportLabel(p Priority) string {
	if p == allPriorities {
		return "All"
	}
	return p.Label()
}

// byPriority orders the rows most urgent first and "all" last, with a row for every
// priority even when it had no tickets.
func byPriority(rows []timeStats) []timeStats {
	by := map[Priority]timeStats{}
	for _, r := range rows {
		by[r.Priority] = r
	}
	out := make([]timeStats, 0, len(Priorities)+1)
	for _, p := range append(append([]Priority{}, Priorities...), allPriorities) {
		r, ok := by[p]
		if !ok {
			r = timeStats{Priority: p}
		}
		out = append(out, r)
	}
	return out
}

// ReportShow shows first response and resolution times (median, 90th percentile), SLA
// attainment and the backlog by priority over the last 30 days (GET /desk/reports).
func (s *Service) ReportShow(w http.ResponseWriter, r *http.Request) {
	rep, err := loadReport(r.Context(), s.DB, reportDays)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Reports", reportsPage(rep, backlogChart(rep.Backlog)))
}
