package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
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
	_, err := requesterReply(ctx, tx, requester, key, id, body, nil)
	return err
}

// RequesterReplyMessage is RequesterReply returning the new message's id, to attach
// files to it (attach.Save) in the same transaction: the email side's answers.
func RequesterReplyMessage(ctx context.Context, tx pgx.Tx, requester *auth.User, key form.Key, id, body string) (string, error) {
	return requesterReply(ctx, tx, requester, key, id, body, nil)
}

// requesterReply is RequesterReply with the reply's files; it returns the message's id.
func requesterReply(ctx context.Context, tx pgx.Tx, requester *auth.User, key form.Key, id, body string, files []*attach.Upload) (string, error) {
	claim := form.Claim{UserID: requester.ID, Key: key, To: "/support/tickets/" + id}
	cur, err := lockTicket(ctx, tx, id, &requester.ID, claim)
	if err != nil {
		return "", err
	}
	if cur.Status == StatusClosed {
		return "", ErrClosed
	}
	return applyChange(ctx, tx, Outbound{}, cur, change{
		Actor: requester, Body: body, Status: StatusOpen, Priority: cur.Priority,
		AssigneeID: cur.AssigneeID, Team: cur.Team, Uploads: files,
	})
}

// SupportReplyCreate adds the customer's reply, with its files, to their ticket (POST
// /support/tickets/{id}/reply).
func (s *Service) SupportReplyCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	files, r, done, ok := s.readFiles(w, r)
	if !ok {
		return
	}
	defer done()
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	v := supportTicketView{Body: form.Body(r, "body"), Errors: form.Errors{}, Key: key}
	checkBody(v.Errors, "body", v.Body, true)
	if files.Problem != "" {
		v.Errors.Add("files", files.Problem)
	}
	if !v.Errors.OK() {
		s.renderMyTicket(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, err := requesterReply(ctx, tx, auth.UserFrom(ctx), key, id, v.Body, files.Uploads)
		return err
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
