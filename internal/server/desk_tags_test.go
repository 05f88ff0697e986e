package server_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Tags on a ticket: added and removed on its page, normalised, bad names a 422 beside
// the field; the queue filtered by a tag; the counts; closed tickets read-only.
func TestDeskTags(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Refund for order 1234", "Please refund me.")
	other := d.file(t, d.devB, "Login trouble", "Cannot sign in.")
	path := "/desk/tickets/" + id

	r := d.jordanB.post(path+"/tags", url.Values{"tag": {"  Billing   Issue "}})
	wantRedirect(t, "add", r, path)
	page := d.jordanB.get(path)
	mustContain(t, page, "Tag “billing issue” added.", `href="/desk?tag=billing+issue"`)
	wantRedirect(t, "again", d.jordanB.post(path+"/tags", url.Values{"tag": {"BILLING ISSUE"}}), path)
	mustContain(t, d.jordanB.get(path), "already has the tag")
	if n := d.a.count(t, `SELECT count(*) FROM tags`); n != 1 {
		t.Fatalf("%d tags, want one", n)
	}
	// NFC: "é" typed as e + combining acute is the same tag as the composed one.
	wantRedirect(t, "nfc", d.jordanB.post(path+"/tags", url.Values{"tag": {"cafe\u0301"}}), path)
	wantRedirect(t, "nfc 2", d.jordanB.post("/desk/tickets/"+other+"/tags", url.Values{"tag": {"CAFÉ"}}), "/desk/tickets/"+other)
	if n := d.a.count(t, `SELECT count(*) FROM tags WHERE name = 'café'`); n != 1 {
		t.Fatalf("café: %d tags", n)
	}

	for _, tc := range []struct{ tag, want string }{
		{"", "Type a tag name."},
		{"   ", "Type a tag name."},
		{"a,b", "cannot contain a comma"},
		{"tab\there", "control or invisible"},
		{"zero\u200bwidth", "control or invisible"},
		{strings.Repeat("x", 51), "at most 50 characters (this has 51)"},
		{strings.Repeat("é", 10000), "at most 50 characters"},
		{"bad\xffutf8", "not valid text"},
	} {
		r := d.jordanB.post(path+"/tags", url.Values{"tag": {tc.tag}})
		wantStatus(t, "tag "+strconv.Quote(tc.tag[:min(len(tc.tag), 20)]), r, http.StatusUnprocessableEntity)
		if got := fieldError(r, "tag"); !strings.Contains(got, tc.want) {
			t.Errorf("tag %.20q: error %q, want %q", tc.tag, got, tc.want)
		}
	}
	// Hostile names are stored verbatim (lower-cased) and shown escaped.
	wantRedirect(t, "xss", d.jordanB.post(path+"/tags", url.Values{"tag": {`<script>alert(1)</script>`}}), path)
	page = d.jordanB.get(path)
	mustContain(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	mustNotContain(t, page, "<script>alert(1)")

	// The queue by tag, with counts under the filter.
	q := d.jordanB.get("/desk?tag=Billing+Issue")
	wantStatus(t, "queue by tag", q, http.StatusOK)
	mustContain(t, q, "Refund for order 1234", `Open <span class="count">1</span>`)
	mustNotContain(t, q, "Login trouble")
	q = d.jordanB.get("/desk?tag=caf%C3%A9")
	mustContain(t, q, "Refund for order 1234", "Login trouble", `Open <span class="count">2</span>`)
	mustContain(t, d.jordanB.get("/desk?tag=nobody-has-it"), "No open tickets match.")
	wantStatus(t, "bad tag filter", d.jordanB.get("/desk?tag=a%2Cb"), http.StatusBadRequest)

	tags := d.jordanB.get("/desk/tags")
	wantStatus(t, "tags", tags, http.StatusOK)
	mustContain(t, tags, ">café</a></td><td>2 tickets</td>", ">billing issue</a></td><td>1 ticket</td>")

	// Removing.
	wantRedirect(t, "remove", d.jordanB.post(path+"/tags/remove", url.Values{"tag": {"billing issue"}}), path)
	mustContain(t, d.jordanB.get(path), "Tag “billing issue” removed.")
	mustContain(t, d.jordanB.get("/desk?tag=billing+issue"), "No open tickets match.")

	// Customers and sales reps cannot tag.
	wantStatus(t, "customer", d.carolB.post(path+"/tags", url.Values{"tag": {"x"}}), http.StatusForbidden)
	wantStatus(t, "sales", d.samB.post(path+"/tags", url.Values{"tag": {"x"}}), http.StatusForbidden)
	wantStatus(t, "customer tags page", d.carolB.get("/desk/tags"), http.StatusForbidden)

	// A closed ticket's tags are read-only.
	d.a.exec(t, `UPDATE tickets SET status = 'closed' WHERE id = $1`, other)
	r = d.jordanB.post("/desk/tickets/"+other+"/tags", url.Values{"tag": {"late"}})
	wantStatus(t, "closed", r, http.StatusConflict)
	mustContain(t, r, "This ticket is closed: its tags can no longer be changed.")
	wantStatus(t, "missing ticket", d.jordanB.post("/desk/tickets/00000000-0000-4000-8000-000000000000/tags", url.Values{"tag": {"x"}}), http.StatusNotFound)
}

// The admin renames and merges tags, audited; a rename onto another tag's name is a
// 422 that points to the merge.
func TestDeskTagAdmin(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.file(t, d.carolB, "First", "One.")
	b := d.file(t, d.devB, "Second", "Two.")
	for _, p := range []struct{ id, tag string }{{a, "bug"}, {a, "defect"}, {b, "defect"}, {b, "billing"}} {
		wantRedirect(t, "tag", d.jordanB.post("/desk/tickets/"+p.id+"/tags", url.Values{"tag": {p.tag}}), "/desk/tickets/"+p.id)
	}
	tagID := func(name string) string {
		return strconv.Itoa(d.a.count(t, `SELECT id::int FROM tags WHERE name = $1`, name))
	}
	wantStatus(t, "agent", d.jordanB.get("/admin/tags"), http.StatusForbidden)
	page := d.adaB.get("/admin/tags")
	wantStatus(t, "admin tags", page, http.StatusOK)
	mustContain(t, page, ">defect</a></td><td>2 tickets</td>")

	r := d.adaB.post("/admin/tags/"+tagID("billing"), url.Values{"name": {"Invoices"}})
	wantRedirect(t, "rename", r, "/admin/tags")
	mustContain(t, d.adaB.get("/admin/tags"), "Tag “billing” renamed “invoices”.")
	mustContain(t, d.jordanB.get("/desk?tag=invoices"), "Second")

	r = d.adaB.post("/admin/tags/"+tagID("bug"), url.Values{"name": {"defect"}})
	wantStatus(t, "rename onto another", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "A tag “defect” exists already: merge this one into it instead.")
	r = d.adaB.post("/admin/tags/"+tagID("bug"), url.Values{"name": {"a,b"}})
	wantStatus(t, "bad rename", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "cannot contain a comma")

	r = d.adaB.post("/admin/tags/"+tagID("defect")+"/merge", url.Values{"into": {"BUG"}})
	wantRedirect(t, "merge", r, "/admin/tags")
	mustContain(t, d.adaB.get("/admin/tags"), "Merged into “bug”: 1 tickets gained it.")
	if n := d.a.count(t, `SELECT count(*) FROM tags WHERE name = 'defect'`); n != 0 {
		t.Fatal("the merged tag is still there")
	}
	q := d.jordanB.get("/desk?tag=bug")
	mustContain(t, q, "First", "Second", `Open <span class="count">2</span>`)

	r = d.adaB.post("/admin/tags/"+tagID("bug")+"/merge", url.Values{"into": {"bug"}})
	wantStatus(t, "merge into itself", r, http.StatusUnprocessableEntity)
	r = d.adaB.post("/admin/tags/"+tagID("bug")+"/merge", url.Values{"into": {"nothing-here"}})
	wantStatus(t, "merge into nothing", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "There is no tag “nothing-here”")
	wantStatus(t, "no such tag", d.adaB.post("/admin/tags/999999", url.Values{"name": {"x"}}), http.StatusNotFound)
	wantStatus(t, "not an id", d.adaB.post("/admin/tags/abc", url.Values{"name": {"x"}}), http.StatusNotFound)

	if n := d.a.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('tag.rename', 'tag.merge') AND actor_id = $1`, d.ada.ID); n != 2 {
		t.Fatalf("%d audit entries, want a rename and a merge", n)
	}
	mustContain(t, d.adaB.get("/admin/audit"), "Tag renamed", "Tags merged")
}

// Search: words in subjects, replies and internal notes, grouped by ticket, snippets
// escaped with the matches marked; filters; hostile queries never a 500.
func TestDeskSearch(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.file(t, d.carolB, "Printer on fire", "The printer <b>smokes</b> & beeps when printing invoices.")
	b := d.file(t, d.devB, "Invoice question", "Where is my invoice?")
	wantRedirect(t, "note", d.submit(t, d.jordanB, b, url.Values{"body": {"Customer mentioned a zebra pattern on the screen."}, "is_internal": {"1"}}), "/desk/tickets/"+b)
	wantRedirect(t, "tag", d.jordanB.post("/desk/tickets/"+a+"/tags", url.Values{"tag": {"hardware"}}), "/desk/tickets/"+a)

	r := d.jordanB.get("/desk/search?q=smokes")
	wantStatus(t, "search", r, http.StatusOK)
	// (ts_headline leaves out what its parser takes for HTML tags; the rest is escaped.)
	mustContain(t, r, "Printer on fire", "1 ticket found", "<mark>smokes</mark>  &amp; beeps")
	mustNotContain(t, r, "<b>smokes")

	// A word in an internal note, for staff.
	r = d.jordanB.get("/desk/search?q=zebra")
	mustContain(t, r, "Invoice question", `<span class="badge internal">Internal note</span>`, "<mark>zebra</mark>")
	mustNotContain(t, r, "Printer on fire")
	// Subject and body; no stemming ('simple'): "invoice" is not "invoices".
	r = d.jordanB.get("/desk/search?q=invoice")
	mustContain(t, r, "Invoice question", "1 ticket found")
	mustNotContain(t, r, "Printer on fire")
	r = d.jordanB.get("/desk/search?q=invoice+OR+invoices")
	mustContain(t, r, "Printer on fire", "Invoice question", "2 tickets found")

	// Filters.
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&tag=hardware"), "No tickets match.")
	mustContain(t, d.jordanB.get("/desk/search?q=invoices&tag=hardware"), "Printer on fire")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&requester=dev%40example.com"), "Invoice question", "1 ticket found")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&status=solved"), "No tickets match.")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&priority=normal&assignee=none&team=_none"), "Invoice question")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&created_from=2000-01-01&created_to=2999-12-31"), "Invoice question")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&created_to=2000-01-01"), "No tickets match.")
	mustContain(t, d.jordanB.get("/desk/search?q=invoice&solved_from=2000-01-01"), "No tickets match.")
	mustContain(t, d.jordanB.get("/desk/search?q=%22smokes+printer%22"), "No tickets match.")
	mustContain(t, d.jordanB.get("/desk/search?q=%22printer+smokes%22"), "Printer on fire")
	mustContain(t, d.jordanB.get("/desk/search?q=pattern+-zebra"), "No tickets match.")

	// Hostile and bad input: 200 or 422, never a 500.
	for _, q := range []string{"&|!:*()", "'; DROP TABLE tickets; --", `"unbalanced`, "a:* & !b | (c", "\\", "<script>", "***", "!!!", "-", "or", "\"\"", "日本語", strings.Repeat("a ", 100)} {
		r := d.jordanB.get("/desk/search?q=" + url.QueryEscape(q))
		if r.status != http.StatusOK {
			t.Errorf("q %q: status %d", q, r.status)
		}
	}
	for _, tc := range []struct{ query, field, want string }{
		{"q=" + strings.Repeat("x", 201), "q", "at most 200 characters (this has 201)"},
		{"q=" + url.QueryEscape(strings.Repeat("&|!", 3500)), "q", "at most 200 characters (this has 10500)"},
		{"q=%01%02", "q", "not valid text"},
		{"status=open", "q", "Type a word"},
		{"q=x&requester=nobody", "requester", "email address"},
		{"q=x&tag=a%2Cb", "tag", "comma"},
		{"q=x&created_from=31%2F12%2F2026", "created_from", "Enter a date like"},
		{"q=x&solved_from=2026-05-01&solved_to=2026-04-01", "solved_to", "before the start"},
	} {
		r := d.jordanB.get("/desk/search?" + tc.query)
		wantStatus(t, tc.query[:min(len(tc.query), 40)], r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); !strings.Contains(got, tc.want) {
			t.Errorf("%.40s: %s error %q, want %q", tc.query, tc.field, got, tc.want)
		}
	}
	for _, q := range []string{"q=x&status=bogus", "q=x&priority=bogus", "q=x&page=0", "q=x&page=51", "q=x&page=abc"} {
		wantStatus(t, q, d.jordanB.get("/desk/search?"+q), http.StatusBadRequest)
	}
	// The empty form.
	mustContain(t, d.jordanB.get("/desk/search"), "Search tickets")
	// Customers have no search.
	wantStatus(t, "customer", d.carolB.get("/desk/search?q=zebra"), http.StatusForbidden)
	wantStatus(t, "sales", d.samB.get("/desk/search?q=zebra"), http.StatusForbidden)
	wantStatus(t, "admin", d.adaB.get("/desk/search?q=zebra"), http.StatusOK)
}

// Search pages: many matching tickets page by 20, best first.
func TestDeskSearchPages(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject) SELECT $1, 'Ticket ' || g FROM generate_series(1, 45) g`, d.carol.ID)
	d.a.exec(t, `INSERT INTO ticket_messages (ticket_id, author_id, body) SELECT id, requester_id, 'walrus trouble' FROM tickets`)
	r := d.jordanB.get("/desk/search?q=walrus")
	mustContain(t, r, "45 tickets found", "Next page →")
	if n := strings.Count(r.body, `class="search-result"`); n != 20 {
		t.Fatalf("%d results on page 1", n)
	}
	r = d.jordanB.get("/desk/search?q=walrus&page=3")
	mustContain(t, r, "← Previous page")
	mustNotContain(t, r, "Next page →")
	if n := strings.Count(r.body, `class="search-result"`); n != 5 {
		t.Fatalf("%d results on page 3", n)
	}
}

// Bulk actions from the queue: ticked tickets or all matching; what changed, what was
// refused and why; history and the cap.
func TestDeskBulk(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.file(t, d.carolB, "Bulk A", "One.")
	b := d.file(t, d.carolB, "Bulk B", "Two.")
	c := d.file(t, d.devB, "Bulk C", "Three.")
	closed := d.file(t, d.devB, "Bulk closed", "Four.")
	d.a.exec(t, `UPDATE tickets SET status = 'closed' WHERE id = $1`, closed)

	q := d.jordanB.get("/desk")
	mustContain(t, q, `name="ids" value="`+a+`" form="bulk-form"`, `id="bulk-form"`, `name="all"`)

	post := func(f url.Values) response { return d.jordanB.post("/desk/bulk", f) }
	r := post(url.Values{"ids": {a, b, closed}, "action": {"status"}, "set_status": {"pending"}, "filter": {""}})
	wantStatus(t, "status", r, http.StatusOK)
	mustContain(t, r, "2 changed, 1 refused, 0 already so.", "status open → pending", "Bulk closed", "closed tickets are read-only")
	if d.status(t, a) != "pending" || d.status(t, b) != "pending" || d.status(t, c) != "open" {
		t.Fatal("statuses not as asked")
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND to_status = 'pending' AND actor_id = $2`, a, d.jordan.ID); n != 1 {
		t.Fatalf("history rows %d", n)
	}
	// Closing an open... pending ticket is an invalid move: refused with the reason.
	r = post(url.Values{"ids": {a, c}, "action": {"status"}, "set_status": {"closed"}})
	mustContain(t, r, "0 changed, 2 refused", "Only a solved ticket can be closed")

	r = post(url.Values{"ids": {a, c}, "action": {"assign"}, "assignee_id": {d.morgan.ID}})
	mustContain(t, r, "2 changed", "assigned to "+d.morgan.Name)
	r = post(url.Values{"ids": {a, c}, "action": {"assign"}, "assignee_id": {d.morgan.ID}})
	mustContain(t, r, "0 changed, 0 refused, 2 already so.")
	r = post(url.Values{"ids": {a}, "action": {"assign"}, "assignee_id": {d.carol.ID}})
	wantStatus(t, "assign a customer", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "that person cannot take tickets")

	r = post(url.Values{"ids": {a, b}, "action": {"priority"}, "set_priority": {"urgent"}})
	mustContain(t, r, "2 changed", "priority normal → urgent")

	r = post(url.Values{"ids": {a, b, closed}, "action": {"tag_add"}, "bulk_tag": {"Wave 1"}})
	mustContain(t, r, "2 changed, 1 refused", "tag “wave 1” added")
	r = post(url.Values{"ids": {a, c}, "action": {"tag_remove"}, "bulk_tag": {"wave 1"}})
	mustContain(t, r, "1 changed, 0 refused, 1 already so.", "tag “wave 1” removed")

	// All matching: the queue's filter, not the ticks.
	r = post(url.Values{"all": {"1"}, "filter": {"status=pending&tag=wave+1"}, "action": {"tag_add"}, "bulk_tag": {"followup"}})
	mustContain(t, r, "1 changed", "Bulk B")
	mustNotContain(t, r, "Bulk A")
	r = post(url.Values{"all": {"1"}, "filter": {"status=open"}, "action": {"priority"}, "set_priority": {"low"}})
	mustContain(t, r, "1 changed", "Bulk C")

	// Refusals of the whole request.
	for _, tc := range []struct {
		f    url.Values
		want string
	}{
		{url.Values{"action": {"status"}, "set_status": {"open"}}, "Tick the tickets"},
		{url.Values{"ids": {a}, "action": {"explode"}}, "Choose what to do"},
		{url.Values{"ids": {"not-a-ticket"}, "action": {"status"}, "set_status": {"open"}}, "not a ticket"},
		{url.Values{"ids": {a}, "action": {"status"}, "set_status": {"bogus"}}, "Choose one of the statuses"},
		{url.Values{"ids": {a}, "action": {"tag_add"}, "bulk_tag": {"a,b"}}, "comma"},
		{url.Values{"ids": {a}, "action": {"tag_add"}, "bulk_tag": {"x"}, "filter": {"status=bogus"}}, "filters in the form are not valid"},
	} {
		r := post(tc.f)
		wantStatus(t, tc.want, r, http.StatusUnprocessableEntity)
		mustContain(t, r, tc.want)
	}
	// Too many: 501 ids, and 100k ids (over the form's size limit).
	ids := make([]string, 501)
	for i := range ids {
		ids[i] = a
	}
	r = post(url.Values{"ids": ids, "action": {"priority"}, "set_priority": {"high"}})
	wantStatus(t, "501", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Too many tickets selected (501): at most 500 at once.")
	ids = make([]string, 100000)
	for i := range ids {
		ids[i] = a
	}
	r = post(url.Values{"ids": ids, "action": {"priority"}, "set_priority": {"high"}})
	wantStatus(t, "100k", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Too many tickets selected: at most 500 at once.")
	// All matching, over the cap.
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject) SELECT $1, 'Many ' || g FROM generate_series(1, 501) g`, d.carol.ID)
	r = post(url.Values{"all": {"1"}, "filter": {""}, "action": {"priority"}, "set_priority": {"high"}})
	wantStatus(t, "all over the cap", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "More than 500 tickets match this view")
	if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE priority = 'high'`); n != 0 {
		t.Fatalf("%d tickets changed by refused requests", n)
	}
	wantStatus(t, "customer", d.carolB.post("/desk/bulk", url.Values{"ids": {a}, "action": {"priority"}, "set_priority": {"low"}}), http.StatusForbidden)
}

// The desk's CSV export follows the queue's filters, holds every matching ticket
// (several batches) and guards cells against formulas.
func TestDeskTicketExport(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	evil := d.file(t, d.carolB, "=HYPERLINK(\"http://evil\")", "Formula.")
	wantRedirect(t, "tag", d.jordanB.post("/desk/tickets/"+evil+"/tags", url.Values{"tag": {"@danger"}}), "/desk/tickets/"+evil)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject) SELECT $1, 'Bulk ' || g FROM generate_series(1, 2100) g`, d.dev.ID)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, status) VALUES ($1, 'Pending one', 'pending')`, d.dev.ID)

	r := d.jordanB.get("/desk/tickets.csv")
	wantStatus(t, "csv", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+2101 {
		t.Fatalf("%d records, want the header and 2101 open tickets", len(recs))
	}
	if recs[0][0] != "id" || recs[0][9] != "tags" {
		t.Fatalf("header %q", recs[0])
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		if seen[rec[0]] {
			t.Fatalf("ticket %s twice", rec[0])
		}
		seen[rec[0]] = true
		if rec[0] == evil {
			if rec[2] != `'=HYPERLINK("http://evil")` || rec[9] != "'@danger" || rec[7] != "carol@example.com" {
				t.Fatalf("evil row %q", rec)
			}
		}
	}
	if !seen[evil] {
		t.Fatal("the tagged ticket is missing")
	}
	r = d.jordanB.get("/desk/tickets.csv?status=pending")
	if recs, _ := csv.NewReader(strings.NewReader(r.body)).ReadAll(); len(recs) != 2 || recs[1][2] != "Pending one" {
		t.Fatalf("pending export %q", recs)
	}
	r = d.jordanB.get("/desk/tickets.csv?tag=%40danger")
	if recs, _ := csv.NewReader(strings.NewReader(r.body)).ReadAll(); len(recs) != 2 || recs[1][0] != evil {
		t.Fatalf("tag export %q", recs)
	}
	wantStatus(t, "bad filter", d.jordanB.get("/desk/tickets.csv?status=bogus"), http.StatusBadRequest)
	wantStatus(t, "customer", d.carolB.get("/desk/tickets.csv"), http.StatusForbidden)
	mustContain(t, d.jordanB.get("/desk?status=pending"), `href="/desk/tickets.csv?status=pending"`)
}
