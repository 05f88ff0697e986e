package desk

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
)

// QueueFilter is one view of the queue. Nil fields do not filter.
type QueueFilter struct {
	Status       Status    // open, pending, solved or closed
	Priority     *Priority // one priority
	Team         *string   // one team
	NoTeam       bool      // tickets without a team
	AssigneeID   *string   // one agent's tickets ("mine")
	Unassigned   bool      // tickets nobody has
	DueSoon      bool      // the next deadline is within dueSoon, or past ("Breaching soon")
	SolvedRecent bool      // solved within solvedRecent ("Recently solved")
	SortUpdated  bool      // the most recently updated first, whatever the status
	Tag          *string   // tickets with this tag (a normalised name)
	After        *queueCursor
	Limit        int
}

// The windows of the built-in views "Breaching soon" and "Recently solved".
const (
	dueSoonSQL      = `interval '1 hour'`
	solvedRecentSQL = `interval '7 days'`
)

// active reports whether the view is sorted by urgency and deadline (open, pending)
// rather than by last update (solved, closed, or any view sorted by update).
func (f QueueFilter) active() bool {
	return (f.Status == StatusOpen || f.Status == StatusPending) && !f.SortUpdated
}

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
	AssigneeID        *string    `db:"assignee_id"`
	AssigneeName      *string    `db:"assignee_name"`
	Version           int        `db:"version"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	NextDue           *time.Time `db:"next_due"`
	FirstResponseMins *int       `db:"sla_first_response_mins"`
	ResolveMins       *int       `db:"sla_resolve_mins"`
	FirstResponseAt   *time.Time `db:"first_response_at"`
	SolvedAt          *time.Time `db:"solved_at"`
	PausedSince       *time.Time `db:"paused_since"`
	PausedSecs        int        `db:"paused_secs"`
	// The stored deadlines: in business time when the policy has a calendar.
	FirstResponseDue *time.Time `db:"first_response_due_at"`
	ResolveDue       *time.Time `db:"resolve_due_at"`
	// Warned is true once the breach warning of the next deadline went out.
	Warned bool `db:"sla_warned"`
}

func (q queueRow) clock(now time.Time) Clock {
	in := clockFacts{q.CreatedAt, q.Status, q.FirstResponseMins, q.ResolveMins,
		q.FirstResponseAt, q.SolvedAt, q.PausedSince, q.PausedSecs}.input()
	in.FirstResponseDue, in.ResolveDue = q.FirstResponseDue, q.ResolveDue
	return Compute(in, now)
}

// sqlArgs collects a statement's arguments as its text is written: p adds one and
// returns its placeholder. With the simple protocol the values arrive as literals, so
// the planner sees each filter's value and picks the index it matches
// (idx_ticket_queue*, idx_ticket_done, idx_ticket_open_due, idx_ticket_active_updated).
type sqlArgs []any

func (a *sqlArgs) p(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// where is f's conditions after "WHERE t.status = …", only those f sets.
func (f QueueFilter) where(a *sqlArgs) string {
	var b strings.Builder
	if f.Priority != nil {
		b.WriteString(" AND t.priority_rank = " + a.p(f.Priority.Rank()) + "::smallint")
	}
	if f.Team != nil {
		b.WriteString(" AND t.team = " + a.p(*f.Team) + "::text")
	}
	if f.NoTeam {
		b.WriteString(" AND t.team IS NULL")
	}
	if f.AssigneeID != nil {
		b.WriteString(" AND t.assignee_id = " + a.p(*f.AssigneeID) + "::text")
	}
	if f.Unassigned {
		b.WriteString(" AND t.assignee_id IS NULL")
	}
	if f.DueSoon {
		b.WriteString(" AND t.next_due_at < now() + " + dueSoonSQL)
	}
	if f.SolvedRecent {
		b.WriteString(" AND t.solved_at >= now() - " + solvedRecentSQL)
	}
	if f.Tag != nil {
		// A semi-join on the tag's id: a rare tag starts from its own tickets.
		b.WriteString(" AND t.id IN (SELECT tt.ticket_id FROM ticket_tags tt WHERE tt.tag_id = (SELECT g.id FROM tags g WHERE g.name = " +
			a.p(*f.Tag) + "::text))")
	}
	return b.String()
}

const queueColumnsSQL = `
SELECT t.id, t.subject, t.status, t.priority, t.priority_rank, t.team,
       r.name AS requester_name, r.email_verified AS requester_verified,
       t.assignee_id, a.name AS assignee_name, t.version,
       t.created_at, t.updated_at, nullif(t.next_due_at, 'infinity') AS next_due,
       t.sla_first_response_mins, t.sla_resolve_mins, t.first_response_at, t.solved_at,
       t.paused_since, t.paused_secs, t.first_response_due_at, t.resolve_due_at,
       coalesce(t.sla_warned_for = t.next_due_at, false) AS sla_warned
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
LEFT JOIN "user" a ON a.id = t.assignee_id
WHERE t.status = `

// queueListSQL is the statement of one page of f: open and pending urgent first, then
// the nearest deadline; solved, closed and views sorted by update the most recently
// updated first. Either is one index range scan from the cursor.
func queueListSQL(f QueueFilter) (string, []any) {
	if f.Limit <= 0 {
		f.Limit = pageSize
	}
	var a sqlArgs
	sql := queueColumnsSQL + a.p(f.Status) + f.where(&a)
	if f.active() {
		if c := f.After; c != nil {
			d := "infinity"
			if c.Due != nil {
				d = c.Due.Format(time.RFC3339Nano)
			}
			sql += " AND (t.priority_rank, t.next_due_at, t.id) > (" + a.p(c.Rank) + "::smallint, " +
				a.p(d) + "::timestamptz, " + a.p(c.ID) + "::uuid)"
		}
		sql += "\nORDER BY t.priority_rank, t.next_due_at, t.id"
	} else {
		if c := f.After; c != nil {
			sql += " AND (t.updated_at, t.id) < (" + a.p(c.At) + "::timestamptz, " + a.p(c.ID) + "::uuid)"
		}
		sql += "\nORDER BY t.updated_at DESC, t.id DESC"
	}
	return sql + "\nLIMIT " + a.p(f.Limit+1), a
}

// listQueue returns one page of a view and whether more follow.
func listQueue(ctx context.Context, q db.Querier, f QueueFilter) ([]queueRow, bool, error) {
	if f.Limit <= 0 {
		f.Limit = pageSize
	}
	sql, args := queueListSQL(f)
	rows, err := q.Query(ctx, sql, args...)
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

// countCap is where the views' counts stop: "1,000+" costs at most 1,001 index entries.
const countCap = 1000

// countSQL is the count of f's tickets, capped, as a scalar subquery.
func countSQL(a *sqlArgs, f QueueFilter) string {
	return "(SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE t.status = " + a.p(f.Status) + f.where(a) +
		" LIMIT " + strconv.Itoa(countCap+1) + ") x)"
}

// savedViewsSQL is the saved views the agent me sees (their own and the shared ones,
// at most maxSavedViews) with each one's count, as JSON. A saved view's filters are
// columns: desk_view_count (migration 00058) writes its count with their values as
// literals, the statement countSQL writes for the same filter, so each is planned for
// its values (a generic plan over the columns read every ticket of the status).
func savedViewsSQL(me string) string {
	return `coalesce((SELECT json_agg(json_build_object(
        'id', v.id, 'name', v.name, 'shared', v.shared, 'owner_id', v.owner_id, 'status', v.status,
        'priority', v.priority, 'team', v.team, 'no_team', v.no_team, 'assignee', v.assignee,
        'due_soon', v.due_soon, 'solved_recent', v.solved_recent, 'sort', v.sort, 'version', v.version,
        'count', c.n) ORDER BY v.shared, lower(v.name), v.id)
    FROM (SELECT * FROM desk_views v WHERE v.owner_id = ` + me + ` OR v.shared
          ORDER BY v.shared, lower(v.name), v.id LIMIT ` + strconv.Itoa(maxSavedViews) + `) v
    CROSS JOIN LATERAL (SELECT desk_view_count(v.status, v.priority, v.team, v.no_team, v.assignee, ` + me + `,
        v.due_soon, v.solved_recent, ` + strconv.Itoa(countCap+1) + `) AS n) c), '[]')`
}

// queueFacetsQuery is the queue's sidebar in one statement: the count of each status
// under f's filters, of each built-in view for the agent (me, in team), the saved views
// with their counts, the teams agents belong to (the team filter's choices), the
// agent's away flag, the agents and the macros the agent may apply (the bulk form's
// choices).
func queueFacetsQuery(f QueueFilter, me string, team *string) (string, []any) {
	var a sqlArgs
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, st := range Statuses {
		g := f
		g.Status = st
		b.WriteString(countSQL(&a, g) + ",\n")
	}
	for _, v := range builtinViews {
		g, ok := v.filter(me, team)
		if !ok {
			b.WriteString("0,\n")
			continue
		}
		b.WriteString(countSQL(&a, g) + ",\n")
	}
	m := a.p(me)
	b.WriteString(savedViewsSQL(m) + ",\nARRAY(" + teamsSQL + "),\n(SELECT away FROM agents WHERE user_id = " + m + "),\n" +
		"coalesce((SELECT json_agg(g ORDER BY g.name, g.id) FROM (" + agentsSQL + ") g), '[]'),\n" + macroChoicesSQL(m))
	return b.String(), a
}

// queueFacts is the queue's sidebar.
type queueFacts struct {
	Counts map[Status]int // under the current filters
	Views  []int          // each built-in view's, in builtinViews' order
	Saved  []savedView
	Teams  []string
	Away   *bool   // the agent's away flag; nil without an agent profile
	Agents []agent // the bulk form's choices
	Macros []macroChoice
}

// queueFacets loads the queue's sidebar (queueFacetsQuery).
func queueFacets(ctx context.Context, q db.Querier, f QueueFilter, me string, team *string) (queueFacts, error) {
	sql, args := queueFacetsQuery(f, me, team)
	st := make([]int, len(Statuses))
	views := make([]int, len(builtinViews))
	var facts queueFacts
	var dest []any
	for i := range st {
		dest = append(dest, &st[i])
	}
	for i := range views {
		dest = append(dest, &views[i])
	}
	dest = append(dest, &facts.Saved, &facts.Teams, &facts.Away, &facts.Agents, &facts.Macros)
	if err := q.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		return queueFacts{}, db.Translate(err)
	}
	facts.Counts = map[Status]int{}
	for i, s := range Statuses {
		facts.Counts[s] = st[i]
	}
	facts.Views = views
	return facts, nil
}

// builtinView is one of the queue's built-in views: a preset of its query string.
type builtinView struct {
	Key, Label string
	preset     url.Values // team "@mine" is the agent's own team
}

// builtinViews are the queue's primary navigation, in order.
var builtinViews = []builtinView{
	{"mine", "Mine", url.Values{"assignee": {"mine"}}},
	{"unassigned", "Unassigned", url.Values{"assignee": {"none"}}},
	{"team", "My team's", url.Values{"team": {"@mine"}}},
	{"open", "All open", url.Values{}},
	{"pending", "Pending", url.Values{"status": {"pending"}}},
	{"breaching", "Breaching soon", url.Values{"due": {"soon"}}},
	{"solved", "Recently solved", url.Values{"status": {"solved"}, "solved": {"7d"}}},
}

func findView(key string) (builtinView, bool) {
	for _, v := range builtinViews {
		if v.Key == key {
			return v, true
		}
	}
	return builtinView{}, false
}

// query is the view's query string for an agent in team (nil: none); false when the
// view needs a team the agent does not have.
func (v builtinView) query(team *string) (url.Values, bool) {
	q := url.Values{}
	for k, vals := range v.preset {
		if k == "team" && vals[0] == "@mine" {
			if team == nil {
				return nil, false
			}
			q.Set(k, *team)
			continue
		}
		q[k] = vals
	}
	return q, true
}

// filter is the view's filter for the agent me in team.
func (v builtinView) filter(me string, team *string) (QueueFilter, bool) {
	q, ok := v.query(team)
	if !ok {
		return QueueFilter{}, false
	}
	f, _, ok := parseQueueQuery(q, me, team)
	return f, ok
}

// viewTab is a view in the queue's navigation.
type viewTab struct {
	Label   string
	URL     string
	Count   int
	Current bool
	// Saved views: their id, whether shared, and whether the viewer may edit it.
	ID       string
	Shared   bool
	Editable bool
}

// queueView is the queue page.
type queueView struct {
	Filter   QueueFilter
	Query    url.Values // the filters as typed, for links and the form
	Rows     []queueRow
	Counts   map[Status]int
	Teams    []string
	Views    []viewTab // built-in
	Saved    []viewTab
	Agents   []agent // for the bulk form
	Macros   []macroChoice
	Now      time.Time
	NextPage string
	// Save is the "Save this view" form: the filters as hidden fields, a name.
	Save viewForm
	// Me is the viewer, for "Take it" (not on their own tickets).
	Me string
	// Away is the viewer's away flag (nil: no agent profile).
	Away *bool
	// Here is this page's address, where "Take it" comes back to.
	Here string
}

// QueueShow shows the desk's queue (GET /desk): the built-in and saved views with
// counts, tabs by status with counts, filters by priority, team and assignee, and
// keyset pages. Two statements: the page, the facets.
func (s *Service) QueueShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	team := myTeam(me)
	f, query, ok := parseQueueQuery(r.URL.Query(), me.ID, team)
	if !ok {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	s.renderQueue(w, r, http.StatusOK, f, query, viewForm{})
}

// myTeam is the agent's team, nil when they have none.
func myTeam(u *auth.User) *string {
	if u.Team == nil || *u.Team == "" {
		return nil
	}
	return u.Team
}

func (s *Service) renderQueue(w http.ResponseWriter, r *http.Request, status int, f QueueFilter, query url.Values, save viewForm) {
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	team := myTeam(me)
	rows, more, err := listQueue(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	facts, err := queueFacets(ctx, s.DB, f, me.ID, team)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v := queueView{Filter: f, Query: query, Rows: rows, Counts: facts.Counts, Teams: facts.Teams, Agents: facts.Agents, Macros: facts.Macros, Now: s.now(), Me: me.ID, Away: facts.Away,
		Here: "/desk"}
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		v.Here = "/desk?" + r.URL.RawQuery
	}
	for i, bv := range builtinViews {
		if _, ok := bv.query(team); !ok {
			continue
		}
		v.Views = append(v.Views, viewTab{Label: bv.Label, URL: "/desk?view=" + bv.Key, Count: facts.Views[i],
			Current: query.Get("view") == bv.Key})
	}
	for _, sv := range facts.Saved {
		v.Saved = append(v.Saved, viewTab{Label: sv.Name, URL: sv.url(), Count: sv.Count, ID: sv.ID, Shared: sv.Shared,
			Current: query.Get("saved") == sv.ID, Editable: sv.editableBy(me)})
	}
	v.Save = save
	if v.Save.Key == "" {
		v.Save = viewFormFrom(f, query)
		v.Save.Key = form.NewKey()
	}
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
	s.Pages.Render(w, r, status, "Queue", queuePage(v))
}

// parseQueueQuery reads the queue's query string: a built-in view (view, whose preset
// the other parameters override), a saved view's id (saved: which one is shown; its
// filters are in the link), status (open by default), priority, team ("_none" for no
// team), assignee ("mine", "none" or empty for anyone), due ("soon"), solved ("7d"),
// sort ("updated"), tag and after. Unknown values are the visitor's mistake (ok false: 400),
// never a database error.
func parseQueueQuery(in url.Values, me string, team *string) (QueueFilter, url.Values, bool) {
	kept := url.Values{}
	f := QueueFilter{}
	q := url.Values{}
	for k, v := range in {
		q[k] = v
	}
	if key := q.Get("view"); key != "" {
		bv, ok := findView(key)
		if !ok {
			return f, kept, false
		}
		preset, ok := bv.query(team)
		if !ok {
			return f, kept, false
		}
		for k, v := range preset {
			if !q.Has(k) {
				q[k] = v
			}
		}
		kept.Set("view", key)
	}
	if id := q.Get("saved"); id != "" {
		if !db.ValidUUID(id) {
			return f, kept, false
		}
		kept.Set("saved", id)
	}
	f.Status = Status(q.Get("status"))
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
	switch d := q.Get("due"); d {
	case "":
	case "soon":
		f.DueSoon = true
		kept.Set("due", d)
	default:
		return f, kept, false
	}
	switch v := q.Get("solved"); v {
	case "":
	case "7d":
		f.SolvedRecent = true
		kept.Set("solved", v)
	default:
		return f, kept, false
	}
	switch v := q.Get("sort"); v {
	case "":
	case "updated":
		f.SortUpdated = true
		kept.Set("sort", v)
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
	if Status(q.Get("status")) == StatusOpen && q.Get("view") == "" {
		q.Del("status")
	}
	if len(q) == 0 {
		return "/desk"
	}
	return "/desk?" + q.Encode()
}

// breachMark is the row's marker: "breached" for an open ticket past its next
// deadline, "breach soon" once its warning went out, "" otherwise.
func (q queueRow) breachMark(now time.Time) string {
	if q.Status != StatusOpen || q.NextDue == nil {
		return ""
	}
	switch {
	case !q.NextDue.After(now):
		return "breached"
	case q.Warned:
		return "breach soon"
	}
	return ""
}
