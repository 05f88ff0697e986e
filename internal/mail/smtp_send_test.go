package mail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"rapport/internal/config"
	"rapport/internal/mail"
	"rapport/internal/testenv"
)

// A server that fails the first messages: every message still arrives exactly once,
// with each failure recorded and then cleared, and every retry under its Message-ID.
func TestSMTPFailuresAreRetriedUntilDeliveredOnce(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	const failures = 3
	srv := testenv.NewSMTP(t, testenv.SMTPOptions{FailFirst: failures})
	subjects := enqueue(t, d.DB, "retry", 5)
	w := testWorker(d.DB, mail.NewSMTPSender(srv.Config()))

	sent, err := w.DeliverDue(ctx)
	if err != nil || sent != len(subjects)-failures {
		t.Fatalf("first pass: sent %d, %v; want %d", sent, err, len(subjects)-failures)
	}
	failed := map[int64]bool{}
	for _, r := range outbox(t, d.DB) {
		if r.Attempts != 1 || r.LockedUntil != nil {
			t.Errorf("after one pass row %d = %+v, want attempt 1, unlocked", r.ID, r)
		}
		if r.SentAt == nil {
			failed[r.ID] = true
			if r.LastError == nil || !strings.Contains(*r.LastError, "451") {
				t.Errorf("failed row %d: last_error = %v, want the 451 reply", r.ID, r.LastError)
			}
		}
	}
	if len(failed) != failures {
		t.Fatalf("%d rows failed, want %d", len(failed), failures)
	}

	for pass := 0; pending(t, d.DB) > 0; pass++ {
		if pass == 10 {
			t.Fatal("messages still pending after 10 passes")
		}
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
		t.Errorf("pass after delivery: sent %d, %v; want 0, nil", n, err)
	}

	for _, r := range outbox(t, d.DB) {
		wantAttempts := 1
		if failed[r.ID] {
			wantAttempts = 2
		}
		if r.SentAt == nil || r.LastError != nil || r.LockedUntil != nil || r.Attempts != wantAttempts {
			t.Errorf("row %d = %+v, want sent on attempt %d with last_error cleared", r.ID, r, wantAttempts)
		}
	}
	byID, bySubject := acceptedBy(t, srv)
	for _, s := range subjects {
		if bySubject[s] != 1 {
			t.Errorf("%s accepted %d times, want 1", s, bySubject[s])
		}
	}
	if len(byID) != len(subjects) {
		t.Errorf("%d distinct Message-IDs accepted, want %d", len(byID), len(subjects))
	}
	if n := srv.Payloads(); n != len(subjects)+failures {
		t.Errorf("server received %d payloads, want %d", n, len(subjects)+failures)
	}
	retried := 0
	for id, n := range srv.Tried() {
		if byID[id] != 1 {
			t.Errorf("Message-ID %s tried %d times but accepted %d times", id, n, byID[id])
		}
		if n == 2 {
			retried++
		}
	}
	if retried != failures {
		t.Errorf("%d Message-IDs seen twice, want %d: a retry must keep its Message-ID", retried, failures)
	}
}

func TestSMTPSenderWritesAWellFormedMessage(t *testing.T) {
	t.Parallel()
	srv := testenv.NewSMTP(t, testenv.SMTPOptions{Username: "rapport", Password: "s3cret"})
	cfg := srv.Config()
	m := mail.Message{
		To:      "Zoë Ångström <zoe@example.com>",
		Subject: "Votre ticket n°42 a été résolu — merci d'avoir patienté, nous espérons que tout va bien",
		Body:    "Bonjour Zoë,\n.\n.leading dot\n" + strings.Repeat("long line ", 40) + "\nÀ bientôt",
	}
	if err := mail.NewSMTPSender(cfg).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	delivered := srv.Messages()
	if len(delivered) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(delivered))
	}
	if a := srv.Auths(); len(a) != 1 || a[0] != "rapport:s3cret" {
		t.Errorf("AUTH = %q, want PLAIN with the configured credentials", a)
	}
	got := delivered[0].Parse(t)
	h := got.Header
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(h.Get("Subject")); err != nil || s != m.Subject {
		t.Errorf("Subject decodes to %q, %v; want %q", s, err, m.Subject)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "Zoë Ångström" || to[0].Address != "zoe@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if from, err := h.AddressList("From"); err != nil || from[0].Address != "no-reply@rapport.test" {
		t.Errorf("From = %v, %v", from, err)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@rapport.test>") {
		t.Errorf("Message-ID = %q, want <…@rapport.test>", id)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	for _, line := range strings.Split(string(delivered[0].Raw), "\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
		for _, r := range line {
			if r > 127 {
				t.Errorf("non-ASCII octet on the wire: %q", line)
				break
			}
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(got.Body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ReplaceAll(string(body), "\r\n", "\n") != m.Body+"\n" {
		t.Errorf("body decodes to %q, want %q", body, m.Body)
	}
}

func TestSMTPRejectedRecipientIsNotRetried(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	srv := testenv.NewSMTP(t, testenv.SMTPOptions{RejectRcpt: func(a string) bool { return strings.Contains(a, "reject") }})
	for _, to := range []string{"reject@example.com", "ok@example.com"} {
		if err := mail.Enqueue(ctx, d.DB, mail.Message{To: to, Subject: to, Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	w := testWorker(d.DB, mail.NewSMTPSender(srv.Config()))
	for range 3 {
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tries := srv.Rcpts("reject@example.com")
	if tries != 1 {
		t.Errorf("rejected recipient tried %d times, want 1", tries)
	}
	rows := outbox(t, d.DB)
	if r := rows[0]; r.SentAt != nil || r.Attempts != w.MaxAttempts || r.LastError == nil || !strings.Contains(*r.LastError, "550") {
		t.Errorf("rejected row = %+v, want given up (attempts = max) with the 550 kept", r)
	}
	if r := rows[1]; r.SentAt == nil {
		t.Errorf("accepted row = %+v, want sent", r)
	}
}

// A server that accepts the connection and then says nothing must not hold the sender
// past its context's deadline.
func TestSMTPSenderRespectsContextDeadline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			defer conn.Close()
			_, _ = io.Copy(io.Discard, conn)
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := net.LookupPort("tcp", port)
	s := mail.NewSMTPSender(config.SMTP{Host: "127.0.0.1", Port: p, From: "r@rapport.test"})

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, mail.Message{To: "a@example.com", Subject: "s", Body: "b"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Send took %s past a 200ms deadline", el)
	}
}

// acceptedBy counts the sink's accepted messages per Message-ID and per decoded subject.
func acceptedBy(t *testing.T, srv *testenv.SMTPSink) (byID, bySubject map[string]int) {
	byID, bySubject = map[string]int{}, map[string]int{}
	for _, d := range srv.Messages() {
		m := d.Parse(t)
		byID[m.Header.Get("Message-ID")]++
		s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		bySubject[s]++
	}
	return byID, bySubject
}

// A threaded reply with an HTML alternative, copies, a reply address and a non-ASCII
// sender name arrives with each header as written, read back with go-message from what
// the sink accepted; the copies are recipients of the same delivery.
func TestSMTPSenderWritesThreadedAlternatives(t *testing.T) {
	t.Parallel()
	srv := testenv.NewSMTP(t, testenv.SMTPOptions{})
	m := mail.Message{
		To: "Carol <carol@example.com>", Cc: []string{"Dan <dan@example.com>", "eve@example.com"},
		Subject: "Re: Facture n°7 [#0b5e6d3c]", Body: "Bonjour <Carol>,\n\nC'est fait.\n",
		HTML:     "<p>Bonjour &lt;Carol&gt;,</p><p>C&#39;est fait.</p>",
		FromName: "Zoë at Rapport Support", ReplyTo: "support+tok123@rapport.test",
		MessageID: "m2@rapport.test", InReplyTo: "m1@rapport.test", References: []string{"m0@rapport.test", "m1@rapport.test"},
	}
	if err := mail.NewSMTPSender(srv.Config()).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if strings.Join(got.To, ",") != "carol@example.com,dan@example.com,eve@example.com" {
		t.Errorf("RCPT TO = %v, want the recipient and both copies", got.To)
	}
	r, err := gomail.CreateReader(bytes.NewReader(got.Raw))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != m.FromName || from[0].Address != "no-reply@rapport.test" {
		t.Errorf("From = %v, %v; want %q <no-reply@rapport.test>", from, err, m.FromName)
	}
	if rt, err := h.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != m.ReplyTo {
		t.Errorf("Reply-To = %v, %v", rt, err)
	}
	if cc, err := h.AddressList("Cc"); err != nil || len(cc) != 2 || cc[0].Name != "Dan" {
		t.Errorf("Cc = %v, %v", cc, err)
	}
	if s, err := h.Subject(); err != nil || s != m.Subject {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if id, err := h.MessageID(); err != nil || id != m.MessageID {
		t.Errorf("Message-ID = %q, %v", id, err)
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err != nil || len(ids) != 1 || ids[0] != m.InReplyTo {
		t.Errorf("In-Reply-To = %v, %v", ids, err)
	}
	if ids, err := h.MsgIDList("References"); err != nil || strings.Join(ids, " ") != "m0@rapport.test m1@rapport.test" {
		t.Errorf("References = %v, %v", ids, err)
	}
	if typ, _, _ := h.ContentType(); typ != "multipart/alternative" {
		t.Errorf("Content-Type = %q, want multipart/alternative", typ)
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
		typ, params, _ := p.Header.(*gomail.InlineHeader).ContentType()
		b, _ := io.ReadAll(p.Body)
		parts = append(parts, typ+";"+params["charset"]+"|"+strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	want := []string{"text/plain;utf-8|" + m.Body, "text/html;utf-8|" + m.HTML}
	if strings.Join(parts, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("parts = %q, want %q", parts, want)
	}
	for _, line := range strings.Split(string(got.Raw), "\n") {
		for _, c := range line {
			if c > 127 {
				t.Fatalf("non-ASCII octet on the wire: %q", line)
			}
		}
	}
}
