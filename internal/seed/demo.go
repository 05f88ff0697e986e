package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// Two concurrent Demo runs would both see a row missing and both insert it; the
// transaction-scoped lock serialises them and is released at commit, so it is safe
// behind a transaction-mode pooler.
const lockDemo = `SELECT pg_advisory_xact_lock(hashtext('rapport.seed.demo'))`

// Demo loads the demo data set: an admin, two sales reps, two agents, three customers
// (all with DemoPassword), companies, contacts, two pipelines with deals in every stage,
// activities, SLA policies and ticket threads in every status and priority. Every row
// is keyed on a natural key and skipped when present, so running Demo again adds
// nothing and does not fail. It prints what it added and the logins to out.
func Demo(ctx context.Context, d *db.DB, h *auth.Hasher, out io.Writer) error {
	var added tally
	pw := &onceHash{h: h}
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockDemo); err != nil {
			return err
		}
		n, err := demoCreateUsers(ctx, tx, pw)
		if err != nil {
			return err
		}
		added.add("users", n)
		if err := demoCRM(ctx, tx, &added); err != nil {
			return err
		}
		if err := demoDesk(ctx, tx, &added); err != nil {
			return err
		}
		return demoMacros(ctx, tx, &added)
	})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if added.total() == 0 {
		fmt.Fprintln(out, "demo data already loaded; nothing added")
	} else {
		fmt.Fprintf(out, "demo data loaded: %s\n", &added)
	}
	emails := make([]string, 0, len(demoUsers))
	for _, u := range demoUsers {
		emails = append(emails, u.email)
	}
	fmt.Fprintf(out, "sign in as %s with password %q\n", strings.Join(emails, ", "), DemoPassword)
	return nil
}

// demoCreateUsers creates the demo users that do not exist yet, through the same
// auth.CreateUser the sign-up path uses, so each gets its credential account (and
// agents row). An existing user is left as it is, password included.
func demoCreateUsers(ctx context.Context, tx pgx.Tx, pw *onceHash) (int64, error) {
	var created int64
	for _, u := range demoUsers {
		email := strings.ToLower(u.email)
		_, err := auth.UserByEmail(ctx, tx, email)
		if err == nil {
			continue
		}
		if !errors.Is(err, db.ErrNotFound) {
			return 0, fmt.Errorf("look up %s: %w", email, err)
		}
		hash, err := pw.get(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := auth.CreateUser(ctx, tx, auth.NewUser{
			Name: u.name, Email: email, Role: u.role, PasswordHash: hash, Team: u.team,
			// The demo's people stand for established accounts: their requesters show
			// their CRM contact on the desk, which needs a proven address.
			EmailVerified: true,
		}); err != nil {
			return 0, fmt.Errorf("create %s: %w", email, err)
		}
		created++
	}
	return created, nil
}
