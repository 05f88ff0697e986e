package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/desk/mailbox"
	"rapport/internal/secret"
	"rapport/internal/testenv"
)

// A mailed ticket's original, for agents: the page shows the email as it arrived (the
// quoted history the thread cuts, escaped), the download is an attachment with nosniff,
// another ticket's message is a 404, and a customer never reaches either.
func TestTicketMailOriginals(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleAgent, "agent@example.com")
	a.user(auth.RoleCustomer, "someone@example.com")
	im := testenv.NewMailbox(t)
	key, _ := secret.ParseKey(testenv.SecretKey())
	box, _ := secret.New(key)
	ctx := context.Background()
	mb, err := mailbox.Create(ctx, a.db.DB, box, "", mailbox.Settings{Address: "support@rapport.test", Host: im.Host, Port: im.Port,
		Security: mailbox.SecurityNone, Username: im.User, Password: im.Password, Folder: "INBOX", PollSecs: 30, Enabled: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	im.Append(t, []byte("From: Dana <dana@example.com>\r\nTo: support@rapport.test\r\nSubject: Broken <b>printer</b>\r\nMessage-ID: <orig-1@example.com>\r\n\r\n"+
		"It is broken.\r\n\r\nOn Mon, Bob wrote:\r\n> <script>alert(1)</script> old text\r\n"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if res, err := (&mailbox.Poller{DB: a.db.DB, Box: box, Log: log}).Poll(ctx, mb.ID); err != nil || res.Err != nil || res.New != 1 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	var ticket string
	var mid int64
	if err := a.db.DB.QueryRow(ctx, `SELECT ticket_id::text, id FROM inbound_messages`).Scan(&ticket, &mid); err != nil {
		t.Fatal(err)
	}
	agent := a.browser()
	agent.signIn("agent@example.com")
	page := agent.get("/desk/tickets/" + ticket)
	mustContain(t, page, `href="/desk/tickets/`+ticket+`/mail"`)
	mustNotContain(t, page, "old text") // the thread shows the reply cut
	r := agent.get("/desk/tickets/" + ticket + "/mail")
	wantStatus(t, "the ticket's mail", r, http.StatusOK)
	mustContain(t, r, "It is broken.", "&gt; &lt;script&gt;alert(1)&lt;/script&gt; old text", "Message-ID: &lt;orig-1@example.com&gt;")
	mustNotContain(t, r, "<script>alert(1)", "<b>printer</b>")
	raw := agent.get("/desk/tickets/" + ticket + "/mail/" + strconv.FormatInt(mid, 10))
	wantStatus(t, "download", raw, http.StatusOK)
	if cd := raw.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || raw.header.Get("X-Content-Type-Options") != "nosniff" ||
		raw.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download headers: %v", raw.header)
	}
	if !strings.HasPrefix(raw.body, "Return-Path") && !strings.Contains(raw.body, "Subject: Broken <b>printer</b>\r\n") {
		t.Fatalf("the download is not the original: %q", raw.body)
	}
	// Another ticket's path with this message: 404. A ticket without mail: its page says so.
	var other string
	if err := a.db.DB.QueryRow(ctx, `INSERT INTO tickets (requester_id, subject) SELECT id, 'Portal' FROM "user" WHERE email = 'someone@example.com' RETURNING id::text`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if r := agent.get("/desk/tickets/" + other + "/mail/" + strconv.FormatInt(mid, 10)); r.status != http.StatusNotFound {
		t.Errorf("another ticket's message: %d, want 404", r.status)
	}
	mustContain(t, agent.get("/desk/tickets/"+other+"/mail"), "This ticket has no email")
	if r := agent.get("/desk/tickets/00000000-0000-0000-0000-000000000000/mail"); r.status != http.StatusNotFound {
		t.Errorf("no such ticket: %d, want 404", r.status)
	}
	cust := a.browser()
	cust.signIn("someone@example.com")
	for _, p := range []string{"/desk/tickets/" + ticket + "/mail", "/desk/tickets/" + ticket + "/mail/" + strconv.FormatInt(mid, 10)} {
		if r := cust.get(p); r.status != http.StatusForbidden {
			t.Errorf("customer GET %s: %d, want 403", p, r.status)
		}
	}
}
