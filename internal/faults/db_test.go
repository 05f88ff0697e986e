package faults

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// direct opens a connection to d that bypasses PgBouncer, so checks still work while
// the scenario has the pooler down, and closes it when the test ends.
func direct(t testing.TB, d *testenv.Database) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(d.DirectURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// writesFound checks sign-ups in the database: for each email, how many users it has,
// and whether each has its credential account and its confirmation email queued.
type writesFound struct {
	users    map[string]int // email -> rows in "user"
	account  map[string]bool
	mail     map[string]bool // the confirmation email is in the outbox
	total    int             // every user in the database
	orphans  int             // users without their credential account: a half-written sign-up
	accounts int
}

func findWrites(t testing.TB, d *testenv.Database, emails []string) writesFound {
	t.Helper()
	conn := direct(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := writesFound{users: map[string]int{}, account: map[string]bool{}, mail: map[string]bool{}}
	rows, err := conn.Query(ctx, `
		SELECT u.email, count(*),
		       bool_and(EXISTS (SELECT 1 FROM account a WHERE a.user_id = u.id AND a.provider_id = 'credential')),
		       bool_and(EXISTS (SELECT 1 FROM mail_outbox m WHERE m.to_addr = u.email))
		FROM "user" u WHERE u.email = ANY($1) GROUP BY u.email`, emails)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var email string
		var n int
		var acct, queued bool
		if err := rows.Scan(&email, &n, &acct, &queued); err != nil {
			t.Fatal(err)
		}
		f.users[email], f.account[email], f.mail[email] = n, acct, queued
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	err = conn.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM "user"),
		       (SELECT count(*) FROM "user" u WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.user_id = u.id)),
		       (SELECT count(*) FROM account)`).Scan(&f.total, &f.orphans, &f.accounts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// checkAcknowledged fails the test for every acknowledged sign-up that is not in the
// database exactly once, with its credential account and its confirmation email (in
// the same transaction).
// It returns how many of the acknowledged were found.
func (f writesFound) checkAcknowledged(t testing.TB, ack []string) int {
	t.Helper()
	found, reported := 0, 0
	for _, e := range ack {
		n := f.users[e]
		if n == 1 {
			found++
		}
		if (n != 1 || !f.account[e] || !f.mail[e]) && reported < 10 {
			reported++
			t.Errorf("acknowledged sign-up %s: %d user rows (want 1), account %v, confirmation queued %v", e, n, f.account[e], f.mail[e])
		}
	}
	if f.orphans != 0 {
		t.Errorf("%d users without their credential account: a sign-up was half written", f.orphans)
	}
	return found
}

// present counts how many of emails have a user row.
func (f writesFound) present(emails []string) int {
	n := 0
	for _, e := range emails {
		if f.users[e] > 0 {
			n++
		}
	}
	return n
}
