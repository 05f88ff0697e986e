package mailbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/desk"
)

// The live queue hears of a mailed ticket and of a mailed reply, once each, when their
// transaction commits (the desk's channel, as a portal ticket does).
func TestPollNotifiesLiveQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.d.DirectURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+desk.EventsChannel); err != nil {
		t.Fatal(err)
	}
	f.imap.Append(t, mail("live@example.com", "Live", "live1@example.com", "Hi"))
	start := time.Now()
	f.poll()
	f.imap.Append(t, mail("live@example.com", "Re: Live", "live2@example.com", "Again", "In-Reply-To: <live1@example.com>"))
	f.poll()
	ticket := f.str(`SELECT id::text FROM tickets`)
	var got []string
	for len(got) < 2 {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("after %v: %v (got %v)", time.Since(start), err, got)
		}
		got = append(got, n.Payload)
	}
	if !strings.Contains(got[0], `"kind":"created"`) || !strings.Contains(got[0], ticket) || !strings.Contains(got[0], "filed by email") {
		t.Errorf("first event: %s", got[0])
	}
	if !strings.Contains(got[1], `"kind":"updated"`) || !strings.Contains(got[1], ticket) || !strings.Contains(got[1], "replied") {
		t.Errorf("second event: %s", got[1])
	}
}
