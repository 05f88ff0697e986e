package testenv

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Helpers for the query-plan tests (internal/crm and internal/desk): EXPLAIN a
// statement, tell whether a plan reads an index, and copy a seeded database.

// Explain returns EXPLAIN (ANALYZE, BUFFERS) of sql with args, as text.
func Explain(tb testing.TB, q db.Querier, sql string, args []any) string {
	tb.Helper()
	rows, err := q.Query(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		tb.Fatalf("explain: %v\n%s", err, sql)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatalf("explain: %v\n%s", err, sql)
	}
	return strings.Join(lines, "\n")
}

// UsesIndex reports whether a plan reads index: an index scan, index-only scan or
// bitmap index scan on it.
func UsesIndex(plan, index string) bool {
	return regexp.MustCompile(`Index (Only )?Scan( Backward)? (using|on) ` + regexp.QuoteMeta(index) + `\b`).MatchString(plan)
}

// CloneDB copies d (rows, statistics and visibility maps) into a database of its
// own, opened through PgBouncer like d and dropped when t ends. A database is copied
// only while no session uses it: d's sessions, PgBouncer's idle server connections,
// are ended first (PgBouncer opens new ones when d is next used).
func CloneDB(t testing.TB, d *Database) *Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, DirectURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := d.Name + "_clone"
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, d.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{d.Name}.Sanitize())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, DirectURL("postgres")); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	pool, err := db.Open(ctx, PooledURL(name), db.Options{MaxConns: 4, AcquireTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &Database{Name: name, DB: pool}
}
