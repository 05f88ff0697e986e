package desk

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/mail"
)

// lockedTicket is a ticket read FOR UPDATE, to change it.
type lockedTicket struct {
	ID             string   `db:"id"`
	Subject        string   `db:"subject"`
	Status         Status   `db:"status"`
	Priority       Priority `db:"priority"`
	AssigneeID     *string  `db:"assignee_id"`
	Team           *string  `db:"team"`
	Version        int      `db:"version"`
	RequesterID    string   `db:"requester_id"`
	RequesterName  string   `db:"requester_name"`
	RequesterEmail string   `db:"requester_email"`
	// CcAddrs are the copies of the email that opened the ticket; ReplyToken is the
	// ticket's reply-address token (nil until first set: applyChange sets it).
	CcAddrs    []string `db:"cc_addrs"`
	ReplyToken *string  `db:"reply_token"`
	// MailThread is the ticket's mail thread so far, oldest first (threadEmails).
	MailThread []threadID `db:"mail_thread"`
	// Claimed is false when the form's key was used before (form.Claim).
	Claimed bool `db:"claimed"`
}

// A requester id scopes the lock to that requester's tickets (the portal); NULL is
// every ticket (the desk). The form's key is claimed in the same statement: a second
// submit of it waits here for the first's commit, then finds it claimed.
const lockTicketSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $3, $4, $5 WHERE $4 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
SELECT t.id, t.subject, t.status, t.priority, t.assignee_id, t.team, t.version,
       t.requester_id, r.name AS requester_name, r.email AS requester_email,
       t.cc_addrs, t.reply_token,
       coalesce((SELECT json_agg(json_build_object('message_id', i.message_id, 'public', i.public) ORDER BY i.seq)
                 FROM ticket_mail_ids i WHERE i.ticket_id = t.id), '[]') AS mail_thread,
       ($4 = '' OR EXISTS (SELECT FROM claim)) AS claimed
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
WHERE t.id = $1 AND ($2::text IS NULL OR t.requester_id = $2)
FOR UPDATE OF t`

// lockTicket reads ticket id for a change, scoped to requesterID unless it is nil, and
// claims the form's key; ErrNotFound when it does not exist or is not theirs, a
// *form.Repeat when the key was used before (the caller rolls back: nothing changes).
func lockTicket(ctx context.Context, tx pgx.Tx, id string, requesterID *string, claim form.Claim) (lockedTicket, error) {
	rows, err := tx.Query(ctx, lockTicketSQL, id, requesterID, claim.UserID, string(claim.Key), claim.To)
	if err != nil {
		return lockedTicket{}, db.Translate(err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[lockedTicket])
	if err == nil && !t.Claimed {
		return t, claim.Repeated(ctx, tx)
	}
	return t, db.Translate(err)
}

// change is what one submit does to a ticket.
type change struct {
	Actor    *auth.User
	Body     string // "" adds no message
	Internal bool
	Status   Status
	Priority Priority
	// AssigneeID and Team are the values after the change (nil: none).
	AssigneeID *string
	Team       *string
	// Assignee is the new assignee when the change assigns someone new.
	Assignee *agent
	// Reason is why the assignee or team changes, for the assignment history
	// ("" is an agent's choice on the ticket page: reasonManual).
	Reason assignReason
	// Uploads are the files attached to the message (Body must be set); Files are
	// them once saved, for the emails.
	Uploads []*attach.Upload
	Files   []fileRef
	// MacroID is the macro the message was written with ("" for none).
	MacroID string
	// RateGood and RateBad are the satisfaction links of a solve's email (csat.go).
	RateGood, RateBad string
}

// fileRef is a saved attachment, as the emails name it.
type fileRef struct {
	ID   string
	Name string
}

// What the actor did, in words, for the live queue and the collision warning.
func (ch change) what(cur lockedTicket) string {
	switch {
	case ch.Body != "" && ch.Internal:
		return "added an internal note"
	case ch.Body != "":
		return "replied"
	case ch.Status != cur.Status:
		return "set it " + string(ch.Status)
	}
	return "updated it"
}

// A macro the author may use ($5, NULL for none) is recorded with its name as it is now.
const insertMessageSQL = `
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, macro_id, macro_name)
SELECT $1, $2, $3, $4, m.id, m.name
FROM (SELECT) one
LEFT JOIN macros m ON m.id = $5::uuid AND (m.owner_id IS NULL OR m.owner_id = $2)
RETURNING id`

// Every status change ends the current pause of the resolution clock (adding it to
// paused_secs) and starts one when the new status pauses it; closing leaves the solved
// ticket's bookkeeping as it was. Setting paused_secs makes tickets_sla recompute the
// deadlines; changing the priority makes it choose the policy again.
const updateTicketSQL = `
UPDATE tickets SET
    status = $2, priority = $3, assignee_id = $4, team = $5,
    solved_at = CASE WHEN $2 IN ('solved', 'closed') THEN coalesce(solved_at, now()) END,
    paused_secs = paused_secs + CASE
        WHEN paused_since IS NOT NULL AND $2 <> status AND $2 <> 'closed'
        THEN greatest(0, round(extract(epoch FROM now() - paused_since)))::int ELSE 0 END,
    paused_since = CASE
        WHEN $2 = status OR $2 = 'closed' THEN paused_since
        WHEN $2 IN ('pending', 'solved') THEN now() END,
    version = version + 1, updated_at = now(), updated_by = $6,
    reply_token = coalesce(reply_token, replace(gen_random_uuid()::text, '-', ''))
WHERE id = $1
RETURNING reply_token,
    EXISTS (SELECT FROM sla_policies p WHERE p.id = tickets.sla_policy_id AND p.calendar_id IS NOT NULL) AS business`

const insertStatusChangeSQL = `
INSERT INTO ticket_status_changes (ticket_id, actor_id, from_status, to_status) VALUES ($1, $2, $3, $4)`

// applyChange writes ch to the ticket cur, locked in tx: the message and its files, the
// ticket with its clock bookkeeping and a new version, the status history, the emails
// (requester and new assignee, never an internal note; addressed and threaded by out)
// and the live queues' event. It returns the new message's id ("" for none).
func applyChange(ctx context.Context, tx pgx.Tx, out Outbound, cur lockedTicket, ch change) (messageID string, err error) {
	if ch.Body != "" {
		if err := tx.QueryRow(ctx, insertMessageSQL, cur.ID, ch.Actor.ID, ch.Body, ch.Internal, nullable(ch.MacroID)).Scan(&messageID); err != nil {
			return "", db.Translate(err)
		}
		for _, u := range ch.Uploads {
			f, err := u.Save(ctx, tx, cur.ID, messageID)
			if err != nil {
				return "", err
			}
			ch.Files = append(ch.Files, fileRef{ID: f.ID, Name: f.Name})
		}
	}
	var business bool
	if err := tx.QueryRow(ctx, updateTicketSQL, cur.ID, ch.Status, ch.Priority, ch.AssigneeID, ch.Team, ch.Actor.ID).Scan(&cur.ReplyToken, &business); err != nil {
		return "", db.Translate(err)
	}
	if err := recordAssignment(ctx, tx, cur, ch); err != nil {
		return "", err
	}
	if ch.Status != cur.Status {
		if _, err := tx.Exec(ctx, insertStatusChangeSQL, cur.ID, ch.Actor.ID, cur.Status, ch.Status); err != nil {
			return "", db.Translate(err)
		}
	}
	// A new status or priority moves the deadlines: in business time when the policy
	// has a calendar (tickets_sla computed the clock-time ones).
	if business && (ch.Status != cur.Status || ch.Priority != cur.Priority) {
		if err := refreshDue(ctx, tx, []string{cur.ID}); err != nil {
			return "", err
		}
	}
	if ch.Status == StatusSolved && cur.Status != StatusSolved && ch.Actor.ID != cur.RequesterID {
		if ch.RateGood, ch.RateBad, err = askRating(ctx, tx, out, cur.ID, ch.AssigneeID, ch.Team); err != nil {
			return "", err
		}
	}
	msgs, err := ticketEmails(out, cur, ch)
	if err != nil {
		return "", err
	}
	if err := threadEmails(ctx, tx, out.domain(), cur, messageID, msgs); err != nil {
		return "", err
	}
	for _, m := range msgs {
		if err := mail.Enqueue(ctx, tx, m.Message); err != nil {
			return "", err
		}
	}
	return messageID, notify(ctx, tx, Event{Kind: "updated", Ticket: cur.ID, Status: string(ch.Status), Priority: string(ch.Priority),
		Actor: ch.Actor.ID, ActorName: ch.Actor.Name, What: ch.what(cur)})
}
