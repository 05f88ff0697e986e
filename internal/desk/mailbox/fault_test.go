package mailbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"rapport/internal/db"
	"rapport/internal/testenv"
)

// A poller child process (TestPollKilled runs this test binary again as one): it polls
// the mailbox named in its environment until it is killed.
func TestPollChildProcess(t *testing.T) {
	url, id := os.Getenv("RAPPORT_POLL_CHILD_DB"), os.Getenv("RAPPORT_POLL_CHILD_MAILBOX")
	if url == "" {
		t.Skip("only run as the child of TestPollKilled")
	}
	d, err := db.Open(context.Background(), url, db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &Poller{DB: d, Box: testBox(t), Log: log, MaxPerPoll: 10}
	fmt.Println("child polling")
	for {
		if _, err := p.Poll(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

// kill -9 mid-fetch: a poller process killed while it works through 150 messages
// loses none and files none twice; the next poll (here, the test's) finishes the job.
// Then Postgres itself restarts in the middle of a poll: the poll fails, the next one
// carries on, still each message once. Not parallel: it restarts the shared Postgres.
func TestPollKilled(t *testing.T) {
	f := newFixture(t)
	const n = 150
	var msgs [][]byte
	for i := range n {
		msgs = append(msgs, mail(fmt.Sprintf("k%d@example.com", i), "Kill "+strconv.Itoa(i), fmt.Sprintf("kill-%d@example.com", i), "Body"))
	}
	f.imap.Append(t, msgs...)

	child := exec.Command(os.Args[0], "-test.run=^TestPollChildProcess$", "-test.count=1")
	child.Env = append(os.Environ(), "RAPPORT_POLL_CHILD_DB="+f.d.PooledURL(), "RAPPORT_POLL_CHILD_MAILBOX="+f.mb.ID,
		"SECRET_KEY_FOR_CHILD="+testenv.SecretKey())
	child.Stdout, child.Stderr = io.Discard, io.Discard
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for f.count(`SELECT count(*) FROM inbound_messages`) < 40 {
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatal("the child recorded fewer than 40 messages in 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	killedAt := f.count(`SELECT count(*) FROM inbound_messages`)
	if got := f.count(`SELECT count(*) FROM tickets`); got != killedAt {
		t.Fatalf("after the kill: %d tickets for %d recorded messages", got, killedAt)
	}

	// Postgres restarts during the next poll. (The killed child's claim may still be
	// held for a moment, until the pooler sees its connection gone: a busy poll tries
	// again.)
	done := make(chan error, 1)
	go func() {
		for {
			res, err := f.p.Poll(context.Background(), f.mb.ID)
			if err != nil || !res.Busy {
				done <- err
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	deadline = time.Now().Add(time.Minute)
	for f.count(`SELECT count(*) FROM inbound_messages`) < killedAt+20 {
		if time.Now().After(deadline) {
			t.Fatalf("the poll after the kill recorded nothing within a minute (%d recorded)", f.count(`SELECT count(*) FROM inbound_messages`))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := testenv.RestartPostgres(); err != nil {
		t.Fatal(err)
	}
	pollErr := <-done
	t.Logf("killed after %d of %d; the poll during the Postgres restart: %v", killedAt, n, pollErr)
	for range 20 {
		res, err := f.p.Poll(context.Background(), f.mb.ID)
		if err == nil && res.New == 0 && !res.Busy {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := f.count(`SELECT count(*) FROM inbound_messages`); got != n {
		t.Fatalf("%d messages recorded, want %d", got, n)
	}
	if got := f.count(`SELECT count(*) FROM tickets`); got != n {
		t.Fatalf("%d tickets, want %d", got, n)
	}
	if got := f.count(`SELECT count(DISTINCT subject) FROM tickets`); got != n {
		t.Fatalf("%d distinct tickets, want %d", got, n)
	}
}
