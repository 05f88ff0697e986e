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

func TestScaleRejectsNonPositiveN(t *testing.T) {
	t.Parallel()
	if err := seed.Scale(context.Background(), nil, auth.NewHasher(1), 0, io.Discard); err == nil {
		t.Fatal("Scale(0): want an error")
	}
}

// perUnit is what one unit of Scale's n adds.
var perUnit = map[string]int64{
	"companies": 2000, "contacts": 10000, "deals": 5000, "activities": 50000,
	"deal_stage_changes": 5400, "tickets": 5000, "ticket_messages": 50000, "ticket_status_changes": 14500,
}

// scaleCounts is counts with the two history tables Scale fills (Demo writes none).
func scaleCounts(t *testing.T, q db.Querier) map[string]int64 {
	t.Helper()
	m := counts(t, q)
	for _, table := range []string{"deal_stage_changes", "ticket_status_changes"} {
		m[table] = count(t, q, "SELECT count(*) FROM "+table)
	}
	return m
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
	got := scaleCounts(t, q)
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
	// Inbound and Enterprise have their own stages (three more qualified ones), each with
	// deals; Partner keeps the four it started with.
	if got := set(t, q, `SELECT p.name || ':' || count(*) FROM pipeline_stages s JOIN pipelines p ON p.id = s.pipeline_id
		GROUP BY p.name ORDER BY p.name`); got != "Enterprise:7,Inbound:7,Partner:4" {
		t.Errorf("stages per pipeline: %s", got)
	}
	zero(t, q, "stages without deals", `SELECT count(*) FROM pipeline_stages s WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.stage_id = s.id)`)
	zero(t, q, "deals whose stage is not of their kind", `SELECT count(*) FROM deals d LEFT JOIN pipeline_stages s ON s.id = d.stage_id
		WHERE s.id IS NULL OR s.kind <> d.stage OR s.pipeline_id <> d.pipeline_id`)
	some(t, q, "rotting stages", `SELECT count(*) FROM pipeline_stages WHERE rotting_days IS NOT NULL`)
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
	for _, table := range []string{"ticket_messages", "deal_stage_changes", "ticket_status_changes"} {
		if n := count(t, q, `SELECT count(*) FROM pg_stat_user_tables WHERE relname = $1 AND last_analyze IS NOT NULL`, table); n != 1 {
			t.Errorf("%s not analyzed", table)
		}
	}

	t.Run("deal stage changes", func(t *testing.T) { checkStagePaths(t, q) })
	t.Run("ticket status changes and SLA facts", func(t *testing.T) { checkTicketHistory(t, q) })

	// Demo after Scale reuses Scale's pipelines and SLA policies and adds its own rows.
	if err := seed.Demo(ctx, q, h, io.Discard); err != nil {
		t.Fatalf("Demo after Scale: %v", err)
	}
	after := scaleCounts(t, q)
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
	demo := scaleCounts(t, d.DB)
	if err := seed.Scale(ctx, d.DB, h, 2, io.Discard); err != nil {
		t.Fatalf("Scale(2) after Demo: %v", err)
	}
	two := scaleCounts(t, d.DB)
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
	three := scaleCounts(t, d.DB)
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

// checkStagePaths checks Scale's deal_stage_changes against its deals (no other deals
// are in the database): every deal past lead got there through valid changes by its
// owner, dated in its life and in order, the last one into its stage at its
// stage_changed_at; won and lost deals closed on their close date.
func checkStagePaths(t *testing.T, q db.Querier) {
	zero(t, q, "deals past lead without stage changes, or leads with some", `SELECT count(*) FROM deals d
		WHERE (d.stage <> 'lead') <> EXISTS (SELECT 1 FROM deal_stage_changes s WHERE s.deal_id = d.id)`)
	zero(t, q, "stage changes out of line", `
		SELECT count(*) FROM (
		    SELECT s.*, lag(s.to_stage) OVER w AS prev_to, lag(s.changed_at) OVER w AS prev_at,
		           row_number() OVER w AS n, lead(s.id) OVER w IS NULL AS last
		    FROM deal_stage_changes s
		    WINDOW w AS (PARTITION BY s.deal_id ORDER BY s.changed_at, s.id)
		) h JOIN deals d ON d.id = h.deal_id
		WHERE (h.n = 1 AND h.from_stage <> 'lead') OR (h.n > 1 AND h.from_stage <> h.prev_to)
		   OR h.changed_at <= h.prev_at OR h.changed_at < d.created_at OR h.changed_at > now()
		   OR h.actor_id <> d.owner_id OR h.from_stage = h.to_stage
		   OR (h.last AND (h.to_stage <> d.stage OR h.changed_at <> d.stage_changed_at))`)
	zero(t, q, "leads not in their stage since created", `SELECT count(*) FROM deals WHERE stage = 'lead' AND stage_changed_at <> created_at`)
	zero(t, q, "won or lost deals not closed on their close date", `SELECT count(*) FROM deals
		WHERE stage IN ('won', 'lost') AND (stage_changed_at <> close_date OR closed_at IS DISTINCT FROM close_date)`)
	zero(t, q, "stage changes whose stages do not follow on", `
		SELECT count(*) FROM (
		    SELECT s.*, lag(s.to_stage_id) OVER w AS prev_to, lead(s.id) OVER w IS NULL AS last
		    FROM deal_stage_changes s
		    WINDOW w AS (PARTITION BY s.deal_id ORDER BY s.changed_at, s.id)
		) h JOIN deals d ON d.id = h.deal_id
		JOIN pipeline_stages f ON f.id = h.from_stage_id JOIN pipeline_stages o ON o.id = h.to_stage_id
		WHERE (h.prev_to IS NOT NULL AND h.from_stage_id <> h.prev_to) OR (h.last AND h.to_stage_id <> d.stage_id)
		   OR f.kind <> h.from_stage OR o.kind <> h.to_stage OR f.name <> h.from_name OR o.name <> h.to_name
		   OR f.pipeline_id <> d.pipeline_id OR o.pipeline_id <> d.pipeline_id`)
	zero(t, q, "stage changes without their stages", `SELECT count(*) FROM deal_stage_changes WHERE from_stage_id IS NULL OR to_stage_id IS NULL`)
	if got := set(t, q, `SELECT DISTINCT from_stage || '>' || to_stage FROM deal_stage_changes ORDER BY 1`); got != "lead>lost,lead>qualified,qualified>lost,qualified>won" {
		t.Errorf("stage changes: %s", got)
	}
	// Lost deals: about 40% straight from lead.
	direct := count(t, q, `SELECT count(*) FROM deal_stage_changes WHERE from_stage = 'lead' AND to_stage = 'lost'`)
	lost := count(t, q, `SELECT count(*) FROM deals WHERE stage = 'lost'`)
	if direct < lost*3/10 || direct > lost*5/10 {
		t.Errorf("%d of %d lost deals lost straight from lead, want about 40%%", direct, lost)
	}
}

// checkTicketHistory checks Scale's ticket_status_changes against its tickets and
// threads (no other tickets are in the database), and the tickets' SLA bookkeeping
// against both, as internal/desk keeps them: filed by the requester; moves the desk
// allows, in order, the last into the ticket's status; reopened only by the
// requester's reply; changed otherwise by the agent who wrote in the thread.
func checkTicketHistory(t *testing.T, q db.Querier) {
	zero(t, q, "tickets without a status history", `SELECT count(*) FROM tickets t
		WHERE NOT EXISTS (SELECT 1 FROM ticket_status_changes c WHERE c.ticket_id = t.id)`)
	zero(t, q, "status changes out of line", `
		SELECT count(*) FROM (
		    SELECT c.*, lag(c.to_status) OVER w AS prev_to, lag(c.created_at) OVER w AS prev_at,
		           row_number() OVER w AS n, lead(c.id) OVER w IS NULL AS last
		    FROM ticket_status_changes c
		    WINDOW w AS (PARTITION BY c.ticket_id ORDER BY c.created_at, c.id)
		) h JOIN tickets t ON t.id = h.ticket_id
		WHERE (h.n = 1 AND (h.from_status IS NOT NULL OR h.to_status <> 'open' OR h.created_at <> t.created_at
		                    OR h.actor_id <> t.requester_id))
		   OR (h.n > 1 AND h.from_status IS DISTINCT FROM h.prev_to)
		   OR h.created_at <= h.prev_at OR h.created_at > now()
		   OR (h.last AND h.to_status <> t.status)`)
	zero(t, q, "status changes the desk does not allow", `SELECT count(*) FROM ticket_status_changes
		WHERE (coalesce(from_status, '-'), to_status) NOT IN (('-', 'open'), ('open', 'pending'), ('open', 'solved'),
		       ('pending', 'open'), ('pending', 'solved'), ('solved', 'open'), ('solved', 'closed'))`)
	zero(t, q, "tickets opened or reopened by someone other than the requester", `SELECT count(*) FROM ticket_status_changes c
		JOIN tickets t ON t.id = c.ticket_id
		WHERE c.to_status = 'open' AND c.actor_id <> t.requester_id`)
	zero(t, q, "status changes by someone other than the ticket's agent", `SELECT count(*) FROM ticket_status_changes c
		JOIN tickets t ON t.id = c.ticket_id
		WHERE c.to_status <> 'open' AND c.actor_id NOT IN (
		    SELECT m.author_id FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_id <> t.requester_id)`)
	zero(t, q, "status changes, but for closing, without their actor's message", `SELECT count(*) FROM ticket_status_changes c
		WHERE c.to_status <> 'closed' AND NOT EXISTS (SELECT 1 FROM ticket_messages m
		    WHERE m.ticket_id = c.ticket_id AND m.author_id = c.actor_id AND m.created_at = c.created_at)`)
	// A requester's message reopens a pending or solved ticket, and a closed one takes
	// no more messages.
	zero(t, q, "messages the status at the time did not allow", `SELECT count(*) FROM ticket_messages m
		JOIN tickets t ON t.id = m.ticket_id
		CROSS JOIN LATERAL (SELECT c.to_status FROM ticket_status_changes c
		    WHERE c.ticket_id = m.ticket_id AND c.created_at <= m.created_at
		    ORDER BY c.created_at DESC, c.id DESC LIMIT 1) s
		WHERE s.to_status = 'closed' OR (m.author_id = t.requester_id AND s.to_status <> 'open')`)
	// What the ticket's clock says it went through: when it was last solved, its last
	// change, the pauses (pending or solved) a reopening ended; its thread's first public
	// reply from the desk and last message (updated_at: see scale_desk.go on closed
	// tickets); and a version bumped by every submit after the first (a message, a
	// change, or both at once).
	zero(t, q, "tickets whose SLA facts do not follow their history and thread", `
		WITH h AS (
		    SELECT c.*, lead(c.to_status) OVER w AS next_to, lead(c.created_at) OVER w AS next_at
		    FROM ticket_status_changes c
		    WINDOW w AS (PARTITION BY c.ticket_id ORDER BY c.created_at, c.id)
		), f AS (
		    SELECT ticket_id,
		           max(created_at) FILTER (WHERE to_status = 'solved') AS solved,
		           max(created_at) AS last_at,
		           (array_agg(actor_id ORDER BY created_at DESC, id DESC))[1] AS last_actor,
		           coalesce(sum(extract(epoch FROM next_at - created_at))
		               FILTER (WHERE to_status IN ('pending', 'solved') AND next_to <> 'closed'), 0) AS paused
		    FROM h GROUP BY ticket_id
		), m AS (
		    SELECT m.ticket_id,
		           min(m.created_at) FILTER (WHERE NOT m.is_internal AND m.author_id <> t.requester_id) AS first_reply,
		           max(m.created_at) AS last_at, count(*) AS n,
		           (array_agg(m.author_id ORDER BY m.created_at DESC))[1] AS last_author
		    FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
		    GROUP BY m.ticket_id
		)
		SELECT count(*) FROM tickets t JOIN f ON f.ticket_id = t.id JOIN m ON m.ticket_id = t.id
		WHERE t.solved_at IS DISTINCT FROM CASE WHEN t.status IN ('solved', 'closed') THEN f.solved END
		   OR t.paused_since IS DISTINCT FROM CASE t.status WHEN 'open' THEN NULL WHEN 'pending' THEN f.last_at ELSE f.solved END
		   OR abs(t.paused_secs - f.paused) > 1
		   OR t.first_response_at IS DISTINCT FROM m.first_reply
		   OR t.updated_at <> m.last_at
		   OR t.updated_by <> CASE WHEN f.last_at > m.last_at THEN f.last_actor ELSE m.last_author END
		   OR t.version <> m.n + (SELECT count(*) FROM ticket_status_changes c WHERE c.ticket_id = t.id AND NOT EXISTS (
		          SELECT 1 FROM ticket_messages x WHERE x.ticket_id = t.id AND x.created_at = c.created_at))
		   OR t.resolve_due_at <> t.created_at + t.sla_resolve_mins * interval '1 minute' + t.paused_secs * interval '1 second'`)
	zero(t, q, "first replies before the ticket", `SELECT count(*) FROM tickets WHERE first_response_at < created_at`)
	zero(t, q, "tickets without the policy desk_sla_policy picks for their priority", `SELECT count(*) FROM tickets t
		CROSS JOIN LATERAL desk_sla_policy(t.priority) p
		WHERE t.sla_policy_id IS DISTINCT FROM p.id OR t.sla_first_response_mins IS DISTINCT FROM p.first_response_mins
		   OR t.sla_resolve_mins IS DISTINCT FROM p.resolve_mins`)
	some(t, q, "solved or closed tickets without a public reply (first response settled by the solve)",
		`SELECT count(*) FROM tickets WHERE status IN ('solved', 'closed') AND first_response_at IS NULL`)
	for _, path := range []string{"open>pending>open", "open>solved>open"} {
		some(t, q, "tickets reopened from "+path, `SELECT count(*) FROM (
			SELECT string_agg(to_status, '>' ORDER BY created_at, id) AS path FROM ticket_status_changes GROUP BY ticket_id
		) x WHERE x.path LIKE '%`+path+`%'`)
	}
	if n := count(t, q, `SELECT count(*) FROM tickets WHERE paused_secs > 0`); n < 1000 || n > 2000 {
		t.Errorf("%d tickets have a pause behind them (reopened), want 20-40%% of 5000", n)
	}
}
