package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// twoStepFullScan is a plan line that reads a whole table a two-step or sign-in
// statement must reach through an index (workspace_settings has one row: scanning it is
// the plan).
var twoStepFullScan = regexp.MustCompile(`Seq Scan on ("user"|user_twostep|twostep_recovery_code|auth_session|auth_throttle)( [^\n]*)?\n`)

// TestTwoStepQueryPlans checks the plans of the two-step statements, and of the sign-in
// and session statements that now read two-step state, on tables the size they have at
// scale 20: 20,000 users, a session each, one in ten with two-step sign-in and its ten
// recovery codes. None may read a whole table of those, and each uses the index it was
// written for. Each runs under EXPLAIN ANALYZE in a transaction that is rolled back. The
// check is shown to fail: with user_role_idx dropped (in a transaction), the security
// page's counts read the whole user table and the check says so. With -v it logs every
// plan.
func TestTwoStepQueryPlans(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	testenv.AddCustomers(t, d, planUsers)
	for _, sql := range []string{
		// Some staff of each role, as at scale.
		`UPDATE "user" SET role = (ARRAY['sales', 'agent', 'admin'])[1 + (hashtext(id) & 3) % 3]
		 WHERE id IN (SELECT id FROM "user" ORDER BY id LIMIT 300)`,
		`INSERT INTO account (id, account_id, provider_id, user_id, password)
		 SELECT md5(random()::text), id, 'credential', id, 'x' FROM "user"`,
		`INSERT INTO auth_session (token_hash, user_id, version, expires_at, user_agent, address)
		 SELECT sha256(convert_to(id, 'UTF8')), id, 1, now() + interval '1 day', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', '198.51.100.7'
		 FROM "user"`,
		// A second session for one in ten, and some pending second steps.
		`INSERT INTO auth_session (token_hash, user_id, version, expires_at)
		 SELECT sha256(convert_to(id || ':2', 'UTF8')), id, 1, now() + interval '1 day' FROM "user" WHERE hashtext(id) % 10 = 1`,
		`INSERT INTO auth_session (token_hash, pending_user_id, pending_until, version, expires_at)
		 SELECT sha256(convert_to(id || ':p', 'UTF8')), id, now() + interval '5 minutes', 1, now() + interval '1 hour'
		 FROM "user" WHERE hashtext(id) % 10 = 2`,
		`INSERT INTO user_twostep (user_id, secret, enabled_at, last_step)
		 SELECT id, decode(repeat('ab', 49), 'hex'), CASE WHEN hashtext(id) % 7 = 0 THEN NULL ELSE now() END, 1
		 FROM "user" WHERE hashtext(id) % 10 = 0`,
		`INSERT INTO twostep_recovery_code (user_id, code_hash)
		 SELECT t.user_id, sha256(convert_to(t.user_id || i, 'UTF8')) FROM user_twostep t, generate_series(1, 10) i`,
		`INSERT INTO auth_throttle (key, failures, window_start)
		 SELECT 'twostep-account:' || user_id, 2, now() FROM user_twostep`,
	} {
		if _, err := d.DB.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	testenv.VacuumForPlans(t, d, `"user"`, "account", "auth_session", "user_twostep", "twostep_recovery_code", "auth_throttle", "workspace_settings")

	var uid, email string
	var token, sealed []byte
	if err := d.DB.QueryRow(ctx, `SELECT u.id, u.email, s.token_hash, t.secret FROM user_twostep t JOIN "user" u ON u.id = t.user_id
		JOIN auth_session s ON s.user_id = u.id WHERE t.enabled_at IS NOT NULL ORDER BY u.id LIMIT 1 OFFSET 77`).Scan(&uid, &email, &token, &sealed); err != nil {
		t.Fatal(err)
	}
	ip := "198.51.100.7"
	keys, lims, wins, everies := columns(sorted(signInCounters(email, ip)))
	tkeys, tlims, _, teveries := columns(sorted(twoStepCounters(uid, ip)))
	now := time.Now()
	hash := recoveryCodeHash("0123456789")
	plans := []struct {
		name string
		sql  string
		args []any
		uses []string
	}{
		{"sign-in: reserve and load the account", reserveSignInSQL, []any{keys, lims, wins, everies, email},
			[]string{"user_email_unique", "account_provider_user_idx", "user_twostep_pkey"}},
		{"a session and its user", findSessionSQL, []any{token, now, now.Add(-time.Minute), now.Add(-12 * time.Hour)},
			[]string{"auth_session_pkey", "user_pkey", "user_twostep_pkey"}},
		{"a session, its user and their sessions (the account page)", findSessionListingSQL, []any{token, now, now.Add(-time.Minute), now.Add(-12 * time.Hour)},
			[]string{"auth_session_pkey", "user_pkey", "user_twostep_pkey", "auth_session_user_idx"}},
		{"start a session in place of another", startSessionSQL, []any{make([]byte, 32), token, uid, 1, nil, nil, "", now, now.Add(time.Hour), "", ""},
			[]string{"auth_session_pkey"}},
		{"sign out everywhere", endSessionsSQL, []any{uid},
			[]string{"auth_session_user_idx", "auth_session_pending_user_idx"}},
		{"sign out everywhere else", endOtherSessionsSQL, []any{uid, token}, []string{"auth_session_user_idx", "auth_session_pending_user_idx"}},
		{"sign out one session", endSessionByIDSQL, []any{"00000000-0000-4000-8000-000000000000", uid, token}, []string{"auth_session_id_unique"}},
		{"purge expired sessions", purgeSessionsSQL, []any{now}, []string{"auth_session_expires_idx"}},
		{"a user by id", `SELECT ` + userColumns + ` FROM "user" u LEFT JOIN agents a ON a.user_id = u.id WHERE u.id = $1`, []any{uid},
			[]string{"user_pkey", "user_twostep_pkey"}},
		{"take a refused attempt back", refuseSQL, []any{tkeys, tlims, teveries, []bool{true, false}}, []string{"auth_throttle_pkey"}},
		{"two-step state", twoStepStateSQL, []any{uid}, []string{"user_twostep_pkey", "twostep_recovery_code_pkey"}},
		{"begin an enrolment", beginEnrolmentSQL, []any{uid, sealed}, nil},
		{"confirm an enrolment", confirmEnrolmentSQL, []any{uid, int64(9), sealed}, []string{"user_twostep_pkey"}},
		{"accept a code's step", acceptStepSQL, []any{uid, int64(9)}, []string{"user_twostep_pkey"}},
		{"the second step's user", secondStepUserSQL, []any{uid}, []string{"user_pkey", "user_twostep_pkey"}},
		{"use a recovery code", useRecoveryCodeSQL, []any{uid, hash}, []string{"twostep_recovery_code_pkey"}},
		{"new recovery codes", replaceRecoveryCodesSQL, []any{uid, [][]byte{hash}}, []string{"twostep_recovery_code_pkey"}},
		{"turn two-step sign-in off", removeTwoStepSQL, []any{uid}, []string{"user_twostep_pkey", "twostep_recovery_code_pkey"}},
		{"the security page", securitySettingsSQL, nil, []string{"user_role_idx"}},
		{"require two-step sign-in", requireTwoStepSQL, []any{[]string{"agent"}}, nil},
	}
	check := func(tx pgx.Tx, name, sql string, args []any, uses []string) (string, []string) {
		plan := testenv.Explain(t, tx, sql, args) + "\n"
		var problems []string
		for _, m := range twoStepFullScan.FindAllString(plan, -1) {
			problems = append(problems, strings.TrimSpace(m))
		}
		for _, index := range uses {
			if !testenv.UsesIndex(plan, index) {
				problems = append(problems, "does not use "+index)
			}
		}
		return plan, problems
	}
	errRollback := errors.New("roll back")
	for _, p := range plans {
		var plan string
		var problems []string
		if err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
			plan, problems = check(tx, p.name, p.sql, p.args, p.uses)
			return errRollback
		}); !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			t.Errorf("%s: %s\n%s", p.name, strings.Join(problems, "; "), plan)
		} else if testing.Verbose() {
			t.Logf("%s:\n%s", p.name, plan)
		}
	}

	// The check can fail: without the index, the counts read every user.
	if err := d.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DROP INDEX user_role_idx`); err != nil {
			return err
		}
		plan, problems := check(tx, "the security page without user_role_idx", securitySettingsSQL, nil, []string{"user_role_idx"})
		if len(problems) == 0 || !strings.Contains(strings.Join(problems, ";"), `Seq Scan on "user"`) {
			t.Errorf("without user_role_idx the plan check found %q:\n%s", problems, plan)
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
