package mailbox

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/jobs"
)

// The jobs end to end, on two River clients (two replicas): the periodic job queues a
// poll per due mailbox (unique per mailbox), the poll files the mail. Measures the time
// from a mail landing in the mailbox to its ticket.
func TestPollJobs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.d.DB.Exec(context.Background(), `UPDATE mailboxes SET poll_secs = 10`); err != nil {
		t.Fatal(err)
	}
	registry := func() jobs.Registry {
		w := river.NewWorkers()
		river.AddWorker(w, &PollDueWorker{DB: f.d.DB, Log: f.p.Log})
		river.AddWorker(w, &PollWorker{Poller: f.p})
		return jobs.Registry{Workers: w, Periodic: []*river.PeriodicJob{
			jobs.Periodic("mailbox_poll_due", 200*time.Millisecond, func() river.JobArgs { return PollDueArgs{} }),
		}}
	}
	for _, id := range []string{"replica-a", "replica-b"} {
		r, err := jobs.New(f.d.DB.Pool, f.p.Log, registry(), jobs.Options{Poll: 100 * time.Millisecond, ID: id})
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
	}
	wait := func(want int) time.Duration {
		start := time.Now()
		for time.Since(start) < 30*time.Second {
			if f.count(`SELECT count(*) FROM tickets`) >= want {
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no ticket %d within 30s", want)
		return 0
	}
	// The first poll runs at once (the mailbox was never polled).
	f.imap.Append(t, mail("a@example.com", "First", "j1@example.com", "One"))
	first := wait(1)
	// The next one waits for the mailbox's interval (10 s) since that poll.
	f.imap.Append(t, mail("b@example.com", "Second", "j2@example.com", "Two"))
	second := wait(2)
	t.Logf("mail to ticket: %v for a never-polled mailbox, %v within a 10 s interval", first.Round(time.Millisecond), second.Round(time.Millisecond))
	if second > 12*time.Second {
		t.Fatalf("the second mail took %v, over the 10 s interval", second)
	}
	time.Sleep(500 * time.Millisecond)
	if n := f.count(`SELECT count(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
	var polls int
	if err := f.d.DB.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'mailbox_poll'`).Scan(&polls); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d poll jobs ran in %v with the due check every 200 ms on two replicas", polls, (first + second).Round(time.Second))
	if polls > 4 {
		t.Fatalf("%d poll jobs for two due times: the interval is not respected", polls)
	}
}
