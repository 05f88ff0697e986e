package desk

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// The inbound side's way into the desk's mail thread: what matches an email to its
// ticket, and what records an email that reached one. Message-IDs are bare, without
// angle brackets (as go-message's MessageID and MsgIDList return them).

// MailID is one email of a ticket's thread.
type MailID struct {
	MessageID string // bare: "abc@example.com"
	TicketID  string
	// TicketMessageID is the ticket message the email became or carried, "" for none.
	TicketMessageID string
	// Inbound is true for mail received (the customer's), false for mail sent.
	Inbound bool
}

const recordMailIDSQL = `
INSERT INTO ticket_mail_ids (message_id, ticket_id, ticket_message_id, inbound, public)
VALUES ($1, $2, nullif($3, '')::uuid, $4, true)
ON CONFLICT (message_id) DO NOTHING`

// RecordMailID records m on q (public: the requester's thread). Record the email that
// opened a ticket, and each answer that landed on one, so that later notifications
// reply to them. A Message-ID recorded before is left as it was.
func RecordMailID(ctx context.Context, q db.Querier, m MailID) error {
	m.MessageID = strings.Trim(strings.TrimSpace(m.MessageID), "<>")
	if m.MessageID == "" || strings.ContainsAny(m.MessageID, "<> \t\r\n") {
		return db.ErrBadValue
	}
	_, err := q.Exec(ctx, recordMailIDSQL, m.MessageID, m.TicketID, m.TicketMessageID, m.Inbound)
	return db.Translate(err)
}

const ticketByMailIDsSQL = `
SELECT ticket_id FROM ticket_mail_ids WHERE message_id = ANY($1::text[])
ORDER BY seq DESC LIMIT 1`

// TicketByMailIDs finds the ticket whose thread holds any of ids (an email's
// In-Reply-To and References, bare), the latest recorded first; db.ErrNotFound when
// none is ours.
func TicketByMailIDs(ctx context.Context, q db.Querier, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", db.ErrNotFound
	}
	var id string
	err := q.QueryRow(ctx, ticketByMailIDsSQL, ids).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return id, db.Translate(err)
}

const ticketByReplyTokenSQL = `SELECT coalesce(merged_into, id) FROM tickets WHERE reply_token = $1`

// TicketByReplyToken finds the ticket whose reply address carries token (the part
// after "+" in support+token@domain), or the one it was merged into; db.ErrNotFound
// for none.
func TicketByReplyToken(ctx context.Context, q db.Querier, token string) (string, error) {
	if token == "" {
		return "", db.ErrNotFound
	}
	var id string
	err := q.QueryRow(ctx, ticketByReplyTokenSQL, token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return id, db.Translate(err)
}

const setTicketCcSQL = `UPDATE tickets SET cc_addrs = $2 WHERE id = $1`

// SetTicketCc keeps cc, the copies of the email that opened the ticket, as the copies
// of the desk's public replies (addresses as "Name <addr>" or bare). An address that
// does not parse is db.ErrBadValue and nothing is kept; the replies leave out the
// requester and the desk's own address (copies).
func SetTicketCc(ctx context.Context, q db.Querier, ticketID string, cc []string) error {
	if cc == nil {
		cc = []string{}
	}
	for _, c := range cc {
		if _, err := netmail.ParseAddress(c); err != nil || strings.ContainsAny(c, "\r\n") {
			return fmt.Errorf("%w: copy %q is not an address", db.ErrBadValue, c)
		}
	}
	tag, err := q.Exec(ctx, setTicketCcSQL, ticketID, cc)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	return nil
}
