package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"rapport/internal/crm"
	"rapport/internal/cursor"
)

// TestHostileCorpusFormsCRM: every corpus value in every field of the CRM's forms (see
// runForms for what each value must get), and every choice field refuses them all.
func TestHostileCorpusFormsCRM(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	rep := func() *browser { return h.rep }
	at := func(p string) func(int) string { return func(int) string { return p } }
	input := func(name string) func(response) (string, bool) {
		return func(r response) (string, bool) { return keptInput(r, "name", name) }
	}
	textarea := func(name string) func(response) (string, bool) {
		return func(r response) (string, bool) { return keptTextarea(r, name) }
	}
	byID := func(sql string) func(response, int) (string, string, bool) {
		return func(r response, _ int) (string, string, bool) { return h.one(sql, idIn.FindString(r.location)) }
	}
	page := func(b *browser, path string) view { return view{b, path} }
	dealBase := func(i int) url.Values {
		return url.Values{"title": {fmt.Sprintf("Hostile deal %d", i)}, "contact_id": {"jane@acme.com"}, "pipeline_id": {h.pipe},
			"owner_id": {h.repU.ID}, "amount": {"100"}, "close_date": {"2030-01-31"}, "stage": {"lead"}}
	}
	planBase := func(what string) func(int) url.Values {
		return func(i int) url.Values {
			return url.Values{"deal_id": {h.deal}, "type": {"call"}, "subject": {fmt.Sprintf("%s %d", what, i)},
				"note": {fmt.Sprintf("%s %d", what, i)}, "due_date": {time.Now().UTC().Format(time.DateOnly)}, "assignee_id": {h.repU.ID}}
		}
	}
	// Marked lost once per value: each value's path reopens the deal first (a plain
	// update, as the seeds' stack could write it: the triggers clear the reason).
	newDeal := func(title string) string {
		id, err := crm.CreateDeal(context.Background(), h.a.db.DB, crm.DealFields{Title: title, ContactID: h.jane, PipelineID: h.pipe,
			OwnerID: h.repU.ID, AmountCents: 100_000, Stage: "lead"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	lostDeal, lostChoice := newDeal("Lost for a reason"), newDeal("Lost for a choice")
	reopened := func(deal string) func(int) string {
		return func(int) string {
			if _, err := h.a.db.DB.Exec(context.Background(), `UPDATE deals SET stage = 'lead' WHERE id = $1`, deal); err != nil {
				t.Errorf("reopen %s: %v", deal, err) // off the test's goroutine: no Fatal
			}
			return "/crm/deals/" + deal + "/lost"
		}
	}
	h.runForms(t, []hostileForm{
		{name: "company name", as: rep, path: at("/crm/companies"), field: "name", kept: input("name"),
			base:   func(int) url.Values { return url.Values{"domain": {""}} },
			stored: byID(`SELECT name, id::text FROM companies WHERE id = $1`),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{page(h.rep, "/crm/companies/"+id), page(h.agent, "/crm/companies/"+id), page(h.rep, "/crm/companies/"+id+"/edit")}
			}},
		{name: "company domain", as: rep, path: at("/crm/companies"), field: "domain", kind: asDomain, kept: input("domain"),
			base:   func(i int) url.Values { return url.Values{"name": {fmt.Sprintf("Domain co %d", i)}} },
			stored: byID(`SELECT coalesce(domain, ''), id::text FROM companies WHERE id = $1`),
			shows:  func(_ *browser, id string, _ int) []view { return []view{page(h.rep, "/crm/companies/"+id)} }},
		{name: "company name (edit)", as: rep, path: at("/crm/companies/" + h.acme), field: "name", kept: input("name"),
			base: func(int) url.Values { return url.Values{"domain": {"acme.com"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT name, id::text FROM companies WHERE id = $1`, h.acme)
			},
			shows: func(*browser, string, int) []view {
				return []view{page(h.rep, "/crm/companies/"+h.acme), page(h.rep, "/crm/contacts/"+h.jane), page(h.rep, "/crm/deals/"+h.deal),
					page(h.rep, "/crm/companies?q=acme"), page(h.agent, "/desk/tickets/"+h.tickets[0])}
			}},
		{name: "contact name", as: rep, path: at("/crm/contacts"), field: "name", kept: input("name"),
			base: func(i int) url.Values {
				return url.Values{"email": {fmt.Sprintf("contact-name-%d@example.com", i)}, "owner_id": {h.repU.ID}}
			},
			stored: byID(`SELECT coalesce(name, ''), id::text FROM contacts WHERE id = $1`),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{page(h.rep, "/crm/contacts/"+id), page(h.agent, "/crm/contacts/"+id)}
			}},
		{name: "contact email", as: rep, path: at("/crm/contacts"), field: "email", kind: asEmail, kept: input("email"),
			base: func(i int) url.Values {
				return url.Values{"name": {fmt.Sprintf("Contact email %d", i)}, "owner_id": {h.repU.ID}}
			},
			stored: byID(`SELECT email, id::text FROM contacts WHERE id = $1`),
			shows:  func(_ *browser, id string, _ int) []view { return []view{page(h.rep, "/crm/contacts/"+id)} }},
		{name: "contact name (edit)", as: rep, path: at("/crm/contacts/" + h.jane), field: "name", kept: input("name"),
			base: func(int) url.Values {
				return url.Values{"email": {"jane@acme.com"}, "company_id": {"acme.com"}, "owner_id": {h.repU.ID}}
			},
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(name, ''), id::text FROM contacts WHERE id = $1`, h.jane)
			},
			shows: func(*browser, string, int) []view {
				return []view{page(h.rep, "/crm/contacts/"+h.jane), page(h.rep, "/crm/contacts/"+h.jane+"/edit"),
					page(h.rep, "/crm/deals/"+h.deal), page(h.agent, "/desk/tickets/"+h.tickets[0])}
			}},
		{name: "deal title", as: rep, path: at("/crm/deals"), field: "title", kept: input("title"), base: dealBase,
			stored: byID(`SELECT title, id::text FROM deals WHERE id = $1`),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{page(h.rep, "/crm/deals/"+id), page(h.rep, "/crm/deals/"+id+"/edit"), page(h.rep, "/crm?owner_id=mine")}
			}},
		{name: "deal amount", as: rep, path: at("/crm/deals"), field: "amount", kind: asNumber, kept: input("amount"), base: dealBase,
			stored: byID(`SELECT amount_cents::text, id::text FROM deals WHERE id = $1`)},
		{name: "deal close date", as: rep, path: at("/crm/deals"), field: "close_date", kind: asNumber, kept: input("close_date"), base: dealBase,
			stored: byID(`SELECT coalesce(close_date::text, ''), id::text FROM deals WHERE id = $1`)},
		{name: "deal title (edit)", as: rep, path: at("/crm/deals/" + h.deal), field: "title", kept: input("title"), base: dealBase,
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT title, id::text FROM deals WHERE id = $1`, h.deal)
			},
			shows: func(*browser, string, int) []view {
				return []view{page(h.rep, "/crm/deals/"+h.deal), page(h.rep, "/crm/deals?owner_id=any"), page(h.agent, "/crm/contacts/"+h.jane),
					page(h.agent, "/desk/tickets/"+h.tickets[0]), page(h.rep, "/crm/column?stage=lead&owner_id=any&pipeline="+h.pipe)}
			}},
		{name: "deal contact", as: rep, path: at("/crm/deals"), field: "contact_id", base: dealBase, choices: true,
			named: `SELECT count(*) FROM contacts WHERE lower(name) = lower($1)`},
		{name: "deal pipeline", as: rep, path: at("/crm/deals"), field: "pipeline_id", base: dealBase, choices: true},
		{name: "deal owner", as: rep, path: at("/crm/deals"), field: "owner_id", base: dealBase, choices: true},
		{name: "deal stage", as: rep, path: at("/crm/deals"), field: "stage", errID: "f-stage_id", base: dealBase, choices: true},
		{name: "deal stage id", as: rep, path: at("/crm/deals"), field: "stage_id", base: dealBase, choices: true},
		{name: "deal probability", as: rep, path: at("/crm/deals"), field: "probability", kind: asNumber, kept: input("probability"), base: dealBase,
			stored: byID(`SELECT coalesce(probability::text, ''), id::text FROM deals WHERE id = $1`)},
		{name: "lost reason", as: rep, path: reopened(lostChoice), field: "reason", base: func(int) url.Values { return url.Values{"note": {"Why"}} },
			choices: true},
		{name: "lost note", as: rep, path: reopened(lostDeal), field: "note", kind: asTypedRaw, kept: textarea("note"),
			base: func(int) url.Values { return url.Values{"reason": {"other"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(lost_note, ''), id::text FROM deals WHERE id = $1`, lostDeal)
			},
			shows: func(*browser, string, int) []view {
				return []view{page(h.rep, "/crm/deals/"+lostDeal)}
			}},
		{name: "contact company", as: rep, path: at("/crm/contacts"), field: "company_id", choices: true,
			named: `SELECT count(*) FROM companies WHERE lower(name) = lower($1)`,
			base: func(i int) url.Values {
				return url.Values{"email": {fmt.Sprintf("contact-company-%d@example.com", i)}, "owner_id": {h.repU.ID}}
			}},
		{name: "contact owner", as: rep, path: at("/crm/contacts"), field: "owner_id", choices: true,
			base: func(i int) url.Values { return url.Values{"email": {fmt.Sprintf("contact-owner-%d@example.com", i)}} }},
		{name: "planned subject", as: rep, path: at("/crm/activities"), field: "subject", kept: input("subject"), base: planBase("Hostile subject"),
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT subject, id::text FROM planned_activities WHERE note = $1`, fmt.Sprintf("Hostile subject %d", i))
			},
			shows: func(_ *browser, id string, _ int) []view {
				return []view{page(h.rep, "/crm/activities?when=today"), page(h.rep, "/crm/activities/"+id+"/edit")}
			}},
		{name: "planned note", as: rep, path: at("/crm/activities"), field: "note", kind: asTypedRaw, kept: textarea("note"), base: planBase("Hostile note"),
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT note, id::text FROM planned_activities WHERE subject = $1`, fmt.Sprintf("Hostile note %d", i))
			},
			shows: func(_ *browser, id string, _ int) []view {
				return []view{page(h.rep, "/crm/activities?when=today"), page(h.rep, "/crm/activities/"+id+"/edit")}
			}},
		{name: "planned deal", as: rep, path: at("/crm/activities"), field: "deal_id", base: planBase("Deal"), choices: true},
		{name: "planned type", as: rep, path: at("/crm/activities"), field: "type", base: planBase("Type"), choices: true},
		{name: "planned due day", as: rep, path: at("/crm/activities"), field: "due_date", base: planBase("Day"), choices: true},
		{name: "planned due time", as: rep, path: at("/crm/activities"), field: "due_time", base: planBase("Time"), choices: true},
		{name: "planned duration", as: rep, path: at("/crm/activities"), field: "duration", base: planBase("Duration"), choices: true},
		{name: "planned reminder", as: rep, path: at("/crm/activities"), field: "remind", base: planBase("Reminder"), choices: true},
		{name: "planned assignee", as: rep, path: at("/crm/activities"), field: "assignee_id", base: planBase("Assignee"), choices: true},
		{name: "planned contact", as: rep, path: at("/crm/activities"), field: "contact_id", base: planBase("Contact"), choices: true},
		{name: "time zone", as: rep, path: at("/account/preferences"), field: "time_zone", kept: input("time_zone"), choices: true,
			base: func(int) url.Values { return url.Values{"activity_digest": {"1"}} }},
		{name: "activity type", as: rep, path: at("/crm/deals/" + h.deal + "/activities"), field: "type", choices: true,
			base: func(int) url.Values { return url.Values{"body": {"Typed"}} }},
		{name: "activity body", as: rep, path: at("/crm/deals/" + h.deal + "/activities"), field: "body", kept: textarea("body"),
			base: func(int) url.Values { return url.Values{"type": {"note"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(body, ''), id::text FROM activities WHERE deal_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 1`, h.deal)
			},
			shows: func(*browser, string, int) []view {
				return []view{page(h.rep, "/crm/deals/"+h.deal), page(h.agent, "/crm/companies/"+h.acme)}
			}},
	})
}

// TestHostileCorpusFormsDesk: every corpus value in every field of the portal's and the
// desk's forms (see runForms); internal notes are never emailed.
func TestHostileCorpusFormsDesk(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	reply, answer, note, team, refuse := h.tickets[0], h.tickets[1], h.tickets[2], h.tickets[3], h.tickets[4]
	at := func(p string) func(int) string { return func(int) string { return p } }
	textarea := func(r response) (string, bool) { return keptTextarea(r, "body") }
	byTicket := func(sql string) func(response, int) (string, string, bool) {
		return func(r response, _ int) (string, string, bool) { return h.one(sql, idIn.FindString(r.location)) }
	}
	h.runForms(t, []hostileForm{
		{name: "ticket subject", as: func() *browser { return h.cust }, path: at("/support/tickets"), field: "subject",
			kept:   func(r response) (string, bool) { return keptInput(r, "name", "subject") },
			base:   func(i int) url.Values { return url.Values{"body": {fmt.Sprintf("Body %d", i)}} },
			stored: byTicket(`SELECT subject, id::text FROM tickets WHERE id = $1`),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{{h.cust, "/support/tickets/" + id}, {h.cust, "/support"}, {h.agent, "/desk/tickets/" + id},
					{h.agent, "/crm/contacts/" + h.jane}}
			}},
		{name: "ticket body", as: func() *browser { return h.cust }, path: at("/support/tickets"), field: "body", kind: asTypedRaw, kept: textarea,
			base: func(i int) url.Values { return url.Values{"subject": {fmt.Sprintf("Subject %d", i)}} },
			stored: byTicket(`SELECT m.body, t.id::text FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id
				WHERE t.id = $1 ORDER BY m.created_at LIMIT 1`),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{{h.cust, "/support/tickets/" + id}, {h.agent, "/desk/tickets/" + id}}
			}},
		{name: "portal reply", as: func() *browser { return h.cust }, path: at("/support/tickets/" + reply + "/reply"), field: "body",
			kind: asTypedRaw, kept: textarea, base: func(int) url.Values { return url.Values{} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT body, id::text FROM ticket_messages WHERE ticket_id = $1 AND author_id = $2
					ORDER BY created_at DESC, id DESC LIMIT 1`, reply, h.custU.ID)
			},
			shows: func(*browser, string, int) []view {
				return []view{{h.cust, "/support/tickets/" + reply}, {h.agent, "/desk/tickets/" + reply}}
			}},
		{name: "desk reply", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + answer), field: "body",
			kind: asTypedRaw, kept: textarea, base: func(int) url.Values { return h.deskForm(answer) },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT body, id::text FROM ticket_messages WHERE ticket_id = $1 AND author_id = $2
					ORDER BY created_at DESC, id DESC LIMIT 1`, answer, h.agentU.ID)
			},
			shows: func(*browser, string, int) []view {
				return []view{{h.agent, "/desk/tickets/" + answer}, {h.cust, "/support/tickets/" + answer}}
			}},
		{name: "desk internal note", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + note), field: "body",
			kind: asTypedRaw, kept: textarea,
			base: func(int) url.Values { f := h.deskForm(note); f.Set("is_internal", "1"); return f },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT body, id::text FROM ticket_messages WHERE ticket_id = $1 AND is_internal
					ORDER BY created_at DESC, id DESC LIMIT 1`, note)
			},
			shows: func(*browser, string, int) []view { return []view{{h.agent, "/desk/tickets/" + note}} }},
		{name: "desk ticket status", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + refuse), field: "status",
			base: func(int) url.Values { return h.deskForm(refuse) }, choices: true},
		{name: "desk ticket priority", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + refuse), field: "priority",
			base: func(int) url.Values { return h.deskForm(refuse) }, choices: true},
		{name: "desk ticket assignee", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + refuse), field: "assignee_id",
			base: func(int) url.Values { return h.deskForm(refuse) }, choices: true},
		{name: "desk ticket team", as: func() *browser { return h.agent }, path: at("/desk/tickets/" + team), field: "team",
			base: func(int) url.Values { return h.deskForm(team) },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(team, ''), id::text FROM tickets WHERE id = $1`, team)
			},
			shows: func(*browser, string, int) []view {
				v, _, _ := h.one(`SELECT team, id::text FROM tickets WHERE id = $1`, team)
				return []view{{h.agent, "/desk/tickets/" + team}, {h.agent, "/desk?team=" + url.QueryEscape(v)}}
			}},
	})
	// An internal note is never emailed: no email names its ticket but those of its
	// filing (the receipt and the new-ticket notices, sent before any note).
	if n := h.a.count(t, `SELECT count(*) FROM mail_outbox WHERE (strpos(subject, $1) > 0 OR strpos(body, $2) > 0)
		AND NOT (subject LIKE 'Received: %' OR subject LIKE 'New ticket: %')`, "#"+note[:8], note); n != 0 {
		t.Errorf("%d emails were sent about the ticket that only got internal notes", n)
	}
	if n := h.a.count(t, `SELECT count(*) FROM mail_outbox WHERE strpos(subject, $1) > 0`, "#"+answer[:8]); n == 0 {
		t.Error("no email about the ticket that got public replies: the check above proves nothing")
	}
	// No email subject or address carries a line break (header injection).
	if n := h.a.count(t, `SELECT count(*) FROM mail_outbox WHERE subject ~ '[\r\n]' OR to_addr ~ '[\r\n]'`); n != 0 {
		t.Errorf("%d emails have a line break in their subject or address", n)
	}
}

// TestHostileCorpusFormsAdmin: every corpus value in sign-up, the forgotten password and
// every field of the admin's forms (see runForms).
func TestHostileCorpusFormsAdmin(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	admin := func() *browser { return h.admin }
	at := func(p string) func(int) string { return func(int) string { return p } }
	input := func(name string) func(response) (string, bool) {
		return func(r response) (string, bool) { return keptInput(r, "name", name) }
	}
	// The audit log's entries about the record (its newest first): the stored value is
	// there, verbatim and escaped, as the target's label or in the changed fields.
	logOf := func(id string) string { return "/admin/audit?target=" + url.QueryEscape(id) }
	adminViews := func(paths ...string) []view {
		var v []view
		for _, p := range paths {
			v = append(v, view{h.admin, p})
		}
		return v
	}
	// Policies are told apart by their targets, unique per case; pipelines by being new.
	slaBase := func(i int) url.Values {
		return url.Values{"name": {fmt.Sprintf("Hostile SLA %d", i)}, "priority": {"low"},
			"first_response_mins": {fmt.Sprint(1000 + i)}, "resolve_mins": {"100000"}}
	}
	slaByTargets := func(_ response, i int) (string, string, bool) {
		return h.one(`SELECT name, id::text FROM sla_policies WHERE first_response_mins = $1 AND resolve_mins = 100000`, 1000+i)
	}
	slaByName := func(prefix string) (func(int) url.Values, func(response, int) (string, string, bool)) {
		return func(i int) url.Values {
				return url.Values{"name": {fmt.Sprintf("%s %d", prefix, i)}, "priority": {"low"}, "first_response_mins": {"60"}, "resolve_mins": {"600"}}
			}, func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT first_response_mins::text, id::text FROM sla_policies WHERE name = $1`, fmt.Sprintf("%s %d", prefix, i))
			}
	}
	firstBase, firstStored := slaByName("SLA first")
	resolveBase, resolveStored := slaByName("SLA resolve")
	var pipelines []string
	if err := h.a.db.DB.QueryRow(context.Background(), `SELECT array_agg(id::text) FROM pipelines`).Scan(&pipelines); err != nil {
		t.Fatal(err)
	}
	newPipeline := func(response, int) (string, string, bool) {
		v, id, ok := h.one(`SELECT name, id::text FROM pipelines WHERE NOT (id::text = ANY($1))`, pipelines)
		pipelines = append(pipelines, id)
		return v, id, ok
	}
	h.runForms(t, []hostileForm{
		{name: "sign-up name", as: h.a.timedBrowser, path: at("/signup"), field: "name", kept: input("name"),
			status: http.StatusOK, // sign-up answers "check your inbox" and signs nobody in
			base: func(i int) url.Values {
				return url.Values{"email": {fmt.Sprintf("signup-name-%d@example.com", i)}, "password": {goodPassword}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT name, id FROM "user" WHERE email = $1`, fmt.Sprintf("signup-name-%d@example.com", i))
			},
			shows: func(b *browser, id string, i int) []view {
				b.signInWith(fmt.Sprintf("signup-name-%d@example.com", i), goodPassword)
				return []view{{b, "/support"}, {b, "/account/password"}, {h.admin, "/admin/users/" + id}, {h.admin, logOf(id)},
					{h.admin, "/admin/users?q=" + url.QueryEscape(fmt.Sprintf("signup-name-%d@", i))}}
			}},
		{name: "sign-up email", as: h.a.timedBrowser, path: at("/signup"), field: "email", kind: asEmail, kept: input("email"),
			status: http.StatusOK,
			base: func(i int) url.Values {
				return url.Values{"name": {fmt.Sprintf("Signup email %d", i)}, "password": {goodPassword}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT email, id FROM "user" WHERE name = $1`, fmt.Sprintf("Signup email %d", i))
			},
			shows: func(_ *browser, id string, _ int) []view { return adminViews("/admin/users/"+id, logOf(id)) }},
		{name: "forgot-password email", as: h.a.timedBrowser, path: at("/forgot-password"), field: "email", kind: asEmail,
			kept: input("email"), base: func(int) url.Values { return url.Values{} }, status: http.StatusOK},
		{name: "verify-email resend email", as: h.a.timedBrowser, path: at("/verify-email"), field: "email", kind: asEmail,
			kept: input("email"), base: func(int) url.Values { return url.Values{} }, status: http.StatusOK},
		{name: "mailbox team", as: admin, path: at("/admin/mailboxes"), field: "team", kept: input("team"),
			base: func(i int) url.Values {
				return url.Values{"address": {"support@example.com"}, "host": {"imap.example.com"}, "port": {"993"}, "security": {"tls"},
					"username": {fmt.Sprintf("hostile-team-%d", i)}, "password": {"pw"}, "folder": {"INBOX"}, "poll": {"60"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT team, id::text FROM mailboxes WHERE username = $1`, fmt.Sprintf("hostile-team-%d", i))
			},
			shows: func(_ *browser, id string, _ int) []view {
				return adminViews("/admin/mailboxes", "/admin/mailboxes/"+id, logOf(id))
			}},
		{name: "mailbox folder", as: admin, path: at("/admin/mailboxes"), field: "folder", kept: input("folder"),
			base: func(i int) url.Values {
				return url.Values{"address": {"support@example.com"}, "host": {"imap.example.com"}, "port": {"993"}, "security": {"tls"},
					"username": {fmt.Sprintf("hostile-folder-%d", i)}, "password": {"pw"}, "poll": {"60"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT folder, id::text FROM mailboxes WHERE username = $1`, fmt.Sprintf("hostile-folder-%d", i))
			},
			shows: func(_ *browser, id string, _ int) []view {
				return adminViews("/admin/mailboxes", "/admin/mailboxes/"+id, logOf(id))
			}},
		{name: "staff name", as: admin, path: at("/admin/users"), field: "name", kept: input("name"),
			base: func(i int) url.Values {
				return url.Values{"email": {fmt.Sprintf("staff-name-%d@example.com", i)}, "role": {"sales"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT name, id FROM "user" WHERE email = $1`, fmt.Sprintf("staff-name-%d@example.com", i))
			},
			shows: func(_ *browser, id string, i int) []view {
				return adminViews("/admin/users/"+id, "/admin/users?q="+url.QueryEscape(fmt.Sprintf("staff-name-%d@", i)), logOf(id))
			}},
		{name: "staff email", as: admin, path: at("/admin/users"), field: "email", kind: asEmail, kept: input("email"),
			base: func(i int) url.Values {
				return url.Values{"name": {fmt.Sprintf("Staff email %d", i)}, "role": {"sales"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT email, id FROM "user" WHERE name = $1`, fmt.Sprintf("Staff email %d", i))
			},
			shows: func(_ *browser, id string, _ int) []view { return adminViews("/admin/users/"+id, logOf(id)) }},
		{name: "staff team", as: admin, path: at("/admin/users"), field: "team", kept: input("team"),
			base: func(i int) url.Values {
				return url.Values{"name": {fmt.Sprintf("Staff team %d", i)}, "email": {fmt.Sprintf("staff-team-%d@example.com", i)}, "role": {"agent"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT coalesce(a.team, ''), u.id FROM "user" u JOIN agents a ON a.user_id = u.id WHERE u.email = $1`,
					fmt.Sprintf("staff-team-%d@example.com", i))
			},
			shows: func(_ *browser, id string, _ int) []view {
				return adminViews("/admin/users/"+id, "/admin/agents", logOf(id))
			}},
		{name: "user team (edit)", as: admin, path: at("/admin/users/" + h.staffU.ID), field: "team", kept: input("team"),
			base: func(int) url.Values { return url.Values{"role": {"agent"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(team, ''), user_id FROM agents WHERE user_id = $1`, h.staffU.ID)
			},
			shows: func(*browser, string, int) []view { return adminViews("/admin/users/"+h.staffU.ID, logOf(h.staffU.ID)) }},
		{name: "agent team (add)", as: admin, path: at("/admin/agents"), field: "team", kept: input("team"),
			base: func(int) url.Values { return url.Values{"email": {"team-target@example.com"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(team, ''), user_id FROM agents WHERE user_id = $1`, h.teamU.ID)
			},
			shows: func(*browser, string, int) []view {
				return []view{{h.admin, "/admin/agents"}, {h.agent, "/desk"}, {h.agent, "/desk/tickets/" + h.tickets[0]}, {h.admin, logOf(h.teamU.ID)}}
			}},
		{name: "agent team (edit)", as: admin, path: at("/admin/agents/" + h.team2U.ID), field: "team", errID: "team-" + h.team2U.ID,
			kept: func(r response) (string, bool) { return keptInput(r, "id", "team-"+h.team2U.ID) },
			base: func(int) url.Values { return url.Values{} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT coalesce(team, ''), user_id FROM agents WHERE user_id = $1`, h.team2U.ID)
			},
			shows: func(*browser, string, int) []view { return adminViews("/admin/agents", logOf(h.team2U.ID)) }},
		{name: "staff role", as: admin, path: at("/admin/users"), field: "role", choices: true,
			base: func(i int) url.Values {
				return url.Values{"name": {"Staff role"}, "email": {fmt.Sprintf("staff-role-%d@example.com", i)}, "team": {"Tier 1"}}
			}},
		{name: "user role (edit)", as: admin, path: at("/admin/users/" + h.staffU.ID), field: "role", choices: true,
			base: func(int) url.Values { return url.Values{"team": {"Tier 1"}} }},
		{name: "SLA priority", as: admin, path: at("/admin/sla"), field: "priority", base: slaBase, choices: true},
		{name: "SLA policy name", as: admin, path: at("/admin/sla"), field: "name", kept: input("name"), base: slaBase,
			stored: slaByTargets,
			shows: func(_ *browser, id string, _ int) []view {
				return adminViews("/admin/sla", "/admin/sla/"+id, logOf(id))
			}},
		{name: "SLA first response minutes", as: admin, path: at("/admin/sla"), field: "first_response_mins", kind: asNumber,
			kept: input("first_response_mins"), base: firstBase, stored: firstStored},
		{name: "SLA resolution minutes", as: admin, path: at("/admin/sla"), field: "resolve_mins", kind: asNumber,
			kept: input("resolve_mins"), base: resolveBase, stored: resolveStored},
		{name: "SLA policy name (edit)", as: admin, path: at("/admin/sla/" + h.sla), field: "name", kept: input("name"),
			base: func(int) url.Values {
				return url.Values{"priority": {"low"}, "first_response_mins": {"600"}, "resolve_mins": {"6000"}}
			},
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT name, id::text FROM sla_policies WHERE id = $1`, h.sla)
			},
			shows: func(*browser, string, int) []view { return adminViews("/admin/sla", "/admin/sla/"+h.sla, logOf(h.sla)) }},
		{name: "pipeline name", as: admin, path: at("/admin/pipelines"), field: "name", kept: input("name"),
			base: func(int) url.Values { return url.Values{} }, stored: newPipeline,
			shows: func(_ *browser, id string, _ int) []view {
				return []view{{h.admin, "/admin/pipelines"}, {h.admin, "/admin/pipelines/" + id}, {h.rep, "/crm?pipeline=" + id},
					{h.rep, "/crm/deals/new?pipeline_id=" + id}, {h.admin, logOf(id)}}
			}},
	})
	// A pipeline's stages (each case told apart by its rotting days) and the lost
	// reasons (by being new).
	stageBase := func(prefix string, rot int) func(int) url.Values {
		return func(i int) url.Values {
			return url.Values{"stage_name": {fmt.Sprintf("%s %d", prefix, i)}, "kind": {"qualified"}, "probability": {"40"},
				"rotting_days": {fmt.Sprint(rot + i)}}
		}
	}
	stageByRot := func(col string, rot int) func(response, int) (string, string, bool) {
		return func(_ response, i int) (string, string, bool) {
			return h.one(`SELECT `+col+`, id::text FROM pipeline_stages WHERE pipeline_id = $1 AND rotting_days = $2`, h.stagePipe, rot+i)
		}
	}
	var reasons []string
	if err := h.a.db.DB.QueryRow(context.Background(), `SELECT array_agg(id::text) FROM crm_lost_reasons`).Scan(&reasons); err != nil {
		t.Fatal(err)
	}
	newReason := func(response, int) (string, string, bool) {
		v, id, ok := h.one(`SELECT label, id::text FROM crm_lost_reasons WHERE NOT (id::text = ANY($1))`, reasons)
		reasons = append(reasons, id)
		return v, id, ok
	}
	fields := []string{}
	newField := func(response, int) (string, string, bool) {
		v, id, ok := h.one(`SELECT label, id::text FROM custom_fields WHERE NOT (id::text = ANY($1))`, fields)
		fields = append(fields, id)
		return v, id, ok
	}
	var editStage string
	if err := h.a.db.DB.QueryRow(context.Background(), `INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
		VALUES ($1, 'Edit me', 'qualified', 50, 30) RETURNING id::text`, h.stagePipe2).Scan(&editStage); err != nil {
		t.Fatal(err)
	}
	stagesAt := "/admin/pipelines/" + h.stagePipe + "/stages"
	h.runForms(t, []hostileForm{
		{name: "stage name", as: admin, path: at(stagesAt), field: "stage_name", kept: input("stage_name"), base: stageBase("Named", 1000),
			stored: stageByRot("name", 1000),
			shows: func(_ *browser, id string, _ int) []view {
				return []view{{h.admin, "/admin/pipelines/" + h.stagePipe}, {h.admin, "/admin/pipelines/" + h.stagePipe + "/stages/" + id},
					{h.rep, "/crm?pipeline=" + h.stagePipe}, {h.rep, "/crm/deals/new?pipeline_id=" + h.stagePipe}, {h.admin, logOf(h.stagePipe)}}
			}},
		{name: "stage kind", as: admin, path: at(stagesAt), field: "kind", base: stageBase("Kind", 1500), choices: true},
		{name: "stage probability", as: admin, path: at(stagesAt), field: "probability", kind: asNumber, kept: input("probability"),
			base: stageBase("Probable", 2000), stored: stageByRot("probability::text", 2000)},
		{name: "stage rotting days", as: admin, path: at(stagesAt), field: "rotting_days", kind: asNumber, kept: input("rotting_days"),
			base: func(i int) url.Values {
				return url.Values{"stage_name": {fmt.Sprintf("Rotting stage %d", i)}, "kind": {"qualified"}, "probability": {"41"}}
			},
			stored: func(_ response, i int) (string, string, bool) {
				return h.one(`SELECT coalesce(rotting_days::text, ''), id::text FROM pipeline_stages WHERE name = $1`, fmt.Sprintf("Rotting stage %d", i))
			}},
		{name: "stage name (edit)", as: admin, path: at("/admin/pipelines/" + h.stagePipe2 + "/stages/" + editStage), field: "stage_name",
			kept: input("stage_name"), base: func(int) url.Values { return url.Values{"kind": {"qualified"}, "probability": {"30"}} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT name, id::text FROM pipeline_stages WHERE id = $1`, editStage)
			},
			shows: func(*browser, string, int) []view {
				return adminViews("/admin/pipelines/"+h.stagePipe2, "/admin/pipelines/"+h.stagePipe2+"/stages/"+editStage, logOf(h.stagePipe2))
			}},
		{name: "lost reason label", as: admin, path: at("/admin/lost-reasons"), field: "label", kept: input("label"),
			base: func(int) url.Values { return url.Values{} }, stored: newReason,
			shows: func(_ *browser, id string, _ int) []view { return adminViews("/admin/lost-reasons", logOf(id)) }},
		{name: "custom field label", as: admin, path: at("/admin/fields"), field: "label", kept: input("label"),
			base: func(int) url.Values { return url.Values{"entity": {"contact"}, "kind": {"text"}} }, stored: newField,
			shows: func(_ *browser, id string, _ int) []view {
				return []view{{h.admin, "/admin/fields"}, {h.admin, "/admin/fields/" + id}, {h.admin, "/admin/fields/" + id + "/delete"},
					{h.rep, "/crm/contacts/new"}, {h.rep, "/crm/contacts/" + h.jane + "/edit"}, {h.admin, logOf(id)}}
			}},
	})
	// Renaming: each value renames a pipeline of its own. Pipeline names are unique, so
	// the ones created above (without deals) go first.
	h.a.exec(t, `DELETE FROM pipelines WHERE id <> $1`, h.pipe)
	var renamed string
	h.runForms(t, []hostileForm{
		{name: "pipeline name (rename)", as: admin, field: "name", kept: input("name"),
			path: func(i int) string {
				var err error
				if renamed, err = crm.CreatePipeline(context.Background(), h.a.db.DB, fmt.Sprintf("Rename me %d", i)); err != nil {
					t.Errorf("create a pipeline to rename: %v", err) // off the test's goroutine: no Fatal
				}
				return "/admin/pipelines/" + renamed
			},
			base: func(int) url.Values { return url.Values{} },
			stored: func(response, int) (string, string, bool) {
				return h.one(`SELECT name, id::text FROM pipelines WHERE id = $1`, renamed)
			},
			shows: func(_ *browser, id string, _ int) []view {
				return adminViews("/admin/pipelines", "/admin/pipelines/"+id, logOf(id))
			}},
	})
	if n := h.a.count(t, `SELECT count(*) FROM mail_outbox WHERE subject ~ '[\r\n]' OR to_addr ~ '[\r\n]'`); n != 0 {
		t.Errorf("%d emails have a line break in their subject or address", n)
	}
}

// TestHostileCorpusImport: every column of both CSV imports, one file per value. A file
// is refused whole (NUL, invalid UTF-8) with a message; otherwise each row's verdict is
// in the preview, a rejected row says why, and a created row is stored verbatim.
func TestHostileCorpusImport(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	columns := []struct {
		kind, col string
		header    []string
		row       func(i int, v string) []string
		kindOf    valueKind
		stored    string // the created record's value: $1 is the file's line's key
		key       func(i int) string
	}{
		{"companies", "name", []string{"name", "domain"}, func(i int, v string) []string { return []string{v, ""} }, asTyped,
			`SELECT name, id::text FROM companies WHERE $1::text IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1`, nil},
		{"companies", "domain", []string{"name", "domain"}, func(i int, v string) []string { return []string{fmt.Sprintf("Imported domain %d", i), v} }, asDomain,
			`SELECT coalesce(domain, ''), id::text FROM companies WHERE name = $1`, func(i int) string { return fmt.Sprintf("Imported domain %d", i) }},
		{"contacts", "email", []string{"email", "name"}, func(i int, v string) []string { return []string{v, fmt.Sprintf("Imported email %d", i)} }, asEmail,
			`SELECT email, id::text FROM contacts WHERE name = $1`, func(i int) string { return fmt.Sprintf("Imported email %d", i) }},
		{"contacts", "name", []string{"email", "name"}, func(i int, v string) []string { return []string{fmt.Sprintf("imported-%d@example.com", i), v} }, asTyped,
			`SELECT coalesce(name, ''), id::text FROM contacts WHERE email = $1`, func(i int) string { return fmt.Sprintf("imported-%d@example.com", i) }},
		{"contacts", "domain", []string{"email", "domain"}, func(i int, v string) []string { return []string{fmt.Sprintf("imported-domain-%d@example.com", i), v} }, asDomain,
			`SELECT coalesce(co.domain, ''), c.id::text FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.email = $1`,
			func(i int) string { return fmt.Sprintf("imported-domain-%d@example.com", i) }},
		{"contacts", "company_id", []string{"email", "company_id"}, func(i int, v string) []string { return []string{fmt.Sprintf("imported-co-%d@example.com", i), v} }, asTyped,
			`SELECT coalesce(company_id::text, ''), id::text FROM contacts WHERE email = $1`, func(i int) string { return fmt.Sprintf("imported-co-%d@example.com", i) }},
		{"contacts", "owner_id", []string{"email", "owner_id"}, func(i int, v string) []string { return []string{fmt.Sprintf("imported-owner-%d@example.com", i), v} }, asTyped,
			`SELECT owner_id, id::text FROM contacts WHERE email = $1`, func(i int) string { return fmt.Sprintf("imported-owner-%d@example.com", i) }},
	}
	for _, c := range columns {
		var created, rejected, refused []string
		for i, hc := range hostileCorpus {
			what := c.kind + " import, " + c.col + " = " + hc.name
			var file bytes.Buffer
			cw := csv.NewWriter(&file)
			_ = cw.Write(c.header)
			_ = cw.Write(c.row(i, hc.v))
			cw.Flush()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("kind", c.kind)
			_ = mw.WriteField(keyField, newKey())
			fw, _ := mw.CreateFormFile("file", fmt.Sprintf("hostile-%d.csv", i))
			_, _ = fw.Write(file.Bytes())
			_ = mw.Close()
			r, err := sendRequest(h.rep.c, newRequest(h.a, http.MethodPost, "/crm/import", &body, mw.FormDataContentType(), false))
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if r.status == http.StatusUnprocessableEntity {
				refused = append(refused, hc.name)
				if messageBeside(r, "f-file") == "" {
					t.Errorf("%s: the file was refused (422) without a message", what)
				}
				continue
			}
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/crm/import/") {
				t.Errorf("%s: upload answered %d to %q", what, r.status, r.location)
				continue
			}
			preview := h.rep.get(r.location)
			if preview.status != http.StatusOK {
				t.Errorf("%s: preview answered %d", what, preview.status)
				continue
			}
			if m := rawMarkup(preview.body); m != "" {
				t.Errorf("%s: the preview shows %s unescaped", what, m)
			}
			importID := strings.TrimPrefix(r.location, "/crm/import/")
			var action, reason string
			if err := h.a.db.DB.QueryRow(context.Background(), `SELECT action, coalesce(reason, '') FROM crm_import_rows WHERE import_id = $1`,
				importID).Scan(&action, &reason); err != nil {
				t.Errorf("%s: the preview's row: %v", what, err)
				continue
			}
			if action == "reject" {
				rejected = append(rejected, hc.name)
				if reason == "" || !strings.Contains(preview.body, html.EscapeString(reason)) {
					t.Errorf("%s: rejected without a reason shown (reason %q)", what, reason)
				}
				continue
			}
			created = append(created, hc.name)
			if conf := h.rep.post(r.location, url.Values{}); conf.status != http.StatusSeeOther {
				t.Errorf("%s: confirm answered %d", what, conf.status)
				continue
			}
			key := hc.v
			if c.key != nil {
				key = c.key(i)
			}
			got, id, found := h.one(c.stored, key)
			want := c.kindOf.stored(hc.v)
			switch {
			case !found:
				t.Errorf("%s: confirmed, but the record is not there", what)
			case got != want:
				t.Errorf("%s: imported %s, want %s verbatim", what, short(got), short(want))
			case c.kind == "companies":
				if p := h.rep.get("/crm/companies/" + id); rawMarkup(p.body) != "" || !strings.Contains(p.body, html.EscapeString(want)) {
					t.Errorf("%s: the company page does not show it escaped", what)
				}
			default:
				if p := h.rep.get("/crm/contacts/" + id); rawMarkup(p.body) != "" {
					t.Errorf("%s: the contact page shows it unescaped", what)
				}
			}
		}
		t.Logf("%-9s import %-10s created %2d, rejected %2d (%s), file refused %d (%s)", c.kind, c.col,
			len(created), len(rejected), strings.Join(rejected, ", "), len(refused), strings.Join(refused, ", "))
	}
}

// TestHostileImportFilenames: the upload's file name is shown on the preview, cleaned up
// or replaced, and always escaped; a name that breaks the multipart header is a refusal
// with a message, never a server error.
func TestHostileImportFilenames(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	for i, hc := range hostileCorpus {
		what := "import file named " + hc.name
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("kind", "companies")
		_ = mw.WriteField(keyField, newKey())
		fw, _ := mw.CreateFormFile("file", hc.v)
		_, _ = fmt.Fprintf(fw, "name\nFile name %d\n", i)
		_ = mw.Close()
		r, err := sendRequest(h.rep.c, newRequest(h.a, http.MethodPost, "/crm/import", &body, mw.FormDataContentType(), false))
		switch {
		case err != nil:
			t.Errorf("%s: %v", what, err)
		case r.status == http.StatusSeeOther:
			p := h.rep.get(r.location)
			if p.status != http.StatusOK || rawMarkup(p.body) != "" {
				t.Errorf("%s: the preview answered %d (raw markup %q)", what, p.status, rawMarkup(p.body))
			}
			var name string
			if err := h.a.db.DB.QueryRow(context.Background(), `SELECT filename FROM crm_imports WHERE id = $1`,
				strings.TrimPrefix(r.location, "/crm/import/")).Scan(&name); err != nil || !strings.Contains(p.body, html.EscapeString(name)) {
				t.Errorf("%s: the preview does not show the stored name %q escaped (%v)", what, name, err)
			}
		case r.status == http.StatusBadRequest || r.status == http.StatusUnprocessableEntity:
			if messageBeside(r, "f-file") == "" {
				t.Errorf("%s: refused (%d) without a message", what, r.status)
			}
		default:
			t.Errorf("%s: answered %d", what, r.status)
		}
	}
}

// TestHostileCorpusQueryParameters: every query parameter of every list and filter page.
// A value is the visitor's mistake: 200 (ignored or used), 400 or 404, never a 500 or a
// hang; whatever the page echoes is escaped; a sign-in's next never leaves the site.
func TestHostileCorpusQueryParameters(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	anon := h.a.timedBrowser()
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keyset := url.Values{"after": {pageCursor(t, cursor.Time(jan), cursor.UUID(h.deal))}}
	pages := []struct {
		b      *browser
		path   string
		fixed  url.Values
		params []string
	}{
		{h.rep, "/crm", nil, []string{"pipeline", "owner_id", "close_from", "close_to", "q", "rotting", "closed"}},
		{h.rep, "/crm", url.Values{"rotting": {"1"}, "closed": {"1"}}, []string{"q"}},
		{h.rep, "/crm/column", url.Values{"stage": {"lead"}, "after": keyset["after"]},
			[]string{"stage", "pipeline", "owner_id", "close_from", "close_to", "after", "q", "rotting"}},
		{h.rep, "/crm/column", url.Values{"pipeline": {h.pipe}}, []string{"stage_id"}},
		{h.rep, "/crm/forecast", nil, []string{"pipeline", "format"}},
		{h.rep, "/crm/forecast.csv", nil, []string{"pipeline"}},
		{h.rep, "/crm/deals/" + h.deal + "/lost", nil, []string{"next"}},
		{h.rep, "/crm/overview", nil, []string{"owner_id"}},
		{h.rep, "/crm/companies", keyset, []string{"q", "sort", "after"}},
		{h.rep, "/crm/companies.csv", nil, []string{"q", "sort"}},
		{h.rep, "/crm/contacts", keyset, []string{"q", "owner_id", "company_id", "sort", "after"}},
		{h.rep, "/crm/contacts.csv", nil, []string{"q", "owner_id", "company_id"}},
		{h.rep, "/crm/deals", keyset, []string{"q", "owner_id", "company_id", "stage", "pipeline_id", "sort", "after", "format"}},
		{h.rep, "/crm/deals.csv", nil, []string{"q", "owner_id", "company_id", "stage", "pipeline_id"}},
		{h.rep, "/crm/deals/new", nil, []string{"contact_id", "pipeline_id"}},
		{h.rep, "/crm/contacts/new", nil, []string{"company_id", "email"}},
		{h.rep, "/crm/companies/new", nil, []string{"domain"}},
		{h.rep, "/crm/activities", nil, []string{"assignee", "type", "from", "to", "when", "after"}},
		{h.rep, "/crm/activities", url.Values{"when": {"done"}}, []string{"after"}},
		{h.rep, "/crm/activities/new", url.Values{"deal_id": {h.deal}}, []string{"deal_id", "next"}},
		{anon, "/calendar/x.ics", nil, []string{"token"}},
		{h.rep, "/crm/deals/" + h.deal, url.Values{"before": {pageCursor(t, cursor.Time(jan.AddDate(4, 0, 0)), cursor.UUID(h.deal))}}, []string{"before"}},
		{h.agent, "/desk", nil, []string{"status", "priority", "team", "assignee", "after"}},
		{h.agent, "/desk", url.Values{"status": {"solved"}}, []string{"after"}},
		{h.cust, "/support", nil, []string{"after"}},
		{h.admin, "/admin/users", nil, []string{"q", "role", "after"}},
		{h.admin, "/admin/audit", nil, []string{"action", "actor", "target", "ip", "from", "to", "after"}},
		{anon, "/signin", nil, []string{"next"}},
		{h.rep, "/signin", nil, []string{"next"}},
		{anon, "/reset-password", nil, []string{"token"}},
	}
	type job struct {
		b          *browser
		path, what string
	}
	var jobs []job
	for _, p := range pages {
		for _, param := range p.params {
			for _, hc := range hostileCorpus {
				q := url.Values{}
				for k, v := range p.fixed {
					q[k] = v
				}
				q.Set(param, hc.v)
				jobs = append(jobs, job{p.b, p.path + "?" + q.Encode(), fmt.Sprintf("GET %s?%s=%s", p.path, param, hc.name)})
			}
		}
	}
	// Reads only: four at a time.
	work := make(chan job)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				checkHostileQuery(t, h, j.b, j.path, j.what)
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("%d requests: %d pages' parameters × %d values", len(jobs), len(jobs)/len(hostileCorpus), len(hostileCorpus))
}

// checkHostileQuery sends one hostile query string and checks the answer.
func checkHostileQuery(t *testing.T, h *hostileWorld, b *browser, path, what string) {
	if knownBug(t, what) {
		return
	}
	page, _, _ := strings.Cut(path, "?")
	r, err := sendRequest(b.c, newRequest(h.a, http.MethodGet, path, nil, "", false))
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	switch r.status {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
	case http.StatusSeeOther:
		if page != "/signin" {
			t.Errorf("%s: redirected to %q", what, r.location)
		}
		if httpLocalPath(r.location) == "" {
			t.Errorf("%s: redirected off the site, to %q", what, r.location)
		}
	default:
		t.Errorf("%s: answered %d", what, r.status)
	}
	if m := rawMarkup(r.body); m != "" {
		t.Errorf("%s: the page shows %s unescaped", what, m)
	}
	if hdr := injectedHeaders(r); hdr != "" {
		t.Errorf("%s: the answer carries an injected %s header", what, hdr)
	}
	if page == "/signin" && r.status == http.StatusOK {
		if next, _ := keptInput(r, "name", "next"); next != "" && httpLocalPath(next) == "" {
			t.Errorf("%s: the form carries next=%q off the site", what, next)
		}
	}
	if strings.HasSuffix(page, ".csv") && r.status == http.StatusOK && !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Errorf("%s: Content-Type %q", what, r.header.Get("Content-Type"))
	}
}

// TestHostileCSVFormulas: a value a spreadsheet would run as a formula (starting with =,
// +, -, @, a tab or a carriage return) is exported with a leading apostrophe, in every
// column of every export, whether it came through a form, an import or the database.
func TestHostileCSVFormulas(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	formulas := []string{`=1+2`, `+1+2`, `-1+2`, `@SUM(1,2)`, `=HYPERLINK("http://evil.example","click")`, `=cmd|' /C calc'!A0`}
	ctx := context.Background()
	for i, f := range formulas {
		if r := h.rep.post("/crm/companies", url.Values{"name": {f}}); r.status != http.StatusSeeOther {
			t.Fatalf("company %q: %d", f, r.status)
		}
		if r := h.rep.post("/crm/contacts", url.Values{"email": {fmt.Sprintf("formula-%d@example.com", i)}, "name": {f},
			"owner_id": {h.repU.ID}}); r.status != http.StatusSeeOther {
			t.Fatalf("contact %q: %d", f, r.status)
		}
		if r := h.rep.post("/crm/deals", url.Values{"title": {f}, "contact_id": {"jane@acme.com"}, "pipeline_id": {h.pipe},
			"owner_id": {h.repU.ID}, "amount": {"1"}, "stage": {"lead"}}); r.status != http.StatusSeeOther {
			t.Fatalf("deal %q: %d", f, r.status)
		}
	}
	// Addresses may start with a formula character too: "+" and "-" through the form;
	// "=", which the form refuses since issue 9, as a row stored before.
	emails := []string{"=1+2@example.com", "+tag@example.com", "-dash@example.com"}
	legacy := "Formula email 0"
	if _, err := crm.CreateContact(ctx, h.a.db.DB, crm.ContactFields{Email: emails[0], Name: &legacy, OwnerID: h.repU.ID}); err != nil {
		t.Fatal(err)
	}
	for i, e := range emails[1:] {
		if r := h.rep.post("/crm/contacts", url.Values{"email": {e}, "name": {fmt.Sprintf("Formula email %d", i+1)},
			"owner_id": {h.repU.ID}}); r.status != http.StatusSeeOther {
			t.Fatalf("contact %q: %d\n%s", e, r.status, messageBeside(r, "f-email"))
		}
	}
	// Through the importer.
	up := h.rep.postFile("/crm/import", map[string]string{"kind": "companies"}, "file", "formulas.csv",
		[]byte("name,domain\n\"=IMPORT(1)\",\n\"@IMPORT(2)\",\n"))
	if up.status != http.StatusSeeOther {
		t.Fatalf("import: %d", up.status)
	}
	if r := h.rep.post(up.location, url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("confirm import: %d", r.status)
	}
	imported := []string{"=IMPORT(1)", "@IMPORT(2)"}
	// A tab or a carriage return before the formula cannot be typed (forms trim), but a
	// row may hold one; the exporter guards it as well.
	for _, f := range []string{"\t=TAB()", "\r=CR()"} {
		if _, err := crm.CreateCompany(ctx, h.a.db.DB, f, nil); err != nil {
			t.Fatal(err)
		}
	}
	exports := []struct {
		path, column string
		values       []string
	}{
		{"/crm/companies.csv", "name", append(append(append([]string{}, formulas...), imported...), "\t=TAB()", "\r=CR()")},
		{"/crm/contacts.csv?owner_id=any", "name", formulas},
		{"/crm/contacts.csv?owner_id=any", "email", emails},
		{"/crm/deals.csv?owner_id=any", "title", formulas},
	}
	for _, e := range exports {
		r := h.rep.get(e.path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d", e.path, r.status)
			continue
		}
		recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Errorf("GET %s: not CSV (%v)", e.path, err)
			continue
		}
		col := -1
		for j, hd := range recs[0] {
			if hd == e.column {
				col = j
			}
		}
		if col < 0 {
			t.Errorf("GET %s: no %s column in %v", e.path, e.column, recs[0])
			continue
		}
		cells := map[string]bool{}
		for _, rec := range recs[1:] {
			for j, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("GET %s: column %s exports %q as a live formula", e.path, recs[0][j], cell)
				}
			}
			cells[rec[col]] = true
		}
		for _, v := range e.values {
			if !cells["'"+v] {
				t.Errorf("GET %s: %q is not exported as '%s (guarded)", e.path, v, v)
			}
		}
	}
}

// TestHostileRedirects: the next field of the sign-in form and of a deal's move form
// takes every corpus value and every open-redirect trick; the redirect always stays on
// the site, and never carries an injected header.
func TestHostileRedirects(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	values := append([]struct{ name, v string }{
		{"protocol-relative URL", "//evil.example/x"},
		{"absolute URL", "https://evil.example/"},
		{"backslash host", `/\evil.example`},
		{"tab in the host", "/\t/evil.example"},
		{"encoded slashes", "/%2F%2Fevil.example"},
		{"user info", "/@evil.example"},
	}, hostileCorpus...)
	for i, hc := range values {
		stage := []string{"lead", "qualified"}[i%2]
		moves := []struct {
			what string
			b    *browser
			path string
			form url.Values
		}{
			{"sign in", h.a.timedBrowser(), "/signin", url.Values{"email": {"rep@example.com"}, "password": {testPassword}, "next": {hc.v}}},
			{"move a deal", h.rep, "/crm/deals/" + h.deal + "/stage", url.Values{"stage": {stage}, "next": {hc.v}}},
		}
		// Signing in costs a password hash: the sign-in takes the redirect tricks and the
		// values a path check could trip on (control bytes, bad UTF-8, length, a scheme).
		if i >= 6 && !strings.ContainsAny(hc.v, "\r\n\x00") && utf8.ValidString(hc.v) && len(hc.v) < 1000 && !strings.Contains(hc.v, ":") {
			moves = moves[1:]
		}
		for _, m := range moves {
			what := m.what + " with next = " + hc.name
			r, err := sendRequest(m.b.c, newRequest(h.a, http.MethodPost, m.path, strings.NewReader(m.form.Encode()),
				"application/x-www-form-urlencoded", false))
			switch {
			case err != nil:
				t.Errorf("%s: %v", what, err)
			case r.status != http.StatusSeeOther:
				t.Errorf("%s: answered %d", what, r.status)
			case httpLocalPath(r.location) == "":
				t.Errorf("%s: redirected to %q, off the site", what, r.location)
			case injectedHeaders(r) != "":
				t.Errorf("%s: an injected %s header", what, injectedHeaders(r))
			}
		}
	}
}

// TestHostileCorpusPathIDs: every corpus value as the {id} of every route that has one,
// as an admin (who passes every role gate) with a valid form for the POSTs: nothing has
// such an id, so the answer is a 404 (or a 400), never a server error.
func TestHostileCorpusPathIDs(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	form := url.Values{"name": {"X"}, "title": {"X"}, "body": {"X"}, "type": {"note"}, "stage": {"won"}, "status": {"open"},
		"priority": {"normal"}, "version": {"1"}, "role": {"sales"}, "team": {"Tier 1"}, "email": {"x@example.com"},
		"first_response_mins": {"1"}, "resolve_mins": {"2"}, "contact_id": {"jane@acme.com"}, "pipeline_id": {h.pipe},
		"owner_id": {h.repU.ID}, "amount": {"1"}, "stage_name": {"X"}, "kind": {"lead"}, "probability": {"1"}, "direction": {"up"},
		"reason": {"other"}, "note": {"X"}, "label": {"X"}}
	routes := []struct{ method, path string }{
		{"GET", "/support/tickets/{id}"}, {"POST", "/support/tickets/{id}/reply"}, {"POST", "/support/tickets/{id}/solve"},
		{"GET", "/crm/companies/{id}"}, {"GET", "/crm/companies/{id}/edit"}, {"POST", "/crm/companies/{id}"},
		{"GET", "/crm/contacts/{id}"}, {"GET", "/crm/contacts/{id}/edit"}, {"POST", "/crm/contacts/{id}"},
		{"GET", "/crm/deals/{id}"}, {"GET", "/crm/deals/{id}/edit"}, {"POST", "/crm/deals/{id}"},
		{"POST", "/crm/deals/{id}/stage"}, {"POST", "/crm/deals/{id}/activities"},
		{"POST", "/crm/deals/{id}/won"}, {"GET", "/crm/deals/{id}/lost"}, {"POST", "/crm/deals/{id}/lost"}, {"POST", "/crm/deals/{id}/reopen"},
		{"POST", "/admin/pipelines/{id}/stages"}, {"GET", "/admin/pipelines/" + h.pipe + "/stages/{id}"},
		{"POST", "/admin/pipelines/" + h.pipe + "/stages/{id}"}, {"POST", "/admin/pipelines/" + h.pipe + "/stages/{id}/reorder"},
		{"GET", "/admin/pipelines/" + h.pipe + "/stages/{id}/delete"}, {"POST", "/admin/pipelines/" + h.pipe + "/stages/{id}/delete"},
		{"POST", "/admin/lost-reasons/{id}/delete"},
		{"GET", "/admin/fields/{id}"}, {"POST", "/admin/fields/{id}"}, {"GET", "/admin/fields/{id}/delete"}, {"POST", "/admin/fields/{id}/delete"},
		{"GET", "/crm/import/{id}"}, {"POST", "/crm/import/{id}"},
		{"GET", "/desk/tickets/{id}"}, {"POST", "/desk/tickets/{id}"},
		{"GET", "/admin/users/{id}"}, {"POST", "/admin/users/{id}"},
		{"POST", "/admin/users/{id}/deactivate"}, {"POST", "/admin/users/{id}/reactivate"}, {"POST", "/admin/users/{id}/two-step/reset"},
		{"GET", "/admin/pipelines/{id}"}, {"POST", "/admin/pipelines/{id}"},
		{"POST", "/admin/agents/{id}"},
		{"GET", "/admin/sla/{id}"}, {"POST", "/admin/sla/{id}"},
		{"GET", "/crm/activities/{id}/edit"}, {"POST", "/crm/activities/{id}"}, {"POST", "/crm/activities/{id}/done"},
		{"POST", "/crm/activities/{id}/undo"}, {"POST", "/crm/activities/{id}/delete"},
		{"POST", "/admin/activity-types/{id}"}, {"GET", "/calendar/{id}"}, {"GET", "/calendar/{id}.ics"},
		{"GET", "/admin/mailboxes/{id}"}, {"POST", "/admin/mailboxes/{id}"},
		{"GET", "/desk/tickets/{id}/mail"}, {"GET", "/desk/tickets/{id}/mail/1"},
		{"GET", "/desk/tickets/00000000-0000-0000-0000-000000000000/mail/{id}"},
		{"GET", "/admin/mailboxes/{id}/messages/1"}, {"GET", "/admin/mailboxes/{id}/messages/1/raw"},
		{"GET", "/admin/mailboxes/00000000-0000-0000-0000-000000000000/messages/{id}"},
		{"GET", "/admin/mailboxes/00000000-0000-0000-0000-000000000000/messages/{id}/raw"},
		{"POST", "/account/sessions/{id}/signout"},
	}
	type job struct{ method, path, what string }
	var jobs []job
	for _, rt := range routes {
		for _, hc := range hostileCorpus {
			jobs = append(jobs, job{rt.method, strings.Replace(rt.path, "{id}", url.PathEscape(hc.v), 1), rt.method + " " + rt.path + " with {id} = " + hc.name})
		}
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if knownBug(t, j.what) {
					continue
				}
				var body *strings.Reader
				if j.method == http.MethodPost {
					body = strings.NewReader(form.Encode())
				} else {
					body = strings.NewReader("")
				}
				r, err := sendRequest(h.admin.c, newRequest(h.a, j.method, j.path, body, "application/x-www-form-urlencoded", false))
				switch {
				case err != nil:
					t.Errorf("%s: %v", j.what, err)
				case r.status != http.StatusNotFound && r.status != http.StatusBadRequest:
					t.Errorf("%s: answered %d, want 404 (or 400)", j.what, r.status)
				case rawMarkup(r.body) != "":
					t.Errorf("%s: the page shows %s unescaped", j.what, rawMarkup(r.body))
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("%d requests: %d routes × %d values", len(jobs), len(routes), len(hostileCorpus))
}
