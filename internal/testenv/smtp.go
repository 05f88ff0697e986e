package testenv

import (
	"bytes"
	"io"
	"net"
	netmail "net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"rapport/internal/config"
)

// SMTPSink is a real SMTP server (github.com/emersion/go-smtp) on a loopback port that
// keeps every message it accepts, raw, for a test to read back and parse. It speaks the
// protocol the way a relay does (EHLO, AUTH PLAIN, pipelining of the replies, dot
// stuffing, size limits), so a sender tested against it is tested against SMTP rather
// than against a script of expected lines.
//
// The knobs are set before the first message arrives (SMTPOptions).
type SMTPSink struct {
	// Addr is host:port of the listener.
	Addr string

	opts SMTPOptions

	mu       sync.Mutex
	payloads int
	accepted []Delivered
	tried    map[string]int // Message-ID -> payloads received, accepted or not
	rcpts    map[string]int // recipient address -> RCPT TO commands
	auths    []string       // "user:password" of each AUTH PLAIN
	arrived  chan struct{}
}

// SMTPOptions shape an SMTPSink's answers.
type SMTPOptions struct {
	// FailFirst answers the end of data of the first FailFirst messages with 451 (a
	// temporary failure the sender should retry).
	FailFirst int
	// Username and Password, when set, make AUTH PLAIN available and required.
	Username, Password string
	// RejectRcpt answers 550 to a recipient it returns true for.
	RejectRcpt func(addr string) bool
}

// Delivered is one accepted message.
type Delivered struct {
	From string   // MAIL FROM
	To   []string // RCPT TO, in order
	Raw  []byte   // the data as received (CRLF line ends, dots unstuffed)
}

// Parse reads the message's header and body with net/mail; the test fails on a
// message that does not parse.
func (d Delivered) Parse(t testing.TB) *netmail.Message {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(d.Raw))
	if err != nil {
		t.Fatalf("smtp sink: delivered message does not parse: %v\n%s", err, d.Raw)
	}
	return m
}

// NewSMTP starts an SMTPSink that stops when the test ends.
func NewSMTP(t testing.TB, opts SMTPOptions) *SMTPSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), opts: opts, tried: map[string]int{}, rcpts: map[string]int{},
		arrived: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true // loopback only
	srv.MaxMessageBytes = 64 << 20
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return s
}

// Config is the settings that make Rapport's sender deliver to the sink.
func (s *SMTPSink) Config() config.SMTP {
	host, port, _ := net.SplitHostPort(s.Addr)
	p, _ := net.LookupPort("tcp", port)
	return config.SMTP{Host: host, Port: p, From: "Rapport <no-reply@rapport.test>",
		Username: s.opts.Username, Password: s.opts.Password}
}

// Messages returns the messages accepted so far, oldest first.
func (s *SMTPSink) Messages() []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivered(nil), s.accepted...)
}

// Wait returns once at least n messages were accepted, failing the test after timeout.
func (s *SMTPSink) Wait(t testing.TB, n int, timeout time.Duration) []Delivered {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("smtp sink: %d messages accepted after %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

// Payloads counts every message received at the end of data, accepted or refused.
func (s *SMTPSink) Payloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.payloads
}

// Tried counts the payloads received per Message-ID, accepted or refused.
func (s *SMTPSink) Tried() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.tried))
	for k, v := range s.tried {
		out[k] = v
	}
	return out
}

// Rcpts counts the RCPT TO commands for addr, accepted or refused.
func (s *SMTPSink) Rcpts(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts[addr]
}

// Auths lists the credentials of each successful AUTH PLAIN, as "user:password".
func (s *SMTPSink) Auths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

type sinkSession struct {
	sink   *SMTPSink
	authed bool
	from   string
	to     []string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.sink.opts.Username || pass != ss.sink.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.sink.mu.Lock()
		ss.sink.auths = append(ss.sink.auths, user+":"+pass)
		ss.sink.mu.Unlock()
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	ss.sink.rcpts[to]++
	ss.sink.mu.Unlock()
	if ss.sink.opts.RejectRcpt != nil && ss.sink.opts.RejectRcpt(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := ""
	if m, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		id = m.Header.Get("Message-ID")
	} else {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable message"}
	}
	s := ss.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payloads++
	s.tried[id]++
	if s.payloads <= s.opts.FailFirst {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again"}
	}
	s.accepted = append(s.accepted, Delivered{From: ss.from, To: append([]string(nil), ss.to...), Raw: raw})
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *sinkSession) Reset() { ss.from, ss.to = "", nil }

func (ss *sinkSession) Logout() error { return nil }
