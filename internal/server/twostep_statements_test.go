package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/seed"
)

// TestTwoStepStatementBudget holds every two-step request to its statements, counted as
// TestStatementBudget counts them (the session's lookup included). Pages stay within the
// target of 3; the posts write and audit, and their budget is what they need today.
func TestTwoStepStatementBudget(t *testing.T) {
	t.Parallel()
	e := newStmtApp(t)
	a := e.a
	const rep, admin = "sales2@example.com", "admin@example.com"
	signIn := func(email string) *browser {
		b := a.browser()
		if r := b.post("/signin", url.Values{"email": {email}, "password": {seed.DemoPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", email, r.status)
		}
		return b
	}
	type call struct {
		what     string
		b        *browser
		method   string
		path     string
		form     url.Values
		status   int
		max      int
		why      string
		location string // a redirect's target, checked when set
	}
	run := func(c call) response {
		t.Helper()
		var r response
		var sqls []string
		if c.method == http.MethodGet {
			r, sqls, _ = e.probe.measure(t, c.b, c.path)
		} else {
			r, sqls, _ = e.probe.measurePost(t, c.b, c.path, c.form)
		}
		switch {
		case r.status != c.status:
			t.Errorf("%s: %s %s answered %d, want %d (to %q)", c.what, c.method, c.path, r.status, c.status, r.location)
		case c.location != "" && r.location != c.location:
			t.Errorf("%s: %s %s went to %q, want %q", c.what, c.method, c.path, r.location, c.location)
		}
		if c.max > stmtTarget && c.method == http.MethodGet && c.why == "" {
			t.Errorf("%s: budget %d above the target without a reason", c.what, c.max)
		}
		if len(sqls) > c.max {
			t.Errorf("%s: %s %s sent %d statements, budget %d:\n\t%s", c.what, c.method, c.path, len(sqls), c.max, strings.Join(sqls, "\n\t"))
		} else {
			t.Logf("%s: %s %s: %d statements (budget %d)", c.what, c.method, c.path, len(sqls), c.max)
		}
		return r
	}

	b := signIn(rep)
	// Set-up: the pending secret's insert; the page with the QR code reads it back;
	// confirming reads it and, in one transaction, turns it on, stores the codes and
	// audits (BEGIN, 3, COMMIT).
	run(call{what: "start", b: b, method: "POST", path: "/account/two-step/setup", form: url.Values{}, status: http.StatusSeeOther, max: 2})
	page := run(call{what: "the QR code", b: b, method: "GET", path: "/account/two-step", status: http.StatusOK, max: 2})
	m := twoStepKeyRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no key on the page")
	}
	key := m[1]
	run(call{what: "a wrong first code", b: b, method: "POST", path: "/account/two-step/confirm", form: url.Values{"code": {"000000"}},
		status: http.StatusUnprocessableEntity, max: 2})
	run(call{what: "confirm", b: b, method: "POST", path: "/account/two-step/confirm", form: url.Values{"code": {a.code(t, key)}},
		status: http.StatusOK, max: 7})
	run(call{what: "the page, on", b: b, method: "GET", path: "/account/two-step", status: http.StatusOK, max: 2})
	run(call{what: "the account page, on", b: b, method: "GET", path: "/account", status: http.StatusOK, max: 2})
	// New codes and turning it off: the state, the password's reservation, hash and
	// release, then BEGIN, the change, the audit entry, COMMIT.
	run(call{what: "new codes", b: b, method: "POST", path: "/account/two-step/recovery-codes", form: url.Values{"current_password": {seed.DemoPassword}},
		status: http.StatusOK, max: 9})

	// Signing in: the password step costs what a sign-in without two-step does, less
	// the audit entry (the reservation with the account, the release, the pending
	// session's write); the second step's page 1 (the session); the code: the session,
	// the reservation, the user and secret, the step's use, two audit entries (the
	// second step and the sign-in), the release, and the session's new token and write.
	a.advance(30 * time.Second)
	c := a.browser()
	run(call{what: "password", b: c, method: "POST", path: "/signin", form: url.Values{"email": {rep}, "password": {seed.DemoPassword}},
		status: http.StatusSeeOther, max: 3, location: "/signin/two-step"})
	run(call{what: "the second step's page", b: c, method: "GET", path: "/signin/two-step", status: http.StatusOK, max: 1})
	run(call{what: "a wrong code", b: c, method: "POST", path: "/signin/two-step", form: url.Values{"code": {"000000"}},
		status: http.StatusUnauthorized, max: 4})
	run(call{what: "the code", b: c, method: "POST", path: "/signin/two-step", form: url.Values{"code": {a.code(t, key)}},
		status: http.StatusSeeOther, max: 9, location: "/crm"})

	run(call{what: "turn it off", b: b, method: "POST", path: "/account/two-step/disable", form: url.Values{"current_password": {seed.DemoPassword}},
		status: http.StatusSeeOther, max: 9})

	// The admin's page (the requirement and the counts in one statement), saving it
	// (BEGIN, the update returning the old roles, the audit entry, COMMIT), and a reset
	// (the user, then BEGIN, the secret and codes, the session version, the sessions,
	// the audit entry, COMMIT).
	adm := signIn(admin)
	run(call{what: "security page", b: adm, method: "GET", path: "/admin/security", status: http.StatusOK, max: 2})
	run(call{what: "require", b: adm, method: "POST", path: "/admin/security", form: url.Values{"twostep_roles": {"agent"}},
		status: http.StatusSeeOther, max: 5})
	b.enrol(t)
	var id string
	if err := a.db.DB.QueryRow(t.Context(), `SELECT id FROM "user" WHERE email = $1`, rep).Scan(&id); err != nil {
		t.Fatal(err)
	}
	run(call{what: "reset", b: adm, method: "POST", path: "/admin/users/" + id + "/two-step/reset", form: url.Values{},
		status: http.StatusSeeOther, max: 8})
}
