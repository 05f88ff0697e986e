package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestDeskRoleGates is the desk's access spec: every desk route, every kind of visitor.
// Customers use the portal (admins too); agents and admins the desk; admins the admin
// pages. Agents and sales reps get 403 on the portal, sales reps and customers on the
// desk.
func TestDeskRoleGates(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Gate test", "Checking who may see this.")
	policy := ""
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT id::text FROM sla_policies LIMIT 1`).Scan(&policy); err != nil {
		t.Fatal(err)
	}
	browsers := map[string]*browser{
		"anonymous": d.a.browser(), "customer": d.carolB, "sales": d.samB, "agent": d.jordanB, "admin": d.adaB,
	}
	const (
		ok, see, forbidden, notFound, invalid = http.StatusOK, http.StatusSeeOther, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity
	)
	type row struct {
		method, path string
		want         map[string]int // by visitor; anonymous always goes to sign in
	}
	rows := []row{
		{"GET", "/support", map[string]int{"customer": ok, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"GET", "/support/new", map[string]int{"customer": ok, "sales": forbidden, "agent": forbidden, "admin": ok}},
		// Empty forms: the gate answers first, then validation (422).
		{"POST", "/support/tickets", map[string]int{"customer": invalid, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		// The admin is not the requester: the ticket is not theirs in the portal.
		{"GET", "/support/tickets/" + id, map[string]int{"customer": ok, "sales": forbidden, "agent": forbidden, "admin": notFound}},
		{"POST", "/support/tickets/" + id + "/reply", map[string]int{"customer": invalid, "sales": forbidden, "agent": forbidden, "admin": notFound}},
		{"GET", "/desk", map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"GET", "/desk/reports", map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"GET", "/desk/events", map[string]int{"customer": forbidden, "sales": forbidden}}, // agents: desk_events_test
		// Tags, search, bulk actions and the export (issue 13); empty forms are 422s.
		{"GET", "/desk/search?q=x", map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"GET", "/desk/tags", map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"GET", "/desk/tickets.csv", map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"POST", "/desk/bulk", map[string]int{"customer": forbidden, "sales": forbidden, "agent": invalid, "admin": invalid}},
		{"POST", "/desk/tickets/" + id + "/tags", map[string]int{"customer": forbidden, "sales": forbidden, "agent": invalid, "admin": invalid}},
		{"POST", "/desk/tickets/" + id + "/tags/remove", map[string]int{"customer": forbidden, "sales": forbidden, "agent": invalid, "admin": invalid}},
		{"GET", "/admin/tags", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"POST", "/admin/tags/1", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		{"POST", "/admin/tags/1/merge", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		{"GET", "/desk/tickets/" + id, map[string]int{"customer": forbidden, "sales": forbidden, "agent": ok, "admin": ok}},
		{"POST", "/desk/tickets/" + id, map[string]int{"customer": forbidden, "sales": forbidden, "agent": invalid, "admin": invalid}},
		{"GET", "/admin/agents", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"POST", "/admin/agents", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		{"POST", "/admin/agents/" + d.jordan.ID, map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		{"GET", "/admin/sla", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"GET", "/admin/sla/new", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"POST", "/admin/sla", map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
		{"GET", "/admin/sla/" + policy, map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": ok}},
		{"POST", "/admin/sla/" + policy, map[string]int{"customer": forbidden, "sales": forbidden, "agent": forbidden, "admin": invalid}},
	}
	for _, tc := range rows {
		for who, b := range browsers {
			want, wantLoc := tc.want[who], ""
			if who == "anonymous" {
				want, wantLoc = see, "/signin"
				if tc.method == "GET" {
					wantLoc += "?next=" + url.QueryEscape(tc.path)
				}
			}
			if want == 0 {
				continue
			}
			var r response
			if tc.method == "POST" {
				r = b.post(tc.path, url.Values{})
			} else {
				r = b.get(tc.path)
			}
			if r.status != want || r.location != wantLoc {
				t.Errorf("%s %s as %s: %d to %q, want %d to %q", tc.method, tc.path, who, r.status, r.location, want, wantLoc)
			}
			if want == forbidden {
				mustContain(t, r, "403 · Forbidden")
			}
		}
	}
	// Nothing a refused request sent was written.
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages`); n != 1 {
		t.Errorf("%d messages after the gate tests, want the one request", n)
	}
}

// Ids that are not ids, and ids of nothing, are 404 pages: never a database error.
func TestDeskUnknownIDsAre404(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	for _, p := range []struct {
		b    *browser
		path string
	}{
		{d.carolB, "/support/tickets/not-a-uuid"},
		{d.carolB, "/support/tickets/00000000-0000-0000-0000-000000000000"},
		{d.carolB, "/support/tickets/%27%3B%20DROP%20TABLE%20tickets"},
		{d.jordanB, "/desk/tickets/12345"},
		{d.jordanB, "/desk/tickets/00000000-0000-0000-0000-000000000000"},
		{d.adaB, "/admin/sla/nope"},
		{d.adaB, "/admin/sla/00000000-0000-0000-0000-000000000000"},
	} {
		if r := p.b.get(p.path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p.path, r.status)
		}
	}
	for _, p := range []struct {
		b    *browser
		path string
		form url.Values
	}{
		{d.carolB, "/support/tickets/00000000-0000-0000-0000-000000000000/reply", url.Values{"body": {"hi"}}},
		{d.jordanB, "/desk/tickets/00000000-0000-0000-0000-000000000000", url.Values{"body": {"hi"}, "status": {"open"}, "priority": {"normal"}, "version": {"1"}}},
		{d.adaB, "/admin/agents/nobody", url.Values{"team": {"Tier 2"}}},
		{d.adaB, "/admin/sla/00000000-0000-0000-0000-000000000000", url.Values{"name": {"X"}, "priority": {"low"}, "first_response_mins": {"5"}, "resolve_mins": {"10"}}},
	} {
		if r := p.b.post(p.path, p.form); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p.path, r.status)
		}
	}
}

// Bytes Postgres would refuse (NUL, invalid UTF-8) in a query string, a path or a form
// are the visitor's mistake: 400, 404 or 422, never a 500.
func TestDeskHostileBytesAreNever500(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Bytes", "Testing.")
	gets := []struct {
		b    *browser
		path string
	}{
		{d.jordanB, "/desk?team=%00"},
		{d.jordanB, "/desk?team=%ff%fe"},
		{d.jordanB, "/desk?status=%00"},
		{d.jordanB, "/desk?after=%00"},
		{d.jordanB, "/desk/tickets/%00"},
		{d.carolB, "/support?after=1_%ff"},
		{d.carolB, "/support/tickets/%ff"},
		{d.adaB, "/admin/sla/%00"},
	}
	for _, g := range gets {
		if r := g.b.get(g.path); r.status >= 500 || r.status == http.StatusOK {
			t.Errorf("GET %s: %d", g.path, r.status)
		}
	}
	posts := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{d.adaB, "/admin/agents/%00", url.Values{"team": {"Tier 1"}}},
		{d.adaB, "/admin/agents", url.Values{"email": {"a\x00@example.com"}, "team": {"T"}}},
		{d.adaB, "/admin/sla", url.Values{"name": {"\xff\xfe"}, "priority": {"low"}, "first_response_mins": {"1"}, "resolve_mins": {"2"}}},
		{d.carolB, "/support/tickets", url.Values{"subject": {"ok"}, "body": {"bad \xff byte"}}},
		{d.carolB, "/support/tickets/" + id + "/reply", url.Values{"body": {"nul \x00"}}},
		{d.jordanB, "/desk/tickets/" + id, url.Values{"body": {"x"}, "status": {"open"}, "priority": {"normal"}, "version": {"1"}, "assignee_id": {"\x00"}}},
		{d.jordanB, "/desk/tickets/" + id, url.Values{"body": {"x"}, "status": {"open\x00"}, "priority": {"normal"}, "version": {"1"}}},
		{d.jordanB, "/desk/tickets/" + id, url.Values{"body": {"x"}, "status": {"open"}, "priority": {"normal"}, "version": {"1"}, "team": {"\xff"}}},
	}
	for _, p := range posts {
		if r := p.b.post(p.path, p.form); r.status >= 500 || r.status == http.StatusSeeOther {
			t.Errorf("POST %s %v: %d", p.path, p.form, r.status)
		}
	}
}
