package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCRMContactCreate(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	form := w.repB.get("/crm/contacts/new?company_id=acme.com")
	wantStatus(t, "form", form, http.StatusOK)
	if got, _ := inputValue(form, "company_id"); got != "acme.com" {
		t.Errorf("company pre-filled as %q", got)
	}
	mustContain(t, form, `<option value="`+w.rep.ID+`" selected>Rita Rep</option>`, `<option value="`+w.rep2.ID+`">Otto Other</option>`)
	mustNotContain(t, form, w.agent.ID, w.cust.ID)

	r := w.repB.post("/crm/contacts", url.Values{"email": {"  Tom.Baker@ACME.com "}, "name": {"Tom Baker"}, "company_id": {"https://acme.com"}, "owner_id": {w.rep.ID}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/crm/contacts/") {
		t.Fatalf("create: %d %q\n%s", r.status, r.location, r.body)
	}
	page := w.repB.get(r.location)
	mustContain(t, page, "<h1>Tom Baker</h1>", "tom.baker@acme.com", ">Acme</a>", "Owner: Rita Rep")
	if got := flash(page); got != "Contact Tom Baker added." {
		t.Errorf("flash %q", got)
	}

	// A lead without a company, handed to a colleague at creation.
	r = w.repB.post("/crm/contacts", url.Values{"email": {"solo@gmail.com"}, "owner_id": {w.rep2.ID}})
	wantStatus(t, "lead", r, http.StatusSeeOther)
	mustContain(t, w.repB.get(r.location), "<h1>solo@gmail.com</h1>", "No company yet", "Owner: Otto Other")
}

func TestCRMContactValidation(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	tests := []struct{ email, name, company, owner, field, msg string }{
		{"", "X", "", "rep", "email", "Email is required."},
		{"not-an-email", "X", "", "rep", "email", "Enter an email address like name@example.com."},
		{"x@y.com", "A\x00", "", "rep", "name", "Contains a NUL character, which is not allowed."},
		{"x@y.com", "X", "nowhere.com", "rep", "company_id", "No company uses nowhere.com yet: add the company first."},
		{"x@y.com", "X", "::junk::", "rep", "company_id", "Enter the company's domain, like acme.com, or leave this empty."},
		{"x@y.com", "X", "00000000-0000-0000-0000-000000000000", "rep", "company_id", "No company has this id."},
		{"x@y.com", "X", "", "agent", "owner_id", "Choose an owner from the list: a sales rep or an admin."},
		{"x@y.com", "X", "", "", "owner_id", "Choose an owner."},
		{"JANE@acme.com", "Jane 2", "", "rep", "email", "Jane Doe already has this email."},
	}
	for _, tc := range tests {
		owner := map[string]string{"rep": w.rep.ID, "agent": w.agent.ID, "": ""}[tc.owner]
		r := w.repB.post("/crm/contacts", url.Values{"email": {tc.email}, "name": {tc.name}, "company_id": {tc.company}, "owner_id": {owner}})
		wantStatus(t, tc.msg, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("%s: beside %s %q, want %q", tc.email, tc.field, got, tc.msg)
		}
		if got, _ := inputValue(r, "company_id"); got != tc.company {
			t.Errorf("company kept as %q", got)
		}
		if got, _ := inputValue(r, "email"); got != strings.ToLower(tc.email) {
			t.Errorf("email kept as %q", got)
		}
	}
	dup := w.repB.post("/crm/contacts", url.Values{"email": {"jane@ACME.com"}, "owner_id": {w.rep.ID}})
	mustContain(t, dup, `<a href="/crm/contacts/`+w.jane+`">open it</a>`)
	missing := w.repB.post("/crm/contacts", url.Values{"email": {"a@b.com"}, "company_id": {"www.newco.io"}, "owner_id": {w.rep.ID}})
	mustContain(t, missing, `<a href="/crm/companies/new?domain=newco.io">add it</a>`)
	if n := w.count(t, `SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts after refused forms", n)
	}
}

// The ownership rule on contacts: the owner edits and reassigns; another rep reads but
// may not change; an admin changes any.
func TestCRMContactOwnership(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	path := "/crm/contacts/" + w.jane
	mine := w.repB.get(path)
	mustContain(t, mine, `href="`+path+`/edit"`)
	theirs := w.rep2B.get(path)
	wantStatus(t, "another rep reads", theirs, http.StatusOK)
	mustNotContain(t, theirs, `href="`+path+`/edit"`)
	wantStatus(t, "another rep's edit form", w.rep2B.get(path+"/edit"), http.StatusForbidden)
	steal := w.rep2B.post(path, url.Values{"email": {"jane@acme.com"}, "name": {"Mine now"}, "owner_id": {w.rep2.ID}})
	wantStatus(t, "another rep's edit", steal, http.StatusForbidden)
	mustContain(t, steal, "That is not yours to change")
	wantStatus(t, "another rep's invalid edit", w.rep2B.post(path, url.Values{"email": {"nope"}}), http.StatusForbidden)

	edit := w.repB.get(path + "/edit")
	if got, _ := inputValue(edit, "company_id"); got != "acme.com" {
		t.Errorf("edit form's company %q", got)
	}
	// The owner detaches the company, renames, and hands the contact over.
	wantRedirect(t, "owner edits", w.repB.post(path, url.Values{"email": {"Jane.Doe@acme.com"}, "name": {"Jane D."}, "company_id": {""}, "owner_id": {w.rep2.ID}}), path)
	wantStatus(t, "former owner", w.repB.post(path, url.Values{"email": {"jane@acme.com"}, "owner_id": {w.rep.ID}}), http.StatusForbidden)
	wantRedirect(t, "new owner", w.rep2B.post(path, url.Values{"email": {"jane.doe@acme.com"}, "name": {"Jane Doe"}, "company_id": {w.acme}, "owner_id": {w.rep2.ID}}), path)
	wantRedirect(t, "admin", w.adminB.post(path, url.Values{"email": {"jane.doe@acme.com"}, "name": {"Jane Doe"}, "company_id": {"acme.com"}, "owner_id": {w.admin.ID}}), path)
	page := w.adminB.get(path)
	mustContain(t, page, "jane.doe@acme.com", ">Acme</a>", "Owner: Ada Admin")
	if got := flash(page); got != "Contact Jane Doe saved." {
		t.Errorf("flash %q", got)
	}
}

// The contact page: deals and activity, for reps; agents read it too, without deal links.
func TestCRMContactPage(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	wantRedirect(t, "log", w.repB.post("/crm/deals/"+w.deal+"/activities", url.Values{"type": {"email"}, "body": {"Sent pricing"}}), "/crm/deals/"+w.deal)
	page := w.rep2B.get("/crm/contacts/" + w.jane)
	wantStatus(t, "page", page, http.StatusOK)
	mustContain(t, page, "Acme starter", "$12,500", "Sent pricing", `href="/crm/deals/new?contact_id=jane%40acme.com"`)
	agent := w.agentB.get("/crm/contacts/" + w.jane)
	wantStatus(t, "agent", agent, http.StatusOK)
	mustContain(t, agent, "Jane Doe", "Acme starter", "Sent pricing")
	mustNotContain(t, agent, `href="/crm/deals/`, "New deal", "/edit")
}

// The view a separate CRM and helpdesk cannot give: the contact's support tickets, when
// a customer account has the same email, with status and SLA state; agents can open them.
func TestCRMContactShowsSupportTickets(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	jane := w.user("customer", "jane@acme.com")
	if _, err := w.db.DB.Exec(t.Context(), `INSERT INTO tickets (requester_id, subject, priority) VALUES ($1, 'Cannot <export> invoices', 'high')`, jane.ID); err != nil {
		t.Fatal(err)
	}
	var ticket string
	if err := w.db.DB.QueryRow(t.Context(), `SELECT id FROM tickets WHERE requester_id = $1`, jane.ID).Scan(&ticket); err != nil {
		t.Fatal(err)
	}
	page := w.repB.get("/crm/contacts/" + w.jane)
	wantStatus(t, "contact page", page, http.StatusOK)
	mustContain(t, page, "Support tickets", "Cannot &lt;export&gt; invoices", `<span class="badge ticket-open">Open</span>`, ">High</span>", "SLA ")
	mustNotContain(t, page, `href="/desk/tickets/`)
	agent := w.agentB.get("/crm/contacts/" + w.jane)
	mustContain(t, agent, `<a href="/desk/tickets/`+ticket+`">Cannot &lt;export&gt; invoices</a>`)
	other := w.repB.get("/crm/contacts/" + w.contact("nobody@acme.com", "Nobody", w.acme, w.rep))
	mustContain(t, other, "No support tickets from nobody@acme.com.")
}
