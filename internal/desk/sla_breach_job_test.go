package desk

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/internal/jobs"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// deskRunners starts n River clients (replicas) through PgBouncer with the desk's
// periodic workers on the clock.
func (x *fixture) deskRunners(n int, c *testClock) []*jobs.Runner {
	x.t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out []*jobs.Runner
	for i := range n {
		ws := river.NewWorkers()
		river.AddWorker(ws, &BreachMailWorker{DB: x.d.DB, Log: quiet, Now: c.Now})
		river.AddWorker(ws, &RecomputeDueWorker{DB: x.d.DB, Log: quiet})
		river.AddWorker(ws, &AutomationWorker{DB: x.d.DB, Log: quiet, Now: c.Now})
		r, err := jobs.New(x.d.DB.Pool, quiet, jobs.Registry{Workers: ws}, jobs.Options{Poll: 100 * time.Millisecond, ID: "replica-" + string(rune('a'+i))})
		if err != nil {
			x.t.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			x.t.Fatal(err)
		}
		out = append(out, r)
	}
	x.t.Cleanup(func() {
		for _, r := range out {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = r.Stop(ctx)
			cancel()
		}
	})
	return out
}

// work queues n of each of args on the runners in turn, at once, and waits until River
// has completed all of them.
func (x *fixture) work(rs []*jobs.Runner, n int, args ...river.JobArgs) {
	x.t.Helper()
	for i := range n {
		for _, a := range args {
			if err := rs[i%len(rs)].Insert(context.Background(), a, nil); err != nil {
				x.t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for x.count(`SELECT count(*) FROM river_job WHERE state <> 'completed'`) != 0 {
		if time.Now().After(deadline) {
			x.t.Fatal("the desk's jobs did not complete within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An assigned ticket's warning goes once, an hour before its first-reply deadline, to
// the assignee, and its breach once, with two replicas working the job eight times
// each time; an unassigned team ticket's go to the team's agents. Seen failing with the
// claim's sla_warned_for left out: eight warnings of one ticket.
func TestBreachMailOnceAcrossReplicas(t *testing.T) {
	x := newFixture(t)
	mine := x.ticket("Printer on fire", "It is on fire.")
	if err := x.update(x.agent, mine, ticketForm{Status: StatusOpen, Priority: PriorityNormal, AssigneeID: x.agent.ID}); err != nil {
		t.Fatal(err)
	}
	teams := x.ticket("Billing question", "Why twice?")
	if err := x.update(x.agent2, teams, ticketForm{Status: StatusOpen, Priority: PriorityNormal, Team: "Billing"}); err != nil {
		t.Fatal(err)
	}
	created := x.facts(mine).CreatedAt
	c := &testClock{now: created.Add(170 * time.Minute)} // normal: first reply in 240m, warned 60m before
	rs := x.deskRunners(2, c)
	mails := func(to, prefix string) int {
		return x.count(`SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND starts_with(subject, $2)`, to, prefix)
	}
	x.work(rs, 8, BreachMailArgs{})
	if n := mails(x.agent.Email, "SLA breach soon"); n != 0 {
		t.Fatalf("%d warnings 70 minutes before the deadline", n)
	}
	c.set(created.Add(185 * time.Minute))
	x.work(rs, 8, BreachMailArgs{})
	if n := mails(x.agent.Email, "SLA breach soon: Printer on fire"); n != 1 {
		t.Fatalf("%d warnings to the assignee, want 1", n)
	}
	if n := mails(x.agent2.Email, "SLA breach soon: Billing question"); n != 1 {
		t.Fatalf("%d warnings to the team's agent, want 1", n)
	}
	if n := mails(x.agent.Email, "SLA breach soon: Billing question"); n != 0 {
		t.Fatalf("%d warnings of the Billing ticket to an agent of another team", n)
	}
	c.set(created.Add(245 * time.Minute))
	x.work(rs, 8, BreachMailArgs{})
	x.work(rs, 8, BreachMailArgs{})
	if n := mails(x.agent.Email, "SLA breached: Printer on fire"); n != 1 {
		t.Fatalf("%d breach emails to the assignee, want 1", n)
	}
	if n := mails(x.agent.Email, "SLA breach soon"); n != 1 {
		t.Fatalf("%d warnings in all after the breach, want still 1", n)
	}
	// The queue marks it.
	rows, _, err := listQueue(context.Background(), x.d.DB, QueueFilter{Status: StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == mine && r.breachMark(c.Now()) != "breached" {
			t.Fatalf("queue marker %q, want breached", r.breachMark(c.Now()))
		}
	}
}
