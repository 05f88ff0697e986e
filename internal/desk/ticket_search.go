package desk

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Ticket search (GET /desk/search): full text over subjects and every message, internal
// notes included (the desk only: customers have no search).
//
// Speed. Messages and subjects carry a generated tsvector ('simple': see migration
// 00060) with a GIN index each. A common word would match a large part of a million
// messages, and ranking them all costs seconds; so the search ranks only the
// searchCandidates newest matching messages (and as many subjects, found through
// their GIN index). It first looks
// among the searchWindow newest messages (ticket_messages_created_idx read backwards,
// stopping at the cap: a word in a few percent of the messages fills it there), and
// only when they do not fill the cap among the older ones, through the GIN index (or
// the filters' indexes). The plan does not hang on the planner's guess of how common a
// word is: a word the statistics do not know is guessed at 0.5% of the messages, and a
// plan that read the created_at index until it found enough read all of it for a word
// no message has (1.5 s at scale 20). Filters apply before the cap, so a filter reaches
// older tickets. Results are grouped by ticket, the best match first (ts_rank; subjects
// weigh more), and paged by page number within the candidates (bounded: at most
// searchCandidates/searchPageSize pages).
const (
	searchCandidates = 150
	// searchWindow is how many of the newest messages are searched first.
	searchWindow   = 5000
	searchPageSize = 20
	searchMaxPages = searchCandidates / searchPageSize
	// maxSearchLen is the longest query, in characters: longer is a 422.
	maxSearchLen = 200
)

// The marks ts_headline puts around matches: private-use characters, never HTML.
// The snippet is split on them and every part rendered escaped (searchSnippet).
const (
	markStart = "\uE000"
	markStop  = "\uE001"
)

// searchFilterSQL filters the tickets of both candidate scans; $2–$13 (and $17).
const searchFilterSQL = `
      AND ($2::text IS NULL OR t.status = $2::text)
      AND ($3::text IS NULL OR t.priority = $3::text)
      AND ($4::text IS NULL OR t.team = $4::text)
      AND (NOT $5::bool OR t.team IS NULL)
      AND ($6::text IS NULL OR t.assignee_id = $6::text)
      AND (NOT $7::bool OR t.assignee_id IS NULL)
      AND ($8::text IS NULL OR t.requester_id = (SELECT u.id FROM "user" u WHERE u.email = $8::text))
      AND ($9::text IS NULL OR $17::bigint IS NOT NULL) -- the tag's link: searchByTagSQL
      AND ($10::timestamptz IS NULL OR t.created_at >= $10::timestamptz)
      AND ($11::timestamptz IS NULL OR t.created_at < $11::timestamptz)
      AND ($12::timestamptz IS NULL OR t.solved_at >= $12::timestamptz)
      AND ($13::timestamptz IS NULL OR t.solved_at < $13::timestamptz)`

// The query is repeated rather than put in a CTE: with the simple protocol it is a
// literal, websearch_to_tsquery is immutable, and the planner folds it to a constant
// whose words it can look up in the column's statistics (a CTE would hide them).
const searchQ = `websearch_to_tsquery('simple', $1::text)`

var searchSQL = searchStatement(searchFilterSQL)

// searchByTagSQL is searchSQL for the tickets with the tag whose id is $17 (the form's
// choices statement looks the name up). The tag is a semi-join (EXISTS, without the
// "$9 IS NULL OR" of the other filters, which would keep it a filter evaluated row by
// row), and its id a literal the planner finds in ticket_tags' statistics: it then
// starts from the tag's tickets and reads their messages (idx_message_ticket) when the
// tag is rare, and keeps to the newest matching messages when it is common.
var searchByTagSQL = searchStatement(searchFilterSQL + `
      AND EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag_id = $17::bigint)`)

func searchStatement(filter string) string {
	return `
WITH recent AS (
    SELECT m.ticket_id, m.id AS message_id, m.created_at, ts_rank(m.search_tsv, ` + searchQ + `) AS rank
    FROM (SELECT id, ticket_id, created_at, search_tsv FROM ticket_messages
          ORDER BY created_at DESC LIMIT ` + strconv.Itoa(searchWindow) + `) m
    -- A ticket lookup per matching message (OFFSET 0 keeps it one), so the scan stops
    -- at the cap; a hash join would read every ticket first.
    CROSS JOIN LATERAL (SELECT t.id FROM tickets t WHERE t.id = m.ticket_id` + filter + ` OFFSET 0) t
    WHERE m.search_tsv @@ ` + searchQ + `
    ORDER BY m.created_at DESC
    LIMIT $14
), recent_subjects AS (
    SELECT t.id AS ticket_id, NULL::uuid AS message_id, t.created_at, ts_rank(t.subject_tsv, ` + searchQ + `) AS rank
    FROM (SELECT id, created_at FROM tickets ORDER BY created_at DESC LIMIT ` + strconv.Itoa(searchWindow) + `) w
    CROSS JOIN LATERAL (SELECT t.* FROM tickets t WHERE t.id = w.id` + filter + ` OFFSET 0) t
    WHERE t.subject_tsv @@ ` + searchQ + `
    ORDER BY w.created_at DESC
    LIMIT $14
), hits AS (
    (SELECT * FROM recent)
    UNION ALL
    -- Older messages, only when the newest did not fill the cap (a rarer word, or
    -- narrow filters). The order by an expression keeps the planner off the created_at
    -- index: the GIN index, or the filters' own, find these.
    (SELECT m.ticket_id, m.id AS message_id, m.created_at, ts_rank(m.search_tsv, ` + searchQ + `) AS rank
     FROM ticket_messages m
     JOIN tickets t ON t.id = m.ticket_id
     WHERE (SELECT count(*) FROM recent) < $14
       AND m.created_at < (SELECT min(w.created_at) FROM (SELECT created_at FROM ticket_messages
                           ORDER BY created_at DESC LIMIT ` + strconv.Itoa(searchWindow) + `) w)
       AND m.search_tsv @@ ` + searchQ + filter + `
     ORDER BY m.created_at + interval '0 s' DESC
     LIMIT $14)
    UNION ALL
    (SELECT * FROM recent_subjects)
    UNION ALL
    -- Older subjects, as older messages: through the GIN index, only when the newest
    -- tickets did not fill the cap (idx_ticket_created read until enough subjects
    -- match read most of it at scale 20 for a word rare in subjects: 208 ms).
    (SELECT t.id, NULL::uuid, t.created_at, ts_rank(t.subject_tsv, ` + searchQ + `)
     FROM tickets t
     WHERE (SELECT count(*) FROM recent_subjects) < $14
       AND t.created_at < (SELECT min(w.created_at) FROM (SELECT created_at FROM tickets
                           ORDER BY created_at DESC LIMIT ` + strconv.Itoa(searchWindow) + `) w)
       AND t.subject_tsv @@ ` + searchQ + filter + `
     ORDER BY t.created_at + interval '0 s' DESC
     LIMIT $14)
), grouped AS (
    SELECT ticket_id, max(rank) AS rank, count(message_id) AS hits, max(created_at) AS latest,
           (array_agg(message_id ORDER BY rank DESC, created_at DESC) FILTER (WHERE message_id IS NOT NULL))[1] AS best_message
    FROM hits GROUP BY ticket_id
), page AS (
    SELECT * FROM grouped ORDER BY rank DESC, hits DESC, latest DESC, ticket_id LIMIT $15 OFFSET $16
)
SELECT t.id, t.subject, t.status, t.priority, t.team, t.created_at, t.updated_at,
       r.name AS requester_name, a.name AS assignee_name, p.hits,
       coalesce(m.is_internal, false) AS snippet_internal, m.created_at AS snippet_at,
       ts_headline('simple', coalesce(left(m.body, 20000), t.subject), ` + searchQ + `,
           'StartSel=` + markStart + `, StopSel=` + markStop + `, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') AS snippet,
       (SELECT count(*) FROM grouped) AS total,
       (SELECT count(message_id) FROM hits) >= $14 AS capped
FROM page p
JOIN tickets t ON t.id = p.ticket_id
JOIN "user" r ON r.id = t.requester_id
LEFT JOIN "user" a ON a.id = t.assignee_id
LEFT JOIN ticket_messages m ON m.id = p.best_message
ORDER BY p.rank DESC, p.hits DESC, p.latest DESC, t.id`
}

// searchRow is one ticket found.
type searchRow struct {
	ID              string     `db:"id"`
	Subject         string     `db:"subject"`
	Status          Status     `db:"status"`
	Priority        Priority   `db:"priority"`
	Team            *string    `db:"team"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	RequesterName   string     `db:"requester_name"`
	AssigneeName    *string    `db:"assignee_name"`
	Hits            int        `db:"hits"`
	SnippetInternal bool       `db:"snippet_internal"`
	SnippetAt       *time.Time `db:"snippet_at"`
	Snippet         string     `db:"snippet"`
	Total           int        `db:"total"`
	Capped          bool       `db:"capped"`
}

// snippetPart is a piece of a snippet: a match (Hit) or the text around one.
type snippetPart struct {
	Text string
	Hit  bool
}

// searchSnippet splits ts_headline's text on its marks. The parts are rendered as text
// (escaped by templ), the hits inside <mark>: nothing of the message becomes markup.
func searchSnippet(s string) []snippetPart {
	var parts []snippetPart
	for s != "" {
		i := strings.Index(s, markStart)
		if i < 0 {
			parts = append(parts, snippetPart{Text: s})
			break
		}
		if i > 0 {
			parts = append(parts, snippetPart{Text: s[:i]})
		}
		s = s[i+len(markStart):]
		j := strings.Index(s, markStop)
		if j < 0 {
			parts = append(parts, snippetPart{Text: s, Hit: true})
			break
		}
		parts = append(parts, snippetPart{Text: s[:j], Hit: true})
		s = s[j+len(markStop):]
	}
	for i := range parts {
		// A message that held the marks itself: they are dropped, never shown.
		parts[i].Text = strings.NewReplacer(markStart, "", markStop, "").Replace(parts[i].Text)
	}
	return parts
}

// searchQuery is the search form, typed and checked.
type searchQuery struct {
	Q                      string
	Status                 Status
	Priority               Priority
	Team                   string // "_none": no team
	Assignee               string // "mine", "none" or an agent's id
	Requester              string // an email address
	Tag                    string
	CreatedFrom, CreatedTo string // YYYY-MM-DD, in the viewer's zone
	SolvedFrom, SolvedTo   string
	Page                   int
	tagID                  *int64 // the tag's id, once looked up
	createdFrom, createdTo *time.Time
	solvedFrom, solvedTo   *time.Time
	Errors                 form.Errors
	submitted              bool
}

// parseSearch reads the query string; ok false is a doctored value that no form sends
// (a 400); problems with what was typed are in Errors (a 422).
func parseSearch(v url.Values, loc *time.Location) (searchQuery, bool) {
	q := searchQuery{Errors: form.Errors{}, Page: 1}
	for k := range v {
		if v.Get(k) != "" {
			q.submitted = true
		}
	}
	raw := v.Get("q")
	if n := utf8.RuneCountInString(raw); n > maxSearchLen || len(raw) > 4*maxSearchLen {
		q.Q = string([]rune(raw)[:min(n, maxSearchLen)])
		q.Errors.Add("q", "Search for at most "+strconv.Itoa(maxSearchLen)+" characters (this has "+strconv.Itoa(n)+").")
	} else {
		q.Q = form.Clean(strings.TrimSpace(raw))
		if q.Q != "" && !form.Lookup(q.Q, maxSearchLen, false) {
			q.Errors.Add("q", "The search holds characters that are not valid text (control characters).")
		}
	}
	if q.Q == "" && q.Errors["q"] == "" && q.submitted {
		q.Errors.Add("q", "Type a word to search for (the queue filters tickets without words).")
	}
	if s := v.Get("status"); s != "" {
		if q.Status = Status(s); !q.Status.Valid() {
			return q, false
		}
	}
	if p := v.Get("priority"); p != "" {
		if q.Priority = Priority(p); !q.Priority.Valid() {
			return q, false
		}
	}
	if t := v.Get("team"); t != "" {
		if !form.Lookup(t, maxTeam, false) {
			return q, false
		}
		q.Team = t
	}
	if a := v.Get("assignee"); a != "" {
		if !form.Lookup(a, 64, false) {
			return q, false
		}
		q.Assignee = a
	}
	if e := v.Get("requester"); e != "" {
		q.Requester = form.NormalizeEmail(e)
		form.Email(q.Errors, "requester", q.Requester)
	}
	if t := v.Get("tag"); t != "" {
		name, err := NormalizeTag(form.Clean(t))
		if err != nil {
			msg, _ := isTagNameError(err)
			q.Errors.Add("tag", msg)
			q.Tag = t
		} else {
			q.Tag = name
		}
	}
	day := func(field string, dst *string, at **time.Time, next bool) {
		s := strings.TrimSpace(v.Get(field))
		*dst = s
		if s == "" {
			return
		}
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil || d.Year() < 1 || d.Year() > 9999 {
			q.Errors.Add(field, "Enter a date like 2026-03-31.")
			return
		}
		if next {
			d = d.AddDate(0, 0, 1)
		}
		*at = &d
	}
	day("created_from", &q.CreatedFrom, &q.createdFrom, false)
	day("created_to", &q.CreatedTo, &q.createdTo, true)
	day("solved_from", &q.SolvedFrom, &q.solvedFrom, false)
	day("solved_to", &q.SolvedTo, &q.solvedTo, true)
	if q.createdFrom != nil && q.createdTo != nil && !q.createdFrom.Before(*q.createdTo) {
		q.Errors.Add("created_to", "The end comes before the start.")
	}
	if q.solvedFrom != nil && q.solvedTo != nil && !q.solvedFrom.Before(*q.solvedTo) {
		q.Errors.Add("solved_to", "The end comes before the start.")
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > searchMaxPages {
			return q, false
		}
		q.Page = n
	}
	return q, true
}

// sql is the statement for q: searchByTagSQL with a tag, else searchSQL.
func (q searchQuery) sql() string {
	if q.Tag != "" {
		return searchByTagSQL
	}
	return searchSQL
}

// args are searchSQL's parameters for q as the user me.
func (q searchQuery) args(me string) []any {
	var status, priority, team, assignee, requester, tag *string
	if q.Status != "" {
		s := string(q.Status)
		status = &s
	}
	if q.Priority != "" {
		p := string(q.Priority)
		priority = &p
	}
	noTeam, unassigned := q.Team == "_none", q.Assignee == "none"
	if q.Team != "" && !noTeam {
		team = &q.Team
	}
	switch q.Assignee {
	case "", "none":
	case "mine":
		assignee = &me
	default:
		assignee = &q.Assignee
	}
	if q.Requester != "" {
		requester = &q.Requester
	}
	if q.Tag != "" {
		tag = &q.Tag
	}
	return []any{q.Q, status, priority, team, noTeam, assignee, unassigned, requester, tag,
		q.createdFrom, q.createdTo, q.solvedFrom, q.solvedTo,
		searchCandidates, searchPageSize + 1, (q.Page - 1) * searchPageSize, q.tagID}
}

// searchTickets runs q: a page of tickets (and whether another follows).
func searchTickets(ctx context.Context, dbq db.Querier, q searchQuery, me string) ([]searchRow, bool, error) {
	rows, err := dbq.Query(ctx, q.sql(), q.args(me)...)
	if err != nil {
		return nil, false, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[searchRow])
	if err != nil {
		return nil, false, db.Translate(err)
	}
	more := len(list) > searchPageSize
	if more {
		list = list[:searchPageSize]
	}
	return list, more, nil
}

// The search form's choices, teams and agents, and the id of the tag $1 (NULL: none).
var searchChoicesSQL = `SELECT ARRAY(` + teamsSQL + `), coalesce((SELECT json_agg(g ORDER BY g.name, g.id) FROM (` + agentsSQL + `) g), '[]'),
    (SELECT id FROM tags WHERE name = $1::text)`

// searchView is the search page.
type searchView struct {
	Query  searchQuery
	Rows   []searchRow
	More   bool
	Ran    bool
	Total  int
	Capped bool
	Teams  []string
	Agents []agent
	Values url.Values // the query string, for the pager
}

// TicketSearch searches tickets (GET /desk/search): words in subjects and messages
// (notes included) with the queue's filters, a requester, a tag and date ranges. Two
// statements: the form's choices, the search.
func (s *Service) TicketSearch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, ok := parseSearch(r.URL.Query(), httpx.Location(ctx))
	if !ok {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	v := searchView{Query: q, Values: r.URL.Query()}
	if err := s.DB.QueryRow(ctx, searchChoicesSQL, q.Tag).Scan(&v.Teams, &v.Agents, &q.tagID); err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	status := http.StatusOK
	switch {
	case !q.Errors.OK():
		status = http.StatusUnprocessableEntity
	case q.Q != "" && q.Tag != "" && q.tagID == nil:
		v.Ran = true // no such tag: nothing matches
	case q.Q != "":
		rows, more, err := searchTickets(ctx, s.DB, q, auth.UserFrom(ctx).ID)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		v.Rows, v.More, v.Ran = rows, more, true
		if len(rows) > 0 {
			v.Total, v.Capped = rows[0].Total, rows[0].Capped
		}
	}
	s.Pages.Render(w, r, status, "Search", searchPage(v))
}

// searchPageURL is the search with page n.
func searchPageURL(v url.Values, n int) templ.SafeURL {
	q := url.Values{}
	for k, vals := range v {
		q[k] = vals
	}
	q.Set("page", strconv.Itoa(n))
	if n == 1 {
		q.Del("page")
	}
	return templ.SafeURL("/desk/search?" + q.Encode())
}
