package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/jobs"
	"rapport/internal/server"
)

// The binary's jobs (server.Jobs) run on River through PgBouncer: started as `rapport
// serve` starts them, the form-key purge runs at once and deletes a day-old key, not a
// fresh one. Seen failing with the purge's schedule left out of Jobs: the old key stayed.
func TestServerJobsPurgeFormKeys(t *testing.T) {
	t.Parallel()
	w := newOnceWorld(t)
	old, fresh := newKey(), newKey()
	w.a.exec(t, `INSERT INTO form_submission (user_id, key, redirect_to, created_at) VALUES
		($1, $2, '/crm', now() - interval '25 hours'), ($1, $3, '/crm', now() - interval '23 hours')`, w.rep.ID, old, fresh)

	env := map[string]string{"DATABASE_URL": w.a.db.PooledURL(), "BASE_URL": "http://rapport.test"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := server.New(cfg, log, w.a.db.DB, server.Options{})
	t.Cleanup(s.Close)
	r, err := jobs.New(w.a.db.DB.Pool, log, s.Jobs(), jobs.Options{Poll: 100 * time.Millisecond})
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
	for w.a.count(t, `SELECT count(*) FROM form_submission WHERE key = $1`, old) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the day-old key was not purged within 30s of the jobs' start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w.a.count(t, `SELECT count(*) FROM form_submission WHERE key = $1`, fresh) != 1 {
		t.Error("a key younger than a day was purged")
	}
}
