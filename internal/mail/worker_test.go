package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"rapport/internal/mail"
	"rapport/internal/testenv"
)

// Bodies can carry one-time sign-in links: the worker logs who and what, never the body.
func TestWorkerNeverLogsBodies(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	const secret = "https://rapport.test/login/one-time-7f3a9c"
	if err := mail.Enqueue(ctx, d.DB, mail.Message{To: "ada@example.com", Subject: "Your sign-in link", Body: secret}); err != nil {
		t.Fatal(err)
	}
	logger, logs := newLogger()
	w := mail.NewWorker(d.DB, &recorder{failFirst: 1}, logger)
	w.BackoffBase = 0
	for range 2 {
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	out := logs.String()
	if strings.Contains(out, "one-time-7f3a9c") {
		t.Errorf("worker logged the body:\n%s", out)
	}
	for _, want := range []string{`"msg":"mail send failed, will retry"`, `"msg":"mail sent"`, `"subject":"Your sign-in link"`, `"attempt":2`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestRunDeliversUntilCancelled(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	rec := &recorder{}
	w := testWorker(d.DB, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	subjects := enqueue(t, d.DB, "run", 3)
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.bySubject()) < len(subjects) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if got := rec.bySubject(); len(got) != len(subjects) {
		t.Errorf("Run sent %v, want each of %v once", got, subjects)
	}
	if p := pending(t, d.DB); p != 0 {
		t.Errorf("pending = %d, want 0", p)
	}
}

// A pass cut short by shutdown hands its messages back without spending an attempt.
func TestDeliverDueCancelledHandsBack(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	enqueue(t, d.DB, "shutdown", 3)
	ctx, cancel := context.WithCancel(context.Background())
	s := senderFunc(func(ctx context.Context, m mail.Message) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	if _, err := testWorker(d.DB, s).DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range outbox(t, d.DB) {
		if r.Attempts != 0 || r.LockedUntil != nil || r.SentAt != nil || r.LastError != nil {
			t.Errorf("row %d = %+v, want handed back untouched", r.ID, r)
		}
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("sender was not called")
	}
}
