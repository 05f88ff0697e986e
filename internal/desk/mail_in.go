package desk

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// The email channel (internal/desk/mailbox) files mail as the portal files forms, in the
// transaction that records the message, so that a message and what it made commit
// together or not at all. A mailed reply is RequesterReply without a form's key.

// createMailTicketSQL is createTicketSQL without a form's key, with the mailbox's team.
const createMailTicketSQL = `
WITH t AS (
    INSERT INTO tickets (id, requester_id, subject, team, updated_by, reply_token)
    VALUES ($4::uuid, $1, $2, $5, $1, replace(gen_random_uuid()::text, '-', ''))
    RETURNING id, priority, sla_policy_id
), m AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body) SELECT id, $1, $3 FROM t
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, to_status) SELECT id, $1, 'open' FROM t
)
SELECT id, priority,
       EXISTS (SELECT FROM sla_policies p WHERE p.id = t.sla_policy_id AND p.calendar_id IS NOT NULL) AS business
FROM t`

// MailTicket files a ticket from a mail in tx: requester is its sender, team the
// mailbox's (nil: none), and the team's round robin gives it an agent when the team
// has it on. The live queues hear of it when tx commits. Its emails (NewTicketEmails)
// are the caller's to queue once the mail's Message-ID is recorded, so that the
// receipt answers the customer's mail.
func MailTicket(ctx context.Context, tx pgx.Tx, requester *auth.User, subject, body string, team *string) (string, error) {
	id := db.NewUUID()
	var priority string
	var business bool
	if err := tx.QueryRow(ctx, createMailTicketSQL, requester.ID, subject, body, id, team).Scan(&id, &priority, &business); err != nil {
		return "", db.Translate(err)
	}
	if business {
		if err := refreshDue(ctx, tx, []string{id}); err != nil {
			return "", err
		}
	}
	if _, err := roundRobin(ctx, tx, id, team); err != nil {
		return "", err
	}
	return id, notify(ctx, tx, Event{Kind: "created", Ticket: id, Status: string(StatusOpen), Priority: priority,
		Actor: requester.ID, ActorName: requester.Name, What: "filed by email"})
}
