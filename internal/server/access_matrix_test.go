package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// mxCell is what one visitor must get from one request.
type mxCell struct {
	status int
	loc    string // Location prefix of a redirect
	signin bool   // anonymous: sent to sign in, with ?next= for a GET
	write  bool   // the request changed the database, and the row's wrote proves it
	must   []string
	not    []string
}

func (c mxCell) without(s ...string) mxCell {
	c.not = append(append([]string{}, c.not...), s...)
	return c
}

// mxRow is one route and method with the request's body, what proves a write, and the
// expected cell for each visitor, in the column order of mxWorld.actors.
type mxRow struct {
	method, path string
	// form is a valid form body, upload a valid multipart upload (fields, file name and
	// content): a refusal is then about who sent it, and an acceptance really writes.
	form   func(*mxActor) url.Values
	upload func(*mxActor) (fields map[string]string, name, content string)
	// wrote counts the rows only this visitor's accepted write creates.
	wrote func(*mxActor) int
	// fresh: the request starts or ends a session, so it goes from a new session of the
	// visitor; stream: a server-sent event stream (read its first event, then hang up);
	// crossSite: sent from another site; note: the desk's ticket page, where agents and
	// admins read the internal note.
	fresh, stream, crossSite, note bool
	cells                          [7]mxCell
}

// TestAccessMatrix is the access spec of the whole application: every route and method
// of routes.go, as each kind of visitor, on records owned by others. No cell may leak a
// record (each visitor's secrets never appear in a body or a Location); a refused or
// read-only request changes nothing in the database (its fingerprint); an accepted write
// really wrote (the row's own check).
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	w := newMatrix(t)
	var (
		in = mxCell{signin: true}
		no = mxCell{status: http.StatusForbidden, must: []string{"403 · Forbidden"}}
		nf = mxCell{status: http.StatusNotFound}
		ok = func(must ...string) mxCell { return mxCell{status: http.StatusOK, must: must} }
		to = func(loc string) mxCell { return mxCell{status: http.StatusSeeOther, loc: loc} }
		wr = func(loc string) mxCell { return mxCell{status: http.StatusSeeOther, loc: loc, write: true} }
		is = func(status int) mxCell { return mxCell{status: status} }
		// codes: a page that shows new recovery codes, once (a write answered 200).
		codes = func(must ...string) mxCell { return mxCell{status: http.StatusOK, write: true, must: must} }
		row   = func(anon, custA, custB, repA, repB, agent, admin mxCell) [7]mxCell {
			return [7]mxCell{anon, custA, custB, repA, repB, agent, admin}
		}
		all = func(c mxCell) [7]mxCell { return [7]mxCell{c, c, c, c, c, c, c} }
	)
	// staffOnly is c for an admin with an agent profile, else a 403 that says why.
	adminIsAgent := w.n(t, `SELECT count(*) FROM agents WHERE user_id = $1`, w.adm.user.ID) == 1
	staffOnly := func(c mxCell) mxCell {
		if adminIsAgent {
			return c
		}
		return mxCell{status: http.StatusForbidden}
	}
	var (
		dA, dB, cA, cB, tA, tB = w.dealA, w.dealB, w.contactA, w.contactB, w.ticketA, w.ticketB
		editDA, logDA          = "/crm/deals/" + dA + "/edit", "/crm/deals/" + dA + "/activities"
		editDB, logDB          = "/crm/deals/" + dB + "/edit", "/crm/deals/" + dB + "/activities"
		editCA, editCB         = "/crm/contacts/" + cA + "/edit", "/crm/contacts/" + cB + "/edit"
		deskTA, deskTB         = "/desk/tickets/" + tA, "/desk/tickets/" + tB
		victim                 = w.victim.ID
	)
	n := func(sql string, args ...any) int { return w.n(t, sql, args...) }
	// A support mailbox with one fetched message, for the mailbox pages.
	var mbox, inMsg string
	if err := w.a.db.DB.QueryRow(context.Background(), `WITH m AS (
		INSERT INTO mailboxes (address, host, port, security, username, password_sealed)
		VALUES ('support@example.com', 'imap.example.com', 993, 'tls', 'support', '\x00') RETURNING id
	), i AS (
		INSERT INTO inbound_messages (mailbox_id, uidvalidity, uid, from_addr, subject, size, state, reason)
		SELECT id, 1, 1, 'x@example.com', 'Inbound subject', 9, 'quarantined', 'a multipart part has no boundary' FROM m RETURNING id, mailbox_id
	), r AS (
		INSERT INTO inbound_message_raw (inbound_id, seq, data) SELECT id, 0, convert_to('Subject: x', 'UTF8') FROM i
	)
	SELECT mailbox_id::text, id::text FROM i`).Scan(&mbox, &inMsg); err != nil {
		t.Fatal(err)
	}
	mailboxForm := func(user, team string) url.Values {
		return url.Values{"address": {"support@example.com"}, "host": {"imap.example.com"}, "port": {"993"}, "security": {"tls"},
			"username": {user}, "password": {"pw"}, "folder": {"INBOX"}, "team": {team}, "poll": {"60"}, "enabled": {"1"}}
	}
	str := func(sql string, args ...any) string {
		var v string
		if err := w.a.db.DB.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	stageOf := func(kind string) string {
		return str(`SELECT id::text FROM pipeline_stages WHERE pipeline_id = $1 AND kind = $2 ORDER BY position LIMIT 1`, w.pipe, kind)
	}
	leadStage, qualifiedStage := stageOf("lead"), stageOf("qualified")
	otherCo := str(`INSERT INTO companies (name, domain) VALUES ('Other Co', 'other.example') RETURNING id::text`)
	doomed := str(`INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability) VALUES ($1, 'Doomed', 'qualified', 99, 30) RETURNING id::text`, w.pipe)
	timing := str(`SELECT id::text FROM crm_lost_reasons WHERE label = 'Timing'`)
	field := str(`INSERT INTO custom_fields (entity, kind, label) VALUES ('contact', 'text', 'Matrix field') RETURNING id::text`)
	doomedField := str(`INSERT INTO custom_fields (entity, kind, label) VALUES ('deal', 'number', 'Doomed field') RETURNING id::text`)
	stagesOf, leadPath := "/admin/pipelines/"+w.pipe, "/admin/pipelines/"+w.pipe+"/stages/"+leadStage
	audited := func(action string) func(*mxActor) int {
		return func(ac *mxActor) int {
			return n(`SELECT count(*) FROM audit_log WHERE action = $1 AND actor_id = $2`, action, ac.user.ID)
		}
	}
	email := func(ac *mxActor) string {
		if ac.user == nil {
			return "victim@example.com"
		}
		return ac.user.Email
	}
	ownerOr := func(ac *mxActor) string { // the visitor when they may own records, else rep A
		if ac == w.repA || ac == w.repB || ac == w.adm {
			return ac.user.ID
		}
		return w.repA.user.ID
	}
	dealForm := func(title, contact, owner string) url.Values {
		return url.Values{"title": {title}, "contact_id": {contact}, "pipeline_id": {w.pipe}, "owner_id": {owner},
			"amount": {"1,234.50"}, "close_date": {"2031-01-31"}, "stage": {"lead"}}
	}
	stageBy := func(ac *mxActor) string { // a move that changes the stage when the visitor may move it
		switch ac {
		case w.repA, w.repB:
			return "qualified"
		case w.adm:
			return "won"
		}
		return "lost"
	}
	moves := func(deal string) func(*mxActor) int {
		return func(ac *mxActor) int {
			return n(`SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND actor_id = $2`, deal, ac.user.ID)
		}
	}

	rows := []mxRow{
		// Operations and static files answer everyone alike, without a session.
		{method: "GET", path: "/healthz", cells: all(ok("ok"))},
		{method: "GET", path: "/readyz", cells: all(ok("ready"))},
		// Metrics have their own listener (METRICS_ADDR): the public port has none.
		{method: "GET", path: "/metrics", cells: all(nf)},
		{method: "GET", path: w.asset(t, "app", ".css"), cells: all(ok())},
		{method: "GET", path: "/no/such/page", cells: all(nf)},
		// A method a route does not take, and a form sent from another site: refused
		// before anything runs, whoever sends them.
		{method: "DELETE", path: "/crm/deals/" + dA, cells: all(is(http.StatusMethodNotAllowed))},
		{method: "PUT", path: "/admin/users/" + victim, cells: row(in, no, no, no, no, no, is(http.StatusMethodNotAllowed))},
		{method: "POST", path: logDA, crossSite: true,
			form: func(ac *mxActor) url.Values {
				return url.Values{"type": {"note"}, "body": {"Cross-site by " + ac.name}}
			},
			cells: all(mxCell{status: http.StatusForbidden, must: []string{"Request refused"}})},

		// Signing in, up and out; passwords.
		{method: "GET", path: "/", cells: row(to("/signin"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "GET", path: "/signin", cells: row(ok("Sign in"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "GET", path: "/signin?next=" + url.QueryEscape("/crm/deals/"+dA),
			cells: row(ok("/crm/deals/"+dA), to("/crm/deals/"+dA), to("/crm/deals/"+dA), to("/crm/deals/"+dA), to("/crm/deals/"+dA), to("/crm/deals/"+dA), to("/crm/deals/"+dA))},
		// Open redirects: a next that leaves the site is dropped.
		{method: "GET", path: "/signin?next=" + url.QueryEscape("//evil.example/x"),
			cells: row(ok().without("evil.example"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "GET", path: "/signin?next=" + url.QueryEscape("https://evil.example/"),
			cells: row(ok().without("evil.example"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "GET", path: "/signin?next=" + url.QueryEscape(`/\evil.example`),
			cells: row(ok().without("evil.example"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		// Wrong credentials: the same refusal for everyone, and no session changes hands.
		{method: "POST", path: "/signin",
			form: func(ac *mxActor) url.Values {
				return url.Values{"email": {"nobody-" + strings.ToLower(ac.name) + "@example.com"}, "password": {"not the password"}}
			},
			cells: all(mxCell{status: http.StatusUnauthorized, must: []string{"The email or password is incorrect."}})},
		{method: "GET", path: "/signup", cells: row(ok("Create your account"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		// Anonymous visitors create a customer account (and are told to check their inbox,
		// whether or not the address had one); a signed-in browser is sent home and
		// nothing is written (a second account would replace its session).
		{method: "POST", path: "/signup", fresh: true,
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Signup by " + ac.name}, "email": {"signup-" + strings.ToLower(ac.name) + "@example.com"}, "password": {goodPassword}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM "user" WHERE email = $1 AND role = 'customer'`, "signup-"+strings.ToLower(ac.name)+"@example.com")
			},
			cells: row(mxCell{status: http.StatusOK, write: true, must: []string{"Check your inbox"}}, to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "GET", path: "/forgot-password", cells: all(ok("Reset your password"))},
		{method: "POST", path: "/forgot-password",
			form: func(ac *mxActor) url.Values { return url.Values{"email": {email(ac)}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND subject = 'Reset your Rapport password'`, email(ac))
			},
			cells: all(mxCell{status: http.StatusOK, write: true})},
		{method: "GET", path: "/reset-password?token=not-a-real-token", cells: all(nf)},
		{method: "POST", path: "/reset-password",
			form: func(*mxActor) url.Values {
				return url.Values{"token": {"not-a-real-token"}, "password": {goodPassword}}
			},
			cells: all(nf)},
		// Confirming an address: anyone may ask for a link, and the answer never says
		// whether one went out (every visitor here is confirmed, so nothing is sent).
		{method: "GET", path: "/verify-email", cells: all(ok("Confirm your email", `action="/verify-email"`))},
		{method: "GET", path: "/verify-email?token=not-a-real-token", cells: all(mxCell{status: http.StatusNotFound, must: []string{"This link is invalid"}})},
		{method: "POST", path: "/verify-email",
			form:  func(ac *mxActor) url.Values { return url.Values{"email": {email(ac)}} },
			cells: all(ok("If an account with an unconfirmed address exists"))},
		{method: "POST", path: "/verify-email/confirm",
			form:  func(*mxActor) url.Values { return url.Values{"token": {"not-a-real-token"}} },
			cells: all(mxCell{status: http.StatusNotFound, must: []string{"This link is invalid"}})},
		{method: "GET", path: "/account/password", cells: row(in, ok(), ok(), ok(), ok(), ok(), ok())},

		// The customer portal: customers see their own tickets, and never a note; another
		// customer's ticket is a 404, as it is for an admin (not the requester).
		{method: "GET", path: "/support", cells: row(in, ok(mxTicketASubj), ok(mxTicketBSubj), no, no, no, ok())},
		{method: "GET", path: "/support/new", cells: row(in, ok(), ok(), no, no, no, ok())},
		{method: "POST", path: "/support/tickets",
			form: func(ac *mxActor) url.Values {
				return url.Values{"subject": {"Ticket by " + ac.name}, "body": {"Filed by " + ac.name}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM tickets WHERE subject = $1`, "Ticket by "+ac.name)
			},
			cells: row(in, wr("/support/tickets/"), wr("/support/tickets/"), no, no, no, wr("/support/tickets/"))},
		{method: "GET", path: "/support/tickets/" + tA, cells: row(in, ok(mxTicketASubj, mxTicketABody, mxReplyA), nf, no, no, no, nf)},
		{method: "GET", path: "/support/tickets/" + tB, cells: row(in, nf, ok(mxTicketBSubj, mxTicketBBody), no, no, no, nf)},
		// Attachments (issue 12): a customer downloads their own ticket's public files,
		// never a note's; the desk downloads any.
		{method: "GET", path: "/support/attachments/" + w.filePubA, cells: row(in, ok(mxReplyA+" in a file"), nf, no, no, no, nf)},
		{method: "GET", path: "/support/attachments/" + w.fileNoteA, cells: row(in, nf, nf, no, no, no, nf)},
		{method: "GET", path: "/desk/attachments/" + w.fileNoteA, note: true, cells: row(in, no, no, no, no, ok(mxNote+" in a file"), ok(mxNote+" in a file"))},
		{method: "GET", path: "/desk/attachments/" + w.filePubA, cells: row(in, no, no, no, no, ok(mxReplyA+" in a file"), ok(mxReplyA+" in a file"))},
		{method: "POST", path: "/support/tickets/" + tA + "/reply",
			form: func(ac *mxActor) url.Values { return url.Values{"body": {"Portal reply by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM ticket_messages WHERE body = $1`, "Portal reply by "+ac.name)
			},
			cells: row(in, wr("/support/tickets/"+tA), nf, no, no, no, nf)},
		// A customer marks their own ticket solved (issue 17); the reply row
		// after it reopens the ticket for the rows below.
		{method: "POST", path: "/support/tickets/" + tB + "/solve",
			form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(ac *mxActor) int {
				if ac.user == nil {
					return 0
				}
				return n(`SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND to_status = 'solved' AND actor_id = $2`, tB, ac.user.ID)
			},
			cells: row(in, nf, wr("/support/tickets/"+tB), no, no, no, nf)},
		{method: "POST", path: "/support/tickets/" + tB + "/reply",
			form: func(ac *mxActor) url.Values { return url.Values{"body": {"Portal reply B by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM ticket_messages WHERE body = $1`, "Portal reply B by "+ac.name)
			},
			cells: row(in, nf, wr("/support/tickets/"+tB), no, no, no, nf)},

		// The CRM, read: every rep reads every record, lists default to the rep's own;
		// agents read a contact or company page and nothing else.
		{method: "GET", path: "/crm", cells: row(in, no, no, ok(mxDealA).without(mxDealB), ok(mxDealB).without(mxDealA), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm?owner_id=any&pipeline=" + w.pipe, cells: row(in, no, no, ok(mxDealA, mxDealB), ok(mxDealA, mxDealB), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/column?stage=lead&owner_id=any&pipeline=" + w.pipe, cells: row(in, no, no, ok(mxDealA, mxDealB), ok(mxDealA, mxDealB), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/overview", cells: row(in, no, no, ok(), ok(), no, ok())},
		{method: "GET", path: "/crm/forecast", cells: row(in, no, no, ok("Forecast"), ok("Forecast"), no, ok("Forecast"))},
		{method: "GET", path: "/crm/forecast.csv", cells: row(in, no, no, ok("weighted_cents"), ok("weighted_cents"), no, ok("weighted_cents"))},
		{method: "GET", path: "/crm?owner_id=any&closed=1&rotting=1&q=DEAL&pipeline=" + w.pipe, cells: row(in, no, no, ok(), ok(), no, ok())},
		{method: "GET", path: "/crm/column?owner_id=any&pipeline=" + w.pipe + "&stage_id=" + leadStage, cells: row(in, no, no, ok(mxDealA, mxDealB), ok(mxDealA, mxDealB), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/companies", cells: row(in, no, no, ok("Acme"), ok("Acme"), no, ok("Acme"))},
		{method: "GET", path: "/crm/companies.csv", cells: row(in, no, no, ok("acme.com"), ok("acme.com"), no, ok("acme.com"))},
		{method: "GET", path: "/crm/companies/new", cells: row(in, no, no, ok(), ok(), no, ok())},
		{method: "GET", path: "/crm/companies/" + w.acme,
			cells: row(in, no, no, ok("Acme", mxContactA, mxContactB), ok("Acme", mxContactA, mxContactB),
				ok("Acme", mxContactA, mxContactB).without("/crm/companies/"+w.acme+"/edit", "/crm/deals/"+dA), ok("Acme", mxContactA))},
		{method: "GET", path: "/crm/companies/" + w.acme + "/edit", cells: row(in, no, no, ok("acme.com"), ok("acme.com"), no, ok("acme.com"))},
		{method: "GET", path: "/crm/contacts", cells: row(in, no, no, ok(mxContactA).without(mxContactB), ok(mxContactB).without(mxContactA), no, ok(mxContactA, mxContactB))},
		{method: "GET", path: "/crm/contacts.csv", cells: row(in, no, no, ok(mxContactA).without(mxContactB), ok(mxContactB).without(mxContactA), no, ok(mxContactA, mxContactB))},
		{method: "GET", path: "/crm/contacts?owner_id=any&q=CONTACT", cells: row(in, no, no, ok(mxContactA, mxContactB), ok(mxContactA, mxContactB), no, ok(mxContactA, mxContactB))},
		{method: "GET", path: "/crm/contacts/new", cells: row(in, no, no, ok(), ok(), no, ok())},
		// A contact page lists the person's tickets by subject; only desk staff get links.
		{method: "GET", path: "/crm/contacts/" + cA,
			cells: row(in, no, no, ok(mxContactA, mxTicketASubj, editCA).without(deskTA), ok(mxContactA, mxTicketASubj).without(editCA, deskTA),
				ok(mxContactA, mxTicketASubj, deskTA).without(editCA), ok(mxContactA, mxTicketASubj, editCA, deskTA))},
		{method: "GET", path: "/crm/contacts/" + cB,
			cells: row(in, no, no, ok(mxContactB, mxTicketBSubj).without(editCB, deskTB), ok(mxContactB, mxTicketBSubj, editCB).without(deskTB),
				ok(mxContactB, mxTicketBSubj, deskTB).without(editCB), ok(mxContactB, mxTicketBSubj, editCB, deskTB))},
		{method: "GET", path: editCA, cells: row(in, no, no, ok(mxContactA), no, no, ok(mxContactA))},
		{method: "GET", path: editCB, cells: row(in, no, no, no, ok(mxContactB), no, ok(mxContactB))},
		{method: "GET", path: "/crm/deals", cells: row(in, no, no, ok(mxDealA).without(mxDealB), ok(mxDealB).without(mxDealA), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/deals.csv", cells: row(in, no, no, ok(mxDealA).without(mxDealB), ok(mxDealB).without(mxDealA), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/deals?owner_id=any", cells: row(in, no, no, ok(mxDealA, mxDealB), ok(mxDealA, mxDealB), no, ok(mxDealA, mxDealB))},
		{method: "GET", path: "/crm/deals/new", cells: row(in, no, no, ok(), ok(), no, ok())},
		// Someone else's deal reads fine but offers no edit, move or log controls.
		{method: "GET", path: "/crm/deals/" + dA,
			cells: row(in, no, no, ok(mxDealA, mxActivityA, editDA, logDA), ok(mxDealA, mxActivityA).without(editDA, logDA), no, ok(mxDealA, editDA, logDA))},
		{method: "GET", path: "/crm/deals/" + dB,
			cells: row(in, no, no, ok(mxDealB).without(editDB, logDB), ok(mxDealB, editDB, logDB), no, ok(mxDealB, editDB, logDB))},
		{method: "GET", path: editDA, cells: row(in, no, no, ok(mxDealA), no, no, ok(mxDealA))},
		{method: "GET", path: editDB, cells: row(in, no, no, no, ok(mxDealB), no, ok(mxDealB))},
		{method: "GET", path: "/crm/import", cells: row(in, no, no, ok(), ok(), no, ok())},
		// Duplicates and merge: reps and admins. A merge changes both records, so only
		// their owner (or an admin) may merge contacts; the stale version below makes
		// every accepted merge a 409 that changes nothing.
		{method: "GET", path: "/crm/duplicates", cells: row(in, no, no, ok("Likely duplicates"), ok("Likely duplicates"), no, ok("Likely duplicates"))},
		{method: "GET", path: "/crm/contacts/" + cA + "/merge?with=" + cB, cells: row(in, no, no, ok(mxContactA, mxContactB), ok(mxContactA, mxContactB), no, ok(mxContactA, mxContactB))},
		{method: "POST", path: "/crm/contacts/" + cA + "/merge",
			form: func(*mxActor) url.Values {
				return url.Values{"with": {cB}, "survivor": {cA}, "version_a": {"99"}, "version_b": {"99"},
					"keep_email": {cA}, "keep_name": {cA}, "keep_company": {cA}, "keep_owner": {cA}}
			},
			cells: row(in, no, no, no, no, no, is(http.StatusConflict))},
		{method: "GET", path: "/crm/companies/" + w.acme + "/merge?with=" + otherCo, cells: row(in, no, no, ok("Acme", "Other Co"), ok("Acme", "Other Co"), no, ok("Acme", "Other Co"))},
		{method: "POST", path: "/crm/companies/" + w.acme + "/merge",
			form: func(*mxActor) url.Values {
				return url.Values{"with": {otherCo}, "survivor": {w.acme}, "version_a": {"99"}, "version_b": {"99"}, "keep_name": {w.acme}, "keep_domain": {w.acme}}
			},
			cells: row(in, no, no, is(http.StatusConflict), is(http.StatusConflict), no, is(http.StatusConflict))},
		// Global search: staff only; agents find contacts and companies, never deals.
		{method: "GET", path: "/search/pick?type=contact&q=CONTACT", cells: row(in, no, no, ok(mxContactA, mxContactB), ok(mxContactA, mxContactB), no, ok(mxContactA, mxContactB))},
		{method: "GET", path: "/search?q=CONTACT", cells: row(in, no, no, ok(mxContactA, mxContactB), ok(mxContactA, mxContactB),
			ok(mxContactA, mxContactB), ok(mxContactA, mxContactB))},
		{method: "GET", path: "/search?q=DEAL", cells: row(in, no, no, ok(mxDealA, mxDealB), ok(mxDealA, mxDealB),
			ok("Search").without(mxDealA, mxDealB, "/crm/deals"), ok(mxDealA, mxDealB))},
		// An import is its uploader's alone: anyone else, admins included, gets a 404.
		{method: "GET", path: "/crm/import/" + w.importA, cells: row(in, no, no, ok(mxImportFile, "Imported Co A"), nf, no, nf)},

		// The CRM, written: any rep corrects a company; only a record's owner (or an
		// admin) changes a contact or a deal, moves it or logs on it: 403 for the others,
		// and nothing changes.
		{method: "POST", path: "/crm/companies",
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Company by " + ac.name}, "domain": {strings.ToLower(ac.name) + ".example"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM companies WHERE name = $1`, "Company by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/companies/"), wr("/crm/companies/"), no, wr("/crm/companies/"))},
		{method: "POST", path: "/crm/companies/" + w.acme,
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Acme by " + ac.name}, "domain": {"acme.com"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM companies WHERE id = $1 AND name = $2`, w.acme, "Acme by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/companies/"+w.acme), wr("/crm/companies/"+w.acme), no, wr("/crm/companies/"+w.acme))},
		{method: "POST", path: "/crm/contacts",
			form: func(ac *mxActor) url.Values {
				// anyway: "Contact by repA" and "Contact by repB" look alike at Acme (lookalike.go).
				return url.Values{"email": {strings.ToLower(ac.name) + "-new@contacts.example"}, "name": {"Contact by " + ac.name},
					"company_id": {"acme.com"}, "owner_id": {ownerOr(ac)}, "anyway": {"1"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM contacts WHERE email = $1`, strings.ToLower(ac.name)+"-new@contacts.example")
			},
			cells: row(in, no, no, wr("/crm/contacts/"), wr("/crm/contacts/"), no, wr("/crm/contacts/"))},
		{method: "POST", path: "/crm/contacts/" + cA,
			form: func(ac *mxActor) url.Values {
				return url.Values{"email": {"cust-a@example.com"}, "name": {mxContactA + " by " + ac.name}, "company_id": {w.acme}, "owner_id": {w.repA.user.ID}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM contacts WHERE id = $1 AND name = $2`, cA, mxContactA+" by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/contacts/"+cA), no, no, wr("/crm/contacts/"+cA))},
		{method: "POST", path: "/crm/contacts/" + cB,
			form: func(ac *mxActor) url.Values {
				return url.Values{"email": {"cust-b@example.com"}, "name": {mxContactB + " by " + ac.name}, "company_id": {w.acme}, "owner_id": {w.repB.user.ID}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM contacts WHERE id = $1 AND name = $2`, cB, mxContactB+" by "+ac.name)
			},
			cells: row(in, no, no, no, wr("/crm/contacts/"+cB), no, wr("/crm/contacts/"+cB))},
		{method: "POST", path: "/crm/deals",
			form: func(ac *mxActor) url.Values {
				return dealForm("New deal by "+ac.name, "cust-a@example.com", ownerOr(ac))
			},
			wrote: func(ac *mxActor) int { return n(`SELECT count(*) FROM deals WHERE title = $1`, "New deal by "+ac.name) },
			cells: row(in, no, no, wr("/crm/deals/"), wr("/crm/deals/"), no, wr("/crm/deals/"))},
		{method: "POST", path: "/crm/deals/" + dA,
			form: func(ac *mxActor) url.Values { return dealForm(mxDealA+" by "+ac.name, cA, w.repA.user.ID) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM deals WHERE id = $1 AND title = $2`, dA, mxDealA+" by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/deals/"+dA), no, no, wr("/crm/deals/"+dA))},
		{method: "POST", path: "/crm/deals/" + dB,
			form: func(ac *mxActor) url.Values { return dealForm(mxDealB+" by "+ac.name, cB, w.repB.user.ID) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM deals WHERE id = $1 AND title = $2`, dB, mxDealB+" by "+ac.name)
			},
			cells: row(in, no, no, no, wr("/crm/deals/"+dB), no, wr("/crm/deals/"+dB))},
		// A refused form on someone else's record is refused for who sent it, not for
		// what it says: 403, never the validation messages.
		{method: "POST", path: "/crm/deals/" + dA,
			form:  func(*mxActor) url.Values { return url.Values{"title": {""}, "amount": {"lots"}} },
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), no, no, is(http.StatusUnprocessableEntity))},
		{method: "POST", path: "/crm/contacts/" + cA,
			form:  func(*mxActor) url.Values { return url.Values{"email": {"not an address"}} },
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), no, no, is(http.StatusUnprocessableEntity))},
		{method: "POST", path: logDA,
			form:  func(*mxActor) url.Values { return url.Values{"type": {"fax"}, "body": {""}} },
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), no, no, is(http.StatusUnprocessableEntity))},
		{method: "POST", path: "/crm/deals/" + dA + "/stage",
			form:  func(ac *mxActor) url.Values { return url.Values{"stage": {stageBy(ac)}, "next": {"/crm"}} },
			wrote: moves(dA),
			cells: row(in, no, no, wr("/crm"), no, no, wr("/crm"))},
		{method: "POST", path: "/crm/deals/" + dB + "/stage",
			form:  func(ac *mxActor) url.Values { return url.Values{"stage": {stageBy(ac)}} },
			wrote: moves(dB),
			cells: row(in, no, no, no, wr("/crm/deals/"+dB), no, wr("/crm/deals/"+dB))},
		// Won, lost and reopened, from the card or the deal page (deal A is won: the
		// admin's move above). Only its owner and an admin; the admin's second go finds
		// the deal where the rep left it and changes nothing.
		{method: "GET", path: "/crm/deals/" + dA + "/lost", cells: row(in, no, no, ok("Why was it lost?"), no, no, ok("Why was it lost?"))},
		{method: "GET", path: "/crm/deals/" + dB + "/lost", cells: row(in, no, no, no, ok("Why was it lost?"), no, ok("Why was it lost?"))},
		{method: "POST", path: "/crm/deals/" + dA + "/reopen", form: func(*mxActor) url.Values { return url.Values{"next": {"/crm"}} },
			wrote: moves(dA), cells: row(in, no, no, wr("/crm"), no, no, is(http.StatusConflict))},
		{method: "POST", path: "/crm/deals/" + dA + "/won", form: func(*mxActor) url.Values { return url.Values{"next": {"/crm"}} },
			wrote: moves(dA), cells: row(in, no, no, wr("/crm"), no, no, to("/crm"))},
		{method: "POST", path: "/crm/deals/" + dA + "/lost",
			form: func(ac *mxActor) url.Values {
				return url.Values{"reason": {"other"}, "note": {"Lost by " + ac.name}, "next": {"/crm"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM deals WHERE id = $1 AND lost_note = $2`, dA, "Lost by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm"), no, no, to("/crm"))},
		{method: "POST", path: "/crm/deals/" + dA + "/lost", form: func(*mxActor) url.Values { return url.Values{"reason": {""}} },
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), no, no, is(http.StatusUnprocessableEntity))},
		{method: "POST", path: logDA,
			form: func(ac *mxActor) url.Values {
				return url.Values{"type": {"call"}, "body": {"Logged on A by " + ac.name}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM activities WHERE deal_id = $1 AND body = $2`, dA, "Logged on A by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/deals/"+dA), no, no, wr("/crm/deals/"+dA))},
		{method: "POST", path: logDB,
			form: func(ac *mxActor) url.Values {
				return url.Values{"type": {"email"}, "body": {"Logged on B by " + ac.name}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM activities WHERE deal_id = $1 AND body = $2`, dB, "Logged on B by "+ac.name)
			},
			cells: row(in, no, no, no, wr("/crm/deals/"+dB), no, wr("/crm/deals/"+dB))},
		{method: "POST", path: "/crm/import",
			upload: func(ac *mxActor) (map[string]string, string, string) {
				return map[string]string{"kind": "companies"}, "upload-" + ac.name + ".csv", "name,domain\nImported by " + ac.name + ",\n"
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM crm_imports WHERE filename = $1`, "upload-"+ac.name+".csv")
			},
			cells: row(in, no, no, wr("/crm/import/"), wr("/crm/import/"), no, wr("/crm/import/"))},
		{method: "POST", path: "/crm/import/" + w.importA,
			form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(*mxActor) int {
				return n(`SELECT count(*) FROM companies WHERE name = 'Imported Co A' AND domain = 'imported-a.example'`)
			},
			cells: row(in, no, no, wr("/crm/import/"+w.importA), nf, no, nf)},

		// Planned activities: every rep reads My activities; only the deal's owner (or an
		// admin) plans on a deal; the assignee, the deal's owner or an admin change an
		// activity. A second done (or undo) changes nothing; after the delete, the admin
		// finds nothing.
		{method: "GET", path: "/crm/activities", cells: row(in, no, no, ok(mxPlannedA), ok(), no, ok())},
		{method: "GET", path: "/crm/activities?assignee=any&when=today", cells: row(in, no, no, ok(mxPlannedA), ok(mxPlannedA), no, ok(mxPlannedA))},
		{method: "GET", path: "/crm/activities/new?deal_id=" + dA, cells: row(in, no, no, ok(`name="due_date"`), no, no, ok(`name="due_date"`))},
		{method: "GET", path: "/crm/activities/new?deal_id=" + noSuchID, cells: row(in, no, no, is(http.StatusNotFound), is(http.StatusNotFound), no, is(http.StatusNotFound))},
		{method: "POST", path: "/crm/activities",
			form: func(ac *mxActor) url.Values {
				return url.Values{"deal_id": {dA}, "type": {"call"}, "subject": {"Planned by " + ac.name}, "due_date": {time.Now().UTC().Format(time.DateOnly)},
					"assignee_id": {ownerOr(ac)}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM planned_activities WHERE subject = $1`, "Planned by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/deals/"+dA), no, no, wr("/crm/deals/"+dA))},
		{method: "POST", path: "/crm/activities",
			form: func(*mxActor) url.Values {
				return url.Values{"deal_id": {noSuchID}, "type": {"call"}, "subject": {"No deal"}, "due_date": {"1999-01-01"}, "assignee_id": {"nobody"}}
			},
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity), no, is(http.StatusUnprocessableEntity))},
		{method: "GET", path: "/crm/activities/" + w.plannedA + "/edit", cells: row(in, no, no, ok(mxPlannedA), no, no, ok(mxPlannedA))},
		{method: "POST", path: "/crm/activities/" + w.plannedA,
			form: func(ac *mxActor) url.Values {
				return url.Values{"type": {"meeting"}, "subject": {mxPlannedA + " by " + ac.name}, "due_date": {time.Now().UTC().Format(time.DateOnly)},
					"due_time": {"15:00"}, "assignee_id": {w.repA.user.ID}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM planned_activities WHERE id = $1 AND subject = $2`, w.plannedA, mxPlannedA+" by "+ac.name)
			},
			cells: row(in, no, no, wr("/crm/deals/"+dA), no, no, wr("/crm/deals/"+dA))},
		{method: "POST", path: "/crm/activities/" + w.plannedA + "/done", form: func(*mxActor) url.Values { return url.Values{"next": {"/crm/activities"}} },
			wrote: func(*mxActor) int {
				return n(`SELECT count(*) FROM planned_activities WHERE id = $1 AND done_at IS NOT NULL`, w.plannedA)
			},
			cells: row(in, no, no, wr("/crm/activities"), no, no, to("/crm/activities"))},
		{method: "POST", path: "/crm/activities/" + w.plannedA + "/undo", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(*mxActor) int {
				return n(`SELECT count(*) FROM planned_activities WHERE id = $1 AND done_at IS NULL`, w.plannedA)
			},
			cells: row(in, no, no, wr("/crm/activities"), no, no, to("/crm/activities"))},
		{method: "GET", path: "/crm/activities/calendar", cells: row(in, no, no, ok("Calendar feed"), ok("Calendar feed"), no, ok("Calendar feed"))},
		// The feed: its secret is the access, whoever sends it; any other is a 404, with
		// or without a session (a wrong one, a malformed one, rep B's after rotation).
		{method: "GET", path: w.feedB, cells: all(ok("BEGIN:VCALENDAR", "Rapport: Matrix repB"))},
		{method: "GET", path: "/calendar/" + strings.Repeat("A", 43) + ".ics", cells: all(nf)},
		{method: "GET", path: "/calendar/not-a-secret.ics", cells: all(nf)},
		{method: "POST", path: "/crm/activities/calendar", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(ac *mxActor) int { return n(`SELECT count(*) FROM calendar_feeds WHERE user_id = $1`, ac.user.ID) },
			cells: row(in, no, no, codes("Your feed's address"), codes("Your feed's address"), no, codes("Your feed's address"))},
		{method: "GET", path: w.feedB, cells: all(nf)},
		{method: "POST", path: "/crm/activities/calendar/delete", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(ac *mxActor) int {
				return 1 - n(`SELECT count(*) FROM calendar_feeds WHERE user_id = $1`, ac.user.ID)
			},
			cells: row(in, no, no, wr("/crm/activities/calendar"), wr("/crm/activities/calendar"), no, wr("/crm/activities/calendar"))},
		{method: "POST", path: "/crm/activities/" + w.plannedA + "/delete", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(*mxActor) int { return 1 - n(`SELECT count(*) FROM planned_activities WHERE id = $1`, w.plannedA) },
			cells: row(in, no, no, wr("/crm/deals/"+dA), nf, no, nf)},

		// The desk: agents and admins; the internal note shows on the desk's ticket page
		// only. Customers get 403 on the live event stream too.
		{method: "GET", path: "/desk", cells: row(in, no, no, no, no, ok(mxTicketASubj, mxTicketBSubj), ok(mxTicketASubj, mxTicketBSubj))},
		{method: "GET", path: "/desk/events", stream: true, cells: row(in, no, no, no, no, ok("retry: "), ok("retry: "))},
		{method: "GET", path: "/desk/reports", cells: row(in, no, no, no, no, ok(), ok())},
		{method: "GET", path: "/desk/search?q=x", cells: row(in, no, no, no, no, ok("Search tickets"), ok("Search tickets"))},
		{method: "GET", path: "/desk/tags", cells: row(in, no, no, no, no, ok(), ok())},
		{method: "GET", path: "/desk/tickets.csv", cells: row(in, no, no, no, no, ok(mxTicketASubj, mxTicketBSubj), ok(mxTicketASubj, mxTicketBSubj))},
		{method: "GET", path: "/admin/tags", cells: row(in, no, no, no, no, no, ok("Merge into"))},
		{method: "GET", path: deskTA, note: true,
			cells: row(in, no, no, no, no, ok(mxTicketASubj, mxTicketABody, mxNote, mxReplyA, mxContactA), ok(mxTicketASubj, mxNote, mxReplyA))},
		{method: "GET", path: deskTB, cells: row(in, no, no, no, no, ok(mxTicketBSubj, mxTicketBBody, mxContactB), ok(mxTicketBSubj))},
		{method: "POST", path: deskTA,
			form: func(ac *mxActor) url.Values { return w.deskForm(t, tA, "Desk reply by "+ac.name, false) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM ticket_messages WHERE body = $1`, "Desk reply by "+ac.name)
			},
			cells: row(in, no, no, no, no, wr(deskTA), wr(deskTA))},
		{method: "POST", path: deskTA,
			form: func(ac *mxActor) url.Values { return w.deskForm(t, tA, mxNote+" again, by "+ac.name, true) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM ticket_messages WHERE body = $1 AND is_internal`, mxNote+" again, by "+ac.name)
			},
			cells: row(in, no, no, no, no, wr(deskTA), wr(deskTA))},
		{method: "POST", path: deskTB,
			form: func(ac *mxActor) url.Values { return w.deskForm(t, tB, "Desk reply B by "+ac.name, false) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM ticket_messages WHERE body = $1`, "Desk reply B by "+ac.name)
			},
			cells: row(in, no, no, no, no, wr(deskTB), wr(deskTB))},

		// Assignment (issue 13): "Take it" and the agent's own away flag; an admin with
		// no agent profile can do neither (403, saying why).
		{method: "POST", path: deskTA + "/take",
			form: func(*mxActor) url.Values {
				return url.Values{"version": {strconv.Itoa(n(`SELECT version FROM tickets WHERE id = $1`, tA))}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id = $2`, tA, ac.user.ID)
			},
			cells: row(in, no, no, no, no, wr(deskTA), staffOnly(wr(deskTA)))},
		{method: "POST", path: "/desk/away", form: func(*mxActor) url.Values { return url.Values{"away": {"off"}} },
			cells: row(in, no, no, no, no, to("/desk"), staffOnly(to("/desk")))},
		{method: "GET", path: "/desk/views/" + db.NewUUID(), cells: row(in, no, no, no, no, nf, nf)},

		// Administration: admins only.
		{method: "GET", path: "/admin", cells: row(in, no, no, no, no, no, ok())},
		{method: "GET", path: "/admin/users", cells: row(in, no, no, no, no, no, ok("victim@example.com"))},
		{method: "GET", path: "/admin/users?q=cust-a&role=customer", cells: row(in, no, no, no, no, no, ok("cust-a@example.com").without("cust-b@example.com"))},
		{method: "GET", path: "/admin/users/new", cells: row(in, no, no, no, no, no, ok())},
		{method: "POST", path: "/admin/users",
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Staff by " + ac.name}, "email": {"staff-" + strings.ToLower(ac.name) + "@example.com"}, "role": {"sales"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM "user" WHERE email = $1`, "staff-"+strings.ToLower(ac.name)+"@example.com")
			},
			cells: row(in, no, no, no, no, no, wr("/admin/users"))},
		{method: "GET", path: "/admin/users/" + victim, cells: row(in, no, no, no, no, no, ok("victim@example.com"))},
		{method: "POST", path: "/admin/users/" + victim,
			form: func(ac *mxActor) url.Values { return url.Values{"role": {"agent"}, "team": {"Team by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM agents WHERE user_id = $1 AND team = $2`, victim, "Team by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/users/"+victim))},
		{method: "POST", path: "/admin/users/" + victim + "/deactivate", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(*mxActor) int { return n(`SELECT count(*) FROM "user" WHERE id = $1 AND banned`, victim) },
			cells: row(in, no, no, no, no, no, wr("/admin/users/"+victim))},
		{method: "POST", path: "/admin/users/" + victim + "/reactivate", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(*mxActor) int { return n(`SELECT count(*) FROM "user" WHERE id = $1 AND NOT banned`, victim) },
			cells: row(in, no, no, no, no, no, wr("/admin/users/"+victim))},
		// An admin cannot deactivate themselves (nor change their own role).
		{method: "POST", path: "/admin/users/" + w.adm.user.ID + "/deactivate", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, no, no, no, no, no, no)},
		{method: "GET", path: "/admin/pipelines", cells: row(in, no, no, no, no, no, ok("Inbound"))},
		{method: "POST", path: "/admin/pipelines",
			form: func(ac *mxActor) url.Values { return url.Values{"name": {"Pipeline by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM pipelines WHERE name = $1`, "Pipeline by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/pipelines"))},
		{method: "GET", path: "/admin/pipelines/" + w.pipe, cells: row(in, no, no, no, no, no, ok("Inbound"))},
		{method: "POST", path: "/admin/pipelines/" + w.pipe,
			form: func(ac *mxActor) url.Values { return url.Values{"name": {"Inbound by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM pipelines WHERE id = $1 AND name = $2`, w.pipe, "Inbound by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/pipelines"))},
		{method: "GET", path: "/admin/activity-types", cells: row(in, no, no, no, no, no, ok("Meeting", "Deadline"))},
		{method: "POST", path: "/admin/activity-types",
			form: func(ac *mxActor) url.Values { return url.Values{"label": {"Type by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM activity_types WHERE label = $1`, "Type by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/activity-types"))},
		{method: "POST", path: "/admin/activity-types/deadline",
			form: func(ac *mxActor) url.Values { return url.Values{"label": {"Deadline by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM activity_types WHERE key = 'deadline' AND label = $1 AND NOT active`, "Deadline by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/activity-types"))},
		{method: "POST", path: "/admin/activity-types/no_such_type", form: func(*mxActor) url.Values { return url.Values{"label": {"x"}} },
			cells: row(in, no, no, no, no, no, nf)},
		{method: "POST", path: "/admin/activity-types/Not-A-Key!", form: func(*mxActor) url.Values { return url.Values{"label": {"x"}} },
			cells: row(in, no, no, no, no, no, nf)},
		// A pipeline's stages and the lost reasons: the admin's alone.
		{method: "POST", path: stagesOf + "/stages",
			form: func(ac *mxActor) url.Values {
				return url.Values{"stage_name": {"Stage by " + ac.name}, "kind": {"qualified"}, "probability": {"40"}, "rotting_days": {"10"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM pipeline_stages WHERE pipeline_id = $1 AND name = $2`, w.pipe, "Stage by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr(stagesOf))},
		{method: "GET", path: leadPath, cells: row(in, no, no, no, no, no, ok("Edit stage"))},
		{method: "POST", path: leadPath,
			form: func(ac *mxActor) url.Values {
				return url.Values{"stage_name": {"Lead by " + ac.name}, "kind": {"lead"}, "probability": {"15"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM pipeline_stages WHERE id = $1 AND name = $2`, leadStage, "Lead by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr(stagesOf))},
		{method: "POST", path: "/admin/pipelines/" + w.pipe + "/stages/" + qualifiedStage + "/reorder",
			form: func(*mxActor) url.Values { return url.Values{"direction": {"up"}} }, wrote: audited("pipeline.stage_reorder"),
			cells: row(in, no, no, no, no, no, wr(stagesOf))},
		{method: "GET", path: "/admin/pipelines/" + w.pipe + "/stages/" + doomed + "/delete", cells: row(in, no, no, no, no, no, ok("Remove stage"))},
		{method: "POST", path: "/admin/pipelines/" + w.pipe + "/stages/" + doomed + "/delete",
			form: func(*mxActor) url.Values { return url.Values{} }, wrote: audited("pipeline.stage_delete"),
			cells: row(in, no, no, no, no, no, wr(stagesOf))},
		{method: "GET", path: "/admin/lost-reasons", cells: row(in, no, no, no, no, no, ok("Went with a competitor"))},
		{method: "POST", path: "/admin/lost-reasons",
			form: func(ac *mxActor) url.Values { return url.Values{"label": {"Reason by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM crm_lost_reasons WHERE label = $1`, "Reason by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/lost-reasons"))},
		{method: "POST", path: "/admin/lost-reasons/" + timing + "/delete",
			form: func(*mxActor) url.Values { return url.Values{} }, wrote: audited("lost_reason.delete"),
			cells: row(in, no, no, no, no, no, wr("/admin/lost-reasons"))},
		{method: "GET", path: "/admin/fields", cells: row(in, no, no, no, no, no, ok("Matrix field"))},
		{method: "POST", path: "/admin/fields",
			form: func(ac *mxActor) url.Values {
				return url.Values{"entity": {"company"}, "kind": {"text"}, "label": {"Field by " + ac.name}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM custom_fields WHERE label = $1`, "Field by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/fields"))},
		{method: "GET", path: "/admin/fields/" + field, cells: row(in, no, no, no, no, no, ok(`value="Matrix field"`))},
		{method: "POST", path: "/admin/fields/" + field,
			form:  func(*mxActor) url.Values { return url.Values{"label": {"Matrix field"}, "version": {"1"}} },
			wrote: audited("custom_field.update"), cells: row(in, no, no, no, no, no, wr("/admin/fields"))},
		{method: "GET", path: "/admin/fields/" + doomedField + "/delete", cells: row(in, no, no, no, no, no, ok("Remove Doomed field"))},
		{method: "POST", path: "/admin/fields/" + doomedField + "/delete",
			form: func(*mxActor) url.Values { return url.Values{} }, wrote: audited("custom_field.delete"),
			cells: row(in, no, no, no, no, no, wr("/admin/fields"))},
		{method: "GET", path: "/admin/agents", cells: row(in, no, no, no, no, no, ok("agent@example.com"))},
		{method: "POST", path: "/admin/agents",
			form: func(ac *mxActor) url.Values {
				return url.Values{"email": {"agent@example.com"}, "team": {"Agents by " + ac.name}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM agents WHERE user_id = $1 AND team = $2`, w.agent.user.ID, "Agents by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/agents"))},
		{method: "POST", path: "/admin/agents/" + w.agent.user.ID,
			form: func(ac *mxActor) url.Values { return url.Values{"team": {"Tier by " + ac.name}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM agents WHERE user_id = $1 AND team = $2`, w.agent.user.ID, "Tier by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/agents"))},
		{method: "GET", path: "/admin/sla", cells: row(in, no, no, no, no, no, ok("Standard"))},
		{method: "GET", path: "/admin/sla/new", cells: row(in, no, no, no, no, no, ok())},
		{method: "POST", path: "/admin/sla",
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"SLA by " + ac.name}, "priority": {"low"}, "first_response_mins": {"60"}, "resolve_mins": {"600"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM sla_policies WHERE name = $1`, "SLA by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/sla"))},
		{method: "GET", path: "/admin/sla/" + w.policy, cells: row(in, no, no, no, no, no, ok("Standard"))},
		{method: "POST", path: "/admin/sla/" + w.policy,
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Policy by " + ac.name}, "priority": {"low"}, "first_response_mins": {"480"}, "resolve_mins": {"2880"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM sla_policies WHERE id = $1 AND name = $2`, w.policy, "Policy by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/sla"))},
		{method: "GET", path: "/admin/calendars", cells: row(in, no, no, no, no, no, ok("Office hours"))},
		{method: "GET", path: "/admin/calendars/new", cells: row(in, no, no, no, no, no, ok(`name="day_mon"`))},
		{method: "POST", path: "/admin/calendars",
			form: func(ac *mxActor) url.Values {
				return url.Values{"name": {"Hours by " + ac.name}, "zone": {"Europe/Berlin"}, "day_mon": {"09:00-17:00"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM business_calendars WHERE name = $1`, "Hours by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/calendars"))},
		{method: "GET", path: "/admin/calendars/" + w.calendar, cells: row(in, no, no, no, no, no, ok("Office hours"))},
		{method: "POST", path: "/admin/calendars/" + w.calendar,
			form: func(ac *mxActor) url.Values {
				v := n(`SELECT version FROM business_calendars WHERE id = $1`, w.calendar)
				return url.Values{"name": {"Calendar by " + ac.name}, "zone": {"Europe/Berlin"}, "day_tue": {"08:00-12:00"},
					"version": {strconv.Itoa(v)}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM business_calendars WHERE id = $1 AND name = $2`, w.calendar, "Calendar by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/calendars"))},
		{method: "GET", path: "/admin/automation", cells: row(in, no, no, no, no, no, ok(`name="close_solved_after_days"`))},
		{method: "POST", path: "/admin/automation",
			form: func(ac *mxActor) url.Values {
				return url.Values{"close_solved_after_days": {strconv.Itoa(10 + len(ac.name))}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM workspace_settings WHERE close_solved_after_days = $1`, 10+len(ac.name))
			},
			cells: row(in, no, no, no, no, no, wr("/admin/automation"))},
		// A ticket's original email: agents and admins (like the ticket); a message of no
		// ticket, or another's, is a 404.
		{method: "GET", path: deskTA + "/mail", cells: row(in, no, no, no, no, ok("This ticket has no email"), ok("This ticket has no email"))},
		{method: "GET", path: deskTA + "/mail/" + inMsg, cells: row(in, no, no, no, no, nf, nf)},
		// Support mailboxes: admins only. The original downloads as an attachment.
		{method: "GET", path: "/admin/mailboxes", cells: row(in, no, no, no, no, no, ok("support@example.com"))},
		{method: "GET", path: "/admin/mailboxes/new", cells: row(in, no, no, no, no, no, ok(`name="password"`))},
		{method: "POST", path: "/admin/mailboxes",
			form: func(ac *mxActor) url.Values { return mailboxForm("box-"+ac.name, "Mail by "+ac.name) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM mailboxes WHERE username = $1 AND team = $2`, "box-"+ac.name, "Mail by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/mailboxes/"))},
		{method: "GET", path: "/admin/mailboxes/" + mbox, cells: row(in, no, no, no, no, no, ok("Inbound subject", "a multipart part has no boundary"))},
		{method: "POST", path: "/admin/mailboxes/" + mbox,
			form: func(ac *mxActor) url.Values { return mailboxForm("support", "Mailbox team by "+ac.name) },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM mailboxes WHERE id = $1 AND team = $2`, mbox, "Mailbox team by "+ac.name)
			},
			cells: row(in, no, no, no, no, no, wr("/admin/mailboxes/"+mbox))},
		{method: "GET", path: "/admin/mailboxes/" + mbox + "/messages/" + inMsg, cells: row(in, no, no, no, no, no, ok("Subject: x"))},
		{method: "GET", path: "/admin/mailboxes/" + mbox + "/messages/" + inMsg + "/raw", cells: row(in, no, no, no, no, no, ok("Subject: x"))},
		// The audit log: read-only, admins only; by now it holds the admin's changes above.
		{method: "GET", path: "/admin/audit", cells: row(in, no, no, no, no, no, ok("Audit log", "Inbound by admin"))},
		{method: "GET", path: "/admin/audit?action=user.role&actor=admin%40example.com&target=victim%40example.com",
			cells: row(in, no, no, no, no, no, ok("Role changed", "Team by admin").without("Inbound by admin"))},
		{method: "POST", path: "/admin/audit", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, no, no, no, no, no, is(http.StatusMethodNotAllowed))},

		// Your account, and two-step sign-in for staff (customers: 403): set it up (the
		// key shows while it is pending), a wrong and a right first code, new recovery
		// codes and turning it off, each with the visitor's own password. The second step
		// is for a pending sign-in only: without one, sign in; signed in, home.
		{method: "GET", path: "/account", cells: row(in, ok("cust-a@example.com", "Active sessions", "This device").without("Two-step", "two-step"),
			ok("cust-b@example.com", "Active sessions", "This device").without("Two-step", "two-step"), ok("rep-a@example.com", "Set up two-step sign-in", "This device"),
			ok("rep-b@example.com", "Set up two-step sign-in", "This device"), ok("agent@example.com", "Set up two-step sign-in", "This device"),
			ok("admin@example.com", "Set up two-step sign-in", "This device"))},
		{method: "POST", path: "/account/preferences", form: func(*mxActor) url.Values { return url.Values{"time_zone": {"Europe/Berlin"}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM "user" WHERE id = $1 AND time_zone = 'Europe/Berlin'`, ac.user.ID)
			},
			cells: row(in, wr("/account"), wr("/account"), wr("/account"), wr("/account"), wr("/account"), wr("/account"))},
		{method: "POST", path: "/account/preferences", form: func(*mxActor) url.Values { return url.Values{"time_zone": {"Mars/Base"}} },
			cells: row(in, is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity),
				is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity))},
		// Active sessions: customer B's session, which nobody else may sign out (and B
		// signs out only other sessions): everyone is told it ended already, and B's
		// later cells show it did not. The session store is outside the fingerprint.
		{method: "POST", path: "/account/sessions/" + w.a.sessionID(t, w.custB.b) + "/signout", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, to("/account"), to("/account"), to("/account"), to("/account"), to("/account"), to("/account"))},
		{method: "GET", path: "/account/two-step", cells: row(in, no, no, ok(`action="/account/two-step/setup"`).without("twostep-key"),
			ok(`action="/account/two-step/setup"`), ok(`action="/account/two-step/setup"`), ok(`action="/account/two-step/setup"`))},
		{method: "POST", path: "/account/two-step/setup", form: func(*mxActor) url.Values { return url.Values{} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM user_twostep WHERE user_id = $1 AND enabled_at IS NULL`, ac.user.ID)
			},
			cells: row(in, no, no, wr("/account/two-step"), wr("/account/two-step"), wr("/account/two-step"), wr("/account/two-step"))},
		{method: "GET", path: "/account/two-step", cells: row(in, no, no, ok("twostep-key", `src="data:image/png;base64,`),
			ok("twostep-key"), ok("twostep-key"), ok("twostep-key"))},
		{method: "POST", path: "/account/two-step/confirm", form: func(*mxActor) url.Values { return url.Values{"code": {"000000"}} },
			cells: row(in, no, no, is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity), is(http.StatusUnprocessableEntity))},
		{method: "POST", path: "/account/two-step/confirm",
			form: func(ac *mxActor) url.Values {
				if ac.user == nil || ac.user.Role == auth.RoleCustomer {
					return url.Values{"code": {"000000"}}
				}
				return url.Values{"code": {w.a.code(t, w.a.storedKey(t, ac.user.ID))}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM user_twostep WHERE user_id = $1 AND enabled_at IS NOT NULL`, ac.user.ID)
			},
			cells: row(in, no, no, codes("Two-step sign-in is on"), codes("Two-step sign-in is on"), codes("Two-step sign-in is on"), codes("Two-step sign-in is on"))},
		{method: "POST", path: "/account/two-step/recovery-codes",
			form: func(*mxActor) url.Values { return url.Values{"current_password": {testPassword}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM twostep_recovery_code WHERE user_id = $1 AND used_at IS NULL`, ac.user.ID)
			},
			cells: row(in, no, no, codes("Your new recovery codes"), codes("Your new recovery codes"), codes("Your new recovery codes"), codes("Your new recovery codes"))},
		{method: "POST", path: "/account/two-step/disable",
			form: func(*mxActor) url.Values { return url.Values{"current_password": {testPassword}} },
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM "user" u WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM user_twostep t WHERE t.user_id = u.id)`, ac.user.ID)
			},
			cells: row(in, no, no, wr("/account"), wr("/account"), wr("/account"), wr("/account"))},
		{method: "GET", path: "/signin/two-step", cells: row(to("/signin"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		{method: "POST", path: "/signin/two-step", form: func(*mxActor) url.Values { return url.Values{"code": {"123456"}} },
			cells: row(to("/signin"), to("/support"), to("/support"), to("/crm"), to("/crm"), to("/desk"), to("/admin"))},
		// The workspace's security settings and another user's two-step reset: admins
		// only. Customers cannot be required to use it; saving the same requirement
		// changes nothing; the victim has no two-step sign-in to reset, and an admin
		// resets nobody's own.
		{method: "GET", path: "/admin/security", cells: row(in, no, no, no, no, no, ok("Require two-step sign-in for"))},
		{method: "POST", path: "/admin/security", form: func(*mxActor) url.Values { return url.Values{"twostep_roles": {"customer"}} },
			cells: row(in, no, no, no, no, no, is(http.StatusUnprocessableEntity))},
		{method: "POST", path: "/admin/security", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, no, no, no, no, no, to("/admin/security"))},
		{method: "POST", path: "/admin/users/" + victim + "/two-step/reset", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, no, no, no, no, no, to("/admin/users/"+victim))},
		{method: "POST", path: "/admin/users/" + w.adm.user.ID + "/two-step/reset", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, no, no, no, no, no, no)},

		// Last, as they change the visitors' sessions: signing out everywhere else (the
		// fresh sessions of the rows above), a new password (the session goes on under a
		// new token), then signing out.
		{method: "POST", path: "/account/sessions/signout-others", form: func(*mxActor) url.Values { return url.Values{} },
			cells: row(in, to("/account"), to("/account"), to("/account"), to("/account"), to("/account"), to("/account"))},
		{method: "POST", path: "/account/password",
			form: func(*mxActor) url.Values {
				return url.Values{"current_password": {testPassword}, "password": {"a brand new passphrase"}}
			},
			wrote: func(ac *mxActor) int {
				return n(`SELECT count(*) FROM account WHERE user_id = $1 AND password IS DISTINCT FROM $2`, ac.user.ID, passwordHash(t))
			},
			cells: row(in, wr("/support"), wr("/support"), wr("/crm"), wr("/crm"), wr("/desk"), wr("/admin"))},
		{method: "POST", path: "/signout", form: func(*mxActor) url.Values { return url.Values{} }, cells: all(to("/signin"))},
	}

	// Someone else's record answers exactly as no record at all: the 404 tells nothing.
	for _, probe := range []struct {
		who          *mxActor
		theirs, none string
	}{
		{w.custA, "/support/tickets/" + tB, "/support/tickets/" + noSuchID},
		{w.custB, "/support/tickets/" + tA, "/support/tickets/" + noSuchID},
		{w.repB, "/crm/import/" + w.importA, "/crm/import/" + noSuchID},
	} {
		probe.who.b.get(probe.who.home) // shows any pending flash, which would tell the two apart
		a, b := probe.who.b.get(probe.theirs), probe.who.b.get(probe.none)
		strip := func(r response) string { return strings.ReplaceAll(r.body, r.header.Get("X-Request-Id"), "") }
		if a.status != http.StatusNotFound || b.status != http.StatusNotFound || strip(a) != strip(b) {
			t.Errorf("%s: GET %s (%d) and GET %s (%d) answer differently", probe.who.name, w.label(probe.theirs), a.status, w.label(probe.none), b.status)
		}
	}

	cells := w.runMatrix(t, rows)
	t.Logf("access matrix: %d rows × %d visitors = %d cells", len(rows), len(w.actors), cells)

	// The audit log holds each admin change the matrix accepted, as the admin's, and no
	// change it refused (the fingerprint leaves the log out: sign-ins write to it).
	adminActions := []string{"user.create", "user.role", "agent.update", "user.deactivate", "user.reactivate",
		"pipeline.create", "pipeline.rename", "sla.create", "sla.update", "activity_type.create", "activity_type.update",
		"pipeline.stage_create", "pipeline.stage_update", "pipeline.stage_reorder", "pipeline.stage_delete",
		"lost_reason.create", "lost_reason.delete", "calendar.create", "calendar.update", "desk_automation.update"}
	if k := n(`SELECT count(*) FROM audit_log WHERE action = ANY($1) AND actor_id IS DISTINCT FROM $2`, adminActions, w.adm.user.ID); k != 0 {
		t.Errorf("%d admin changes in the audit log are not the admin's", k)
	}
	for _, action := range adminActions {
		if k := n(`SELECT count(*) FROM audit_log WHERE action = $1 AND actor_id = $2`, action, w.adm.user.ID); k == 0 {
			t.Errorf("the admin's accepted %s is not in the audit log", action)
		}
	}
	for _, ac := range w.actors[1:] {
		if k := n(`SELECT count(*) FROM audit_log WHERE action = 'password.change' AND actor_id = $1 AND target_id = $1`, ac.user.ID); k != 1 {
			t.Errorf("%s's new password: %d audit entries, want 1", ac.name, k)
		}
	}

	// Signed out everywhere: every session ended.
	for _, ac := range w.actors[1:] {
		if r := ac.b.get(ac.home); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
			t.Errorf("%s after signing out: GET %s answered %d to %q", ac.name, ac.home, r.status, r.location)
		}
	}
	// The internal notes never reached an email, nor did any other customer's ticket.
	if k := n(`SELECT count(*) FROM mail_outbox WHERE strpos(body, $1) > 0 OR strpos(subject, $1) > 0`, mxNote); k != 0 {
		t.Errorf("%d emails quote an internal note", k)
	}
	for _, leak := range []struct{ to, secret string }{
		{"cust-a@example.com", mxTicketBSubj}, {"cust-a@example.com", mxTicketBBody},
		{"cust-b@example.com", mxTicketASubj}, {"cust-b@example.com", mxReplyA},
	} {
		if k := n(`SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND (strpos(body, $2) > 0 OR strpos(subject, $2) > 0)`, leak.to, leak.secret); k != 0 {
			t.Errorf("%d emails to %s quote %s", k, leak.to, leak.secret)
		}
	}
	// The public replies were emailed, so the check above looked at real mail.
	if k := n(`SELECT count(*) FROM mail_outbox WHERE to_addr = 'cust-a@example.com' AND strpos(body, 'Desk reply by agent') > 0`); k != 1 {
		t.Errorf("%d emails carry the agent's public reply to customer A, want 1", k)
	}
}

// runMatrix sends every row as every visitor and checks each cell; it returns the number
// of cells checked.
func (w *mxWorld) runMatrix(t *testing.T, rows []mxRow) int {
	t.Helper()
	cells := 0
	before := w.a.fingerprint(t)
	for _, rw := range rows {
		for i, ac := range w.actors {
			want := rw.cells[i]
			what := rw.method + " " + w.label(rw.path) + " as " + ac.name
			r, err := w.send(t, rw, ac)
			cells++
			if err != nil {
				t.Errorf("%s: %v", what, err)
				before = w.a.fingerprint(t)
				continue
			}
			w.check(t, what, rw, ac, want, r)
			after := w.a.fingerprint(t)
			switch {
			case want.write && after == before:
				t.Errorf("%s: answered %d but wrote nothing", what, r.status)
			case want.write && rw.wrote != nil && rw.wrote(ac) == 0:
				t.Errorf("%s: answered %d but its write is not in the database", what, r.status)
			case !want.write && after != before:
				t.Errorf("%s: answered %d and changed the database; it must change nothing", what, r.status)
			}
			before = after
		}
	}
	return cells
}

// send makes the row's request as ac.
func (w *mxWorld) send(t *testing.T, rw mxRow, ac *mxActor) (response, error) {
	b := ac.b
	if b == nil || rw.fresh {
		b = w.a.timedBrowser()
		if ac.user != nil {
			b.signIn(ac.user.Email)
		}
	}
	var req *http.Request
	switch {
	case rw.upload != nil:
		fields, name, content := rw.upload(ac)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range withKey(fields) {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(content))
		_ = mw.Close()
		req = newRequest(w.a, rw.method, rw.path, &body, mw.FormDataContentType(), rw.crossSite)
	case rw.form != nil:
		req = newRequest(w.a, rw.method, rw.path, strings.NewReader(rw.form(ac).Encode()), "application/x-www-form-urlencoded", rw.crossSite)
	default:
		req = newRequest(w.a, rw.method, rw.path, nil, "", rw.crossSite)
	}
	if rw.stream {
		return sendStream(b.c, req)
	}
	return sendRequest(b.c, req)
}

// check compares a response with its cell, and looks for the visitor's secrets in it.
func (w *mxWorld) check(t *testing.T, what string, rw mxRow, ac *mxActor, want mxCell, r response) {
	t.Helper()
	switch {
	case want.signin:
		loc := "/signin"
		if rw.method == http.MethodGet {
			loc += "?next=" + url.QueryEscape(rw.path)
		}
		if r.status != http.StatusSeeOther || r.location != loc {
			t.Errorf("%s: %d to %q, want 303 to %q", what, r.status, r.location, loc)
		}
	case r.status != want.status:
		t.Errorf("%s: status %d, want %d (Location %q)", what, r.status, want.status, r.location)
	case want.loc != "" && !strings.HasPrefix(r.location, want.loc):
		t.Errorf("%s: redirected to %q, want a Location starting %q", what, r.location, want.loc)
	}
	if r.status >= 500 {
		t.Errorf("%s: a server error", what)
	}
	for _, s := range want.must {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s: the answer (%d) lacks %q", what, r.status, s)
		}
	}
	for _, s := range want.not {
		if strings.Contains(r.body, s) || strings.Contains(r.location, s) {
			t.Errorf("%s: the answer (%d) contains %q", what, r.status, s)
		}
	}
	for _, s := range ac.secrets {
		if s == mxNote && rw.note && (ac == w.agent || ac == w.adm) {
			continue
		}
		if strings.Contains(r.body, s) || strings.Contains(r.location, s) {
			t.Errorf("%s: LEAK: the answer (%d) contains %q", what, r.status, s)
		}
	}
	if rw.stream && r.status == http.StatusOK && !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("%s: Content-Type %q", what, r.header.Get("Content-Type"))
	}
}
