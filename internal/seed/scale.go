package seed

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// scalePlan is how many rows of each kind a Scale run, or one part of it, inserts.
type scalePlan struct {
	sales, agents, customers            int
	companies, contacts, deals, tickets int
}

func planFor(n int) scalePlan {
	return scalePlan{
		sales: 10 * n, agents: 5 * n, customers: 1000 * n,
		companies: 2000 * n, contacts: 10000 * n, deals: 5000 * n, tickets: 5000 * n,
	}
}

// scaleParts is how many transactions load the data side by side. The cost is per row
// (index and foreign-key checks), so parallel backends divide the wall time.
const scaleParts = 4

// scalePipelines are the pipelines deals are spread over, about 50/30/20.
var scalePipelines = []string{"Inbound", "Enterprise", "Partner"}

// scalePart is one transaction's share of the data. Its run keys the generated ids
// (md5(run || kind || index)), so a row can name a parent inserted by an earlier
// statement without reading it back; the bases keep generated domains and contact
// emails distinct from every other part's and every earlier run's.
type scalePart struct {
	scalePlan
	run                      string
	companyBase, contactBase int64
	pipes                    [3]string
}

// Scale loads benchmark data, all of it generated inside Postgres with set-based
// INSERT … SELECT, so n=100 takes minutes, not hours. Per unit of n it inserts 2k
// companies, 10k contacts, 5k deals with about 50k activities, 5.4k stage changes and
// about 5.4k planned activities (scale_activities.go),
// and 5k tickets with about 50k messages and 14.5k status changes (histories that agree
// with the deals' and tickets' dates and SLA facts, as the CRM and the desk would have
// written them: see scale_crm.go and scale_desk.go), and ensures 10 sales reps, 5
// agents and 1000 customers exist (bench-sales-<i>@example.com,
// bench-agent-<i>@example.com, bench-customer-<i>@example.com, password DemoPassword,
// each with its credential account; agents with an agents row in one of four teams).
//
// Bench users that already exist are reused as they are (they keep their password)
// and only missing ones are created; the CRM and helpdesk rows are always added, so
// every run appends another batch. Demo users are never touched, so Scale can run on a
// database that has the demo seed. It also ensures the pipelines and an SLA policy per
// priority exist, and runs ANALYZE on the tables it filled.
//
// Users come first in one transaction; the data then goes in a few transactions side by
// side. If one of those fails the others are cancelled, but any that already committed
// stay.
func Scale(ctx context.Context, d *db.DB, h *auth.Hasher, n int, out io.Writer) error {
	if n < 1 {
		return fmt.Errorf("seed scale: n must be at least 1, got %d", n)
	}
	start := time.Now()
	p := planFor(n)
	hash, err := h.Hash(ctx, DemoPassword)
	if err != nil {
		return fmt.Errorf("seed scale: hash password: %w", err)
	}
	var users int64
	var parts []scalePart
	if err := d.InTx(ctx, func(tx pgx.Tx) error {
		if users, err = scaleUsers(ctx, tx, p, hash); err != nil {
			return fmt.Errorf("users: %w", err)
		}
		parts, err = scaleSetup(ctx, tx, p, d.Pool.Config().MaxConns)
		return err
	}); err != nil {
		return fmt.Errorf("seed scale: %w", err)
	}
	fmt.Fprintf(out, "scale: %d bench users created (%d sales reps, %d agents, %d customers wanted)\n",
		users, p.sales, p.agents, p.customers)

	added, err := scaleLoad(ctx, d, parts)
	if err != nil {
		return fmt.Errorf("seed scale: %w", err)
	}
	fmt.Fprintf(out, "scale: added %s in %s (%d transactions)\n", added, since(start), len(parts))

	t := time.Now()
	if _, err := d.Exec(ctx, `ANALYZE "user", account, agents, companies, contacts, pipeline_stages, deals, activities, deal_stage_changes,
		planned_activities, tickets, ticket_messages, ticket_status_changes`); err != nil {
		return fmt.Errorf("seed scale: analyze: %w", err)
	}
	fmt.Fprintf(out, "scale: analyzed in %s; n=%d done in %s\n", since(t), n, since(start))
	return nil
}

// scaleSetup ensures the pipelines and SLA policies (once, before the parts race to
// create them) and splits p into parts.
func scaleSetup(ctx context.Context, tx pgx.Tx, p scalePlan, maxConns int32) ([]scalePart, error) {
	pipes, _, err := ensurePipelines(ctx, tx, scalePipelines)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, scaleStages, []string{pipes["Inbound"], pipes["Enterprise"]}); err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}
	if _, err := tx.Exec(ctx, scaleRotting, []string{pipes["Inbound"], pipes["Enterprise"]}); err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}
	if _, err := EnsureSLAPolicies(ctx, tx); err != nil {
		return nil, err
	}
	var companyBase, contactBase int64
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM companies), (SELECT count(*) FROM contacts)`).
		Scan(&companyBase, &contactBase); err != nil {
		return nil, err
	}
	// Half the pool at most, so whatever else shares it still gets a connection.
	k := max(1, min(scaleParts, int(maxConns)/2))
	parts := make([]scalePart, k)
	for i := range parts {
		share := func(total int) int { return total*(i+1)/k - total*i/k }
		parts[i] = scalePart{
			scalePlan: scalePlan{
				sales: p.sales, agents: p.agents, customers: p.customers,
				companies: share(p.companies), contacts: share(p.contacts),
				deals: share(p.deals), tickets: share(p.tickets),
			},
			run:         auth.NewID(),
			companyBase: companyBase + int64(p.companies*i/k),
			contactBase: contactBase + int64(p.contacts*i/k),
		}
		for j, name := range scalePipelines {
			parts[i].pipes[j] = pipes[name]
		}
	}
	return parts, nil
}

// scaleLoad runs every part in its own transaction, side by side, and sums what they
// added. The first failure cancels the others.
func scaleLoad(ctx context.Context, d *db.DB, parts []scalePart) (*tally, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		added tally
	)
	for _, part := range parts {
		wg.Go(func() {
			var t tally
			err := d.InTx(ctx, func(tx pgx.Tx) error { return scaleData(ctx, tx, part, &t) })
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				cancel()
				return
			}
			for _, name := range t.names {
				added.add(name, t.n[name])
			}
		})
	}
	wg.Wait()
	return &added, first
}

// scaleData inserts one part's CRM and helpdesk rows, table by table.
func scaleData(ctx context.Context, tx pgx.Tx, p scalePart, added *tally) error {
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"companies", scaleCompanies, []any{p.run, p.companyBase, p.companies}},
		{"contacts", scaleContacts, []any{p.run, p.contactBase, p.companies, p.sales, p.contacts}},
		{"deals", scaleDeals, []any{p.run, p.contacts, p.sales, p.deals, p.pipes[0], p.pipes[1], p.pipes[2]}},
		{"activities", scaleActivities, []any{p.run, p.deals}},
		{"qualified deals spread over the stages", scaleDealStages, []any{p.run, p.deals}},
		{"deal stage changes", scaleStagePaths, []any{p.run, p.deals}},
		{"planned activities", scalePlanned, []any{p.run, p.deals}},
		{"deals' next activities", scaleNextActivities, []any{p.run, p.deals}},
		{"tickets", scaleTickets, []any{p.run, p.customers, p.tickets, p.agents}},
		{"ticket messages", scaleMessages, []any{p.run, p.agents, p.tickets}},
		{"ticket status changes", scaleHistory, []any{p.run, p.agents, p.tickets}},
	}
	for _, s := range steps {
		tag, err := tx.Exec(ctx, s.sql, s.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		added.add(s.what, tag.RowsAffected())
	}
	return nil
}

func since(t time.Time) time.Duration {
	return time.Since(t).Round(time.Millisecond)
}
