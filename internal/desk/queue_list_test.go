package desk

import (
	"context"
	"errors"
	"testing"
	"time"

	"rapport/internal/cursor"
)

// Walking a view page by page gives exactly the view's order, ties and tickets without
// a deadline included.
func TestQueueKeysetPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.exec(`DELETE FROM sla_policies WHERE priority = 'low'`) // low tickets have no deadline
	// 23 open tickets: every priority, several created at the same moment (equal
	// deadlines, ordered by id), and 4 solved ones updated at different times.
	f.exec(`INSERT INTO tickets (requester_id, subject, status, priority, created_at, team)
		SELECT $1, 'T' || g, 'open', (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4],
		       now() - (g % 3) * interval '1 hour', CASE WHEN g % 2 = 0 THEN 'Tier 1' END
		FROM generate_series(1, 23) g`, f.customer.ID)
	f.exec(`INSERT INTO tickets (requester_id, subject, status, priority, created_at)
		SELECT $1, 'S' || g, 'solved', 'normal', now() - g * interval '1 day' FROM generate_series(1, 4) g`, f.customer.ID)
	f.exec(`UPDATE tickets SET updated_at = created_at + interval '1 hour' WHERE status = 'solved'`)

	walk := func(base QueueFilter) []string {
		var ids []string
		base.Limit = 4
		for page := 0; page < 20; page++ {
			rows, more, err := listQueue(ctx, f.d.DB, base)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				ids = append(ids, r.ID)
			}
			if !more {
				return ids
			}
			last := rows[len(rows)-1]
			c := queueCursor{Rank: last.PriorityRank, Due: last.NextDue, At: last.UpdatedAt, ID: last.ID}
			// Through its text form, as the "after" link carries it.
			enc, err := c.encode(base.active())
			if err != nil {
				t.Fatal(err)
			}
			next, err := parseQueueCursor(enc, base.active())
			if err != nil {
				t.Fatalf("cursor %q does not parse", enc)
			}
			base.After = next
		}
		t.Fatal("pagination does not end")
		return nil
	}
	want := func(sql string) []string {
		rows, err := f.d.DB.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	same := func(name string, got, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d tickets, want %d", name, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: position %d is %s, want %s", name, i, got[i], want[i])
			}
		}
	}

	same("open", walk(QueueFilter{Status: StatusOpen}),
		want(`SELECT id FROM tickets WHERE status = 'open' ORDER BY priority_rank, next_due_at, id`))
	p := PriorityHigh
	same("open, high", walk(QueueFilter{Status: StatusOpen, Priority: &p}),
		want(`SELECT id FROM tickets WHERE status = 'open' AND priority = 'high' ORDER BY next_due_at, id`))
	team := "Tier 1"
	same("open, Tier 1", walk(QueueFilter{Status: StatusOpen, Team: &team}),
		want(`SELECT id FROM tickets WHERE status = 'open' AND team = 'Tier 1' ORDER BY priority_rank, next_due_at, id`))
	same("open, no team", walk(QueueFilter{Status: StatusOpen, NoTeam: true}),
		want(`SELECT id FROM tickets WHERE status = 'open' AND team IS NULL ORDER BY priority_rank, next_due_at, id`))
	same("solved", walk(QueueFilter{Status: StatusSolved}),
		want(`SELECT id FROM tickets WHERE status = 'solved' ORDER BY updated_at DESC, id DESC`))

	// Urgent first, and within a priority the nearest deadline first, no deadline last.
	rows, _, err := listQueue(ctx, f.d.DB, QueueFilter{Status: StatusOpen, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Priority != "urgent" || rows[len(rows)-1].Priority != "low" || rows[len(rows)-1].NextDue != nil {
		t.Fatalf("order: first %s, last %s (due %v)", rows[0].Priority, rows[len(rows)-1].Priority, rows[len(rows)-1].NextDue)
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if a.PriorityRank == b.PriorityRank && a.NextDue != nil && b.NextDue != nil && a.NextDue.After(*b.NextDue) {
			t.Fatalf("row %d is due %s after row %d due %s", i-1, a.NextDue, i, b.NextDue)
		}
	}
	// Mine and unassigned.
	id := rows[0].ID
	if err := f.update(f.agent, id, ticketForm{Status: StatusOpen, Priority: "urgent", AssigneeID: f.agent.ID}); err != nil {
		t.Fatal(err)
	}
	mine, _, err := listQueue(ctx, f.d.DB, QueueFilter{Status: StatusOpen, AssigneeID: &f.agent.ID})
	if err != nil || len(mine) != 1 || mine[0].ID != id || deref(mine[0].AssigneeName) != f.agent.Name {
		t.Fatalf("mine: %v %+v", err, mine)
	}
	if deref(mine[0].Team) != "Tier 1" {
		t.Errorf("assigning gave team %q, want the agent's", deref(mine[0].Team))
	}
	counts, teams, _, err := queueFacets(ctx, f.d.DB, QueueFilter{Unassigned: true})
	if err != nil || counts[StatusOpen] != 22 || counts[StatusSolved] != 4 || counts[StatusPending] != 0 {
		t.Fatalf("unassigned counts: %v %v", counts, err)
	}
	if len(teams) != 2 || teams[0] != "Billing" || teams[1] != "Tier 1" {
		t.Fatalf("teams %q, want the agents' teams in order", teams)
	}
}

func TestQueueCursorsRefuseGarbage(t *testing.T) {
	t.Parallel()
	id := "0b5e6d3c-1111-4222-8333-944455556666"
	due := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
	for _, c := range []queueCursor{{Rank: 0, Due: &due, ID: id}, {Rank: 3, ID: id}} {
		enc, err := c.encode(true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseQueueCursor(enc, true)
		if err != nil || got.Rank != c.Rank || got.ID != id || (c.Due == nil) != (got.Due == nil) || (c.Due != nil && !got.Due.Equal(*c.Due)) {
			t.Errorf("round trip of %+v: %+v %v", c, got, err)
		}
	}
	rank9, _ := cursor.Encode(cursor.Int(9), cursor.OptTime(nil), cursor.UUID(id))
	done, _ := timeCursor{At: due, ID: id}.encode()
	for _, bad := range []string{"x", "1_2", "9_inf_" + id, "1_inf_not-a-uuid", "-1_inf_" + id,
		"0_-210866803200000000_" + id, rank9, done} {
		if _, err := parseQueueCursor(bad, true); !errors.Is(err, cursor.ErrInvalid) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	active, _ := queueCursor{Rank: 1, ID: id}.encode(true)
	for _, bad := range []string{"123_" + id + "x", "-9223372036854775808_" + id, active} {
		if _, err := parseQueueCursor(bad, false); !errors.Is(err, cursor.ErrInvalid) {
			t.Errorf("done-view cursor %q: %v", bad, err)
		}
	}
}

// Counts stop at 1,001 rows, whatever the view holds.
func TestQueueCountsAreCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO tickets (requester_id, subject) SELECT $1, 'T' || g FROM generate_series(1, 1005) g`, f.customer.ID)
	counts, _, _, err := queueFacets(context.Background(), f.d.DB, QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if counts[StatusOpen] != countCap+1 || countLabel(counts[StatusOpen]) != "1,000+" || countLabel(counts[StatusPending]) != "0" {
		t.Fatalf("counts %v", counts)
	}
}
