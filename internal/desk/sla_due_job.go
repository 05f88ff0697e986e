package desk

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rapport/internal/db"
)

// RecomputeDueArgs is the periodic job that finishes the deadline recomputations a
// calendar or policy edit left (sla_due_recompute): internal/server/jobs.go schedules it.
type RecomputeDueArgs struct{}

// Kind names the job in River's tables.
func (RecomputeDueArgs) Kind() string { return "sla_due_recompute" }

// RecomputeDueWorker runs RecomputeDue.
type RecomputeDueWorker struct {
	river.WorkerDefaults[RecomputeDueArgs]
	DB  *db.DB
	Log *slog.Logger
}

// recomputeStepsPerRun bounds one run: 40 batches of dueBatch tickets.
const recomputeStepsPerRun = 40

// Work recomputes batches until none is waiting or the run's bound is reached.
func (w *RecomputeDueWorker) Work(ctx context.Context, _ *river.Job[RecomputeDueArgs]) error {
	n, err := RecomputeDue(ctx, w.DB, recomputeStepsPerRun)
	if n > 0 {
		w.Log.InfoContext(ctx, "recomputed SLA deadlines", "batches", n)
	}
	return err
}

// A waiting policy, locked for this transaction; another replica's run skips it.
const claimRecomputeSQL = `
SELECT policy_id::text, coalesce(after_id::text, '') FROM sla_due_recompute
ORDER BY requested_at, policy_id
LIMIT 1
FOR UPDATE SKIP LOCKED`

const moveRecomputeSQL = `UPDATE sla_due_recompute SET after_id = $2 WHERE policy_id = $1`

const doneRecomputeSQL = `DELETE FROM sla_due_recompute WHERE policy_id = $1`

// RecomputeDue does up to steps batches of the waiting recomputations, each in its own
// transaction with its row locked, and returns how many it did. Recomputing is
// idempotent: a batch done twice (a crash before commit) stores the same deadlines.
func RecomputeDue(ctx context.Context, d *db.DB, steps int) (int, error) {
	done := 0
	for done < steps {
		found := false
		err := d.InTx(ctx, func(tx pgx.Tx) error {
			var policy, after string
			err := tx.QueryRow(ctx, claimRecomputeSQL).Scan(&policy, &after)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return db.Translate(err)
			}
			found = true
			last, err := recomputeBatch(ctx, tx, policy, after, dueBatch)
			if err != nil {
				return err
			}
			if last == "" {
				_, err = tx.Exec(ctx, doneRecomputeSQL, policy)
			} else {
				_, err = tx.Exec(ctx, moveRecomputeSQL, policy, last)
			}
			return db.Translate(err)
		})
		if err != nil || !found {
			return done, err
		}
		done++
	}
	return done, nil
}
