package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The queue: views with counts, urgent first then the nearest deadline, filters,
// coloured SLA states, keyset pages, and bad parameters as 400s.
func TestDeskQueue(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	normal := d.file(t, d.carolB, "Normal fresh", "A question.")
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, priority, created_at) VALUES
		($1, 'Urgent breached', 'urgent', now() - interval '2 hours'),
		($1, 'Urgent fresh', 'urgent', now()),
		($2, 'Normal later', 'normal', now()),
		($2, 'Low old', 'low', now() - interval '3 days')`, d.carol.ID, d.dev.ID)
	pending := d.file(t, d.devB, "Waiting on Dev", "Something odd.")
	wantRedirect(t, "pending", d.submit(t, d.jordanB, pending, url.Values{"body": {"Which browser?"}, "status": {"pending"}, "assignee_id": {d.jordan.ID}}), "/desk/tickets/"+pending)
	wantRedirect(t, "assign", d.submit(t, d.morganB, normal, url.Values{"assignee_id": {d.morgan.ID}, "priority": {"high"}}), "/desk/tickets/"+normal)

	q := d.jordanB.get("/desk")
	wantStatus(t, "queue", q, http.StatusOK)
	order := []string{"Urgent breached", "Urgent fresh", "Normal fresh", "Normal later", "Low old"}
	last := -1
	for _, s := range order {
		i := strings.Index(q.body, ">"+s+"<")
		if i < 0 || i < last {
			t.Fatalf("queue order: %q at %d (previous at %d)", s, i, last)
		}
		last = i
	}
	mustNotContain(t, q, "Waiting on Dev")
	mustContain(t, q,
		`aria-current="page">Open <span class="count">5</span>`, `Pending <span class="count">1</span>`,
		`<span class="sla sla-bad" title="Due `, "first reply breached 1h30m", // urgent: 30m
		`<span class="sla sla-warn" title="Due `, "first reply due in 29m", "first reply due in 59m", // high: 60m
		`<span class="sla sla-ok" title="Due `, "first reply due in 3h59m", // normal: 4h
		"data-live-queue", "data-first-page")

	cases := []struct {
		query      string
		want, nots []string
	}{
		{"?priority=urgent", []string{"Urgent breached", "Urgent fresh", `Open <span class="count">2</span>`}, []string{"Normal fresh", "Low old"}},
		{"?assignee=mine", []string{`Open <span class="count">0</span>`, `Pending <span class="count">1</span>`, "No open tickets match."}, []string{"Urgent fresh"}},
		{"?assignee=mine&status=pending", []string{"Waiting on Dev", d.jordan.Name}, nil},
		{"?assignee=none", []string{"Urgent fresh", "Low old", `Open <span class="count">4</span>`}, []string{"Normal fresh"}},
		{"?team=Tier+1", []string{"Normal fresh", `Open <span class="count">1</span>`}, []string{"Urgent fresh"}},
		{"?team=_none", []string{"Urgent fresh"}, []string{"Normal fresh"}},
		{"?status=solved", []string{"No solved tickets match."}, []string{"Urgent fresh"}},
	}
	for _, tc := range cases {
		r := d.jordanB.get("/desk" + tc.query)
		wantStatus(t, tc.query, r, http.StatusOK)
		mustContain(t, r, tc.want...)
		mustNotContain(t, r, tc.nots...)
	}
	for _, bad := range []string{"?status=escalated", "?priority=asap", "?assignee=everyone", "?after=garbage", "?status=solved&after=1_inf_x"} {
		if r := d.jordanB.get("/desk" + bad); r.status != http.StatusBadRequest {
			t.Errorf("GET /desk%s: %d, want 400", bad, r.status)
		}
	}

	// Keyset pages: 60 more open tickets make two pages; the second starts where the
	// first ended and offers the first page back.
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, created_at)
		SELECT $1, 'Bulk ' || g, now() - g * interval '1 minute' FROM generate_series(1, 60) g`, d.carol.ID)
	first := d.jordanB.get("/desk")
	next := regexpFind(first.body, `href="(/desk\?after=[^"]+)"`)
	if next == "" || strings.Count(first.body, "<tr data-ticket=") != 50 {
		t.Fatalf("first page: %d rows, next %q", strings.Count(first.body, "<tr data-ticket="), next)
	}
	second := d.jordanB.get(html.UnescapeString(next))
	wantStatus(t, "second page", second, http.StatusOK)
	if n := strings.Count(second.body, "<tr data-ticket="); n != 15 {
		t.Fatalf("second page: %d rows, want 15", n)
	}
	mustContain(t, second, "← First page")
	mustNotContain(t, second, "data-first-page", "Next page")
	for _, id := range regexpAll(first.body, `<tr data-ticket="([^"]+)"`) {
		if strings.Contains(second.body, id) {
			t.Fatalf("ticket %s on both pages", id)
		}
	}
	mustContain(t, first, `Open <span class="count">65</span>`)
}

// "Reply and set pending" with a new priority and assignee is one submit and one
// transaction: the message, the ticket, the history and the emails together.
func TestDeskReplyAndSetPendingInOneSubmit(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.a.exec(t, `UPDATE agents SET team = 'Billing' WHERE user_id = $1`, d.morgan.ID)
	id := d.file(t, d.carolB, "Refund please", "I was charged twice.")
	v := d.version(t, id)
	r := d.submit(t, d.jordanB, id, url.Values{
		"body": {"We refunded one charge.\nIt shows in 3 days."}, "status": {"pending"}, "priority": {"high"}, "assignee_id": {d.morgan.ID},
	})
	wantRedirect(t, "submit", r, "/desk/tickets/"+id)
	var status, priority, assignee, team string
	var version int
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT status, priority, assignee_id, team, version FROM tickets WHERE id = $1`, id).
		Scan(&status, &priority, &assignee, &team, &version); err != nil {
		t.Fatal(err)
	}
	if status != "pending" || priority != "high" || assignee != d.morgan.ID || team != "Billing" || version != v+1 {
		t.Fatalf("ticket: %s %s %s %s v%d", status, priority, assignee, team, version)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND NOT is_internal AND author_id = $2`, id, d.jordan.ID); n != 1 {
		t.Fatalf("%d replies stored", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND from_status = 'open' AND to_status = 'pending'`, id); n != 1 {
		t.Fatalf("%d history rows for open→pending", n)
	}
	mail := d.outbox(t)
	// The filing's receipt and the new-ticket notices first (TestDeskEmails), then the
	// submit's two.
	if len(mail) > 2 {
		mail = mail[len(mail)-2:]
	}
	if len(mail) != 2 || !strings.HasPrefix(mail[0], "carol@example.com|Re: Refund please") || !strings.HasPrefix(mail[1], "morgan@example.com|Assigned to you: Refund please") {
		t.Fatalf("outbox: %q", mail)
	}
	page := d.jordanB.get(r.location)
	if flash(page) != "Reply sent; the ticket is pending." {
		t.Errorf("flash %q", flash(page))
	}
	mustContain(t, page, "We refunded one charge.\nIt shows in 3 days.", "Policy: <strong>Standard – High</strong>",
		"paused, ", "The resolution clock is paused while the ticket is pending", d.jordan.Name+": open → pending")
}

// Two agents on one ticket: the second submit, made on a page loaded before the
// first, is not posted; the page says who did what and keeps the draft.
func TestDeskCollisionCheck(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Cannot sign in", "Locked out.")
	page := d.jordanB.get("/desk/tickets/" + id)
	loaded, _ := inputValue(page, "version")

	wantRedirect(t, "morgan replies", d.submit(t, d.morganB, id, url.Values{"body": {"Unlocked your account."}}), "/desk/tickets/"+id)
	draft := "Have you tried\nresetting the password?"
	r := d.jordanB.post("/desk/tickets/"+id, url.Values{"body": {draft}, "status": {"pending"}, "priority": {"normal"}, "version": {loaded}})
	wantStatus(t, "stale submit", r, http.StatusConflict)
	mustContain(t, r, `<div class="stale-warning" role="alert"><p>`+html.EscapeString(d.morgan.Name)+` replied just now — review before sending.`,
		"Unlocked your account.")
	if got, _ := textareaValue(r, "body"); got != draft {
		t.Errorf("draft kept as %q", got)
	}
	if v, _ := inputValue(r, "version"); v != strconv.Itoa(d.version(t, id)) {
		t.Errorf("the form's version is %s, want the current %d", v, d.version(t, id))
	}
	if !strings.Contains(r.body, `<option value="pending" selected>`) {
		t.Error("the chosen status was not kept")
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE body = $1`, draft); n != 0 || d.status(t, id) != "open" {
		t.Fatal("the stale submit was posted")
	}

	// A note counts as a change too, and the requester's reply as well.
	fresh, _ := inputValue(r, "version")
	wantRedirect(t, "note", d.submit(t, d.morganB, id, url.Values{"body": {"Checked the logs."}, "is_internal": {"1"}}), "/desk/tickets/"+id)
	r = d.jordanB.post("/desk/tickets/"+id, url.Values{"body": {draft}, "status": {"pending"}, "priority": {"normal"}, "version": {fresh}})
	mustContain(t, r, html.EscapeString(d.morgan.Name)+" added an internal note just now")
	fresh, _ = inputValue(r, "version")
	wantRedirect(t, "carol", d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Still locked"}}), "/support/tickets/"+id)
	r = d.jordanB.post("/desk/tickets/"+id, url.Values{"body": {draft}, "status": {"pending"}, "priority": {"normal"}, "version": {fresh}})
	mustContain(t, r, html.EscapeString(d.carol.Name)+" replied just now")

	// Having reviewed, the agent sends: the kept form goes through.
	fresh, _ = inputValue(r, "version")
	wantRedirect(t, "resend", d.jordanB.post("/desk/tickets/"+id, url.Values{"body": {draft}, "status": {"pending"}, "priority": {"normal"}, "version": {fresh}}), "/desk/tickets/"+id)
	if d.status(t, id) != "pending" {
		t.Fatal("the reviewed submit did not apply")
	}
}

// Mistakes re-render the form with messages beside the fields and everything typed
// kept; nothing is written.
func TestDeskFormValidation(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Question", "How do I export?")
	cases := []struct {
		name   string
		form   url.Values
		field  string
		prefix string
	}{
		{"open to closed", url.Values{"body": {"Closing"}, "status": {"closed"}}, "status", "Only a solved ticket can be closed"},
		{"empty note", url.Values{"body": {"  "}, "is_internal": {"1"}}, "body", "Write the internal note"},
		{"nothing", url.Values{}, "body", "Write a reply or a note, or change"},
		{"customer as assignee", url.Values{"assignee_id": {d.dev.ID}, "body": {"Yours"}}, "assignee_id", "Choose an agent from the list"},
		{"bad priority", url.Values{"priority": {"asap"}, "body": {"x"}}, "priority", "Choose one of the priorities"},
		{"control character", url.Values{"body": {"bell\x07"}}, "body", "Contains control characters"},
		{"long team", url.Values{"team": {strings.Repeat("t", 61)}, "body": {"x"}}, "team", "Too long: at most 60"},
	}
	for _, tc := range cases {
		r := d.submit(t, d.jordanB, id, tc.form)
		wantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); !strings.HasPrefix(got, tc.prefix) {
			t.Errorf("%s: %s error %q, want %q…", tc.name, tc.field, got, tc.prefix)
		}
		if body, _ := textareaValue(r, "body"); body != tc.form.Get("body") {
			t.Errorf("%s: body kept as %q", tc.name, body)
		}
		if tc.form.Get("is_internal") != "" && !strings.Contains(r.body, `name="is_internal" value="1" checked`) {
			t.Errorf("%s: the note box was unticked", tc.name)
		}
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id); n != 1 || d.version(t, id) != 1 {
		t.Fatalf("refused forms wrote: %d messages, version %d", n, d.version(t, id))
	}
	// A form that is too big is a 413, not a 500.
	if r := d.submit(t, d.jordanB, id, url.Values{"body": {strings.Repeat("x", 2<<20)}}); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", r.status)
	}
}

// A closed ticket is read-only for the desk as well: no form, and a submit is refused.
func TestDeskClosedTicketIsReadOnly(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Done", "Thanks.")
	wantRedirect(t, "solve", d.submit(t, d.jordanB, id, url.Values{"status": {"solved"}}), "/desk/tickets/"+id)
	wantRedirect(t, "close", d.submit(t, d.jordanB, id, url.Values{"status": {"closed"}}), "/desk/tickets/"+id)
	page := d.jordanB.get("/desk/tickets/" + id)
	mustContain(t, page, "This ticket is closed: it is read-only.")
	mustNotContain(t, page, `id="ticket-form"`)
	r := d.submit(t, d.jordanB, id, url.Values{"body": {"One more note"}, "is_internal": {"1"}})
	wantStatus(t, "submit on closed", r, http.StatusConflict)
	if problem(r) != "This ticket is closed: it can no longer be changed or answered." {
		t.Errorf("problem %q", problem(r))
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE body = 'One more note'`); n != 0 {
		t.Fatal("a note was added to a closed ticket")
	}
}
