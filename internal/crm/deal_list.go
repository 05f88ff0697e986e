package crm

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// DealFilter narrows the deal list. Nil fields do not filter.
type DealFilter struct {
	OwnerID    *string
	CompanyID  *string
	Stage      *Stage
	PipelineID *string
	Search     *string // an ILIKE pattern over the title (served by a trigram index)
	Sort       sortSpec
	After      Cursor
	Limit      *int // nil: every row (the CSV export)
	Custom     customQuery
}

// DealSort are the deal list's orders; the first is the default. Deals without a close
// date sort after every dated one.
var DealSort = []sortSpec{
	{Value: "created", Label: "Newest", key: "d.created_at", typ: "timestamptz", desc: true},
	{Value: "amount", Label: "Largest", key: "d.amount_cents", typ: "bigint", desc: true},
	{Value: "close", Label: "Closing soonest", key: "coalesce(d.close_date, '9999-12-31Z')", typ: "timestamptz"},
	{Value: "title", Label: "Title", key: "lower(d.title)", typ: "text"},
}

// DealListRow is a deal row with its sort key.
type DealListRow struct {
	DealRow
	Custom  CustomValues `db:"custom"`
	SortKey any          `db:"sort_key"`
}

const listDealsSQL = `
SELECT ` + dealRowColumns + `, {{CFCOL}}, {{KEY}} AS sort_key
` + dealRowJoins + `
WHERE ($1::text IS NULL OR d.owner_id = $1)
  AND ($2::uuid IS NULL OR c.company_id = $2)
  AND ($3::text IS NULL OR d.stage = $3)
  AND ($4::uuid IS NULL OR d.pipeline_id = $4)
  AND ($5::text IS NULL OR d.title ILIKE $5){{CF}}
  AND ($6::{{TYPE}} IS NULL OR ({{KEY}}, d.id) {{CMP}} ($6::{{TYPE}}, $7::uuid))
ORDER BY {{KEY}} {{DIR}}, d.id {{DIR}}
LIMIT $8`

// QueryDeals runs the deal list query; the caller reads and closes the rows.
func QueryDeals(ctx context.Context, q db.Querier, f DealFilter) (pgx.Rows, error) {
	key, id := f.After.keyArgs()
	sql, args := f.Custom.apply(f.Sort.sql(listDealsSQL), "d.id", []any{f.OwnerID, f.CompanyID, f.Stage, f.PipelineID, f.Search, key, id, f.Limit})
	rows, err := q.Query(ctx, sql, args...)
	return rows, db.Translate(err)
}

// ListDeals returns one page of deals and whether more follow.
func ListDeals(ctx context.Context, q db.Querier, f DealFilter) ([]DealListRow, bool, error) {
	limit := *f.Limit
	more := limit + 1
	f.Limit = &more
	rows, err := QueryDeals(ctx, q, f)
	return collectPage[DealListRow](rows, err, limit)
}

// dealList is what the deal list page shows.
type dealList struct {
	Rows         []DealListRow
	Query        string
	Owner        string
	Owners       []Owner
	Company      string
	CompanyError string
	Stage        Stage
	PipelineID   string
	Pipelines    []Pipeline
	Sort         string
	Next         string
	First        string
	Export       string
	Custom       customQuery
}

// DealList lists deals with search, owner, company, stage and pipeline filters, sorting
// and keyset pages (GET /crm/deals): two statements, the choices (with the company
// filter's lookup) and the page. /crm/deals.csv exports every matching row.
func (s *Service) DealList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := dealList{Company: q.Get("company_id"), Stage: Stage(q.Get("stage")), PipelineID: q.Get("pipeline_id")}
	f := DealFilter{Sort: pickSort(DealSort, q.Get("sort"))}
	v.Query, f.Search = search(q.Get("q"))
	v.Owner, f.OwnerID = ownerFilter(ctx, q.Get("owner_id"))
	v.Sort = f.Sort.Value
	if v.Stage.Valid() {
		f.Stage = &v.Stage
	} else {
		v.Stage = ""
	}
	if db.ValidUUID(v.PipelineID) {
		f.PipelineID = &v.PipelineID
	} else {
		v.PipelineID = ""
	}
	if wantsCSV(r) {
		var fields []CustomField
		var err error
		if f.CompanyID, fields, err = loadExportFilter(ctx, s.DB, v.Company, EntityDeal); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		f.Custom = readCustomQuery(q, fields)
		f.Custom.Columns = fields
		rows, err := QueryDeals(ctx, s.DB, f)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		// The seeds' columns first, then the deal's own stage, status and reason, then
		// the custom fields by label.
		header := append([]string{"id", "contact_id", "pipeline_id", "owner_id", "title", "amount_cents", "stage", "close_date", "created_at",
			"stage_id", "stage_name", "status", "probability", "closed_at", "lost_reason", "lost_note"}, fieldLabels(fields)...)
		s.streamCSV(w, r, "deals.csv", header, rows,
			func(row pgx.CollectableRow) ([]string, error) {
				d, err := pgx.RowToStructByName[DealListRow](row)
				rec := []string{d.ID, d.ContactID, d.PipelineID, d.OwnerID, d.Title, csvInt(d.AmountCents), string(d.Stage),
					csvOptTime(d.CloseDate), csvTime(d.CreatedAt), deref(d.StageID), d.StageName, d.Stage.Status(),
					csvOptInt(d.Probability), csvOptTime(d.ClosedAt), deref(d.LostReason), deref(d.LostNote)}
				return append(rec, csvCustom(fields, d.Custom)...), err
			})
		return
	}
	choices, companyID, msg, err := loadListChoices(ctx, s.DB, v.Company, EntityDeal)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = readCustomQuery(q, choices.Fields)
	v.Custom = f.Custom
	v.Owners, v.Pipelines = choices.Owners, choices.Pipelines
	f.CompanyID, v.CompanyError = companyID, msg
	limit := listPage
	f.Limit = &limit
	if f.After, err = readCursor(q.Get("after"), f.Sort.typ); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	list, more, err := ListDeals(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v.Rows = list
	if more {
		last := list[len(list)-1]
		if v.Next, err = nextPage("/crm/deals", q, last.SortKey, last.ID); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	v.First = firstPage("/crm/deals", q)
	v.Export = exportURL("/crm/deals", q)
	s.Pages.Render(w, r, http.StatusOK, "Deals", dealListPage(v))
}
