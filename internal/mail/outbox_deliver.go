package mail

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// claimSQL takes a batch of due messages in one statement, hence one short transaction
// that a transaction-mode pooler handles like any other. SKIP LOCKED lets concurrent
// workers take disjoint batches; the lease in locked_until keeps a claimed message from
// being taken again after the statement commits, and hands it back if the worker dies.
const claimSQL = `
UPDATE mail_outbox
SET locked_until = now() + $1::bigint * interval '1 microsecond',
    attempts = attempts + 1
WHERE id IN (
    SELECT id FROM mail_outbox
    WHERE sent_at IS NULL
      AND next_attempt <= now()
      AND (locked_until IS NULL OR locked_until < now())
      AND attempts < $2
    ORDER BY next_attempt
    LIMIT $3
    FOR UPDATE SKIP LOCKED)
RETURNING id, to_addr, subject, body, attempts, locked_until, created_at,
          cc, from_name, reply_to, html_body, coalesce(message_id, '') AS message_id, in_reply_to, refs, auto_submitted`

const markSentSQL = `
UPDATE mail_outbox
SET sent_at = now(), locked_until = NULL, last_error = NULL
WHERE id = $1 AND sent_at IS NULL`

// The statements below match on locked_until, the claim's lease, so that a worker
// whose lease ran out cannot overwrite the state another worker has since recorded.
const (
	markFailedSQL = `
UPDATE mail_outbox
SET next_attempt = now() + $3::bigint * interval '1 microsecond',
    locked_until = NULL, last_error = $4
WHERE id = $1 AND locked_until = $2 AND sent_at IS NULL`

	// markRejectedSQL uses up the remaining attempts, so that a message refused for
	// good is in the one given-up state: unsent with attempts at the maximum.
	markRejectedSQL = `
UPDATE mail_outbox
SET attempts = greatest(attempts, $3), locked_until = NULL, last_error = $4
WHERE id = $1 AND locked_until = $2 AND sent_at IS NULL`

	// releaseSQL hands back a claimed message that was not tried, without counting it.
	releaseSQL = `
UPDATE mail_outbox
SET locked_until = NULL, attempts = attempts - 1
WHERE id = $1 AND locked_until = $2 AND sent_at IS NULL`
)

// maxErrorLen bounds last_error: enough for an SMTP reply, not a whole transcript.
const maxErrorLen = 500

// bookkeepingTimeout bounds recording an outcome, which must happen even when the
// pass's context was cancelled mid-send.
const bookkeepingTimeout = 5 * time.Second

type claimed struct {
	ID          int64     `db:"id"`
	To          string    `db:"to_addr"`
	Subject     string    `db:"subject"`
	Body        string    `db:"body"`
	Attempts    int       `db:"attempts"`
	LockedUntil time.Time `db:"locked_until"`
	CreatedAt   time.Time `db:"created_at"`
	Cc          []string  `db:"cc"`
	FromName    string    `db:"from_name"`
	ReplyTo     string    `db:"reply_to"`
	HTML        string    `db:"html_body"`
	MessageID   string    `db:"message_id"`
	InReplyTo   string    `db:"in_reply_to"`
	References  []string  `db:"refs"`
	Auto        bool      `db:"auto_submitted"`
}

// DeliverDue makes one pass: it claims up to BatchSize due messages, sends each, and
// records the outcome. It returns how many were sent. Failed sends are not errors: they
// are recorded on their message and retried after a backoff. The error reports a
// claim or a record that could not be written.
func (w *Worker) DeliverDue(ctx context.Context) (sent int, err error) {
	_, sent, err = w.deliver(ctx)
	return sent, err
}

func (w *Worker) deliver(ctx context.Context) (claimedN, sent int, err error) {
	start := time.Now()
	batch, err := w.claim(ctx)
	if err != nil || len(batch) == 0 {
		return 0, 0, err
	}
	// Stop sending while the lease still holds, so no other worker can claim a message
	// this one is in the middle of sending.
	sendCtx, cancel := context.WithDeadline(ctx, start.Add(w.lease()*9/10))
	defer cancel()
	var errs []error
	for _, c := range batch {
		if sendCtx.Err() != nil {
			errs = append(errs, w.record(ctx, releaseSQL, c.ID, c.LockedUntil))
			continue
		}
		m := Message{To: c.To, Cc: c.Cc, Subject: c.Subject, Body: c.Body, HTML: c.HTML,
			FromName: c.FromName, ReplyTo: c.ReplyTo, MessageID: c.MessageID, InReplyTo: c.InReplyTo, References: c.References, AutoSubmitted: c.Auto,
			ref: strconv.FormatInt(c.ID, 10) + "." + strconv.FormatInt(c.CreatedAt.UnixMicro(), 10)}
		sendErr := w.sender.Send(sendCtx, m)
		errs = append(errs, w.outcome(ctx, c, sendErr))
		if sendErr == nil {
			sent++
		}
	}
	return len(batch), sent, errors.Join(errs...)
}

func (w *Worker) claim(ctx context.Context) ([]claimed, error) {
	rows, err := w.db.Query(ctx, claimSQL, w.lease().Microseconds(), w.maxAttempts(), w.batchSize())
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", db.Translate(err))
	}
	batch, err := pgx.CollectRows(rows, pgx.RowToStructByName[claimed])
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", db.Translate(err))
	}
	slices.SortFunc(batch, func(a, b claimed) int { return cmp.Compare(a.ID, b.ID) })
	return batch, nil
}

// outcome records the result of sending c and logs it; bodies are never logged here,
// since they can hold one-time links.
func (w *Worker) outcome(ctx context.Context, c claimed, sendErr error) error {
	log := w.log.With("id", c.ID, "to", c.To, "subject", c.Subject, "attempt", c.Attempts)
	switch {
	case sendErr == nil:
		log.InfoContext(ctx, "mail sent")
		return w.record(ctx, markSentSQL, c.ID)
	case ctx.Err() != nil:
		// Shutting down: the attempt was cut short by us, not failed by the server.
		log.InfoContext(ctx, "mail send interrupted, handed back", "err", sendErr)
		return w.record(ctx, releaseSQL, c.ID, c.LockedUntil)
	case errors.Is(sendErr, ErrRejected), errors.Is(sendErr, ErrInvalidMessage):
		log.ErrorContext(ctx, "mail refused for good, giving up", "err", sendErr)
		return w.record(ctx, markRejectedSQL, c.ID, c.LockedUntil, w.maxAttempts(), shortError(sendErr))
	}
	retryIn := w.backoff(c.Attempts)
	if c.Attempts >= w.maxAttempts() {
		log.ErrorContext(ctx, "mail send failed, no attempts left: giving up", "err", sendErr)
	} else {
		log.WarnContext(ctx, "mail send failed, will retry", "err", sendErr, "retry_in", retryIn)
	}
	return w.record(ctx, markFailedSQL, c.ID, c.LockedUntil, retryIn.Microseconds(), shortError(sendErr))
}

// record runs one bookkeeping statement, even when ctx has been cancelled: the send
// it records has already happened.
func (w *Worker) record(ctx context.Context, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	tag, err := w.db.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("record mail %v: %w", args[0], db.Translate(err))
	}
	if tag.RowsAffected() == 0 {
		w.log.WarnContext(ctx, "mail lease lost before the outcome was recorded", "id", args[0])
	}
	return nil
}

func shortError(err error) string {
	s := err.Error()
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
