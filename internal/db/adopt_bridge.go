package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// bridgeStep turns one known difference between the seed stack's schema (drizzle-kit
// push of Better Auth's and the seeds' tables) and what Rapport's migrations 00001 to
// 00003 make into Rapport's form, keeping every row. A step runs only when its
// condition holds, so a database that differs in another way is left for the
// object-by-object check to report, and a step never runs twice.
type bridgeStep struct {
	what string
	when string // SQL returning one boolean
	do   string
}

// columnIs is a condition: table.column exists with type typ.
func columnIs(table, column, typ string) string {
	return fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = '%s' AND column_name = '%s' AND data_type = '%s')`, table, column, typ)
}

func columnMissing(table, column string) string {
	return fmt.Sprintf(`SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = '%s' AND column_name = '%s')`, table, column)
}

func relationMissing(name string) string {
	return fmt.Sprintf(`SELECT to_regclass('public.%s') IS NULL`, pgx.Identifier{name}.Sanitize())
}

func constraintMissing(table, name string) string {
	return fmt.Sprintf(`SELECT NOT EXISTS (SELECT 1 FROM pg_constraint
		WHERE conrelid = to_regclass('public.%s') AND conname = '%s')`, pgx.Identifier{table}.Sanitize(), name)
}

// toTimestamptz converts Better Auth's timestamp columns (without time zone; its
// adapter writes UTC) to timestamptz, reading the values as UTC: one rewrite per table.
func toTimestamptz(table string, columns ...string) bridgeStep {
	var conds, alters []string
	for _, c := range columns {
		conds = append(conds, "("+columnIs(table, c, "timestamp without time zone")+")")
		alters = append(alters, fmt.Sprintf("ALTER COLUMN %s TYPE timestamptz USING %s AT TIME ZONE 'UTC'", c, c))
	}
	return bridgeStep{
		what: fmt.Sprintf("%s: %s from timestamp to timestamptz, the values read as UTC", pgx.Identifier{table}.Sanitize(), strings.Join(columns, ", ")),
		when: "SELECT " + strings.Join(conds, " AND "),
		do:   fmt.Sprintf("ALTER TABLE %s %s", pgx.Identifier{table}.Sanitize(), strings.Join(alters, ", ")),
	}
}

// bridgeSteps are the seed stack's known differences, in order. Their definitions are
// 00001's and 00003's; the check after them compares with those migrations themselves,
// so a step that drifted from its migration fails adoption instead of passing silently.
var bridgeSteps = []bridgeStep{
	toTimestamptz("user", "created_at", "updated_at"),
	toTimestamptz("account", "access_token_expires_at", "refresh_token_expires_at", "created_at", "updated_at"),
	toTimestamptz("verification", "expires_at", "created_at", "updated_at"),
	{`"user": add role (set from the data below), banned, session_version`, columnMissing("user", "role"),
		`ALTER TABLE "user" ADD COLUMN role text NOT NULL DEFAULT 'customer', ADD COLUMN banned boolean NOT NULL DEFAULT false,
			ADD COLUMN session_version integer NOT NULL DEFAULT 1`},
	{`"user": add user_email_lowercase_check`, constraintMissing("user", "user_email_lowercase_check"),
		`ALTER TABLE "user" ADD CONSTRAINT user_email_lowercase_check CHECK (email = lower(email))`},
	{`"user": add user_role_check`, constraintMissing("user", "user_role_check"),
		`ALTER TABLE "user" ADD CONSTRAINT user_role_check CHECK (role IN ('customer', 'sales', 'agent', 'admin'))`},
	{"account: updated_at defaults to now()", `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'account' AND column_name = 'updated_at' AND column_default IS NULL)`,
		`ALTER TABLE account ALTER COLUMN updated_at SET DEFAULT now()`},
	{"account: add account_provider_user_idx (one credential per user)", relationMissing("account_provider_user_idx"),
		`CREATE UNIQUE INDEX account_provider_user_idx ON account (provider_id, user_id)`},
	{"verification: verification_identifier_idx made unique (same name and column)", `SELECT EXISTS (SELECT 1 FROM pg_index
		WHERE indexrelid = to_regclass('public.verification_identifier_idx') AND NOT indisunique)`,
		`DROP INDEX verification_identifier_idx; CREATE UNIQUE INDEX verification_identifier_idx ON verification (identifier)`},
	{"verification: add verification_expires_idx", relationMissing("verification_expires_idx"),
		`CREATE INDEX verification_expires_idx ON verification (expires_at)`},
	{"add sessions (00001's; 00039 drops it again)", relationMissing("sessions"),
		`CREATE TABLE sessions (token text PRIMARY KEY, data bytea NOT NULL, expiry timestamptz NOT NULL);
		CREATE INDEX sessions_expiry_idx ON sessions (expiry)`},
	{"add auth_throttle (failed sign-in counters)", relationMissing("auth_throttle"),
		`CREATE TABLE auth_throttle (key text PRIMARY KEY, failures integer NOT NULL DEFAULT 0,
			window_start timestamptz NOT NULL DEFAULT now(), locked_until timestamptz)`},
	{"agents: add agents_user_unique, the design's name for one profile per user (drizzle's agents_user_id_unique stays)",
		constraintMissing("agents", "agents_user_unique"),
		`ALTER TABLE agents ADD CONSTRAINT agents_user_unique UNIQUE (user_id)`},
}

// runBridge runs the steps whose condition holds and returns what they did.
func runBridge(ctx context.Context, tx pgx.Tx) ([]string, error) {
	var did []string
	for _, s := range bridgeSteps {
		var need bool
		if err := tx.QueryRow(ctx, s.when).Scan(&need); err != nil {
			return did, fmt.Errorf("%s: %w", s.what, err)
		}
		if !need {
			continue
		}
		if _, err := tx.Exec(ctx, s.do); err != nil {
			return did, fmt.Errorf("%s: %w", s.what, err)
		}
		did = append(did, s.what)
	}
	return did, nil
}

// dataProblems are rows the seed stack allows and Rapport's constraints refuse, found
// before anything changes so that all of them are listed at once.
var dataProblems = []struct{ what, count string }{
	{`"user" rows whose email is not lower case (Rapport compares addresses in lower case)`,
		`SELECT count(*) FROM "user" WHERE email <> lower(email)`},
	{"users with more than one account of one provider (00001 allows one per provider and user)",
		`SELECT count(*) FROM (SELECT 1 FROM account GROUP BY provider_id, user_id HAVING count(*) > 1) x`},
	{"verification identifiers used by more than one row",
		`SELECT count(*) FROM (SELECT 1 FROM verification GROUP BY identifier HAVING count(*) > 1) x`},
	{"companies sharing a domain (00006 makes domains unique)",
		`SELECT count(*) FROM (SELECT 1 FROM companies WHERE domain IS NOT NULL GROUP BY domain HAVING count(*) > 1) x`},
	{"contacts sharing an email, whatever its case (00006 makes it unique)",
		`SELECT count(*) FROM (SELECT 1 FROM contacts GROUP BY lower(email) HAVING count(*) > 1) x`},
	{"pipelines sharing a name (00006 makes names unique)",
		`SELECT count(*) FROM (SELECT 1 FROM pipelines GROUP BY name HAVING count(*) > 1) x`},
	{"SLA policies with a target of zero minutes or less (00008 requires more than zero)",
		`SELECT count(*) FROM sla_policies WHERE first_response_mins <= 0 OR resolve_mins <= 0`},
}

func findDataProblems(ctx context.Context, tx pgx.Tx) ([]string, error) {
	var out []string
	for _, p := range dataProblems {
		var n int64
		if err := tx.QueryRow(ctx, p.count).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", p.what, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, p.what))
		}
	}
	return out, nil
}
