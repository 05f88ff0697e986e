package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The CLI bootstraps users with the password from stdin, migrates, and seeds.
// Not parallel: the commands read their configuration from the process environment.
func TestUserCreateReadsThePasswordFromStdin(t *testing.T) {
	d := testenv.NewDB(t)
	t.Setenv("DATABASE_URL", d.PooledURL())
	t.Setenv("DATABASE_URL_UNPOOLED", d.DirectURL())
	ctx := context.Background()

	var out bytes.Buffer
	err := run(ctx, []string{"user", "create", "--email", "Boss@Example.com", "--name", "The Boss", "--role", "admin"},
		strings.NewReader("a long enough password\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "created The Boss <boss@example.com> as Admin") {
		t.Fatalf("output: %q", out.String())
	}
	u, err := auth.UserByEmail(ctx, d.DB, "boss@example.com")
	if err != nil || u.Role != auth.RoleAdmin {
		t.Fatalf("user: %+v, %v", u, err)
	}
	var hash string
	if err := d.DB.QueryRow(ctx, `SELECT password FROM account WHERE user_id = $1`, u.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.NewHasher(1).Verify(ctx, "a long enough password", hash); !ok {
		t.Fatal("the stored hash does not verify the password given on stdin")
	}
	// The operator at the server's shell vouches for the address: the first admin is
	// verified and needs no email to sign in.
	var verified bool
	if err := d.DB.QueryRow(ctx, `SELECT email_verified FROM "user" WHERE id = $1`, u.ID).Scan(&verified); err != nil || !verified {
		t.Fatalf("the CLI's user is not verified (%v)", err)
	}

	cases := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"user", "create", "--email", "boss@example.com", "--name", "Again", "--role", "admin"}, "a long enough password\n", "already exists"},
		{[]string{"user", "create", "--email", "x@example.com", "--name", "X", "--role", "wizard"}, "a long enough password\n", "role must be one of"},
		{[]string{"user", "create", "--email", "not-an-email", "--name", "X", "--role", "sales"}, "a long enough password\n", "Enter an email address"},
		{[]string{"user", "create", "--email", "a@example.com", "--name", "A", "--role", "agent"}, "a long enough password\n", "agents need a --team"},
		{[]string{"user", "create", "--email", "s@example.com", "--name", "S", "--role", "sales"}, "short\n", "too short"},
		{[]string{"user", "create", "--email", "s@example.com", "--name", "S", "--role", "sales"}, "", "no password on stdin"},
		{[]string{"user", "create", "--email", "s@example.com", "--password", "x"}, "", "flag provided but not defined: -password"},
	}
	for _, c := range cases {
		err := run(ctx, c.args, strings.NewReader(c.stdin), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want error containing %q, got %v", c.args, c.want, err)
		}
	}
}

func TestConfigurationErrorsNameTheVariable(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("PORT", "eighty")
	err := run(context.Background(), []string{"serve"}, strings.NewReader(""), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is required") || !strings.Contains(err.Error(), "PORT must be") {
		t.Fatalf("got %v", err)
	}
}

func TestMigrateStatusAndSeedAreIdempotent(t *testing.T) {
	d := testenv.NewDB(t)
	t.Setenv("DATABASE_URL", d.PooledURL())
	t.Setenv("DATABASE_URL_UNPOOLED", d.DirectURL())
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "up"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "schema is up to date") {
		t.Fatalf("migrate up on a migrated database: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "status"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "00001_auth.sql") {
		t.Fatalf("status: %q", out.String())
	}
	for i := 0; i < 2; i++ {
		if err := run(ctx, []string{"seed"}, nil, &bytes.Buffer{}); err != nil {
			t.Fatalf("seed run %d: %v", i+1, err)
		}
	}
	var users int
	if err := d.DB.QueryRow(ctx, `SELECT count(*) FROM "user"`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != 8 {
		t.Fatalf("after two seeds: %d users, want 8", users)
	}
}
