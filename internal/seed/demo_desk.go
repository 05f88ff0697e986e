package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const demoInsertTickets = `
INSERT INTO tickets (requester_id, subject, status, priority, created_at)
SELECT r.id, v.subject, v.status, v.priority, now() - v.hours_ago * interval '1 hour'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS v(requester, subject, status, priority, hours_ago)
JOIN "user" r ON r.email = v.requester
WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = r.id AND t.subject = v.subject)`

// A customer may have opened a ticket with the same subject through the app; the
// oldest one is the demo's.
const demoInsertMessages = `
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at)
SELECT t.id, COALESCE(a.id, t.requester_id), v.body, v.internal, t.created_at + v.mins * interval '1 minute'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::int[])
     AS v(requester, subject, author, body, internal, mins)
JOIN "user" r ON r.email = v.requester
CROSS JOIN LATERAL (
    SELECT tk.id, tk.requester_id, tk.created_at FROM tickets tk
    WHERE tk.requester_id = r.id AND tk.subject = v.subject
    ORDER BY tk.created_at, tk.id LIMIT 1
) t
LEFT JOIN "user" a ON a.email = NULLIF(v.author, '')
WHERE NOT EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.body = v.body)`

// demoDesk loads the SLA policies and the customers' tickets with their threads.
func demoDesk(ctx context.Context, tx pgx.Tx, added *tally) error {
	n, err := EnsureSLAPolicies(ctx, tx)
	if err != nil {
		return err
	}
	added.add("SLA policies", n)

	var reqs, subjects, statuses, prios []string
	var hours []int32
	var m struct{ reqs, subjects, authors, bodies []string }
	var internal []bool
	var mins []int32
	for _, t := range demoTickets {
		reqs, subjects = append(reqs, t.requester), append(subjects, t.subject)
		statuses, prios = append(statuses, t.status), append(prios, t.priority)
		hours = append(hours, int32(t.openedAgo))
		for _, msg := range t.thread {
			m.reqs, m.subjects = append(m.reqs, t.requester), append(m.subjects, t.subject)
			m.authors, m.bodies = append(m.authors, msg.author), append(m.bodies, msg.body)
			internal, mins = append(internal, msg.internal), append(mins, int32(msg.at))
		}
	}
	tag, err := tx.Exec(ctx, demoInsertTickets, reqs, subjects, statuses, prios, hours)
	if err != nil {
		return fmt.Errorf("tickets: %w", err)
	}
	added.add("tickets", tag.RowsAffected())
	if tag, err = tx.Exec(ctx, demoInsertMessages, m.reqs, m.subjects, m.authors, m.bodies, internal, mins); err != nil {
		return fmt.Errorf("ticket messages: %w", err)
	}
	added.add("ticket messages", tag.RowsAffected())
	return nil
}
