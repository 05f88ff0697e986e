package mailbox

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Agents read the originals of a ticket's mail: the thread shows what the writer added,
// the original keeps the quoted history, the signature and every header.

// ticketMailPage is a ticket's mail: its subject, and each message with its original's
// start.
type ticketMailPage struct {
	TicketID string
	Subject  string
	Messages []messageView
}

// ticketMailSQL is the ticket and its mail, oldest first (at most 200), each with the
// first piece of its original, in one statement.
const ticketMailSQL = `
SELECT t.subject, i.id, i.uid, i.message_id, i.from_addr, i.subject AS mail_subject, i.size, i.state, i.reason,
       i.ticket_id::text AS ticket_id, i.received_at, i.mailbox_id::text AS mailbox_id, '' AS mailbox_address,
       coalesce((SELECT data FROM inbound_message_raw WHERE inbound_id = i.id AND seq = 0), ''::bytea) AS head,
       (SELECT count(*) FROM inbound_message_raw WHERE inbound_id = i.id)::int AS pieces
FROM tickets t LEFT JOIN inbound_messages i ON i.ticket_id = t.id
WHERE t.id = $1
ORDER BY i.id
LIMIT 200`

type ticketMailRow struct {
	TicketSubject string     `db:"subject"`
	ID            *int64     `db:"id"`
	UID           *int64     `db:"uid"`
	MessageID     *string    `db:"message_id"`
	From          *string    `db:"from_addr"`
	Subject       *string    `db:"mail_subject"`
	Size          *int64     `db:"size"`
	State         *State     `db:"state"`
	Reason        *string    `db:"reason"`
	TicketID      *string    `db:"ticket_id"`
	ReceivedAt    *time.Time `db:"received_at"`
	MailboxID     *string    `db:"mailbox_id"`
	MailboxAddr   string     `db:"mailbox_address"`
	Head          []byte     `db:"head"`
	Pieces        int        `db:"pieces"`
}

// TicketMail lists the originals of a ticket's mail (GET /desk/tickets/{id}/mail).
func (s *Service) TicketMail(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	rows, err := s.DB.Query(r.Context(), ticketMailSQL, id)
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ticketMailRow])
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	if len(list) == 0 {
		s.Pages.Fail(w, r, db.ErrNotFound)
		return
	}
	p := ticketMailPage{TicketID: id, Subject: list[0].TicketSubject}
	for _, row := range list {
		if row.ID == nil {
			continue
		}
		p.Messages = append(p.Messages, messageView{Decision: Decision{ID: *row.ID, UID: *row.UID, MessageID: row.MessageID,
			From: *row.From, Subject: *row.Subject, Size: *row.Size, State: *row.State, Reason: *row.Reason, TicketID: row.TicketID,
			ReceivedAt: *row.ReceivedAt}, MailboxID: *row.MailboxID, Head: row.Head, Pieces: row.Pieces})
	}
	s.Pages.Render(w, r, http.StatusOK, "Email of "+p.Subject, ticketMailShowPage(p))
}

// TicketMailRaw downloads one original of a ticket's mail (GET
// /desk/tickets/{id}/mail/{mid}), as an attachment.
func (s *Service) TicketMailRaw(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	mid, ok := s.messageID(w, r)
	if !ok {
		return
	}
	var exists bool
	if err := s.DB.QueryRow(r.Context(), `SELECT EXISTS (SELECT FROM inbound_messages WHERE ticket_id = $1 AND id = $2)`, id, mid).Scan(&exists); err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	if !exists {
		s.Pages.Fail(w, r, db.ErrNotFound)
		return
	}
	s.download(w, r, mid)
}

func ticketMailURL(ticketID string) string { return "/desk/tickets/" + ticketID + "/mail" }

func ticketMailRawURL(ticketID string, mid int64) string {
	return ticketMailURL(ticketID) + "/" + strconv.FormatInt(mid, 10)
}
