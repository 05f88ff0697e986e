package faults

import (
	"context"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// SIGTERM during a load of sign-ups and page views: every request the server had
// received before the signal is answered in full (no reset, no EOF), requests after it
// are refused at the door, nothing is processed without its answer reaching the
// client, and the process exits 0 within its shutdown timeout.
func TestSIGTERMDuringLoad(t *testing.T) {
	const (
		writers         = 12
		viewers         = 4
		shutdownTimeout = 30 * time.Second // server.Run's
		// readMargin is how long before the signal a request must have been written to
		// count as received: Shutdown closes connections that look idle, and one whose
		// request arrived a moment earlier but was not read yet is closed unread (the
		// Go client then retries a GET and finds the door shut, like any request after
		// the signal). An HTTP/1.1 race, not lost work: nothing was processed.
		readMargin = 10 * time.Millisecond
	)
	d := testenv.NewDB(t)
	seedDemo(t, d)
	app := startRapport(t, d, "rapport", nil)
	app.waitReady(20 * time.Second)

	var browsers []*browser
	for range viewers {
		b := newBrowser(app.url, time.Minute)
		b.mustSignIn(t, "customer1@example.com", demoPassword)
		browsers = append(browsers, b)
	}
	for range writers {
		browsers = append(browsers, newBrowser(app.url, time.Minute))
	}
	var (
		mu     sync.Mutex
		events []event
	)
	writes := newWriteLog()
	stop := new(stopFlag)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wait := runLoad(ctx, viewers+writers, func(ctx context.Context, w, _ int) bool {
		if stop.Load() {
			return false
		}
		var e event
		if w < viewers {
			e = event{kind: "view", r: browsers[w].get(ctx, "/support")}
		} else {
			e = event{kind: "signup", email: writes.next("sigterm")}
			e.r = browsers[w].visitor().signUp(ctx, e.email)
			writes.add(e.email, e.r)
		}
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		return !e.r.refused()
	})

	time.Sleep(1500 * time.Millisecond)
	signalAt := time.Now()
	if err := syscall.Kill(app.pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, took, exited := app.wait(shutdownTimeout + 5*time.Second)
	stop.Store(true)
	wait()

	// Which sign-ups reached the database, to tell a lost answer from a refused request.
	f := findWrites(t, d, writes.emails())
	mu.Lock()
	defer mu.Unlock()
	var inFlight, inFlightDone, before, beforeLost, raced, after, refused, closedUnread, lostAnswer int
	inFlightTally := newTally()
	for _, e := range events {
		r := e.r
		end := r.start.Add(r.latency)
		processed := e.email != "" && f.users[e.email] > 0
		wrote := !r.wrote.IsZero() && r.wrote.Before(signalAt)
		if wrote && end.After(signalAt) {
			inFlight++
			inFlightTally.add(r)
			if r.err == nil {
				inFlightDone++
			}
		}
		switch {
		case wrote && r.wrote.Before(signalAt.Add(-readMargin)):
			before++
			if r.err != nil {
				beforeLost++
				if beforeLost <= 5 {
					t.Errorf("request sent %s before SIGTERM got no answer: %v", signalAt.Sub(r.wrote), r.err)
				}
			}
		case wrote && r.err != nil:
			raced++
		case r.refused():
			refused++
		case r.err != nil:
			closedUnread++
		default:
			after++
		}
		if r.err != nil && processed {
			lostAnswer++
			t.Errorf("sign-up %s was processed but its answer was lost: %v", e.email, r.err)
		}
	}
	ack, _, _ := writes.split()
	found := f.checkAcknowledged(t, ack)
	t.Logf("SIGTERM under %d clients: exit code %d after %s; %d requests sent before the signal, %d in flight at the signal and %d of those answered (%s), %d sent less than %s before it and closed unread; after the signal %d answered, %d refused, %d closed unread; answers lost %d; sign-ups acknowledged %d, found %d exactly once",
		viewers+writers, code, ms(took), before, inFlight, inFlightDone, inFlightTally, raced, readMargin, after, refused, closedUnread,
		beforeLost+lostAnswer, len(ack), found)

	if !exited {
		t.Fatalf("still running %s after SIGTERM (shutdown timeout %s)", took, shutdownTimeout)
	}
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if inFlight == 0 {
		t.Errorf("no request was in flight at the signal: the scenario tested nothing")
	}
	if n := inFlightTally.other(http.StatusOK, http.StatusSeeOther); n > 0 || inFlightTally.nErrs > raced {
		t.Errorf("requests in flight at the signal: %s; want each answered 200 or 303", inFlightTally)
	}
	if app.countLog("stopped", "INFO") != 1 {
		t.Errorf(`the log has no "stopped" record: the shutdown did not finish cleanly`)
	}
}
