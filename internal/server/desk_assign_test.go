package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// "Take it": one POST from a queue row or the ticket page assigns the ticket to the
// agent, at the version the page showed (409 when someone changed it since, unless it
// is theirs already); the assignment history says who took it.
func TestDeskTakeIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Printer on fire", "Help.")
	v := d.version(t, id)

	q := d.jordanB.get("/desk")
	wantStatus(t, "queue", q, http.StatusOK)
	mustContain(t, q, `action="/desk/tickets/`+id+`/take"`, `name="version" value="`+strconv.Itoa(v)+`"`, "Take it")

	take := func(b *browser, version, back string) response {
		return b.post("/desk/tickets/"+id+"/take", url.Values{"version": {version}, "return": {back}})
	}
	wantRedirect(t, "take from the queue", take(d.jordanB, strconv.Itoa(v), "/desk?view=unassigned"), "/desk?view=unassigned")
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id = $2 AND team = 'Tier 1'`, id, d.jordan.ID); n != 1 {
		t.Fatal("the ticket is not Jordan's")
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_assignment_changes WHERE ticket_id = $1 AND reason = 'take' AND actor_id = $2 AND to_assignee = $2`, id, d.jordan.ID); n != 1 {
		t.Fatalf("assignment history rows: %d", n)
	}
	// A second click is no conflict: it is Jordan's already.
	wantRedirect(t, "take twice", take(d.jordanB, strconv.Itoa(v), ""), "/desk/tickets/"+id)
	// Morgan's page was loaded before: 409, and the ticket stays Jordan's.
	r := take(d.morganB, strconv.Itoa(v), "/desk")
	wantStatus(t, "stale take", r, http.StatusConflict)
	mustContain(t, r, "This ticket changed")
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id = $2`, id, d.jordan.ID); n != 1 {
		t.Fatal("a stale take reassigned the ticket")
	}
	// With the page reloaded, Morgan takes it over (a reassignment), from the ticket page.
	page := d.morganB.get("/desk/tickets/" + id)
	mustContain(t, page, "took it", "Take it")
	wantRedirect(t, "take over", take(d.morganB, strconv.Itoa(d.version(t, id)), "https://evil.example/"), "/desk/tickets/"+id)
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id = $2`, id, d.morgan.ID); n != 1 {
		t.Fatal("the ticket is not Morgan's")
	}
	// Nonsense versions are 400s; customers and sales reps may not take tickets.
	for _, bad := range []string{"", "x", "-1", "99999999999999999999"} {
		wantStatus(t, "version "+bad, take(d.morganB, bad, ""), http.StatusBadRequest)
	}
	for _, b := range []*browser{d.carolB, d.samB} {
		if r := take(b, "1", ""); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("a non-agent's take: %d", r.status)
		}
	}
	// A closed ticket cannot be taken.
	d.a.exec(t, `UPDATE tickets SET status = 'closed', assignee_id = NULL WHERE id = $1`, id)
	wantStatus(t, "closed", take(d.jordanB, strconv.Itoa(d.version(t, id)), ""), http.StatusConflict)
	// Unknown ticket: 404.
	r = d.jordanB.post("/desk/tickets/00000000-0000-4000-8000-000000000000/take", url.Values{"version": {"1"}})
	wantStatus(t, "unknown ticket", r, http.StatusNotFound)
}

// The built-in views lead the queue, each with its count from the one facets statement.
func TestDeskViews(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	mine := d.file(t, d.carolB, "Mine to do", "A.")
	d.file(t, d.carolB, "Nobody's yet", "B.")
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, priority, created_at, team) VALUES
		($1, 'Breached long ago', 'urgent', now() - interval '3 hours', 'Billing')`, d.carol.ID)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, status, created_at) VALUES
		($1, 'Solved yesterday', 'solved', now() - interval '1 day'),
		($1, 'Solved last month', 'solved', now() - interval '40 days')`, d.carol.ID)
	d.a.exec(t, `UPDATE tickets SET solved_at = created_at + interval '1 hour' WHERE status = 'solved'`)
	wantRedirect(t, "assign", d.submit(t, d.jordanB, mine, url.Values{"assignee_id": {d.jordan.ID}}), "/desk/tickets/"+mine)

	q := d.jordanB.get("/desk")
	wantStatus(t, "queue", q, http.StatusOK)
	mustContain(t, q, `id="queue-nav"`,
		`href="/desk?view=mine">Mine <span class="count">1</span>`,
		`href="/desk?view=unassigned">Unassigned <span class="count">2</span>`,
		`href="/desk?view=team">My team&#39;s <span class="count">1</span>`,
		`href="/desk?view=open">All open <span class="count">3</span>`,
		`href="/desk?view=pending">Pending <span class="count">0</span>`,
		`href="/desk?view=breaching">Breaching soon <span class="count">1</span>`,
		`href="/desk?view=solved">Recently solved <span class="count">1</span>`)
	cases := []struct {
		query      string
		want, nots []string
	}{
		{"?view=mine", []string{"Mine to do", `aria-current="page">Mine`}, []string{"Nobody&#39;s yet", "Breached long ago"}},
		{"?view=unassigned", []string{"Nobody&#39;s yet", "Breached long ago"}, []string{"Mine to do"}},
		{"?view=team", []string{"Mine to do"}, []string{"Breached long ago"}},
		{"?view=breaching", []string{"Breached long ago"}, []string{"Mine to do", "Nobody&#39;s yet"}},
		{"?view=solved", []string{"Solved yesterday"}, []string{"Solved last month", "Mine to do"}},
		{"?view=open&sort=updated", []string{"Mine to do", "Nobody&#39;s yet"}, nil},
		{"?view=mine&status=pending", []string{"No pending tickets match."}, []string{"Mine to do"}},
	}
	for _, tc := range cases {
		r := d.jordanB.get("/desk" + tc.query)
		wantStatus(t, tc.query, r, http.StatusOK)
		mustContain(t, r, tc.want...)
		mustNotContain(t, r, tc.nots...)
	}
	for _, bad := range []string{"?view=everything", "?view=%3Cscript%3E", "?due=later", "?solved=1y", "?sort=random",
		"?saved=not-a-uuid", "?view=" + strings.Repeat("x", 5000)} {
		if r := d.jordanB.get("/desk" + bad); r.status != http.StatusBadRequest {
			t.Errorf("GET /desk%s: %d, want 400", bad, r.status)
		}
	}
}

// Saved views: an agent saves the current filters under a name, personal or shared;
// they are listed with counts; only the creator (or an admin, for shared ones) edits or
// deletes; bad input is a 422, hostile names are stored as typed and shown escaped.
func TestDeskSavedViews(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, priority) VALUES
		($1, 'Urgent one', 'urgent'), ($1, 'Urgent two', 'urgent'), ($1, 'Calm one', 'low')`, d.carol.ID)

	save := func(b *browser, fields url.Values) response { return b.post("/desk/views", fields) }
	hostile := `<script>alert(1)</script>`
	r := save(d.jordanB, url.Values{"name": {hostile}, "status": {"open"}, "priority": {"urgent"}, "shared": {"1"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/desk?") || !strings.Contains(r.location, "saved=") {
		t.Fatalf("save: %d to %q", r.status, r.location)
	}
	var id, name string
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT id, name FROM desk_views`).Scan(&id, &name); err != nil || name != hostile {
		t.Fatalf("stored %q %v", name, err)
	}
	shown := d.jordanB.get(r.location)
	wantStatus(t, "saved view", shown, http.StatusOK)
	mustContain(t, shown, "&lt;script&gt;alert(1)&lt;/script&gt; <span class=\"count\">2</span>", "Urgent one", `href="/desk/views/`+id+`"`)
	mustNotContain(t, shown, hostile, "Calm one")
	// Shared: Morgan sees it with its count, but may not edit or delete it.
	other := d.morganB.get("/desk")
	mustContain(t, other, "&lt;script&gt;alert(1)&lt;/script&gt; <span class=\"count\">2</span>")
	mustNotContain(t, other, `href="/desk/views/`+id+`"`)
	wantStatus(t, "other's edit page", d.morganB.get("/desk/views/"+id), http.StatusForbidden)
	wantStatus(t, "other's update", d.morganB.post("/desk/views/"+id, url.Values{"name": {"Mine now"}, "status": {"open"}, "version": {"1"}}), http.StatusForbidden)
	wantStatus(t, "other's delete", d.morganB.post("/desk/views/"+id+"/delete", nil), http.StatusForbidden)

	// Bad input: 422 with the message beside the field, nothing saved.
	for what, fields := range map[string]url.Values{
		"no name":    {"name": {""}, "status": {"open"}},
		"huge name":  {"name": {strings.Repeat("n", 10000)}, "status": {"open"}},
		"bad status": {"name": {"X"}, "status": {"escalated"}},
		"bad prio":   {"name": {"X"}, "status": {"open"}, "priority": {"asap"}},
		"bad who":    {"name": {"X"}, "status": {"open"}, "assignee": {"everyone"}},
		"bad sort":   {"name": {"X"}, "status": {"open"}, "sort": {"random"}},
		"bad team":   {"name": {"X"}, "status": {"open"}, "team": {strings.Repeat("t", 500)}},
	} {
		r := save(d.jordanB, fields)
		wantStatus(t, what, r, http.StatusUnprocessableEntity)
	}
	if n := d.a.count(t, `SELECT count(*) FROM desk_views`); n != 1 {
		t.Fatalf("%d views after bad input", n)
	}

	// A personal view is its owner's alone.
	r = save(d.morganB, url.Values{"name": {"Calm"}, "status": {"open"}, "priority": {"low"}})
	wantStatus(t, "personal", r, http.StatusSeeOther)
	mustContain(t, d.morganB.get("/desk"), "Calm <span class=\"count\">1</span>")
	mustNotContain(t, d.jordanB.get("/desk"), ">Calm <span")
	var personal string
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT id FROM desk_views WHERE name = 'Calm'`).Scan(&personal); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "someone else's personal view", d.jordanB.get("/desk/views/"+personal), http.StatusNotFound)

	// The owner edits it; a stale version is a 409 that keeps the typed input.
	edit := d.jordanB.get("/desk/views/" + id)
	wantStatus(t, "edit page", edit, http.StatusOK)
	mustContain(t, edit, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`)
	wantRedirect(t, "rename", d.jordanB.post("/desk/views/"+id, url.Values{"name": {"Urgent"}, "status": {"open"}, "priority": {"urgent"}, "shared": {"1"}, "version": {"1"}}),
		"/desk?priority=urgent&saved="+id+"&status=open")
	stale := d.jordanB.post("/desk/views/"+id, url.Values{"name": {"Typed again"}, "status": {"open"}, "version": {"1"}})
	wantStatus(t, "stale edit", stale, http.StatusConflict)
	mustContain(t, stale, `value="Typed again"`, "Someone changed this view")
	wantStatus(t, "edit 422", d.jordanB.post("/desk/views/"+id, url.Values{"name": {""}, "status": {"open"}, "version": {"2"}}), http.StatusUnprocessableEntity)
	// An admin may edit and delete a shared view.
	wantRedirect(t, "admin edits", d.adaB.post("/desk/views/"+id, url.Values{"name": {"Urgent (all)"}, "status": {"open"}, "priority": {"urgent"}, "shared": {"1"}, "version": {"2"}}),
		"/desk?priority=urgent&saved="+id+"&status=open")
	wantRedirect(t, "admin deletes", d.adaB.post("/desk/views/"+id+"/delete", nil), "/desk")
	if n := d.a.count(t, `SELECT count(*) FROM desk_views`); n != 1 {
		t.Fatalf("%d views after delete", n)
	}
	// A view name with every filter round-trips through its link.
	r = save(d.jordanB, url.Values{"name": {"All of it"}, "status": {"solved"}, "team": {"_none"}, "assignee": {"none"}, "solved": {"7d"}, "sort": {"updated"}})
	wantStatus(t, "every filter", r, http.StatusSeeOther)
	wantStatus(t, "its link", d.jordanB.get(html.UnescapeString(r.location)), http.StatusOK)
}

// Deactivating an agent gives their open and pending tickets back to their team
// (unassigned), in the deactivation's transaction, with a row of assignment history.
func TestDeskDeactivateReturnsTickets(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	open := d.file(t, d.carolB, "Open one", "A.")
	pending := d.file(t, d.carolB, "Pending one", "B.")
	solved := d.file(t, d.carolB, "Solved one", "C.")
	wantRedirect(t, "assign", d.submit(t, d.jordanB, open, url.Values{"assignee_id": {d.jordan.ID}}), "/desk/tickets/"+open)
	wantRedirect(t, "assign", d.submit(t, d.jordanB, pending, url.Values{"assignee_id": {d.jordan.ID}, "status": {"pending"}}), "/desk/tickets/"+pending)
	wantRedirect(t, "assign", d.submit(t, d.jordanB, solved, url.Values{"assignee_id": {d.jordan.ID}, "status": {"solved"}}), "/desk/tickets/"+solved)

	wantRedirect(t, "deactivate", d.adaB.post("/admin/users/"+d.jordan.ID+"/deactivate", nil), "/admin/users/"+d.jordan.ID)
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, d.jordan.ID); n != 1 {
		t.Fatalf("%d tickets still Jordan's, want the solved one", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE id IN ($1, $2) AND assignee_id IS NULL AND team = 'Tier 1'`, open, pending); n != 2 {
		t.Fatalf("%d tickets back with the team", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_assignment_changes WHERE reason = 'deactivated' AND actor_id = $1 AND from_assignee = $2`, d.ada.ID, d.jordan.ID); n != 2 {
		t.Fatalf("%d history rows", n)
	}
	mustContain(t, d.morganB.get("/desk/tickets/"+open), "left the desk (deactivated or no longer an agent): back to Tier 1")
	mustContain(t, d.morganB.get("/desk?view=unassigned"), "Open one")

	// An agent made a sales rep leaves the desk too: their open tickets go back.
	wantRedirect(t, "assign", d.submit(t, d.morganB, open, url.Values{"assignee_id": {d.morgan.ID}}), "/desk/tickets/"+open)
	wantRedirect(t, "make sales", d.adaB.post("/admin/users/"+d.morgan.ID, url.Values{"role": {"sales"}}), "/admin/users/"+d.morgan.ID)
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, d.morgan.ID); n != 0 {
		t.Fatalf("%d tickets still Morgan's after the role change", n)
	}
}

// The agent's away flag (their own, and an admin's on /admin/agents), capacity, and a
// team's round robin switch; bad capacities are 422s.
func TestDeskAwayAndTeamSettings(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	mustContain(t, d.jordanB.get("/desk"), "Set me away")
	wantRedirect(t, "away", d.jordanB.post("/desk/away", url.Values{"away": {"on"}}), "/desk")
	mustContain(t, d.jordanB.get("/desk"), "You are away", "I am back")
	if n := d.a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1 AND away`, d.jordan.ID); n != 1 {
		t.Fatal("not away")
	}
	wantStatus(t, "bad away", d.jordanB.post("/desk/away", url.Values{"away": {"maybe"}}), http.StatusBadRequest)
	wantRedirect(t, "back", d.jordanB.post("/desk/away", url.Values{"away": {"off"}}), "/desk")

	wantRedirect(t, "admin sets away and capacity", d.adaB.post("/admin/agents/"+d.morgan.ID, url.Values{"team": {"Tier 1"}, "away": {"1"}, "capacity": {"5"}}), "/admin/agents")
	if n := d.a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1 AND away AND capacity = 5`, d.morgan.ID); n != 1 {
		t.Fatal("admin's settings not saved")
	}
	for _, bad := range []string{"0", "-3", "abc", "10001", strings.Repeat("9", 400)} {
		r := d.adaB.post("/admin/agents/"+d.morgan.ID, url.Values{"team": {"Tier 1"}, "capacity": {bad}})
		wantStatus(t, "capacity "+bad, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Capacity is a whole number")
	}
	d.a.exec(t, `INSERT INTO teams (name) VALUES ('Tier 1') ON CONFLICT DO NOTHING`)
	wantRedirect(t, "round robin on", d.adaB.post("/admin/agents/teams", url.Values{"team": {"Tier 1"}, "round_robin": {"on"}}), "/admin/agents")
	if n := d.a.count(t, `SELECT count(*) FROM teams WHERE name = 'Tier 1' AND round_robin`); n != 1 {
		t.Fatal("round robin is not on")
	}
	mustContain(t, d.adaB.get("/admin/agents"), "Turn off")
	wantStatus(t, "unknown team", d.adaB.post("/admin/agents/teams", url.Values{"team": {"Nope"}, "round_robin": {"on"}}), http.StatusNotFound)
	wantStatus(t, "agent may not", d.jordanB.post("/admin/agents/teams", url.Values{"team": {"Tier 1"}, "round_robin": {"off"}}), http.StatusForbidden)
}
