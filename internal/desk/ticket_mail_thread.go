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
	MessageID string `json:"message_id"`
	Public    bool   `json:"public"`
}

// The new ids in one statement: the thread's root first when the ticket has none yet
// (the portal's form opened it, not a mail: an id of our own for its first message,
// so every notification threads under it), then each email's, against the message the
// change added (NULL for none).
const recordThreadSQL = `
INSERT INTO ticket_mail_ids (message_id, ticket_id, ticket_message_id, inbound, public)
SELECT x.id, $1,
       CASE WHEN x.root THEN (SELECT id FROM ticket_messages WHERE ticket_id = $1 ORDER BY created_at, id LIMIT 1)
            ELSE nullif($3, '')::uuid END,
       x.root, x.pub
FROM unnest($2::text[], $4::bool[], $5::bool[]) WITH ORDINALITY AS x(id, pub, root, n)
ORDER BY x.n
ON CONFLICT (message_id) DO NOTHING`

// threadEmails makes msgs replies in cur's mail thread (read with the ticket's lock),
// in tx: each gets a new Message-ID, In-Reply-To the thread's latest mail its recipient
// can have seen and References the chain before it; the ids are recorded for the
// ticket (and for messageID, the message the change added, "" for none), so an answer
// to any of them finds the ticket. One statement whatever the number of emails.
func threadEmails(ctx context.Context, tx pgx.Tx, domain string, cur lockedTicket, messageID string, msgs []ticketMail) error {
	if len(msgs) == 0 {
		return nil
	}
	thread := cur.MailThread
	var ids []string
	var public, root []bool
	if len(thread) == 0 {
		id := "ticket." + cur.ID + "@" + domain
		thread = []threadID{{MessageID: id, Public: true}}
		ids, public, root = append(ids, id), append(public, true), append(root, true)
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
		ids, public, root = append(ids, msgs[i].MessageID), append(public, msgs[i].Public), append(root, false)
	}
	if _, err := tx.Exec(ctx, recordThreadSQL, cur.ID, ids, messageID, public, root); err != nil {
		return fmt.Errorf("record message ids: %w", db.Translate(err))
	}
	return nil
}
