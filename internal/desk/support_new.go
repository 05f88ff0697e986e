package desk

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
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
	Limits  attach.Limits
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
    INSERT INTO tickets (id, requester_id, subject, updated_by, reply_token)
    SELECT $4::uuid, $1, $2, $1, replace(gen_random_uuid()::text, '-', '') WHERE $5 = '' OR EXISTS (SELECT FROM claim)
    RETURNING id, priority, sla_policy_id
), m AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body) SELECT id, $1, $3 FROM t RETURNING id
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, to_status) SELECT id, $1, 'open' FROM t
)
SELECT t.id, t.priority, m.id AS message_id,
       EXISTS (SELECT FROM sla_policies p WHERE p.id = t.sla_policy_id AND p.calendar_id IS NOT NULL) AS business
FROM t, m`

// CreateTicket files a ticket for requester with its first message on q, and tells the
// live queues once q's transaction commits (the handler runs it in one, s.DB.InTx). The
// form's key is claimed in the same statement: a repeat of it files nothing and returns
// a *form.Repeat. An empty key claims nothing (fixtures, seeds).
func CreateTicket(ctx context.Context, q db.Querier, requester *auth.User, key form.Key, subject, body string) (string, error) {
	t, err := CreateTicketMessage(ctx, q, requester, key, subject, body)
	return t.ID, err
}

// NewTicket is a ticket just filed, and its first message.
type NewTicket struct {
	ID        string
	MessageID string
}

// CreateTicketMessage is CreateTicket returning the first message's id too, to attach
// files to it (attach.Save) in the same transaction.
func CreateTicketMessage(ctx context.Context, q db.Querier, requester *auth.User, key form.Key, subject, body string) (NewTicket, error) {
	id := db.NewUUID()
	claim := form.Claim{UserID: requester.ID, Key: key, To: "/support/tickets/" + id}
	var priority, messageID string
	var business bool
	err := q.QueryRow(ctx, createTicketSQL, requester.ID, subject, body, id, string(claim.Key), claim.To).Scan(&id, &priority, &messageID, &business)
	if errors.Is(err, pgx.ErrNoRows) {
		return NewTicket{}, claim.Repeated(ctx, q)
	}
	if err != nil {
		return NewTicket{}, db.Translate(err)
	}
	if business {
		if err := refreshDue(ctx, q, []string{id}); err != nil {
			return NewTicket{}, err
		}
	}
	return NewTicket{ID: id, MessageID: messageID}, notify(ctx, q, Event{Kind: "created", Ticket: id, Status: string(StatusOpen), Priority: priority,
		Actor: requester.ID, ActorName: requester.Name, What: "filed"})
}

// SupportTicketNew shows the new-ticket form (GET /support/new).
func (s *Service) SupportTicketNew(w http.ResponseWriter, r *http.Request) {
	s.Pages.Render(w, r, http.StatusOK, "New ticket", newTicketPage(newTicketForm{Key: form.NewKey(), Limits: s.Attachments}))
}

// SupportTicketCreate files a ticket (POST /support/tickets) and shows it.
func (s *Service) SupportTicketCreate(w http.ResponseWriter, r *http.Request) {
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
	f := newTicketForm{Subject: form.Text(r, "subject"), Body: form.Body(r, "body"), Key: key, Limits: s.Attachments}
	f.Validate()
	if files.Problem != "" {
		f.Errors.Add("files", files.Problem)
	}
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New ticket", newTicketPage(f))
		return
	}
	ctx := r.Context()
	var id string
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		t, err := CreateTicketMessage(ctx, tx, auth.UserFrom(ctx), key, f.Subject, f.Body)
		if err != nil {
			return err
		}
		id = t.ID
		for _, u := range files.Uploads {
			if _, err := u.Save(ctx, tx, t.ID, t.MessageID); err != nil {
				return err
			}
		}
		return NewTicketEmails(ctx, tx, s.outbound(), t.ID, false)
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
