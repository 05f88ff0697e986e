package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	deskpkg "rapport/internal/desk"
	"rapport/internal/desk/mailbox"
	"rapport/internal/mail"
	"rapport/internal/secret"
	"rapport/internal/testenv"
)

// The email channel end to end, with a real IMAP server (Dovecot) and a real SMTP
// server (the harness's sink): a customer mails support, the ticket appears in the
// queue, the agent replies in Rapport, the customer's mail client receives a threaded
// reply, answers it, and the answer lands on the same ticket with the quote cut.
func TestJourneyEmailChannel(t *testing.T) {
	t.Parallel()
	sink := testenv.NewSMTP(t, testenv.SMTPOptions{})
	host, port, _ := strings.Cut(sink.Addr, ":")
	a := newAppEnv(t, map[string]string{"SMTP_HOST": host, "SMTP_PORT": port, "SMTP_FROM": "Acme Support <support@rapport.test>"})
	a.user(auth.RoleAgent, "agent@example.com")
	im := testenv.NewMailbox(t)
	key, _ := secret.ParseKey(testenv.SecretKey())
	box, _ := secret.New(key)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mb, err := mailbox.Create(ctx, a.db.DB, box, "", mailbox.Settings{Address: "support@rapport.test", Host: im.Host, Port: im.Port,
		Security: mailbox.SecurityNone, Username: im.User, Password: im.Password, Folder: "INBOX", PollSecs: 30, Enabled: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	poller := &mailbox.Poller{DB: a.db.DB, Box: box, Log: log, OwnAddresses: []string{"support@rapport.test"},
		Mail: deskpkg.Outbound{Support: "support@rapport.test", Sender: "Acme Support"}} // the server sets the desk's
	poll := func() {
		t.Helper()
		if res, err := poller.Poll(ctx, mb.ID); err != nil || res.Err != nil {
			t.Fatalf("poll: %+v %v", res, err)
		}
	}

	// 1. The customer writes to support from their mail client.
	im.Append(t, []byte("From: Dana Scully <dana@example.com>\r\nTo: Support <support@rapport.test>\r\n"+
		"Subject: The printer is on fire\r\nMessage-ID: <first-1@example.com>\r\nDate: Thu, 3 Dec 2026 09:00:00 +0000\r\n\r\n"+
		"Smoke is coming out of it.\r\n"))
	poll()
	var ticket string
	if err := a.db.DB.QueryRow(ctx, `SELECT t.id::text FROM tickets t JOIN "user" u ON u.id = t.requester_id WHERE u.email = 'dana@example.com'`).Scan(&ticket); err != nil {
		t.Fatalf("no ticket from the mail: %v", err)
	}
	agent := a.browser()
	agent.signIn("agent@example.com")
	mustContain(t, agent.get("/desk"), "The printer is on fire")
	deliver := func() {
		t.Helper()
		if _, err := mail.NewWorker(a.db.DB, mail.NewSMTPSender(sink.Config()), log).DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// The customer gets a receipt with the ticket's number, in the thread of their mail
	// and marked as an automatic answer; the agent (the desk has no team set) is told
	// of the new unassigned ticket.
	deliver()
	first := sink.Wait(t, 2, 10*time.Second)
	byRcpt := map[string]*netmail.Message{}
	for _, d := range first {
		byRcpt[d.To[0]] = d.Parse(t)
	}
	receipt, notice0 := byRcpt["dana@example.com"], byRcpt["agent@example.com"]
	if len(first) != 2 || receipt == nil || notice0 == nil {
		t.Fatalf("after the mail: delivered %+v", first)
	}
	if s := receipt.Header.Get("Subject"); s != "Received: The printer is on fire [#"+ticket[:8]+"]" {
		t.Errorf("receipt subject %q", s)
	}
	if h := receipt.Header.Get("Auto-Submitted"); h != "auto-replied" {
		t.Errorf("receipt Auto-Submitted %q", h)
	}
	if irt := receipt.Header.Get("In-Reply-To"); irt != "<first-1@example.com>" {
		t.Errorf("receipt In-Reply-To %q, want the customer's mail", irt)
	}
	if rt := receipt.Header.Get("Reply-To"); !strings.Contains(rt, "support+") {
		t.Errorf("receipt Reply-To %q", rt)
	}
	if s := notice0.Header.Get("Subject"); !strings.HasPrefix(s, "New ticket: The printer is on fire") {
		t.Errorf("notice subject %q", s)
	}

	// 2. The agent answers in Rapport; the customer's mail client receives a reply in
	// the thread.
	f := url.Values{"body": {"Unplug it and step back."}, "status": {"pending"}, "priority": {"normal"},
		"version": {strconv.Itoa(a.count(t, `SELECT version FROM tickets WHERE id = $1`, ticket))}}
	if r := agent.post("/desk/tickets/"+ticket, f); r.status != http.StatusSeeOther {
		t.Fatalf("agent reply: %d\n%s", r.status, r.body)
	}
	deliver()
	got := sink.Wait(t, 3, 10*time.Second)
	if len(got) != 3 || len(got[2].To) != 1 || got[2].To[0] != "dana@example.com" {
		t.Fatalf("delivered %d messages: %+v", len(got), got)
	}
	reply := got[2].Parse(t)
	ref := "[#" + ticket[:8] + "]"
	if s := reply.Header.Get("Subject"); !strings.Contains(s, ref) {
		t.Errorf("subject %q lacks %s", s, ref)
	}
	if irt := reply.Header.Get("In-Reply-To"); irt != receipt.Header.Get("Message-ID") {
		t.Errorf("In-Reply-To %q, want the receipt's %q", irt, receipt.Header.Get("Message-ID"))
	}
	if refs := reply.Header.Get("References"); !strings.Contains(refs, "<first-1@example.com>") {
		t.Errorf("References %q lack the customer's first mail", refs)
	}
	replyTo := reply.Header.Get("Reply-To")
	if !strings.Contains(replyTo, "support+") || !strings.Contains(replyTo, "@rapport.test") || strings.Contains(replyTo, ticket) {
		t.Errorf("Reply-To %q: want support+<token>@rapport.test, never the ticket id", replyTo)
	}
	notice := reply.Header.Get("Message-ID")
	if notice == "" {
		t.Fatal("the reply has no Message-ID")
	}
	body, _ := io.ReadAll(reply.Body)
	if !strings.Contains(string(body), "Unplug it and step back.") {
		t.Errorf("the reply's body lacks the agent's words:\n%s", body)
	}

	// 3. The customer answers the email; the answer lands on the same ticket, quote cut,
	// and the pending ticket is open again.
	im.Append(t, []byte("From: Dana Scully <dana@example.com>\r\nTo: "+replyTo+"\r\n"+
		"Subject: Re: "+reply.Header.Get("Subject")+"\r\nMessage-ID: <second-2@example.com>\r\n"+
		"In-Reply-To: "+notice+"\r\nReferences: <first-1@example.com> "+notice+"\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"+
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Done, it is out. Thanks!\r\n\r\nOn Thu, Acme Support wrote:\r\n> Unplug it and step back.\r\n"+
		"--b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"ashes <1>.png\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n"))
	poll()
	if n := a.count(t, `SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets: the answer opened a new one", n)
	}
	var last, status string
	if err := a.db.DB.QueryRow(ctx, `SELECT m.body, t.status FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
		WHERE m.ticket_id = $1 ORDER BY m.created_at DESC LIMIT 1`, ticket).Scan(&last, &status); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(last) != "Done, it is out. Thanks!" || status != "open" {
		t.Errorf("the answer on the ticket: %q, status %s; want the reply without its quote, open", last, status)
	}
	page := agent.get("/desk/tickets/" + ticket)
	mustContain(t, page, "Smoke is coming out of it.", "Unplug it and step back.", "Done, it is out. Thanks!", "ashes &lt;1&gt;.png")
	// The mail's attachment is filed on the customer's reply, downloadable by staff.
	var file string
	if err := a.db.DB.QueryRow(ctx, `SELECT a.id::text FROM attachments a JOIN ticket_messages m ON m.id = a.message_id
		WHERE a.ticket_id = $1 AND m.body LIKE 'Done, it is out.%' AND a.size = 8`, ticket).Scan(&file); err != nil {
		t.Fatalf("the mail's attachment was not filed on the reply: %v", err)
	}
	dl := agent.get("/desk/attachments/" + file)
	if dl.status != http.StatusOK || dl.body != "\x89PNG\r\n\x1a\n" {
		t.Errorf("download: %d %q", dl.status, dl.body)
	}
}
