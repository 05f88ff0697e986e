package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const lockTicketStatusSQL = `SELECT status FROM tickets WHERE id = $1 FOR UPDATE`

// lockOpenTicket locks ticket id for a change of its tags: ErrNotFound, or ErrClosed
// for a closed ticket (read-only).
func lockOpenTicket(ctx context.Context, tx pgx.Tx, id string) error {
	var st Status
	if err := tx.QueryRow(ctx, lockTicketStatusSQL, id).Scan(&st); err != nil {
		return db.Translate(err)
	}
	if st == StatusClosed {
		return ErrClosed
	}
	return nil
}

// TicketTagAdd adds a tag to a ticket (POST /desk/tickets/{id}/tags, field tag). A bad
// name re-renders the ticket with 422 and the message beside the tag field.
func (s *Service) TicketTagAdd(w http.ResponseWriter, r *http.Request) {
	s.ticketTagChange(w, r, true)
}

// TicketTagRemove takes a tag off a ticket (POST /desk/tickets/{id}/tags/remove, field
// name).
func (s *Service) TicketTagRemove(w http.ResponseWriter, r *http.Request) {
	s.ticketTagChange(w, r, false)
}

func (s *Service) ticketTagChange(w http.ResponseWriter, r *http.Request, add bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	typed := r.PostFormValue("tag")
	name, err := NormalizeTag(form.Clean(typed))
	if err != nil {
		msg, _ := isTagNameError(err)
		s.renderDeskTicket(w, r, http.StatusUnprocessableEntity, deskTicketView{TagName: typed, TagError: msg}, false)
		return
	}
	ctx := r.Context()
	var changed []string
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockOpenTicket(ctx, tx, id); err != nil {
			return err
		}
		var err error
		if add {
			changed, err = AddTags(ctx, tx, id, []string{name})
		} else {
			changed, err = RemoveTags(ctx, tx, id, []string{name})
		}
		return err
	})
	switch {
	case errors.Is(err, ErrClosed):
		s.renderDeskTicket(w, r, http.StatusConflict, deskTicketView{
			Problem: "This ticket is closed: its tags can no longer be changed."}, false)
		return
	case err != nil:
		if msg, ok := isTagNameError(err); ok {
			s.renderDeskTicket(w, r, http.StatusUnprocessableEntity, deskTicketView{TagName: typed, TagError: msg}, false)
			return
		}
		s.Pages.Fail(w, r, err)
		return
	}
	var msg string
	switch {
	case add && len(changed) > 0:
		msg = "Tag “" + name + "” added."
	case add:
		msg = "The ticket already has the tag “" + name + "”."
	case len(changed) > 0:
		msg = "Tag “" + name + "” removed."
	default:
		msg = "The ticket did not have the tag “" + name + "”."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/desk/tickets/"+id)
}
