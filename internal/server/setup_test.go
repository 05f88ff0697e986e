package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"rapport/internal/auth"
)

// newFreshApp is an app on a database as `rapport migrate up` leaves it: never set up
// (the harness's template is a set-up workspace).
func newFreshApp(t *testing.T, extra map[string]string) *app {
	t.Helper()
	a := newAppEnv(t, extra)
	if _, err := a.db.DB.Exec(context.Background(), `UPDATE workspace_settings SET setup_at = NULL`); err != nil {
		t.Fatal(err)
	}
	return a
}

func setupForm(company, zone, name, email, password string) url.Values {
	return url.Values{"company": {company}, "time_zone": {zone}, "name": {name}, "email": {email}, "password": {password}}
}

// A fresh install leads every page to /setup; setup makes the admin and the defaults,
// signs the admin in, and is gone for good.
func TestFirstRunSetsUpTheWorkspace(t *testing.T) {
	t.Parallel()
	a := newFreshApp(t, nil)
	b := a.browser()
	for _, path := range []string{"/", "/signin", "/signup", "/crm", "/desk", "/admin", "/forgot-password"} {
		wantRedirect(t, "GET "+path, b.get(path), "/setup")
	}
	wantRedirect(t, "POST /signup", b.post("/signup", url.Values{"name": {"Eve"}, "email": {"eve@example.com"}, "password": {"a long enough password"}}), "/setup")
	if n := a.users(t); n != 0 {
		t.Fatalf("%d users before setup", n)
	}
	page := b.get("/setup")
	wantStatus(t, "GET /setup", page, http.StatusOK)
	mustContain(t, page, `action="/setup"`, `name="company"`, `name="time_zone"`, `value="UTC"`, `name="password"`)

	r := b.post("/setup", setupForm("Acme <Tools> GmbH", "Europe/Berlin", "Ada Admin", "Ada@Example.com", "a long enough password"))
	wantRedirect(t, "POST /setup", r, "/admin")
	admin := b.get("/admin")
	wantStatus(t, "GET /admin", admin, http.StatusOK)
	mustContain(t, admin, "Getting started", "Invite your staff", "Import your contacts", "Adjust the SLA targets",
		"Email is not configured", "Welcome to Rapport, Acme &lt;Tools&gt; GmbH.")
	mustNotContain(t, admin, "Acme <Tools>")

	if n := a.count(t, `SELECT count(*) FROM "user" WHERE role = 'admin' AND email = 'ada@example.com' AND email_verified AND time_zone = 'Europe/Berlin'`); n != 1 {
		t.Errorf("%d admins as typed", n)
	}
	if n := a.count(t, `SELECT count(*) FROM workspace_settings WHERE company_name = 'Acme <Tools> GmbH' AND time_zone = 'Europe/Berlin' AND setup_at IS NOT NULL`); n != 1 {
		t.Error("the workspace was not named")
	}
	if n := a.count(t, `SELECT count(*) FROM pipelines`); n != 1 {
		t.Errorf("%d pipelines, want the default one", n)
	}
	if n := a.count(t, `SELECT count(DISTINCT priority) FROM sla_policies`); n != 4 {
		t.Errorf("SLA policies for %d priorities, want 4", n)
	}
	if n := a.count(t, `SELECT count(*) FROM teams WHERE name = 'Support'`); n != 1 {
		t.Error("no Support team")
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'workspace.setup' AND actor_email = 'ada@example.com'`); n != 1 {
		t.Errorf("%d audit entries of the setup", n)
	}
	// The team is offered before any agent is in it.
	if q := b.get("/desk"); !strings.Contains(q.body, ">Support</option>") {
		t.Errorf("the queue's team filter lacks Support (status %d)", q.status)
	}
	// Gone for good, for everyone.
	wantStatus(t, "GET /setup after", b.get("/setup"), http.StatusNotFound)
	other := a.browser()
	wantStatus(t, "GET /setup, another browser", other.get("/setup"), http.StatusNotFound)
	wantStatus(t, "POST /setup after", other.post("/setup", setupForm("Evil", "UTC", "Mallory", "mallory@example.com", "a long enough password")), http.StatusNotFound)
	wantRedirect(t, "GET / signed out", other.get("/"), "/signin")
	if n := a.count(t, `SELECT count(*) FROM "user"`); n != 1 {
		t.Errorf("%d users after setup", n)
	}
	// The admin signs in again with the password they chose.
	wantRedirect(t, "sign in", other.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"a long enough password"}}), "/admin")
}

// Bad input: each problem beside its field, what was typed kept, nothing written.
func TestSetupRefusesBadInput(t *testing.T) {
	t.Parallel()
	a := newFreshApp(t, nil)
	b := a.browser()
	r := b.post("/setup", setupForm("", "Mars/Base", "Bob <b>", "not-an-email", "short"))
	wantStatus(t, "bad setup", r, http.StatusUnprocessableEntity)
	for _, f := range []string{"company", "time_zone", "email", "password"} {
		if fieldError(r, f) == "" {
			t.Errorf("no message beside %s", f)
		}
	}
	if v, _ := inputValue(r, "name"); v != "Bob <b>" {
		t.Errorf("name kept as %q", v)
	}
	if v, _ := inputValue(r, "time_zone"); v != "Mars/Base" {
		t.Errorf("time zone kept as %q", v)
	}
	mustNotContain(t, r, "<b>", `value="short"`)
	// An address that has an account already (a customer made before any admin).
	a.user(auth.RoleCustomer, "taken@example.com")
	r = b.post("/setup", setupForm("Acme", "UTC", "Ann", "taken@example.com", "a long enough password"))
	wantStatus(t, "taken email", r, http.StatusUnprocessableEntity)
	if !strings.Contains(fieldError(r, "email"), "already has an account") {
		t.Errorf("email message %q", fieldError(r, "email"))
	}
	if v, _ := inputValue(r, "company"); v != "Acme" {
		t.Errorf("company kept as %q", v)
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE role = 'admin'`) + a.count(t, `SELECT count(*) FROM pipelines`) +
		a.count(t, `SELECT count(*) FROM sla_policies`) + a.count(t, `SELECT count(*) FROM workspace_settings WHERE setup_at IS NOT NULL`); n != 0 {
		t.Errorf("a refused setup wrote %d rows", n)
	}
}

// Two browsers racing setup make one admin; the other is sent to sign in.
func TestSetupRaceMakesOneAdmin(t *testing.T) {
	t.Parallel()
	a := newFreshApp(t, nil)
	const racers = 6
	var wg sync.WaitGroup
	results := make([]response, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "admin" + string(rune('a'+i)) + "@example.com"
			results[i] = a.browser().post("/setup", setupForm("Acme", "UTC", "Admin", email, "a long enough password"))
		}()
	}
	wg.Wait()
	won := 0
	for i, r := range results {
		switch {
		case r.status == http.StatusSeeOther && r.location == "/admin":
			won++
		case r.status == http.StatusSeeOther && r.location == "/signin", r.status == http.StatusNotFound:
		default:
			t.Errorf("racer %d: %d to %q", i, r.status, r.location)
		}
	}
	if won != 1 {
		t.Errorf("%d racers won setup", won)
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE role = 'admin'`); n != 1 {
		t.Errorf("%d admins", n)
	}
	if n := a.count(t, `SELECT count(*) FROM pipelines`); n != 1 {
		t.Errorf("%d pipelines", n)
	}
}

// Setup is throttled per client address like sign-up: every valid attempt counts.
func TestSetupIsThrottled(t *testing.T) {
	t.Parallel()
	a := newFreshApp(t, nil)
	a.user(auth.RoleCustomer, "taken@example.com")
	b := a.browser()
	for i := range 10 {
		r := b.post("/setup", setupForm("Acme", "UTC", "Ann", "taken@example.com", "a long enough password"))
		wantStatus(t, "attempt "+string(rune('1'+i)), r, http.StatusUnprocessableEntity)
	}
	r := b.post("/setup", setupForm("Acme", "UTC", "Ann", "ann@example.com", "a long enough password"))
	wantStatus(t, "11th attempt", r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE role = 'admin'`); n != 0 {
		t.Errorf("%d admins after a throttled setup", n)
	}
}

// The checklist ticks itself off from the data, and the test email is one of its items
// when SMTP is configured.
func TestAdminChecklistTicks(t *testing.T) {
	t.Parallel()
	a := newFreshApp(t, map[string]string{"SMTP_HOST": "smtp.invalid", "SMTP_FROM": "Acme <support@acme.test>"})
	b := a.browser()
	wantRedirect(t, "setup", b.post("/setup", setupForm("Acme", "UTC", "Ada", "ada@example.com", "a long enough password")), "/admin")
	todo := func() int { return strings.Count(b.get("/admin").body, `<span class="badge">To do</span>`) }
	if n := todo(); n != 6 {
		t.Fatalf("%d items to do after setup, want 6", n)
	}
	a.user(auth.RoleSales, "rep@example.com")
	if n := todo(); n != 5 {
		t.Errorf("%d items to do after a rep was added, want 5", n)
	}
	wantRedirect(t, "test email", b.post("/admin/test-email", url.Values{}), "/admin")
	sent := a.deliverMail()
	if len(sent) != 1 || sent[0].To != "ada@example.com" {
		t.Fatalf("test email: %+v", sent)
	}
	if n := todo(); n != 4 {
		t.Errorf("%d items to do after the test email, want 4", n)
	}
	// A customer may not send one.
	c := a.browser()
	a.user(auth.RoleCustomer, "cust@example.com")
	c.signIn("cust@example.com")
	wantStatus(t, "customer test email", c.post("/admin/test-email", url.Values{}), http.StatusForbidden)
}
