package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// editForm is what a browser posts from an edit page: the page's hidden collision-check
// inputs (version, was_*) and the given fields as typed.
func editForm(t *testing.T, page response, typed url.Values) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="((?:version|was_)[a-z_]*)" value="([^"]*)"`).FindAllStringSubmatch(page.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("version") == "" {
		t.Fatalf("the edit page carries no version:\n%s", page.body)
	}
	for k, vs := range typed {
		v[k] = vs
	}
	return v
}

// TestCRMEditConflicts is defect 16 (first half) of issue 9: two people edit the same
// company, contact and deal; the second save is a 409 that changes nothing, shows the
// other person's change (and only the fields they changed) and keeps what was typed;
// saving again from that page, on purpose, wins. On af25b2d (with editForm's version
// check off: the pages carried none) the company's second save answered 303 and
// silently replaced the first.
func TestCRMEditConflicts(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	cases := []struct {
		what, path, id string
		theirs, mine   url.Values // the admin's save first; then the rep's, from a form opened before it
		read, field    string     // what the test reads back; the field it checks is kept
		changed        string     // the field the admin changed, as the 409 page labels it
		unchanged      string     // one the admin left alone (no row on the 409 page)
		theirsShown    string     // the admin's value as the 409 page shows it
	}{
		{"company", "/crm/companies/" + w.acme, w.acme,
			url.Values{"name": {"Acme Corporation"}, "domain": {"acme.com"}},
			url.Values{"name": {"Acme Ltd"}, "domain": {"acme.com"}},
			`SELECT name FROM companies WHERE id = $1`, "name", "Name", "Domain", "Acme Corporation"},
		{"contact", "/crm/contacts/" + w.jane, w.jane,
			url.Values{"email": {"jane@acme.com"}, "name": {"Jane Admin-Doe"}, "company_id": {"acme.com"}, "owner_id": {w.rep.ID}},
			url.Values{"email": {"jane@acme.com"}, "name": {"Jane R. Doe"}, "company_id": {"acme.com"}, "owner_id": {w.rep.ID}},
			`SELECT name FROM contacts WHERE id = $1`, "name", "Name", "Email", "Jane Admin-Doe"},
		{"deal", "/crm/deals/" + w.deal, w.deal,
			url.Values{"title": {"Acme starter"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {w.pipe}, "amount": {"20000"}, "owner_id": {w.rep.ID}},
			url.Values{"title": {"Acme starter, 40 seats"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {w.pipe}, "amount": {"12500"}, "owner_id": {w.rep.ID}},
			`SELECT title || ' ' || amount_cents FROM deals WHERE id = $1`, "title", "Amount (USD)", "Title", "20000"},
	}
	read := func(sql, id string) string {
		var s string
		if err := w.db.DB.QueryRow(t.Context(), sql, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	row := func(label string) string { return `<th scope="row">` + html.EscapeString(label) + `</th>` }
	for _, c := range cases {
		mineOpen := w.repB.get(c.path + "/edit")
		theirsOpen := w.adminB.get(c.path + "/edit")
		wantStatus(t, c.what+" edit page", mineOpen, http.StatusOK)
		wantRedirect(t, c.what+": the admin saves", w.adminB.post(c.path, editForm(t, theirsOpen, c.theirs)), c.path)
		saved := read(c.read, c.id)

		r := w.repB.post(c.path, editForm(t, mineOpen, c.mine))
		wantStatus(t, c.what+": the rep's stale save", r, http.StatusConflict)
		if now := read(c.read, c.id); now != saved {
			t.Errorf("%s: the stale save wrote %q over %q", c.what, now, saved)
		}
		mustContain(t, r, `id="stale"`, "Ada Admin saved this", row(c.changed), html.EscapeString(c.theirsShown))
		mustNotContain(t, r, row(c.unchanged))
		if got, _ := inputValue(r, c.field); got != c.mine.Get(c.field) {
			t.Errorf("%s: the 409 page's %s is %q, want what the rep typed, %q", c.what, c.field, got, c.mine.Get(c.field))
		}
		// Saving again from the 409 page is a choice made with the change in view: it wins.
		wantRedirect(t, c.what+": the rep saves again", w.repB.post(c.path, editForm(t, r, c.mine)), c.path)
		if now := read(c.read, c.id); now == saved {
			t.Errorf("%s: the deliberate second save did not land", c.what)
		}
	}
}

// A drag on the board is a single-field move, not an edit: it does not make an open
// edit form stale (last move wins, and every move is in the deal's timeline). A form
// whose version is not a number is refused; one without a version (no browser form
// sends that) saves unconditionally.
func TestCRMEditVersionEdges(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	open := w.repB.get("/crm/deals/" + w.deal + "/edit")
	wantRedirect(t, "the admin moves the deal", w.adminB.post("/crm/deals/"+w.deal+"/stage", url.Values{"stage": {"qualified"}, "next": {"/crm"}}), "/crm")
	deal := url.Values{"title": {"Acme starter v2"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {w.pipe}, "amount": {"12500"}, "owner_id": {w.rep.ID}}
	wantRedirect(t, "an edit after a move", w.repB.post("/crm/deals/"+w.deal, editForm(t, open, deal)), "/crm/deals/"+w.deal)
	if s := w.stageOf(w.deal); s != "qualified" {
		t.Errorf("the edit undid the move: stage %s", s)
	}
	for _, v := range []string{"", "x", "0", "-1", "99999999999"} {
		f := url.Values{"version": {v}, "name": {"Acme"}}
		if r := w.repB.post("/crm/companies/"+w.acme, f); r.status != http.StatusBadRequest {
			t.Errorf("version %q: %d, want 400", v, r.status)
		}
	}
	wantRedirect(t, "no version", w.repB.post("/crm/companies/"+w.acme, url.Values{"name": {"Acme Two"}}), "/crm/companies/"+w.acme)
	// The was_ values come from the client: the 409 page shows them escaped.
	r := w.repB.post("/crm/companies/"+w.acme, url.Values{"version": {"1"}, "was_name": {`<script>alert(1)</script>`}, "name": {"Acme Three"}})
	wantStatus(t, "a hostile was_name", r, http.StatusConflict)
	mustContain(t, r, "&lt;script&gt;alert(1)&lt;/script&gt;", "Acme Two")
	mustNotContain(t, r, "<script>alert(1)")
}
