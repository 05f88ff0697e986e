package testenv

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/jobs"
)

var (
	env      *cluster
	template string
	cloneMu  sync.Mutex
	seq      atomic.Int64
)

// Main starts Postgres and PgBouncer, migrates a template database, runs the tests and
// stops everything. A failure to start fails the run: tests are never skipped for want
// of a database.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit: it returns the tests' exit code, for a TestMain that has
// its own clean-up to do after the tests.
func Run(m *testing.M) int {
	// Listing tests (go test -list, as make fuzz does) runs none of them: no cluster.
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := startCluster(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	env = c
	defer c.stop()
	defer stopDovecot()
	template = fmt.Sprintf("rapport_tmpl_%d", os.Getpid())
	if err := createTemplate(template); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: template:", err)
		return 1
	}
	defer dropDatabase(template)
	return m.Run()
}

func createTemplate(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	if err := db.Migrate(ctx, DirectURL(name), "up", true, io.Discard); err != nil {
		return err
	}
	// A test's database is a workspace set up already (as after /setup): tests make the
	// users they need, an admin or not. The first run's own tests clear setup_at.
	if err := execOn(ctx, DirectURL(name), `UPDATE workspace_settings SET setup_at = now()`); err != nil {
		return err
	}
	return jobs.Migrate(ctx, DirectURL(name), io.Discard)
}

func adminExec(ctx context.Context, sql string) error {
	return execOn(ctx, env.admin.String(), sql)
}

// execOn runs sql on its own connection to dsn.
func execOn(ctx context.Context, dsn, sql string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func withDB(u *url.URL, name string) string {
	c := *u
	c.Path = "/" + name
	return c.String()
}

// DirectURL is the unpooled URL of database name (migrations, LISTEN, admin work).
func DirectURL(name string) string { return withDB(env.admin, name) }

// PooledURL is the URL of database name through PgBouncer in transaction mode.
func PooledURL(name string) string { return withDB(env.pooler, name) }

// Database is one test's own database, migrated and empty.
type Database struct {
	Name string
	// DB is Rapport's pool on the pooled URL: what the application uses.
	DB *db.DB
}

// DirectURL is the unpooled URL of this database.
func (d *Database) DirectURL() string { return DirectURL(d.Name) }

// PooledURL is this database through PgBouncer.
func (d *Database) PooledURL() string { return PooledURL(d.Name) }

// NewDB clones the migrated template into a new database for t, opens Rapport's pool
// on it through PgBouncer, and drops it when t ends.
func NewDB(t testing.TB) *Database {
	t.Helper()
	if env == nil {
		t.Fatal("testenv: call testenv.Main(m) from TestMain")
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cloneMu.Lock()
	err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize()))
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("testenv: clone template: %v", err)
	}
	pool, err := db.Open(ctx, PooledURL(name), db.Options{MaxConns: 10, AcquireTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("testenv: open pool: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if !env.owned {
			dropDatabase(name)
		}
	})
	return &Database{Name: name, DB: pool}
}
