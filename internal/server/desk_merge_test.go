package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	deskpkg "rapport/internal/desk"
)

// Merge: the confirmation step, refusals with a reason (itself, closed or merged
// targets, bad references, stale versions), the move of messages, notes, files and
// mail ids in time order, both histories, the requester's email, a cross-requester
// merge needing its tick, and mail to the source's reply address landing on the target.
func TestDeskMerge(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	ctx := context.Background()
	src := d.file(t, d.carolB, "Printer broken", "The printer is broken.")
	wantRedirect(t, "note", d.submit(t, d.jordanB, src, url.Values{"body": {"Internal: check model."}, "is_internal": {"1"}}), "/desk/tickets/"+src)
	wantRedirect(t, "reply", d.submit(t, d.jordanB, src, url.Values{"body": {"Which model?"}}), "/desk/tickets/"+src)
	var firstMsg string
	if err := a.db.DB.QueryRow(ctx, `SELECT id FROM ticket_messages WHERE ticket_id = $1 ORDER BY created_at LIMIT 1`, src).Scan(&firstMsg); err != nil {
		t.Fatal(err)
	}
	a.exec(t, `INSERT INTO attachments (ticket_id, message_id, name, content_type, size) VALUES ($1, $2, 'photo.jpg', 'image/jpeg', 3)`, src, firstMsg)
	dst := d.file(t, d.carolB, "Printer still broken", "Still broken!")

	merge := func(b *browser, from string, form url.Values) response {
		return b.post("/desk/tickets/"+from+"/merge", form)
	}
	// Step one: refusals re-show the ticket with the reason beside the field.
	for _, c := range []struct{ target, want string }{
		{"", "Enter the reference"},
		{"not a ref", "That is not a ticket reference"},
		{"#" + src[:8], "cannot be merged into itself"},
		{"#ffffffff", "No ticket #ffffffff was found."},
	} {
		r := merge(d.jordanB, src, url.Values{"target": {c.target}})
		wantStatus(t, "merge into "+c.target, r, http.StatusUnprocessableEntity)
		mustContain(t, r, c.want, "Printer broken")
	}
	r := merge(d.jordanB, src, url.Values{"target": {"#" + dst[:8]}})
	wantStatus(t, "confirm", r, http.StatusOK)
	mustContain(t, r, "Merge #"+src[:8]+" into #"+dst[:8]+"?", `name="target_id" value="`+dst+`"`)
	mustNotContain(t, r, "different requesters")
	// Also by link.
	wantStatus(t, "confirm by link", merge(d.jordanB, src, url.Values{"target": {"http://rapport.test/desk/tickets/" + dst}}), http.StatusOK)

	confirm := func(from, to string, extra url.Values) url.Values {
		f := url.Values{"confirm": {"1"}, "target_id": {to}, "source_version": {strconv.Itoa(d.version(t, from))},
			"target_version": {strconv.Itoa(d.version(t, to))}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	stale := confirm(src, dst, nil)
	stale.Set("target_version", "99")
	wantStatus(t, "stale", merge(d.jordanB, src, stale), http.StatusConflict)

	var token string
	if err := a.db.DB.QueryRow(ctx, `SELECT reply_token FROM tickets WHERE id = $1`, src).Scan(&token); err != nil {
		t.Fatal(err)
	}
	srcMailIDs := a.count(t, `SELECT count(*) FROM ticket_mail_ids WHERE ticket_id = $1`, src)
	outboxBefore := len(d.outbox(t))
	wantRedirect(t, "merge", merge(d.jordanB, src, confirm(src, dst, url.Values{"notify": {"1"}})), "/desk/tickets/"+dst)

	if s := d.status(t, src); s != "closed" {
		t.Fatalf("source is %s, want closed", s)
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, dst); n != 4 {
		t.Fatalf("target has %d messages, want 4", n)
	}
	if n := a.count(t, `SELECT count(*) FROM attachments a JOIN ticket_messages m ON m.id = a.message_id WHERE a.ticket_id = $1 AND m.ticket_id = $1 AND m.merged_from = $2`, dst, firstMsg); n != 1 {
		t.Fatalf("the file did not move: %d", n)
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_mail_ids WHERE ticket_id = $1`, src); n != 0 {
		t.Fatalf("%d mail ids left on the source", n)
	}
	if n := a.count(t, `SELECT count(*) FROM ticket_mail_ids WHERE ticket_id = $1`, dst); n < srcMailIDs+1 {
		t.Fatalf("target has %d mail ids, want at least %d", n, srcMailIDs+1)
	}
	if got, err := deskpkg.TicketByReplyToken(ctx, a.db.DB, token); err != nil || got != dst {
		t.Fatalf("the source's reply address finds %q, %v; want the target", got, err)
	}
	mails := d.outbox(t)[outboxBefore:]
	if len(mails) != 1 || !strings.HasPrefix(mails[0], "carol@example.com|Merged: Printer broken") || !strings.Contains(mails[0], "#"+dst[:8]) {
		t.Fatalf("merge email: %q", mails)
	}
	// In time order: the source's messages first (older), then the target's own.
	p := d.jordanB.get("/desk/tickets/" + dst)
	wantStatus(t, "target", p, http.StatusOK)
	i1, i2, i3 := strings.Index(p.body, "The printer is broken."), strings.Index(p.body, "Internal: check model."), strings.Index(p.body, "Still broken!")
	if i1 < 0 || i2 < i1 || i3 < i2 {
		t.Fatalf("thread order: %d %d %d", i1, i2, i3)
	}
	mustContain(t, p, "merged in:", "#"+src[:8], "photo.jpg")
	ps := d.jordanB.get("/desk/tickets/" + src)
	mustContain(t, ps, "This ticket was merged into", "merged into")
	mustNotContain(t, ps, "Merge into…")

	// The merged ticket is no target, and cannot be merged again.
	other := d.file(t, d.carolB, "Another", "x")
	r = merge(d.jordanB, other, url.Values{"target": {"#" + src[:8]}})
	wantStatus(t, "into a merged ticket", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "was itself merged into another ticket")
	wantStatus(t, "merged again", merge(d.jordanB, src, confirm(src, other, nil)), http.StatusConflict)

	// Across requesters: a warning to tick.
	devs := d.file(t, d.devB, "Printer (Dev)", "Same printer.")
	r = merge(d.jordanB, devs, url.Values{"target": {"#" + dst[:8]}})
	mustContain(t, r, "different requesters")
	r = merge(d.jordanB, devs, confirm(devs, dst, nil))
	wantStatus(t, "cross without tick", r, http.StatusUnprocessableEntity)
	mustContain(t, r, "tick the box")
	wantRedirect(t, "cross", merge(d.jordanB, devs, confirm(devs, dst, url.Values{"cross_ok": {"1"}})), "/desk/tickets/"+dst)

	// Customers cannot merge.
	wantStatus(t, "customer", merge(d.carolB, other, confirm(other, dst, nil)), http.StatusForbidden)
}

// Two merges at once, A into B and B into A, many times: each time one wins and the
// other is told the ticket changed (409), never a deadlock's 500.
func TestDeskMergeConcurrent(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	for round := range 6 {
		x := d.file(t, d.carolB, "Dup A "+strconv.Itoa(round), "a")
		y := d.file(t, d.carolB, "Dup B "+strconv.Itoa(round), "b")
		vx, vy := strconv.Itoa(d.version(t, x)), strconv.Itoa(d.version(t, y))
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, pair := range [][2]string{{x, y}, {y, x}} {
			b := d.jordanB
			if i == 1 {
				b = d.morganB
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sv, tv := vx, vy
				if pair[0] == y {
					sv, tv = vy, vx
				}
				codes[i] = b.post("/desk/tickets/"+pair[0]+"/merge", url.Values{"confirm": {"1"}, "target_id": {pair[1]},
					"source_version": {sv}, "target_version": {tv}}).status
			}()
		}
		wg.Wait()
		wins, refused := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusSeeOther:
				wins++
			case http.StatusConflict:
				refused++
			}
		}
		if wins != 1 || refused != 1 {
			t.Fatalf("round %d: statuses %v, want one 303 and one 409", round, codes)
		}
		if n := d.a.count(t, `SELECT count(*) FROM tickets WHERE id IN ($1, $2) AND status = 'closed'`, x, y); n != 1 {
			t.Fatalf("round %d: %d closed", round, n)
		}
	}
}

// Split: a requester's later message becomes a new ticket of theirs, linked both ways;
// the first message, staff messages and stale versions are refused.
func TestDeskSplit(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	a := d.a
	id := d.file(t, d.carolB, "Login issue", "I cannot log in.")
	wantRedirect(t, "reply", d.submit(t, d.jordanB, id, url.Values{"body": {"Try resetting."}}), "/desk/tickets/"+id)
	if r := d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Worked. Also: the invoice PDF is blank.\nCan you check?"}}); r.status != http.StatusSeeOther {
		t.Fatalf("customer reply: %d\n%s", r.status, r.body)
	}
	msg := func(body string) string {
		var m string
		if err := a.db.DB.QueryRow(context.Background(), `SELECT id FROM ticket_messages WHERE ticket_id = $1 AND body LIKE $2`, id, body+"%").Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	split := func(mid string, version int) response {
		return d.jordanB.post("/desk/tickets/"+id+"/messages/"+mid+"/split", url.Values{"version": {strconv.Itoa(version)}})
	}
	p := d.jordanB.get("/desk/tickets/" + id)
	mustContain(t, p, "Split a message out", "/messages/"+msg("Worked.")+"/split")
	wantStatus(t, "first message", split(msg("I cannot"), d.version(t, id)), http.StatusUnprocessableEntity)
	wantStatus(t, "staff message", split(msg("Try resetting"), d.version(t, id)), http.StatusUnprocessableEntity)
	wantStatus(t, "stale", split(msg("Worked."), d.version(t, id)-1), http.StatusConflict)
	r := split(msg("Worked."), d.version(t, id))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/desk/tickets/") {
		t.Fatalf("split: %d to %q\n%s", r.status, r.location, r.body)
	}
	newID := strings.TrimPrefix(r.location, "/desk/tickets/")
	if n := a.count(t, `SELECT count(*) FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id
		WHERE t.id = $1 AND t.split_from = $2 AND t.requester_id = $3 AND t.subject = 'Worked. Also: the invoice PDF is blank.'`, newID, id, d.carol.ID); n != 1 {
		t.Fatalf("new ticket rows: %d", n)
	}
	np := d.jordanB.get(r.location)
	mustContain(t, np, "split out of", "#"+id[:8], "Can you check?")
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), "split a message out to", "#"+newID[:8])
	mustContain(t, d.carolB.get("/support"), "Worked. Also: the invoice PDF is blank.")
}
