package desk

import (
	"context"
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

// errNotAgent means the person has no active agent profile: tickets cannot be theirs.
var errNotAgent = errors.New("not an agent")

// takeTicket assigns ticket id to actor in tx (the team becomes theirs, as the ticket
// form does), at version. It returns ErrStale when the ticket changed since version
// (unless it is already the actor's: then nothing changes and nothing fails), ErrClosed
// for a closed ticket and errNotAgent when actor cannot take tickets.
func takeTicket(ctx context.Context, tx pgx.Tx, out Outbound, actor *auth.User, id string, version int) error {
	cur, err := lockTicket(ctx, tx, id, nil, form.Claim{UserID: actor.ID})
	if err != nil {
		return err
	}
	if cur.Status == StatusClosed {
		return ErrClosed
	}
	if deref(cur.AssigneeID) == actor.ID {
		return nil // a second click: it is theirs already
	}
	if cur.Version != version {
		return ErrStale
	}
	a, err := assignableAgent(ctx, tx, actor.ID)
	if errors.Is(err, db.ErrNotFound) {
		return errNotAgent
	}
	if err != nil {
		return err
	}
	ch := change{Actor: actor, Status: cur.Status, Priority: cur.Priority, AssigneeID: &a.ID, Assignee: &a,
		Team: cur.Team, Reason: reasonTake}
	if deref(a.Team) != "" {
		ch.Team = a.Team
	}
	_, err = applyChange(ctx, tx, out, cur, ch)
	return err
}

// TicketTake assigns a ticket to the agent who clicks "Take it" (POST
// /desk/tickets/{id}/take), from the ticket page or a queue row: a one-field form (the
// ticket's version, and where to go back to). A ticket changed since the page was loaded
// is a 409, unless it is the agent's already.
func (s *Service) TicketTake(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	if !s.Pages.ParseForm(w, r) {
		return
	}
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 1 {
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	back := httpx.LocalPath(r.PostFormValue("return"))
	if back != "/desk" && !strings.HasPrefix(back, "/desk?") && !strings.HasPrefix(back, "/desk/tickets/") {
		back = "/desk/tickets/" + id
	}
	ctx := r.Context()
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return takeTicket(ctx, tx, s.outbound(), auth.UserFrom(ctx), id, version)
	})
	switch {
	case errors.Is(err, ErrClosed):
		s.Pages.ErrorWith(w, r, http.StatusConflict, "This ticket is closed",
			"A closed ticket can no longer be changed or taken.")
	case errors.Is(err, ErrStale):
		s.Pages.ErrorWith(w, r, http.StatusConflict, "This ticket changed",
			"Someone changed the ticket after you loaded the page. Open it again to see what changed, then take it if it is still free.")
	case errors.Is(err, errNotAgent):
		s.Pages.ErrorWith(w, r, http.StatusForbidden, "You cannot take tickets",
			"Only people with an agent profile can be assigned tickets. An admin can add you under Agents.")
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "Ticket "+ShortRef(id)+" is yours.")
		httpx.Redirect(w, r, back)
	}
}
