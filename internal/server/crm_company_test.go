package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCRMCompanyCreateAndPage(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	form := w.repB.get("/crm/companies/new")
	wantStatus(t, "form", form, http.StatusOK)
	mustContain(t, form, `name="name"`, `name="domain"`)

	r := w.repB.post("/crm/companies", url.Values{"name": {"Globex"}, "domain": {"https://www.Globex.com/about"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/crm/companies/") {
		t.Fatalf("create: %d to %q", r.status, r.location)
	}
	page := w.repB.get(r.location)
	wantStatus(t, "page", page, http.StatusOK)
	if got := flash(page); got != "Company Globex added." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, page, "<h1>Globex</h1>", "globex.com", "0 open deals worth <strong>$0</strong>")
	if n := w.count(t, `SELECT count(*) FROM companies WHERE domain = 'globex.com' AND name = 'Globex'`); n != 1 {
		t.Fatalf("%d globex rows", n)
	}

	// The same domain typed another way offers the existing company instead.
	dup := w.rep2B.post("/crm/companies", url.Values{"name": {"Globex Inc"}, "domain": {"GLOBEX.COM."}})
	wantStatus(t, "duplicate", dup, http.StatusUnprocessableEntity)
	if got := fieldError(dup, "domain"); got != "Globex already uses globex.com." {
		t.Errorf("beside domain: %q", got)
	}
	mustContain(t, dup, "Globex already uses globex.com —", `<a href="`+r.location+`">open it</a>`)
	if got, _ := inputValue(dup, "name"); got != "Globex Inc" {
		t.Errorf("name kept as %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM companies WHERE domain = 'globex.com'`); n != 1 {
		t.Fatalf("%d globex rows after the duplicate", n)
	}
}

func TestCRMCompanyValidation(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tests := []struct{ name, domain, field, msg string }{
		{"", "x.com", "name", "Name is required."},
		{"A\x00B", "", "name", "Contains a NUL character, which is not allowed."},
		{"A\x07B", "", "name", "Contains control characters, which are not allowed."},
		{strings.Repeat("n", 201), "", "name", "Too long: at most 200 characters (this has 201)."},
		{"Fine", "not a domain", "domain", "Enter a web domain like acme.com (a full address such as https://www.acme.com/about works too)."},
		{"Fine", "localhost", "domain", "Enter a web domain like acme.com (a full address such as https://www.acme.com/about works too)."},
		{"Fine", "bü cher.de", "domain", "Enter a web domain like acme.com (a full address such as https://www.acme.com/about works too)."},
	}
	for _, tc := range tests {
		r := w.repB.post("/crm/companies", url.Values{"name": {tc.name}, "domain": {tc.domain}})
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("%q/%q: beside %s %q, want %q", tc.name, tc.domain, tc.field, got, tc.msg)
		}
		if got, _ := inputValue(r, "domain"); got != tc.domain {
			t.Errorf("domain kept as %q, want %q", got, tc.domain)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM companies`); n != 1 {
		t.Errorf("%d companies after refused forms", n)
	}
}

// International domains: typed in their Unicode form (any spelling of it), stored in
// their ASCII form, shown in their Unicode form, one company per domain either way.
// (Before, bücher.de was refused with a request to type xn--bcher-kva.de.)
func TestCRMCompanyInternationalDomain(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	r := w.repB.post("/crm/companies", url.Values{"name": {"Bücher GmbH"}, "domain": {"https://www.Bücher.DE/über-uns"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/crm/companies/") {
		t.Fatalf("create: %d to %q\n%s", r.status, r.location, r.body)
	}
	id := strings.TrimPrefix(r.location, "/crm/companies/")
	if n := w.count(t, `SELECT count(*) FROM companies WHERE domain = 'xn--bcher-kva.de'`); n != 1 {
		t.Fatalf("%d companies stored with xn--bcher-kva.de", n)
	}
	page := w.repB.get(r.location)
	if got := regexpFind(page.body, `<p class="muted crm-sub">([^<]*)<span`); got != "bücher.de " {
		t.Errorf("the company page shows its domain as %q", got)
	}
	mustContain(t, page, "(xn--bcher-kva.de)</span>")
	mustContain(t, w.repB.get("/crm/companies"), "<td>bücher.de</td>")

	for _, typed := range []string{"xn--bcher-kva.de", "BU\u0308CHER.de"} { // the ASCII form; a decomposed Ü
		dup := w.rep2B.post("/crm/companies", url.Values{"name": {"Bücher again"}, "domain": {typed}})
		wantStatus(t, "duplicate "+typed, dup, http.StatusUnprocessableEntity)
		if got := fieldError(dup, "domain"); got != "Bücher GmbH already uses bücher.de." {
			t.Errorf("%s: beside domain %q", typed, got)
		}
	}

	// The edit form shows the Unicode form; saving it unchanged keeps the domain.
	edit := w.repB.get(r.location + "/edit")
	if got, _ := inputValue(edit, "domain"); got != "bücher.de" {
		t.Errorf("edit form domain %q", got)
	}
	wantRedirect(t, "save unchanged", w.repB.post(r.location, editForm(t, edit, url.Values{"name": {"Bücher AG"}, "domain": {"bücher.de"}})), r.location)
	if n := w.count(t, `SELECT count(*) FROM companies WHERE domain = 'xn--bcher-kva.de' AND name = 'Bücher AG'`); n != 1 {
		t.Errorf("after saving: %d rows with the ASCII domain", n)
	}

	// A contact's company may be given by either form of its domain.
	c := w.repB.post("/crm/contacts", url.Values{"email": {"kai@example.com"}, "name": {"Kai"}, "company_id": {"Bücher.de"}, "owner_id": {w.rep.ID}})
	wantStatus(t, "contact at bücher.de", c, http.StatusSeeOther)
	if n := w.count(t, `SELECT count(*) FROM contacts WHERE company_id = $1`, id); n != 1 {
		t.Errorf("%d contacts at the company", n)
	}
	if got, _ := inputValue(w.repB.get(c.location+"/edit"), "company_id"); got != "bücher.de" {
		t.Errorf("the contact's edit form gives its company as %q", got)
	}
	missing := w.repB.post("/crm/contacts", url.Values{"email": {"lee@example.com"}, "company_id": {"straße.de"}, "owner_id": {w.rep.ID}})
	if got := fieldError(missing, "company_id"); got != "No company uses straße.de yet: add the company first." {
		t.Errorf("a domain nobody uses: %q", got)
	}
}

func TestCRMCompanyEditAndHostileNames(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	w.company("Globex", "globex.com")
	edit := w.rep2B.get("/crm/companies/" + w.acme + "/edit")
	wantStatus(t, "edit form", edit, http.StatusOK)
	if got, _ := inputValue(edit, "domain"); got != "acme.com" {
		t.Errorf("domain %q", got)
	}
	// Companies have no owner: any rep corrects them, within the de-duplication.
	r := w.rep2B.post("/crm/companies/"+w.acme, url.Values{"name": {"Acme"}, "domain": {"globex.com"}})
	wantStatus(t, "taking globex.com", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "domain"); got != "Globex already uses globex.com." {
		t.Errorf("beside domain %q", got)
	}
	hostile := `<script>alert("x")</script> & "Sons" 🦄`
	wantRedirect(t, "rename", w.rep2B.post("/crm/companies/"+w.acme, url.Values{"name": {hostile}, "domain": {"acme.io"}}), "/crm/companies/"+w.acme)
	var stored string
	if err := w.db.DB.QueryRow(t.Context(), `SELECT name FROM companies WHERE id = $1`, w.acme).Scan(&stored); err != nil || stored != hostile {
		t.Fatalf("stored %q, %v", stored, err)
	}
	for _, path := range []string{"/crm/companies/" + w.acme, "/crm/companies", "/crm/deals", "/crm/contacts/" + w.jane, "/crm/deals/" + w.deal, "/crm?owner_id=any"} {
		p := w.adminB.get(path)
		wantStatus(t, path, p, http.StatusOK)
		mustContain(t, p, html.EscapeString(hostile))
		mustNotContain(t, p, "<script>alert")
	}
	if r := w.repB.post("/crm/companies/00000000-0000-0000-0000-000000000000", url.Values{"name": {"X"}}); r.status != http.StatusNotFound {
		t.Errorf("unknown company: %d", r.status)
	}
}

// The company page: contacts, open deals with their total, recent activity; agents
// read it (without links to deals they may not open).
func TestCRMCompanyPage(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tom := w.contact("tom@acme.com", "Tom Baker", w.acme, w.rep2)
	w.newDeal("Acme support add-on", tom, w.rep2, "qualified", 420_000)
	w.newDeal("Acme old deal", tom, w.rep2, "lost", 999_999)
	wantRedirect(t, "log", w.repB.post("/crm/deals/"+w.deal+"/activities", url.Values{"type": {"call"}, "body": {"Discovery call with Jane"}}), "/crm/deals/"+w.deal)

	page := w.repB.get("/crm/companies/" + w.acme)
	wantStatus(t, "company page", page, http.StatusOK)
	mustContain(t, page, "Jane Doe", "Tom Baker", "2 open deals worth <strong>$16,700</strong>",
		"Acme starter", "Acme support add-on", "Discovery call with Jane", `href="/crm/deals/`+w.deal+`"`)
	mustNotContain(t, page, "Acme old deal")

	agent := w.agentB.get("/crm/companies/" + w.acme)
	wantStatus(t, "agent", agent, http.StatusOK)
	mustContain(t, agent, "Jane Doe", "Acme starter", `href="/crm/contacts/`+w.jane+`"`)
	mustNotContain(t, agent, `href="/crm/deals/`, "/edit", "Add a contact")
}
