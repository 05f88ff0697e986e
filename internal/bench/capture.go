package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// Capture is a TCP proxy in front of the pooler that records the text of every
// simple-protocol query ('Q' message) its clients send, in order. Rapport's pool speaks
// only the simple protocol (internal/db), so the recorded text is exactly what PgBouncer
// and Postgres run, literals included: what pgbench replays as a page's SQL.
type Capture struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	queries []string
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// pingSQL is what pgxpool sends to check a connection idle for over a second; it is
// not the page's work, and the server's statement counter does not see it either.
const pingSQL = "-- ping"

// maxMessage bounds one protocol message, so a corrupt stream cannot exhaust memory.
const maxMessage = 1 << 28

// NewCapture listens on a free local port and forwards every connection to upstream
// (host:port).
func NewCapture(upstream string) (*Capture, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Capture{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	c.wg.Add(1)
	go c.accept()
	return c, nil
}

// Addr is the proxy's host:port.
func (c *Capture) Addr() string { return c.ln.Addr().String() }

// Take returns the queries recorded since the last Take and forgets them.
func (c *Capture) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queries
	c.queries = nil
	return q
}

// Close stops listening, drops every connection and waits for the copies to end.
func (c *Capture) Close() error {
	c.mu.Lock()
	c.closed = true
	for conn := range c.conns {
		_ = conn.Close()
	}
	c.mu.Unlock()
	err := c.ln.Close()
	c.wg.Wait()
	return err
}

func (c *Capture) accept() {
	defer c.wg.Done()
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", c.upstream)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !c.track(client, server) {
			return
		}
		c.wg.Add(2)
		go func() {
			defer c.wg.Done()
			_, _ = io.Copy(client, server)
			c.drop(client, server)
		}()
		go func() {
			defer c.wg.Done()
			_ = c.forward(server, client)
			c.drop(client, server)
		}()
	}
}

func (c *Capture) track(conns ...net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		for _, conn := range conns {
			_ = conn.Close()
		}
		return false
	}
	for _, conn := range conns {
		c.conns[conn] = struct{}{}
	}
	return true
}

func (c *Capture) drop(conns ...net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range conns {
		_ = conn.Close()
		delete(c.conns, conn)
	}
}

func (c *Capture) record(sql string) {
	if strings.TrimSpace(sql) == pingSQL {
		return
	}
	c.mu.Lock()
	c.queries = append(c.queries, sql)
	c.mu.Unlock()
}

// forward copies the client's side of the protocol to dst message by message, and
// records each query. The first messages have no type byte: the startup message, and
// before it any SSL, GSS or cancel request (their codes have 1234 in the high half;
// protocol 3.x has 3).
func (c *Capture) forward(dst io.Writer, src io.Reader) error {
	startup := true
	for {
		var msg []byte
		var err error
		if startup {
			msg, err = readMessage(src, 0)
			if err == nil && binary.BigEndian.Uint16(msg[4:6]) == 3 {
				startup = false
			}
		} else {
			msg, err = readMessage(src, 1)
			if err == nil && msg[0] == 'Q' {
				c.record(strings.TrimRight(string(msg[5:]), "\x00"))
			}
		}
		if err != nil {
			return err
		}
		if _, err := dst.Write(msg); err != nil {
			return err
		}
	}
}

// readMessage reads one message: typeLen type bytes (0 or 1), a big-endian length that
// counts itself, then the body. It returns the whole message as read.
func readMessage(r io.Reader, typeLen int) ([]byte, error) {
	head := make([]byte, typeLen+4)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(head[typeLen:]))
	if n < 4 || n > maxMessage || (typeLen == 0 && n < 8) {
		return nil, fmt.Errorf("capture: bad message length %d", n)
	}
	msg := make([]byte, typeLen+n)
	copy(msg, head)
	if _, err := io.ReadFull(r, msg[len(head):]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return msg, nil
}
