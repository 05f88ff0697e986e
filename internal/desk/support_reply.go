package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// reply adds the requester's message to their ticket id. A pending or solved ticket
// opens again (the desk owes an answer); a closed one refuses with ErrClosed. The reply
// form's key is claimed with the lock: a repeat adds nothing (*form.Repeat).
func (s *Service) reply(ctx context.Context, requester *auth.User, key form.Key, id, body string) error {
	claim := form.Claim{UserID: requester.ID, Key: key, To: "/support/tickets/" + id}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockTicket(ctx, tx, id, &requester.ID, claim)
		if err != nil {
			return err
		}
		if cur.Status == StatusClosed {
			return ErrClosed
		}
		return s.apply(ctx, tx, cur, change{
			Actor: requester, Body: body, Status: StatusOpen, Priority: cur.Priority,
			AssigneeID: cur.AssigneeID, Team: cur.Team,
		})
	})
}

// SupportReplyCreate adds the customer's reply to their ticket (POST /support/tickets/{id}/reply).
func (s *Service) SupportReplyCreate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !db.ValidUUID(id) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	v := supportTicketView{Body: form.Body(r, "body"), Errors: form.Errors{}, Key: key}
	checkBody(v.Errors, "body", v.Body, true)
	if !v.Errors.OK() {
		s.renderMyTicket(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	err := s.reply(r.Context(), auth.UserFrom(r.Context()), key, id, v.Body)
	if s.Pages.Repeated(w, r, err) {
		return
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	case errors.Is(err, ErrClosed):
		v.Problem = "This ticket is closed, so it takes no more replies. Please open a new ticket."
		s.renderMyTicket(w, r, http.StatusConflict, v)
		return
	case err != nil:
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Your reply was sent.")
	httpx.Redirect(w, r, "/support/tickets/"+id)
}
