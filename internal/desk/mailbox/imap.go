// Package mailbox is the inbound half of the desk's email channel: support mailboxes
// fetched over IMAP (github.com/emersion/go-imap v1, the stable line: v2 is a beta), each
// message recorded once with what the desk did with it (a ticket, a reply, ignored or
// quarantined, and why), and the admin's pages for the mailboxes and their decisions.
// Reading a message is internal/desk/inbound's; filing it is the desk's.
package mailbox

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Security is how the connection to the IMAP server is protected.
type Security string

// The ways: TLS from the first byte (imaps, port 993), STARTTLS on the plain port (143),
// or none, allowed only for a server on this machine (a local test server).
const (
	SecurityTLS      Security = "tls"
	SecurityStartTLS Security = "starttls"
	SecurityNone     Security = "none"
)

// Valid reports whether s is one of the three.
func (s Security) Valid() bool {
	return s == SecurityTLS || s == SecurityStartTLS || s == SecurityNone
}

// Server is where a mailbox lives and how to log in to it.
type Server struct {
	Host     string
	Port     int
	Security Security
	User     string
	Password string
	Folder   string
	// roots, when set, are the certificate authorities trusted instead of the system's
	// (the tests' self-signed Dovecot).
	roots *x509.CertPool
}

// ErrPlaintext refuses an unencrypted connection to another machine: the password
// would cross the network in the clear.
var ErrPlaintext = errors.New("a connection without TLS is only allowed to this machine (localhost)")

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialTimeout bounds connecting and each command.
const dialTimeout = 20 * time.Second

// conn is a logged-in connection with the folder selected.
type conn struct {
	c           *client.Client
	uidValidity uint32
}

// dial connects, protects the connection as s says, logs in and selects the folder
// (read-write: processed mail is flagged). Errors are phrased for the admin.
func dial(s Server) (*conn, error) {
	if s.Security == SecurityNone && !isLoopback(s.Host) {
		return nil, ErrPlaintext
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	d := &net.Dialer{Timeout: dialTimeout}
	tlsConf := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12, RootCAs: s.roots}
	var c *client.Client
	var err error
	if s.Security == SecurityTLS {
		c, err = client.DialWithDialerTLS(d, addr, tlsConf)
	} else {
		c, err = client.DialWithDialer(d, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	c.Timeout = dialTimeout
	c.ErrorLog = log.New(io.Discard, "", 0) // a closed connection's read error is not news
	ok := false
	defer func() {
		if !ok {
			_ = c.Terminate()
		}
	}()
	if s.Security == SecurityStartTLS {
		if has, _ := c.SupportStartTLS(); !has {
			return nil, errors.New("the server does not offer STARTTLS: choose TLS (usually port 993)")
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return nil, fmt.Errorf("STARTTLS failed: %w", err)
		}
	}
	if err := c.Login(s.User, s.Password); err != nil {
		return nil, fmt.Errorf("the server refused the user name or password: %w", err)
	}
	st, err := c.Select(s.Folder, false)
	if err != nil {
		return nil, fmt.Errorf("cannot open the folder %q: %w", s.Folder, err)
	}
	ok = true
	return &conn{c: c, uidValidity: st.UidValidity}, nil
}

func (c *conn) close() {
	if err := c.c.Logout(); err != nil {
		_ = c.c.Terminate()
	}
}

// Test connects and logs in as a poll would, and says what went wrong in words.
func Test(s Server) error {
	c, err := dial(s)
	if err != nil {
		return err
	}
	c.close()
	return nil
}

// sized is a message's UID and size, before its body is fetched.
type sized struct {
	UID  uint32
	Size int64
}

// newSince lists the messages with a UID above last, in UID order, with their sizes.
// ("UID n:*" always answers the highest message, even below n: it is filtered out.)
func (c *conn) newSince(last uint32) ([]sized, error) {
	set := new(imap.SeqSet)
	set.AddRange(last+1, 0)
	ch := make(chan *imap.Message, 64)
	done := make(chan error, 1)
	go func() { done <- c.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch) }()
	var out []sized
	for m := range ch {
		if m.Uid > last {
			out = append(out, sized{UID: m.Uid, Size: int64(m.Size)})
		}
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("cannot list new messages: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

// headerLimit bounds what is fetched of a message too large to fetch whole: its
// header's first 64 KiB, enough to say who sent it and what it is about.
const headerLimit = 64 << 10

// fetch returns message uid's bytes: the whole message (BODY.PEEK[]: fetching does not
// mark it read), or with headerOnly its header's first headerLimit bytes.
func (c *conn) fetch(uid uint32, headerOnly bool) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	if headerOnly {
		section.BodyPartName = imap.BodyPartName{Specifier: imap.HeaderSpecifier}
		section.Partial = []int{0, headerLimit}
	}
	ch := make(chan *imap.Message, 1)
	done := make(chan error, 1)
	go func() { done <- c.c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch) }()
	var raw []byte
	for m := range ch {
		for _, lit := range m.Body {
			if lit == nil {
				continue
			}
			// go-imap v1 reads a literal whole into a bytes.Buffer: take its bytes
			// rather than copy them (one message in memory, not two).
			if b, ok := lit.(*bytes.Buffer); ok {
				raw = b.Bytes()
				continue
			}
			b, err := io.ReadAll(lit)
			if err != nil {
				return nil, err
			}
			raw = b
		}
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("cannot fetch message %d: %w", uid, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("the server sent no body for message %d", uid)
	}
	return raw, nil
}

// done marks message uid processed on the server: \Seen, and with remove also \Deleted
// and expunged.
func (c *conn) done(uid uint32, remove bool) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	flags := []any{imap.SeenFlag}
	if remove {
		flags = append(flags, imap.DeletedFlag)
	}
	if err := c.c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), flags, nil); err != nil {
		return fmt.Errorf("cannot flag message %d: %w", uid, err)
	}
	if remove {
		if err := c.c.Expunge(nil); err != nil {
			return fmt.Errorf("cannot expunge message %d: %w", uid, err)
		}
	}
	return nil
}
