package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the database side of a run: where Postgres and the pooler are, and their
// process ids when they are ours (0 otherwise; their CPU is then not reported).
type Env struct {
	DirectURL   func(db string) string // superuser URL of database db, straight to Postgres
	PooledURL   func(db string) string // the same through PgBouncer in transaction mode
	PostgresPID func() int
	PoolerPID   func() int
}

// connect opens one simple-protocol connection (no prepared statements).
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pgx.ConnectConfig(ctx, cfg)
}

// seedMarker is the comment a fully seeded bench database carries; a database without
// it (a run cut short) is seeded again.
func seedMarker(scale int) string {
	return fmt.Sprintf("rapport bench: demo and seed --scale %d, vacuumed", scale)
}

// PrepareDatabase makes sure database name holds the demo data and seed --scale N,
// vacuumed and analyzed. A database already marked as seeded at that scale is reused
// unless reseed; otherwise it is dropped and made again with bin (migrate up, seed,
// seed --scale). It reports what it did.
func PrepareDatabase(ctx context.Context, bin string, env Env, name string, scale int, reseed bool, logf func(string, ...any)) (string, error) {
	admin, err := connect(ctx, env.DirectURL("postgres"))
	if err != nil {
		return "", fmt.Errorf("connect to postgres: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{name}.Sanitize()
	dbEnv := map[string]string{"DATABASE_URL": env.PooledURL(name), "DATABASE_URL_UNPOOLED": env.DirectURL(name)}

	var comment *string
	err = admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	if err == nil && comment != nil && *comment == seedMarker(scale) && !reseed {
		// A newer checkout may have added migrations since.
		if _, err := RunCommand(ctx, bin, dbEnv, 5*time.Minute, "migrate", "up"); err != nil {
			return "", err
		}
		return fmt.Sprintf("reused database %s, seeded earlier (-reseed seeds it again)", name), nil
	}

	start := time.Now()
	for _, sql := range []string{"DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)", "CREATE DATABASE " + ident} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return "", fmt.Errorf("%s: %w", sql, err)
		}
	}
	steps := []struct {
		what string
		args []string
	}{
		{"migrate", []string{"migrate", "up"}},
		{"demo seed", []string{"seed"}},
		{fmt.Sprintf("seed --scale %d", scale), []string{"seed", "--scale", fmt.Sprint(scale)}},
	}
	for _, s := range steps {
		t := time.Now()
		if _, err := RunCommand(ctx, bin, dbEnv, 30*time.Minute, s.args...); err != nil {
			return "", err
		}
		logf("%s: %s", s.what, time.Since(t).Round(time.Millisecond))
	}
	seeded := time.Since(start)

	// The scale seed leaves a dead version of every ticket (a trigger updates each row
	// once its messages are in) and an empty visibility map: autovacuum would clear both
	// within minutes of a real load, so measuring before it would measure the seeding.
	t := time.Now()
	conn, err := connect(ctx, env.DirectURL(name))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return "", fmt.Errorf("vacuum: %w", err)
	}
	vacuumed := time.Since(t)
	logf("vacuum (analyze): %s", vacuumed.Round(time.Millisecond))
	if _, err := admin.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS '"+seedMarker(scale)+"'"); err != nil {
		return "", err
	}
	return fmt.Sprintf("seeded database %s in %s (migrate, demo, scale %d), then VACUUM (ANALYZE) in %s",
		name, seeded.Round(100*time.Millisecond), scale, vacuumed.Round(100*time.Millisecond)), nil
}
