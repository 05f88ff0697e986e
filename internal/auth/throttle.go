package auth

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Failed sign-ins are counted per account and per client address in Postgres, so the
// limits hold across replicas. Past the limit within the window, the key is locked for
// lockFor; a success clears the account's counter.
const (
	throttleWindow     = 15 * time.Minute
	throttleLockFor    = 15 * time.Minute
	maxAccountFailures = 5
	maxAddressFailures = 30
)

func accountKey(email string) string { return "account:" + email }
func addressKey(ip string) string    { return "address:" + ip }

// lockedUntil returns the latest lock among keys, or the zero time when none is locked.
func lockedUntil(ctx context.Context, q db.Querier, keys ...string) (time.Time, error) {
	var until *time.Time
	err := q.QueryRow(ctx, `SELECT max(locked_until) FROM auth_throttle WHERE key = ANY($1) AND locked_until > now()`, keys).Scan(&until)
	if err != nil || until == nil {
		return time.Time{}, db.Translate(err)
	}
	return *until, nil
}

const recordFailureSQL = `
INSERT INTO auth_throttle AS t (key, failures, window_start, locked_until)
VALUES ($1, 1, now(), CASE WHEN $2::int <= 1 THEN now() + $3::interval END)
ON CONFLICT (key) DO UPDATE SET
    failures     = CASE WHEN t.window_start < now() - $3::interval THEN 1 ELSE t.failures + 1 END,
    window_start = CASE WHEN t.window_start < now() - $3::interval THEN now() ELSE t.window_start END,
    locked_until = CASE
        WHEN (CASE WHEN t.window_start < now() - $3::interval THEN 1 ELSE t.failures + 1 END) >= $2::int
        THEN now() + $4::interval
        ELSE t.locked_until END`

// recordFailure counts one failed sign-in against the account and the address.
func recordFailure(ctx context.Context, d *db.DB, email, ip string) error {
	return d.InTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(recordFailureSQL, accountKey(email), maxAccountFailures, throttleWindow.String(), throttleLockFor.String())
		b.Queue(recordFailureSQL, addressKey(ip), maxAddressFailures, throttleWindow.String(), throttleLockFor.String())
		return tx.SendBatch(ctx, b).Close()
	})
}

// clearFailures forgets the account's failures after a successful sign-in.
func clearFailures(ctx context.Context, q db.Querier, email string) error {
	_, err := q.Exec(ctx, `DELETE FROM auth_throttle WHERE key = $1`, accountKey(email))
	return db.Translate(err)
}
