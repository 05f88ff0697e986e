package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/httpx"
	"rapport/internal/testenv"
)

// BenchmarkSessionLoad is what every page view pays to learn who is asking: a GET
// carrying a signed-in session cookie goes through the Session middleware (the one
// lookup statement, through PgBouncer, and the checks) to a handler that reads the user.
// The Parallel case runs as many requests at once as GOMAXPROCS. (The numbers before
// and after Rapport owned its sessions, and those of scs used as designed, are in the
// README's architecture section.) Run it with
//
//	go test -run '^$' -bench SessionLoad -benchmem ./internal/auth
func BenchmarkSessionLoad(b *testing.B) {
	s, cookie := benchSessions(b)
	page := s.Session(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if UserFrom(r.Context()) == nil {
			http.Error(w, "anonymous", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	view := func(tb testing.TB) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		page.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			tb.Fatalf("status %d: the session did not load", rec.Code)
		}
	}
	b.Run("Serial", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			view(b)
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				view(b)
			}
		})
	})
}

// reportCPU adds the benchmark's own processor time per request (user and system, of
// this process only: Postgres and PgBouncer are other processes) as "cpu-ns/op", the
// part of the cost the session code decides; ns/op is mostly the round trip. Call the
// function it returns when the loop is done.
func reportCPU(b *testing.B) func() {
	start := processCPU(b)
	return func() { b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op") }
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSessions is an auth.Service on its own database with one signed-in session,
// and that session's cookie.
func benchSessions(b *testing.B) (*Service, *http.Cookie) {
	b.Helper()
	d := testenv.NewDB(b)
	ctx := context.Background()
	var u *User
	if err := d.DB.InTx(ctx, func(tx pgx.Tx) (err error) {
		u, err = CreateUser(ctx, tx, NewUser{Name: "Bench", Email: "bench@example.com", Role: RoleSales, EmailVerified: true})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Service{DB: d.DB, Pages: &httpx.Pages{Log: log}, Log: log,
		Sessions: SessionSettings{Lifetime: 168 * time.Hour, Idle: 12 * time.Hour, Wait: 5 * time.Second}}
	rec := httptest.NewRecorder()
	s.Session(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.start(w, r, u); err != nil {
			b.Fatal(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/signin", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie(false) {
			return s, c
		}
	}
	b.Fatalf("sign-in set no session cookie: %v", rec.Header())
	return nil, nil
}
