package server_test

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// seedStackDB is a database as the seed stack makes it: its own DDL (drizzle-kit
// push's, testdata/seed-stack/seed-schema.sql) and rows from its own generator at scale
// (seed-data.sql, through psql as it is written for), both copied from
// ../shared/fixtures/seed-stack.
func seedStackDB(t *testing.T, scale string) *testenv.Database {
	t.Helper()
	d := testenv.NewEmptyDB(t)
	testenv.Psql(t, d, "testdata/seed-stack/seed-schema.sql")
	testenv.Psql(t, d, "testdata/seed-stack/seed-data.sql", "scale="+scale)
	return d
}

// betterAuthHash is a hash better-auth 1.7.25's own hashPassword made, with its
// password: line n (from 0) of testdata/better-auth-hashes.jsonl.
func betterAuthHash(t *testing.T, n int) (password, hash string, alsoAccepted []string) {
	t.Helper()
	f, err := os.Open("../auth/testdata/better-auth-hashes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i != n {
			continue
		}
		var c struct {
			Password     string   `json:"password"`
			Hash         string   `json:"hash"`
			AlsoAccepted []string `json:"also_accepted"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		return c.Password, c.Hash, c.AlsoAccepted
	}
	t.Fatalf("no line %d in better-auth-hashes.jsonl", n)
	return "", "", nil
}

func execSQL(t *testing.T, d *testenv.Database, sql string, args ...any) {
	t.Helper()
	if _, err := d.DB.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, d *testenv.Database, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func queryText(t *testing.T, d *testenv.Database, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := d.DB.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// publicTables lists the tables in public.
func publicTables(t *testing.T, d *testenv.Database) []string {
	t.Helper()
	rows, err := d.DB.Query(context.Background(), `SELECT relname FROM pg_class
		WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// rowCounts is every public table's row count.
func rowCounts(t *testing.T, d *testenv.Database) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range publicTables(t, d) {
		out[name] = queryInt(t, d, `SELECT count(*) FROM `+pgx.Identifier{name}.Sanitize())
	}
	return out
}

// catalog is every column, constraint, index, relation, function and trigger in the
// database's non-system schemas and extension, one line each, sorted.
func catalog(t *testing.T, d *testenv.Database) []string {
	t.Helper()
	rows, err := d.DB.Query(context.Background(), `
SELECT format('column %s.%s.%s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')
UNION ALL
SELECT format('constraint %s.%s.%s %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid))
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT format('index %s', pg_get_indexdef(i.indexrelid))
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
UNION ALL
SELECT format('relation %s.%s %s', n.nspname, c.relname, c.relkind)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
UNION ALL
SELECT format('function %s.%s', n.nspname, p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'e')
UNION ALL
SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT format('schema %s', nspname) FROM pg_namespace
UNION ALL
SELECT format('extension %s', extname) FROM pg_extension`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return lines
}

// fingerprint is the catalog and every row of every public table, hashed: equal
// fingerprints mean nothing was changed.
func fingerprint(t *testing.T, d *testenv.Database) string {
	t.Helper()
	h := md5.New()
	for _, l := range catalog(t, d) {
		fmt.Fprintln(h, l)
	}
	for _, name := range publicTables(t, d) {
		rows := queryText(t, d, `SELECT coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '') FROM `+pgx.Identifier{name}.Sanitize()+` r`)
		fmt.Fprintln(h, name, rows)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// missingFrom lists the lines of want that have does not have.
func missingFrom(want, have []string) []string {
	in := map[string]bool{}
	for _, l := range have {
		in[l] = true
	}
	var out []string
	for _, l := range want {
		if !in[l] {
			out = append(out, l)
		}
	}
	return out
}

// foreignKeysUnnamed drops the names of foreign keys from catalog lines.
func foreignKeysUnnamed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if f := strings.SplitN(l, " ", 3); len(f) == 3 && f[0] == "constraint" && strings.HasPrefix(f[2], "FOREIGN KEY") {
			table := f[1][:strings.LastIndex(f[1], ".")]
			l = "constraint " + table + ".* " + f[2]
		}
		out[i] = l
	}
	return out
}
