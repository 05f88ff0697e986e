package desk

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
)

// QueueFilter is one view of the queue. Nil fields do not filter.
type QueueFilter struct {
	Status     Status    // open, pending, solved or closed
	Priority   *Priority // one priority
	Team       *string   // one team
	NoTeam     bool      // tickets without a team
	AssigneeID *string   // one agent's tickets ("mine")
	Unassigned bool      // tickets nobody has
	Tag        *string   // tickets with this tag (a normalised name)
	After      *queueCursor
	Limit      int
}

// active reports whether the view is sorted by urgency and deadline (open, pending)
// rather than by last update (solved, closed).
func (f QueueFilter) active() bool { return f.Status == StatusOpen || f.Status == StatusPending }

// queueRow is one ticket in the queue.
type queueRow struct {
	ID                string     `db:"id"`
	Subject           string     `db:"subject"`
	Status            Status     `db:"status"`
	Priority          Priority   `db:"priority"`
	PriorityRank      int        `db:"priority_rank"`
	Team              *string    `db:"team"`
	RequesterName     string     `db:"requester_name"`
	RequesterVerified bool       `db:"requester_verified"`
	AssigneeName      *string    `db:"assignee_name"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	NextDue           *time.Time `db:"next_due"`
	FirstResponseMins *int       `db:"sla_first_response_mins"`
	ResolveMins       *int       `db:"sla_resolve_mins"`
	FirstResponseAt   *time.Time `db:"first_response_at"`
	SolvedAt          *time.Time `db:"solved_at"`
	PausedSince       *time.Time `db:"paused_since"`
	PausedSecs        int        `db:"paused_secs"`
}

func (q queueRow) clock(now time.Time) Clock {
	return Compute(clockFacts{q.CreatedAt, q.Status, q.FirstResponseMins, q.ResolveMins,
		q.FirstResponseAt, q.SolvedAt, q.PausedSince, q.PausedSecs}.input(), now)
}

// The filters take $1–$6 in every queue statement. With the simple protocol the values
// arrive as literals, so the planner folds the unused ones away and picks the index
// the remaining ones match (idx_ticket_queue*, idx_ticket_done*).
const queueFilterSQL = `
  AND ($1::smallint IS NULL OR t.priority_rank = $1::smallint)
  AND ($2::text IS NULL OR t.team = $2::text)
  AND (NOT $3::bool OR t.team IS NULL)
  AND ($4::text IS NULL OR t.assignee_id = $4::text)
  AND (NOT $5::bool OR t.assignee_id IS NULL)
  AND ($6::text IS NULL OR t.id IN (SELECT tt.ticket_id FROM ticket_tags tt
       WHERE tt.tag_id = (SELECT g.id FROM tags g WHERE g.name = $6::text)))`

const queueColumnsSQL = `
SELECT t.id, t.subject, t.status, t.priority, t.priority_rank, t.team,
       r.name AS requester_name, r.email_verified AS requester_verified, a.name AS assignee_name,
       t.created_at, t.updated_at, nullif(t.next_due_at, 'infinity') AS next_due,
       t.sla_first_response_mins, t.sla_resolve_mins, t.first_response_at, t.solved_at,
       t.paused_since, t.paused_secs
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
LEFT JOIN "user" a ON a.id = t.assignee_id
WHERE t.status = $7`

// Open and pending: urgent first, then the nearest deadline (one range scan).
const activeQueueSQL = queueColumnsSQL + queueFilterSQL + `
  AND ($8::smallint IS NULL OR (t.priority_rank, t.next_due_at, t.id) > ($8::smallint, $9::timestamptz, $10::uuid))
ORDER BY t.priority_rank, t.next_due_at, t.id
LIMIT $11`

// Solved and closed: the most recently updated first.
const doneQueueSQL = queueColumnsSQL + queueFilterSQL + `
  AND ($8::timestamptz IS NULL OR (t.updated_at, t.id) < ($8::timestamptz, $9::uuid))
ORDER BY t.updated_at DESC, t.id DESC
LIMIT $10`

// countCap is where the views' counts stop: "1,000+" costs at most 1,001 index entries.
const countCap = 1000

func countView(status Status) string {
	return `(SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE t.status = '` + string(status) + `'` +
		queueFilterSQL + ` LIMIT ` + strconv.Itoa(countCap+1) + `) x)`
}

// The counts and the team choices in one statement: the queue page's sidebar.
var queueFacetsSQL = `SELECT ` + countView(StatusOpen) + `, ` + countView(StatusPending) + `, ` +
	countView(StatusSolved) + `, ` + countView(StatusClosed) + `, ARRAY(` + teamsSQL + `),
    coalesce((SELECT json_agg(g ORDER BY g.name, g.id) FROM (` + agentsSQL + `) g), '[]')`

func (f QueueFilter) filterArgs() []any {
	var rank *int
	if f.Priority != nil {
		r := f.Priority.Rank()
		rank = &r
	}
	return []any{rank, f.Team, f.NoTeam, f.AssigneeID, f.Unassigned, f.Tag}
}

// listQueue returns one page of a view and whether more follow.
func listQueue(ctx context.Context, q db.Querier, f QueueFilter) ([]queueRow, bool, error) {
	if f.Limit <= 0 {
		f.Limit = pageSize
	}
	args := append(f.filterArgs(), f.Status)
	sql := doneQueueSQL
	if f.active() {
		sql = activeQueueSQL
		var rank *int
		var due, id *string
		if c := f.After; c != nil {
			d := "infinity"
			if c.Due != nil {
				d = c.Due.Format(time.RFC3339Nano)
			}
			rank, due, id = &c.Rank, &d, &c.ID
		}
		args = append(args, rank, due, id)
	} else {
		var at *time.Time
		var id *string
		if c := f.After; c != nil {
			at, id = &c.At, &c.ID
		}
		args = append(args, at, id)
	}
	rows, err := q.Query(ctx, sql, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[queueRow])
	if err != nil {
		return nil, false, db.Translate(err)
	}
	more := len(list) > f.Limit
	if more {
		list = list[:f.Limit]
	}
	return list, more, nil
}

// queueFacets is how many tickets each view holds under f's filters, capped at 1,001,
// the teams agents belong to (the team filter's choices) and the agents (the bulk
// form's).
func queueFacets(ctx context.Context, q db.Querier, f QueueFilter) (map[Status]int, []string, []agent, error) {
	var o, p, s, c int
	var teams []string
	var agents []agent
	if err := q.QueryRow(ctx, queueFacetsSQL, f.filterArgs()...).Scan(&o, &p, &s, &c, &teams, &agents); err != nil {
		return nil, nil, nil, db.Translate(err)
	}
	return map[Status]int{StatusOpen: o, StatusPending: p, StatusSolved: s, StatusClosed: c}, teams, agents, nil
}

// queueView is the queue page.
type queueView struct {
	Filter   QueueFilter
	Query    url.Values // the filters as typed, for links and the form
	Rows     []queueRow
	Counts   map[Status]int
	Teams    []string
	Agents   []agent // for the bulk form
	Now      time.Time
	NextPage string
}

// QueueShow shows the desk's queue (GET /desk): a view by status with counts, filters by
// priority, team and assignee, and keyset pages. Two statements: the page, the facets.
func (s *Service) QueueShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, query, ok := parseQueueQuery(r.URL.Query(), auth.UserFrom(ctx).ID)
	if !ok {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	rows, more, err := listQueue(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	counts, teams, agents, err := queueFacets(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v := queueView{Filter: f, Query: query, Rows: rows, Counts: counts, Teams: teams, Agents: agents, Now: s.now()}
	if more {
		last := rows[len(rows)-1]
		c := queueCursor{Rank: last.PriorityRank, Due: last.NextDue, At: last.UpdatedAt, ID: last.ID}
		next, err := c.encode(f.active())
		if err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		v.NextPage = queueURL(query, "after", next)
	}
	s.Pages.Render(w, r, http.StatusOK, "Queue", queuePage(v))
}

// parseQueueQuery reads the queue's query string: status (open by default), priority,
// team ("_none" for no team), assignee ("mine", "none" or empty for anyone), tag and after.
// Unknown values are the visitor's mistake (ok false: 400), never a database error.
func parseQueueQuery(q url.Values, me string) (QueueFilter, url.Values, bool) {
	kept := url.Values{}
	f := QueueFilter{Status: Status(q.Get("status"))}
	if f.Status == "" {
		f.Status = StatusOpen
	}
	if !f.Status.Valid() {
		return f, kept, false
	}
	kept.Set("status", string(f.Status))
	if p := Priority(q.Get("priority")); p != "" {
		if !p.Valid() {
			return f, kept, false
		}
		f.Priority = &p
		kept.Set("priority", string(p))
	}
	switch t := q.Get("team"); {
	case t == "_none":
		f.NoTeam = true
		kept.Set("team", t)
	case t != "":
		if !form.Lookup(t, maxTeam, false) {
			return f, kept, false
		}
		f.Team = &t
		kept.Set("team", t)
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "mine":
		f.AssigneeID = &me
		kept.Set("assignee", a)
	case "none":
		f.Unassigned = true
		kept.Set("assignee", a)
	default:
		return f, kept, false
	}
	if t := q.Get("tag"); t != "" {
		name, err := NormalizeTag(t)
		if err != nil {
			return f, kept, false
		}
		f.Tag = &name
		kept.Set("tag", name)
	}
	c, err := parseQueueCursor(q.Get("after"), f.active())
	f.After = c
	return f, kept, err == nil
}

// queueURL is /desk with query's filters and key set to value ("" removes it).
func queueURL(query url.Values, key, value string) string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if Status(q.Get("status")) == StatusOpen {
		q.Del("status")
	}
	if len(q) == 0 {
		return "/desk"
	}
	return "/desk?" + q.Encode()
}
