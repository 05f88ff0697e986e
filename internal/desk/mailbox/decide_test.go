package mailbox

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A reply with In-Reply-To (or only References, or only the subject's tag from the same
// sender) lands on the ticket and reopens it as a portal reply does; the tag from
// another sender, or an answer to a closed ticket, opens a new ticket and says why.
func TestPollReplies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.imap.Append(t, mail("dana@example.com", "Printer on fire", "orig@example.com", "It is on fire."))
	f.poll()
	ticket := f.str(`SELECT id::text FROM tickets`)
	ref := ticket[:8]
	// As the desk leaves a ticket it has answered: solved, with a reply token in its
	// Reply-To and its notification's Message-ID in the thread.
	const token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	if _, err := f.d.DB.Exec(context.Background(), `UPDATE tickets SET status = 'solved', solved_at = now(), paused_since = now(), reply_token = $2 WHERE id = $1`, ticket, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.DB.Exec(context.Background(), `INSERT INTO ticket_mail_ids (message_id, ticket_id, inbound, public) VALUES ('note-1@rapport.test', $1, false, true)`, ticket); err != nil {
		t.Fatal(err)
	}
	f.imap.Append(t,
		mail("dana@example.com", "Re: Printer on fire", "r1@example.com", "Still burning.\n\nOn Fri, support wrote:\n> Did you try water?", "In-Reply-To: <orig@example.com>"),
		mail("dana@example.com", "Re: Re: Printer on fire", "r2@example.com", "Out now.", "References: <nope@x> <r1@example.com>"),
		mail("dana@example.com", "Thanks [#"+ref+"]", "r3@example.com", "Thanks!"),
		mail("eve@example.com", "Hijack [#"+ref+"]", "r4@example.com", "Me too"),
		mail("dana@example.com", "From my phone", "r6@example.com", "Via the token.", "Cc: Support <support+"+token+"@rapport.test>"),
		mail("mallory@example.com", "Guessed", "r7@example.com", "By the id.", "Cc: Support <support+"+strings.ReplaceAll(ticket, "-", "")+"@rapport.test>"),
		mail("dana@example.com", "Re: Your ticket was answered", "r8@example.com", "Answering the email.", "In-Reply-To: <note-1@rapport.test>"),
	)
	f.poll()
	if got := f.str(`SELECT string_agg(state || ':' || reason, ' / ' ORDER BY uid) FROM inbound_messages WHERE uid > 1`); got !=
		"reply:answers ticket #"+ref+" (its In-Reply-To or References) / "+
			"reply:answers ticket #"+ref+" (its In-Reply-To or References) / "+
			"reply:answers ticket #"+ref+" (the [#"+ref+"] tag in its subject) / "+
			"ticket:a new ticket / "+
			"reply:answers ticket #"+ref+" (its +token reply address) / "+
			"ticket:a new ticket / "+
			"reply:answers ticket #"+ref+" (its In-Reply-To or References)" {
		t.Fatalf("decisions: %s", got)
	}
	if got := f.str(`SELECT string_agg(body, ' | ' ORDER BY created_at) FROM ticket_messages WHERE ticket_id = $1`, ticket); got !=
		"It is on fire. | Still burning. | Out now. | Thanks! | Via the token. | Answering the email." {
		t.Fatalf("thread: %s", got)
	}
	if got := f.str(`SELECT status FROM tickets WHERE id = $1`, ticket); got != "open" {
		t.Fatalf("status after the reply: %s, want open (reopened)", got)
	}
	if got := f.str(`SELECT string_agg(coalesce(from_status, '-') || '>' || to_status, ' ' ORDER BY id) FROM ticket_status_changes WHERE ticket_id = $1`, ticket); got != "->open solved>open" {
		t.Fatalf("status history: %s", got)
	}

	// A closed ticket takes no replies: the answer opens a new ticket, and says why.
	if _, err := f.d.DB.Exec(context.Background(), `UPDATE tickets SET status = 'closed' WHERE id = $1`, ticket); err != nil {
		t.Fatal(err)
	}
	f.imap.Append(t, mail("dana@example.com", "Re: Printer", "r5@example.com", "Again", "In-Reply-To: <orig@example.com>"))
	f.poll()
	if got := f.str(`SELECT state || ':' || reason FROM inbound_messages WHERE message_id = 'r5@example.com'`); got != "ticket:a new ticket; it answers #"+ref+", which is closed" {
		t.Fatalf("answer to a closed ticket: %s", got)
	}
}

// Machines never open tickets: auto-replies, bulk, bounces (marking the bounced email),
// our own address, a flood from one sender. Each decision is recorded with its reason.
func TestPollIgnores(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.p.FloodPerMinute = 3
	var outboxID int64
	var created time.Time
	if err := f.d.DB.QueryRow(context.Background(), `INSERT INTO mail_outbox (to_addr, subject, body, sent_at) VALUES ('gone@example.com', 's', 'b', now()) RETURNING id, created_at`).Scan(&outboxID, &created); err != nil {
		t.Fatal(err)
	}
	bouncedID := strconv.FormatInt(outboxID, 10) + "." + strconv.FormatInt(created.UnixMicro(), 10) + "@rapport.test"
	bounce := "From: MAILER-DAEMON@mx.example.com\r\nTo: no-reply@rapport.test\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <b1@mx.example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + bouncedID + ">\r\nSubject: s\r\n" +
		"--B--\r\n"
	f.imap.Append(t,
		mail("ooo@example.com", "Out of office", "a1@example.com", "I am away.", "Auto-Submitted: auto-replied"),
		mail("news@example.com", "Our newsletter", "a2@example.com", "News.", "Precedence: bulk"),
		[]byte(bounce),
		mail("no-reply@rapport.test", "Loop", "a3@example.com", "Our own."),
		mail("support@rapport.test", "Loop 2", "a4@example.com", "Our own too."),
		mail("flood@example.com", "1", "f1@example.com", "x"),
		mail("flood@example.com", "2", "f2@example.com", "x"),
		mail("flood@example.com", "3", "f3@example.com", "x"),
		mail("flood@example.com", "4", "f4@example.com", "x"),
		mail("flood@example.com", "5", "f5@example.com", "x"),
	)
	f.poll()
	got := f.str(`SELECT string_agg(state || ':' || reason, E'\n' ORDER BY uid) FROM inbound_messages`)
	want := strings.Join([]string{
		"ignored:an automatic reply (out of office, auto-responder)",
		"ignored:bulk mail (a mailing list or newsletter)",
		"ignored:a delivery failure report (bounce): our email <" + bouncedID + "> is marked failed",
		"ignored:sent from our own address (no-reply@rapport.test): a loop",
		"ignored:sent from our own address (support@rapport.test): a loop",
		"ticket:a new ticket", "ticket:a new ticket", "ticket:a new ticket",
		"ignored:more than 3 messages a minute from this sender",
		"ignored:more than 3 messages a minute from this sender",
	}, "\n")
	if got != want {
		t.Fatalf("decisions:\n%s\nwant:\n%s", got, want)
	}
	if n := f.count(`SELECT count(*) FROM mail_outbox WHERE id = $1 AND bounced_at IS NOT NULL AND last_error LIKE 'bounced:%'`, outboxID); n != 1 {
		t.Fatal("the bounced email is not marked")
	}
	if n := f.count(`SELECT count(*) FROM tickets`); n != 3 {
		t.Fatalf("%d tickets, want 3", n)
	}
}

// Broken mail is quarantined with its reason and kept whole; the next message flows.
func TestPollQuarantine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	broken := "From: x@example.com\r\nSubject: Broken\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all\r\n"
	long := "From: y@example.com\r\nSubject: Long\r\nX-Long: " + strings.Repeat("a", 2000) + "\r\n\r\nbody\r\n"
	f.imap.Append(t, []byte(broken), []byte(long), mail("ok@example.com", "Fine", "ok@example.com", "Fine."))
	f.poll()
	got := f.str(`SELECT string_agg(state || ':' || reason || ':' || from_addr || ':' || subject || ':' || (SELECT sum(length(data)) > 0 FROM inbound_message_raw WHERE inbound_id = id)::text, E'\n' ORDER BY uid) FROM inbound_messages`)
	want := "quarantined:a multipart part has no boundary:x@example.com:Broken:true\n" +
		"quarantined:a header line is longer than 998 characters:y@example.com:Long:true\n" +
		"ticket:a new ticket:ok@example.com:Fine:true"
	if got != want {
		t.Fatalf("decisions:\n%s\nwant:\n%s", got, want)
	}
	if raw := f.str(`SELECT convert_from(string_agg(data, ''::bytea ORDER BY seq), 'UTF8') FROM inbound_message_raw r JOIN inbound_messages m ON m.id = r.inbound_id WHERE m.subject = 'Broken'`); raw != broken {
		t.Fatalf("the quarantined original is not kept verbatim: %q", raw)
	}
}
