package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"rapport/internal/auth"
)

// A page asked for with Accept: text/event-stream keeps its request deadline: only the
// live queue's route is exempt, and by route, not by a header anyone can send. The test
// holds a lock the page's query waits on, so the request can only end by its deadline
// (REQUEST_TIMEOUT=1s on a second instance; the sign-in, a slow hash, runs on the first),
// as a 503; the client's minute is only there so a failing run ends. On af25b2d the
// header removed the deadline and the request hung: "Client.Timeout exceeded while
// awaiting headers" after the minute, no 503.
func TestEventStreamHeaderKeepsDeadline(t *testing.T) {
	t.Parallel()
	first := newApp(t)
	first.user(auth.RoleSales, "sam@example.com")
	a := replica(t, first, map[string]string{"REQUEST_TIMEOUT": "1s"})
	b := first.browser()
	token := b.signIn("sam@example.com").cookie("rapport_session").Value
	b = a.browser()
	b.useSession(token)

	ctx := context.Background()
	tx, err := a.db.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE companies IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	for _, accept := range []string{"text/event-stream", "text/html, text/event-stream;q=0.9"} {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/crm/companies", nil)
		req.Header.Set("Accept", accept)
		c := *b.c
		c.Timeout = time.Minute
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("Accept %q: %v (the request outlived its deadline)", accept, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("Accept %q: %d, want the deadline's 503 with Retry-After", accept, resp.StatusCode)
		}
	}
	var held bool
	if err := tx.QueryRow(ctx, `SELECT true`).Scan(&held); err != nil || !held {
		t.Fatalf("the lock's transaction ended early: %v", err)
	}
}
