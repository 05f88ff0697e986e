package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// NewEmptyDB is NewDB without Rapport's schema: a database made from template0 with no
// tables, for tests of what migrate up and migrate adopt do to databases Rapport did
// not make. It is dropped when t ends.
func NewEmptyDB(t testing.TB) *Database {
	t.Helper()
	if env == nil {
		t.Fatal("testenv: call testenv.Main(m) from TestMain")
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE template0", pgx.Identifier{name}.Sanitize())); err != nil {
		t.Fatalf("testenv: create database: %v", err)
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

// Psql runs a SQL file through psql on the database's direct URL, stopping at the first
// error, with psql variables vars ("scale=0.01"): for files written for psql (\set,
// \gset, \if), as the seed stack's own data generator is.
func Psql(t testing.TB, d *Database, file string, vars ...string) string {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		dir, derr := postgresBinDir()
		if derr != nil {
			t.Fatalf("testenv: psql not found: %v", err)
		}
		bin = filepath.Join(dir, "psql")
	}
	args := []string{"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", d.DirectURL(), "-f", file}
	for _, v := range vars {
		args = append(args, "-v", v)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: psql -f %s: %v\n%s", file, err, out)
	}
	return string(out)
}
