package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"rapport/internal/testenv"
)

// migrate up on a seed-stack database adopts it; migrate adopt --dry-run and a refused
// --admin change nothing; an empty database is migrated as always; one that is none of
// those is refused before anything runs. Not parallel: the commands read their
// configuration from the process environment.
func TestMigrateUpAdoptsASeedStackDatabase(t *testing.T) {
	ctx := context.Background()
	use := func(d *testenv.Database) {
		t.Setenv("DATABASE_URL", d.PooledURL())
		t.Setenv("DATABASE_URL_UNPOOLED", d.DirectURL())
	}
	goose := func(d *testenv.Database) bool {
		var ok bool
		if err := d.DB.QueryRow(ctx, `SELECT to_regclass('public.goose_db_version') IS NOT NULL`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	seed := testenv.NewEmptyDB(t)
	testenv.Psql(t, seed, "../../internal/server/testdata/seed-stack/seed-schema.sql")
	testenv.Psql(t, seed, "../../internal/server/testdata/seed-stack/seed-data.sql", "scale=0.01")
	use(seed)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "adopt", "--dry-run"}, nil, &out); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "would apply 00039_auth_session.sql") || goose(seed) {
		t.Fatalf("dry run: goose history %v\n%s", goose(seed), out.String())
	}
	err := run(ctx, []string{"migrate", "adopt", "--admin", "nobody@example.com"}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no user has that email") || goose(seed) {
		t.Fatalf("--admin of no user: %v (goose history %v)", err, goose(seed))
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "up"}, nil, &out); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out.String())
	}
	for _, want := range []string{"a seed-stack database: adopting it", "adopted:", "schema is up to date", "applied river"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("migrate up does not say %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "adopt", "--admin", "user_0001@example.com"}, nil, &out); err != nil {
		t.Fatalf("adopt --admin after the adoption (no admin yet): %v\n%s", err, out.String())
	}
	var role string
	if err := seed.DB.QueryRow(ctx, `SELECT role FROM "user" WHERE email = 'user_0001@example.com'`).Scan(&role); err != nil || role != "admin" {
		t.Fatalf("user_0001: %q, %v\n%s", role, err, out.String())
	}
	if err := run(ctx, []string{"migrate", "adopt", "--admin", "user_0002@example.com"}, nil, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "has an admin already") {
		t.Fatalf("a second --admin: %v", err)
	}

	// Empty of tables but for an extension's (pg_stat_statements' views, as a hosted
	// Postgres may install): still a fresh database.
	empty := testenv.NewEmptyDB(t)
	if _, err := empty.DB.Exec(ctx, `CREATE EXTENSION pg_stat_statements`); err != nil {
		t.Fatal(err)
	}
	use(empty)
	if err := run(ctx, []string{"migrate", "up"}, nil, &bytes.Buffer{}); err != nil || !goose(empty) {
		t.Fatalf("migrate up on an empty database: %v", err)
	}

	foreign := testenv.NewEmptyDB(t)
	if _, err := foreign.DB.Exec(ctx, `CREATE TABLE orders (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	use(foreign)
	err = run(ctx, []string{"migrate", "up"}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "neither empty, nor Rapport's, nor the seed stack's") || !strings.Contains(err.Error(), `"orders"`) || goose(foreign) {
		t.Fatalf("migrate up on another application's database: %v", err)
	}
}
