package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCRMPickers: the type-ahead fragment, and the search-and-choose step without
// JavaScript: a name that matches one record is that record, several are a 422 that
// lists them.
func TestCRMPickers(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	r := w.repB.get("/search/pick?type=company&q=acm")
	wantStatus(t, "pick", r, http.StatusOK)
	mustContain(t, r, `data-pick-value="acme.com"`, "Create a new company")
	mustNotContain(t, r, "<html")
	r = w.repB.get("/search/pick?type=contact&q=jane")
	mustContain(t, r, `data-pick-value="jane@acme.com"`, `href="/crm/contacts/new"`)
	mustContain(t, w.repB.get("/search/pick?type=contact&q=new%40x.io"), `href="/crm/contacts/new?email=new%40x.io"`)
	wantStatus(t, "bad type", w.repB.get("/search/pick?type=deal&q=a"), http.StatusNotFound)
	wantStatus(t, "long", w.repB.get("/search/pick?type=company&q="+strings.Repeat("a", 300)), http.StatusUnprocessableEntity)
	wantStatus(t, "agent", w.agentB.get("/search/pick?type=company&q=acm"), http.StatusForbidden)
	wantStatus(t, "customer", w.cuB.get("/search/pick?type=company&q=acm"), http.StatusForbidden)

	// Without JavaScript: a company by name.
	r = w.repB.post("/crm/contacts", url.Values{"email": {"kim@acme.com"}, "name": {"Kim"}, "company_id": {"Acme"}, "owner_id": {w.rep.ID}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("by name: %d %s", r.status, fieldError(r, "company_id"))
	}
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE email = 'kim@acme.com' AND company_id = $1`, w.acme); n != 1 {
		t.Error("the contact is not at Acme")
	}
	w.company("Acme Labs", "acmelabs.io")
	r = w.repB.post("/crm/contacts", url.Values{"email": {"lee@acme.com"}, "company_id": {"acm"}, "owner_id": {w.rep.ID}})
	wantStatus(t, "ambiguous", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "company_id"); !strings.HasPrefix(got, "Several companies match “acm”: enter one's domain: ") ||
		!strings.Contains(got, "Acme (acme.com)") || !strings.Contains(got, "Acme Labs (acmelabs.io)") {
		t.Errorf("beside company: %q", got)
	}
	// A deal's contact by name.
	r = w.repB.post("/crm/deals", dealForm(w, "By name", "Jane Doe", "10", "2030-06-30"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("deal by contact name: %d %q", r.status, fieldError(r, "contact_id"))
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE title = 'By name' AND contact_id = $1`, w.jane); n != 1 {
		t.Error("the deal is not Jane's")
	}
}
