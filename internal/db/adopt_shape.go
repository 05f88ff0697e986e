package db

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// shape is what adoption compares of a set of tables, object by object: each column's
// type, nullability, default, identity and generation; each constraint's definition
// (primary and unique keys, foreign keys with their rules, CHECKs); each index's
// definition. Names are the keys: a seed object under another name is missing.
type shape struct {
	columns     map[string]string // "table.column" -> "type NOT NULL DEFAULT …"
	constraints map[string]string // "table.constraint" -> definition
	indexes     map[string]string // "table.index" -> definition
}

const shapeColumnsSQL = `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text, a.attgenerated::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY ($2) AND a.attnum > 0 AND NOT a.attisdropped`

const shapeConstraintsSQL = `
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY ($2)`

const shapeIndexesSQL = `
SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND t.relname = ANY ($2)`

// readShape reads the shape of tables in schema. It runs with search_path set to
// pg_catalog alone, so that every name in a definition is schema-qualified, and then
// drops the qualification: the same definition reads the same in two schemas.
func readShape(ctx context.Context, tx pgx.Tx, schema string, tables []string) (shape, error) {
	s := shape{columns: map[string]string{}, constraints: map[string]string{}, indexes: map[string]string{}}
	var path string
	if err := tx.QueryRow(ctx, `SELECT current_setting('search_path')`).Scan(&path); err != nil {
		return s, err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', 'pg_catalog', true)`); err != nil {
		return s, err
	}
	qualifier := regexp.MustCompile(`\b` + regexp.QuoteMeta(schema) + `\.`)
	unqualify := func(def string) string { return qualifier.ReplaceAllString(def, "") }

	rows, err := tx.Query(ctx, shapeColumnsSQL, schema, tables)
	if err != nil {
		return s, err
	}
	var table, name, typ, def, identity, generated string
	var notNull bool
	_, err = pgx.ForEachRow(rows, []any{&table, &name, &typ, &notNull, &def, &identity, &generated}, func() error {
		d := typ
		if notNull {
			d += " NOT NULL"
		}
		if def != "" {
			d += " DEFAULT " + unqualify(def)
		}
		if identity != "" {
			d += " IDENTITY " + identity
		}
		if generated != "" {
			d += " GENERATED " + generated
		}
		s.columns[table+"."+name] = d
		return nil
	})
	if err != nil {
		return s, err
	}
	for _, q := range []struct {
		sql string
		to  map[string]string
	}{{shapeConstraintsSQL, s.constraints}, {shapeIndexesSQL, s.indexes}} {
		rows, err := tx.Query(ctx, q.sql, schema, tables)
		if err != nil {
			return s, err
		}
		_, err = pgx.ForEachRow(rows, []any{&table, &name, &def}, func() error {
			q.to[table+"."+name] = unqualify(def)
			return nil
		})
		if err != nil {
			return s, err
		}
	}
	_, err = tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, path)
	return s, err
}

// differences lists how have differs from want, the shape Rapport's migrations make:
// every missing or different column, constraint and index. What have adds is fine,
// except a NOT NULL column without a default, which Rapport's inserts would break on.
func (want shape) differences(have shape) []string {
	var out []string
	compare := func(kind string, w, h map[string]string) {
		for k, wd := range w {
			hd, ok := h[k]
			switch {
			case !ok && kind == "constraint" && strings.HasSuffix(k, "_fkey") && sameElsewhere(k, wd, h):
				// A foreign key Rapport left to Postgres to name (table_column_fkey) is the
				// seed's under drizzle's name: the name was never Rapport's choice.
			case !ok:
				out = append(out, fmt.Sprintf("%s %s is missing (Rapport's: %s)", kind, k, wd))
			case hd != wd:
				out = append(out, fmt.Sprintf("%s %s is %s; Rapport's is %s", kind, k, hd, wd))
			}
		}
	}
	compare("column", want.columns, have.columns)
	compare("constraint", want.constraints, have.constraints)
	compare("index", want.indexes, have.indexes)
	for k, hd := range have.columns {
		if _, ok := want.columns[k]; !ok && strings.Contains(hd, "NOT NULL") && !strings.Contains(hd, "DEFAULT") &&
			!strings.Contains(hd, "IDENTITY") && !strings.Contains(hd, "GENERATED") {
			out = append(out, fmt.Sprintf("column %s (%s) is not Rapport's and has no default: Rapport's inserts would fail", k, hd))
		}
	}
	sort.Strings(out)
	return out
}

// sameElsewhere reports whether h has def under another name on k's table.
func sameElsewhere(k, def string, h map[string]string) bool {
	table, _, _ := strings.Cut(k, ".")
	for hk, hd := range h {
		if hd == def && strings.HasPrefix(hk, table+".") {
			return true
		}
	}
	return false
}

// extras lists what have has beyond want (kept as it is), sorted.
func (want shape) extras(have shape) []string {
	var out []string
	for _, m := range []struct {
		kind string
		w, h map[string]string
	}{{"column", want.columns, have.columns}, {"constraint", want.constraints, have.constraints}, {"index", want.indexes, have.indexes}} {
		for k := range m.h {
			if _, ok := m.w[k]; !ok {
				out = append(out, m.kind+" "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}
