package server_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// An admin brings a Zendesk export in: every row a ticket of its requester (new ones get
// a customer account), statuses, priorities and dates kept, the text its first message;
// the same file again adds nothing; a file with a bad row changes nothing and says why;
// only an admin may.
func TestTicketImportFromZendesk(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleAdmin, "root@example.com")
	a.user(auth.RoleAgent, "agent@example.com")
	a.user(auth.RoleCustomer, "dana@example.com")
	admin := a.browser()
	admin.signIn("root@example.com")
	wantStatus(t, "form", admin.get("/admin/import-tickets"), http.StatusOK)
	file := "Id,Requester,Requester email,Subject,Status,Priority,Via,Created at,Solved at,Description\n" +
		"101,Dana,dana@example.com,Printer <b>on fire</b>,Solved,High,Mail,2026-03-01 14:05:00 +0100,2026-03-02 09:00:00 +0100,It is burning.\n" +
		"102,Fox Mulder,fox@example.com,Lights,Open,,Web,2026-03-05T10:00:00Z,,\n"
	r := admin.postFile("/admin/import-tickets", map[string]string{"team": ""}, "file", "zendesk.csv", []byte(file))
	wantRedirect(t, "import", r, "/admin/import-tickets")
	if got := flash(admin.get("/admin/import-tickets")); !strings.HasPrefix(got, "Imported 2 tickets from Zendesk, with 1 new customer accounts") {
		t.Errorf("flash %q", got)
	}
	if n := a.count(t, `SELECT count(*) FROM tickets t JOIN "user" u ON u.id = t.requester_id
		WHERE u.email = 'dana@example.com' AND t.subject = 'Printer <b>on fire</b>' AND t.status = 'solved' AND t.priority = 'high'
		  AND t.created_at = '2026-03-01 13:05:00+00' AND t.solved_at = '2026-03-02 08:00:00+00' AND t.import_ref = 'zendesk:101'`); n != 1 {
		t.Error("the solved ticket was not imported as it was")
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
		WHERE m.body = 'It is burning.' AND m.author_id = t.requester_id AND m.created_at = t.created_at AND NOT m.is_internal`); n != 1 {
		t.Error("the description is not the first message")
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE email = 'fox@example.com' AND role = 'customer' AND name = 'Fox Mulder'`); n != 1 {
		t.Error("no customer account for the new requester")
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'tickets.import' AND after->>'imported' = '2'`); n != 1 {
		t.Error("the import is not in the audit log")
	}
	// The customer sees their imported ticket in the portal, escaped.
	cust := a.browser()
	cust.signIn("dana@example.com")
	mustContain(t, cust.get("/support"), "Printer &lt;b&gt;on fire&lt;/b&gt;")
	// Again: nothing new.
	r = admin.postFile("/admin/import-tickets", map[string]string{"team": ""}, "file", "zendesk.csv", []byte(file))
	wantRedirect(t, "import again", r, "/admin/import-tickets")
	if got := flash(admin.get("/admin/import-tickets")); !strings.Contains(got, "Imported 0 tickets") || !strings.Contains(got, "2 were imported before") {
		t.Errorf("second import flash %q", got)
	}
	if n := a.count(t, `SELECT count(*) FROM tickets`); n != 2 {
		t.Errorf("%d tickets after importing twice", n)
	}
	// A bad row: 422, its line and why, nothing written.
	bad := "Id,Requester email,Subject,Status\n201,ok@example.com,Fine,Open\n202,broken,Hi,Open\n"
	r = admin.postFile("/admin/import-tickets", map[string]string{"team": ""}, "file", "bad.csv", []byte(bad))
	wantStatus(t, "bad file", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "1 rows cannot be imported", "<td class=\"num\">3</td>", "Enter an email address")
	if n := a.count(t, `SELECT count(*) FROM tickets`) + a.count(t, `SELECT count(*) FROM "user" WHERE email = 'ok@example.com'`); n != 2 {
		t.Errorf("a refused file wrote rows (%d)", n)
	}
	// Only an admin.
	ag := a.browser()
	ag.signIn("agent@example.com")
	wantStatus(t, "agent", ag.get("/admin/import-tickets"), http.StatusForbidden)
	wantStatus(t, "agent posts", ag.postFile("/admin/import-tickets", nil, "file", "z.csv", []byte(file)), http.StatusForbidden)
}
