package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/db"
)

// PurgeSessionsArgs is the periodic job that deletes sessions whose absolute lifetime
// is over (internal/server/jobs.go schedules it). An ended or idle session is refused
// by the lookup at once; this only keeps the table small.
type PurgeSessionsArgs struct{}

// Kind names the job in River's tables.
func (PurgeSessionsArgs) Kind() string { return "sessions_purge" }

// PurgeSessionsWorker runs PurgeSessions.
type PurgeSessionsWorker struct {
	river.WorkerDefaults[PurgeSessionsArgs]
	DB  *db.DB
	Log *slog.Logger
}

// Work deletes the expired sessions; an error is retried by River.
func (w *PurgeSessionsWorker) Work(ctx context.Context, _ *river.Job[PurgeSessionsArgs]) error {
	n, err := PurgeSessions(ctx, w.DB, time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.InfoContext(ctx, "purged sessions", "deleted", n)
	}
	return nil
}
