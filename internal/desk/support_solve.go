package desk

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// SupportTicketSolve lets a customer mark their own open or pending ticket solved (POST
// /support/tickets/{id}/solve): the status changes as an agent's solve would (the
// history names the customer, the live queue hears of it) but no email goes out and no
// rating is asked (they said it themselves). A solved ticket stays as it is; a closed
// one is a 409; another's ticket is a 404. The page's form key guards a double submit.
func (s *Service) SupportTicketSolve(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	already := false
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockTicket(ctx, tx, id, &me.ID, form.Claim{UserID: me.ID, Key: key, To: "/support/tickets/" + id})
		if err != nil {
			return err
		}
		switch cur.Status {
		case StatusClosed:
			return ErrClosed
		case StatusSolved:
			already = true
			return nil
		}
		_, err = applyChange(ctx, tx, Outbound{}, cur, change{Actor: me, Status: StatusSolved, Priority: cur.Priority,
			AssigneeID: cur.AssigneeID, Team: cur.Team})
		return err
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	switch {
	case errors.Is(err, ErrClosed):
		s.renderMyTicket(w, r, http.StatusConflict, supportTicketView{Problem: "This ticket is closed already."})
		return
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	}
	msg := "Thanks: the ticket is marked solved. If it comes back, reply here and it opens again."
	if already {
		msg = "This ticket was solved already."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/support/tickets/"+id)
}
