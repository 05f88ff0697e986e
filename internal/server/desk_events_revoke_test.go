package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/server"
)

// replica is a second Rapport on a's database, as another instance behind the load
// balancer: its own process state (sessions cache nothing, but its live-queue hub and
// LISTEN session are its own), with extra environment variables.
func replica(t *testing.T, a *app, extra map[string]string) *app {
	t.Helper()
	r := &app{t: t, db: a.db, now: a.now}
	env := map[string]string{"DATABASE_URL": a.db.PooledURL(), "DATABASE_URL_UNPOOLED": a.db.DirectURL(), "BASE_URL": "http://rapport.test"}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), a.db.DB, server.Options{Now: r.clock})
	r.srv = httptest.NewServer(s.Handler())
	t.Cleanup(func() { r.srv.Close(); s.Close() })
	return r
}

// waitEnd reads events until the stream ends. The minute is only there so a failing
// run finishes: a stream that is not cut would last its five-minute lifetime.
func waitEnd(t *testing.T, events <-chan sse, who string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("%s's stream still open a minute after their access changed", who)
		}
	}
}

// A deactivation or a role change ends the user's open event streams on every replica,
// whatever made the change: the admin page on replica A, or plain SQL. The stream of
// another agent on the same replica carries on. On af25b2d: "jordan's stream still
// open a minute after their access changed" (it lasted its five minutes).
func TestDeskEventStreamEndsWhenAccessChanges(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	b := replica(t, a, nil)
	a.user(auth.RoleAdmin, "ada@example.com")
	jordan := a.user(auth.RoleAgent, "jordan@example.com")
	morgan := a.user(auth.RoleAgent, "morgan@example.com")
	a.user(auth.RoleCustomer, "carol@example.com")
	adaA, carolA := a.browser(), a.browser()
	adaA.signIn("ada@example.com")
	carolA.signIn("carol@example.com")
	jordanB, morganB := b.browser(), b.browser()
	jordanB.signIn("jordan@example.com")
	morganB.signIn("morgan@example.com")

	_, jordanEv := stream(t, jordanB)
	_, morganEv := stream(t, morganB)
	waitEvent(t, jordanEv, "ready")
	waitEvent(t, morganEv, "ready")

	r := adaA.post("/admin/users/"+jordan.ID+"/deactivate", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.status)
	}
	waitEnd(t, jordanEv, "jordan")
	if r := jordanB.get("/desk/events"); r.status == http.StatusOK {
		t.Error("a deactivated agent's stream opened again")
	}

	if r := carolA.post("/support/tickets", url.Values{"subject": {"Still live"}, "body": {"For morgan."}}); r.status != http.StatusSeeOther {
		t.Fatalf("file: %d", r.status)
	}
	waitEvent(t, morganEv, "created")

	a.exec(t, `UPDATE "user" SET role = 'customer' WHERE id = $1`, morgan.ID)
	waitEnd(t, morganEv, "morgan")
	if r := morganB.get("/desk/events"); r.status != http.StatusForbidden {
		t.Errorf("a demoted agent's stream: %d, want 403", r.status)
	}
}
