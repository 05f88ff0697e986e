package mailbox

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/cursor"
	"rapport/internal/db"
	"rapport/internal/form"
)

// listRow is a mailbox on the admin's list, with its quarantine's size.
type listRow struct {
	Mailbox
	Quarantined int `db:"quarantined"`
}

const listSQL = `
SELECT ` + mailboxColumns + `,
    (SELECT count(*) FROM inbound_messages q WHERE q.mailbox_id = m.id AND q.state = 'quarantined')::int AS quarantined
FROM mailboxes m ORDER BY address, id`

// MailboxList lists the support mailboxes (GET /admin/mailboxes).
func (s *Service) MailboxList(w http.ResponseWriter, r *http.Request) {
	rows, err := s.DB.Query(r.Context(), listSQL)
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[listRow])
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Support mailboxes", mailboxListPage(list, s.Box != nil))
}

// Decision is one message fetched from a mailbox and what the desk did with it.
type Decision struct {
	ID         int64     `db:"id"`
	UID        int64     `db:"uid"`
	MessageID  *string   `db:"message_id"`
	From       string    `db:"from_addr"`
	Subject    string    `db:"subject"`
	Size       int64     `db:"size"`
	State      State     `db:"state"`
	Reason     string    `db:"reason"`
	TicketID   *string   `db:"ticket_id"`
	ReceivedAt time.Time `db:"received_at"`
}

// decisionsPage is how many decisions a page lists.
const decisionsPage = 50

// decisionsSQL is a page of a mailbox's decisions, newest first, past the cursor ($2,
// 0 for the first page), of one state or all ($3 ”): an index range scan either way.
const decisionsSQL = `
SELECT id, uid, message_id, from_addr, subject, size, state, reason, ticket_id::text AS ticket_id, received_at
FROM inbound_messages
WHERE mailbox_id = $1 AND ($2::bigint = 0 OR id < $2) AND ($3::text = '' OR state = $3)
ORDER BY id DESC
LIMIT $4`

func decisions(ctx context.Context, q db.Querier, mailboxID string, after int64, state string) ([]Decision, error) {
	rows, err := q.Query(ctx, decisionsSQL, mailboxID, after, state, decisionsPage+1)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Decision])
	return list, db.Translate(err)
}

// showPage is a mailbox's page: its edit form and its decisions.
type showPage struct {
	Mailbox   *Mailbox
	Form      mailboxForm
	State     string // the list's filter: "" or a State
	Decisions []Decision
	Next      string // the next page's link, or ""
	CanSeal   bool
}

// MailboxShow shows a mailbox's settings and what became of its mail (GET
// /admin/mailboxes/{id}?state=&after=).
func (s *Service) MailboxShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	m, err := ByID(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := formOf(m)
	s.renderShow(w, r, http.StatusOK, m, f, r.URL.Query().Get("after"))
}

func (s *Service) renderShow(w http.ResponseWriter, r *http.Request, status int, m *Mailbox, f mailboxForm, after string) {
	state := r.URL.Query().Get("state")
	switch State(state) {
	case "", StateTicket, StateReply, StateIgnored, StateQuarantined:
	default:
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	var pos int64
	if after != "" {
		c := cursor.Read(after)
		pos = c.Int(1, 1<<62)
		if c.Err() != nil {
			s.Pages.Error(w, r, http.StatusBadRequest)
			return
		}
	}
	list, err := decisions(r.Context(), s.DB, m.ID, pos, state)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := showPage{Mailbox: m, Form: f, State: state, Decisions: list, CanSeal: s.Box != nil}
	if len(list) > decisionsPage {
		p.Decisions = list[:decisionsPage]
		next, err := cursor.Encode(cursor.Int(p.Decisions[decisionsPage-1].ID))
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		p.Next = adminPath + "/" + m.ID + "?state=" + state + "&after=" + next
	}
	if p.Form.Errors == nil {
		p.Form.Errors = form.Errors{}
	}
	s.Pages.Render(w, r, status, m.Address, mailboxShowPage(p))
}
