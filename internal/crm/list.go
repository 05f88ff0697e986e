package crm

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/cursor"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/web"
)

// The lists (companies, contacts, deals) share their query string: q (search), owner_id
// ("mine", "any" or a user id; "mine" by default for reps), sort, and the keyset of the
// next page (after: the last row's sort key and id, as one internal/cursor value).

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

// Cursor is a keyset position: the sort key and id of the last row of a page. It is
// the one position type of every CRM list (the lists, a board column, a deal's
// timeline); a page link carries it as one opaque internal/cursor value ("after", or
// "before" on the timeline).
type Cursor struct {
	Key any // time.Time, int64 or string, by the sort's type; nil for the first page
	ID  string
}

// readCursor parses the link value raw ("" is the first page) for keys of the SQL type
// typ (timestamptz, bigint or text). Anything else, a cursor of another sort included,
// is cursor.ErrInvalid: a 400.
func readCursor(raw, typ string) (Cursor, error) {
	if raw == "" {
		return Cursor{}, nil
	}
	r := cursor.Read(raw)
	var key any
	switch typ {
	case "timestamptz":
		key = r.Time()
	case "bigint":
		key = r.Int(math.MinInt64, math.MaxInt64)
	default:
		key = r.Text()
	}
	c := Cursor{Key: key, ID: r.UUID()}
	if err := r.Err(); err != nil {
		return Cursor{}, err
	}
	return c, nil
}

// keyArgs are the cursor's two SQL arguments (NULLs on the first page).
func (c Cursor) keyArgs() (any, any) {
	if c.Key == nil {
		return nil, nil
	}
	return c.Key, c.ID
}

// encode is the cursor's link value.
func (c Cursor) encode() (string, error) {
	var key cursor.Value
	switch k := c.Key.(type) {
	case time.Time:
		key = cursor.Time(k)
	case int64:
		key = cursor.Int(k)
	case string:
		key = cursor.Text(k)
	default:
		return "", cursor.ErrValue
	}
	return cursor.Encode(key, cursor.UUID(c.ID))
}

// pageKeys are the query parameters of a page position, dropped from a list's other
// links (after_id is the position's id in links from before internal/cursor).
var pageKeys = []string{"after", "after_id", "before", "before_id"}

// withCursor is path with q's parameters, but the page position, and key set to c's
// link value.
func withCursor(path string, q url.Values, key string, c Cursor) (string, error) {
	v, err := c.encode()
	if err != nil {
		return "", err
	}
	n := url.Values{}
	for k, vs := range q {
		if !slices.Contains(pageKeys, k) {
			n[k] = vs
		}
	}
	n.Set(key, v)
	return path + "?" + n.Encode(), nil
}

// nextPage is the URL of the page after a row with this sort key and id.
func nextPage(path string, q url.Values, key any, id string) (string, error) {
	return withCursor(path, q, "after", Cursor{Key: key, ID: id})
}

// firstPage is the URL of the list's first page when q is a later one, "" otherwise.
func firstPage(path string, q url.Values) string {
	if q.Get("after") == "" {
		return ""
	}
	n := url.Values{}
	for k, v := range q {
		if !slices.Contains(pageKeys, k) {
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
		if k != "format" && !slices.Contains(pageKeys, k) {
			n[k] = v
		}
	}
	if len(n) == 0 {
		return path + ".csv"
	}
	return path + ".csv?" + n.Encode()
}

// listChoicesSQL is the choices with a row for the company a list's company filter
// names, by id ($1) or domain ($2): the unused lookup is folded away; and a row of the
// list's custom fields (entity $3), their definitions as a JSON array in its name.
var listChoicesSQL = choiceRowsSQL + `
UNION ALL
(SELECT 'company', co.id::text, co.name, NULL, NULL FROM companies co WHERE co.id = $1::uuid)
UNION ALL
(SELECT 'company', co.id::text, co.name, NULL, NULL FROM companies co WHERE co.domain = $2::text)
UNION ALL
(SELECT 'fields', '', ` + fieldsJSON("$3::text") + `::text, NULL, NULL)` + choicesOrder

// loadListChoices loads the owners and pipelines a list's filters offer and resolves its
// company filter (ref, as typed) in one statement. It returns the company id to filter
// on (nil: any company; noCompany, with the message why, when ref names none).
func loadListChoices(ctx context.Context, q db.Querier, ref string, e Entity) (Choices, *string, string, error) {
	cr := readCompanyLookup(ref)
	rows, err := q.Query(ctx, listChoicesSQL, cr.ID, cr.Domain, string(e))
	if err != nil {
		return Choices{}, nil, "", db.Translate(err)
	}
	choices, rest, err := collectChoices(rows)
	if err != nil {
		return Choices{}, nil, "", err
	}
	if choices.Fields, rest, err = fieldsFromRows(rest); err != nil {
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
