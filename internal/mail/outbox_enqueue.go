package mail

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"

	"rapport/internal/db"
)

// Message is one plain-text email to one recipient.
type Message struct {
	To      string // an address, optionally with a name: "Ada <ada@example.com>"
	Subject string
	Body    string // plain text, UTF-8

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
	if strings.ContainsAny(m.To, "\r\n") {
		return fmt.Errorf("%w: line break in recipient", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: line break in subject", ErrInvalidMessage)
	}
	_, err := parseAddress(m.To)
	return err
}

func parseAddress(s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not an email address", ErrInvalidMessage, s)
	}
	return a, nil
}

const enqueueSQL = `
INSERT INTO mail_outbox (to_addr, subject, body)
VALUES ($1, $2, $3)`

// Enqueue writes m to the outbox on q. Pass the transaction that makes the change the
// email is about: the message is then sent if and only if that transaction commits.
// It returns an error wrapping ErrInvalidMessage when m fails Validate.
func Enqueue(ctx context.Context, q db.Querier, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, enqueueSQL, m.To, m.Subject, m.Body); err != nil {
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
