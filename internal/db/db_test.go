package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The pooler really is in the path: pgx's default mode (server-side prepared statements,
// cached per connection) breaks through PgBouncer in transaction mode, and ours does not.
func TestPoolerRejectsPreparedStatementsButNotOurs(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()

	conn, err := pgx.Connect(ctx, d.PooledURL()) // pgx defaults: QueryExecModeCacheStatement
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var failed error
	for i := 0; i < 5 && failed == nil; i++ {
		var n int
		failed = conn.QueryRow(ctx, "SELECT $1::int + 1", i).Scan(&n)
	}
	if failed == nil || !strings.Contains(failed.Error(), "prepared statement") {
		t.Fatalf("default pgx through the pooler: want a prepared-statement error, got %v", failed)
	}

	for i := 0; i < 50; i++ {
		var n int
		if err := d.DB.QueryRow(ctx, "SELECT $1::int + 1", i).Scan(&n); err != nil {
			t.Fatalf("our pool, query %d: %v", i, err)
		}
		if n != i+1 {
			t.Fatalf("got %d, want %d", n, i+1)
		}
	}
}

// Session state does not survive a transaction behind the pooler, which is why the
// app uses SET LOCAL inside a transaction and never SET.
func TestSessionStateDoesNotSurviveThePooler(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '1234ms'"); err != nil {
			return err
		}
		var v string
		if err := tx.QueryRow(ctx, "SHOW statement_timeout").Scan(&v); err != nil {
			return err
		}
		if v != "1234ms" {
			t.Errorf("SET LOCAL inside the transaction: got %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// work_mem is not one of the parameters PgBouncer tracks and replays per client.
	if _, err := d.DB.Exec(ctx, "SET work_mem = '7777kB'"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := d.DB.QueryRow(ctx, "SHOW work_mem").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v == "7777kB" {
		t.Fatal("a session SET survived into the next transaction: the pooler is not in transaction mode")
	}
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	var x int
	err := d.DB.QueryRow(ctx, "SELECT 1 WHERE false").Scan(&x)
	if !errors.Is(db.Translate(err), db.ErrNotFound) {
		t.Fatalf("no rows: got %v", err)
	}
	_, err = d.DB.Exec(ctx, `INSERT INTO "user" (id, name, email) VALUES ('u1', 'A', 'a@example.com'), ('u2', 'B', 'a@example.com')`)
	if !db.Unique(err, "user_email_unique") {
		t.Fatalf("duplicate email: got %v", err)
	}
	_, err = d.DB.Exec(ctx, `INSERT INTO "user" (id, name, email) VALUES ('u3', 'C', 'Upper@Example.com')`)
	if !db.Check(err, "user_email_lowercase_check") {
		t.Fatalf("upper-case email: got %v", err)
	}
	_, err = d.DB.Exec(ctx, `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ('nobody', sha256('x'))`)
	if !db.ForeignKey(err, "calendar_feeds_user_id_fkey") || db.ForeignKey(err, "other") || db.Unique(err, "") {
		t.Fatalf("a missing user: got %v", err)
	}
}

// A saturated pool makes a request wait a bounded time and then fail with ErrBusy.
func TestAcquireIsBounded(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	small, err := db.Open(ctx, d.PooledURL(), db.Options{MaxConns: 1, AcquireTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	hold := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	var once sync.Once
	go func() {
		defer wg.Done()
		// A transaction that could not begin (a slow machine) must not leave the test
		// waiting for it forever: it says so and lets the test go on.
		err := small.InTx(ctx, func(tx pgx.Tx) error {
			once.Do(func() { close(started) })
			<-hold
			return nil
		})
		once.Do(func() { close(started) })
		if err != nil {
			t.Errorf("the holding transaction: %v", err)
		}
	}()
	<-started
	_, err = small.Exec(ctx, "SELECT 1")
	close(hold)
	wg.Wait()
	if !errors.Is(err, db.ErrBusy) {
		t.Fatalf("saturated pool: want ErrBusy, got %v", err)
	}
	if _, err := small.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO pipelines (name) VALUES ('half-written')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	var n int
	if err := d.DB.QueryRow(ctx, "SELECT count(*) FROM pipelines").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("rolled-back insert is visible: %d rows", n)
	}
}
