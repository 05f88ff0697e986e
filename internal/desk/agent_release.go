package desk

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// releaseTicketsSQL clears the assignee of the user's open and pending tickets (they
// stay with their team) and records each in the assignment history, in one statement
// (idx_ticket_queue_assignee).
const releaseTicketsSQL = `
WITH t AS (
    UPDATE tickets SET assignee_id = NULL, version = version + 1, updated_at = now(), updated_by = $2
    WHERE assignee_id = $1 AND status IN ('open', 'pending')
    RETURNING id, team
), h AS (
    INSERT INTO ticket_assignment_changes (ticket_id, actor_id, from_assignee, from_team, to_team, reason)
    SELECT id, $2, $1, team, team, 'deactivated' FROM t
)
SELECT count(*) FROM t`

// ReleaseTickets gives the open and pending tickets of userID back to their teams
// (unassigned), in the deactivation's transaction tx, by the admin by (auth.Service's
// Deactivated). The live queues hear of it at commit.
func ReleaseTickets(ctx context.Context, tx pgx.Tx, userID string, by *auth.User) error {
	var n int
	if err := tx.QueryRow(ctx, releaseTicketsSQL, userID, by.ID).Scan(&n); err != nil {
		return db.Translate(err)
	}
	if n == 0 {
		return nil
	}
	return notify(ctx, tx, Event{Kind: "updated", Actor: by.ID, ActorName: by.Name, What: "returned an agent's tickets to their teams"})
}
