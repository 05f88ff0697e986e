package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/cursor"
)

// A customer files a ticket, follows it and replies; the form keeps what was typed
// when something is wrong, and text is stored verbatim and shown escaped.
func TestPortalFileFollowAndReply(t *testing.T) {
	t.Parallel()
	d := newDesk(t)

	// Validation: messages beside the fields, values kept, nothing stored.
	r := d.carolB.post("/support/tickets", url.Values{"subject": {""}, "body": {"Line one\nline two"}})
	wantStatus(t, "empty subject", r, http.StatusUnprocessableEntity)
	if fieldError(r, "subject") != "Subject is required." {
		t.Errorf("subject error %q", fieldError(r, "subject"))
	}
	if v, _ := textareaValue(r, "body"); v != "Line one\nline two" {
		t.Errorf("body kept as %q", v)
	}
	r = d.carolB.post("/support/tickets", url.Values{"subject": {"Bad\x00byte"}, "body": {"  \n "}})
	wantStatus(t, "NUL and blank body", r, http.StatusUnprocessableEntity)
	if !strings.Contains(fieldError(r, "subject"), "NUL") || fieldError(r, "body") != "Write a message." {
		t.Errorf("errors: subject %q body %q", fieldError(r, "subject"), fieldError(r, "body"))
	}
	if v, _ := inputValue(r, "subject"); v != "Bad\x00byte" && v != "Bad\ufffdbyte" {
		t.Errorf("subject kept as %q", v)
	}
	r = d.carolB.post("/support/tickets", url.Values{"subject": {strings.Repeat("x", 201)}, "body": {"ok"}})
	if !strings.HasPrefix(fieldError(r, "subject"), "Too long: at most 200 characters") {
		t.Errorf("long subject: %q", fieldError(r, "subject"))
	}
	if n := d.a.count(t, `SELECT count(*) FROM tickets`); n != 0 {
		t.Fatalf("%d tickets after refused forms", n)
	}

	// Hostile text is stored as typed and shown escaped, line breaks kept.
	subject := `<script>alert("x")</script> & 'quotes' Zoë 李`
	body := "First line\n\n  indented <b>bold?</b>\r\nlast & final"
	id := d.file(t, d.carolB, subject, body)
	var storedSubject, storedBody string
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT t.subject, m.body FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id WHERE t.id = $1`, id).Scan(&storedSubject, &storedBody); err != nil {
		t.Fatal(err)
	}
	if storedSubject != subject || storedBody != body {
		t.Fatalf("stored %q / %q", storedSubject, storedBody)
	}
	page := d.carolB.get("/support/tickets/" + id)
	wantStatus(t, "ticket page", page, http.StatusOK)
	mustContain(t, page, html.EscapeString(subject), `<div class="msg-body">`+html.EscapeString(body)+`</div>`, "Your ticket #"+id[:8]+" was filed")
	mustNotContain(t, page, "<script>alert", "<b>bold?</b>")

	list := d.carolB.get("/support")
	mustContain(t, list, html.EscapeString(subject), `badge status-open`, "Welcome, "+html.EscapeString(d.carol.Name)+".")
	mustNotContain(t, list, "Reply waiting for you")

	// The desk answers and waits on Carol: her list says a reply is waiting.
	wantRedirect(t, "agent reply", d.submit(t, d.jordanB, id, url.Values{"body": {"Could you send a screenshot?"}, "status": {"pending"}}), "/desk/tickets/"+id)
	list = d.carolB.get("/support")
	mustContain(t, list, "Reply waiting for you", "badge status-pending")

	// Her reply: validation first, then it goes in and the ticket is open again.
	r = d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"\t\n"}})
	wantStatus(t, "blank reply", r, http.StatusUnprocessableEntity)
	if fieldError(r, "body") != "Write a message." {
		t.Errorf("blank reply error %q", fieldError(r, "body"))
	}
	wantRedirect(t, "reply", d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Here:\nscreenshot attached"}}), "/support/tickets/"+id)
	if s := d.status(t, id); s != "open" {
		t.Fatalf("after the customer's reply to a pending ticket: %s", s)
	}
	page = d.carolB.get("/support/tickets/" + id)
	mustContain(t, page, "Your reply was sent.", "Here:\nscreenshot attached", "Could you send a screenshot?")
	if strings.Index(page.body, "Could you send a screenshot?") > strings.Index(page.body, "Here:\nscreenshot attached") {
		t.Error("the thread is not oldest first")
	}
}

// Replying to a solved ticket reopens it; a closed ticket is read-only.
func TestPortalReopenAndClosed(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Export fails", "It times out.")
	wantRedirect(t, "solve", d.submit(t, d.jordanB, id, url.Values{"body": {"Fixed, try again."}, "status": {"solved"}}), "/desk/tickets/"+id)
	page := d.carolB.get("/support/tickets/" + id)
	mustContain(t, page, "We think this is solved", `action="/support/tickets/`+id+`/reply"`)

	wantRedirect(t, "reply to solved", d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Still failing."}}), "/support/tickets/"+id)
	if s := d.status(t, id); s != "open" {
		t.Fatalf("reply to a solved ticket left it %s", s)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND from_status = 'solved' AND to_status = 'open' AND actor_id = $2`, id, d.carol.ID); n != 1 {
		t.Fatalf("reopening not in the history (%d rows)", n)
	}

	wantRedirect(t, "solve again", d.submit(t, d.jordanB, id, url.Values{"status": {"solved"}}), "/desk/tickets/"+id)
	wantRedirect(t, "close", d.submit(t, d.jordanB, id, url.Values{"status": {"closed"}}), "/desk/tickets/"+id)
	page = d.carolB.get("/support/tickets/" + id)
	mustContain(t, page, "This ticket is closed and takes no more replies")
	mustNotContain(t, page, `action="/support/tickets/`+id+`/reply"`, "<textarea")

	r := d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Hello?"}})
	wantStatus(t, "reply to closed", r, http.StatusConflict)
	if problem(r) != "This ticket is closed, so it takes no more replies. Please open a new ticket." {
		t.Errorf("problem %q", problem(r))
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND body = 'Hello?'`, id); n != 0 {
		t.Fatal("a reply to a closed ticket was stored")
	}
	if d.status(t, id) != "closed" {
		t.Fatal("the closed ticket changed")
	}
}

// Customer A cannot reach customer B's ticket by any route, and nobody's internal
// notes reach a customer's page, list, or the redirect after a reply.
func TestPortalIsolationAndNotes(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	const secret = "SECRET-NOTE-7f3a: refund approved by finance"
	id := d.file(t, d.carolB, "Carol's billing question", "Why was I charged twice?")
	wantRedirect(t, "note", d.submit(t, d.jordanB, id, url.Values{"body": {secret}, "is_internal": {"1"}}), "/desk/tickets/"+id)
	wantRedirect(t, "reply", d.submit(t, d.jordanB, id, url.Values{"body": {"We refunded the second charge."}}), "/desk/tickets/"+id)

	// Dev: 404 everywhere, and nothing of Carol's in his list.
	for _, r := range []response{
		d.devB.get("/support/tickets/" + id),
		d.devB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Let me in"}}),
		d.devB.post("/support/tickets/"+id+"/reply", url.Values{"body": {""}}),
	} {
		wantStatus(t, "another customer's ticket", r, http.StatusNotFound)
		mustNotContain(t, r, "Carol", "charged twice", "SECRET")
	}
	mustNotContain(t, d.devB.get("/support"), "Carol", "billing question")
	if n := d.a.count(t, `SELECT count(*) FROM ticket_messages WHERE body = 'Let me in'`); n != 0 {
		t.Fatal("another customer's reply was stored")
	}

	// Carol: the reply, never the note, on every page and every response she gets.
	pages := []response{
		d.carolB.get("/support"),
		d.carolB.get("/support/tickets/" + id),
		d.carolB.get("/support?after=" + pageCursor(t, cursor.Time(cursor.MaxTime), cursor.UUID(id))),
		d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {""}}), // the 422 re-render
	}
	r := d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Thanks!"}})
	pages = append(pages, r, d.carolB.get(r.location))
	for i, p := range pages {
		mustNotContain(t, p, "SECRET", "Internal note", "msg-internal", "finance")
		if strings.Contains(p.header.Get("Location"), "SECRET") {
			t.Errorf("page %d redirects with the note", i)
		}
	}
	mustContain(t, pages[1], "We refunded the second charge.")
	// The desk sees the note, marked.
	mustContain(t, d.jordanB.get("/desk/tickets/"+id), html.EscapeString(secret), `msg-internal`, "Internal note")
}

func TestPortalPagination(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.a.exec(t, `INSERT INTO tickets (requester_id, subject, created_at)
		SELECT $1, 'Ticket ' || g, now() - g * interval '1 minute' FROM generate_series(1, 55) g`, d.carol.ID)
	first := d.carolB.get("/support")
	mustContain(t, first, "Ticket 1<", "Ticket 50<", "Older tickets")
	mustNotContain(t, first, "Ticket 51<")
	next := regexpFind(first.body, `href="(/support\?after=[^"]+)"`)
	if next == "" {
		t.Fatal("no next page link")
	}
	second := d.carolB.get(html.UnescapeString(next))
	mustContain(t, second, "Ticket 51<", "Ticket 55<", "← Newest")
	mustNotContain(t, second, "Ticket 50<", "Older tickets")
	if r := d.carolB.get("/support?after=garbage"); r.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", r.status)
	}
}

// A customer marks their own ticket solved from the portal: the history names them, no
// email goes out and no rating is asked; a repeat of the form, another customer's try
// and a closed ticket change nothing.
func TestPortalCustomerSolves(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	id := d.file(t, d.carolB, "Printer offline", "It will not print.")
	path := "/support/tickets/" + id
	page := d.carolB.get(path)
	mustContain(t, page, `action="`+path+`/solve"`, "Mark as solved")
	key := "solve-once-0123456789"
	mails := d.a.count(t, `SELECT count(*) FROM mail_outbox`)

	wantStatus(t, "another customer", d.devB.post(path+"/solve", url.Values{}), http.StatusNotFound)
	wantRedirect(t, "solve", d.carolB.post(path+"/solve", url.Values{"form_key": {key}}), path)
	if s := d.status(t, id); s != "solved" {
		t.Fatalf("status %s after the customer's solve", s)
	}
	mustContain(t, d.carolB.get(path), "the ticket is marked solved", "We think this is solved")
	mustNotContain(t, d.carolB.get(path), "Mark as solved")
	if n := d.a.count(t, `SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND to_status = 'solved' AND actor_id = $2`, id, d.carol.ID); n != 1 {
		t.Fatalf("%d solves by the customer in the history", n)
	}
	if n := d.a.count(t, `SELECT count(*) FROM mail_outbox`); n != mails {
		t.Fatalf("%d emails for the customer's own solve", n-mails)
	}
	if n := d.a.count(t, `SELECT count(*) FROM ticket_ratings WHERE ticket_id = $1`, id); n != 0 {
		t.Fatal("a rating was asked for the customer's own solve")
	}
	// The same form again: nothing more.
	wantRedirect(t, "repeat", d.carolB.post(path+"/solve", url.Values{"form_key": {key}}), path)
	if n := d.a.count(t, `SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1`, id); n != 2 {
		t.Fatalf("%d status changes after a repeated solve, want 2", n)
	}
	// Closed: a 409 with the reason.
	wantRedirect(t, "close", d.submit(t, d.jordanB, id, url.Values{"status": {"closed"}}), "/desk/tickets/"+id)
	r := d.carolB.post(path+"/solve", url.Values{})
	wantStatus(t, "closed", r, http.StatusConflict)
	mustContain(t, r, "This ticket is closed already.")
}
