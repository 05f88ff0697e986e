package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	netmail "net/mail"
	"strings"

	"rapport/internal/db"
)

// Message is one email to one recipient (and its copies): plain text, with an HTML
// alternative when HTML is set, optionally a reply in a thread.
type Message struct {
	To      string   // an address, optionally with a name: "Ada <ada@example.com>"
	Cc      []string // copies, addresses like To
	Subject string
	Body    string // plain text, UTF-8
	// HTML is the same content as an HTML document fragment, already escaped by its
	// template; "" sends the text part alone.
	HTML string

	// FromName replaces the display name of the configured sender (SMTP_FROM): the
	// address stays the configured one, so SPF and DKIM still align.
	FromName string
	// ReplyTo is where the recipient's mail client answers, "" for the sender.
	ReplyTo string

	// MessageID is the message's id without angle brackets ("x@domain"); "" derives
	// one from the outbox row. Choose it when the email is written to record it.
	MessageID string
	// InReplyTo and References thread the message (ids without angle brackets).
	InReplyTo  string
	References []string
	// AutoSubmitted marks a message no person wrote in answer to the recipient (a
	// ticket's receipt): it goes out with "Auto-Submitted: auto-replied" (RFC 3834), so
	// the recipient's autoresponder does not answer it.
	AutoSubmitted bool

	// ref names the outbox row, so that every attempt to send it carries the same
	// Message-ID.
	ref string
}

// Validate refuses a message that could not be delivered as given, or whose values
// would break out of their headers.
func (m Message) Validate() error {
	if strings.TrimSpace(m.To) == "" {
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	for _, f := range [...]struct{ name, v string }{{"recipient", m.To}, {"subject", m.Subject},
		{"sender name", m.FromName}, {"reply address", m.ReplyTo}} {
		if strings.ContainsAny(f.v, "\r\n") {
			return fmt.Errorf("%w: line break in %s", ErrInvalidMessage, f.name)
		}
	}
	if _, err := parseAddress(m.To); err != nil {
		return err
	}
	for _, cc := range m.Cc {
		if strings.ContainsAny(cc, "\r\n") {
			return fmt.Errorf("%w: line break in a copy's address", ErrInvalidMessage)
		}
		if _, err := parseAddress(cc); err != nil {
			return err
		}
	}
	if m.ReplyTo != "" {
		if _, err := parseAddress(m.ReplyTo); err != nil {
			return err
		}
	}
	for _, id := range append([]string{m.MessageID, m.InReplyTo}, m.References...) {
		if strings.ContainsAny(id, "<> \t\r\n") {
			return fmt.Errorf("%w: message id %q must be bare (no brackets or spaces)", ErrInvalidMessage, id)
		}
	}
	return nil
}

// NewMessageID returns a fresh, unguessable message id in domain, without brackets.
func NewMessageID(domain string) string {
	var r [16]byte
	_, _ = rand.Read(r[:]) // never fails on supported platforms
	return hex.EncodeToString(r[:]) + "@" + domain
}

// Domain is the domain of an address ("Ann <ann@example.com>" -> "example.com"), or
// "rapport.invalid" for one without.
func Domain(addr string) string {
	if a, err := netmail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		return addr[at+1:]
	}
	return "rapport.invalid"
}

func parseAddress(s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not an email address", ErrInvalidMessage, s)
	}
	return a, nil
}

const enqueueSQL = `
INSERT INTO mail_outbox (to_addr, subject, body, cc, from_name, reply_to, html_body, message_id, in_reply_to, refs, auto_submitted)
VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), $9, $10, $11)`

// enqueueAllSQL writes several messages in one statement: $1 a JSON array of
// outboxRow.
const enqueueAllSQL = `
INSERT INTO mail_outbox (to_addr, subject, body, cc, from_name, reply_to, html_body, message_id, in_reply_to, refs, auto_submitted)
SELECT m.to_addr, m.subject, m.body, ARRAY(SELECT jsonb_array_elements_text(m.cc)), m.from_name, m.reply_to, m.html_body,
       nullif(m.message_id, ''), m.in_reply_to, ARRAY(SELECT jsonb_array_elements_text(m.refs)), m.auto_submitted
FROM jsonb_to_recordset($1::jsonb) AS m (to_addr text, subject text, body text, cc jsonb, from_name text, reply_to text,
     html_body text, message_id text, in_reply_to text, refs jsonb, auto_submitted boolean)`

// outboxRow is a message as enqueueAllSQL reads it.
type outboxRow struct {
	To            string   `json:"to_addr"`
	Subject       string   `json:"subject"`
	Body          string   `json:"body"`
	Cc            []string `json:"cc"`
	FromName      string   `json:"from_name"`
	ReplyTo       string   `json:"reply_to"`
	HTML          string   `json:"html_body"`
	MessageID     string   `json:"message_id"`
	InReplyTo     string   `json:"in_reply_to"`
	References    []string `json:"refs"`
	AutoSubmitted bool     `json:"auto_submitted"`
}

// EnqueueAll writes every message of ms to the outbox on q in one statement (a notice
// to each agent of a team), with Enqueue's promise; one invalid message writes none.
func EnqueueAll(ctx context.Context, q db.Querier, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	rows := make([]outboxRow, len(ms))
	for i, m := range ms {
		if err := m.Validate(); err != nil {
			return err
		}
		rows[i] = outboxRow{To: m.To, Subject: m.Subject, Body: m.Body, Cc: nonNil(m.Cc), FromName: m.FromName, ReplyTo: m.ReplyTo,
			HTML: m.HTML, MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: nonNil(m.References), AutoSubmitted: m.AutoSubmitted}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	if _, err := q.Exec(ctx, enqueueAllSQL, string(b)); err != nil {
		return fmt.Errorf("enqueue mail: %w", db.Translate(err))
	}
	return nil
}

// Enqueue writes m to the outbox on q. Pass the transaction that makes the change the
// email is about: the message is then sent if and only if that transaction commits.
// It returns an error wrapping ErrInvalidMessage when m fails Validate.
func Enqueue(ctx context.Context, q db.Querier, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, enqueueSQL, m.To, m.Subject, m.Body,
		nonNil(m.Cc), m.FromName, m.ReplyTo, m.HTML, m.MessageID, m.InReplyTo, nonNil(m.References), m.AutoSubmitted); err != nil {
		return fmt.Errorf("enqueue mail: %w", db.Translate(err))
	}
	return nil
}

const pendingSQL = `
SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL`

// Pending counts the messages not yet sent, including those the worker gave up on.
func Pending(ctx context.Context, q db.Querier) (int, error) {
	var n int
	if err := q.QueryRow(ctx, pendingSQL).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending mail: %w", db.Translate(err))
	}
	return n, nil
}

// nonNil makes a nil list an empty array rather than NULL.
func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
