package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/server"
)

// Enrolling: the account page offers it to staff, the set-up page shows a QR code (a PNG
// inlined as data:, which the CSP allows) and the key, only a right code turns it on, and
// the secret is stored sealed: its bytes are nowhere in the row.
func TestTwoStepEnrol(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)

	acct := b.get("/account")
	wantStatus(t, "account page", acct, http.StatusOK)
	mustContain(t, acct, "rep@example.com", "Sales rep", `href="/account/password"`, "Two-step sign-in", "Set up two-step sign-in")

	page := b.get("/account/two-step")
	mustContain(t, page, `action="/account/two-step/setup"`)
	mustNotContain(t, page, "twostep-key")
	wantRedirect(t, "start", b.post("/account/two-step/setup", url.Values{}), "/account/two-step")
	page = b.get("/account/two-step")
	mustContain(t, page, `<img class="qr" src="data:image/png;base64,`, `action="/account/two-step/confirm"`, `autocomplete="one-time-code"`)
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:") {
		t.Errorf("the CSP %q does not allow the inlined QR code", csp)
	}
	m := twoStepKeyRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no key on the page:\n%s", page.body)
	}
	key := m[1]
	if strings.ReplaceAll(key, " ", "") != a.storedKey(t, u.ID) {
		t.Errorf("the page shows key %q, the stored secret is another", key)
	}
	var sealed []byte
	if err := a.db.DB.QueryRow(context.Background(), `SELECT secret FROM user_twostep WHERE user_id = $1`, u.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(strings.ReplaceAll(key, " ", ""))) || sealed[0] != 1 {
		t.Errorf("the stored secret is not sealed (version %d)", sealed[0])
	}

	// A wrong code, or no code, turns nothing on.
	for _, bad := range []string{"", "12345", "abcdef", codeAt(t, key, a.clock().Add(-2*time.Minute))} {
		r := b.post("/account/two-step/confirm", url.Values{"code": {bad}})
		wantStatus(t, "confirm with "+bad, r, http.StatusUnprocessableEntity)
		if fieldError(r, "code") == "" {
			t.Errorf("confirm with %q: no message beside the code", bad)
		}
		mustContain(t, r, `<img class="qr"`) // the QR code is still there to scan
	}
	if n := a.count(t, `SELECT count(*) FROM user_twostep WHERE user_id = $1 AND enabled_at IS NOT NULL`, u.ID); n != 0 {
		t.Fatal("a wrong code turned two-step sign-in on")
	}

	r := b.post("/account/two-step/confirm", url.Values{"code": {a.code(t, key)}})
	wantStatus(t, "confirm", r, http.StatusOK)
	mustContain(t, r, "Two-step sign-in is on", "only time they are shown", `download="rapport-recovery-codes.txt"`)
	codes := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	if n := a.count(t, `SELECT count(*) FROM twostep_recovery_code WHERE user_id = $1 AND used_at IS NULL`, u.ID); n != 10 {
		t.Errorf("%d recovery codes stored, want 10", n)
	}
	for _, c := range codes {
		if n := a.count(t, `SELECT count(*) FROM twostep_recovery_code WHERE strpos(encode(code_hash, 'escape'), $1) > 0`, c[1]); n != 0 {
			t.Errorf("recovery code %s is stored in the clear", c[1])
		}
	}
	if a.audits(t, "twostep.enrol", u.ID) != 1 {
		t.Error("the enrolment is not in the audit log")
	}
	// The same session goes on; the account page says it is on.
	acct = b.get("/account")
	mustContain(t, acct, "On", "10 of 10 recovery codes left")
	// Starting over is refused once it is on.
	b.post("/account/two-step/setup", url.Values{})
	if k := a.storedKey(t, u.ID); k != strings.ReplaceAll(key, " ", "") {
		t.Error("starting the set-up again replaced an enabled secret")
	}
}

// Signing in with two-step on: the password alone starts no session; the code does,
// once; a wrong or replayed code is a 401 with a clear message; ±1 step of clock skew
// passes, 2 steps do not; every outcome is audited. (Seen failing with acceptStepSQL's
// "last_step < $2" taken out: the replayed code and the older step signed in.)
func TestTwoStepSignIn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleAgent, "agent@example.com")
	b := a.browser()
	b.signIn(u.Email)
	key, _ := b.enrol(t)
	wantRedirect(t, "sign out", b.post("/signout", url.Values{}), "/signin")

	c := a.browser()
	r := c.post("/signin", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {"/desk/reports"}})
	wantRedirect(t, "password", r, "/signin/two-step")
	// Not signed in yet: every page still asks to sign in.
	wantRedirect(t, "desk before the code", c.get("/desk"), "/signin?next=%2Fdesk")
	page := c.get("/signin/two-step")
	wantStatus(t, "second step page", page, http.StatusOK)
	mustContain(t, page, `name="code"`, `autocomplete="one-time-code"`)

	r = c.post("/signin/two-step", url.Values{"code": {"000000"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(fieldError(r, "code"), "not right") {
		t.Errorf("a wrong code: %d, %q", r.status, fieldError(r, "code"))
	}
	if a.audits(t, "twostep.failure", u.ID) != 1 {
		t.Error("the wrong code is not in the audit log")
	}
	code := a.code(t, key)
	wantRedirect(t, "right code", c.post("/signin/two-step", url.Values{"code": {code[:3] + " " + code[3:]}}), "/desk/reports")
	wantStatus(t, "desk after the code", c.get("/desk"), http.StatusOK)
	if a.audits(t, "twostep.success", u.ID) != 1 ||
		a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'signin.success' AND actor_id = $1 AND after->>'second_step' = 'code'`, u.ID) != 1 {
		t.Error("the two-step sign-in is not in the audit log")
	}

	// The same code again, in another sign-in within its 30 seconds: refused.
	d := a.browser()
	r = d.signInTwoStep(t, u.Email, code)
	if r.status != http.StatusUnauthorized || !strings.Contains(fieldError(r, "code"), "used already") {
		t.Errorf("a replayed code: %d, %q", r.status, fieldError(r, "code"))
	}
	// The next step's code passes; so does the one after it (skew +1), but then the
	// current one (older) no longer does.
	a.advance(30 * time.Second)
	wantRedirect(t, "next step's code", d.post("/signin/two-step", url.Values{"code": {a.code(t, key)}}), "/desk")
	e := a.browser()
	r = e.signInTwoStep(t, u.Email, codeAt(t, key, a.clock().Add(60*time.Second)))
	wantStatus(t, "two steps ahead", r, http.StatusUnauthorized)
	wantRedirect(t, "one step ahead", e.post("/signin/two-step", url.Values{"code": {codeAt(t, key, a.clock().Add(30*time.Second))}}), "/desk")
	f := a.browser()
	r = f.signInTwoStep(t, u.Email, a.code(t, key))
	wantStatus(t, "a step older than the last used", r, http.StatusUnauthorized)
	a.advance(90 * time.Second)
	wantRedirect(t, "one step behind", f.post("/signin/two-step", url.Values{"code": {codeAt(t, key, a.clock().Add(-30*time.Second))}}), "/desk")

	// Malformed input is a 422, not a guess.
	g := a.browser()
	wantRedirect(t, "password", g.signInWith(u.Email, testPassword), "/signin/two-step")
	for _, bad := range []string{"", "12 34", "<script>", strings.Repeat("9", 100)} {
		wantStatus(t, "code "+bad, g.post("/signin/two-step", url.Values{"code": {bad}}), http.StatusUnprocessableEntity)
	}
	// Without a pending sign-in the step sends to sign in.
	wantRedirect(t, "no pending sign-in", a.browser().post("/signin/two-step", url.Values{"code": {"123456"}}), "/signin")
	wantRedirect(t, "no pending sign-in (page)", a.browser().get("/signin/two-step"), "/signin")
}

// A recovery code signs in once, in any case and with or without its hyphen; never twice.
func TestTwoStepRecoveryCode(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)
	_, codes := b.enrol(t)

	c := a.browser()
	r := c.signInTwoStep(t, u.Email, " "+strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))+" ")
	wantRedirect(t, "recovery code", r, "/crm")
	if !strings.Contains(flash(c.get("/crm")), "recovery code") {
		t.Error("no word that a recovery code was used")
	}
	if a.audits(t, "twostep.recovery", u.ID) != 1 {
		t.Error("the recovery code is not in the audit log")
	}
	r = a.browser().signInTwoStep(t, u.Email, codes[3])
	if r.status != http.StatusUnauthorized || !strings.Contains(fieldError(r, "code"), "used already") {
		t.Errorf("a used recovery code: %d, %q", r.status, fieldError(r, "code"))
	}
	mustContain(t, b.get("/account"), "9 of 10 recovery codes left")

	// New codes void the old ones, and need the password.
	r = b.post("/account/two-step/recovery-codes", url.Values{"current_password": {"not it at all"}})
	wantStatus(t, "new codes, wrong password", r, http.StatusUnprocessableEntity)
	if messageBeside(r, "f-codes-password") == "" {
		t.Error("no message beside the password")
	}
	r = b.post("/account/two-step/recovery-codes", url.Values{"current_password": {testPassword}})
	wantStatus(t, "new codes", r, http.StatusOK)
	fresh := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
	if len(fresh) != 10 {
		t.Fatalf("%d new codes shown", len(fresh))
	}
	wantStatus(t, "an old code", a.browser().signInTwoStep(t, u.Email, codes[5]), http.StatusUnauthorized)
	wantRedirect(t, "a new code", a.browser().signInTwoStep(t, u.Email, fresh[0][1]), "/crm")
	if a.audits(t, "twostep.codes", u.ID) != 1 {
		t.Error("the new codes are not in the audit log")
	}
}

// Parallel wrong codes from one address get at most the limit (5) through to the check;
// the rest are 429 with Retry-After, and then even the right code waits. (Seen failing
// with the reservation's verdict ignored: 12 wrong, 0 throttled.)
func TestTwoStepThrottleInParallel(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)
	key, _ := b.enrol(t)
	const n = 12
	browsers := make([]*browser, n)
	for i := range browsers {
		browsers[i] = a.browser()
		wantRedirect(t, "password", browsers[i].signInWith(u.Email, testPassword), "/signin/two-step")
	}
	var wg sync.WaitGroup
	got := make([]response, n)
	for i, c := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/signin/two-step", strings.NewReader("code=000000"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", a.srv.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := c.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got[i] = response{status: resp.StatusCode, header: resp.Header, body: string(body)}
		}()
	}
	wg.Wait()
	wrong, throttled := 0, 0
	for _, r := range got {
		switch r.status {
		case http.StatusUnauthorized:
			wrong++
		case http.StatusTooManyRequests:
			throttled++
			if r.header.Get("Retry-After") == "" {
				t.Error("a 429 without Retry-After")
			}
		default:
			t.Errorf("status %d", r.status)
		}
	}
	if wrong != 5 || throttled != n-5 {
		t.Errorf("%d wrong and %d throttled of %d parallel guesses, want 5 and %d", wrong, throttled, n, n-5)
	}
	if k := a.audits(t, "twostep.failure", u.ID); k != 5 {
		t.Errorf("%d failures audited, want 5", k)
	}
	// One entry per refusing counter's lock, not per refusal: the pair's, and the
	// account ceiling's when attempts in flight pushed it past its limit for a moment.
	if k := a.audits(t, "signin.refused", u.ID); k < 1 || k > 2 {
		t.Errorf("%d refusals audited, want 1 or 2 (each refusing counter's first)", k)
	}
	r := browsers[0].post("/signin/two-step", url.Values{"code": {a.code(t, key)}})
	wantStatus(t, "the right code while locked", r, http.StatusTooManyRequests)
	mustContain(t, r, "Too many wrong codes")
}

// A pending sign-in lasts 5 minutes: after that the code is not asked for, and the
// browser goes back to sign in with a word why.
func TestTwoStepPendingExpires(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)
	key, _ := b.enrol(t)
	c := a.browser()
	wantRedirect(t, "password", c.signInWith(u.Email, testPassword), "/signin/two-step")
	a.advance(4 * time.Minute)
	wantStatus(t, "after 4 minutes", c.get("/signin/two-step"), http.StatusOK)
	a.advance(61 * time.Second)
	wantRedirect(t, "after 5 minutes", c.post("/signin/two-step", url.Values{"code": {a.code(t, key)}}), "/signin")
	if got := flash(c.get("/signin")); !strings.Contains(got, "longer than 5 minutes") {
		t.Errorf("flash %q", got)
	}
	wantRedirect(t, "and it is gone", c.post("/signin/two-step", url.Values{"code": {a.code(t, key)}}), "/signin")
	wantRedirect(t, "desk", c.get("/desk"), "/signin?next=%2Fdesk")
}

// A password changed (or reset) between the two steps voids the pending sign-in.
func TestTwoStepPendingVoidedByANewPassword(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)
	key, _ := b.enrol(t)
	c := a.browser()
	wantRedirect(t, "password", c.signInWith(u.Email, testPassword), "/signin/two-step")
	wantRedirect(t, "change password", b.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"an entirely new one"}}), "/crm")
	wantRedirect(t, "code after the change", c.post("/signin/two-step", url.Values{"code": {a.code(t, key)}}), "/signin")
	wantRedirect(t, "still signed out", c.get("/crm"), "/signin?next=%2Fcrm")
}

// Turning it off needs the right password (throttled like the change-password form), and
// then the password alone signs in.
func TestTwoStepDisable(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleAdmin, "admin@example.com")
	b := a.browser()
	b.signIn(u.Email)
	b.enrol(t)
	for _, pw := range []string{"", "not my password"} {
		r := b.post("/account/two-step/disable", url.Values{"current_password": {pw}})
		wantStatus(t, "disable with "+pw, r, http.StatusUnprocessableEntity)
		if messageBeside(r, "f-disable-password") == "" {
			t.Errorf("disable with %q: no message beside the password", pw)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM user_twostep WHERE user_id = $1`, u.ID); n != 1 {
		t.Fatal("a wrong password turned it off")
	}
	wantRedirect(t, "disable", b.post("/account/two-step/disable", url.Values{"current_password": {testPassword}}), "/account")
	if n := a.count(t, `SELECT (SELECT count(*) FROM user_twostep WHERE user_id = $1) + (SELECT count(*) FROM twostep_recovery_code WHERE user_id = $1)`, u.ID); n != 0 {
		t.Errorf("%d rows left after turning it off", n)
	}
	if a.audits(t, "twostep.disable", u.ID) != 1 {
		t.Error("turning it off is not in the audit log")
	}
	wantStatus(t, "the same session goes on", b.get("/admin/"), http.StatusOK)
	a.browser().signIn(u.Email) // 303 to /admin: no second step
	b.enrol(t)
	for range 5 {
		wantStatus(t, "a guess", b.post("/account/two-step/disable", url.Values{"current_password": {"guessing"}}), http.StatusUnprocessableEntity)
	}
	r := b.post("/account/two-step/disable", url.Values{"current_password": {testPassword}})
	wantStatus(t, "guessing past the limit", r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Error("a 429 without Retry-After")
	}
}

// The admin's requirement: staff of a required role without two-step sign-in reach only
// its set-up (and sign-out) until they have it, from their next request on; other
// roles and customers are not held back. Enrolling lets them through.
func TestTwoStepRequirement(t *testing.T) {
	t.Parallel()
	a := newDeskApp(t)
	adminU := a.user(auth.RoleAdmin, "admin@example.com")
	agent := a.user(auth.RoleAgent, "agent@example.com")
	a.user(auth.RoleSales, "rep@example.com")
	a.user(auth.RoleCustomer, "cust@example.com")
	admin := a.browser()
	admin.signIn(adminU.Email)
	early := a.browser()
	early.signIn(agent.Email) // signed in before the requirement

	page := admin.get("/admin/security")
	wantStatus(t, "security page", page, http.StatusOK)
	mustContain(t, page, `name="twostep_roles" value="agent"`, "0 of 1 active have it on")
	r := admin.post("/admin/security", url.Values{"twostep_roles": {"customer"}})
	wantStatus(t, "require it of customers", r, http.StatusUnprocessableEntity)
	wantRedirect(t, "require it of agents", admin.post("/admin/security", url.Values{"twostep_roles": {"agent", "agent"}}), "/admin/security")
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'twostep.require' AND after->'roles' = '["agent"]' AND before->'roles' = '[]'`); n != 1 {
		t.Errorf("%d audit entries for the requirement, want 1 with before and after", n)
	}
	mustContain(t, admin.get("/admin/security"), `value="agent" checked`)
	wantRedirect(t, "the same again changes nothing", admin.post("/admin/security", url.Values{"twostep_roles": {"agent"}}), "/admin/security")
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'twostep.require'`); n != 1 {
		t.Errorf("%d requirement entries after saving the same, want 1", n)
	}

	// Already signed in: held back from the next request.
	for _, p := range []string{"/desk", "/desk/reports", "/account", "/account/password", "/desk/events"} {
		wantRedirect(t, "GET "+p+" while held back", early.get(p), "/account/two-step")
	}
	wantRedirect(t, "POST while held back", early.post("/desk/tickets/"+noSuchID, url.Values{"body": {"x"}}), "/account/two-step")
	held := early.get("/account/two-step")
	wantStatus(t, "the set-up page", held, http.StatusOK)
	mustContain(t, held, "requires two-step sign-in for your role")
	wantRedirect(t, "sign out", early.post("/signout", url.Values{}), "/signin")

	// Signing in lands on the set-up.
	b := a.browser()
	wantRedirect(t, "sign in", b.signInWith(agent.Email, testPassword), "/account/two-step")
	wantRedirect(t, "desk", b.get("/desk"), "/account/two-step")
	b.enrol(t)
	wantStatus(t, "desk once enrolled", b.get("/desk"), http.StatusOK)
	mustContain(t, admin.get("/admin/security"), "1 of 1 active have it on")

	// Other roles and customers are not held back.
	wantRedirect(t, "rep", a.browser().signInWith("rep@example.com", testPassword), "/crm")
	wantRedirect(t, "customer", a.browser().signInWith("cust@example.com", testPassword), "/support")

	// The requirement off: nobody is held back any more.
	wantRedirect(t, "require nothing", admin.post("/admin/security", url.Values{}), "/admin/security")
	b2 := a.browser()
	b2.signIn("rep@example.com")
	wantStatus(t, "rep's board", b2.get("/crm"), http.StatusOK)
}

// An admin resets a user's two-step sign-in (lost phone): it is off, the codes are void,
// and every session of the user ends; the password alone signs in afterwards.
func TestTwoStepAdminReset(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	adminU := a.user(auth.RoleAdmin, "admin@example.com")
	rep := a.user(auth.RoleSales, "rep@example.com")
	admin := a.browser()
	admin.signIn(adminU.Email)
	b := a.browser()
	b.signIn(rep.Email)
	key, _ := b.enrol(t)
	a.advance(30 * time.Second)
	other := a.browser()
	wantRedirect(t, "second session", other.signInTwoStep(t, rep.Email, a.code(t, key)), "/crm")

	page := admin.get("/admin/users/" + rep.ID)
	mustContain(t, page, "/two-step/reset", "Reset two-step sign-in")
	mustContain(t, admin.get("/admin/users"), "Two-step")
	wantStatus(t, "reset own", admin.post("/admin/users/"+adminU.ID+"/two-step/reset", url.Values{}), http.StatusForbidden)
	wantRedirect(t, "reset", admin.post("/admin/users/"+rep.ID+"/two-step/reset", url.Values{}), "/admin/users/"+rep.ID)
	for _, c := range []*browser{b, other} {
		wantRedirect(t, "the rep's session after the reset", c.get("/crm"), "/signin?next=%2Fcrm")
	}
	if n := a.count(t, `SELECT (SELECT count(*) FROM user_twostep WHERE user_id = $1) + (SELECT count(*) FROM twostep_recovery_code WHERE user_id = $1) + (SELECT count(*) FROM auth_session WHERE user_id = $1 OR pending_user_id = $1)`, rep.ID); n != 0 {
		t.Errorf("%d rows of the rep's two-step sign-in or sessions left", n)
	}
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'twostep.reset' AND target_id = $1 AND actor_id = $2`, rep.ID, adminU.ID); n != 1 {
		t.Error("the reset is not in the audit log as the admin's")
	}
	wantRedirect(t, "password alone", a.browser().signInWith(rep.Email, testPassword), "/crm")
	wantRedirect(t, "reset again: nothing to do", admin.post("/admin/users/"+rep.ID+"/two-step/reset", url.Values{}), "/admin/users/"+rep.ID)
}

// Customers are not offered two-step sign-in: no section on their account page, 403 on
// its pages.
func TestTwoStepNotForCustomers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleCustomer, "cust@example.com")
	b := a.browser()
	b.signIn("cust@example.com")
	acct := b.get("/account")
	wantStatus(t, "account", acct, http.StatusOK)
	mustContain(t, acct, "cust@example.com", "Customer", `href="/account/password"`)
	mustNotContain(t, acct, "Two-step", "two-step")
	wantStatus(t, "two-step page", b.get("/account/two-step"), http.StatusForbidden)
	wantStatus(t, "set-up", b.post("/account/two-step/setup", url.Values{}), http.StatusForbidden)
	if n := a.count(t, `SELECT count(*) FROM user_twostep`); n != 0 {
		t.Error("a customer started an enrolment")
	}
}

// Without SECRET_KEY the server starts; the account page says two-step sign-in is
// unavailable, nobody can enrol or be required to, and a user enrolled earlier (the key
// since removed) can still pass the second step with a recovery code, not with a code
// from the app.
func TestTwoStepWithoutSecretKey(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	adminU := a.user(auth.RoleAdmin, "admin@example.com")
	b := a.browser()
	b.signIn(u.Email)
	key, codes := b.enrol(t)

	// The same database, served by a server without the key.
	env := map[string]string{"DATABASE_URL": a.db.PooledURL(), "BASE_URL": "http://rapport.test"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), a.db.DB, server.Options{Now: a.clock})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	keyless := &app{t: t, db: a.db, srv: srv, now: a.clock()}

	c := keyless.browser()
	r := c.signInTwoStep(t, u.Email, keyless.code(t, key))
	wantStatus(t, "an app's code without the key", r, http.StatusServiceUnavailable)
	mustContain(t, r, "recovery codes")
	wantRedirect(t, "a recovery code without the key", c.post("/signin/two-step", url.Values{"code": {codes[0]}}), "/crm")

	rep2 := keyless.user(auth.RoleAgent, "agent@example.com")
	d := keyless.browser()
	d.signIn(rep2.Email)
	mustContain(t, d.get("/account"), "unavailable until the server")
	wantStatus(t, "set-up without the key", d.post("/account/two-step/setup", url.Values{}), http.StatusServiceUnavailable)
	adm := keyless.browser()
	adm.signIn(adminU.Email)
	wantStatus(t, "require without the key", adm.post("/admin/security", url.Values{"twostep_roles": {"agent"}}), http.StatusUnprocessableEntity)
}
