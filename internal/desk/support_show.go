package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
)

// portalTicket is a ticket as its requester sees it.
type portalTicket struct {
	ID        string    `db:"id"`
	Subject   string    `db:"subject"`
	Status    Status    `db:"status"`
	Priority  Priority  `db:"priority"`
	CreatedAt time.Time `db:"created_at"`
}

const portalTicketSQL = `
SELECT id, subject, status, priority, created_at FROM tickets WHERE id = $1 AND requester_id = $2`

// Internal notes are filtered here, in SQL, and the requester scope is repeated, so that
// this query cannot show a note, or another customer's thread, whatever id it is given.
const publicThreadSQL = `
SELECT m.id, m.author_id, u.name AS author_name, m.body, m.is_internal,
       m.author_id <> t.requester_id AS from_staff, m.created_at
FROM ticket_messages m
JOIN tickets t ON t.id = m.ticket_id
JOIN "user" u ON u.id = m.author_id
WHERE m.ticket_id = $1 AND t.requester_id = $2 AND NOT m.is_internal
ORDER BY m.created_at, m.id`

// portalTicketWithThread loads requesterID's ticket id and its public thread, oldest
// first; ErrNotFound when the ticket is not theirs.
func portalTicketWithThread(ctx context.Context, q db.Querier, requesterID, id string) (portalTicket, []Message, error) {
	rows, err := q.Query(ctx, portalTicketSQL, id, requesterID)
	if err != nil {
		return portalTicket{}, nil, db.Translate(err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[portalTicket])
	if err != nil {
		return portalTicket{}, nil, db.Translate(err)
	}
	rows, err = q.Query(ctx, publicThreadSQL, id, requesterID)
	if err != nil {
		return portalTicket{}, nil, db.Translate(err)
	}
	thread, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return t, thread, db.Translate(err)
}

// supportTicketView is the customer's ticket page with its reply form.
type supportTicketView struct {
	Ticket  portalTicket
	Thread  []Message
	Now     time.Time
	Body    string // the reply as typed, kept after an error
	Errors  form.Errors
	Problem string   // a problem with the whole form
	Key     form.Key // the reply form's one-time key; a fresh one when ""
}

// SupportTicketShow shows one of the customer's tickets (GET /support/tickets/{id}).
func (s *Service) SupportTicketShow(w http.ResponseWriter, r *http.Request) {
	s.renderMyTicket(w, r, http.StatusOK, supportTicketView{})
}

// renderMyTicket loads the {id} ticket for the signed-in customer into v and renders it
// with status; another customer's ticket, or none, is a 404.
func (s *Service) renderMyTicket(w http.ResponseWriter, r *http.Request, status int, v supportTicketView) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	t, thread, err := portalTicketWithThread(r.Context(), s.DB, auth.UserFrom(r.Context()).ID, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v.Ticket, v.Thread, v.Now = t, thread, s.now()
	if v.Key == "" {
		v.Key = form.NewKey()
	}
	s.Pages.Render(w, r, status, t.Subject, supportTicketPage(v))
}
