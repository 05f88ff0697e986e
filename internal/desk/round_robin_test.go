package desk

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// Round robin under concurrency, as two replicas would run it: 20 mailed tickets filed
// at once through two separate pools (both through PgBouncer in transaction mode) give
// each of the team's 4 agents exactly 5, and no ticket is assigned twice. Then an agent
// away and one at their capacity are passed by, and the others share the rest evenly.
func TestRoundRobinConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const team = "Round"
	f.exec(`INSERT INTO teams (name, round_robin) VALUES ($1, true)`, team)
	var agents []*auth.User
	for i := range 4 {
		agents = append(agents, f.user(auth.RoleAgent, fmt.Sprintf("rr%d@example.com", i), team))
	}
	// The agent of another team and a deactivated one of this team get nothing.
	banned := f.user(auth.RoleAgent, "gone@example.com", team)
	f.exec(`UPDATE "user" SET banned = true WHERE id = $1`, banned.ID)

	// Two replicas' pools, each with room for all its transactions: they queue on the
	// team's row, not for a connection (a busy machine must not make this a timeout).
	var pools []*db.DB
	for range 2 {
		p, err := db.Open(ctx, f.d.PooledURL(), db.Options{MaxConns: 10, AcquireTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools = append(pools, p)
	}

	file := func(n int, prefix string) {
		t.Helper()
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, n)
		name := team
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p := pools[i%2]
				errs <- p.InTx(ctx, func(tx pgx.Tx) error {
					_, err := MailTicket(ctx, tx, f.customer, fmt.Sprintf("%s %d", prefix, i), "Hello.", &name)
					return err
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	counts := func(prefix string) map[string]int {
		t.Helper()
		rows, err := f.d.DB.Query(ctx, `SELECT coalesce(assignee_id, ''), count(*) FROM tickets
			WHERE subject LIKE $1 || ' %' GROUP BY 1`, prefix)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			out[id] = n
		}
		return out
	}

	file(20, "First")
	got := counts("First")
	for _, a := range agents {
		if got[a.ID] != 5 {
			t.Errorf("agent %s got %d tickets, want 5 (all: %v)", a.Email, got[a.ID], got)
		}
	}
	if got[""] != 0 || got[banned.ID] != 0 {
		t.Errorf("unassigned %d, deactivated agent %d", got[""], got[banned.ID])
	}
	if n := count(t, f, `SELECT count(*) FROM (SELECT ticket_id FROM ticket_assignment_changes
		WHERE reason = 'round_robin' GROUP BY ticket_id HAVING count(*) > 1) x`); n != 0 {
		t.Errorf("%d tickets assigned more than once", n)
	}
	if n := count(t, f, `SELECT count(*) FROM ticket_assignment_changes WHERE reason = 'round_robin' AND actor_id IS NULL`); n != 20 {
		t.Errorf("%d round robin history rows, want 20", n)
	}

	// Agent 0 is away; agent 1 may hold 7 open tickets (has 5): 12 more tickets give
	// agent 1 two and agents 2 and 3 five each.
	f.exec(`UPDATE agents SET away = true WHERE user_id = $1`, agents[0].ID)
	f.exec(`UPDATE agents SET capacity = 7 WHERE user_id = $1`, agents[1].ID)
	file(12, "Second")
	got = counts("Second")
	want := map[string]int{agents[0].ID: 0, agents[1].ID: 2, agents[2].ID: 5, agents[3].ID: 5, "": 0}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("second round: %q got %d, want %d (all: %v)", id, got[id], n, got)
		}
	}

	// Nobody available: the ticket stays unassigned. Round robin off: likewise.
	f.exec(`UPDATE agents SET away = true WHERE team = $1`, team)
	file(1, "Third")
	if got := counts("Third"); got[""] != 1 {
		t.Errorf("with everyone away: %v", got)
	}
	f.exec(`UPDATE agents SET away = false WHERE team = $1`, team)
	f.exec(`UPDATE teams SET round_robin = false WHERE name = $1`, team)
	file(1, "Fourth")
	if got := counts("Fourth"); got[""] != 1 {
		t.Errorf("with round robin off: %v", got)
	}
}

func count(t *testing.T, f *fixture, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
