package bench

import (
	"context"
	"fmt"
	"time"
)

// PGWork is the work Postgres counted for one database (pg_stat_database): buffers
// found in shared_buffers (Hit) or read from the operating system (Read: its page cache
// or the disk), and rows the statements returned and fetched. Backends report their
// counts at the end of a transaction at most once a second, so over a phase of a minute
// the figures are within a second's work of the truth.
type PGWork struct {
	Hit, Read, Returned, Fetched, Commits int64
}

// sub is w minus an earlier reading.
func (w PGWork) sub(o PGWork) PGWork {
	return PGWork{Hit: w.Hit - o.Hit, Read: w.Read - o.Read, Returned: w.Returned - o.Returned,
		Fetched: w.Fetched - o.Fetched, Commits: w.Commits - o.Commits}
}

const pgWorkSQL = `
SELECT blks_hit, blks_read, tup_returned, tup_fetched, xact_commit
FROM pg_stat_database WHERE datname = current_database()`

// readPGWork reads the counters of the database at url (a direct URL); a failure reads
// as zero, and the report then shows none.
func readPGWork(ctx context.Context, url string) PGWork {
	if url == "" {
		return PGWork{}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := connect(ctx, url)
	if err != nil {
		return PGWork{}
	}
	defer c.Close(ctx)
	var w PGWork
	if err := c.QueryRow(ctx, pgWorkSQL).Scan(&w.Hit, &w.Read, &w.Returned, &w.Fetched, &w.Commits); err != nil {
		return PGWork{}
	}
	return w
}

// pgWorkLine sums up w over n requests for the report, or "" when nothing was counted.
func pgWorkLine(w PGWork, n int, cpu time.Duration) string {
	if n <= 0 || w.Hit+w.Read <= 0 {
		return ""
	}
	per := func(v int64) float64 { return float64(v) / float64(n) }
	return fmt.Sprintf("Postgres's own counters for the database during the measured mixed load (pg_stat_database), per request: "+
		"%.1f buffers found in shared_buffers, %.1f read from the operating system (its page cache or the disk; %.1f%% of all), "+
		"%.0f rows returned and %.0f fetched by the statements, %.2f commits; %.2f ms of Postgres CPU.",
		per(w.Hit), per(w.Read), 100*float64(w.Read)/float64(w.Hit+w.Read), per(w.Returned), per(w.Fetched), per(w.Commits),
		cpu.Seconds()*1000/float64(n))
}
