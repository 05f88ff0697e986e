package mailbox

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"

	"rapport/internal/db"
)

// A message appended to the mailbox becomes one ticket from a new customer, in the
// mailbox's team, flagged \Seen on the server; polling again files nothing more.
func TestPollFilesOneTicket(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.imap.Append(t, mail(`"Dana Scully" <Dana@Example.COM>`, "Printer on fire", "m1@example.com",
		"It is on fire.\n\nOn Thu, someone wrote:\n> old text\n"))
	if res := f.poll(); res.New != 1 {
		t.Fatalf("first poll recorded %d, want 1", res.New)
	}
	if n := f.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	if got := f.str(`SELECT t.subject || '|' || coalesce(t.team, '') || '|' || u.email || '|' || u.name || '|' || u.role || '|' || m.body
		FROM tickets t JOIN "user" u ON u.id = t.requester_id JOIN ticket_messages m ON m.ticket_id = t.id`); got !=
		"Printer on fire|Tier 1|dana@example.com|Dana Scully|customer|It is on fire." {
		t.Fatalf("ticket: %q", got)
	}
	// The new customer has a credential account without a password: "forgot password"
	// lets them claim it.
	if n := f.count(`SELECT count(*) FROM account a JOIN "user" u ON u.id = a.user_id WHERE u.email = 'dana@example.com' AND a.password IS NULL`); n != 1 {
		t.Fatalf("customer's passwordless account: %d rows", n)
	}
	if got := f.str(`SELECT state || '|' || message_id || '|' || (SELECT count(*) > 0 FROM inbound_message_raw WHERE inbound_id = id)::text FROM inbound_messages`); got != "ticket|m1@example.com|true" {
		t.Fatalf("inbound row: %q", got)
	}
	for uid, flags := range f.imap.Flags(t) {
		if !slices.Contains(flags, `\Seen`) || slices.Contains(flags, `\Deleted`) {
			t.Errorf("message %d flags %v, want \\Seen and not \\Deleted", uid, flags)
		}
	}
	if res := f.poll(); res.New != 0 {
		t.Fatalf("second poll recorded %d, want 0", res.New)
	}
	if n := f.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets after a second poll, want 1", n)
	}
}

// The same messages seen again in every way a restart or a second replica shows them:
// a poll whose flagging never happened (killed after the commit), a UIDVALIDITY reset
// (every UID new, the Message-IDs the same), and four pollers on two pools at once.
// Each message still makes exactly one ticket.
func TestPollExactlyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 30
	var msgs [][]byte
	for i := range n {
		msgs = append(msgs, mail("c"+strconv.Itoa(i)+"@example.com", "Help "+strconv.Itoa(i), "once-"+strconv.Itoa(i)+"@example.com", "Body"))
	}
	f.imap.Append(t, msgs...)

	// A poll stopped half-way (its context cancelled mid-transaction, as a shutdown
	// does) records some, and the rest are picked up later.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			var k int
			_ = f.d.DB.QueryRow(context.Background(), `SELECT count(*) FROM inbound_messages`).Scan(&k)
			if k >= 5 {
				cancel()
			}
		}
	}()
	if _, err := f.p.Poll(ctx, f.mb.ID); err == nil {
		t.Fatal("the cancelled poll reported no error")
	}
	cancel()
	first := f.count(`SELECT count(*) FROM inbound_messages`)
	if first < 5 || first == n {
		t.Fatalf("the cancelled poll recorded %d, want between 5 and %d", first, n-1)
	}
	if got := f.count(`SELECT count(*) FROM tickets`); got != first {
		t.Fatalf("%d tickets for %d recorded messages", got, first)
	}

	// A second replica: its own pool on the same database, through PgBouncer.
	other, err := db.Open(context.Background(), f.d.PooledURL(), db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	p2 := *f.p
	p2.DB = other
	var wg sync.WaitGroup
	var mu sync.Mutex
	total, busy := 0, 0
	for i := range 4 {
		p := f.p
		if i%2 == 1 {
			p = &p2
		}
		wg.Go(func() {
			for range 3 {
				res, err := p.Poll(context.Background(), f.mb.ID)
				if err != nil || res.Err != nil {
					t.Errorf("poll: %v %v", err, res.Err)
					return
				}
				mu.Lock()
				total += res.New
				if res.Busy {
					busy++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if total != n-first {
		t.Fatalf("the pollers recorded %d messages in all, want %d", total, n-first)
	}
	t.Logf("12 polls by 4 pollers on 2 pools: %d found the mailbox claimed by another", busy)
	if got := f.count(`SELECT count(*) FROM tickets`); got != n {
		t.Fatalf("%d tickets, want %d", got, n)
	}

	// UIDVALIDITY reset: a new UIDVALIDITY (as after a server rebuild) re-lists every
	// message under new UIDs. Simulated by forgetting the recorded places' UIDVALIDITY.
	if _, err := f.d.DB.Exec(context.Background(), `UPDATE inbound_messages SET uidvalidity = uidvalidity - 1`); err != nil {
		t.Fatal(err)
	}
	res := f.poll()
	if res.New != n {
		t.Fatalf("after the reset the poll recorded %d, want %d (as duplicates)", res.New, n)
	}
	if got := f.count(`SELECT count(*) FROM tickets`); got != n {
		t.Fatalf("%d tickets after a UIDVALIDITY reset, want %d", got, n)
	}
	if got := f.count(`SELECT count(*) FROM inbound_messages WHERE state = 'ignored' AND reason LIKE 'a copy of a message already filed%'`); got != n {
		t.Fatalf("%d duplicates recorded, want %d", got, n)
	}
}
