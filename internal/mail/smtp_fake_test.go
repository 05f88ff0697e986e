package mail_test

import (
	"bytes"
	"mime"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/config"
)

// fakeSMTP is just enough of an SMTP server for net/smtp: no STARTTLS, optional AUTH
// PLAIN. It answers 451 at the end of data to the first failFirst messages, and 550 to
// any recipient containing "reject".
type fakeSMTP struct {
	addr      string
	failFirst int
	wantAuth  bool

	mu       sync.Mutex
	payloads int
	accepted []*netmail.Message
	raw      []string
	tried    map[string]int // Message-ID -> payloads received, accepted or not
	rcpts    map[string]int
	auth     []string
}

func startFakeSMTP(t *testing.T, failFirst int, wantAuth bool) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{addr: ln.Addr().String(), failFirst: failFirst, wantAuth: wantAuth,
		tried: map[string]int{}, rcpts: map[string]int{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { f.serve(t, conn) })
		}
	})
	return f
}

func (f *fakeSMTP) config() config.SMTP {
	host, port, _ := net.SplitHostPort(f.addr)
	p, _ := net.LookupPort("tcp", port)
	return config.SMTP{Host: host, Port: p, From: "Rapport <no-reply@rapport.test>"}
}

func (f *fakeSMTP) serve(t *testing.T, conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	c := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			if err := c.PrintfLine("%s", l); err != nil {
				return
			}
		}
	}
	reply("220 fake.test ESMTP ready")
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if f.wantAuth {
				reply("250-fake.test", "250-AUTH PLAIN", "250 8BITMIME")
			} else {
				reply("250-fake.test", "250 8BITMIME")
			}
		case "HELO", "MAIL", "RSET", "NOOP":
			reply("250 ok")
		case "AUTH":
			f.mu.Lock()
			f.auth = append(f.auth, arg)
			f.mu.Unlock()
			reply("235 2.7.0 authenticated")
		case "RCPT":
			f.mu.Lock()
			f.rcpts[arg]++
			f.mu.Unlock()
			if strings.Contains(arg, "reject") {
				reply("550 5.1.1 no such user")
			} else {
				reply("250 ok")
			}
		case "DATA":
			reply("354 go ahead")
			data, err := c.ReadDotBytes()
			if err != nil {
				return
			}
			reply(f.receive(t, data))
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

func (f *fakeSMTP) receive(t *testing.T, data []byte) string {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Errorf("fake smtp: unparseable message: %v\n%s", err, data)
		return "554 unparseable"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.payloads++
	f.tried[msg.Header.Get("Message-ID")]++
	if f.payloads <= f.failFirst {
		return "451 4.3.0 temporary failure, try again"
	}
	f.accepted = append(f.accepted, msg)
	f.raw = append(f.raw, string(data))
	return "250 2.0.0 queued"
}

// acceptedBy counts accepted messages per Message-ID and per decoded subject.
func (f *fakeSMTP) acceptedBy() (byID, bySubject map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	byID, bySubject = map[string]int{}, map[string]int{}
	for _, m := range f.accepted {
		byID[m.Header.Get("Message-ID")]++
		s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		bySubject[s]++
	}
	return byID, bySubject
}
