package crm

import (
	"context"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/seed"
	"rapport/internal/testenv"
)

// planTestScale is the seed scale TestCrmQueryPlans loads: per unit, 5k deals, 10k
// contacts, 2k companies and ~50k activities (and the desk's 5k tickets and ~50k
// messages), ~3 s to seed. It is the smallest scale at which the planner makes,
// statement by statement, the choices it makes at scale 20, the scale
// BenchmarkCrmQueryPlans checks (with planTestCustomers below).
//
// Compared plan against plan (-v shows them; the benchmark with BENCH_SCALE=20), the
// two read the same tables through the same indexes; only the wiring differs: a
// Memoize here and there, a bitmap instead of a plain scan of idx_contact_company on
// the company page, and a serial instead of a parallel pass over the deals for
// everyone's overview (which reads them all by design). The choices held over a dozen
// seeds (the seeds use random()). No planner setting or statistic is touched: what is
// checked is what Postgres chooses.
//
// Scale 1 is too small: there the company search reads all 2k companies, the cheapest
// plan for a table that small (it does not at 2 or 20).
const planTestScale = 2

// planTestCustomers fills the user table to its size at scale 20 (seed.Scale makes
// 1000 portal customers per unit). With a few thousand users the planner rightly
// hashes the whole table to name a page's owners and authors: the CRM's board does up
// to scale 5 and its timeline up to 2, the desk's queue, ticket and thread at 1, and
// the test could not tell that from a missing index. Only rows are added (customers
// who have no deals or tickets yet), no statistic is set.
const planTestCustomers = 20 * 1000

// keepDB keeps the benchmark database for the whole run (NewDB drops it when its T ends).
type keepDB struct{ testing.TB }

func (keepDB) Cleanup(func()) {}

// TestCrmQueryPlans checks the plans of the CRM's hot statements on a database seeded
// at planTestScale: none may read a whole CRM table, and each uses the index it was
// written for. With -v it logs every plan. Then, on a copy of that database without
// three of those indexes, it checks that the same checker reports them.
func TestCrmQueryPlans(t *testing.T) {
	t.Parallel()
	d := seedCrmPlans(t, t, planTestScale, planTestCustomers)
	// Copied now, while nothing else uses the seeded database.
	broken := testenv.CloneDB(t, d)

	t.Run("hot statements", func(t *testing.T) {
		for _, p := range crmPlanProblems(t, d) {
			t.Error(p)
		}
	})

	// The checker must be able to fail: without the timeline's indexes the timeline reads
	// every activity and every stage change, and without the board's index everyone's
	// cards come from idx_deal_stage (no sequential scan, so only the named-index check
	// sees it).
	t.Run("without idx_activity_deal_time, deal_stage_changes_deal_time_idx, deals_stage_board_idx and deals_forecast_idx", func(t *testing.T) {
		for _, index := range []string{"idx_activity_deal_time", "deal_stage_changes_deal_time_idx", "deals_stage_board_idx", "deals_forecast_idx"} {
			if _, err := broken.DB.Exec(context.Background(), "DROP INDEX "+index); err != nil {
				t.Fatal(err)
			}
		}
		problems := crmPlanProblems(t, broken)
		for _, want := range []testenv.PlanProblem{
			{Statement: "deal timeline", Problem: "Seq Scan on activities"},
			{Statement: "deal timeline", Problem: "does not use idx_activity_deal_time"},
			{Statement: "deal timeline", Problem: "Seq Scan on deal_stage_changes"},
			{Statement: "deal timeline", Problem: "does not use deal_stage_changes_deal_time_idx"},
			{Statement: "board cards, anyone", Problem: "does not use deals_stage_board_idx"},
			{Statement: "board, anyone", Problem: "does not use deals_stage_board_idx"},
			{Statement: "forecast, every pipeline", Problem: "does not use deals_forecast_idx"},
		} {
			if !slices.ContainsFunc(problems, func(p testenv.PlanProblem) bool {
				return p.Statement == want.Statement && strings.Contains(p.Problem, want.Problem)
			}) {
				t.Errorf("the checker did not report %q; it reported %d problems:\n%s", want, len(problems), testenv.FormatPlanProblems(problems))
			}
		}
	})
}

// BenchmarkCrmQueryPlans checks the plans of the CRM's hot queries on a database seeded
// at BENCH_SCALE (20 by default: ~100k deals, ~200k contacts, ~1M activities, ~110k
// stage changes), as TestCrmQueryPlans does at a small scale. With -v it logs each plan
// with EXPLAIN ANALYZE's timings.
// go test -run '^$' -bench CrmQueryPlans -benchtime 1x -v ./internal/crm
func BenchmarkCrmQueryPlans(b *testing.B) {
	scale := 20
	if n, err := strconv.Atoi(os.Getenv("BENCH_SCALE")); err == nil && n > 0 {
		scale = n
	}
	d := seedCrmPlans(b, keepDB{b}, scale, 0)
	for range b.N {
		for _, p := range crmPlanProblems(b, d) {
			b.Error(p)
		}
	}
}

// seedCrmPlans seeds the demo and seed.Scale(scale) into a new database (opened with
// owner, which decides when it is dropped), adds portal customers up to customers
// (seed.Scale's bench-customer-<i>, 1000 per unit of scale), and vacuums it.
func seedCrmPlans(tb, owner testing.TB, scale, customers int) *testenv.Database {
	tb.Helper()
	d := testenv.NewDB(owner)
	ctx := context.Background()
	start := time.Now()
	if err := seed.Demo(ctx, d.DB, auth.NewHasher(0), io.Discard); err != nil {
		tb.Fatal(err)
	}
	if err := seed.Scale(ctx, d.DB, auth.NewHasher(0), scale, io.Discard); err != nil {
		tb.Fatal(err)
	}
	testenv.AddCustomers(tb, d, customers)
	addCustomValues(tb, d)
	testenv.VacuumForPlans(tb, d, "deals", "contacts", "companies", "activities", "deal_stage_changes", "planned_activities", `"user"`, "pipeline_stages",
		"custom_fields", "custom_values")
	tb.Logf("seeded scale %d in %s", scale, time.Since(start).Round(time.Millisecond))
	return d
}

// crmFullScan matches a sequential scan of a big table in a plan. (Not \b after the
// name: there is none after "user", so with \b a scan of "user" went unseen.)
var crmFullScan = regexp.MustCompile(`Seq Scan on (deals|contacts|companies|activities|deal_stage_changes|planned_activities|"user"|custom_values)(?:\s|$)`)

// TestCrmFullScanPattern checks crmFullScan on plan lines.
func TestCrmFullScanPattern(t *testing.T) {
	for line, want := range map[string]bool{
		`->  Seq Scan on "user" o  (cost=0.00..29.23 rows=1023 width=45)`:           true,
		`->  Parallel Seq Scan on deals  (cost=0.00..2700.16 rows=41716 width=30)`:  true,
		`->  Seq Scan on activities a  (cost=0.00..1504.55 rows=25 width=190)`:      true,
		`->  Seq Scan on deal_stage_changes s  (cost=0.00..196.80 rows=2 width=90)`: true,
		"Seq Scan on deals": true,
		`->  Seq Scan on pipelines  (cost=0.00..19.70 rows=970 width=56)`:               false,
		`->  Seq Scan on deals_archive d  (cost=0.00..1.00 rows=1 width=8)`:             false,
		`->  Index Scan using user_pkey on "user" o  (cost=0.41..8.43 rows=1 width=45)`: false,
	} {
		if got := crmFullScan.MatchString(line); got != want {
			t.Errorf("%s: matched %v, want %v", line, got, want)
		}
	}
}

// crmPlanProblems explains (ANALYZE, BUFFERS) each hot CRM statement on d and returns
// what is wrong with the plans: a sequential scan of a big CRM table, or an index the
// statement is written for that the plan does not use. With -v it logs every plan;
// otherwise only the plans that have a problem.
func crmPlanProblems(tb testing.TB, d *testenv.Database) []testenv.PlanProblem {
	tb.Helper()
	ctx := context.Background()
	var pipe, rep, deal, contact, company, email string
	q := d.DB.QueryRow(ctx, `SELECT p.id, u.id FROM pipelines p, "user" u WHERE p.name = 'Inbound' AND u.email = 'bench-sales-1@example.com'`)
	if err := q.Scan(&pipe, &rep); err != nil {
		tb.Fatal(err)
	}
	if err := d.DB.QueryRow(ctx, `SELECT a.deal_id, d.contact_id, c.company_id, c.email FROM activities a
		JOIN deals d ON d.id = a.deal_id JOIN contacts c ON c.id = d.contact_id WHERE c.company_id IS NOT NULL
		GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC LIMIT 1`).Scan(&deal, &contact, &company, &email); err != nil {
		tb.Fatal(err)
	}
	pipes, err := ListPipelines(ctx, d.DB)
	if err != nil {
		tb.Fatal(err)
	}
	inbound := findPipeline(pipes, pipe)
	if inbound == nil || len(inbound.OpenStages()) < 4 {
		tb.Fatalf("the Inbound pipeline has no custom stages: %+v", inbound)
	}
	now := time.Now()
	board := func(owner *string, f func(*BoardFilter)) []any {
		bf := BoardFilter{Stages: inbound.OpenStages(), OwnerID: owner, Now: now, Today: today(now)}
		if f != nil {
			f(&bf)
		}
		return append(bf.args(), nil, nil, boardCards)
	}
	rotting := func(f *BoardFilter) { f.Rotting = true }
	closing := func(f *BoardFilter) {
		from, to := today(now), today(now).AddDate(0, 1, 0)
		f.CloseFrom, f.CloseBefore = &from, &to
	}
	_, plan := search("plan")
	titled := func(f *BoardFilter) { f.Search = plan }
	overdueNext := func(f *BoardFilter) { f.Next = NextOverdue }
	noneNext := func(f *BoardFilter) { f.Next = NextNone }
	everything := func(f *BoardFilter) { rotting(f); closing(f); titled(f); overdueNext(f) }
	withClosed := func(f *BoardFilter) { f.Stages = inbound.Stages }
	qualified := inbound.FirstOf(StageQualified)
	var lead string // a deal of the Inbound pipeline, for the moves
	if err := d.DB.QueryRow(ctx, `SELECT id FROM deals WHERE pipeline_id = $1 AND stage = 'lead' LIMIT 1`, pipe).Scan(&lead); err != nil {
		tb.Fatal(err)
	}
	months, monthStart, quarterStart := forecastPeriod(now, time.UTC)
	forecastArgs := func(pipeline *string) []any {
		return []any{months[0], months[0].AddDate(0, forecastMonths, 0), pipeline, quarterStart, monthStart}
	}
	day := today(now)
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	created := pickSort(DealSort, "created")
	// A word in a tenth of the deal titles and a first name in a thirtieth of the
	// contacts: the newest matches are found by walking the created-order index. A term
	// that matches (almost) nothing is found through the trigram indexes. The rare terms
	// match no row on purpose: for a term that matches a few rows, the planner's guess
	// depends on whether one of them happens to be among the 100 histogram bounds
	// ANALYZE kept, and if it is, it guesses 1% of the table and walks the created-order
	// index instead (seen at scale 2 with one contact's email: the walk read every
	// contact), so a real row's title or email would make the check fail at random.
	_, titleQ := search("migration")
	_, who := search("olivia")
	_, rareTitle := search("Hyperion upgrade")
	_, rareEmail := search("zoe.quintero@hyperion.example")
	limit := listPage + 1
	fields := map[string]CustomField{}
	for _, e := range Entities {
		list, err := ListFields(ctx, d.DB, e)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range list {
			fields[f.Label] = f
		}
	}
	custom := func(params url.Values, names ...string) customQuery {
		var list []CustomField
		for _, n := range names {
			list = append(list, fields[n])
		}
		return readCustomQuery(params, list)
	}
	account, tier, size, reseller := fields["Account number"], fields["Tier"], fields["Seats"], fields["Reseller"]
	contactsCF, contactsCFArgs := custom(url.Values{account.Name(): {"ACC-777"}}, "Account number").
		apply(listQuery(pickSort(ContactSort, "created").sql(listContactsSQL)), "c.id", []any{nil, nil, nil, nil, nil, limit})
	contactsTier, contactsTierArgs := custom(url.Values{tier.Name(): {"Gold"}, "col": {tier.ID}}, "Tier").
		apply(listQuery(pickSort(ContactSort, "created").sql(listContactsSQL)), "c.id", []any{rep, nil, nil, nil, nil, limit})
	dealsCF, dealsCFArgs := custom(url.Values{size.Name(): {"500"}, "col": {size.ID}}, "Seats").
		apply(listQuery(created.sql(listDealsSQL)), "d.id", []any{nil, nil, nil, nil, nil, nil, nil, limit})
	companiesCF, companiesCFArgs := custom(url.Values{reseller.Name(): {"yes"}, "col": {reseller.ID}}, "Reseller").
		apply(listQuery(pickSort(CompanySort, "name").sql(listCompaniesSQL)), "co.id", []any{nil, nil, nil, limit})
	plans := []struct {
		name string
		sql  string
		args []any
		// uses are the indexes the statement is written for: its plan must name each.
		uses []string
		// wholeTable is a table the statement may read in full, once.
		wholeTable string
		// write: the statement changes rows, so it is explained in a transaction that
		// is rolled back.
		write bool
	}{
		{name: "board, a rep", sql: boardSQL, args: board(&rep, nil), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, a rep, rotting", sql: boardSQL, args: board(&rep, rotting), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, a rep, every filter", sql: boardSQL, args: board(&rep, everything), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, a rep, with won and lost", sql: boardSQL, args: board(&rep, withClosed), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, anyone", sql: boardSQL, args: board(nil, nil), uses: []string{"deals_stage_board_idx"}},
		{name: "board, anyone, rotting", sql: boardSQL, args: board(nil, rotting), uses: []string{"deals_stage_board_idx"}},
		{name: "board, anyone, closing this month", sql: boardSQL, args: board(nil, closing), uses: []string{"deals_stage_board_idx"}},
		{name: "board, anyone, a title", sql: boardSQL, args: board(nil, titled)},
		{name: "board, a rep, next activity overdue", sql: boardSQL, args: board(&rep, overdueNext), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, a rep, no next activity", sql: boardSQL, args: board(&rep, noneNext), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board, anyone, next activity overdue", sql: boardSQL, args: board(nil, overdueNext), uses: []string{"deals_stage_board_idx"}},
		{name: "board, anyone, no next activity", sql: boardSQL, args: board(nil, noneNext), uses: []string{"deals_stage_board_idx"}},
		{name: "board cards, anyone, no next activity", sql: boardCardsSQL, args: board(nil, noneNext), uses: []string{"deals_stage_board_idx"}},
		{name: "board, anyone, with won and lost", sql: boardSQL, args: board(nil, withClosed), uses: []string{"deals_stage_board_idx"}},
		{name: "board cards, a rep", sql: boardCardsSQL, args: board(&rep, nil), uses: []string{"deals_stage_board_owner_idx"}},
		{name: "board cards, anyone", sql: boardCardsSQL, args: board(nil, nil), uses: []string{"deals_stage_board_idx"}},
		{name: "board cards, anyone, rotting", sql: boardCardsSQL, args: board(nil, rotting), uses: []string{"deals_stage_board_idx"}},
		{name: "owners", sql: ownersSQL, uses: []string{"user_assignable_idx"}},
		{name: "pipelines", sql: listPipelinesSQL},
		{name: "choices", sql: choicesSQL, uses: []string{"user_assignable_idx"}},
		{name: "deal", sql: dealByIDSQL, args: []any{deal}, uses: []string{"deals_pkey"}},
		// The deal page's deal with its stages and open planned activities (issue 10).
		{name: "deal page", sql: dealShowSQL, args: []any{deal}, uses: []string{"deals_pkey", "planned_deal_idx"}},
		// pipeline_stages is a few rows per pipeline: read whole, by design.
		{name: "a move's target stage", sql: targetStageSQL, args: []any{deal, qualified.ID, nil}},
		{name: "a move's target stage by kind", sql: targetStageSQL, args: []any{deal, nil, "won"},
			uses: []string{"deals_pkey", "deal_stage_changes_deal_time_idx"}},
		{name: "a reopen's target stage", sql: targetStageSQL, args: []any{deal, nil, "open"},
			uses: []string{"deals_pkey", "deal_stage_changes_deal_time_idx"}},
		{name: "a move's lock", sql: lockDealSQL, args: []any{deal, true, rep}, uses: []string{"deals_pkey"}},
		{name: "the admin's pipeline page", sql: pipelineAdminSQL, args: []any{pipe}, uses: []string{"deals_stage_board_idx"}},
		{name: "lost reasons", sql: listLostReasonsSQL},
		{name: "forecast, every pipeline", sql: forecastSQL, args: forecastArgs(nil), uses: []string{"deals_forecast_idx", "deals_won_idx"}},
		{name: "forecast, a pipeline", sql: forecastSQL, args: forecastArgs(&pipe), uses: []string{"deals_forecast_idx", "deals_won_idx"}},
		{name: "deal timeline", sql: dealTimelineSQL, args: []any{deal, nil, nil, timelinePage + 1},
			uses: []string{"idx_activity_deal_time", "deal_stage_changes_deal_time_idx"}},
		// Custom fields (issue 11): a list filtered on a field reads that field's matching
		// values by its typed index, or walks the list's own order and probes each row's
		// value by the primary key; shown columns are read by the primary key.
		{name: "contact list, a custom text filter", sql: contactsCF, args: contactsCFArgs, uses: []string{"custom_values_text_idx"}},
		{name: "contact list, a custom choice filter and column", sql: contactsTier, args: contactsTierArgs},
		{name: "deal list, a custom number filter", sql: dealsCF, args: dealsCFArgs, uses: []string{"custom_values_num_idx"}},
		// A yes/no that half the companies have: the values come by custom_values_bool_idx,
		// and hashing them against the companies read whole is the cheapest plan at this
		// scale (the planner's own choice: half the rows match).
		{name: "company list, a custom yes/no filter and column", sql: companiesCF, args: companiesCFArgs,
			uses: []string{"custom_values_bool_idx"}, wholeTable: "companies"},
		{name: "contact page, custom values", sql: contactPageSQL, args: []any{contact, pageLimit, 20}, uses: []string{"custom_values_pkey"}},
		{name: "deal list, a rep", sql: plain(created.sql(listDealsSQL)), args: []any{rep, nil, nil, nil, nil, nil, nil, limit},
			uses: []string{"deals_owner_created_idx"}},
		{name: "deal list, anyone", sql: plain(created.sql(listDealsSQL)), args: []any{nil, nil, nil, nil, nil, nil, nil, limit},
			uses: []string{"deals_created_idx"}},
		{name: "deal search, anyone", sql: plain(created.sql(listDealsSQL)), args: []any{nil, nil, nil, nil, titleQ, nil, nil, limit}},
		{name: "deal search, a rare term", sql: plain(created.sql(listDealsSQL)), args: []any{nil, nil, nil, nil, rareTitle, nil, nil, limit},
			uses: []string{"deals_search_idx"}},
		{name: "contact list, a rep", sql: plain(pickSort(ContactSort, "created").sql(listContactsSQL)), args: []any{rep, nil, nil, nil, nil, limit},
			uses: []string{"contacts_owner_created_idx"}},
		{name: "contact search, anyone", sql: plain(pickSort(ContactSort, "created").sql(listContactsSQL)), args: []any{nil, nil, who, nil, nil, limit}},
		{name: "contact search, a rare term", sql: plain(pickSort(ContactSort, "created").sql(listContactsSQL)), args: []any{nil, nil, rareEmail, nil, nil, limit},
			uses: []string{"contacts_search_idx"}},
		{name: "company list", sql: plain(pickSort(CompanySort, "name").sql(listCompaniesSQL)), args: []any{nil, nil, nil, limit},
			uses: []string{"companies_name_idx", "idx_contact_company"}},
		{name: "company search", sql: plain(pickSort(CompanySort, "name").sql(listCompaniesSQL)), args: []any{titleQ, nil, nil, limit},
			uses: []string{"companies_search_idx"}},
		{name: "contact by email", sql: contactByEmailSQL, args: []any{strings.ToUpper(email)},
			uses: []string{"contacts_email_unique"}},
		{name: "snapshot", sql: snapshotSQL, args: []any{email},
			uses: []string{"contacts_email_unique", "idx_deal_contact"}},
		{name: "contact page", sql: contactPageSQL, args: []any{contact, pageLimit, 20},
			uses: []string{"idx_deal_contact", "idx_activity_deal_time"}},
		{name: "company page", sql: companyPageSQL, args: []any{company, pageLimit + 1, pageLimit, 20},
			uses: []string{"idx_contact_company", "idx_deal_contact", "idx_activity_deal_time"}},
		{name: "deal list choices, a company", sql: listChoicesSQL, args: []any{nil, "example.com", "deal"},
			uses: []string{"companies_domain_unique"}},
		// A rep's figures are index-only on the board's owner index, which covers every
		// column they sum (stage, amount, close date) since it carries the next activity's.
		{name: "overview, a rep", sql: overviewSQL, args: []any{rep, month, day, day.AddDate(0, 0, 14)},
			uses: []string{"deals_stage_board_owner_idx"}},
		// Everyone's overview aggregates every deal, by design (one pass over the heap).
		{name: "overview, anyone", sql: overviewSQL, args: []any{nil, month, day, day.AddDate(0, 0, 14)},
			wholeTable: "deals"},
		{name: "due deals, a rep", sql: dueDealsSQL, args: []any{rep, day, day.AddDate(0, 0, 14), 10},
			uses: []string{"deals_owner_open_close_idx"}},
		{name: "due deals, anyone", sql: dueDealsSQL, args: []any{nil, day, day.AddDate(0, 0, 14), 10},
			uses: []string{"deals_open_close_idx"}},
		// The writes last: their rolled-back rows clear the visibility map of the pages
		// they touched, which would change the plans of the reads after them.
		{name: "a move", sql: moveDealSQL, write: true, args: []any{lead, qualified.ID, qualified.Kind, "lead", rep, nil, "Lead", qualified.Name, nil, nil},
			uses: []string{"deals_pkey"}},
		// Removing a stage moves all its deals: one range of the board index, by design.
		{name: "a removed stage's deals moved", sql: moveStageDealsSQL, write: true,
			args: []any{qualified.ID, inbound.FirstOf(StageLead).ID, "lead", "qualified", rep, qualified.Name, "Lead"},
			uses: []string{"deals_stage_board_idx"}},
	}
	execution := regexp.MustCompile(`Execution Time: ([\d.]+) ms`)
	var problems []testenv.PlanProblem
	for _, p := range plans {
		var plan string
		if p.write {
			tx, err := d.DB.Pool.Begin(ctx)
			if err != nil {
				tb.Fatal(err)
			}
			plan = testenv.Explain(tb, tx, p.sql, p.args)
			_ = tx.Rollback(ctx)
		} else {
			plan = testenv.Explain(tb, d.DB, p.sql, p.args)
		}
		var found []testenv.PlanProblem
		whole := 0
		for _, m := range crmFullScan.FindAllStringSubmatch(plan, -1) {
			if m[1] == p.wholeTable && whole == 0 {
				whole++
				continue
			}
			found = append(found, testenv.PlanProblem{Statement: p.name, Problem: strings.TrimSpace(m[0])})
		}
		for _, index := range p.uses {
			if !testenv.UsesIndex(plan, index) {
				found = append(found, testenv.PlanProblem{Statement: p.name, Problem: "does not use " + index})
			}
		}
		if testing.Verbose() || len(found) > 0 {
			ms := ""
			if m := execution.FindStringSubmatch(plan); m != nil {
				ms = m[1] + " ms"
			}
			tb.Logf("%s: %s\n%s", p.name, ms, plan)
		}
		problems = append(problems, found...)
	}
	return problems
}

// listQuery is a list statement without the export's columns.
func listQuery(sql string) string { return strings.Replace(sql, "{{EXTRA}}", "", 1) }

// plain is a list statement without custom filters or columns.
func plain(sql string) string {
	q, _ := customQuery{}.apply(listQuery(sql), "x", nil)
	return q
}

// addCustomValues adds custom fields with values, as a team would have them: every
// contact a tier (a third each) and a fifth of them an account number of their own;
// every deal a number of seats (1 to 1000); every company a reseller flag.
func addCustomValues(tb testing.TB, d *testenv.Database) {
	tb.Helper()
	ctx := context.Background()
	if _, err := d.DB.Exec(ctx, `
WITH f AS (
    INSERT INTO custom_fields (entity, kind, label, choices) VALUES
        ('contact', 'text', 'Account number', '{}'), ('contact', 'choice', 'Tier', '{Gold,Silver,Bronze}'),
        ('deal', 'number', 'Seats', '{}'), ('company', 'bool', 'Reseller', '{}')
    RETURNING id, label
), contact_values AS (
    INSERT INTO custom_values (field_id, record_id, value_text)
    SELECT f.id, c.id, 'ACC-' || n FROM f, (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contacts) c
    WHERE f.label = 'Account number' AND c.n % 5 = 0
    UNION ALL
    SELECT f.id, c.id, (ARRAY['Gold', 'Silver', 'Bronze'])[1 + (hashtext(c.id::text) & 2147483647) % 3] FROM f, contacts c WHERE f.label = 'Tier'
), deal_values AS (
    INSERT INTO custom_values (field_id, record_id, value_num)
    SELECT f.id, d.id, 1 + (hashtext(d.id::text) & 2147483647) % 1000 FROM f, deals d WHERE f.label = 'Seats'
)
INSERT INTO custom_values (field_id, record_id, value_bool)
SELECT f.id, co.id, (hashtext(co.id::text) & 1) = 0 FROM f, companies co WHERE f.label = 'Reseller'`); err != nil {
		tb.Fatal(err)
	}
}
