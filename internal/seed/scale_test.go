package seed_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/seed"
	"rapport/internal/testenv"
)

func TestScaleRejectsNonPositiveN(t *testing.T) {
	t.Parallel()
	if err := seed.Scale(context.Background(), nil, auth.NewHasher(1), 0, io.Discard); err == nil {
		t.Fatal("Scale(0): want an error")
	}
}

// perUnit is what one unit of Scale's n adds.
var perUnit = map[string]int64{
	"companies": 2000, "contacts": 10000, "deals": 5000, "activities": 50000,
	"tickets": 5000, "ticket_messages": 50000,
}

func TestScale(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	h := auth.NewHasher(0)
	var out bytes.Buffer
	if err := seed.Scale(ctx, d.DB, h, 1, &out); err != nil {
		t.Fatal(err)
	}
	q := d.DB
	if !strings.Contains(out.String(), "n=1 done") {
		t.Errorf("summary: %q", out.String())
	}
	got := counts(t, q)
	for table, want := range perUnit {
		within(t, table, got[table], want)
	}

	if got := set(t, q, `SELECT role || ':' || count(*) FROM "user" GROUP BY role ORDER BY role`); got != "agent:5,customer:1000,sales:10" {
		t.Errorf("users by role: %s", got)
	}
	zero(t, q, "users not named bench-<role>-<i>@example.com",
		`SELECT count(*) FROM "user" WHERE email !~ ('^bench-' || role || '-[0-9]+@example\.com$')`)
	zero(t, q, "users without exactly one credential account", `SELECT count(*) FROM "user" u
		WHERE (SELECT count(*) FROM account a WHERE a.user_id = u.id AND a.provider_id = 'credential' AND a.account_id = u.id) <> 1`)
	verifyPassword(t, q, h, "bench-customer-1000@example.com")
	verifyPassword(t, q, h, "bench-sales-1@example.com")
	if n := count(t, q, `SELECT count(*) FROM agents a JOIN "user" u ON u.id = a.user_id WHERE u.role = 'agent'`); n != 5 {
		t.Errorf("%d agents rows, want 5", n)
	}
	if n := count(t, q, `SELECT count(DISTINCT team) FROM agents`); n < 3 {
		t.Errorf("agents in %d teams, want 3 or more", n)
	}

	if got := set(t, q, `SELECT DISTINCT priority FROM sla_policies ORDER BY 1`); got != "high,low,normal,urgent" {
		t.Errorf("SLA priorities: %s", got)
	}
	if n := count(t, q, `SELECT count(DISTINCT p.name || d.stage) FROM deals d JOIN pipelines p ON p.id = d.pipeline_id`); n != 12 {
		t.Errorf("%d (pipeline, stage) pairs have deals, want all 12", n)
	}
	zero(t, q, "deals closing beyond ±90 days", `SELECT count(*) FROM deals WHERE close_date NOT BETWEEN now() - interval '91 days' AND now() + interval '91 days'`)
	zero(t, q, "deals created outside the last year", `SELECT count(*) FROM deals WHERE created_at NOT BETWEEN now() - interval '366 days' AND now()`)
	some(t, q, "overdue open deals", `SELECT count(*) FROM deals WHERE stage IN ('lead', 'qualified') AND close_date < now()`)
	if n := count(t, q, `SELECT count(DISTINCT amount_cents) FROM deals`); n < 1000 {
		t.Errorf("%d distinct amounts, want them varied", n)
	}
	zero(t, q, "deals owned by someone else than their contact's owner",
		`SELECT count(*) FROM deals d JOIN contacts c ON c.id = d.contact_id WHERE c.owner_id <> d.owner_id`)
	zero(t, q, "activities outside their deal's life", `SELECT count(*) FROM activities a JOIN deals d ON d.id = a.deal_id
		WHERE a.occurred_at < d.created_at OR a.occurred_at > now()`)
	if got := set(t, q, `SELECT DISTINCT type FROM activities ORDER BY 1`); got != "call,email,note" {
		t.Errorf("activity types: %s", got)
	}
	within(t, "contacts without a company", count(t, q, `SELECT count(*) FROM contacts WHERE company_id IS NULL`), 1500)

	if got := set(t, q, `SELECT DISTINCT status FROM tickets ORDER BY 1`); got != "closed,open,pending,solved" {
		t.Errorf("ticket statuses: %s", got)
	}
	if got := set(t, q, `SELECT DISTINCT priority FROM tickets ORDER BY 1`); got != "high,low,normal,urgent" {
		t.Errorf("ticket priorities: %s", got)
	}
	if n := count(t, q, `SELECT count(*) FROM tickets WHERE status IN ('solved', 'closed')`); n < got["tickets"]*7/10 {
		t.Errorf("%d of %d tickets solved or closed, want most", n, got["tickets"])
	}
	zero(t, q, "tickets created outside the last year", `SELECT count(*) FROM tickets WHERE created_at NOT BETWEEN now() - interval '366 days' AND now()`)
	zero(t, q, "messages out of order", threadOutOfOrder)
	zero(t, q, "messages in the future", `SELECT count(*) FROM ticket_messages WHERE created_at > now()`)
	internal := count(t, q, `SELECT count(*) FROM ticket_messages WHERE is_internal`)
	within(t, "internal notes", internal, got["ticket_messages"]*15/100)
	zero(t, q, "internal notes not by an agent", `SELECT count(*) FROM ticket_messages m JOIN "user" u ON u.id = m.author_id
		WHERE m.is_internal AND u.role <> 'agent'`)
	if n := count(t, q, `SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'ticket_messages' AND last_analyze IS NOT NULL`); n != 1 {
		t.Error("ticket_messages not analyzed")
	}

	// Demo after Scale reuses Scale's pipelines and SLA policies and adds its own rows.
	if err := seed.Demo(ctx, q, h, io.Discard); err != nil {
		t.Fatalf("Demo after Scale: %v", err)
	}
	after := counts(t, q)
	for table, want := range map[string]int64{`"user"`: 8, "pipelines": 0, "sla_policies": 0} {
		if n := after[table] - got[table]; n != want {
			t.Errorf("Demo after Scale added %d rows to %s, want %d", n, table, want)
		}
	}
	for _, table := range []string{"contacts", "deals", "activities", "tickets", "ticket_messages"} {
		if after[table] == got[table] {
			t.Errorf("Demo after Scale added no %s", table)
		}
	}
}

// Scale on top of the demo seed leaves the demo alone, grows linearly in n, and a second
// run reuses the bench users while appending another batch of data.
func TestScaleAfterDemoIsLinearAndReusesUsers(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	h := auth.NewHasher(0)
	if err := seed.Demo(ctx, d.DB, h, io.Discard); err != nil {
		t.Fatal(err)
	}
	demo := counts(t, d.DB)
	if err := seed.Scale(ctx, d.DB, h, 2, io.Discard); err != nil {
		t.Fatalf("Scale(2) after Demo: %v", err)
	}
	two := counts(t, d.DB)
	for table, want := range perUnit {
		within(t, table+" added by Scale(2)", two[table]-demo[table], 2*want)
	}
	if n := two[`"user"`] - demo[`"user"`]; n != 2*1015 {
		t.Errorf("Scale(2) added %d users, want %d", n, 2*1015)
	}
	if two["sla_policies"] != demo["sla_policies"] {
		t.Errorf("Scale added SLA policies to the demo's: %d -> %d", demo["sla_policies"], two["sla_policies"])
	}
	if got := set(t, d.DB, `SELECT name FROM pipelines ORDER BY name`); got != "Enterprise,Inbound,Partner" {
		t.Errorf("pipelines: %s, want the demo's two reused and one added", got)
	}
	verifyPassword(t, d.DB, h, "sales1@example.com")

	if err := seed.Scale(ctx, d.DB, h, 1, io.Discard); err != nil {
		t.Fatalf("Scale(1) again: %v", err)
	}
	three := counts(t, d.DB)
	for _, table := range []string{`"user"`, "account", "agents", "pipelines", "sla_policies"} {
		if three[table] != two[table] {
			t.Errorf("%s: %d rows after the second Scale, %d before; want the bench users reused", table, three[table], two[table])
		}
	}
	for table, want := range perUnit {
		within(t, table+" added by the second Scale(1)", three[table]-two[table], want)
	}
	if n := count(t, d.DB, `SELECT count(*) FROM (SELECT domain FROM companies GROUP BY domain HAVING count(*) > 1) x`); n != 0 {
		t.Errorf("%d company domains used twice across runs", n)
	}
}
