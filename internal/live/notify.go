package live

import (
	"context"

	"rapport/internal/db"
)

const notifySQL = `SELECT pg_notify($1, $2)`

// Notify announces payload on channel once q's transaction commits (nothing if it rolls
// back). Payloads are read by every stream of the channel: never put in one what not
// every subscriber may see.
func Notify(ctx context.Context, q db.Querier, channel, payload string) error {
	_, err := q.Exec(ctx, notifySQL, channel, payload)
	return db.Translate(err)
}
