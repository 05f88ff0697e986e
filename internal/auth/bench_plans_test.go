package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// planUsers is the user table's size at scale 20 (seed.Scale's portal customers); every
// user gets tokens and throttle counters below, so the two tables are that size too.
const planUsers = 20 * 1000

// authFullScan is a plan line that reads a whole table the sign-in, reset and
// confirmation statements must reach through an index. (It ended in \b until the
// two-step plans: after `"user"` a \b never matches, so a scan of the user table went
// unseen; the test now checks the pattern on such a line.)
var authFullScan = regexp.MustCompile(`Seq Scan on (verification|auth_throttle|"user")( [^\n]*)?(\n|$)`)

// TestAuthQueryPlans checks the plans of the token and throttle statements (the reset,
// invitation and confirmation links, and every sign-in's reservation) on tables the size
// they have at scale 20: none may read a whole verification, auth_throttle or user
// table, and each uses the index it was written for. Each statement runs under EXPLAIN
// ANALYZE in a transaction that is rolled back. With -v it logs every plan.
func TestAuthQueryPlans(t *testing.T) {
	t.Parallel()
	if !authFullScan.MatchString("->  Seq Scan on \"user\" u  (cost=0.00..580.00 rows=20000 width=41)\n") {
		t.Fatal("authFullScan misses a scan of the user table")
	}
	d := testenv.NewDB(t)
	ctx := context.Background()
	testenv.AddCustomers(t, d, planUsers)
	// Per user: a live and an expired reset link, a live confirmation link and a
	// once-a-minute row; per user, a failed sign-in pair, account and address counter.
	if _, err := d.DB.Exec(ctx, `
		INSERT INTO verification (id, identifier, value, expires_at, created_at)
		SELECT md5(random()::text), p || ':' || md5(random()::text), u.id, now() + e, now() - interval '1 hour'
		FROM "user" u, (VALUES ('reset-password', interval '1 hour'), ('reset-password', interval '-1 hour'),
		                       ('verify-email', interval '72 hours')) AS v (p, e)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB.Exec(ctx, `
		INSERT INTO auth_throttle (key, failures, window_start)
		SELECT k || ':' || u.email || s, 2, now() FROM "user" u,
		       (VALUES ('pair', '|198.51.100.7'), ('account', ''), ('address', '')) AS v (k, s)
		ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	testenv.VacuumForPlans(t, d, "verification", "auth_throttle", `"user"`)

	var uid, email string
	if err := d.DB.QueryRow(ctx, `SELECT id, email FROM "user" ORDER BY id LIMIT 1 OFFSET 777`).Scan(&uid, &email); err != nil {
		t.Fatal(err)
	}
	ip := "198.51.100.7"
	keys, lims, wins, everies := columns(sorted(signInCounters(email, ip)))
	forget := []bool{true, false, false}
	token := newToken()
	plans := []struct {
		name string
		sql  string
		args []any
		uses []string
	}{
		// An upsert reaches its rows through its arbiter index (checked below), not a scan.
		{"reserve a sign-in", reserveSQL, []any{keys, lims, wins, everies}, nil},
		{"release a sign-in", uncountSQL, []any{keys, lims, everies, forget}, []string{"auth_throttle_pkey"}},
		{"forget the account after a reset", forgetAccountSQL,
			[]any{signInAccount.On(email).key, signInPair.On(email + "|").key}, []string{"auth_throttle_pkey"}},
		{"look a link up", peekTokenSQL, []any{tokenIdentifiers(token, []string{purposeReset, purposeInvite})},
			[]string{"verification_identifier_idx"}},
		{"use a link", consumeTokensSQL, []any{uid, purposePatterns([]string{purposeReset, purposeInvite}), tokenIdentifier(purposeReset, token)},
			[]string{"verification_value_idx"}},
		{"clear expired links", clearExpiredTokensSQL, []any{uid, purposeReset + ":%"}, []string{"verification_value_idx"}},
		{"a link within the minute", recentTokenSQL, []any{uid, purposeReset + ":%", "1m0s"}, []string{"verification_value_idx"}},
	}
	for _, p := range plans {
		// EXPLAIN ANALYZE runs the statement: roll its changes back.
		var plan string
		errRollback := errors.New("roll back")
		if err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
			plan = testenv.Explain(t, tx, p.sql, p.args)
			return errRollback
		}); !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		var problems []string
		for _, m := range authFullScan.FindAllString(plan, -1) {
			problems = append(problems, strings.TrimSpace(m))
		}
		for _, index := range p.uses {
			if !testenv.UsesIndex(plan, index) {
				problems = append(problems, "does not use "+index)
			}
		}
		if p.sql == reserveSQL && !strings.Contains(plan, "Conflict Arbiter Indexes: auth_throttle_pkey") {
			problems = append(problems, "does not upsert through auth_throttle_pkey")
		}
		if len(problems) > 0 {
			t.Errorf("%s: %s\n%s", p.name, strings.Join(problems, "; "), plan)
		} else if testing.Verbose() {
			t.Logf("%s:\n%s", p.name, plan)
		}
	}
}
