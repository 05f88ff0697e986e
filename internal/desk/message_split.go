package desk

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Splitting a requester's message out of a ticket into a new ticket of the same
// requester (POST /desk/tickets/{id}/messages/{mid}/split): the new ticket starts with a
// copy of the message (ticket_messages is append-only: the original stays in the old
// thread) and gets its files; both tickets' histories link to each other.

const splitMessageSQL = `
SELECT m.body, m.created_at, (m.author_id = t.requester_id AND NOT m.is_internal) AS splittable,
       m.id = (SELECT f.id FROM ticket_messages f WHERE f.ticket_id = t.id ORDER BY f.created_at, f.id LIMIT 1) AS first
FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
WHERE m.id = $1 AND m.ticket_id = $2`

const splitCreateSQL = `
WITH t AS (
    INSERT INTO tickets (requester_id, subject, priority, team, split_from, updated_by)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id
), m AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body, created_at, merged_from)
    SELECT t.id, $1, o.body, o.created_at, o.id FROM t, ticket_messages o WHERE o.id = $7
    RETURNING id, ticket_id
), files AS (
    UPDATE attachments a SET ticket_id = m.ticket_id, message_id = m.id FROM m WHERE a.message_id = $7
    RETURNING 1
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, to_status) SELECT id, $6, 'open' FROM t
), src AS (
    UPDATE tickets SET version = version + 1, updated_at = now(), updated_by = $6 WHERE id = $5
)
SELECT id::text FROM t`

// splitSubject is the new ticket's subject: the message's first line, clipped.
func splitSubject(body, fallback string) string {
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return excerpt(line, 120)
		}
	}
	return fallback
}

// MessageSplit splits a message out into a new ticket and shows it.
func (s *Service) MessageSplit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	mid, ok := s.Pages.PathID(w, r, "mid")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	ctx := r.Context()
	actor := auth.UserFrom(ctx)
	var newID string
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockTicket(ctx, tx, id, nil, form.Claim{})
		if err != nil {
			return err
		}
		if cur.Status == StatusClosed {
			return ErrClosed
		}
		if cur.Version != version {
			return ErrStale
		}
		var body string
		var splittable, first bool
		var at any
		if err := tx.QueryRow(ctx, splitMessageSQL, mid, id).Scan(&body, &at, &splittable, &first); err != nil {
			return db.Translate(err)
		}
		if !splittable || first {
			return &mergeRefused{http.StatusUnprocessableEntity, "Only the requester's own messages after the first can be split out into a new ticket."}
		}
		if err := tx.QueryRow(ctx, splitCreateSQL, cur.RequesterID, splitSubject(body, cur.Subject), cur.Priority, cur.Team,
			id, actor.ID, mid).Scan(&newID); err != nil {
			return db.Translate(err)
		}
		if _, err := tx.Exec(ctx, insertLinksSQL, id, newID, ShortRef(newID), "split_to", actor.ID, ShortRef(id), "split_from"); err != nil {
			return db.Translate(err)
		}
		return notify(ctx, tx, Event{Kind: "created", Ticket: newID, Status: string(StatusOpen), Priority: string(cur.Priority),
			Actor: actor.ID, ActorName: actor.Name, What: "split it out of " + ShortRef(id)})
	})
	var pe *mergeRefused
	switch {
	case errors.Is(err, ErrStale):
		s.Pages.ErrorWith(w, r, http.StatusConflict, "The ticket changed",
			"Someone changed this ticket after you opened it, so nothing was split. Open it again and check before splitting.")
	case errors.Is(err, ErrClosed):
		s.Pages.ErrorWith(w, r, http.StatusConflict, "The ticket is closed", "A closed ticket cannot be split.")
	case errors.As(err, &pe):
		s.Pages.ErrorWith(w, r, pe.status, "Nothing was split", pe.msg)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "The message was split out of "+ShortRef(id)+" into this new ticket.")
		httpx.Redirect(w, r, "/desk/tickets/"+newID)
	}
}
