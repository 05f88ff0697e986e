package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/server"
	"rapport/internal/testenv"
)

// A request never hangs on a saturated pool: it waits DB_ACQUIRE_TIMEOUT, then gets a
// friendly 503 page with Retry-After, and the app serves again once a connection frees.
func TestSaturatedPoolAnswers503(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	small, err := db.Open(ctx, d.PooledURL(), db.Options{MaxConns: 1, AcquireTimeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": d.PooledURL()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), small, server.Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()

	hold, held := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- small.InTx(ctx, func(pgx.Tx) error { close(held); <-hold; return nil })
	}()
	<-held

	readyz, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	readyz.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/signin", nil)
	// A well-formed token (43 base64url characters), so the session lookup needs the
	// pool; a cookie that cannot be a token is not looked up at all.
	req.AddCookie(&http.Cookie{Name: "rapport_session", Value: "c29tZS1zZXNzaW9uLXRva2VuLW9mLTMyLWJ5dGVzISE"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if readyz.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the pool exhausted: %d, want 503", readyz.StatusCode)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("page needing the database: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	t.Logf("body: %s", body)
	mustContain(t, response{status: resp.StatusCode, body: string(body)}, "We&#39;re busy right now", "Request id")

	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusOK {
		t.Fatalf("after the connection was released: %d, want 200", again.StatusCode)
	}
}
