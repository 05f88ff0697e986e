package crm

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// searchPlanCase is one query shape of the global search.
type searchPlanCase struct {
	name, query string
	deals       bool
	only        string
	uses        []string
}

// searchPlanCases are the shapes the search must serve from its indexes: one word, a
// prefix, two words, common words (a third of the deals, a quarter of the contacts),
// an email, a domain, a single letter, and a typo (no word matches: the trigram
// fallback of every group).
func searchPlanCases(email string) []searchPlanCase {
	all := []string{"companies_search_tsv_idx", "contacts_search_tsv_idx", "deals_search_tsv_idx"}
	return []searchPlanCase{
		{name: "one word", query: "summit", deals: true, uses: all},
		{name: "a prefix", query: "summ", deals: true, uses: all},
		{name: "two words", query: "ava chen", deals: true, uses: all},
		{name: "a common word", query: "plan", deals: true, uses: all},
		{name: "a common word (com)", query: "com", deals: true, uses: all},
		{name: "two common words", query: "pro plan", deals: true, uses: all},
		{name: "an email", query: email, deals: true, uses: all},
		{name: "a domain", query: "gmail.com", deals: true, uses: all},
		{name: "a letter", query: "a", deals: true, uses: all},
		{name: "an agent (no deals)", query: "summit", deals: false, uses: all[:2]},
		{name: "a typo", query: "Sumit Logstics", deals: true, uses: []string{"companies_name_fold_trgm_idx", "contacts_search_idx", "deals_title_fold_trgm_idx"}},
		{name: "the company picker", query: "summit lab", only: "company", uses: all[:1]},
		{name: "the contact picker", query: "ava", only: "contact", uses: all[1:2]},
	}
}

// TestSearchQueryPlans checks that every shape of the global search reads its GIN
// indexes and no CRM table in full, at planTestScale; then that the checker fails
// without the contacts' index.
func TestSearchQueryPlans(t *testing.T) {
	t.Parallel()
	d := seedCrmPlans(t, t, planTestScale, planTestCustomers)
	broken := testenv.CloneDB(t, d)
	t.Run("shapes", func(t *testing.T) {
		for _, p := range searchPlanProblems(t, d, 1) {
			t.Error(p)
		}
	})
	t.Run("without contacts_search_tsv_idx", func(t *testing.T) {
		if _, err := broken.DB.Exec(context.Background(), "DROP INDEX contacts_search_tsv_idx"); err != nil {
			t.Fatal(err)
		}
		problems := searchPlanProblems(t, broken, 1)
		if !slices.ContainsFunc(problems, func(p testenv.PlanProblem) bool {
			return p.Statement == "one word" && strings.Contains(p.Problem, "does not use contacts_search_tsv_idx")
		}) {
			t.Errorf("the checker did not report the missing index:\n%s", testenv.FormatPlanProblems(problems))
		}
	})
}

// BenchmarkSearchQueryPlans checks the search's plans at BENCH_SCALE (20 by default)
// and logs each shape's p50 and p99 over runs executions through the pool (PgBouncer
// included), the target being p99 ≤ 50 ms.
// go test -run '^$' -bench SearchQueryPlans -benchtime 1x -v ./internal/crm
func BenchmarkSearchQueryPlans(b *testing.B) {
	scale := 20
	if n, err := strconv.Atoi(os.Getenv("BENCH_SCALE")); err == nil && n > 0 {
		scale = n
	}
	d := seedCrmPlans(b, keepDB{b}, scale, 0)
	for range b.N {
		for _, p := range searchPlanProblems(b, d, 200) {
			b.Error(p)
		}
	}
}

// searchPlanProblems explains each shape and returns what is wrong: a whole-table
// scan of a CRM table, an index it does not use. With runs > 1 it also times runs
// executions of each and logs p50 and p99.
func searchPlanProblems(tb testing.TB, d *testenv.Database, runs int) []testenv.PlanProblem {
	tb.Helper()
	ctx := context.Background()
	var email string
	if err := d.DB.QueryRow(ctx, `SELECT email FROM contacts ORDER BY created_at DESC LIMIT 1`).Scan(&email); err != nil {
		tb.Fatal(err)
	}
	execution := regexp.MustCompile(`Execution Time: ([\d.]+) ms`)
	var problems []testenv.PlanProblem
	for _, c := range searchPlanCases(email) {
		args := []any{c.query, searchShown + 1, c.deals, c.only}
		plan := testenv.Explain(tb, d.DB, searchSQL, args)
		var found []testenv.PlanProblem
		for _, m := range crmFullScan.FindAllStringSubmatch(plan, -1) {
			found = append(found, testenv.PlanProblem{Statement: c.name, Problem: strings.TrimSpace(m[0])})
		}
		for _, index := range c.uses {
			if !testenv.UsesIndex(plan, index) {
				found = append(found, testenv.PlanProblem{Statement: c.name, Problem: "does not use " + index})
			}
		}
		ms := ""
		if m := execution.FindStringSubmatch(plan); m != nil {
			ms = m[1] + " ms"
		}
		if runs > 1 {
			times := make([]time.Duration, 0, runs)
			for range runs {
				start := time.Now()
				if _, err := Search(ctx, d.DB, c.query, SearchOptions{Deals: c.deals, Only: c.only, Limit: searchShown + 1}); err != nil {
					tb.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			tb.Logf("%s (%q): p50 %s, p99 %s over %d runs", c.name, c.query, times[len(times)/2], times[len(times)*99/100], runs)
		}
		if testing.Verbose() || len(found) > 0 {
			tb.Logf("%s (%q): %s\n%s", c.name, c.query, ms, plan)
		}
		problems = append(problems, found...)
	}
	// The duplicates page: the newest records by their created index, each probing
	// its neighbours through an index.
	plan := testenv.Explain(tb, d.DB, duplicatesSQL, nil)
	for _, m := range crmFullScan.FindAllStringSubmatch(plan, -1) {
		problems = append(problems, testenv.PlanProblem{Statement: "duplicates", Problem: strings.TrimSpace(m[0])})
	}
	for _, index := range []string{"contacts_created_idx", "companies_created_idx", "idx_contact_company", "companies_name_idx", "companies_domain_label_idx"} {
		if !testenv.UsesIndex(plan, index) {
			problems = append(problems, testenv.PlanProblem{Statement: "duplicates", Problem: "does not use " + index})
		}
	}
	if testing.Verbose() {
		ms := ""
		if m := execution.FindStringSubmatch(plan); m != nil {
			ms = m[1] + " ms"
		}
		tb.Logf("duplicates: %s\n%s", ms, plan)
	}
	return problems
}
