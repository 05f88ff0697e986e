package mail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/db"
	"rapport/internal/mail"
	"rapport/internal/testenv"
)

func TestDeliverDueSendsEachMessageOnce(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	subjects := enqueue(t, d.DB, "once", 25)
	rec := &recorder{}
	w := testWorker(d.DB, rec)

	total := 0
	for range 3 { // 25 messages in batches of 10
		n, err := w.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != len(subjects) {
		t.Fatalf("sent %d, want %d", total, len(subjects))
	}
	n, err := w.DeliverDue(ctx)
	if err != nil || n != 0 {
		t.Fatalf("pass after everything was sent: sent %d, err %v; want 0, nil", n, err)
	}
	got := rec.bySubject()
	for _, s := range subjects {
		if got[s] != 1 {
			t.Errorf("%s sent %d times, want 1", s, got[s])
		}
	}
	for _, r := range outbox(t, d.DB) {
		if r.SentAt == nil || r.LockedUntil != nil || r.Attempts != 1 || r.LastError != nil {
			t.Errorf("row %d = %+v, want sent on the first attempt and unlocked", r.ID, r)
		}
	}
	if p := pending(t, d.DB); p != 0 {
		t.Errorf("pending = %d, want 0", p)
	}
}

// Two replicas, each with its own pool, drain the same outbox at the same time.
func TestDeliverDueConcurrentWorkersSendEachOnce(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subjects := enqueue(t, d.DB, "race", 50)

	other, err := db.Open(ctx, d.PooledURL(), db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	rec := &recorder{delay: time.Millisecond}
	workers := []*mail.Worker{testWorker(d.DB, rec), testWorker(other, rec)}
	sentBy := make([]int, len(workers))
	errs := make([]error, len(workers))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			<-start
			for ctx.Err() == nil {
				n, err := w.DeliverDue(ctx)
				if err != nil {
					errs[i] = err
					return
				}
				sentBy[i] += n
				if n > 0 {
					continue
				}
				if p, err := mail.Pending(ctx, d.DB); err != nil || p == 0 {
					errs[i] = err
					return
				}
				time.Sleep(5 * time.Millisecond) // the other worker holds the rest
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	t.Logf("sent per worker: %v", sentBy)
	if sentBy[0]+sentBy[1] != len(subjects) {
		t.Errorf("sent %v in all, want %d", sentBy, len(subjects))
	}
	got := rec.bySubject()
	for _, s := range subjects {
		if got[s] != 1 {
			t.Errorf("%s sent %d times, want 1", s, got[s])
		}
	}
	if len(got) != len(subjects) {
		t.Errorf("sent %d distinct messages, want %d", len(got), len(subjects))
	}
}

func TestDeliverDueGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	enqueue(t, d.DB, "doomed", 1)
	logger, logs := newLogger()
	rec := &recorder{failAll: true}
	w := mail.NewWorker(d.DB, rec, logger)
	w.BackoffBase = 0
	w.MaxAttempts = 3

	for range 5 {
		if n, err := w.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("DeliverDue = %d, %v; want 0, nil", n, err)
		}
	}
	if c := rec.callCount(); c != 3 {
		t.Errorf("send tried %d times, want MaxAttempts = 3", c)
	}
	rows := outbox(t, d.DB)
	r := rows[0]
	if r.Attempts != 3 || r.SentAt != nil || r.LockedUntil != nil || r.LastError == nil || !strings.Contains(*r.LastError, "451") {
		t.Errorf("row = %+v, want 3 attempts, unsent, unlocked, with the last error", r)
	}
	if p := pending(t, d.DB); p != 1 {
		t.Errorf("pending = %d, want 1: a message given up on stays in the outbox", p)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"mail send failed, no attempts left: giving up"`) {
		t.Errorf("no error-level log when giving up:\n%s", logs)
	}
}

func TestDeliverDueBacksOffExponentially(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	rec := &recorder{failAll: true}
	w := mail.NewWorker(d.DB, rec, logDiscard())
	w.MaxAttempts = 100

	// attempts before the failing one -> expected wait after it
	cases := []struct {
		before int
		want   time.Duration
	}{{0, 10 * time.Second}, {1, 20 * time.Second}, {3, 80 * time.Second}, {8, 2560 * time.Second}, {9, time.Hour}, {60, time.Hour}}
	for _, c := range cases {
		if _, err := d.DB.Exec(ctx, "TRUNCATE mail_outbox"); err != nil {
			t.Fatal(err)
		}
		enqueue(t, d.DB, "backoff", 1)
		if _, err := d.DB.Exec(ctx, "UPDATE mail_outbox SET attempts = $1", c.before); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		var wait time.Duration
		err := d.DB.QueryRow(ctx, `SELECT (extract(epoch FROM next_attempt - now()) * 1000)::bigint FROM mail_outbox`).Scan(&wait)
		if err != nil {
			t.Fatal(err)
		}
		wait *= time.Millisecond
		if wait < c.want-5*time.Second || wait > c.want {
			t.Errorf("after attempt %d: next attempt in %s, want about %s", c.before+1, wait, c.want)
		}
		if n, err := w.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("a backed-off message was taken again: %d, %v", n, err)
		}
	}
	if c := rec.callCount(); c != len(cases) {
		t.Errorf("send tried %d times, want %d: backed-off messages must wait", c, len(cases))
	}
}

// A claimed message is left alone while its lease holds, and taken again once the lease
// has run out (its worker died).
func TestDeliverDueRespectsLeases(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	enqueue(t, d.DB, "lease", 2)
	_, err := d.DB.Exec(ctx, `
		UPDATE mail_outbox SET attempts = 1, locked_until = CASE subject
			WHEN 'lease-0' THEN now() + interval '1 hour'
			ELSE now() - interval '1 second' END`)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if n, err := testWorker(d.DB, rec).DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("DeliverDue = %d, %v; want 1, nil", n, err)
	}
	if got := rec.bySubject(); got["lease-0"] != 0 || got["lease-1"] != 1 {
		t.Errorf("sent %v, want only the message whose lease ran out", got)
	}
	rows := outbox(t, d.DB)
	if rows[0].SentAt != nil || rows[0].LockedUntil == nil || rows[0].Attempts != 1 {
		t.Errorf("leased row changed: %+v", rows[0])
	}
	if rows[1].SentAt == nil || rows[1].Attempts != 2 {
		t.Errorf("expired row = %+v, want sent on attempt 2", rows[1])
	}
}

func TestDeliverDueGivesUpOnRejection(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	enqueue(t, d.DB, "bounce", 1)
	calls := 0
	s := senderFunc(func(context.Context, mail.Message) error {
		calls++
		return fmt.Errorf("%w: 550 no such user", mail.ErrRejected)
	})
	w := testWorker(d.DB, s)
	for range 3 {
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("a rejected message was tried %d times, want 1", calls)
	}
	r := outbox(t, d.DB)[0]
	if r.SentAt != nil || r.LastError == nil || !strings.Contains(*r.LastError, "550") || r.Attempts != w.MaxAttempts {
		t.Errorf("row = %+v, want given up (attempts = max) with the 550 kept", r)
	}
}

// A pass stops sending before its lease runs out, so that no other worker can claim a
// message while it is being sent; what it did not try goes back without an attempt.
func TestDeliverDueStopsBeforeTheLeaseEnds(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	enqueue(t, d.DB, "slow", 3)
	s := senderFunc(func(ctx context.Context, m mail.Message) error {
		select {
		case <-time.After(time.Second):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	w := testWorker(d.DB, s)
	w.Lease = 2 * time.Second // sends stop at 1.8s: one fits, the second is cut
	if n, err := w.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("DeliverDue = %d, %v; want 1 sent before the lease ran short", n, err)
	}
	rows := outbox(t, d.DB)
	if r := rows[0]; r.SentAt == nil {
		t.Errorf("first row = %+v, want sent", r)
	}
	if r := rows[1]; r.SentAt != nil || r.Attempts != 1 || r.LastError == nil || !strings.Contains(*r.LastError, "deadline") {
		t.Errorf("second row = %+v, want a failed attempt cut at the lease", r)
	}
	if r := rows[2]; r.SentAt != nil || r.Attempts != 0 || r.LockedUntil != nil {
		t.Errorf("third row = %+v, want handed back untried", r)
	}
}
