package faults

import (
	"context"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// kill -9 of the server during a write load, then a restart: every sign-up that was
// acknowledged (200) is in the database exactly once, with its account and confirmation email;
// sign-ups cut off without an answer may or may not be there.
func TestKillDuringWrites(t *testing.T) {
	const (
		writers  = 16
		loadFor  = 3 * time.Second
		afterFor = time.Second
	)
	d := testenv.NewDB(t)
	app := startRapport(t, d, "rapport", nil)
	app.waitReady(20 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	writes := newWriteLog()
	// Workers stop by themselves (a refused connection, or the end of their phase) so
	// that no request is cut short by the test: every attempt is recorded.
	signUps := func(base string, until time.Time) func(context.Context, int, int) bool {
		browsers := make([]*browser, writers)
		for i := range browsers {
			browsers[i] = newBrowser(base, 30*time.Second)
		}
		return func(ctx context.Context, w, _ int) bool {
			if time.Now().After(until) {
				return false
			}
			email := writes.next("kill")
			r := browsers[w].visitor().signUp(ctx, email)
			writes.add(email, r)
			return !r.refused()
		}
	}

	wait := runLoad(ctx, writers, signUps(app.url, time.Now().Add(time.Hour)))
	time.Sleep(loadFor)
	app.kill()
	wait()
	ackBefore, otherBefore, noneBefore := writes.split()

	app.restart(2)
	ready := app.waitReady(20 * time.Second)
	runLoad(ctx, 4, signUps(app.url, time.Now().Add(afterFor)))()
	ack, other, none := writes.split()

	f := findWrites(t, d, writes.emails())
	found := f.checkAcknowledged(t, ack)
	t.Logf("kill -9 after %s of %d writers: before the kill %d acknowledged, %d answered otherwise, %d cut off without an answer (%d of them in the database) and %d refused; restarted ready in %s, then %d more acknowledged; acknowledged %d, found %d exactly once; users in the database %d, of which without their account %d",
		loadFor, writers, len(ackBefore), len(otherBefore), len(noneBefore)-writes.refused(noneBefore), f.present(noneBefore), writes.refused(noneBefore), ms(ready),
		len(ack)-len(ackBefore), len(ack), found, f.total, f.orphans)

	if len(ackBefore) < 20 {
		t.Errorf("only %d sign-ups acknowledged before the kill: the load did not run", len(ackBefore))
	}
	if len(noneBefore)-writes.refused(noneBefore) == 0 {
		t.Errorf("no sign-up was in flight when the server was killed: the scenario tested nothing")
	}
	if len(ack) == len(ackBefore) {
		t.Errorf("no sign-up acknowledged after the restart")
	}
	if len(other) != 0 {
		t.Errorf("%d sign-ups answered with something other than 303 (e.g. %v)", len(other), sample(writes, other))
	}
	if len(none) != len(noneBefore) {
		t.Errorf("%d sign-ups unanswered after the restart", len(none)-len(noneBefore))
	}
	if want := len(ack) + f.present(append(other, none...)); f.total != want {
		t.Errorf("%d users in the database, want %d (acknowledged plus unacknowledged found)", f.total, want)
	}
}

// sample describes the outcome of the first of emails, for a failure message.
func sample(l *writeLog, emails []string) string {
	if len(emails) == 0 {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.res[emails[0]]
	if r.err != nil {
		return r.err.Error()
	}
	return r.body
}
