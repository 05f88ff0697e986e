package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestCRMLists(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	globex := w.company("Globex", "globex.com")
	hank := w.contact("hank@globex.com", "Hank Scorpio", globex, w.rep2)
	w.newDeal("Globex renewal", hank, w.rep2, "won", 3_000_00)

	deals := w.repB.get("/crm/deals")
	wantStatus(t, "deals", deals, http.StatusOK)
	mustContain(t, deals, "Acme starter", `<option value="mine" selected>Mine</option>`)
	mustNotContain(t, deals, "Globex renewal")
	// Each query: what its list shows, and what it must not.
	for _, tc := range []struct {
		query     string
		shows, no []string
	}{
		{"/crm/deals?owner_id=any", []string{"Acme starter", "Globex renewal"}, nil},
		{"/crm/deals?owner_id=any&q=RENEW", []string{"Globex renewal"}, []string{"Acme starter"}},
		{"/crm/deals?owner_id=any&stage=lead", []string{"Acme starter"}, []string{"Globex renewal"}},
		{"/crm/deals?owner_id=any&company_id=globex.com", []string{"Globex renewal"}, []string{"Acme starter"}},
		{"/crm/deals?owner_id=any&company_id=" + w.acme, []string{"Acme starter"}, []string{"Globex renewal"}},
		{"/crm/deals?owner_id=" + w.rep2.ID, []string{"Globex renewal"}, []string{"Acme starter"}},
		{"/crm/deals?owner_id=any&pipeline_id=" + w.pipe, []string{"Acme starter", "Globex renewal"}, nil},
		{"/crm/contacts?owner_id=any", []string{"Jane Doe", "Hank Scorpio"}, nil},
		{"/crm/contacts", []string{"Jane Doe"}, []string{"Hank Scorpio"}},
		{"/crm/contacts?owner_id=any&q=scorp", []string{"Hank Scorpio"}, []string{"Jane Doe"}},
		{"/crm/contacts?owner_id=any&company_id=acme.com", []string{"Jane Doe"}, []string{"Hank Scorpio"}},
		{"/crm/companies", []string{">Acme</a>", ">Globex</a>"}, nil},
		{"/crm/companies?q=glob", []string{">Globex</a>"}, []string{">Acme</a>"}},
	} {
		r := w.repB.get(tc.query)
		wantStatus(t, tc.query, r, http.StatusOK)
		for _, x := range tc.shows {
			if !strings.Contains(r.body, x) {
				t.Errorf("%s lacks %q", tc.query, x)
			}
		}
		for _, x := range tc.no {
			if strings.Contains(r.body, x) {
				t.Errorf("%s shows %q", tc.query, x)
			}
		}
	}
	r := w.repB.get("/crm/deals?owner_id=any&company_id=nowhere.com")
	if got := fieldError(r, "company_id"); got != "No company uses nowhere.com yet: add the company first." {
		t.Errorf("unknown company filter: %q", got)
	}
	mustContain(t, r, "No deals match.")
	// The sort is chosen from a list; an unknown one falls back to the default.
	mustContain(t, w.repB.get("/crm/deals?sort=amount;DROP"), `<option value="created" selected>Newest</option>`)
}

// Keyset pages walk a long list to its end without repeating a row.
func TestCRMListPages(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	if _, err := w.db.DB.Exec(context.Background(), `
		INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, created_at)
		SELECT $1, $2, $3, 'Bulk ' || g, (g % 7) * 100, now() - (g % 5) * interval '1 hour'
		FROM generate_series(1, 120) g`, w.jane, w.pipe, w.rep.ID); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"created", "amount", "close", "title"} {
		seen := map[string]bool{}
		next := "/crm/deals?sort=" + sort
		pages := 0
		for next != "" {
			r := w.repB.get(next)
			wantStatus(t, next, r, http.StatusOK)
			pages++
			for _, m := range regexp.MustCompile(`<td><a href="/crm/deals/([0-9a-f-]+)">`).FindAllStringSubmatch(r.body, -1) {
				if seen[m[1]] {
					t.Fatalf("%s: deal %s on two pages", sort, m[1])
				}
				seen[m[1]] = true
			}
			next = ""
			if m := regexp.MustCompile(`<a href="([^"]+)">Next page →</a>`).FindStringSubmatch(r.body); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if len(seen) != 121 || pages != 3 {
			t.Errorf("by %s: %d deals over %d pages, want 121 over 3", sort, len(seen), pages)
		}
	}
}

// The CSV export is the filtered list, every page of it, streamed, with headers named
// after the seeds' columns; cells a spreadsheet would run as formulas are defused.
func TestCRMExportCSV(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	w.newDeal("=HYPERLINK(\"http://evil\")", w.jane, w.rep, "qualified", 99)
	if _, err := w.db.DB.Exec(context.Background(), `
		INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents)
		SELECT $1, $2, $3, 'Bulk, "quoted" ' || g, g FROM generate_series(1, 1200) g`, w.jane, w.pipe, w.rep2.ID); err != nil {
		t.Fatal(err)
	}
	list := w.repB.get("/crm/deals?owner_id=any&stage=qualified")
	mustContain(t, list, `href="/crm/deals.csv?owner_id=any&amp;stage=qualified"`)

	read := func(path string) [][]string {
		t.Helper()
		r := w.repB.get(path)
		wantStatus(t, path, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("%s: content type %q", path, ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
			t.Errorf("%s: disposition %q", path, cd)
		}
		recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return recs
	}
	recs := read("/crm/deals.csv?owner_id=any&stage=qualified")
	if got := strings.Join(recs[0], ","); got != "id,contact_id,pipeline_id,owner_id,title,amount_cents,stage,close_date,created_at,"+
		"stage_id,stage_name,status,probability,closed_at,lost_reason,lost_note" {
		t.Errorf("deal headers %s", got)
	}
	if len(recs) != 2 || recs[1][4] != `'=HYPERLINK("http://evil")` || recs[1][5] != "99" || recs[1][6] != "qualified" || recs[1][1] != w.jane {
		t.Errorf("qualified deals %v", recs)
	}
	all := read("/crm/deals.csv?owner_id=any&format=csv&after=x")
	if len(all) != 1203 {
		t.Errorf("%d rows for every deal, want 1202 and the header", len(all))
	}
	if !strings.HasPrefix(all[1200][4], `Bulk, "quoted" `) {
		t.Errorf("quoted cell %q", all[1200][4])
	}
	mine := read("/crm/deals?format=csv")
	if len(mine) != 3 {
		t.Errorf("my deals: %d rows", len(mine))
	}
	contacts := read("/crm/contacts.csv?owner_id=any")
	// The seeds' columns first, then the built-in fields (issue 11).
	if strings.Join(contacts[0], ",") != "id,company_id,email,name,owner_id,created_at,job_title,phone,mobile,other_phone,street,city,postcode,region,country,notes" || len(contacts) != 2 ||
		contacts[1][1] != w.acme || contacts[1][2] != "jane@acme.com" || contacts[1][3] != "Jane Doe" || contacts[1][4] != w.rep.ID {
		t.Errorf("contacts %v", contacts)
	}
	companies := read("/crm/companies.csv")
	if strings.Join(companies[0], ",") != "id,name,domain,created_at,website,phone,industry,size,street,city,postcode,region,country" || len(companies) != 2 || companies[1][2] != "acme.com" {
		t.Errorf("companies %v", companies)
	}
	if got := fmt.Sprint(len(read("/crm/companies.csv?q=nothing-matches"))); got != "1" {
		t.Errorf("empty export: %s rows", got)
	}
}
