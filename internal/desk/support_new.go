package desk

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// Limits on what people type.
const (
	maxSubject = 200
	maxBody    = 20000
)

// checkBody validates a message body: required unless optional, multi-line text, at
// most maxBody characters. The body is stored as typed (in NFC: see form.Body).
func checkBody(errs form.Errors, field, body string, required bool) {
	if strings.TrimSpace(body) == "" {
		if required {
			errs.Add(field, "Write a message.")
		}
		return
	}
	if msg := form.Check(body, maxBody, true); msg != "" {
		errs.Add(field, msg)
	}
}

// newTicketForm is the customer's new-ticket form.
type newTicketForm struct {
	Subject string
	Body    string
	Errors  form.Errors
	Key     form.Key // the form's one-time key
}

// Validate fills f.Errors.
func (f *newTicketForm) Validate() {
	f.Errors = form.Errors{}
	form.Required(f.Errors, "subject", f.Subject, "Subject", maxSubject)
	checkBody(f.Errors, "body", f.Body, true)
}

// The ticket, its first message and the first line of its status history, in one
// statement, with the form's key claimed (form.Claim). The tickets_sla trigger chooses
// the policy.
const createTicketSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $1, $5, $6 WHERE $5 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
), t AS (
    INSERT INTO tickets (id, requester_id, subject, updated_by)
    SELECT $4::uuid, $1, $2, $1 WHERE $5 = '' OR EXISTS (SELECT FROM claim)
    RETURNING id, priority
), m AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body) SELECT id, $1, $3 FROM t
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, to_status) SELECT id, $1, 'open' FROM t
)
SELECT id, priority FROM t`

// CreateTicket files a ticket for requester with its first message on q, and tells the
// live queues once q's transaction commits (the handler runs it in one, s.DB.InTx). The
// form's key is claimed in the same statement: a repeat of it files nothing and returns
// a *form.Repeat. An empty key claims nothing (fixtures, seeds).
func CreateTicket(ctx context.Context, q db.Querier, requester *auth.User, key form.Key, subject, body string) (string, error) {
	id := db.NewUUID()
	claim := form.Claim{UserID: requester.ID, Key: key, To: "/support/tickets/" + id}
	var priority string
	err := q.QueryRow(ctx, createTicketSQL, requester.ID, subject, body, id, string(claim.Key), claim.To).Scan(&id, &priority)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, q)
	}
	if err != nil {
		return "", db.Translate(err)
	}
	return id, notify(ctx, q, Event{Kind: "created", Ticket: id, Status: string(StatusOpen), Priority: priority,
		Actor: requester.ID, ActorName: requester.Name, What: "filed"})
}

// SupportTicketNew shows the new-ticket form (GET /support/new).
func (s *Service) SupportTicketNew(w http.ResponseWriter, r *http.Request) {
	s.Pages.Render(w, r, http.StatusOK, "New ticket", newTicketPage(newTicketForm{Key: form.NewKey()}))
}

// SupportTicketCreate files a ticket (POST /support/tickets) and shows it.
func (s *Service) SupportTicketCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	f := newTicketForm{Subject: form.Text(r, "subject"), Body: form.Body(r, "body"), Key: key}
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New ticket", newTicketPage(f))
		return
	}
	ctx := r.Context()
	var id string
	err := s.DB.InTx(ctx, func(tx pgx.Tx) (err error) {
		id, err = CreateTicket(ctx, tx, auth.UserFrom(ctx), key, f.Subject, f.Body)
		return err
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Your ticket "+ShortRef(id)+" was filed. We will reply here and by email.")
	httpx.Redirect(w, r, "/support/tickets/"+id)
}
