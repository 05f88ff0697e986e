package mailbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rapport/internal/db"
)

// PollDueArgs is the periodic job (internal/server/jobs.go) that queues a poll of every
// enabled mailbox whose interval has passed since its last poll.
type PollDueArgs struct{}

// Kind names the job in River's tables.
func (PollDueArgs) Kind() string { return "mailbox_poll_due" }

// PollArgs polls one mailbox. Unique by its arguments while one is queued or running
// (River's unique jobs), so a mailbox never has two polls in flight from the queue; the
// row lock in Poll covers anything else.
type PollArgs struct {
	MailboxID string `json:"mailbox_id" river:"unique"`
}

// Kind names the job in River's tables.
func (PollArgs) Kind() string { return "mailbox_poll" }

// InsertOpts makes the job unique per mailbox among the queued, scheduled, retrying and
// running ones.
func (PollArgs) InsertOpts() river.InsertOpts {
	// Not River's default states, which include completed: a finished poll must not
	// block the next one.
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// dueSQL lists the mailboxes to poll now.
const dueSQL = `
SELECT id::text FROM mailboxes
WHERE enabled AND (last_poll_at IS NULL OR last_poll_at <= now() - poll_secs * interval '1 second' + interval '1 second')
ORDER BY last_poll_at NULLS FIRST
LIMIT 1000`

// PollDueWorker queues the due polls. It first brings the mailbox INBOUND_IMAP_URL
// declares into the table (once per process).
type PollDueWorker struct {
	river.WorkerDefaults[PollDueArgs]
	DB  *db.DB
	Log *slog.Logger
	// Env, when set, is the environment's mailbox (SyncEnv).
	Env    func(ctx context.Context) error
	synced atomic.Bool
}

// Work queues one PollArgs per due mailbox, in one transaction.
func (w *PollDueWorker) Work(ctx context.Context, job *river.Job[PollDueArgs]) error {
	if w.Env != nil && !w.synced.Load() {
		if err := w.Env(ctx); err != nil {
			w.Log.WarnContext(ctx, "the INBOUND_IMAP_URL mailbox could not be stored", "err", err)
		} else {
			w.synced.Store(true)
		}
	}
	rows, err := w.DB.Query(ctx, dueSQL)
	if err != nil {
		return db.Translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		return db.Translate(err)
	}
	client := river.ClientFromContext[pgx.Tx](ctx)
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: PollArgs{MailboxID: id}}
	}
	if _, err := client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("queue mailbox polls: %w", err)
	}
	return nil
}

// PollWorker runs one poll.
type PollWorker struct {
	river.WorkerDefaults[PollArgs]
	Poller *Poller
}

// Timeout bounds one poll (a poll stops at MaxPerPoll messages; the next one goes on).
func (w *PollWorker) Timeout(*river.Job[PollArgs]) time.Duration { return 4 * time.Minute }

// Work polls the mailbox. A failure of the mailbox (it cannot be reached, the password
// is refused) is stored on it for the admin and is not retried here: the next period
// tries again. A failure of our side (the database) is, by River.
func (w *PollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	_, err := w.Poller.Poll(ctx, job.Args.MailboxID)
	return err
}
