package mailbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/desk"
	"rapport/internal/desk/inbound"
	"rapport/internal/secret"
)

// Poller fetches support mailboxes and files what they hold.
type Poller struct {
	DB  *db.DB
	Box *secret.Box // opens the mailbox passwords; nil: SECRET_KEY unset, nothing is polled
	Log *slog.Logger
	// Limits bound a message (the zero value: 25 MB a message, 10 MB a file).
	Limits inbound.Limits
	// OwnAddresses are Rapport's sending addresses (SMTP_FROM's): mail from them is a loop.
	OwnAddresses []string
	// FloodPerMinute is how many messages a minute a sender may send before the rest
	// are ignored (default 10).
	FloodPerMinute int
	// MaxPerPoll is how many new messages one poll takes at most (default 500): a
	// backlog is worked through poll after poll, each short.
	MaxPerPoll int
	// MaxFile is the largest attachment filed from a mail (ATTACHMENT_MAX_FILE_MB;
	// default 10 MB): a larger one stays only in the original.
	MaxFile int64
	// Mail is how the emails of a mailed ticket (its receipt, the notices) link and
	// address themselves (the server sets the desk's); the zero value sends them
	// without links or a reply address.
	Mail desk.Outbound
}

func (p *Poller) limits() inbound.Limits {
	l := p.Limits
	if l.Message <= 0 {
		l.Message = 25 << 20
	}
	return l
}

func (p *Poller) floodLimit() int {
	if p.FloodPerMinute <= 0 {
		return 10
	}
	return p.FloodPerMinute
}

// PollResult is what one poll did.
type PollResult struct {
	// Busy: another poller holds the mailbox (or it is disabled or gone): nothing done.
	Busy bool
	// New counts messages recorded by this poll; Seen those found recorded already.
	New, Seen int
	// Err is the mailbox's own failure (cannot connect, log in, open the folder), also
	// stored on the mailbox for the admin.
	Err error
}

// lastUIDSQL is where this poll starts: the highest UID recorded under the folder's
// current UIDVALIDITY (the unique index answers it).
const lastUIDSQL = `SELECT coalesce(max(uid), 0) FROM inbound_messages WHERE mailbox_id = $1 AND uidvalidity = $2`

const pollDoneSQL = `UPDATE mailboxes SET uidvalidity = coalesce($2, uidvalidity), last_poll_at = now(), last_error = $3 WHERE id = $1`

// Poll fetches mailbox id once. The mailbox is claimed for the poll by a row lock held
// in a transaction of its own (SKIP LOCKED: a second replica polling at the same moment
// does nothing); each message is then recorded in its own transaction with the ticket
// or reply it makes, and flagged on the server only after that commits. Whatever stops
// a poll half-way (a kill, a restart of Postgres or the pooler), the next one finds what
// was recorded and carries on: no message is lost or filed twice.
func (p *Poller) Poll(ctx context.Context, id string) (PollResult, error) {
	var res PollResult
	err := p.DB.InTx(ctx, func(tx pgx.Tx) error {
		mb, err := lock(ctx, tx, id)
		if errors.Is(err, db.ErrNotFound) {
			res.Busy = true
			return nil
		}
		if err != nil {
			return err
		}
		var uidv *int64
		res.Err = p.fetchAll(ctx, tx, mb, &res, &uidv)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var dbErr errDatabase
		if errors.As(res.Err, &dbErr) {
			return dbErr.error
		}
		var msg *string
		if res.Err != nil {
			s := res.Err.Error()
			msg = &s
			p.Log.WarnContext(ctx, "mailbox poll failed", "mailbox", mb.ID, "address", mb.Address, "err", res.Err)
		}
		_, err = tx.Exec(ctx, pollDoneSQL, mb.ID, uidv, msg)
		return db.Translate(err)
	})
	return res, err
}

// errDatabase marks a failure of our own side (the database) inside a poll: it fails the
// poll (and the job retries), where a failure of the mailbox only is recorded on it.
type errDatabase struct{ error }

func (p *Poller) fetchAll(ctx context.Context, lockTx pgx.Tx, mb *Mailbox, res *PollResult, uidv **int64) error {
	srv, err := mb.server(p.Box)
	if err != nil {
		return err
	}
	c, err := dial(srv)
	if err != nil {
		return err
	}
	defer c.close()
	v := int64(c.uidValidity)
	*uidv = &v
	var last int64
	if err := lockTx.QueryRow(ctx, lastUIDSQL, mb.ID, v).Scan(&last); err != nil {
		return errDatabase{db.Translate(err)}
	}
	list, err := c.newSince(uint32(last))
	if err != nil {
		return err
	}
	limit := p.MaxPerPoll
	if limit <= 0 {
		limit = 500
	}
	if len(list) > limit {
		list = list[:limit]
	}
	for _, s := range list {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		tooLarge := s.Size > p.limits().Message
		raw, err := c.fetch(s.UID, tooLarge)
		if err != nil {
			return err
		}
		fresh, out, err := p.record(ctx, mb, fetched{UIDValidity: c.uidValidity, UID: s.UID, Size: s.Size, Raw: raw, TooLarge: tooLarge})
		if err != nil {
			return errDatabase{fmt.Errorf("record message %d: %w", s.UID, err)}
		}
		if fresh {
			res.New++
			p.Log.InfoContext(ctx, "mail received", "mailbox", mb.ID, "uid", s.UID, "state", out.State, "reason", out.Reason, "ticket", out.TicketID)
		} else {
			res.Seen++
		}
		if err := c.done(s.UID, mb.DeleteProcessed); err != nil {
			return err
		}
	}
	return nil
}
