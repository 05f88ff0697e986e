// Package mail sends Rapport's email through an outbox: Enqueue writes a message in the
// caller's transaction, so it exists exactly when the change that causes it commits, and
// a Worker delivers due messages through a Sender with retries and backoff.
//
// Delivery is at least once: a message is marked sent only after the server accepted
// it, so a crash in between sends it again. Every attempt carries the same Message-ID,
// which lets receivers drop the copy.
package mail

import (
	"context"
	"errors"
	"log/slog"
)

var (
	// ErrInvalidMessage means a message cannot be sent as given: no recipient, a
	// recipient that is not an address, or a line break in a header value.
	ErrInvalidMessage = errors.New("invalid message")
	// ErrRejected means the mail server refused the message for good (a 5xx reply to
	// the recipient or the content): retrying will not help, so the worker gives up.
	ErrRejected = errors.New("message rejected")
)

// Sender delivers one message now. An error means it was not delivered; the worker
// retries it later unless the error wraps ErrRejected or ErrInvalidMessage.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// NewLogSender returns the development Sender, used when no SMTP server is configured:
// it writes the whole message, body included, to logger instead of sending it. Bodies
// can hold one-time sign-in links, so never use it where the logs are shared.
func NewLogSender(logger *slog.Logger) Sender {
	return logSender{log: logger}
}

type logSender struct{ log *slog.Logger }

func (s logSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "email written to the log (no SMTP server configured)",
		"to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}
