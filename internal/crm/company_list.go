package crm

import (
	"context"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// CompanyFilter narrows the company list. Nil fields do not filter.
type CompanyFilter struct {
	Search *string // an ILIKE pattern over name and domain (served by a trigram index)
	Sort   sortSpec
	After  Cursor
	Limit  *int // nil: every row (the CSV export)
	Custom customQuery
	csv    bool // the export's built-in columns too (companyCSVRow)
}

// CompanySort are the company list's orders; the first is the default.
var CompanySort = []sortSpec{
	{Value: "name", Label: "Name", key: "lower(co.name)", typ: "text"},
	{Value: "created", Label: "Newest", key: "co.created_at", typ: "timestamptz", desc: true},
}

// CompanyListRow is a company with its number of contacts.
type CompanyListRow struct {
	Company
	Contacts int64        `db:"contacts"`
	Custom   CustomValues `db:"custom"`
	SortKey  any          `db:"sort_key"`
}

const listCompaniesSQL = `
SELECT co.id, co.name, co.domain, co.created_at,
       (SELECT count(*) FROM contacts c WHERE c.company_id = co.id) AS contacts,
       {{CFCOL}}{{EXTRA}}, {{KEY}} AS sort_key
FROM companies co
WHERE ($1::text IS NULL OR (co.name || ' ' || coalesce(co.domain, '')) ILIKE $1){{CF}}
  AND ($2::{{TYPE}} IS NULL OR ({{KEY}}, co.id) {{CMP}} ($2::{{TYPE}}, $3::uuid))
ORDER BY {{KEY}} {{DIR}}, co.id {{DIR}}
LIMIT $4`

// QueryCompanies runs the company list query; the caller reads and closes the rows.
func QueryCompanies(ctx context.Context, q db.Querier, f CompanyFilter) (pgx.Rows, error) {
	key, id := f.After.keyArgs()
	extra := ""
	if f.csv {
		extra = companyCSVColumns
	}
	query := strings.Replace(f.Sort.sql(listCompaniesSQL), "{{EXTRA}}", extra, 1)
	sql, args := f.Custom.apply(query, "co.id", []any{f.Search, key, id, f.Limit})
	rows, err := q.Query(ctx, sql, args...)
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
	Custom customQuery
}

// CompanyList lists companies with search, sorting and keyset pages (GET
// /crm/companies); /crm/companies.csv exports every matching row.
func (s *Service) CompanyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := companyList{}
	f := CompanyFilter{Sort: pickSort(CompanySort, q.Get("sort"))}
	v.Query, f.Search = search(q.Get("q"))
	v.Sort = f.Sort.Value
	fields, err := ListFields(r.Context(), s.DB, EntityCompany)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = readCustomQuery(q, fields)
	v.Custom = f.Custom
	if wantsCSV(r) {
		f.Custom.Columns, f.csv = fields, true
		rows, err := QueryCompanies(r.Context(), s.DB, f)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		// The seeds' columns first, then the built-in fields, then the custom fields.
		header := append([]string{"id", "name", "domain", "created_at", "website", "phone", "industry", "size",
			"street", "city", "postcode", "region", "country"}, fieldLabels(fields)...)
		s.streamCSV(w, r, "companies.csv", header, rows,
			func(row pgx.CollectableRow) ([]string, error) {
				c, err := pgx.RowToStructByName[companyCSVRow](row)
				rec := []string{c.ID, c.Name, deref(c.Domain), csvTime(c.CreatedAt), c.Website, c.Phone, c.Industry, c.Size,
					c.Street, c.City, c.Postcode, c.Region, c.Country}
				return append(rec, csvCustom(fields, c.Custom)...), err
			})
		return
	}
	limit := listPage
	f.Limit = &limit
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

// companyCSVRow is a company row of the export: the list's columns and the built-in
// fields.
type companyCSVRow struct {
	CompanyListRow
	CompanyBuiltin
}

var companyCSVColumns = `, coalesce(co.website, '') AS website, coalesce(co.phone, '') AS phone,
	coalesce(co.industry, '') AS industry, coalesce(co.size, '') AS size, ` + addressColumns("co")
