package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Macros: personal and shared, who sees and edits which, 422 for unknown placeholders,
// 409 for a stale version, applying one on the ticket page (placeholders filled as data,
// hostile text escaped), the thread recording it, and deleting it.
func TestDeskMacros(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	a.exec(t, `UPDATE "user" SET name = 'Carol {{agent.name}} Díaz' WHERE id = $1`, d.carol.ID)
	a.exec(t, `UPDATE "user" SET name = 'Jordan Lee' WHERE id = $1`, d.jordan.ID)
	macroID := func(name string) string {
		t.Helper()
		var id string
		if err := a.db.DB.QueryRow(context.Background(), `SELECT id FROM macros WHERE name = $1`, name).Scan(&id); err != nil {
			t.Fatalf("macro %q: %v", name, err)
		}
		return id
	}

	body := "Hello {{requester.first_name}}, about {{ ticket.ref }} ({{ticket.subject}}): <script>alert(1)</script> — {{agent.first_name}}"
	wantRedirect(t, "personal macro", d.jordanB.post("/desk/macros", url.Values{"name": {"Ask for a screenshot"},
		"body": {body}, "status": {"pending"}, "priority": {"high"}, "tags": {"needs-info"}}), "/desk/macros")
	mine := macroID("Ask for a screenshot")

	// Unknown placeholders are listed, and the typed text kept (escaped).
	r := d.jordanB.post("/desk/macros", url.Values{"name": {"Bad"}, "body": {`Hi {{.Requester}} {{ requester.nam }} {{template "x" .}}`}})
	wantStatus(t, "unknown placeholders", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Unknown placeholders: {{.Requester}}, {{requester.nam}}, {{template &#34;x&#34; .}}", "Hi {{.Requester}}")
	for _, bad := range []url.Values{
		{"name": {""}, "body": {"x"}},
		{"name": {"Nothing"}},
		{"name": {"S"}, "body": {"x"}, "status": {"closed"}},
		{"name": {"P"}, "body": {"x"}, "priority": {"asap"}},
		{"name": {"A"}, "body": {"x"}, "assignee_id": {d.carol.ID}},
		{"name": {"Shared by an agent"}, "body": {"x"}, "shared": {"1"}},
		{"name": {"T"}, "body": {"x"}, "tags": {"ok, a\tb"}},
	} {
		wantStatus(t, "bad macro "+bad.Encode(), d.jordanB.post("/desk/macros", bad), http.StatusUnprocessableEntity)
	}
	if n := a.count(t, `SELECT count(*) FROM macros`); n != 1 {
		t.Fatalf("%d macros after refused ones, want 1", n)
	}

	// An admin's shared macro: every agent sees it; only admins edit it.
	wantRedirect(t, "shared macro", d.adaB.post("/desk/macros", url.Values{"name": {"Refund policy"}, "shared": {"1"},
		"body": {"Dear {{requester.name}}, refunds take 5 days."}, "assignee_id": {d.morgan.ID}, "team": {"Billing"}}), "/desk/macros")
	shared := macroID("Refund policy")
	l := d.morganB.get("/desk/macros")
	wantStatus(t, "list", l, http.StatusOK)
	mustContain(t, l, "Refund policy", "Shared")
	mustNotContain(t, l, "Ask for a screenshot")
	mustContain(t, d.jordanB.get("/desk/macros"), "Refund policy", "Ask for a screenshot", "Personal")
	wantStatus(t, "someone else's personal macro", d.morganB.get("/desk/macros/"+mine), http.StatusNotFound)
	wantStatus(t, "admins do not see personal macros", d.adaB.get("/desk/macros/"+mine), http.StatusNotFound)
	wantStatus(t, "agent edits shared", d.jordanB.get("/desk/macros/"+shared), http.StatusForbidden)
	wantStatus(t, "agent saves shared", d.jordanB.post("/desk/macros/"+shared, url.Values{"name": {"Mine now"}, "body": {"x"}, "version": {"1"}}), http.StatusForbidden)
	wantStatus(t, "agent deletes shared", d.jordanB.post("/desk/macros/"+shared+"/delete", url.Values{"version": {"1"}}), http.StatusForbidden)
	wantStatus(t, "customer", d.carolB.get("/desk/macros"), http.StatusForbidden)
	wantStatus(t, "admin edits shared", d.adaB.get("/desk/macros/"+shared), http.StatusOK)
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'macro.create' AND target_type = 'macro' AND target_id = $1`, shared); n != 1 {
		t.Fatalf("shared macro's audit entries: %d", n)
	}
	wantRedirect(t, "admin saves shared", d.adaB.post("/desk/macros/"+shared, url.Values{"name": {"Refund policy"},
		"body": {"Dear {{requester.name}}, refunds take 5 days."}, "assignee_id": {d.morgan.ID}, "team": {"Billing"}, "priority": {"low"}, "version": {"1"}}), "/desk/macros")
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'macro.update' AND before->>'priority' IS NULL AND after->>'priority' = 'low'`); n != 1 {
		t.Fatalf("shared macro's update entries: %d", n)
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE target_type = 'macro' AND target_id = $1`, mine); n != 0 {
		t.Fatalf("a personal macro was logged: %d", n)
	}

	// Version checks.
	edit := url.Values{"name": {"Ask for a screenshot"}, "body": {body}, "status": {"pending"}, "priority": {"high"}, "tags": {"needs-info"}, "version": {"1"}}
	wantRedirect(t, "edit", d.jordanB.post("/desk/macros/"+mine, edit), "/desk/macros")
	r = d.jordanB.post("/desk/macros/"+mine, edit)
	wantStatus(t, "stale edit", r, http.StatusConflict)
	mustContain(t, r, "changed since you opened it", `name="version" value="2"`)

	// Applying it on a ticket: the reply is prefilled with the values (never read again
	// as placeholders), hostile text escaped; the status and priority preset.
	id := d.file(t, d.carolB, "Export {{agent.name}} fails", "It times out.")
	ref := "#" + id[:8]
	p := d.jordanB.get("/desk/tickets/" + id + "?macro=" + mine)
	wantStatus(t, "apply", p, http.StatusOK)
	mustContain(t, p,
		html.EscapeString("Hello Carol, about "+ref+" (Export {{agent.name}} fails): <script>alert(1)</script> — Jordan"),
		`<option value="pending" selected>`, `<option value="high" selected>`,
		`name="macro_id" value="`+mine+`"`, `name="add_tags" type="text" value="needs-info"`, "Prefilled from the macro")
	mustNotContain(t, p, "<script>alert(1)</script>")
	wantStatus(t, "another's macro", d.morganB.get("/desk/tickets/"+id+"?macro="+mine), http.StatusNotFound)
	wantStatus(t, "bad macro id", d.jordanB.get("/desk/tickets/"+id+"?macro=x'--"), http.StatusBadRequest)
	ps := d.jordanB.get("/desk/tickets/" + id + "?macro=" + shared)
	mustContain(t, ps, "Dear Carol {{agent.name}} Díaz, refunds", `<option value="`+d.morgan.ID+`" selected>`, `<option value="Billing" selected>`)

	// Bad tags to add are refused beside the field, with nothing written.
	r = d.submit(t, d.jordanB, id, url.Values{"body": {"Hello Carol, edited."}, "status": {"pending"}, "macro_id": {mine},
		"add_tags": {"needs-info, tab\there"}})
	wantStatus(t, "bad tags to add", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "add_tags"); !strings.Contains(strings.ToLower(got), "control") {
		t.Errorf("add_tags error %q", got)
	}
	mustContain(t, r, "Hello Carol, edited.")
	if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id); n != 1 {
		t.Fatalf("%d messages after a refused reply, want 1", n)
	}
	// Sending it records the macro on the message and adds its tags.
	wantRedirect(t, "send", d.submit(t, d.jordanB, id, url.Values{"body": {"Hello Carol, edited."}, "status": {"pending"},
		"macro_id": {mine}, "add_tags": {"needs-info, Screenshots "}}), "/desk/tickets/"+id)
	if n := a.count(t, `SELECT count(*) FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id
		WHERE tt.ticket_id = $1 AND g.name IN ('needs-info', 'screenshots')`, id); n != 2 {
		t.Fatalf("tags the reply added: %d, want 2", n)
	}
	if st := d.status(t, id); st != "pending" {
		t.Fatalf("status %q after the macro's reply, want pending", st)
	}
	// Tags alone are a change.
	wantRedirect(t, "tags alone", d.submit(t, d.jordanB, id, url.Values{"status": {"pending"}, "add_tags": {"vip"}}), "/desk/tickets/"+id)
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), `href="/desk?tag=vip"`)
	if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND macro_id = $2 AND macro_name = 'Ask for a screenshot'`, id, mine); n != 1 {
		t.Fatalf("messages recording the macro: %d", n)
	}
	// Someone else's macro id is not recorded.
	wantRedirect(t, "send with another's macro", d.submit(t, d.morganB, id, url.Values{"body": {"Note."}, "is_internal": {"1"},
		"macro_id": {mine}}), "/desk/tickets/"+id)
	if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND macro_id IS NOT NULL`, id); n != 1 {
		t.Fatalf("messages with a macro: %d, want 1", n)
	}
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), "via macro “Ask for a screenshot”")
	mustNotContain(t, d.carolB.get("/support/tickets/"+id), "Ask for a screenshot")

	// Deleting: a stale version is refused; the thread keeps the name.
	wantStatus(t, "stale delete", d.jordanB.post("/desk/macros/"+mine+"/delete", url.Values{"version": {"1"}}), http.StatusConflict)
	wantRedirect(t, "delete", d.jordanB.post("/desk/macros/"+mine+"/delete", url.Values{"version": {strconv.Itoa(2)}}), "/desk/macros")
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), "via macro “Ask for a screenshot”")
	p = d.jordanB.get("/desk/tickets/" + id + "?macro=" + mine)
	wantStatus(t, "deleted macro", p, http.StatusNotFound)
	mustContain(t, p, "That macro does not exist any more")
}

// Hostile bytes and sizes through the macro, merge, split and rating forms: a 4xx with
// a message, never a 500 and never a save.
func TestDeskMacroMergeRatingHostileInput(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Bytes", "Testing.")
	long := strings.Repeat("{{a", 7000) // over the 20,000 characters of a body
	posts := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{d.jordanB, "/desk/macros", url.Values{"name": {"n\x00"}, "body": {"x"}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {"bad \xff"}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {long}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {strings.Repeat("{{x}}", 3000)}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {strings.Repeat("n", 101)}, "body": {"x"}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {"x"}, "team": {"\xff"}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {"x"}, "tags": {strings.Repeat("t", 501)}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {"x"}, "tags": {"a\xff, b"}}},
		{d.jordanB, "/desk/tickets/" + id, url.Values{"status": {"open"}, "priority": {"normal"}, "version": {"1"}, "add_tags": {strings.Repeat("t,", 60)}, "form_key": {"k2"}}},
		{d.jordanB, "/desk/macros", url.Values{"name": {"n"}, "body": {"x"}, "assignee_id": {"\x00"}}},
		{d.jordanB, "/desk/macros/%00", url.Values{"name": {"n"}, "body": {"x"}}},
		{d.jordanB, "/desk/macros/00000000-0000-4000-8000-000000000000", url.Values{"name": {"n"}, "body": {"x"}, "version": {"1"}}},
		{d.jordanB, "/desk/macros/00000000-0000-4000-8000-000000000000/delete", url.Values{"version": {"x"}}},
		{d.jordanB, "/desk/tickets/" + id + "/merge", url.Values{"target": {"\x00\xff"}}},
		{d.jordanB, "/desk/tickets/" + id + "/merge", url.Values{"target": {strings.Repeat("#", 10000)}}},
		{d.jordanB, "/desk/tickets/" + id + "/merge", url.Values{"confirm": {"1"}, "target_id": {"x'"}}},
		{d.jordanB, "/desk/tickets/" + id + "/merge", url.Values{"confirm": {"1"}, "target_id": {"00000000-0000-4000-8000-000000000000"}}},
		{d.jordanB, "/desk/tickets/" + id + "/messages/%00/split", url.Values{"version": {"1"}}},
		{d.jordanB, "/desk/tickets/" + id + "/messages/00000000-0000-4000-8000-000000000000/split", url.Values{"version": {"1"}}},
		{d.carolB, "/csat/00000000-0000-4000-8000-000000000000", url.Values{"r": {"good"}, "s": {"\x00"}, "comment": {"\xff"}}},
		{d.jordanB, "/desk/tickets/" + id, url.Values{"body": {"x"}, "status": {"open"}, "priority": {"normal"}, "version": {"1"}, "macro_id": {"\x00'"}, "form_key": {"k"}}},
	}
	for _, p := range posts {
		if r := p.b.post(p.path, p.form); r.status >= 500 || r.status == http.StatusSeeOther {
			t.Errorf("POST %s %q: %d", p.path, p.form, r.status)
		}
	}
	for _, path := range []string{"/desk/tickets/" + id + "?macro=%00", "/desk/tickets/" + id + "?macro=%ff", "/desk/macros/%ff",
		"/csat/%00?r=good&s=x", "/desk/reports/satisfaction?x=%00"} {
		if r := d.jordanB.get(path); r.status >= 500 {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	if n := d.a.count(t, `SELECT count(*) FROM macros`); n != 0 {
		t.Fatalf("%d macros saved from hostile input", n)
	}
}

// A macro applied in bulk from the queue: each ticket gets the reply with its own
// requester's name (emailed to them), the macro's status, priority and tags; a ticket
// the status cannot move to is refused with the reason; someone else's personal macro
// is refused as a whole.
func TestDeskBulkMacro(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	a.exec(t, `UPDATE "user" SET name = 'Carol Díaz' WHERE id = $1`, d.carol.ID)
	a.exec(t, `UPDATE "user" SET name = 'Dev <b>Patel</b>' WHERE id = $1`, d.dev.ID)
	one := d.file(t, d.carolB, "Bulk macro one", "One.")
	two := d.file(t, d.devB, "Bulk macro two", "Two.")
	solved := d.file(t, d.devB, "Bulk macro solved", "Three.")
	a.exec(t, `UPDATE tickets SET status = 'solved', solved_at = now() WHERE id = $1`, solved)
	wantRedirect(t, "macro", d.jordanB.post("/desk/macros", url.Values{"name": {"Need logs"},
		"body": {"Hi {{requester.first_name}}, please send logs for {{ticket.ref}}."}, "status": {"pending"}, "priority": {"high"},
		"tags": {"Needs Logs, wave"}}), "/desk/macros")
	var mine string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id FROM macros WHERE name = 'Need logs'`).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	mustContain(t, d.jordanB.get("/desk"), `name="bulk_macro"`, `<option value="`+mine+`">Need logs</option>`)
	mustNotContain(t, d.morganB.get("/desk"), `<option value="`+mine+`">`)

	r := d.jordanB.post("/desk/bulk", url.Values{"ids": {one, two, solved}, "action": {"macro"}, "bulk_macro": {mine}})
	wantStatus(t, "bulk macro", r, http.StatusOK)
	mustContain(t, r, "2 changed, 1 refused, 0 already so.", "replied, status open → pending, priority normal → high, tagged needs logs, wave")
	for id, first := range map[string]string{one: "Carol", two: "Dev"} {
		body := "Hi " + first + ", please send logs for #" + id[:8] + "."
		if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND body = $2 AND macro_id = $3 AND NOT is_internal`, id, body, mine); n != 1 {
			t.Errorf("ticket %s: %d replies %q", id[:8], n, body)
		}
		if d.status(t, id) != "pending" {
			t.Errorf("ticket %s is %s", id[:8], d.status(t, id))
		}
		if n := a.count(t, `SELECT count(*) FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.ticket_id = $1 AND g.name IN ('needs logs', 'wave')`, id); n != 2 {
			t.Errorf("ticket %s has %d of the macro's tags", id[:8], n)
		}
		if n := a.count(t, `SELECT count(*) FROM mail_outbox WHERE strpos(body, $1) > 0`, body); n != 1 {
			t.Errorf("ticket %s: %d emails of the reply", id[:8], n)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, solved); n != 1 {
		t.Fatalf("the refused ticket got %d messages", n)
	}
	mustContain(t, r, "Bulk macro solved")

	// Applied again: the tags are there, the status is pending; the reply is sent again
	// (a reply is a change each time).
	r = d.jordanB.post("/desk/bulk", url.Values{"ids": {one}, "action": {"macro"}, "bulk_macro": {mine}})
	mustContain(t, r, "1 changed", "replied")
	mustNotContain(t, r, "tagged")

	// Someone else's personal macro, a bad id, none chosen.
	for _, f := range []url.Values{
		{"ids": {one}, "action": {"macro"}, "bulk_macro": {mine}},
		{"ids": {one}, "action": {"macro"}, "bulk_macro": {"x'--"}},
		{"ids": {one}, "action": {"macro"}},
	} {
		r := d.morganB.post("/desk/bulk", f)
		wantStatus(t, "refused "+f.Encode(), r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Nothing was changed")
	}
}
