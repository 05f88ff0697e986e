package faults

import (
	"bytes"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mailbox is a fake SMTP server, just enough for net/smtp (no STARTTLS, no AUTH), that
// keeps every message it accepts.
type mailbox struct {
	addr string

	mu       sync.Mutex
	received []received
}

// received is one accepted message.
type received struct {
	to        string // the RCPT TO address
	messageID string
	subject   string
}

func startMailbox(t testing.TB) *mailbox {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb := &mailbox{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { mb.serve(conn) })
		}
	})
	return mb
}

// env is the SMTP configuration that points the binary at the mailbox.
func (mb *mailbox) env() map[string]string {
	host, port, _ := net.SplitHostPort(mb.addr)
	return map[string]string{"SMTP_HOST": host, "SMTP_PORT": port, "SMTP_FROM": "Rapport <no-reply@rapport.test>"}
}

func (mb *mailbox) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := textproto.NewConn(conn)
	reply := func(line string) bool { return c.PrintfLine("%s", line) == nil }
	if !reply("220 mailbox.test ESMTP ready") {
		return
	}
	var rcpt []string
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		var ok bool
		switch strings.ToUpper(verb) {
		case "EHLO":
			ok = reply("250-mailbox.test") && reply("250 8BITMIME")
		case "HELO", "NOOP":
			ok = reply("250 ok")
		case "MAIL", "RSET":
			rcpt = nil
			ok = reply("250 ok")
		case "RCPT":
			rcpt = append(rcpt, rcptAddress(arg))
			ok = reply("250 ok")
		case "DATA":
			if !reply("354 go ahead") {
				return
			}
			data, err := c.ReadDotBytes()
			if err != nil {
				return
			}
			ok = reply(mb.accept(rcpt, data))
		case "QUIT":
			reply("221 bye")
			return
		default:
			ok = reply("502 not implemented")
		}
		if !ok {
			return
		}
	}
}

// rcptAddress is the address in a RCPT argument, "TO:<a@b>" (parameters ignored).
func rcptAddress(arg string) string {
	if i, j := strings.Index(arg, "<"), strings.Index(arg, ">"); i >= 0 && j > i {
		return arg[i+1 : j]
	}
	_, a, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(a)
}

func (mb *mailbox) accept(rcpt []string, data []byte) string {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "554 unparseable message"
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	for _, to := range rcpt {
		mb.received = append(mb.received, received{to: strings.ToLower(to),
			messageID: msg.Header.Get("Message-ID"), subject: msg.Header.Get("Subject")})
	}
	return "250 2.0.0 queued as " + strconv.Itoa(len(mb.received))
}

// byRecipient counts the accepted messages per recipient.
func (mb *mailbox) byRecipient() map[string]int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := map[string]int{}
	for _, r := range mb.received {
		out[r.to]++
	}
	return out
}

func (mb *mailbox) count() int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return len(mb.received)
}
