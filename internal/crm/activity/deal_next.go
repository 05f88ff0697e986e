package activity

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Every change of a deal's planned activities runs in one transaction that first locks
// the deal (lockDealSQL, or lockActivitySQL through the activity), then writes, then
// recomputes the deal's next activity (refreshNextSQL). The lock orders concurrent
// changes of one deal's activities: each recomputation is a statement of its own, which
// in READ COMMITTED sees every change committed before it, so the last to commit
// writes the true next activity. (Recomputed in the writing statement, or without the
// lock, two concurrent changes could each miss the other's.)

// lockDealSQL locks a deal for planning on it, and says whether the actor may: its
// owner or an admin ($2 the actor, $3 admin).
const lockDealSQL = `SELECT d.title, ($3::boolean OR d.owner_id = $2) FROM deals d WHERE d.id = $1 FOR UPDATE`

// lockActivitySQL locks an activity's deal, and says whether the actor may change the
// activity: its assignee, the deal's owner or an admin ($2 the actor, $3 admin).
const lockActivitySQL = `
SELECT p.deal_id, p.subject, p.done_at IS NOT NULL, ($3::boolean OR p.assignee_id = $2 OR d.owner_id = $2)
FROM planned_activities p JOIN deals d ON d.id = p.deal_id
WHERE p.id = $1
FOR UPDATE OF d`

// refreshNextSQL sets the deal's next activity to its earliest open one, or to NULLs
// when none is left (a row subquery with no row sets NULLs). The update leaves the
// deal's version alone: the edit form never writes these columns.
const refreshNextSQL = `
UPDATE deals d SET (next_activity_date, next_activity_at) = (
    SELECT p.due_date, p.due_at FROM planned_activities p
    WHERE p.deal_id = d.id AND p.done_at IS NULL
    ORDER BY p.due_date, p.due_sort, p.id
    LIMIT 1)
WHERE d.id = $1`

// refreshNext recomputes the deal's next activity in tx (which holds the deal's lock).
func refreshNext(ctx context.Context, tx pgx.Tx, dealID string) error {
	_, err := tx.Exec(ctx, refreshNextSQL, dealID)
	return db.Translate(err)
}

// locked is an activity as lockActivity found it.
type locked struct {
	DealID  string
	Subject string
	Done    bool
}

// lockActivity locks the activity's deal in tx and checks that by may change it:
// db.ErrNotFound when there is no such activity, ErrForbidden when it is not by's.
func lockActivity(ctx context.Context, tx pgx.Tx, by actor, id string) (locked, error) {
	var l locked
	var allowed bool
	if err := tx.QueryRow(ctx, lockActivitySQL, id, by.ID, by.Admin).Scan(&l.DealID, &l.Subject, &l.Done, &allowed); err != nil {
		return l, db.Translate(err)
	}
	if !allowed {
		return l, ErrForbidden
	}
	return l, nil
}
