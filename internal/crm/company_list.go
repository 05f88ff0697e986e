package crm

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// CompanyFilter narrows the company list. Nil fields do not filter.
type CompanyFilter struct {
	Search *string // an ILIKE pattern over name and domain (served by a trigram index)
	Sort   sortSpec
	After  Cursor
	Limit  *int // nil: every row (the CSV export)
}

// CompanySort are the company list's orders; the first is the default.
var CompanySort = []sortSpec{
	{Value: "name", Label: "Name", key: "lower(co.name)", typ: "text"},
	{Value: "created", Label: "Newest", key: "co.created_at", typ: "timestamptz", desc: true},
}

// CompanyListRow is a company with its number of contacts.
type CompanyListRow struct {
	Company
	Contacts int64 `db:"contacts"`
	SortKey  any   `db:"sort_key"`
}

const listCompaniesSQL = `
SELECT co.id, co.name, co.domain, co.created_at,
       (SELECT count(*) FROM contacts c WHERE c.company_id = co.id) AS contacts,
       {{KEY}} AS sort_key
FROM companies co
WHERE ($1::text IS NULL OR (co.name || ' ' || coalesce(co.domain, '')) ILIKE $1)
  AND ($2::{{TYPE}} IS NULL OR ({{KEY}}, co.id) {{CMP}} ($2::{{TYPE}}, $3::uuid))
ORDER BY {{KEY}} {{DIR}}, co.id {{DIR}}
LIMIT $4`

// QueryCompanies runs the company list query; the caller reads and closes the rows.
func QueryCompanies(ctx context.Context, q db.Querier, f CompanyFilter) (pgx.Rows, error) {
	key, id := f.After.keyArgs()
	rows, err := q.Query(ctx, f.Sort.sql(listCompaniesSQL), f.Search, key, id, f.Limit)
	return rows, db.Translate(err)
}

// ListCompanies returns one page of companies and whether more follow.
func ListCompanies(ctx context.Context, q db.Querier, f CompanyFilter) ([]CompanyListRow, bool, error) {
	limit := *f.Limit
	more := limit + 1
	f.Limit = &more
	rows, err := QueryCompanies(ctx, q, f)
	return collectPage[CompanyListRow](rows, err, limit)
}

// companyList is what the company list page shows.
type companyList struct {
	Rows   []CompanyListRow
	Query  string
	Sort   string
	Next   string
	First  string
	Export string
}

// CompanyList lists companies with search, sorting and keyset pages (GET
// /crm/companies); /crm/companies.csv exports every matching row.
func (s *Service) CompanyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := companyList{}
	f := CompanyFilter{Sort: pickSort(CompanySort, q.Get("sort"))}
	v.Query, f.Search = search(q.Get("q"))
	v.Sort = f.Sort.Value
	if wantsCSV(r) {
		rows, err := QueryCompanies(r.Context(), s.DB, f)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		s.streamCSV(w, r, "companies.csv", []string{"id", "name", "domain", "created_at"}, rows,
			func(row pgx.CollectableRow) ([]string, error) {
				c, err := pgx.RowToStructByName[CompanyListRow](row)
				return []string{c.ID, c.Name, deref(c.Domain), csvTime(c.CreatedAt)}, err
			})
		return
	}
	limit := listPage
	f.Limit = &limit
	var err error
	if f.After, err = readCursor(q.Get("after"), f.Sort.typ); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	list, more, err := ListCompanies(r.Context(), s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v.Rows = list
	if more {
		last := list[len(list)-1]
		if v.Next, err = nextPage("/crm/companies", q, last.SortKey, last.ID); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	v.First = firstPage("/crm/companies", q)
	v.Export = exportURL("/crm/companies", q)
	s.Pages.Render(w, r, http.StatusOK, "Companies", companyListPage(v))
}
