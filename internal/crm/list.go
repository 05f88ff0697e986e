package crm

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
	"rapport/web"
)

// The lists (companies, contacts, deals) share their query string: q (search), owner_id
// ("mine", "any" or a user id; "mine" by default for reps), sort, and the keyset of the
// next page (after, after_id: the last row's sort key and id).

const listPage = 50

// sortSpec is one way to order a list: the key expression in SQL, its type (for the
// keyset's cast), and its direction. A list query has {{KEY}}, {{TYPE}}, {{CMP}} and
// {{DIR}} where the spec goes; nothing a user typed is ever spliced into SQL.
type sortSpec struct {
	Value string
	Label string
	key   string
	typ   string // timestamptz, bigint or text
	desc  bool
}

func (s sortSpec) sql(query string) string {
	cmp, dir := ">", "ASC"
	if s.desc {
		cmp, dir = "<", "DESC"
	}
	return strings.NewReplacer("{{KEY}}", s.key, "{{TYPE}}", s.typ, "{{CMP}}", cmp, "{{DIR}}", dir).Replace(query)
}

// pickSort is the spec named value, or the first (the default).
func pickSort(specs []sortSpec, value string) sortSpec {
	for _, s := range specs {
		if s.Value == value {
			return s
		}
	}
	return specs[0]
}

func sortOptions(specs []sortSpec) []web.Option {
	o := make([]web.Option, len(specs))
	for i, s := range specs {
		o[i] = web.Option{Value: s.Value, Label: s.Label}
	}
	return o
}

// Cursor is a keyset position: the sort key and id of the last row of a page.
type Cursor struct {
	Key any // time.Time, int64 or string, by the sort's type; nil for the first page
	ID  string
}

// readCursor parses after and after_id for the sort; a malformed cursor starts over.
func readCursor(q url.Values, s sortSpec) Cursor {
	raw, id := q.Get("after"), q.Get("after_id")
	if raw == "" || !validUUID(id) {
		return Cursor{}
	}
	switch s.typ {
	case "timestamptz":
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return Cursor{Key: t, ID: id}
		}
	case "bigint":
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return Cursor{Key: n, ID: id}
		}
	default:
		if form.Lookup(raw, 1000, true) {
			return Cursor{Key: raw, ID: id}
		}
	}
	return Cursor{}
}

// keyArgs are the cursor's two SQL arguments (NULLs on the first page).
func (c Cursor) keyArgs() (any, any) {
	if c.Key == nil {
		return nil, nil
	}
	return c.Key, c.ID
}

func cursorText(key any) string {
	switch k := key.(type) {
	case time.Time:
		return k.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(k, 10)
	case string:
		return k
	}
	return ""
}

// nextPage is the URL of the page after a row with this sort key and id.
func nextPage(path string, q url.Values, key any, id string) string {
	n := url.Values{}
	for k, v := range q {
		if k != "after" && k != "after_id" {
			n[k] = v
		}
	}
	n.Set("after", cursorText(key))
	n.Set("after_id", id)
	return path + "?" + n.Encode()
}

// firstPage is the URL of the list's first page when q is a later one, "" otherwise.
func firstPage(path string, q url.Values) string {
	if q.Get("after") == "" {
		return ""
	}
	n := url.Values{}
	for k, v := range q {
		if k != "after" && k != "after_id" {
			n[k] = v
		}
	}
	return path + "?" + n.Encode()
}

// ownerFilter reads owner_id: "mine" (a rep's default), "any" (an admin's default) or
// a user id. It returns the value to show and the id to filter on (nil: anyone).
func ownerFilter(ctx context.Context, value string) (string, *string) {
	u := auth.UserFrom(ctx)
	if value == "" {
		value = "mine"
		if u.Role == auth.RoleAdmin {
			value = "any"
		}
	}
	switch {
	case value == "any":
		return value, nil
	case value == "mine":
		return value, &u.ID
	case len(value) > 64 || form.Check(value, 64, false) != "":
		return "any", nil
	}
	return value, &value
}

func ownerFilterOptions(owners []Owner) []web.Option {
	o := []web.Option{{Value: "mine", Label: "Mine"}, {Value: "any", Label: "Anyone"}}
	return append(o, ownerOptions(owners)...)
}

// search is the q parameter as an ILIKE pattern, nil when empty or unreadable.
func search(q string) (string, *string) {
	q = form.Clean(strings.TrimSpace(q))
	if q == "" || !form.Lookup(q, 200, false) {
		return "", nil
	}
	p := "%" + escapeLike(q) + "%"
	return q, &p
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// wantsCSV reports whether the list is asked for as a CSV export.
func wantsCSV(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, ".csv") || r.URL.Query().Get("format") == "csv"
}

// exportURL is the CSV export of the list as currently filtered (all pages).
func exportURL(path string, q url.Values) string {
	n := url.Values{}
	for k, v := range q {
		if k != "after" && k != "after_id" && k != "format" {
			n[k] = v
		}
	}
	if len(n) == 0 {
		return path + ".csv"
	}
	return path + ".csv?" + n.Encode()
}

// listChoicesSQL is the choices with a row for the company a list's company filter
// names, by id ($1) or domain ($2): the unused lookup is folded away.
const listChoicesSQL = choiceRowsSQL + `
UNION ALL
(SELECT 'company', co.id::text, co.name, NULL FROM companies co WHERE co.id = $1::uuid)
UNION ALL
(SELECT 'company', co.id::text, co.name, NULL FROM companies co WHERE co.domain = $2::text)` + choicesOrder

// loadListChoices loads the owners and pipelines a list's filters offer and resolves its
// company filter (ref, as typed) in one statement. It returns the company id to filter
// on (nil: any company; noCompany, with the message why, when ref names none).
func loadListChoices(ctx context.Context, q db.Querier, ref string) (Choices, *string, string, error) {
	cr := readCompanyLookup(ref)
	rows, err := q.Query(ctx, listChoicesSQL, cr.ID, cr.Domain)
	if err != nil {
		return Choices{}, nil, "", db.Translate(err)
	}
	choices, rest, err := collectChoices(rows)
	if err != nil {
		return Choices{}, nil, "", err
	}
	switch {
	case cr.Problem != "":
		return choices, &noCompany, cr.Problem, nil
	case cr.ID == nil && cr.Domain == nil:
		return choices, nil, "", nil
	case len(rest) == 0:
		return choices, &noCompany, cr.notFound(), nil
	}
	return choices, &rest[0].ID, "", nil
}

// companyFilter resolves a list's company filter alone, for the CSV exports (which offer
// no choices): the id to filter on, noCompany with the message when ref names none.
func companyFilter(ctx context.Context, q db.Querier, ref string) (*string, string, error) {
	id, _, msg, err := resolveCompany(ctx, q, ref)
	if msg != "" {
		id = &noCompany
	}
	return id, msg, err
}

// noCompany is the id no company has: a company filter that names no company matches
// nothing rather than everything.
var noCompany = "00000000-0000-0000-0000-000000000000"

// collectPage reads one keyset page from a query that asked for limit+1 rows, and
// reports whether more rows follow.
func collectPage[T any](rows pgx.Rows, err error, limit int) ([]T, bool, error) {
	if err != nil {
		return nil, false, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
	if err != nil {
		return nil, false, db.Translate(err)
	}
	if len(list) > limit {
		return list[:limit], true, nil
	}
	return list, false, nil
}
