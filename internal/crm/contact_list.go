package crm

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// ContactFilter narrows the contact list. Nil fields do not filter.
type ContactFilter struct {
	OwnerID   *string
	CompanyID *string
	Search    *string // an ILIKE pattern over name and email (served by a trigram index)
	Sort      sortSpec
	After     Cursor
	Limit     *int // nil: every row (the CSV export)
	Custom    customQuery
	csv       bool // the export's built-in columns too (contactCSVRow)
}

// ContactSort are the contact list's orders; the first is the default.
var ContactSort = []sortSpec{
	{Value: "created", Label: "Newest", key: "c.created_at", typ: "timestamptz", desc: true},
	{Value: "name", Label: "Name", key: "lower(coalesce(c.name, ''))", typ: "text"},
	{Value: "email", Label: "Email", key: "lower(c.email)", typ: "text"},
}

// ContactListRow is a contact row with its sort key.
type ContactListRow struct {
	ContactRow
	JobTitle string       `db:"job_title"`
	Custom   CustomValues `db:"custom"`
	SortKey  any          `db:"sort_key"`
}

const listContactsSQL = `
SELECT ` + contactRowColumns + `, coalesce(c.job_title, '') AS job_title, {{CFCOL}}{{EXTRA}}, {{KEY}} AS sort_key
` + contactRowJoins + `
WHERE ($1::text IS NULL OR c.owner_id = $1)
  AND ($2::uuid IS NULL OR c.company_id = $2)
  AND ($3::text IS NULL OR (coalesce(c.name, '') || ' ' || c.email) ILIKE $3){{CF}}
  AND ($4::{{TYPE}} IS NULL OR ({{KEY}}, c.id) {{CMP}} ($4::{{TYPE}}, $5::uuid))
ORDER BY {{KEY}} {{DIR}}, c.id {{DIR}}
LIMIT $6`

// QueryContacts runs the contact list query; the caller reads and closes the rows.
func QueryContacts(ctx context.Context, q db.Querier, f ContactFilter) (pgx.Rows, error) {
	key, id := f.After.keyArgs()
	extra := ""
	if f.csv {
		extra = contactCSVColumns
	}
	query := strings.Replace(f.Sort.sql(listContactsSQL), "{{EXTRA}}", extra, 1)
	sql, args := f.Custom.apply(query, "c.id", []any{f.OwnerID, f.CompanyID, f.Search, key, id, f.Limit})
	rows, err := q.Query(ctx, sql, args...)
	return rows, db.Translate(err)
}

// ListContacts returns one page of contacts and whether more follow.
func ListContacts(ctx context.Context, q db.Querier, f ContactFilter) ([]ContactListRow, bool, error) {
	limit := *f.Limit
	more := limit + 1
	f.Limit = &more
	rows, err := QueryContacts(ctx, q, f)
	return collectPage[ContactListRow](rows, err, limit)
}

// contactList is what the contact list page shows.
type contactList struct {
	Rows         []ContactListRow
	Query        string
	Owner        string
	Owners       []Owner
	Company      string // company_id as typed: a domain or an id
	CompanyError string
	Sort         string
	Next         string
	First        string
	Export       string
	Custom       customQuery
}

// ContactList lists contacts with search, owner and company filters, sorting and keyset
// pages (GET /crm/contacts): two statements, the owners (in the choices statement with
// the company filter's lookup when there is one) and the page. /crm/contacts.csv exports
// every matching row.
func (s *Service) ContactList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := contactList{Company: q.Get("company_id")}
	f := ContactFilter{Sort: pickSort(ContactSort, q.Get("sort"))}
	v.Query, f.Search = search(q.Get("q"))
	v.Owner, f.OwnerID = ownerFilter(ctx, q.Get("owner_id"))
	v.Sort = f.Sort.Value
	if wantsCSV(r) {
		s.contactsCSV(w, r, f, v.Company)
		return
	}
	var err error
	var fields []CustomField
	if v.Company == "" {
		// The owners and fields: cheaper alone than in the choices statement.
		v.Owners, fields, err = loadOwnersFields(ctx, s.DB, EntityContact)
	} else {
		var choices Choices
		choices, f.CompanyID, v.CompanyError, err = loadListChoices(ctx, s.DB, v.Company, EntityContact)
		v.Owners, fields = choices.Owners, choices.Fields
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = readCustomQuery(q, fields)
	v.Custom = f.Custom
	limit := listPage
	f.Limit = &limit
	if f.After, err = readCursor(q.Get("after"), f.Sort.typ); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	list, more, err := ListContacts(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v.Rows = list
	if more {
		last := list[len(list)-1]
		if v.Next, err = nextPage("/crm/contacts", q, last.SortKey, last.ID); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	v.First = firstPage("/crm/contacts", q)
	v.Export = exportURL("/crm/contacts", q)
	s.Pages.Render(w, r, http.StatusOK, "Contacts", contactListPage(v))
}

// contactCSVRow is a contact row of the export: the list's columns and the built-in
// fields.
type contactCSVRow struct {
	ContactListRow
	Notes string `db:"notes"`
	Address
	Phones []Phone `db:"phones"`
}

var contactCSVColumns = `, coalesce(c.notes, '') AS notes, ` + addressColumns("c") + `, ` + phonesJSON("c.id") + ` AS phones`

// contactCSVHeader are the export's columns: the seeds' first, then the built-in
// fields (the first work, mobile and other number each), then the custom fields by label.
var contactCSVHeader = []string{"id", "company_id", "email", "name", "owner_id", "created_at",
	"job_title", "phone", "mobile", "other_phone", "street", "city", "postcode", "region", "country", "notes"}

// contactsCSV exports every contact the list's filters match (GET /crm/contacts.csv):
// two statements, the company filter with the fields, then the rows.
func (s *Service) contactsCSV(w http.ResponseWriter, r *http.Request, f ContactFilter, company string) {
	ctx := r.Context()
	var fields []CustomField
	var err error
	if f.CompanyID, fields, err = loadExportFilter(ctx, s.DB, company, EntityContact); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = readCustomQuery(r.URL.Query(), fields)
	f.Custom.Columns, f.csv = fields, true
	rows, err := QueryContacts(ctx, s.DB, f)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	header := append(slices.Clone(contactCSVHeader), fieldLabels(fields)...)
	s.streamCSV(w, r, "contacts.csv", header, rows, func(row pgx.CollectableRow) ([]string, error) {
		c, err := pgx.RowToStructByName[contactCSVRow](row)
		rec := []string{c.ID, deref(c.CompanyID), c.Email, c.Name, c.OwnerID, csvTime(c.CreatedAt), c.JobTitle,
			firstPhone(c.Phones, PhoneWork), firstPhone(c.Phones, PhoneMobile), firstPhone(c.Phones, PhoneOther),
			c.Street, c.City, c.Postcode, c.Region, c.Country, c.Notes}
		return append(rec, csvCustom(fields, c.Custom)...), err
	})
}

// firstPhone is the first number of kind k, "" when none.
func firstPhone(list []Phone, k PhoneKind) string {
	for _, p := range list {
		if p.Kind == k {
			return p.Number
		}
	}
	return ""
}
