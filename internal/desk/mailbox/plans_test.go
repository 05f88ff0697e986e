package mailbox

import (
	"context"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

var mailFullScan = regexp.MustCompile(`Seq Scan on (inbound_messages|inbound_message_raw|ticket_mail_ids)\b`)

// The email channel's statements at scale: 200,000 recorded messages over 4 mailboxes
// (one small one of 2,000; 2,000 senders; 5% quarantined), their originals, and 200,000 thread Message-IDs. None
// may read a whole table; each uses the index it was written for. Then, in a
// transaction that drops two of those indexes (rolled back), the same check fails.
func TestMailboxQueryPlans(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	setup := []string{
		`INSERT INTO "user" (id, name, email) SELECT 'u' || g, 'U ' || g, 'u' || g || '@example.com' FROM generate_series(1, 2000) g`,
		`INSERT INTO tickets (requester_id, subject) SELECT 'u' || (1 + g % 2000), 'T ' || g FROM generate_series(1, 20000) g`,
		`INSERT INTO mailboxes (address, host, port, security, username, password_sealed)
		 SELECT 'm' || g || '@example.com', 'imap.example.com', 993, 'tls', 'm' || g, '\x00' FROM generate_series(1, 4) g`,
		`INSERT INTO inbound_messages (mailbox_id, uidvalidity, uid, message_id, from_addr, subject, size, state, reason, received_at)
		 SELECT m.id, 7, g, 'msg-' || g || '-' || m.address, 'u' || (1 + g % 2000) || '@example.com', 'S', 100,
		        CASE WHEN g % 20 = 0 THEN 'quarantined' WHEN g % 3 = 0 THEN 'ignored' ELSE 'ticket' END, '',
		        now() - (200000 - g) * interval '1 minute'
		 FROM mailboxes m, generate_series(1, CASE WHEN m.username = 'm1' THEN 2000 ELSE 66000 END) g`,
		`UPDATE inbound_messages i SET ticket_id = t.id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM tickets) t
		 WHERE i.state = 'ticket' AND i.id % 20000 = t.n`,
		`INSERT INTO inbound_message_raw (inbound_id, seq, data) SELECT id, 0, '\x00' FROM inbound_messages`,
		`INSERT INTO ticket_mail_ids (message_id, ticket_id, inbound, public) SELECT 'thread-' || g, (SELECT id FROM tickets ORDER BY id LIMIT 1), g % 2 = 0, true FROM generate_series(1, 200000) g`,
		`ANALYZE`,
	}
	for _, s := range setup {
		if _, err := d.DB.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var mb string
	var msg int64
	// The small mailbox beside three big ones: a page of it must not walk the others'.
	if err := d.DB.QueryRow(ctx, `SELECT i.mailbox_id::text, max(i.id) FROM inbound_messages i JOIN mailboxes m ON m.id = i.mailbox_id
		WHERE m.username = 'm1' GROUP BY 1`).Scan(&mb, &msg); err != nil {
		t.Fatal(err)
	}
	var ticket string
	if err := d.DB.QueryRow(ctx, `SELECT ticket_id::text FROM inbound_messages WHERE ticket_id IS NOT NULL LIMIT 1`).Scan(&ticket); err != nil {
		t.Fatal(err)
	}
	type stmt struct {
		name, sql string
		args      []any
		index     string
	}
	stmts := []stmt{
		{"decisions, first page", decisionsSQL, []any{mb, 0, "", decisionsPage + 1}, "inbound_messages_mailbox_idx"},
		{"decisions, a later page", decisionsSQL, []any{mb, msg - 1000, "", decisionsPage + 1}, "inbound_messages_mailbox_idx"},
		{"quarantine", decisionsSQL, []any{mb, 0, "quarantined", decisionsPage + 1}, "inbound_messages_quarantine_idx"},
		{"where a poll starts", lastUIDSQL, []any{mb, 7}, "inbound_messages_place_unique"},
		{"record (its place)", `SELECT 1 FROM inbound_messages WHERE mailbox_id = $1 AND uidvalidity = $2 AND uid = $3`, []any{mb, 7, 12345}, "inbound_messages_place_unique"},
		{"a copy of a filed message", `SELECT EXISTS (SELECT FROM inbound_messages WHERE message_id = $1 AND state IN ('ticket', 'reply'))`,
			[]any{"msg-1-m1@example.com"}, "inbound_messages_once_idx"},
		{"a sender's last minute", `SELECT count(*) FROM inbound_messages WHERE from_addr = $1 AND received_at > now() - interval '1 minute' AND id <> $2`,
			[]any{"u7@example.com", 1}, "inbound_messages_sender_idx"},
		// desk.TicketByMailIDs' statement.
		{"the thread a reply answers", `SELECT ticket_id FROM ticket_mail_ids WHERE message_id = ANY($1::text[])
            ORDER BY seq DESC LIMIT 1`, []any{[]string{"thread-5", "thread-77"}}, "ticket_mail_ids_pkey"},
		{"a message's page", messageSQL, []any{mb, msg}, "inbound_message_raw_pkey"},
		{"the mailbox list", listSQL, nil, "inbound_messages_quarantine_idx"},
		{"a ticket's mail", ticketMailSQL, []any{ticket}, "inbound_messages_ticket_idx"},
	}
	check := func(q pgx.Tx, wantFail bool) int {
		failures := 0
		for _, s := range stmts {
			plan := testenv.Explain(t, q, s.sql, s.args)
			bad := mailFullScan.FindString(plan)
			if bad == "" && !testenv.UsesIndex(plan, s.index) {
				bad = "does not use " + s.index
			}
			if bad != "" {
				failures++
				if !wantFail {
					t.Errorf("%s: %s\n%s", s.name, bad, plan)
				}
			} else if testing.Verbose() && !wantFail {
				t.Logf("%s:\n%s", s.name, plan)
			}
		}
		return failures
	}
	err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		check(tx, false)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The checker can fail: without the sender and quarantine indexes, it reports them.
	errRollback := pgx.ErrTxClosed
	_ = d.DB.InTx(ctx, func(tx pgx.Tx) error {
		for _, s := range []string{`DROP INDEX inbound_messages_sender_idx`, `DROP INDEX inbound_messages_quarantine_idx`} {
			if _, err := tx.Exec(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if n := check(tx, true); n < 3 {
			t.Errorf("without two indexes the check found %d problems, want at least 3 (the flood count, the quarantine, the list)", n)
		}
		return errRollback
	})
}
