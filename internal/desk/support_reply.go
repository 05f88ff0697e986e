package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// RequesterReply adds the requester's message to their ticket id in tx (it locks the
// ticket). A pending or solved ticket opens again (the desk owes an answer); a closed
// one refuses with ErrClosed, and another requester's ticket, or none, is
// db.ErrNotFound. The reply form's key is claimed with the lock: a repeat adds nothing
// (*form.Repeat). The requester's own reply emails nobody.
func RequesterReply(ctx context.Context, tx pgx.Tx, requester *auth.User, key form.Key, id, body string) error {
	claim := form.Claim{UserID: requester.ID, Key: key, To: "/support/tickets/" + id}
	cur, err := lockTicket(ctx, tx, id, &requester.ID, claim)
	if err != nil {
		return err
	}
	if cur.Status == StatusClosed {
		return ErrClosed
	}
	return applyChange(ctx, tx, nil, cur, change{
		Actor: requester, Body: body, Status: StatusOpen, Priority: cur.Priority,
		AssigneeID: cur.AssigneeID, Team: cur.Team,
	})
}

// SupportReplyCreate adds the customer's reply to their ticket (POST /support/tickets/{id}/reply).
func (s *Service) SupportReplyCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
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
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return RequesterReply(ctx, tx, auth.UserFrom(ctx), key, id, v.Body)
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	switch {
	case errors.Is(err, ErrClosed):
		v.Problem = "This ticket is closed, so it takes no more replies. Please open a new ticket."
		s.renderMyTicket(w, r, http.StatusConflict, v)
		return
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Your reply was sent.")
	httpx.Redirect(w, r, "/support/tickets/"+id)
}
