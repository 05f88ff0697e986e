package crm

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
)

// pageThrough walks a list with keyset pages of size and returns the ids in order. The
// cursor goes through its text form and back, as it does in a "Next page" link.
func pageThrough[R any](t *testing.T, size int, spec sortSpec, list func(Cursor, int) ([]R, bool, error), key func(R) (any, string)) []string {
	t.Helper()
	var ids []string
	cur := Cursor{}
	for range 100 {
		page, more, err := list(cur, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			_, id := key(r)
			ids = append(ids, id)
		}
		if !more {
			return ids
		}
		k, id := key(page[len(page)-1])
		if cur, err = readCursor(mustString(t, Cursor{Key: k, ID: id}), spec.typ); err != nil || cur.Key == nil {
			t.Fatalf("cursor %v did not survive its link: %v", k, err)
		}
	}
	t.Fatal("no end of pages")
	return nil
}

// mustString is the cursor's link value.
func mustString(t *testing.T, c Cursor) string {
	t.Helper()
	s, err := c.encode()
	if err != nil {
		t.Fatalf("cursor %+v: %v", c, err)
	}
	return s
}

// Every sort pages through every row exactly once, in the order of the whole list,
// ties (same created_at, same amount, no close date) included.
func TestDealListKeysetPages(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	for i := range 23 {
		var close any
		if i%3 != 0 {
			close = day(2030, 1, 1+i%4)
		}
		s.exec(`INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, close_date, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, '2026-01-01T00:00:00Z'::timestamptz + ($7 || ' hours')::interval)`,
			s.jane, s.pipe, s.rep.ID, fmt.Sprintf("Deal %c", 'A'+i%7), int64(i%5)*100, close, i%6)
	}
	for _, spec := range DealSort {
		list := func(cur Cursor, limit int) ([]DealListRow, bool, error) {
			return ListDeals(s.ctx, s.db.DB, DealFilter{Sort: spec, After: cur, Limit: &limit})
		}
		key := func(r DealListRow) (any, string) { return r.SortKey, r.ID }
		whole := pageThrough(t, 1000, spec, list, key)
		if len(whole) != 23 {
			t.Fatalf("%s: %d rows", spec.Value, len(whole))
		}
		for _, size := range []int{1, 4, 7} {
			if got := pageThrough(t, size, spec, list, key); !slices.Equal(got, whole) {
				t.Errorf("%s, pages of %d: %v\nwant %v", spec.Value, size, got, whole)
			}
		}
	}
}

func TestDealListFilters(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	enterprise := s.pipeline("Enterprise")
	tom := s.contact("tom@globex.com", "Tom", ptr(s.company("Globex", "globex.com")), s.other)
	s.deal("Acme starter plan", s.jane, s.pipe, s.rep, "lead", 100, nil)
	s.deal("Acme 50% discount_deal", s.jane, enterprise, s.rep, "won", 200, nil)
	s.deal("Globex renewal", tom, s.pipe, s.other, "lead", 300, nil)
	titles := func(f DealFilter) []string {
		t.Helper()
		limit := 50
		f.Limit, f.Sort = &limit, pickSort(DealSort, "title")
		list, _, err := ListDeals(s.ctx, s.db.DB, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range list {
			out = append(out, d.Title)
		}
		return out
	}
	_, q := search("PLAN")
	_, pct := search("50%")
	_, under := search("t_d")
	for what, tc := range map[string]struct {
		f    DealFilter
		want []string
	}{
		"all":      {DealFilter{}, []string{"Acme 50% discount_deal", "Acme starter plan", "Globex renewal"}},
		"owner":    {DealFilter{OwnerID: &s.other.ID}, []string{"Globex renewal"}},
		"company":  {DealFilter{CompanyID: &s.acme}, []string{"Acme 50% discount_deal", "Acme starter plan"}},
		"stage":    {DealFilter{Stage: ptr(StageLead)}, []string{"Acme starter plan", "Globex renewal"}},
		"pipeline": {DealFilter{PipelineID: &enterprise}, []string{"Acme 50% discount_deal"}},
		"search":   {DealFilter{Search: q}, []string{"Acme starter plan"}},
		"percent":  {DealFilter{Search: pct}, []string{"Acme 50% discount_deal"}},
		"literal_": {DealFilter{Search: under}, []string{"Acme 50% discount_deal"}},
		"no match": {DealFilter{CompanyID: &noCompany}, nil},
	} {
		if got := titles(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", what, got, tc.want)
		}
	}
	// The export reads the same query without a limit, row by row.
	rows, err := QueryDeals(s.ctx, s.db.DB, DealFilter{Sort: DealSort[0], OwnerID: &s.rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if _, err := pgx.RowToStructByName[DealListRow](rows); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if rows.Close(); rows.Err() != nil || n != 2 {
		t.Fatalf("export rows %d, %v", n, rows.Err())
	}
}

func TestContactAndCompanyLists(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep, other := f.user(auth.RoleSales, "Rep"), f.user(auth.RoleSales, "Other")
	acme := f.company("Acme Corp", "acme.com")
	f.company("acme labs", "acmelabs.io")
	f.company("Globex", "globex.com")
	for i := range 9 {
		owner, company := rep, &acme
		if i%3 == 0 {
			owner, company = other, nil
		}
		f.contact(fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %d", 9-i), company, owner)
	}
	for _, spec := range ContactSort {
		list := func(cur Cursor, limit int) ([]ContactListRow, bool, error) {
			return ListContacts(f.ctx, f.db.DB, ContactFilter{Sort: spec, After: cur, Limit: &limit})
		}
		key := func(r ContactListRow) (any, string) { return r.SortKey, r.ID }
		whole := pageThrough(t, 1000, spec, list, key)
		if got := pageThrough(t, 2, spec, list, key); len(whole) != 9 || !slices.Equal(got, whole) {
			t.Errorf("contacts by %s: %v, want %v", spec.Value, got, whole)
		}
	}
	limit := 50
	mine, _, err := ListContacts(f.ctx, f.db.DB, ContactFilter{Sort: ContactSort[1], OwnerID: &rep.ID, CompanyID: &acme, Limit: &limit})
	if err != nil || len(mine) != 6 || mine[0].Name != "Person 1" {
		t.Fatalf("mine at Acme: %d, %v", len(mine), err)
	}
	_, q := search("p4@EXAMPLE")
	found, _, err := ListContacts(f.ctx, f.db.DB, ContactFilter{Sort: ContactSort[0], Search: q, Limit: &limit})
	if err != nil || len(found) != 1 || found[0].Email != "p4@example.com" {
		t.Fatalf("search: %+v, %v", found, err)
	}

	for _, spec := range CompanySort {
		list := func(cur Cursor, limit int) ([]CompanyListRow, bool, error) {
			return ListCompanies(f.ctx, f.db.DB, CompanyFilter{Sort: spec, After: cur, Limit: &limit})
		}
		key := func(r CompanyListRow) (any, string) { return r.SortKey, r.ID }
		whole := pageThrough(t, 1000, spec, list, key)
		if got := pageThrough(t, 1, spec, list, key); len(whole) != 3 || !slices.Equal(got, whole) {
			t.Errorf("companies by %s: %v, want %v", spec.Value, got, whole)
		}
	}
	_, q = search("acme")
	cos, _, err := ListCompanies(f.ctx, f.db.DB, CompanyFilter{Sort: CompanySort[0], Search: q, Limit: &limit})
	if err != nil || len(cos) != 2 || cos[0].Name != "Acme Corp" || cos[0].Contacts != 6 || cos[1].Name != "acme labs" {
		t.Fatalf("companies matching acme: %+v, %v", cos, err)
	}
}

// A list's choices statement also resolves its company filter, with the same answers
// as the forms' resolveCompany.
func TestListChoicesResolveTheCompanyFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(auth.RoleSales, "Rep")
	acme := f.company("Acme", "acme.com")
	pipe := f.pipeline("Inbound")
	for _, c := range []struct {
		ref, wantID, wantMsg string
	}{
		{"", "", ""},
		{"acme.com", acme, ""},
		{"https://www.ACME.com/about", acme, ""},
		{acme, acme, ""},
		{"nowhere.com", noCompany, "No company uses nowhere.com yet: add the company first."},
		{noCompany, noCompany, "No company has this id."},
		{"not a domain", noCompany, "Enter the company's domain, like acme.com, or leave this empty."},
	} {
		choices, id, msg, err := loadListChoices(f.ctx, f.db.DB, c.ref, EntityDeal)
		if err != nil {
			t.Fatalf("%q: %v", c.ref, err)
		}
		if deref(id) != c.wantID || msg != c.wantMsg {
			t.Errorf("%q: id %q, message %q; want %q, %q", c.ref, deref(id), msg, c.wantID, c.wantMsg)
		}
		if len(choices.Pipelines) != 1 || choices.Pipelines[0].ID != pipe || len(choices.Owners) != 1 || choices.Owners[0].ID != rep.ID {
			t.Errorf("%q: choices %+v", c.ref, choices)
		}
		if c.wantMsg != "" {
			if _, _, formMsg, err := resolveCompany(f.ctx, f.db.DB, c.ref); err != nil || formMsg != c.wantMsg {
				t.Errorf("%q: the form says %q (%v), the list %q", c.ref, formMsg, err, c.wantMsg)
			}
		}
	}
}
