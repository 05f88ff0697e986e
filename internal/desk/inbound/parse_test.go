package inbound

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func mustParse(t *testing.T, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func wantQuarantine(t *testing.T, raw []byte, limits Limits, says string) {
	t.Helper()
	m, err := Parse(raw, limits)
	var q *Quarantine
	if !errors.As(err, &q) {
		t.Fatalf("got %+v, %v; want a quarantine saying %q", m, err, says)
	}
	if !strings.Contains(q.Reason, says) {
		t.Fatalf("quarantine reason %q, want it to say %q", q.Reason, says)
	}
}

// A reply from a mail client: the headers that thread it, the new text without the
// quoted history and the signature, the whole text kept.
func TestParseAReply(t *testing.T) {
	t.Parallel()
	m := mustParse(t, crlf(`From: "Carol Customer" <Carol@Example.COM>
To: Support <support+t0k3n@rapport.example>
Cc: boss@example.com
Subject: Re: [#1042] Printer on fire
Message-ID: <reply-1@mail.example.com>
In-Reply-To: <ticket-1042-3@rapport.example>
References: <ticket-1042-1@rapport.example> <ticket-1042-3@rapport.example>
Date: Tue, 3 Mar 2026 09:30:00 +0100
Content-Type: text/plain; charset=utf-8

Thanks, it works again.

Carol
-- 
Carol Customer, Example Ltd

On Mon, 2 Mar 2026 at 17:00, Rapport Support <support@rapport.example> wrote:
> Please try turning it off and on again.
`))
	if m.MessageID != "reply-1@mail.example.com" || m.From.Email != "Carol@example.com" || m.From.Name != "Carol Customer" {
		t.Errorf("id %q, from %+v", m.MessageID, m.From)
	}
	if got := m.Answers(); len(got) != 3 || got[0] != "ticket-1042-3@rapport.example" || got[2] != "ticket-1042-1@rapport.example" {
		t.Errorf("answers %v", got)
	}
	if m.TicketNumber() != 1042 || m.ReplyToken("support@rapport.example") != "t0k3n" || m.ReplyToken("sales@rapport.example") != "" {
		t.Errorf("ticket %d, token %q", m.TicketNumber(), m.ReplyToken("support@rapport.example"))
	}
	if m.Text != "Thanks, it works again.\n\nCarol" {
		t.Errorf("text %q", m.Text)
	}
	if !strings.Contains(m.FullText, "turning it off and on again") || m.Date.Hour() != 8 || len(m.Cc) != 1 {
		t.Errorf("full text %q, date %v, cc %v", m.FullText, m.Date, m.Cc)
	}
	if m.Automatic != "" {
		t.Errorf("a person's reply is %q", m.Automatic)
	}
}

// Each client's way of quoting is cut at its first line, and a reply under the quote or
// a quote inside an answer is kept whole.
func TestCutReply(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Yes.\n\nLe lun. 2 mars 2026 à 17:00, Support <s@x.example> a écrit :\n> Hello", "Yes."},
		{"Ja.\n\nAm 02.03.2026 um 17:00 schrieb Support <s@x.example>:\n> Hallo", "Ja."},
		{"Sure.\n\nOn Mon, 2 Mar 2026 at 17:00, Support Team\n<s@x.example> wrote:\n> Hi", "Sure."},
		{"Fine.\n\n-----Original Message-----\nFrom: Support\nSent: Monday", "Fine."},
		{"Fine.\n\nFrom: Support <s@x.example>\nSent: Monday, 2 March 2026 17:00\nTo: me", "Fine."},
		{"Done.\n\nSent from my iPhone", "Done."},
		{"> You asked: is it on?\nYes it is.\n> And plugged in?\nAlso yes.", "> You asked: is it on?\nYes it is.\n> And plugged in?\nAlso yes."},
		{"> all quote\n> nothing else", "> all quote\n> nothing else"},
		{"Answer\n\n> old\n> older", "Answer"},
	} {
		if got := cutReply(c.in); got != c.want {
			t.Errorf("cutReply(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// An HTML-only mail becomes text (scripts and styles gone, links kept as addresses), an
// alternative takes its text part, and files and inline images are attachments.
func TestParseHTMLAndAttachments(t *testing.T) {
	t.Parallel()
	m := mustParse(t, crlf(`From: a@example.com
Subject: =?UTF-8?B?UHLDvGZ1bmc=?=
Content-Type: text/html; charset=utf-8

<html><head><title>x</title><style>p{color:red}</style></head><body>
<p>Hello <b>there</b>,</p><script>alert(1)</script><p>see <a href="https://example.com/x">this</a><br>thanks</p>
<ul><li>one</li><li>two</li></ul></body></html>
`))
	if m.Subject != "Prüfung" || !m.FromHTML {
		t.Errorf("subject %q, from HTML %v", m.Subject, m.FromHTML)
	}
	if want := "Hello there,\nsee this <https://example.com/x>\nthanks\n- one\n- two"; m.FullText != want {
		t.Errorf("text %q, want %q", m.FullText, want)
	}

	m = mustParse(t, crlf(`From: a@example.com
Subject: files
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe
--inner
Content-Type: text/html

<p>Gr&uuml;&szlig;e</p>
--inner--
--outer
Content-Type: application/pdf; name="../../etc/invoice.pdf"
Content-Disposition: attachment; filename="../../etc/invoice.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: image/png
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--outer--
`))
	if m.FullText != "Grüße" || m.FromHTML {
		t.Errorf("text %q (from HTML %v)", m.FullText, m.FromHTML)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Name != "invoice.pdf" || string(m.Attachments[0].Data) != "%PDF-1.4\n" ||
		m.Attachments[0].Inline || !m.Attachments[1].Inline || m.Attachments[1].ContentType != "image/png" {
		t.Errorf("attachments %+v", m.Attachments)
	}
}

// Mail a machine sent is told apart: auto-replies, lists and bulk, bounces (with the
// Message-ID of our mail that bounced).
func TestParseTellsMachinesApart(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"Auto-Submitted: auto-replied":    "auto-reply",
		"Auto-Submitted: no":              "",
		"X-Autoreply: yes":                "auto-reply",
		"X-Auto-Response-Suppress: OOF":   "auto-reply",
		"Precedence: bulk":                "bulk",
		"Precedence: list":                "bulk",
		"List-Id: <news.example.com>":     "bulk",
		"Return-Path: <>":                 "bounce",
		"X-Mailer: a person's client 1.0": "",
	} {
		m := mustParse(t, crlf("From: a@example.com\n"+header+"\nSubject: x\n\nbody\n"))
		if m.Automatic != want {
			t.Errorf("%s: %q, want %q", header, m.Automatic, want)
		}
	}
	m := mustParse(t, crlf(`From: MAILER-DAEMON@mx.example.com
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

The mail could not be delivered.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; gone@example.com
Action: failed
Status: 5.1.1
--b
Content-Type: text/rfc822-headers

From: support@rapport.example
Message-ID: <ticket-7-2@rapport.example>
Subject: [#7] Your ticket
--b--
`))
	if m.Automatic != "bounce" || m.Bounced != "ticket-7-2@rapport.example" {
		t.Errorf("bounce: %q, bounced %q", m.Automatic, m.Bounced)
	}
}

// What Rapport cannot read is quarantined with a reason, never guessed at, never a panic.
func TestParseQuarantines(t *testing.T) {
	t.Parallel()
	wantQuarantine(t, crlf("From: a@example.com\nX-Long: "+strings.Repeat("x", 2000)+"\n\nbody\n"), Limits{}, "longer than 998")
	wantQuarantine(t, crlf("Subject: no sender\n\nbody\n"), Limits{}, "no readable sender")
	wantQuarantine(t, crlf("From: a@example.com\nContent-Type: text/plain; charset=x-unknown-9\n\nbody\n"), Limits{}, "unknown charset")
	wantQuarantine(t, crlf("From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: x-weird\n\nbody\n"), Limits{}, "unknown charset or encoding")
	wantQuarantine(t, crlf("From: a@example.com\nContent-Type: multipart/mixed\n\n--x\n\nbody\n"), Limits{}, "no boundary")
	wantQuarantine(t, crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nunfinished"), Limits{}, "broken")
	wantQuarantine(t, crlf("From: a@example.com\n\n"+strings.Repeat("x", 2000)+"\n"), Limits{Message: 1000}, "more than the 1000 allowed")
	wantQuarantine(t, nested(200), Limits{}, "nested more than 10")
	wantQuarantine(t, manyParts(150), Limits{}, "more than 100 MIME parts")
	wantQuarantine(t, crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Disposition: attachment; filename=big.bin\n\n"+
		strings.Repeat("y", 3000)+"\n--b--\n"), Limits{File: 1000}, "larger than the 1000 bytes")
}

// nested is a message of depth multiparts, each inside the last.
func nested(depth int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n", depth)
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// manyParts is a message of n text parts side by side.
func manyParts(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// FuzzParse: any bytes give a message or a quarantine, never a panic, and a message's
// text is valid UTF-8 and its one-line fields have no line breaks.
func FuzzParse(f *testing.F) {
	f.Add(crlf("From: a@example.com\nSubject: hi\n\nhello\n"))
	f.Add(nested(12))
	f.Add(manyParts(3))
	f.Add(crlf("From: a@example.com\nContent-Type: text/html\n\n<p>x<a href=\"https://x\">y</a><script>z</script>"))
	f.Add(crlf("From: =?utf-8?q?A=0D=0AB?= <a@example.com>\nSubject: =?x-bad?q?x?=\nContent-Type: multipart/alternative; boundary=q\n\n--q\nContent-Transfer-Encoding: base64\n\n!!!!\n--q--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Limits{Message: 1 << 20, File: 1 << 18})
		if err != nil {
			var q *Quarantine
			if !errors.As(err, &q) || q.Reason == "" {
				t.Fatalf("an error that is not a quarantine: %v", err)
			}
			return
		}
		for _, s := range []string{m.Subject, m.From.Name} {
			if strings.ContainsAny(s, "\r\n") {
				t.Fatalf("a line break in a one-line field: %q", s)
			}
		}
		for _, a := range m.Attachments {
			if strings.ContainsAny(a.Name, "/\\\r\n") {
				t.Fatalf("an attachment name with a path or a line break: %q", a.Name)
			}
		}
		_ = m.Text
	})
}
