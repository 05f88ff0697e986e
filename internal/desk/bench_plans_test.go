package desk

import (
	"context"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/seed"
	"rapport/internal/testenv"
)

// keepDB keeps the benchmark database for the whole run (NewDB drops it when its T ends).
type keepDB struct{ testing.TB }

func (keepDB) Cleanup(func()) {}

// BenchmarkDeskQueryPlans checks the plans of the desk's hot statements on a database
// seeded at BENCH_SCALE (20 by default: ~100k tickets, ~1M messages): none may read a
// whole tickets, messages or user table. With -v it logs each plan with EXPLAIN
// ANALYZE's timings.
// go test -run '^$' -bench DeskQueryPlans -benchtime 1x -v ./internal/desk
func BenchmarkDeskQueryPlans(b *testing.B) {
	scale := 20
	if n, err := strconv.Atoi(os.Getenv("BENCH_SCALE")); err == nil && n > 0 {
		scale = n
	}
	d := testenv.NewDB(keepDB{b})
	ctx := context.Background()
	start := time.Now()
	if err := seed.Demo(ctx, d.DB, auth.NewHasher(0), io.Discard); err != nil {
		b.Fatal(err)
	}
	if err := seed.Scale(ctx, d.DB, auth.NewHasher(0), scale, io.Discard); err != nil {
		b.Fatal(err)
	}
	// Steady state: what autovacuum gives a live database (visibility maps set).
	if _, err := d.DB.Exec(ctx, `VACUUM ANALYZE tickets, ticket_messages, ticket_status_changes, agents, "user"`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded scale %d in %s", scale, time.Since(start).Round(time.Millisecond))

	var ticket, requester, email, agentID string
	if err := d.DB.QueryRow(ctx, `SELECT t.id, t.requester_id, u.email FROM tickets t JOIN "user" u ON u.id = t.requester_id
		WHERE t.status = 'open' AND (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) >= 10
		ORDER BY t.id LIMIT 1`).Scan(&ticket, &requester, &email); err != nil {
		b.Fatal(err)
	}
	if err := d.DB.QueryRow(ctx, `SELECT id FROM "user" WHERE email = 'bench-agent-1@example.com'`).Scan(&agentID); err != nil {
		b.Fatal(err)
	}
	high := "high"
	queue := func(f QueueFilter, status string, active bool) []any {
		args := append(f.filterArgs(), status, nil, nil)
		if active {
			args = append(args, nil)
		}
		return append(args, pageSize+1)
	}
	plans := []struct {
		name string
		sql  string
		args []any
	}{
		{"queue, open", activeQueueSQL, queue(QueueFilter{}, StatusOpen, true)},
		{"queue, pending high unassigned", activeQueueSQL, queue(QueueFilter{Priority: &high, Unassigned: true}, StatusPending, true)},
		{"queue, mine", activeQueueSQL, queue(QueueFilter{AssigneeID: &agentID}, StatusOpen, true)},
		{"queue, solved without a team", doneQueueSQL, queue(QueueFilter{NoTeam: true}, StatusSolved, false)},
		{"queue facets", queueFacetsSQL, QueueFilter{}.filterArgs()},
		{"queue facets, filtered", queueFacetsSQL, QueueFilter{Priority: &high, Unassigned: true}.filterArgs()},
		{"queue facets, mine", queueFacetsSQL, QueueFilter{AssigneeID: &agentID}.filterArgs()},
		{"desk ticket", deskTicketSQL, []any{ticket, recentTickets}},
		{"agents", agentsSQL, nil},
		{"portal ticket", portalTicketSQL, []any{ticket, requester}},
		{"portal thread", publicThreadSQL, []any{ticket, requester}},
		{"my tickets", myTicketsSQL, []any{requester, nil, nil, pageSize + 1}},
		{"tickets for email", ticketsForEmailSQL, []any{email, 20}},
		{"report times", timeStatsSQL, []any{reportDays}},
		{"report backlog", backlogSQL, []any{reportDays}},
	}
	fullScan := regexp.MustCompile(`Seq Scan on (tickets|ticket_messages|"user")\b`)
	execution := regexp.MustCompile(`Execution Time: ([\d.]+) ms`)
	for range b.N {
		for _, p := range plans {
			rows, err := d.DB.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+p.sql, p.args...)
			if err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			var lines []string
			for rows.Next() {
				var l string
				if err := rows.Scan(&l); err != nil {
					b.Fatal(err)
				}
				lines = append(lines, l)
			}
			rows.Close()
			plan := strings.Join(lines, "\n")
			ms := ""
			if m := execution.FindStringSubmatch(plan); m != nil {
				ms = m[1] + " ms"
			}
			b.Logf("%s: %s\n%s", p.name, ms, plan)
			for _, m := range fullScan.FindAllString(plan, -1) {
				b.Errorf("%s: %s", p.name, m)
			}
		}
	}
}
