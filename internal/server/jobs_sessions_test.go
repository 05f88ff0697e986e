package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/jobs"
	"rapport/internal/server"
)

// The session purge is one of the binary's jobs (server.Jobs): started as `rapport
// serve` starts them, it runs at once and deletes a session whose lifetime is over, not
// a live one. (It replaced scs's clean-up goroutine; seen failing with its schedule
// left out of Jobs: the expired row stayed.)
func TestServerJobsPurgeExpiredSessions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleCustomer, "c@example.com")
	b := a.browser()
	b.signIn("c@example.com")
	live := b.sessionCookie()
	if _, err := a.db.DB.Exec(context.Background(), `INSERT INTO auth_session (token_hash, user_id, version, expires_at)
		VALUES (sha256('expired'), $1, 1, now() - interval '1 minute')`, u.ID); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{"DATABASE_URL": a.db.PooledURL(), "BASE_URL": "http://rapport.test"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := server.New(cfg, log, a.db.DB, server.Options{})
	t.Cleanup(s.Close)
	r, err := jobs.New(a.db.DB.Pool, log, s.Jobs(), jobs.Options{Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	deadline := time.Now().Add(30 * time.Second)
	for a.count(t, `SELECT count(*) FROM auth_session WHERE token_hash = sha256('expired')`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the expired session was not purged within 30s of the jobs' start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.sessionRows(t, live) != 1 {
		t.Error("a live session was purged")
	}
}
