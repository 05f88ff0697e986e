package desk

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/mail"
)

// maxReferences bounds a References header: the thread's root and the latest ids,
// as RFC 5322 suggests trimming long chains (the root keeps clients threading).
const maxReferences = 12

type threadID struct {
	MessageID string `db:"message_id"`
	Public    bool   `db:"public"`
}

const threadIDsSQL = `
SELECT message_id, public FROM ticket_mail_ids WHERE ticket_id = $1 ORDER BY seq`

// The ticket's opening message, under an id of our own, when no mail opened the ticket
// (the portal's form): the thread's root, so every notification threads under it.
const threadRootSQL = `
INSERT INTO ticket_mail_ids (message_id, ticket_id, ticket_message_id, inbound, public)
SELECT $2, $1, (SELECT id FROM ticket_messages WHERE ticket_id = $1 ORDER BY created_at, id LIMIT 1), true, true
ON CONFLICT DO NOTHING`

const recordOutSQL = `
INSERT INTO ticket_mail_ids (message_id, ticket_id, ticket_message_id, inbound, public)
SELECT unnest($2::text[]), $1, $3, false, unnest($4::bool[])`

// threadEmails makes msgs replies in ticket's mail thread, in tx: each gets a new
// Message-ID, In-Reply-To the thread's latest mail its recipient can have seen and
// References the chain before it; the ids are recorded for the ticket (and for
// messageID, the message the change added, "" for none), so an answer to any of them
// finds the ticket. Two statements whatever the number of emails.
func threadEmails(ctx context.Context, tx pgx.Tx, domain, ticketID, messageID string, msgs []ticketMail) error {
	if len(msgs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, threadIDsSQL, ticketID)
	if err != nil {
		return db.Translate(err)
	}
	thread, err := pgx.CollectRows(rows, pgx.RowToStructByName[threadID])
	if err != nil {
		return db.Translate(err)
	}
	var ids []string
	var public []bool
	if len(thread) == 0 {
		root := "ticket." + ticketID + "@" + domain
		if _, err := tx.Exec(ctx, threadRootSQL, ticketID, root); err != nil {
			return db.Translate(err)
		}
		thread = append(thread, threadID{MessageID: root, Public: true})
	}
	for i := range msgs {
		var chain []string
		for _, t := range thread {
			if t.Public || !msgs[i].Public {
				chain = append(chain, t.MessageID)
			}
		}
		if len(chain) > maxReferences {
			chain = append(chain[:1], chain[len(chain)-maxReferences+1:]...)
		}
		msgs[i].MessageID = mail.NewMessageID(domain)
		msgs[i].References = chain
		if len(chain) > 0 {
			msgs[i].InReplyTo = chain[len(chain)-1]
		}
		ids, public = append(ids, msgs[i].MessageID), append(public, msgs[i].Public)
	}
	var msgID *string
	if messageID != "" {
		msgID = &messageID
	}
	if _, err := tx.Exec(ctx, recordOutSQL, ticketID, ids, msgID, public); err != nil {
		return fmt.Errorf("record message ids: %w", db.Translate(err))
	}
	return nil
}
