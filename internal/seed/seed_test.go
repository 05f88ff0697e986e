package seed_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/seed"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var tables = []string{`"user"`, "account", "agents", "companies", "contacts", "pipelines", "deals",
	"activities", "sla_policies", "tickets", "ticket_messages"}

func count(t *testing.T, q db.Querier, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func counts(t *testing.T, q db.Querier) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	for _, table := range tables {
		m[table] = count(t, q, "SELECT count(*) FROM "+table)
	}
	return m
}

// set returns the distinct values of a one-column query, joined in order.
func set(t *testing.T, q db.Querier, sql string) string {
	t.Helper()
	rows, err := q.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var vals []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		vals = append(vals, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(vals, ",")
}

func zero(t *testing.T, q db.Querier, what, sql string) {
	t.Helper()
	if n := count(t, q, sql); n != 0 {
		t.Errorf("%s: %d rows, want none", what, n)
	}
}

func some(t *testing.T, q db.Querier, what, sql string) {
	t.Helper()
	if n := count(t, q, sql); n == 0 {
		t.Errorf("%s: none, want some", what)
	}
}

func within(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got < want*9/10 || got > want*11/10 {
		t.Errorf("%s: %d, want %d ±10%%", what, got, want)
	}
}

// verifyPassword checks that the user's credential account holds a hash of DemoPassword.
func verifyPassword(t *testing.T, q db.Querier, h *auth.Hasher, email string) {
	t.Helper()
	var hash string
	err := q.QueryRow(context.Background(), `SELECT a.password FROM account a JOIN "user" u ON u.id = a.user_id
		WHERE u.email = $1 AND a.provider_id = 'credential' AND a.account_id = u.id`, email).Scan(&hash)
	if err != nil {
		t.Fatalf("credential account of %s: %v", email, err)
	}
	ok, err := h.Verify(context.Background(), seed.DemoPassword, hash)
	if err != nil || !ok {
		t.Errorf("%s: DemoPassword does not verify (%v)", email, err)
	}
	if ok, _ := h.Verify(context.Background(), "not-the-password", hash); ok {
		t.Errorf("%s: a wrong password verifies", email)
	}
}

// Threads read in order: no message is older than its ticket or than the one before it.
const threadOutOfOrder = `
SELECT count(*) FROM (
    SELECT m.created_at, t.created_at AS opened,
           lag(m.created_at) OVER (PARTITION BY m.ticket_id ORDER BY m.created_at, m.id) AS prev
    FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
) x WHERE x.created_at < x.opened OR x.prev >= x.created_at`

func TestDemoTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	h := auth.NewHasher(0)
	if err := seed.Demo(ctx, d.DB, h, io.Discard); err != nil {
		t.Fatal(err)
	}
	before := counts(t, d.DB)
	var out bytes.Buffer
	if err := seed.Demo(ctx, d.DB, h, &out); err != nil {
		t.Fatalf("second Demo: %v", err)
	}
	after := counts(t, d.DB)
	for _, table := range tables {
		if before[table] == 0 {
			t.Errorf("%s: empty after Demo", table)
		}
		if after[table] != before[table] {
			t.Errorf("%s: %d rows after the second Demo, %d after the first", table, after[table], before[table])
		}
	}
	if !strings.Contains(out.String(), "nothing added") {
		t.Errorf("second Demo's summary: %q, want it to say nothing was added", out.String())
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	h := auth.NewHasher(0)
	var out bytes.Buffer
	if err := seed.Demo(ctx, d.DB, h, &out); err != nil {
		t.Fatal(err)
	}
	q := d.DB
	if s := out.String(); !strings.Contains(s, "admin@example.com") || !strings.Contains(s, seed.DemoPassword) {
		t.Errorf("summary %q: want the logins and the password", s)
	}

	t.Run("users", func(t *testing.T) {
		got := set(t, q, `SELECT role || ':' || email FROM "user" ORDER BY role, email`)
		want := "admin:admin@example.com,agent:agent1@example.com,agent:agent2@example.com," +
			"customer:customer1@example.com,customer:customer2@example.com,customer:customer3@example.com," +
			"sales:sales1@example.com,sales:sales2@example.com"
		if got != want {
			t.Errorf("users:\n got %s\nwant %s", got, want)
		}
		if u, err := auth.UserByEmail(ctx, q, "sales1@example.com"); err != nil || u.Name != "Sam Seller" {
			t.Errorf("sales1: %+v, %v; want Sam Seller", u, err)
		}
		for email, team := range map[string]string{"agent1@example.com": "Tier 1", "agent2@example.com": "Billing"} {
			u, err := auth.UserByEmail(ctx, q, email)
			if err != nil || u.Team == nil || *u.Team != team {
				t.Errorf("%s: %+v, %v; want team %s", email, u, err, team)
			}
		}
		zero(t, q, "users without exactly one credential account", `SELECT count(*) FROM "user" u
			WHERE (SELECT count(*) FROM account a WHERE a.user_id = u.id AND a.provider_id = 'credential' AND a.account_id = u.id) <> 1`)
		if n := count(t, q, `SELECT count(DISTINCT password) FROM account`); n != 1 {
			t.Errorf("%d distinct password hashes, want 1 (hashed once, reused)", n)
		}
		for _, email := range []string{"customer1@example.com", "customer2@example.com", "customer3@example.com"} {
			verifyPassword(t, q, h, email)
		}
	})

	t.Run("crm", func(t *testing.T) {
		if n := count(t, q, `SELECT count(*) FROM companies`); n < 5 || n > 8 {
			t.Errorf("%d companies, want about 6", n)
		}
		zero(t, q, "companies without a bare lower-case domain",
			`SELECT count(*) FROM companies WHERE domain IS NULL OR domain !~ '^[a-z0-9-]+(\.[a-z0-9-]+)+$' OR domain LIKE 'www.%'`)
		if n := count(t, q, `SELECT count(*) FROM contacts`); n < 12 || n > 18 {
			t.Errorf("%d contacts, want about 15", n)
		}
		some(t, q, "contacts without a company", `SELECT count(*) FROM contacts WHERE company_id IS NULL`)
		if n := count(t, q, `SELECT count(*) FROM contacts c JOIN "user" u ON u.email = c.email WHERE u.role = 'customer'`); n != 3 {
			t.Errorf("%d contacts are customer users, want 3", n)
		}
		got := set(t, q, `SELECT DISTINCT p.name || ':' || d.stage FROM deals d JOIN pipelines p ON p.id = d.pipeline_id ORDER BY 1`)
		want := "Enterprise:lead,Enterprise:lost,Enterprise:qualified,Enterprise:won," +
			"Inbound:lead,Inbound:lost,Inbound:qualified,Inbound:won"
		if got != want {
			t.Errorf("pipeline stages:\n got %s\nwant %s", got, want)
		}
		if got := set(t, q, `SELECT DISTINCT u.email FROM deals d JOIN "user" u ON u.id = d.owner_id ORDER BY 1`); got != "sales1@example.com,sales2@example.com" {
			t.Errorf("deal owners: %s, want both reps", got)
		}
		zero(t, q, "deals without an amount", `SELECT count(*) FROM deals WHERE amount_cents <= 0`)
		some(t, q, "overdue open deals", `SELECT count(*) FROM deals WHERE stage IN ('lead', 'qualified') AND close_date < now()`)
		some(t, q, "deals closing in the next 14 days", `SELECT count(*) FROM deals WHERE close_date BETWEEN now() AND now() + interval '14 days'`)
		zero(t, q, "deals without activities", `SELECT count(*) FROM deals d WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id)`)
		if got := set(t, q, `SELECT DISTINCT type FROM activities ORDER BY 1`); got != "call,email,note" {
			t.Errorf("activity types: %s", got)
		}
		zero(t, q, "activities in the future", `SELECT count(*) FROM activities WHERE occurred_at > now()`)
		if n := count(t, q, `SELECT count(DISTINCT date_trunc('week', occurred_at)) FROM activities`); n < 4 {
			t.Errorf("activities span %d weeks, want them spread over several", n)
		}
	})

	t.Run("desk", func(t *testing.T) {
		got := set(t, q, `SELECT priority || ':' || first_response_mins || '/' || resolve_mins FROM sla_policies ORDER BY 1`)
		if got != "high:60/480,low:480/2880,normal:240/1440,urgent:30/240" {
			t.Errorf("SLA policies: %s", got)
		}
		if got := set(t, q, `SELECT DISTINCT status FROM tickets ORDER BY 1`); got != "closed,open,pending,solved" {
			t.Errorf("ticket statuses: %s", got)
		}
		if got := set(t, q, `SELECT DISTINCT priority FROM tickets ORDER BY 1`); got != "high,low,normal,urgent" {
			t.Errorf("ticket priorities: %s", got)
		}
		zero(t, q, "tickets not from a customer", `SELECT count(*) FROM tickets t JOIN "user" u ON u.id = t.requester_id WHERE u.role <> 'customer'`)
		zero(t, q, "threads not opened by the requester's public message", `
			SELECT count(*) FROM tickets t WHERE NOT EXISTS (
			    SELECT 1 FROM (SELECT * FROM ticket_messages m WHERE m.ticket_id = t.id ORDER BY m.created_at LIMIT 1) f
			    WHERE f.author_id = t.requester_id AND NOT f.is_internal)`)
		zero(t, q, "messages out of order", threadOutOfOrder)
		some(t, q, "agents' public replies", `SELECT count(*) FROM ticket_messages m JOIN "user" u ON u.id = m.author_id
			WHERE u.role = 'agent' AND NOT m.is_internal`)
		some(t, q, "internal notes", `SELECT count(*) FROM ticket_messages WHERE is_internal`)
		zero(t, q, "internal notes not by an agent", `SELECT count(*) FROM ticket_messages m JOIN "user" u ON u.id = m.author_id
			WHERE m.is_internal AND u.role <> 'agent'`)
		zero(t, q, "messages in the future", `SELECT count(*) FROM ticket_messages WHERE created_at > now()`)
	})
}
