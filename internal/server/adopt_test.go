package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"rapport/internal/db"
	"rapport/internal/jobs"
	"rapport/internal/testenv"
)

// adopt runs what rapport migrate adopt does: db.Adopt, then goose and River up.
func adopt(t *testing.T, d *testenv.Database, opts db.AdoptOptions) (db.Kind, string) {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	kind, err := db.Adopt(ctx, d.DirectURL(), opts, &out)
	if err != nil {
		t.Fatalf("adopt: %v\n%s", err, out.String())
	}
	if !opts.DryRun {
		if err := db.Migrate(ctx, d.DirectURL(), "up", true, &out); err != nil {
			t.Fatalf("migrate up after adopt: %v\n%s", err, out.String())
		}
		if err := jobs.Migrate(ctx, d.DirectURL(), &out); err != nil {
			t.Fatalf("river migrate after adopt: %v\n%s", err, out.String())
		}
	}
	return kind, out.String()
}

// A database the seed stack made and used becomes Rapport's: the dry run changes
// nothing and says what would happen; the adoption keeps every row, gives each user a
// role from the data, makes the schema Rapport's (everything a fresh migrate up makes
// is there, alike), and the users sign in through the real sign-in with the passwords
// they had, which are rehashed to argon2id. A second run changes nothing.
func TestAdoptSeedStackDatabase(t *testing.T) {
	t.Parallel()
	d := seedStackDB(t, "0.05")
	// Two more users in the seed's shape: a customer who only files a ticket, with a
	// better-auth hash whose password NFKC changes (full-width letters), and one whose
	// hash is in no format Rapport knows.
	_, fullwidthHash, nfkc := betterAuthHash(t, 3)
	execSQL(t, d, `INSERT INTO "user" (id, name, email, email_verified) VALUES
		('cust_1', 'Carla Customer', 'carla@example.org', true), ('odd_1', 'Odd Hash', 'odd@example.org', true)`)
	execSQL(t, d, `INSERT INTO account (id, account_id, provider_id, user_id, password, updated_at) VALUES
		('acct_c1', 'cust_1', 'credential', 'cust_1', $1, now()),
		('acct_o1', 'odd_1', 'credential', 'odd_1', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', now())`, fullwidthHash)
	execSQL(t, d, `INSERT INTO tickets (requester_id, subject) VALUES ('cust_1', 'Where is my invoice?'), ('odd_1', 'Hello')`)
	execSQL(t, d, `INSERT INTO session (id, expires_at, token, updated_at, user_id) VALUES ('s1', now() + interval '1 day', 'tok', now(), 'user_0001')`)
	// A table of the seed app's own, which Rapport does not know: left alone.
	execSQL(t, d, `CREATE TABLE legacy_notes (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO legacy_notes (body) VALUES ('keep me')`)

	before := rowCounts(t, d)
	if before["user"] != 4 || before["deals"] != 250 || before["ticket_messages"] != 2500 {
		t.Fatalf("fixture rows: %v", before)
	}
	deal := queryText(t, d, `SELECT concat_ws('|', title, amount_cents, stage, close_date AT TIME ZONE 'UTC', created_at AT TIME ZONE 'UTC') FROM deals ORDER BY id LIMIT 1`)
	joined := queryText(t, d, `SELECT created_at::text FROM "user" WHERE id = 'user_0001'`)

	fp := fingerprint(t, d)
	kind, plan := adopt(t, d, db.AdoptOptions{DryRun: true, Admin: "User_0002@example.com"})
	if got := fingerprint(t, d); got != fp {
		t.Fatalf("the dry run changed the database\n%s", plan)
	}
	if kind != db.KindSeed {
		t.Fatalf("kind %q, want seed", kind)
	}
	for _, want := range []string{
		"found: a seed-stack database", "user 4,", "deals 250",
		"would convert", `"user": created_at, updated_at from timestamp to timestamptz`,
		"would record as applied, checked: 00001_auth.sql, 00002_crm.sql, 00003_helpdesk.sql",
		"would apply 00004_append_only.sql", "would apply 00039_auth_session.sql",
		`left alone: "legacy_notes"`, "account_userId_idx",
		"user_0001@example.com", "carla@example.org", `1 row in "session"`,
		"dry run:",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan does not say %q:\n%s", want, plan)
		}
	}
	roleLine := func(out, email string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, email) {
				return strings.Fields(l)[1]
			}
		}
		return ""
	}
	for email, role := range map[string]string{"user_0001@example.com": "agent", "user_0002@example.com": "admin",
		"carla@example.org": "customer", "odd@example.org": "customer"} {
		if got := roleLine(plan, email); got != role {
			t.Errorf("plan: %s gets %q, want %q", email, got, role)
		}
	}

	_, out := adopt(t, d, db.AdoptOptions{Admin: "user_0002@example.com"})
	for _, want := range []string{"applied 00004_append_only.sql", "adopted:", "schema is up to date"} {
		if !strings.Contains(out, want) {
			t.Errorf("the adoption does not say %q:\n%s", want, out)
		}
	}
	after := rowCounts(t, d)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows before, %d after", table, n, after[table])
		}
	}
	if got := queryText(t, d, `SELECT concat_ws('|', title, amount_cents, stage, close_date AT TIME ZONE 'UTC', created_at AT TIME ZONE 'UTC') FROM deals ORDER BY id LIMIT 1`); got != deal {
		t.Errorf("a deal changed: %q, was %q", got, deal)
	}
	if got := queryText(t, d, `SELECT (created_at AT TIME ZONE 'UTC')::text FROM "user" WHERE id = 'user_0001'`); got != joined {
		t.Errorf("user_0001 joined %q, was %q (a timestamp read as UTC)", got, joined)
	}
	if got := queryText(t, d, `SELECT body FROM legacy_notes`); got != "keep me" {
		t.Errorf("legacy_notes: %q", got)
	}
	for id, role := range map[string]string{"user_0001": "agent", "user_0002": "admin", "cust_1": "customer", "odd_1": "customer"} {
		if got := queryText(t, d, `SELECT role FROM "user" WHERE id = $1`, id); got != role {
			t.Errorf("%s: role %q, want %q", id, got, role)
		}
	}

	// Everything a fresh migrate up makes is in the adopted database, alike.
	fresh := testenv.NewDB(t)
	// (Foreign keys compare by definition: 00001 let Postgres name account's, drizzle
	// named it account_user_id_user_id_fk.)
	if missing := missingFrom(foreignKeysUnnamed(catalog(t, fresh)), foreignKeysUnnamed(catalog(t, d))); len(missing) > 0 {
		t.Errorf("the adopted database lacks or differs in %d of a fresh one's objects:\n%s", len(missing), strings.Join(missing, "\n"))
	}

	a := newAppOn(t, d, nil)
	for _, c := range []struct{ email, password, home, shows string }{
		// the seed generator's hash; the agent's queue shows the seed's tickets
		{"user_0001@example.com", "password123", "/desk", "(#T000"},
		{"user_0002@example.com", "password123", "/admin", ""},
		// better-auth accepts the NFKC form too; the customer sees the ticket they filed
		{"carla@example.org", nfkc[0], "/support", "Where is my invoice?"},
	} {
		old := queryText(t, d, `SELECT a.password FROM account a JOIN "user" u ON u.id = a.user_id WHERE u.email = $1`, c.email)
		if r := a.browser().signInWith(c.email, "wrong password"); r.status != http.StatusUnauthorized {
			t.Errorf("%s with a wrong password: %d", c.email, r.status)
		}
		r := a.browser().signInWith(c.email, c.password)
		if r.status != http.StatusSeeOther {
			t.Fatalf("sign in as %s: %d\n%s", c.email, r.status, r.body)
		}
		now := queryText(t, d, `SELECT a.password FROM account a JOIN "user" u ON u.id = a.user_id WHERE u.email = $1`, c.email)
		if now == old || !strings.HasPrefix(now, "$argon2id$") {
			t.Errorf("%s: the hash was not rehashed to argon2id: %.20s…", c.email, now)
		}
		b := a.browser()
		if r := b.signInWith(c.email, c.password); r.status != http.StatusSeeOther || r.location != c.home {
			t.Errorf("sign in again as %s (argon2id now): %d to %q, want %s", c.email, r.status, r.location, c.home)
		}
		if r := b.get(c.home); r.status != http.StatusOK || !strings.Contains(r.body, c.shows) {
			t.Errorf("%s at %s: %d, without %q", c.email, c.home, r.status, c.shows)
		}
	}
	if r := a.browser().signInWith("odd@example.org", "anything at all"); r.status != http.StatusUnauthorized {
		t.Errorf("a hash in an unknown format: %d, want 401", r.status)
	}

	// Rerun: nothing to adopt, nothing changes.
	fp = fingerprint(t, d)
	kind, out = adopt(t, d, db.AdoptOptions{Admin: "user_0002@example.com"})
	if kind != db.KindRapport || !strings.Contains(out, "nothing to adopt") || !strings.Contains(out, "already admin") {
		t.Errorf("rerun: %q\n%s", kind, out)
	}
	if fingerprint(t, d) != fp {
		t.Errorf("a second adoption changed the database:\n%s", out)
	}
}

// An adoption killed midway (its connection terminated after 00008) leaves the
// database as it was, and a rerun adopts it; so does a goose run that failed on it.
func TestAdoptKilledMidwayReruns(t *testing.T) {
	t.Parallel()
	d := seedStackDB(t, "0.01")
	// A plain goose run first, as before adoption existed: it fails on 00001 ("user"
	// exists) and leaves goose's table with nothing applied. Still a seed database.
	if err := db.Migrate(context.Background(), d.DirectURL(), "up", true, &bytes.Buffer{}); err == nil {
		t.Fatal("goose applied 00001 over the seed's tables")
	}
	if n := queryInt(t, d, `SELECT count(*) FROM goose_db_version`); n != 1 {
		t.Fatalf("goose left %d history rows", n)
	}
	before, fp := rowCounts(t, d), fingerprint(t, d)
	var out bytes.Buffer
	_, err := db.Adopt(context.Background(), d.DirectURL(), db.AdoptOptions{AfterStep: func(step string) {
		if step == "00008_desk.sql" {
			execSQL(t, d, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%goose_db_version%'`)
		}
	}}, &out)
	if err == nil {
		t.Fatalf("the adoption survived its connection's end:\n%s", out.String())
	}
	if got := fingerprint(t, d); got != fp {
		t.Fatalf("a killed adoption left changes behind (%v)", err)
	}
	adopt(t, d, db.AdoptOptions{})
	delete(before, "goose_db_version")
	after := rowCounts(t, d)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows before, %d after", table, n, after[table])
		}
	}
	if n := queryInt(t, d, `SELECT count(*) FROM goose_db_version WHERE version_id = 39`); n != 1 {
		t.Errorf("00039 recorded %d times", n)
	}
	if n := queryInt(t, d, `SELECT count(*) FROM goose_db_version WHERE version_id = 0`); n != 1 {
		t.Errorf("goose's version 0 recorded %d times", n)
	}
}

// A database that is neither empty, nor Rapport's, nor the seed's is refused with the
// reasons, and one with the seed's tables but another shape is refused with every
// difference; neither is changed.
func TestAdoptRefusesWithReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	foreign := testenv.NewEmptyDB(t)
	execSQL(t, foreign, `CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE "user" (id int PRIMARY KEY)`)
	fp := fingerprint(t, foreign)
	var out bytes.Buffer
	kind, err := db.Adopt(ctx, foreign.DirectURL(), db.AdoptOptions{}, &out)
	if kind != db.KindForeign || !errors.Is(err, db.ErrNotAdoptable) {
		t.Fatalf("foreign database: %q, %v", kind, err)
	}
	for _, want := range []string{"no goose_db_version", `missing "session", "account"`, `something else: "orders"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out.String())
		}
	}
	if k, reasons, err := db.Inspect(ctx, foreign.DirectURL()); k != db.KindForeign || len(reasons) < 2 || err != nil {
		t.Errorf("Inspect: %q %v %v", k, reasons, err)
	}
	if fingerprint(t, foreign) != fp {
		t.Error("the refusal changed the database")
	}

	odd := seedStackDB(t, "0.01")
	execSQL(t, odd, `ALTER TABLE deals ALTER COLUMN amount_cents TYPE numeric; DROP INDEX idx_deal_stage;
		ALTER TABLE tickets ADD COLUMN tenant text NOT NULL DEFAULT 'x'; ALTER TABLE tickets ALTER COLUMN tenant DROP DEFAULT;
		UPDATE "user" SET email = upper(email) WHERE id = 'user_0001'`)
	fp = fingerprint(t, odd)
	out.Reset()
	if _, err := db.Adopt(ctx, odd.DirectURL(), db.AdoptOptions{DryRun: true}, &out); !errors.Is(err, db.ErrNotAdoptable) {
		t.Fatalf("a seed database of another shape: %v\n%s", err, out.String())
	}
	for _, want := range []string{"column deals.amount_cents is numeric NOT NULL DEFAULT 0; Rapport's is bigint NOT NULL DEFAULT 0",
		"index deals.idx_deal_stage is missing", "column tickets.tenant (text NOT NULL) is not Rapport's and has no default",
		"1 \"user\" rows whose email is not lower case"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the refusal does not list %q:\n%s", want, out.String())
		}
	}
	if fingerprint(t, odd) != fp {
		t.Error("the refused adoption changed the database")
	}
}
