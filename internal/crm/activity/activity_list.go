package activity

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/cursor"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// listPage is how many activities a page of "My activities" shows.
const listPage = 50

// ListFilter selects the activities of a list. Nil fields do not filter.
type ListFilter struct {
	AssigneeID *string
	Type       *string
	From, To   *time.Time // days, inclusive
	Done       bool       // the done ones, newest first; otherwise the open ones, soonest first
}

// listCursor is a position in a list: (day, sort key, id) of the open list, (done at,
// id) of the done one.
type listCursor struct {
	Day, Sort *time.Time
	ID        string
}

// openListSQL reads the open activities by day from planned_open_assignee_idx (one
// assignee) or planned_open_idx (everyone), up to the limit, then names them.
const openListSQL = `
SELECT ` + plannedColumns + `
FROM (
    SELECT * FROM planned_activities p
    WHERE p.done_at IS NULL
      AND ($1::text IS NULL OR p.assignee_id = $1)
      AND ($2::text IS NULL OR p.type = $2)
      AND ($3::date IS NULL OR p.due_date >= $3::date)
      AND ($4::date IS NULL OR p.due_date <= $4::date)
      AND ($5::date IS NULL OR (p.due_date, p.due_sort, p.id) > ($5::date, $6::timestamptz, $7::uuid))
    ORDER BY p.due_date, p.due_sort, p.id
    LIMIT $8
) p
` + plannedJoins + `
ORDER BY p.due_date, p.due_sort, p.id`

// doneListSQL is the done activities, most recently done first.
const doneListSQL = `
SELECT ` + plannedColumns + `
FROM (
    SELECT * FROM planned_activities p
    WHERE p.done_at IS NOT NULL
      AND ($1::text IS NULL OR p.assignee_id = $1)
      AND ($2::text IS NULL OR p.type = $2)
      AND ($3::date IS NULL OR p.due_date >= $3::date)
      AND ($4::date IS NULL OR p.due_date <= $4::date)
      AND ($5::timestamptz IS NULL OR (p.done_at, p.id) < ($5::timestamptz, $6::uuid))
    ORDER BY p.done_at DESC, p.id DESC
    LIMIT $7
) p
` + plannedJoins + `
ORDER BY p.done_at DESC, p.id DESC`

func dateArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// List returns up to limit activities matching f after the cursor.
func List(ctx context.Context, q db.Querier, f ListFilter, after listCursor, limit int) ([]Planned, error) {
	args := []any{f.AssigneeID, f.Type, dateArg(f.From), dateArg(f.To)}
	sql := openListSQL
	switch {
	case f.Done && after.Sort != nil:
		sql, args = doneListSQL, append(args, *after.Sort, after.ID, limit)
	case f.Done:
		sql, args = doneListSQL, append(args, nil, nil, limit)
	case after.Day != nil:
		args = append(args, dateArg(after.Day), *after.Sort, after.ID, limit)
	default:
		args = append(args, nil, nil, nil, limit)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Planned])
	return list, db.Translate(err)
}

// listQuery is the list's query string, read and checked.
type listQuery struct {
	Assignee string // "mine" (the default), "any" or a user id
	Type     string
	From, To string
	When     string // "", overdue, today, week, later, done
	Problem  string // an unreadable filter, ignored
	filter   ListFilter
	after    listCursor
}

// whens are the list's tabs.
var whens = []struct{ Value, Label string }{
	{"", "All open"}, {"overdue", "Overdue"}, {"today", "Today"}, {"week", "This week"}, {"later", "Later"}, {"done", "Done"},
}

// readListQuery reads the filters; a malformed cursor is cursor.ErrInvalid (a 400), an
// unreadable filter is dropped with a message.
func readListQuery(q url.Values, me string, c choices, today time.Time) (listQuery, error) {
	lq := listQuery{Assignee: q.Get("assignee"), Type: q.Get("type"), From: q.Get("from"), To: q.Get("to"), When: q.Get("when")}
	switch {
	case lq.Assignee == "" || lq.Assignee == "mine":
		lq.Assignee = "mine"
		lq.filter.AssigneeID = &me
	case lq.Assignee == "any":
	case c.assignee(lq.Assignee) || (len(lq.Assignee) <= 64 && form.Lookup(lq.Assignee, 64, false)):
		id := lq.Assignee
		lq.filter.AssigneeID = &id
	default:
		lq.Assignee, lq.Problem = "any", "That assignee is unknown: showing everyone's."
	}
	if lq.Type != "" {
		found := false
		for _, t := range c.Types {
			found = found || t.Key == lq.Type
		}
		if found {
			t := lq.Type
			lq.filter.Type = &t
		} else {
			lq.Type, lq.Problem = "", "That type is unknown: showing every type."
		}
	}
	readDay := func(v string) *time.Time {
		if v == "" {
			return nil
		}
		d, err := parseDay(v)
		if err != nil || len(v) != 10 || d.Year() < 1 || d.Year() > 9999 {
			lq.Problem = "Enter dates like 2026-12-31."
			return nil
		}
		return &d
	}
	lq.filter.From, lq.filter.To = readDay(lq.From), readDay(lq.To)
	if lq.filter.From == nil {
		lq.From = ""
	}
	if lq.filter.To == nil {
		lq.To = ""
	}
	yesterday, sunday := today.AddDate(0, 0, -1), weekEnd(today)
	narrow := func(from, to *time.Time) { // a tab within the typed range
		if from != nil && (lq.filter.From == nil || from.After(*lq.filter.From)) {
			lq.filter.From = from
		}
		if to != nil && (lq.filter.To == nil || to.Before(*lq.filter.To)) {
			lq.filter.To = to
		}
	}
	switch lq.When {
	case "":
	case "overdue":
		narrow(nil, &yesterday)
	case "today":
		narrow(&today, &today)
	case "week":
		narrow(&today, &sunday)
	case "later":
		after := sunday.AddDate(0, 0, 1)
		narrow(&after, nil)
	case "done":
		lq.filter.Done = true
	default:
		lq.When = ""
	}
	if raw := q.Get("after"); raw != "" {
		r := cursor.Read(raw)
		if lq.filter.Done {
			t := r.Time()
			lq.after = listCursor{Sort: &t, ID: r.UUID()}
		} else {
			d, s := r.Time(), r.Time()
			lq.after = listCursor{Day: &d, Sort: &s, ID: r.UUID()}
		}
		if err := r.Err(); err != nil {
			return lq, err
		}
		if lq.after.Day != nil && !lq.after.Day.Equal(day(*lq.after.Day)) {
			return lq, cursor.ErrInvalid
		}
	}
	return lq, nil
}

// values is the list's filter as a query string (for its links), without the position.
func (lq listQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	if lq.Assignee != "mine" {
		set("assignee", lq.Assignee)
	}
	set("type", lq.Type)
	set("from", lq.From)
	set("to", lq.To)
	set("when", lq.When)
	return v
}

// link is the list with the filter, and the tab when.
func (lq listQuery) link(when string) string {
	v := lq.values()
	v.Del("when")
	if when != "" {
		v.Set("when", when)
	}
	if len(v) == 0 {
		return ListPath
	}
	return ListPath + "?" + v.Encode()
}

// nextLink is the page after the last row.
func (lq listQuery) nextLink(last Planned) (string, error) {
	var c string
	var err error
	if lq.filter.Done && last.DoneAt != nil {
		c, err = cursor.Encode(cursor.Time(*last.DoneAt), cursor.UUID(last.ID))
	} else {
		c, err = cursor.Encode(cursor.Time(day(last.DueDate)), cursor.Time(last.DueSort), cursor.UUID(last.ID))
	}
	if err != nil {
		return "", err
	}
	v := lq.values()
	v.Set("after", c)
	return ListPath + "?" + v.Encode(), nil
}

// group is a heading of the list and its rows.
type group struct {
	Label string
	Rows  []Planned
}

// listView is "My activities".
type listView struct {
	listQuery
	Groups  []group
	Next    string
	First   string // the first page, on a later one
	Choices choices
	Self    string // this page, where a row's form comes back to
	Now     time.Time
	Me      actor
}

// ActivityList is "My activities" (GET /crm/activities): the viewer's open activities
// by day under Overdue, Today, This week and Later, or the done ones; filters assignee,
// type and a date range (kept in the URL), keyset pages. Three statements with the
// session: the choices, the page.
func (s *Service) ActivityList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := actorFrom(ctx)
	c, err := loadChoices(ctx, s.DB, "")
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	now := s.now()
	loc := httpx.Location(ctx)
	today := Today(now, loc)
	lq, err := readListQuery(r.URL.Query(), me.ID, c, today)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	rows, err := List(ctx, s.DB, lq.filter, lq.after, listPage+1)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v := listView{listQuery: lq, Choices: c, Self: r.URL.RequestURI(), Now: now, Me: me}
	if len(rows) > listPage {
		rows = rows[:listPage]
		if v.Next, err = lq.nextLink(rows[len(rows)-1]); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	if lq.after.ID != "" {
		v.First = lq.link(lq.When)
	}
	for _, p := range rows {
		b := bucketOf(p, today)
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Label != b.label() {
			v.Groups = append(v.Groups, group{Label: b.label()})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Rows = append(g.Rows, p)
	}
	s.Pages.Render(w, r, http.StatusOK, "My activities", listPageView(v))
}
