package mail

import (
	"context"
	"log/slog"
	"time"

	"rapport/internal/db"
)

// Worker delivers the outbox. Any number of workers, in any number of replicas, can run
// against one database: each message is claimed by one of them under a lease, so it is
// sent once unless its worker dies, or loses the database, between sending it and
// recording it.
//
// The exported fields are the tunables; set them after NewWorker and before Run.
type Worker struct {
	// PollInterval is the wait between passes when the last one found less than a full
	// batch (default 1s).
	PollInterval time.Duration
	// BatchSize is how many messages one pass claims (default 10).
	BatchSize int
	// Lease is how long a claimed message stays invisible to other workers (default 1
	// minute). A pass stops sending before its lease ends and hands back the rest.
	Lease time.Duration
	// MaxAttempts is how many times a message is tried before the worker gives up on
	// it; it then stays in the outbox, unsent, with its last error (default 10).
	MaxAttempts int
	// BackoffBase is the wait after the first failed attempt, doubled after each
	// further one (default 10s; zero retries at once).
	BackoffBase time.Duration
	// BackoffMax caps the wait between attempts (default 1 hour).
	BackoffMax time.Duration

	db     *db.DB
	sender Sender
	log    *slog.Logger
}

// NewWorker returns a Worker with the default tunables that delivers the outbox in d
// through s and logs to logger.
func NewWorker(d *db.DB, s Sender, logger *slog.Logger) *Worker {
	return &Worker{
		PollInterval: time.Second,
		BatchSize:    10,
		Lease:        time.Minute,
		MaxAttempts:  10,
		BackoffBase:  10 * time.Second,
		BackoffMax:   time.Hour,
		db:           d,
		sender:       s,
		log:          logger,
	}
}

// Run delivers due messages until ctx is done, then returns nil. Database and server
// failures are logged and retried on the next pass; they never stop the loop.
func (w *Worker) Run(ctx context.Context) error {
	w.log.InfoContext(ctx, "mail worker started", "poll", w.PollInterval, "batch", w.BatchSize)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			w.log.InfoContext(context.WithoutCancel(ctx), "mail worker stopped")
			return nil
		case <-timer.C:
		}
		claimed, _, err := w.deliver(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "mail delivery pass failed", "err", err)
		}
		wait := w.PollInterval
		if wait <= 0 {
			wait = time.Second
		}
		if err == nil && claimed >= w.batchSize() {
			wait = 0 // a full batch: more messages are probably due
		}
		timer.Reset(wait)
	}
}

// backoff is the wait before the next attempt of a message tried attempts times.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.BackoffBase
	for i := 1; i < attempts && d < w.BackoffMax; i++ {
		d *= 2
	}
	return min(d, w.BackoffMax)
}

func (w *Worker) batchSize() int { return max(w.BatchSize, 1) }

func (w *Worker) maxAttempts() int { return max(w.MaxAttempts, 1) }

func (w *Worker) lease() time.Duration {
	if w.Lease <= 0 {
		return time.Minute
	}
	return w.Lease
}
