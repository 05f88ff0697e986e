package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Kind is what a database holds, as adoption sees it.
type Kind string

// The kinds of database migrate up and migrate adopt meet.
const (
	KindEmpty   Kind = "empty"   // no tables: goose makes Rapport's schema
	KindRapport Kind = "rapport" // goose's history is there: goose carries on
	KindSeed    Kind = "seed"    // the seed stack's tables, no goose history: adopt it
	KindForeign Kind = "foreign" // anything else: refused
)

// seedTables are the tables of a database made by the seed stack (drizzle-kit push of
// Better Auth's tables and the seeds' domain tables, ../shared/fixtures/seed-stack).
var seedTables = []string{"user", "session", "account", "verification",
	"companies", "contacts", "pipelines", "deals", "activities",
	"tickets", "ticket_messages", "agents", "sla_policies"}

// seedMigrations is the last migration whose objects a seed-stack database already
// has (00001 auth, 00002 CRM, 00003 helpdesk: the seed schema in Rapport's form).
// Adoption checks those object by object and records them; it applies the rest.
const seedMigrations = 3

// adoptLock serialises two adoptions of one database (a transaction-level lock: it is
// released with the transaction, whatever ends it).
const adoptLock = 0x7261707061646f70

// refSchema is where adoption builds Rapport's schema for comparison, inside a
// savepoint it rolls back: it never outlives the check.
const refSchema = "rapport_adopt_ref"

// AdoptOptions are migrate adopt's flags.
type AdoptOptions struct {
	// DryRun runs the whole adoption in its transaction, prints it, and rolls it back.
	DryRun bool
	// Admin is the email of the user made admin (the seed has no roles).
	Admin string
	// AfterStep, when set, is called after each migration the adoption applies, with
	// its file name, inside the transaction (tests kill the adoption there).
	AfterStep func(step string)
}

// ErrNotAdoptable is a database adoption refuses; the error lists why.
var ErrNotAdoptable = errors.New("not adoptable")

// Adopt looks at the database at directURL and says what it is. A seed-stack database
// is adopted in one transaction (see adoptSeed); an empty or Rapport's database is left
// to goose (the caller runs Migrate next), with admin, if given, made admin of
// Rapport's; anything else is refused with the reasons.
func Adopt(ctx context.Context, directURL string, opts AdoptOptions, out io.Writer) (Kind, error) {
	cc, err := pgx.ParseConfig(directURL)
	if err != nil {
		return "", fmt.Errorf("parse direct url: %w", redact(err))
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	opts.Admin = strings.ToLower(strings.TrimSpace(opts.Admin))

	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(adoptLock)); err != nil {
		return "", err
	}
	kind, tables, reasons, err := inspect(ctx, tx)
	if err != nil {
		return "", err
	}
	switch kind {
	case KindEmpty:
		fmt.Fprintln(out, "found: an empty database; nothing to adopt (migrate up makes Rapport's schema)")
		if opts.Admin != "" {
			return kind, fmt.Errorf("--admin %s: the database has no users yet; create the first admin with rapport user create", opts.Admin)
		}
		return kind, nil
	case KindRapport:
		fmt.Fprintln(out, "found: Rapport's database (goose history present); nothing to adopt")
		if opts.Admin != "" {
			if err := firstAdmin(ctx, tx, opts.Admin, opts.DryRun, out); err != nil {
				return kind, err
			}
			if !opts.DryRun {
				return kind, tx.Commit(ctx)
			}
		}
		return kind, nil
	case KindForeign:
		fmt.Fprintln(out, "found: a database that is neither empty, nor Rapport's, nor the seed stack's:")
		for _, r := range reasons {
			fmt.Fprintln(out, "  - "+r)
		}
		return kind, fmt.Errorf("%w: %s", ErrNotAdoptable, strings.Join(reasons, "; "))
	}
	if err := adoptSeed(ctx, tx, tables, opts, out); err != nil {
		return kind, err
	}
	if opts.DryRun {
		fmt.Fprintln(out, "dry run: the adoption above ran in a transaction that was rolled back; nothing was changed")
		return kind, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return kind, fmt.Errorf("commit: %w", err)
	}
	fmt.Fprintln(out, "adopted: the database is Rapport's now; Better Auth sessions were not carried over, so everyone signs in once more")
	return kind, nil
}

// inspect tells the kind of the database from its tables in public.
func inspect(ctx context.Context, tx pgx.Tx) (Kind, []string, []string, error) {
	// An extension's own relations (pg_stat_statements' views, PostGIS' spatial_ref_sys)
	// are the extension's, not an application's: a fresh database may have them.
	rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d
		                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		ORDER BY c.relname`)
	if err != nil {
		return "", nil, nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", nil, nil, err
	}
	switch {
	case len(tables) == 0:
		return KindEmpty, nil, nil, nil
	case slices.Contains(tables, "goose_db_version"):
		// goose makes its table before it runs 00001, so a migrate up that failed on a
		// seed database (before adoption existed, or without it) left an empty history:
		// that database is still the seed's.
		var applied int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&applied); err != nil {
			return "", nil, nil, err
		}
		if applied > 0 || !containsAll(tables, seedTables) {
			return KindRapport, tables, nil, nil
		}
		return KindSeed, slices.DeleteFunc(tables, func(t string) bool { return t == "goose_db_version" }), nil, nil
	}
	var missing []string
	for _, t := range seedTables {
		if !slices.Contains(tables, t) {
			missing = append(missing, pgx.Identifier{t}.Sanitize())
		}
	}
	if len(missing) == 0 {
		return KindSeed, tables, nil, nil
	}
	reasons := []string{
		"no goose_db_version table: Rapport's migrations never ran here",
		"the seed stack's tables are not all there: missing " + strings.Join(missing, ", "),
	}
	var other []string
	for _, t := range tables {
		if !slices.Contains(seedTables, t) {
			other = append(other, pgx.Identifier{t}.Sanitize())
		}
	}
	if len(other) > 0 {
		reasons = append(reasons, "tables of something else: "+strings.Join(other, ", "))
	}
	return KindForeign, tables, reasons, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// adoptSeed adopts a seed-stack database inside tx: it builds Rapport's schema in a
// rolled-back savepoint to compare with, converts the seed's known differences
// (adopt_bridge.go), checks migrations 00001 to 00003 object by object, records them
// in goose's history, applies the rest, and gives every user a role. Any difference,
// conflict or row Rapport's constraints refuse is listed, and nothing is kept.
func adoptSeed(ctx context.Context, tx pgx.Tx, tables []string, opts AdoptOptions, out io.Writer) error {
	would := func(done, planned string) string {
		if opts.DryRun {
			return planned
		}
		return done
	}
	fmt.Fprintln(out, "found: a seed-stack database (Better Auth's user, session, account and verification, the CRM and helpdesk tables; no goose history)")
	if err := printCounts(ctx, tx, out); err != nil {
		return err
	}
	ms, err := migrationSources()
	if err != nil {
		return err
	}
	want, created, err := reference(ctx, tx, ms)
	if err != nil {
		return err
	}

	var problems []string
	data, err := findDataProblems(ctx, tx)
	if err != nil {
		return err
	}
	problems = append(problems, data...)
	ours := map[string]bool{}
	for _, m := range ms {
		for _, rel := range created[m.version] {
			ours[rel] = true
			if m.version > seedMigrations && slices.Contains(tables, rel) {
				problems = append(problems, fmt.Sprintf("%s creates %s, which the database already has", m.path, rel))
			}
		}
	}
	// The conversions run in a savepoint: one that fails (a row the new constraint
	// refuses) is listed with the rest, and the check below then lists the seed's
	// differences as they are.
	bridge, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	did, err := runBridge(ctx, bridge)
	if err != nil {
		_ = bridge.Rollback(ctx)
		problems = append(problems, "converting to Rapport's form: "+err.Error())
		did = nil
	} else if err := bridge.Commit(ctx); err != nil {
		return err
	}
	if len(did) > 0 {
		fmt.Fprintln(out, would("converted to Rapport's form, keeping every row:", "would convert to Rapport's form, keeping every row:"))
		for _, d := range did {
			fmt.Fprintln(out, "  - "+d)
		}
	}
	have, err := readShape(ctx, tx, "public", tablesOf(want))
	if err != nil {
		return err
	}
	conflicts := want.differences(have)
	if kept := want.extras(have); len(kept) > 0 {
		fmt.Fprintln(out, "the seed's own objects beyond Rapport's, kept as they are: "+strings.Join(kept, ", "))
	}
	problems = append(problems, conflicts...)
	if len(problems) > 0 {
		fmt.Fprintf(out, "cannot adopt: %d differences from what Rapport expects:\n", len(problems))
		for _, p := range problems {
			fmt.Fprintln(out, "  - "+p)
		}
		return fmt.Errorf("%w: %d differences (listed above); nothing was changed", ErrNotAdoptable, len(problems))
	}
	var extra []string
	for _, t := range tables {
		if !ours[t] && !slices.Contains(seedTables, t) {
			extra = append(extra, pgx.Identifier{t}.Sanitize())
		}
	}
	if len(extra) > 0 {
		fmt.Fprintln(out, "tables that are neither the seed's nor Rapport's, left alone: "+strings.Join(extra, ", "))
	}

	// goose's own table and first row (its postgres dialect), unless a failed goose run
	// left them.
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS goose_db_version (
		id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
		version_id bigint NOT NULL,
		is_applied boolean NOT NULL,
		tstamp timestamp NOT NULL DEFAULT now()
	);
	INSERT INTO goose_db_version (version_id, is_applied)
	SELECT 0, true WHERE NOT EXISTS (SELECT 1 FROM goose_db_version WHERE version_id = 0)`); err != nil {
		return fmt.Errorf("goose history: %w", err)
	}
	var checked []string
	for _, m := range ms {
		if m.version > seedMigrations {
			break
		}
		checked = append(checked, m.path)
		if _, err := tx.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, m.version); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s %s: their %d tables match column by column (%d columns, %d constraints, %d indexes)\n",
		would("checked and recorded as applied:", "would record as applied, checked:"), strings.Join(checked, ", "),
		len(tablesOf(want)), len(want.columns), len(want.constraints), len(want.indexes))
	for _, m := range ms {
		if m.version <= seedMigrations {
			continue
		}
		start := time.Now()
		if _, err := tx.Exec(ctx, m.up); err != nil {
			return fmt.Errorf("%s: %w (nothing was changed)", m.path, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, m.version); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %s (%s)\n", would("applied", "would apply"), m.path, time.Since(start).Round(time.Millisecond))
		if opts.AfterStep != nil {
			opts.AfterStep(m.path)
		}
	}

	users, err := adoptedRoles(ctx, tx, opts.Admin)
	if err != nil {
		return err
	}
	if err := setRoles(ctx, tx, users); err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	fmt.Fprintf(out, "roles (the seed has none; from what each user does): %d users\n", len(users))
	for _, u := range users {
		fmt.Fprintf(out, "  %-40s %-8s %s\n", u.email, u.role, u.why)
	}
	if opts.Admin == "" && !slices.ContainsFunc(users, func(u adoptedUser) bool { return u.role == "admin" }) {
		fmt.Fprintln(out, "no admin: name one with rapport migrate adopt --admin EMAIL")
	}
	var sessions int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM session`).Scan(&sessions); err != nil {
		return err
	}
	fmt.Fprintf(out, "Better Auth's sessions are not carried over (%s in \"session\", left as they are, unused): everyone signs in once more, with the same password\n",
		plural(sessions, "row"))
	return nil
}

// reference builds Rapport's schema in refSchema inside a savepoint: migrations up to
// seedMigrations give the shape to compare with, and every migration the relations it
// creates (a later one must not find them taken). The savepoint is rolled back.
func reference(ctx context.Context, tx pgx.Tx, ms []migration) (shape, map[int64][]string, error) {
	created := map[int64][]string{}
	var want shape
	sp, err := tx.Begin(ctx)
	if err != nil {
		return want, nil, err
	}
	defer func() { _ = sp.Rollback(ctx) }()
	if _, err := sp.Exec(ctx, `CREATE SCHEMA `+refSchema+`;
		SELECT set_config('search_path', '`+refSchema+`, public', true)`); err != nil {
		return want, nil, err
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if _, err := sp.Exec(ctx, m.up); err != nil {
			return want, nil, fmt.Errorf("reference schema: %s: %w", m.path, err)
		}
		rows, err := sp.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = '`+refSchema+`'::regnamespace ORDER BY relname`)
		if err != nil {
			return want, nil, err
		}
		rels, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return want, nil, err
		}
		for _, r := range rels {
			if !seen[r] {
				seen[r] = true
				created[m.version] = append(created[m.version], r)
			}
		}
		if m.version == seedMigrations {
			var tables []string
			for _, v := range []int64{1, 2, 3} {
				for _, r := range created[v] {
					var kind string
					if err := sp.QueryRow(ctx, `SELECT relkind::text FROM pg_class WHERE relnamespace = '`+refSchema+`'::regnamespace AND relname = $1`, r).Scan(&kind); err != nil {
						return want, nil, err
					}
					if kind == "r" {
						tables = append(tables, r)
					}
				}
			}
			if want, err = readShape(ctx, sp, refSchema, tables); err != nil {
				return want, nil, err
			}
		}
	}
	if err := sp.Rollback(ctx); err != nil {
		return want, nil, err
	}
	return want, created, nil
}

// tablesOf lists the tables a shape has columns of.
func tablesOf(s shape) []string {
	var out []string
	for k := range s.columns {
		t, _, _ := strings.Cut(k, ".")
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// printCounts says how many rows each seed table holds (they are all kept).
func printCounts(ctx context.Context, tx pgx.Tx, out io.Writer) error {
	var parts []string
	for i, t := range seedTables {
		parts = append(parts, fmt.Sprintf(`SELECT %d AS i, '%s', count(*) FROM %s`, i, t, pgx.Identifier{t}.Sanitize()))
	}
	rows, err := tx.Query(ctx, `SELECT x.* FROM (`+strings.Join(parts, " UNION ALL ")+`) x ORDER BY i`)
	if err != nil {
		return err
	}
	var i int
	var name string
	var n int64
	var line []string
	_, err = pgx.ForEachRow(rows, []any{&i, &name, &n}, func() error {
		line = append(line, fmt.Sprintf("%s %d", name, n))
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "  rows (all kept): "+strings.Join(line, ", "))
	return nil
}

// firstAdmin makes the user with email admin of a Rapport database that has no admin
// yet (an adoption that committed before --admin was given, or a rerun): --admin names
// the first admin, it does not hand out admin rights once there is one.
func firstAdmin(ctx context.Context, tx pgx.Tx, email string, dry bool, out io.Writer) error {
	var role string
	err := tx.QueryRow(ctx, `SELECT role FROM "user" WHERE email = $1`, email).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("--admin %s: no user has that email", email)
	}
	if err != nil {
		return err
	}
	if role == "admin" {
		fmt.Fprintf(out, "--admin %s: already admin\n", email)
		return nil
	}
	var admins int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM "user" WHERE role = 'admin'`).Scan(&admins); err != nil {
		return err
	}
	if admins > 0 {
		return fmt.Errorf("--admin %s: the database has an admin already; an admin changes roles on the Users page", email)
	}
	if _, err := tx.Exec(ctx, `UPDATE "user" SET role = 'admin' WHERE email = $1`, email); err != nil {
		return err
	}
	if dry {
		fmt.Fprintf(out, "--admin %s: would be made admin (is %s); dry run, nothing was changed\n", email, role)
		return nil
	}
	fmt.Fprintf(out, "--admin %s: made admin (was %s)\n", email, role)
	return nil
}

// Inspect tells what the database at directURL is, and for a foreign one why: what
// migrate up looks at before it runs goose.
func Inspect(ctx context.Context, directURL string) (Kind, []string, error) {
	cc, err := pgx.ParseConfig(directURL)
	if err != nil {
		return "", nil, fmt.Errorf("parse direct url: %w", redact(err))
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return "", nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return "", nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	kind, _, reasons, err := inspect(ctx, tx)
	return kind, reasons, err
}
