package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// The notifications of issue 17, read back from the outbox: a portal ticket's receipt
// to its requester (marked auto-submitted), a notice of the new unassigned ticket to
// each agent who is not away (admins with an agent profile too), the assignee's email
// when someone else assigns them; each turned off on the account page.
func TestTicketNotifications(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	mails := func(to, prefix string) int {
		t.Helper()
		return a.count(t, `SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND starts_with(subject, $2)`, to, prefix)
	}
	agents := a.count(t, `SELECT count(*) FROM agents g JOIN "user" u ON u.id = g.user_id WHERE u.role IN ('agent', 'admin') AND NOT u.banned`)
	if agents < 2 {
		t.Fatalf("%d agents", agents)
	}

	one := d.file(t, d.carolB, "Receipt please", "Hello.")
	if n := mails("carol@example.com", "Received: Receipt please [#"+one[:8]+"]"); n != 1 {
		t.Fatalf("%d receipts", n)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox WHERE to_addr = 'carol@example.com' AND auto_submitted`); n != 1 {
		t.Fatalf("%d receipts marked auto-submitted", n)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox WHERE starts_with(subject, 'New ticket: Receipt please')`); n != agents {
		t.Fatalf("%d notices of the new ticket, want one per agent (%d)", n, agents)
	}

	// Morgan turns the notices off, Jordan is away, Carol turns her receipts off.
	prefs := func(b *browser, f url.Values) {
		t.Helper()
		f.Set("time_zone", "UTC")
		wantRedirect(t, "preferences", b.post("/account/preferences", f), "/account")
	}
	prefs(d.morganB, url.Values{"notify_assigned": {"1"}})
	mustContain(t, d.morganB.get("/account"), `name="notify_assigned" value="1" checked`, `name="notify_new_tickets" value="1">`)
	a.exec(t, `UPDATE agents SET away = true WHERE user_id = $1`, d.jordan.ID)
	prefs(d.carolB, url.Values{})
	mustContain(t, d.carolB.get("/account"), `name="notify_receipt" value="1">`)
	mustNotContain(t, d.carolB.get("/account"), "notify_new_tickets")
	two := d.file(t, d.carolB, "Quiet one", "Hello.")
	if n := mails("carol@example.com", "Received: Quiet one"); n != 0 {
		t.Fatalf("%d receipts after turning them off", n)
	}
	if n := mails(d.morgan.Email, "New ticket: Quiet one") + mails(d.jordan.Email, "New ticket: Quiet one"); n != 0 {
		t.Fatalf("%d notices to the agent who turned them off or the away one", n)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox WHERE starts_with(subject, 'New ticket: Quiet one')`); n != agents-2 {
		t.Fatalf("%d notices of the second ticket, want %d", n, agents-2)
	}
	// Dev still gets his.
	d.file(t, d.devB, "Dev's ticket", "Hi.")
	if n := mails("dev@example.com", "Received: Dev's ticket"); n != 1 {
		t.Fatalf("%d receipts for dev", n)
	}

	// Assignment: Morgan still wants the email of a ticket given to him; Jordan turns it off.
	wantRedirect(t, "assign", d.submit(t, d.jordanB, two, url.Values{"assignee_id": {d.morgan.ID}}), "/desk/tickets/"+two)
	if n := mails(d.morgan.Email, "Assigned to you: Quiet one"); n != 1 {
		t.Fatalf("%d assignment emails", n)
	}
	prefs(d.jordanB, url.Values{})
	wantRedirect(t, "assign 2", d.submit(t, d.morganB, one, url.Values{"assignee_id": {d.jordan.ID}}), "/desk/tickets/"+one)
	if n := mails(d.jordan.Email, "Assigned to you"); n != 0 {
		t.Fatalf("%d assignment emails to the agent who turned them off", n)
	}
	// Hostile values in the preferences are just unticked boxes.
	r := d.jordanB.post("/account/preferences", url.Values{"time_zone": {"UTC"}, "notify_assigned": {"\x00<script>"}})
	if r.status != http.StatusSeeOther && r.status != http.StatusUnprocessableEntity {
		t.Fatalf("hostile preference: %d", r.status)
	}
}
