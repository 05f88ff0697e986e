package desk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"rapport/internal/db"
	"rapport/internal/mail"
	"rapport/internal/testenv"
)

// deliverAll sends the outbox to sink through the real SMTP sender and returns what
// the sink accepted, parsed with go-message.
func (f *fixture) deliverAll(sink *testenv.SMTPSink, want int) []*gomail.Reader {
	f.t.Helper()
	cfg := sink.Config()
	cfg.From = "Rapport Support <support@rapport.test>"
	w := mail.NewWorker(f.d.DB, mail.NewSMTPSender(cfg), slog.New(slog.DiscardHandler))
	w.BackoffBase = 0
	for range 3 {
		if _, err := w.DeliverDue(context.Background()); err != nil {
			f.t.Fatal(err)
		}
	}
	var out []*gomail.Reader
	for _, d := range sink.Wait(f.t, want, 10*time.Second) {
		r, err := gomail.CreateReader(bytes.NewReader(d.Raw))
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, r)
	}
	if len(out) != want {
		f.t.Fatalf("sink accepted %d messages, want %d", len(out), want)
	}
	return out
}

// Two public replies and a note, read back from a real SMTP server: each reply is a
// mail in the ticket's thread (its own stable Message-ID, recorded for the ticket;
// In-Reply-To the mail before it, References the chain from the thread's root), with
// the [#ref] tag, the agent's name on the sender, the ticket's copies, and a Reply-To
// whose token finds the ticket; the note is never mailed.
func TestRepliesAreThreadedMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.s.Mail = Outbound{Support: "support@rapport.test", Sender: "Rapport Support", Domain: "rapport.test"}
	sink := testenv.NewSMTP(t, testenv.SMTPOptions{})
	id := f.ticket("Invoice «wrong» VAT", "Please fix the VAT number.")
	ctx := context.Background()
	if err := SetTicketCc(ctx, f.d.DB, id, []string{"Dan Boss <dan@example.com>", "not an address"}); !errors.Is(err, db.ErrBadValue) {
		t.Fatalf("SetTicketCc with a bad address = %v, want ErrBadValue", err)
	}
	// The desk's own address (in a +tag form too) and the requester are never copied.
	if err := SetTicketCc(ctx, f.d.DB, id, []string{"Dan Boss <dan@example.com>", "support+old@rapport.test", "CAROL@example.com", "dan@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, fm := range []ticketForm{
		{Body: "First answer.", Status: StatusPending, Priority: PriorityNormal},
		{Body: "NOTE-SECRET: check the ledger", Internal: true, Status: StatusPending, Priority: PriorityNormal},
		{Body: "Second answer.", Status: StatusSolved, Priority: PriorityNormal},
	} {
		if err := f.update(f.agent, id, fm); err != nil {
			t.Fatal(err)
		}
	}
	got := f.deliverAll(sink, 2)
	time.Sleep(200 * time.Millisecond)
	if n := len(sink.Messages()); n != 2 {
		t.Fatalf("sink accepted %d messages, want the two replies only", n)
	}
	for _, d := range sink.Messages() {
		if bytes.Contains(d.Raw, []byte("NOTE-SECRET")) {
			t.Fatal("an internal note was mailed")
		}
		if strings.Join(d.To, ",") != "carol@example.com,dan@example.com" {
			t.Errorf("RCPT TO = %v, want the requester and the ticket's copy", d.To)
		}
	}

	var token string
	f.d.DB.QueryRow(ctx, `SELECT reply_token FROM tickets WHERE id = $1`, id).Scan(&token)
	if len(token) < 32 || strings.Contains(id, token) {
		t.Fatalf("reply token %q: want 32 random hex digits, not the ticket id", token)
	}
	if tid, err := TicketByReplyToken(ctx, f.d.DB, token); err != nil || tid != id {
		t.Errorf("TicketByReplyToken = %q, %v", tid, err)
	}
	root := "ticket." + id + "@rapport.test"
	var ids []string
	for i, r := range got {
		h := r.Header
		mid, err := h.MessageID()
		if err != nil || !strings.HasSuffix(mid, "@rapport.test") {
			t.Fatalf("mail %d: Message-ID %q, %v", i, mid, err)
		}
		var stored string
		f.d.DB.QueryRow(ctx, `SELECT message_id FROM mail_outbox WHERE message_id = $1`, mid).Scan(&stored)
		if stored != mid {
			t.Errorf("mail %d: Message-ID %q is not the one the outbox stored (%q): a retry would change it", i, mid, stored)
		}
		if tid, err := TicketByMailIDs(ctx, f.d.DB, []string{"unknown@x", mid}); err != nil || tid != id {
			t.Errorf("mail %d: TicketByMailIDs(%s) = %q, %v", i, mid, tid, err)
		}
		wantChain := append([]string{root}, ids...)
		if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != wantChain[len(wantChain)-1] {
			t.Errorf("mail %d: In-Reply-To %v, want %s", i, irt, wantChain[len(wantChain)-1])
		}
		if refs, _ := h.MsgIDList("References"); strings.Join(refs, " ") != strings.Join(wantChain, " ") {
			t.Errorf("mail %d: References %v, want %v", i, refs, wantChain)
		}
		ids = append(ids, mid)
		if s, _ := h.Subject(); !strings.Contains(s, "[#"+id[:8]+"]") || !strings.Contains(s, "Invoice «wrong» VAT") {
			t.Errorf("mail %d: Subject %q, want the [#%s] tag", i, s, id[:8])
		}
		if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != "support+"+token+"@rapport.test" {
			t.Errorf("mail %d: Reply-To %v, want support+%s@rapport.test", i, rt, token)
		}
		if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Name != f.agent.Name+" at Rapport Support" || from[0].Address != "support@rapport.test" {
			t.Errorf("mail %d: From %v", i, from)
		}
		var parts []string
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			typ, _, _ := p.Header.(*gomail.InlineHeader).ContentType()
			b, _ := io.ReadAll(p.Body)
			parts = append(parts, typ)
			if typ == "text/html" && !bytes.Contains(b, []byte("&laquo;wrong&raquo;")) && !bytes.Contains(b, []byte("«wrong»")) {
				t.Errorf("mail %d: HTML part lacks the subject: %s", i, b)
			}
		}
		if strings.Join(parts, ",") != "text/plain,text/html" {
			t.Errorf("mail %d: parts %v, want text then HTML", i, parts)
		}
	}
	if n := f.count(`SELECT count(*) FROM ticket_mail_ids WHERE ticket_id = $1 AND NOT inbound`, id); n != 2 {
		t.Errorf("%d outgoing ids recorded, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM ticket_mail_ids WHERE ticket_id = $1 AND message_id = $2 AND ticket_message_id IS NOT NULL`, id, root); n != 1 {
		t.Errorf("the thread's root is not recorded against the ticket's first message")
	}
}
