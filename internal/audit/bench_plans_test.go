package audit

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// planEntries is the log's size for the plan test: about a year of a busy company's
// sign-ins and changes (550 a day), on a user table the size of scale 20's.
const (
	planEntries = 200_000
	planUsers   = 20 * 1000
)

// auditFullScan is a plan line that reads a whole table the page must reach through an
// index: the log, or the users it names.
var auditFullScan = regexp.MustCompile(`Seq Scan on (audit_log|"user")\b[^\n]*`)

// TestAuditQueryPlans checks the plan of the page's one statement (listSQL) under each
// filter on a log of planEntries: no filter reads the whole log (or the user table),
// and each uses the index written for it. Then, on a copy without the address and
// actor-email indexes, it checks that the same checker reports those two filters. With
// -v it logs every plan.
func TestAuditQueryPlans(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	testenv.AddCustomers(t, d, planUsers)
	// A year of entries, one every 150 s, newest now. The kind of entry comes from i %
	// 100: mostly sign-ins (by the user, or failures with a typed address and no actor),
	// then sign-outs, password changes and resets, and a few admin changes to users, SLA
	// policies (50 of them) and pipelines (10). Actors cycle through every user; 5,000
	// client addresses.
	if _, err := d.DB.Exec(ctx, `
		WITH u AS MATERIALIZED (SELECT (row_number() OVER (ORDER BY id))::int - 1 AS n, id, email FROM "user"),
		     g AS (SELECT i, i % 100 AS kind, (i * 7919) % (SELECT count(*) FROM u) AS un FROM generate_series(1, $1::int) i)
		INSERT INTO audit_log (at, actor_id, actor_email, action, target_type, target_id, target_label, ip, request_id)
		SELECT now() - g.i * interval '150 seconds',
		       CASE WHEN g.kind BETWEEN 60 AND 74 OR g.kind BETWEEN 90 AND 92 THEN NULL ELSE u.id END,
		       CASE WHEN g.kind BETWEEN 60 AND 74 THEN 'typed-' || (g.i % 5000) || '@example.net'
		            WHEN g.kind BETWEEN 90 AND 92 THEN '' ELSE u.email END,
		       CASE WHEN g.kind < 60 THEN 'signin.success' WHEN g.kind < 75 THEN 'signin.failure'
		            WHEN g.kind < 85 THEN 'signin.signout' WHEN g.kind < 90 THEN 'password.change'
		            WHEN g.kind < 93 THEN 'password.forgot' WHEN g.kind < 95 THEN 'user.role'
		            WHEN g.kind = 95 THEN 'sla.update' WHEN g.kind = 96 THEN 'pipeline.rename'
		            WHEN g.kind = 97 THEN 'agent.update' WHEN g.kind = 98 THEN 'user.deactivate' ELSE 'email.verify' END,
		       CASE WHEN g.kind BETWEEN 60 AND 74 THEN '' WHEN g.kind = 95 THEN 'sla_policy' WHEN g.kind = 96 THEN 'pipeline' ELSE 'user' END,
		       CASE WHEN g.kind BETWEEN 60 AND 74 THEN ''
		            WHEN g.kind = 95 THEN md5('sla' || (g.i / 100 % 50))::uuid::text
		            WHEN g.kind = 96 THEN md5('pipeline' || (g.i / 100 % 10))::uuid::text
		            ELSE u.id END,
		       CASE WHEN g.kind BETWEEN 60 AND 74 THEN '' WHEN g.kind IN (95, 96) THEN 'Policy or pipeline' ELSE u.email END,
		       '10.0.' || (g.i % 20) || '.' || (g.i / 20 % 250),
		       md5(g.i::text)
		FROM g JOIN u ON u.n = g.un`, planEntries); err != nil {
		t.Fatal(err)
	}
	testenv.VacuumForPlans(t, d, "audit_log", `"user"`)
	broken := testenv.CloneDB(t, d)

	t.Run("each filter", func(t *testing.T) {
		for _, p := range auditPlanProblems(t, d) {
			t.Error(p)
		}
	})

	// The checker must be able to fail: without their indexes the address and the
	// actor's address are looked for in the whole log, or along audit_log_at_idx.
	t.Run("without audit_log_ip_idx and audit_log_actor_email_idx", func(t *testing.T) {
		for _, index := range []string{"audit_log_ip_idx", "audit_log_actor_email_idx"} {
			if _, err := broken.DB.Exec(context.Background(), "DROP INDEX "+index); err != nil {
				t.Fatal(err)
			}
		}
		problems := auditPlanProblems(t, broken)
		for _, want := range []testenv.PlanProblem{
			{Statement: "address", Problem: "does not use audit_log_ip_idx"},
			{Statement: "actor, exactly", Problem: "does not use audit_log_actor_email_idx"},
			{Statement: "actor, a beginning", Problem: "does not use audit_log_actor_email_idx"},
		} {
			if !slices.ContainsFunc(problems, func(p testenv.PlanProblem) bool {
				return p.Statement == want.Statement && strings.Contains(p.Problem, want.Problem)
			}) {
				t.Errorf("the checker did not report %q; it reported %d problems:\n%s", want, len(problems), testenv.FormatPlanProblems(problems))
			}
		}
	})
}

// auditPlanProblems EXPLAINs listSQL under each filter on d and lists what is wrong.
func auditPlanProblems(t *testing.T, d *testenv.Database) []testenv.PlanProblem {
	t.Helper()
	ctx := context.Background()
	// Values that are in the log: a user who acted and was acted on, an address, an
	// SLA policy; the position of an entry a few pages in.
	var email, userID string
	if err := d.DB.QueryRow(ctx, `SELECT email, id FROM "user" WHERE email = 'bench-customer-1234@example.com'`).Scan(&email, &userID); err != nil {
		t.Fatal(err)
	}
	var pos Position
	if err := d.DB.QueryRow(ctx, `SELECT at, id FROM audit_log ORDER BY at DESC, id DESC OFFSET 500 LIMIT 1`).Scan(&pos.At, &pos.ID); err != nil {
		t.Fatal(err)
	}
	var policy string
	if err := d.DB.QueryRow(ctx, `SELECT md5('sla7')::uuid::text`).Scan(&policy); err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	act := func(a Action) *Action { return &a }
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -100)
	dayAfter := day.AddDate(0, 0, 2)
	plans := []struct {
		name string
		f    Filter
		uses string
	}{
		{"everything", Filter{}, "audit_log_at_idx"},
		{"everything, a later page", Filter{After: &pos}, "audit_log_at_idx"},
		{"action", Filter{Action: act(RoleChanged)}, "audit_log_action_idx"},
		{"action, a later page", Filter{Action: act(RoleChanged), After: &pos}, "audit_log_action_idx"},
		{"actor, exactly", Filter{ActorEmail: str(email)}, "audit_log_actor_email_idx"},
		{"actor, a beginning", Filter{ActorPrefix: str(escapeLike("bench-customer-1234") + "%")}, "audit_log_actor_email_idx"},
		{"target by email", Filter{TargetEmail: str(email)}, "audit_log_target_idx"},
		{"target by id", Filter{TargetID: str(policy)}, "audit_log_target_idx"},
		{"target by a user's id", Filter{TargetID: str(userID)}, "audit_log_target_idx"},
		{"address", Filter{IP: str("10.0.3.7")}, "audit_log_ip_idx"},
		{"two days", Filter{From: &day, Before: &dayAfter}, "audit_log_at_idx"},
	}
	var problems []testenv.PlanProblem
	for _, p := range plans {
		plan := testenv.Explain(t, d.DB, listSQL, listArgs(p.f))
		for _, m := range auditFullScan.FindAllString(plan, -1) {
			problems = append(problems, testenv.PlanProblem{Statement: p.name, Problem: strings.TrimSpace(m)})
		}
		if !testenv.UsesIndex(plan, p.uses) {
			problems = append(problems, testenv.PlanProblem{Statement: p.name, Problem: "does not use " + p.uses})
		}
		if !strings.Contains(plan, "actual time=") {
			problems = append(problems, testenv.PlanProblem{Statement: p.name, Problem: "no plan"})
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", p.name, plan)
		}
	}
	return problems
}
