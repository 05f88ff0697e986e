package activity

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/seed"
	"rapport/internal/testenv"
)

// The planned activities' statements on a database seeded like internal/crm's plan
// test (seed --scale 2: about 11k planned activities, and the user table at its size at
// scale 20), EXPLAINed: none may read a whole big table, each uses the index it was
// written for. Then, without planned_open_assignee_idx and planned_deal_idx, the same
// checker must report them.

const (
	planScale     = 2
	planCustomers = 20 * 1000
)

var fullScan = regexp.MustCompile(`Seq Scan on (deals|contacts|planned_activities|activities|calendar_feeds|activity_digests|"user")(?:\s|$)`)

func TestActivityQueryPlans(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	if err := seed.Demo(ctx, d.DB, auth.NewHasher(0), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := seed.Scale(ctx, d.DB, auth.NewHasher(0), planScale, io.Discard); err != nil {
		t.Fatal(err)
	}
	testenv.AddCustomers(t, d, planCustomers)
	var rep, planned, deal string
	if err := d.DB.QueryRow(ctx, `SELECT u.id FROM "user" u WHERE u.email = 'bench-sales-1@example.com'`).Scan(&rep); err != nil {
		t.Fatal(err)
	}
	if err := d.DB.QueryRow(ctx, `SELECT p.id, p.deal_id FROM planned_activities p WHERE p.assignee_id = $1 AND p.done_at IS NULL
		ORDER BY p.due_date, p.id LIMIT 1`, rep).Scan(&planned, &deal); err != nil {
		t.Fatal(err)
	}
	// A calendar feed, a morning email already recorded and a reminder due, so that
	// those statements read real rows.
	token, err := RotateFeed(ctx, d.DB, rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB.Exec(ctx, `INSERT INTO activity_digests (user_id, local_date) VALUES ($1, current_date)`, rep); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB.Exec(ctx, `UPDATE planned_activities SET remind_mins = 15, remind_at = due_at - interval '15 minutes'
		WHERE due_at IS NOT NULL AND done_at IS NULL AND id IN (SELECT id FROM planned_activities WHERE due_at IS NOT NULL LIMIT 200)`); err != nil {
		t.Fatal(err)
	}
	testenv.VacuumForPlans(t, d, "deals", "contacts", "planned_activities", "activities", `"user"`)
	broken := testenv.CloneDB(t, d)

	t.Run("hot statements", func(t *testing.T) {
		for _, p := range planProblems(t, d, rep, planned, deal, token) {
			t.Error(p)
		}
	})
	t.Run("without planned_open_assignee_idx and planned_deal_idx", func(t *testing.T) {
		for _, index := range []string{"planned_open_assignee_idx", "planned_deal_idx"} {
			if _, err := broken.DB.Exec(ctx, "DROP INDEX "+index); err != nil {
				t.Fatal(err)
			}
		}
		problems := planProblems(t, broken, rep, planned, deal, token)
		for _, want := range []testenv.PlanProblem{
			{Statement: "my open activities", Problem: "does not use planned_open_assignee_idx"},
			{Statement: "next activity", Problem: "does not use planned_deal_idx"},
		} {
			if !slices.ContainsFunc(problems, func(p testenv.PlanProblem) bool {
				return p.Statement == want.Statement && strings.Contains(p.Problem, want.Problem)
			}) {
				t.Errorf("the checker did not report %q; it reported:\n%s", want, testenv.FormatPlanProblems(problems))
			}
		}
	})
}

func planProblems(tb testing.TB, d *testenv.Database, rep, planned, deal, token string) []testenv.PlanProblem {
	tb.Helper()
	now := time.Now()
	today := Today(now, time.UTC)
	week := weekEnd(today)
	from, to := today.Format(time.DateOnly), week.Format(time.DateOnly)
	var pDay string
	var pSort time.Time
	if err := d.DB.QueryRow(context.Background(), `SELECT to_char(due_date, 'YYYY-MM-DD'), due_sort FROM planned_activities WHERE id = $1`, planned).
		Scan(&pDay, &pSort); err != nil {
		tb.Fatal(err)
	}
	call := "call"
	limit := listPage + 1
	plans := []struct {
		name string
		sql  string
		args []any
		uses []string
	}{
		// The navigation's count, in the session's statement (internal/auth).
		{name: "due count", sql: `SELECT u.id, ` + auth.DueActivitiesSQL + ` FROM "user" u WHERE u.id = $1`, args: []any{rep, now},
			uses: []string{"user_pkey", "planned_open_assignee_idx"}},
		{name: "choices", sql: choicesSQL, args: []any{deal}, uses: []string{"user_assignable_idx", "deals_pkey"}},
		{name: "my open activities", sql: openListSQL, args: []any{rep, nil, nil, nil, nil, nil, nil, limit},
			uses: []string{"planned_open_assignee_idx"}},
		{name: "my open activities, this week's calls", sql: openListSQL, args: []any{rep, call, from, to, nil, nil, nil, limit},
			uses: []string{"planned_open_assignee_idx"}},
		{name: "my open activities, a later page", sql: openListSQL, args: []any{rep, nil, nil, nil, pDay, pSort, planned, limit},
			uses: []string{"planned_open_assignee_idx"}},
		{name: "everyone's open activities", sql: openListSQL, args: []any{nil, nil, nil, nil, nil, nil, nil, limit},
			uses: []string{"planned_open_idx"}},
		{name: "everyone's overdue", sql: openListSQL, args: []any{nil, nil, nil, today.AddDate(0, 0, -1).Format(time.DateOnly), nil, nil, nil, limit},
			uses: []string{"planned_open_idx"}},
		{name: "my done activities", sql: doneListSQL, args: []any{rep, nil, nil, nil, nil, nil, limit},
			uses: []string{"planned_done_assignee_idx"}},
		{name: "everyone's done activities", sql: doneListSQL, args: []any{nil, nil, nil, nil, nil, nil, limit},
			uses: []string{"planned_done_idx"}},
		{name: "activity", sql: activityByIDSQL, args: []any{planned}, uses: []string{"planned_activities_pkey"}},
		{name: "lock through the activity", sql: lockActivitySQL, args: []any{planned, rep, false}, uses: []string{"planned_activities_pkey", "deals_pkey"}},
		{name: "next activity", sql: refreshNextSQL, args: []any{deal}, uses: []string{"deals_pkey", "planned_deal_idx"}},
		{name: "deal's planned activities", sql: `SELECT ` + DealPlannedSQL + ` FROM deals d WHERE d.id = $1`, args: []any{deal},
			uses: []string{"planned_deal_idx"}},
		// The staff by role (user_role_idx or user_assignable_idx, either is an index range).
		{name: "morning emails due", sql: digestDueSQL, args: []any{now, digestHour, digestBatch}},
		{name: "a morning email's activities", sql: digestListSQL, args: []any{rep, today.Format(time.DateOnly), digestMax + 1},
			uses: []string{"planned_open_assignee_idx"}},
		{name: "reminders due", sql: claimRemindersSQL, args: []any{now.Add(30 * 24 * time.Hour), reminderBatch}, uses: []string{"planned_remind_idx"}},
		{name: "calendar feed", sql: feedSQL, args: []any{feedHash(token), now.AddDate(0, 0, -feedDays)},
			uses: []string{"calendar_feeds_hash_unique", "planned_open_assignee_idx", "planned_done_assignee_idx"}},
	}
	var problems []testenv.PlanProblem
	for _, p := range plans {
		// EXPLAIN ANALYZE runs the statement: the writes run in a transaction rolled back.
		tx, err := d.DB.Pool.Begin(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		plan := testenv.Explain(tb, tx, p.sql, p.args)
		_ = tx.Rollback(context.Background())
		var found []testenv.PlanProblem
		for _, m := range fullScan.FindAllStringSubmatch(plan, -1) {
			found = append(found, testenv.PlanProblem{Statement: p.name, Problem: strings.TrimSpace(m[0])})
		}
		for _, index := range p.uses {
			if !testenv.UsesIndex(plan, index) {
				found = append(found, testenv.PlanProblem{Statement: p.name, Problem: "does not use " + index})
			}
		}
		if testing.Verbose() || len(found) > 0 {
			tb.Logf("%s:\n%s", p.name, plan)
		}
		problems = append(problems, found...)
	}
	return problems
}
