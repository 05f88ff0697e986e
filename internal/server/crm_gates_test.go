package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCRMRoleGates is the CRM's access spec: every route, every kind of visitor.
// Customers never see the CRM; agents read a contact or a company page (they follow
// links from tickets) and nothing else; the anonymous are sent to sign in.
func TestCRMRoleGates(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	imp := w.repB.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", "c.csv", []byte("name,domain\nGlobex,globex.com\n"))
	wantStatus(t, "upload", imp, http.StatusSeeOther)

	routes := []struct{ method, path string }{
		{"GET", "/crm"},
		{"GET", "/crm?pipeline=" + w.pipe + "&owner_id=any"},
		{"GET", "/crm/column?stage=lead&pipeline=" + w.pipe},
		{"GET", "/crm/overview"},
		{"GET", "/crm/companies"},
		{"GET", "/crm/companies.csv"},
		{"GET", "/crm/companies/new"},
		{"POST", "/crm/companies"},
		{"GET", "/crm/companies/" + w.acme + "/edit"},
		{"POST", "/crm/companies/" + w.acme},
		{"GET", "/crm/contacts"},
		{"GET", "/crm/contacts.csv"},
		{"GET", "/crm/contacts/new"},
		{"POST", "/crm/contacts"},
		{"GET", "/crm/contacts/" + w.jane + "/edit"},
		{"POST", "/crm/contacts/" + w.jane},
		{"GET", "/crm/deals"},
		{"GET", "/crm/deals.csv"},
		{"GET", "/crm/deals/new"},
		{"POST", "/crm/deals"},
		{"GET", "/crm/deals/" + w.deal},
		{"GET", "/crm/deals/" + w.deal + "/edit"},
		{"POST", "/crm/deals/" + w.deal},
		{"POST", "/crm/deals/" + w.deal + "/stage"},
		{"POST", "/crm/deals/" + w.deal + "/activities"},
		{"GET", "/crm/import"},
		{"POST", "/crm/import"},
		{"GET", imp.location},
		{"POST", imp.location},
		{"GET", "/admin/pipelines"},
		{"POST", "/admin/pipelines"},
		{"GET", "/admin/pipelines/" + w.pipe},
		{"POST", "/admin/pipelines/" + w.pipe},
	}
	agentMayRead := map[string]bool{"/crm/companies/" + w.acme: true, "/crm/contacts/" + w.jane: true}
	routes = append(routes, struct{ method, path string }{"GET", "/crm/companies/" + w.acme}, struct{ method, path string }{"GET", "/crm/contacts/" + w.jane})

	for _, rt := range routes {
		do := func(b *browser) response {
			if rt.method == http.MethodPost {
				return b.post(rt.path, url.Values{"stage": {"won"}, "type": {"note"}, "body": {"x"}, "name": {"Gate"}})
			}
			return b.get(rt.path)
		}
		what := rt.method + " " + rt.path
		admin := strings.HasPrefix(rt.path, "/admin/")

		r := do(w.anon)
		want := "/signin"
		if rt.method == http.MethodGet {
			want = "/signin?next=" + url.QueryEscape(rt.path)
		}
		if r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("%s as anonymous: %d to %q, want 303 to %q", what, r.status, r.location, want)
		}
		if r := do(w.cuB); r.status != http.StatusForbidden {
			t.Errorf("%s as customer: %d, want 403", what, r.status)
		}
		r = do(w.agentB)
		if agentMayRead[rt.path] && rt.method == http.MethodGet {
			if r.status != http.StatusOK {
				t.Errorf("%s as agent: %d, want 200", what, r.status)
			}
		} else if r.status != http.StatusForbidden {
			t.Errorf("%s as agent: %d, want 403", what, r.status)
		}
		r = do(w.repB)
		if admin && r.status != http.StatusForbidden {
			t.Errorf("%s as sales rep: %d, want 403", what, r.status)
		}
		if !admin && (r.status == http.StatusForbidden || r.status >= 500 || strings.HasPrefix(r.location, "/signin")) {
			t.Errorf("%s as sales rep: %d to %q", what, r.status, r.location)
		}
		if r := do(w.adminB); r.status == http.StatusForbidden || r.status >= 500 || strings.HasPrefix(r.location, "/signin") {
			t.Errorf("%s as admin: %d to %q", what, r.status, r.location)
		}
	}
	// None of the refused writes changed anything.
	if s := w.stageOf(w.deal); s != "won" {
		// The rep (the owner) and the admin moved it; agents and customers could not.
		t.Errorf("deal stage %s", s)
	}
	if n := w.count(t, `SELECT count(*) FROM activities a JOIN "user" u ON u.id = a.actor_id WHERE u.role IN ('agent', 'customer')`); n != 0 {
		t.Errorf("%d activities logged by agents or customers", n)
	}
	if n := w.count(t, `SELECT count(*) FROM deal_stage_changes c JOIN "user" u ON u.id = c.actor_id WHERE u.role IN ('agent', 'customer')`); n != 0 {
		t.Errorf("%d stage changes by agents or customers", n)
	}
}

// Malformed ids in paths are 404s, and doctored keyset links 400s: never a 500.
func TestCRMBadIDsAndCursors(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	for _, path := range []string{
		"/crm/deals/nope", "/crm/deals/00000000-0000-0000-0000-000000000000", "/crm/contacts/'or'1'='1",
		"/crm/companies/00000000-0000-0000-0000-00000000000g", "/crm/import/00000000-0000-0000-0000-000000000000",
		"/crm/column?stage=nope", "/admin/pipelines/x",
	} {
		b := w.adminB
		if r := b.get(path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	// Doctored keyset links are a 400 page (they started over on af25b2d; see
	// TestMalformedCursorsAre400 for the whole table).
	for _, path := range []string{
		"/crm/deals?after=yesterday&after_id=" + w.deal,
		"/crm/deals?sort=amount&after=1e9&after_id=" + w.deal,
		"/crm/deals?sort=title&after=%00&after_id=" + w.deal,
		"/crm/contacts?after=x&after_id=not-a-uuid",
		"/crm/deals/" + w.deal + "?before=x&before_id=y",
		"/crm/column?stage=lead&after=x&after_id=" + w.deal,
	} {
		if r := w.repB.get(path); r.status != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, r.status)
		}
	}
	for _, path := range []string{
		"/crm/deals?after_id=" + w.deal, // a stray half of an old link: ignored
		"/crm?pipeline=nope&owner_id=%00&close_from=31/12/2026",
		"/crm/deals?stage=nope&pipeline_id=nope&owner_id=" + strings.Repeat("x", 100),
		"/crm/deals?q=" + url.QueryEscape("%_\\'"),
	} {
		if r := w.repB.get(path); r.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, r.status)
		}
	}
	if r := w.repB.post("/crm/deals/nope/stage", url.Values{"stage": {"won"}}); r.status != http.StatusNotFound {
		t.Errorf("move with a bad id: %d", r.status)
	}
}
