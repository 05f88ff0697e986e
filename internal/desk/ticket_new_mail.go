package desk

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/mail"
)

// A new ticket's emails (issue 17), queued in the transaction that files it: the
// requester's receipt with the ticket's number, the first email of the ticket's thread
// (answering it adds to the ticket); the agent round robin gave it to, or, when nobody
// has it, a notice to each agent of its team (every agent for a ticket without a team)
// who is not away. Each kind can be turned off on the account page (migration 00076).
// Imported tickets and tickets an agent files get none of these.
//
// A receipt goes only to an address that is proven: a requester who confirmed it, or
// the sender of the mail that filed the ticket. A stranger who signs up as someone
// else's address and files a ticket must not make us email that person their words.

// maxNewTicketNotices bounds the notices of one new ticket.
const maxNewTicketNotices = 50

// newTicketMailSQL reads what a new ticket's emails need ($1 its id, $2 whether a mail
// from the requester filed it), in one statement.
var newTicketMailSQL = `
SELECT t.id, t.subject, t.status, t.priority, t.assignee_id, t.team, t.version, t.requester_id,
       r.name AS requester_name, r.email AS requester_email, t.cc_addrs, t.reply_token,
       coalesce((SELECT json_agg(json_build_object('message_id', i.message_id, 'public', i.public) ORDER BY i.seq)
                 FROM ticket_mail_ids i WHERE i.ticket_id = t.id), '[]') AS mail_thread,
       true AS claimed,
       r.notify_receipt AND (r.email_verified OR $2) AS notify_receipt,
       a.name AS assignee_name, a.email AS assignee_email, coalesce(a.notify_assigned, false) AS assignee_notify,
       coalesce((SELECT json_agg(json_build_object('name', u.name, 'email', u.email) ORDER BY u.id) FROM (
           SELECT u.id, u.name, u.email FROM agents g JOIN "user" u ON u.id = g.user_id
           WHERE t.assignee_id IS NULL AND (t.team IS NULL OR g.team = t.team)
             AND u.role IN ('agent', 'admin') AND NOT u.banned AND NOT g.away AND u.notify_new_tickets
             AND u.id <> t.requester_id
           ORDER BY u.id LIMIT ` + strconv.Itoa(maxNewTicketNotices) + `) u), '[]') AS notice_to
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
LEFT JOIN "user" a ON a.id = t.assignee_id
WHERE t.id = $1`

// newTicketFacts is newTicketMailSQL's row.
type newTicketFacts struct {
	lockedTicket
	NotifyReceipt  bool          `db:"notify_receipt"`
	AssigneeName   *string       `db:"assignee_name"`
	AssigneeEmail  *string       `db:"assignee_email"`
	AssigneeNotify bool          `db:"assignee_notify"`
	NoticeTo       []noticeAgent `db:"notice_to"`
}

type noticeAgent struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// NewTicketEmails queues ticket id's emails in tx: three statements at most (the read,
// the receipt's place in the thread, the queue), none when there is nothing to send.
// byMail says the ticket came from a mail of its requester's address.
func NewTicketEmails(ctx context.Context, tx pgx.Tx, out Outbound, id string, byMail bool) error {
	rows, err := tx.Query(ctx, newTicketMailSQL, id, byMail)
	if err != nil {
		return db.Translate(err)
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[newTicketFacts])
	if err != nil {
		return db.Translate(err)
	}
	e := ticketEmail{Ref: ShortRef(f.ID), Subject: f.Subject, Requester: f.RequesterName, Priority: f.Priority, Status: f.Status}
	var receipt []ticketMail
	if f.NotifyReceipt {
		r := e
		r.Link = link(out.Base, "/support/tickets/"+f.ID)
		m, err := emails.Message("ticket_received", f.RequesterEmail, r)
		if err != nil {
			return err
		}
		m.AutoSubmitted = true
		m.ReplyTo = replyAddress(out.Support, f.ReplyToken)
		if out.Sender != "" {
			m.FromName = out.Sender
		}
		receipt = append(receipt, ticketMail{Message: m, Public: true})
		if err := threadEmails(ctx, tx, out.domain(), f.lockedTicket, "", receipt); err != nil {
			return err
		}
	}
	var msgs []mail.Message
	for _, r := range receipt {
		msgs = append(msgs, r.Message)
	}
	e.Link = link(out.Base, "/desk/tickets/"+f.ID)
	if f.AssigneeEmail != nil && f.AssigneeNotify {
		a := e
		a.Assignee, a.Actor = deref(f.AssigneeName), "Round robin"
		m, err := emails.Message("ticket_assigned", *f.AssigneeEmail, a)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	for _, to := range f.NoticeTo {
		n := e
		n.Assignee = to.Name
		m, err := emails.Message("ticket_new", to.Email, n)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	return mail.EnqueueAll(ctx, tx, msgs)
}
