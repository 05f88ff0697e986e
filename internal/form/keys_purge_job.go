package form

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"rapport/internal/db"
)

// PurgeKeysArgs is the periodic job that deletes create forms' one-time keys older than
// KeyTTL (internal/server/jobs.go schedules it).
type PurgeKeysArgs struct{}

// Kind names the job in River's tables.
func (PurgeKeysArgs) Kind() string { return "form_keys_purge" }

// PurgeKeysWorker runs PurgeKeys.
type PurgeKeysWorker struct {
	river.WorkerDefaults[PurgeKeysArgs]
	DB  *db.DB
	Log *slog.Logger
}

// Work deletes the expired keys; an error is retried by River.
func (w *PurgeKeysWorker) Work(ctx context.Context, _ *river.Job[PurgeKeysArgs]) error {
	n, err := PurgeKeys(ctx, w.DB)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.InfoContext(ctx, "purged form keys", "deleted", n)
	}
	return nil
}
