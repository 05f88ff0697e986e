package desk

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// myTicket is a row of the customer's own ticket list.
type myTicket struct {
	ID        string    `db:"id"`
	Subject   string    `db:"subject"`
	Status    Status    `db:"status"`
	CreatedAt time.Time `db:"created_at"`
	// LastUpdate is the last public message (an internal note is no update to the customer).
	LastUpdate time.Time `db:"last_update"`
	// DeskSpokeLast is true when the last public message is not the customer's.
	DeskSpokeLast bool `db:"desk_spoke_last"`
}

// ReplyWaiting reports whether the desk answered and the ticket waits on the customer.
func (t myTicket) ReplyWaiting() bool {
	return t.DeskSpokeLast && (t.Status == StatusOpen || t.Status == StatusPending)
}

// The lateral subquery reads one row per ticket from idx_message_ticket, backwards.
const myTicketsSQL = `
SELECT t.id, t.subject, t.status, t.created_at,
       coalesce(lp.created_at, t.created_at) AS last_update,
       coalesce(lp.author_id <> t.requester_id, false) AS desk_spoke_last
FROM tickets t
LEFT JOIN LATERAL (
    SELECT m.created_at, m.author_id FROM ticket_messages m
    WHERE m.ticket_id = t.id AND NOT m.is_internal
    ORDER BY m.created_at DESC
    LIMIT 1
) lp ON true
WHERE t.requester_id = $1
  AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
ORDER BY t.created_at DESC, t.id DESC
LIMIT $4`

// listMyTickets returns one page of the requester's tickets, newest first, and whether
// more follow.
func listMyTickets(ctx context.Context, q db.Querier, requesterID string, after *timeCursor) ([]myTicket, bool, error) {
	var at *time.Time
	var id *string
	if after != nil {
		at, id = &after.At, &after.ID
	}
	rows, err := q.Query(ctx, myTicketsSQL, requesterID, at, id, pageSize+1)
	if err != nil {
		return nil, false, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[myTicket])
	if err != nil {
		return nil, false, db.Translate(err)
	}
	more := len(list) > pageSize
	if more {
		list = list[:pageSize]
	}
	return list, more, nil
}

// supportListView is the customer's ticket list.
type supportListView struct {
	Name     string // the customer, greeted at the top
	Tickets  []myTicket
	Now      time.Time
	NextPage string
	Paged    bool
}

// SupportTicketList lists the signed-in customer's tickets (GET /support).
func (s *Service) SupportTicketList(w http.ResponseWriter, r *http.Request) {
	after, err := parseTimeCursor(r.URL.Query().Get("after"))
	if err != nil {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	u := auth.UserFrom(r.Context())
	list, more, err := listMyTickets(r.Context(), s.DB, u.ID, after)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v := supportListView{Name: u.Name, Tickets: list, Now: s.now(), Paged: after != nil}
	if more {
		last := list[len(list)-1]
		next, err := timeCursor{At: last.CreatedAt, ID: last.ID}.encode()
		if err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		v.NextPage = "/support?after=" + url.QueryEscape(next)
	}
	s.Pages.Render(w, r, http.StatusOK, "My tickets", supportListPage(v))
}
