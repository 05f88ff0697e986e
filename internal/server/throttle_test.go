package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// throttleRow is one auth_throttle row: failures and whether it is locked now.
func (a *app) throttleRow(t *testing.T, key string) (failures int, locked bool) {
	t.Helper()
	n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key = $1`, key)
	if n == 0 {
		return 0, false
	}
	failures = a.count(t, `SELECT failures FROM auth_throttle WHERE key = $1`, key)
	locked = a.count(t, `SELECT count(*) FROM auth_throttle WHERE key = $1 AND locked_until > now()`, key) == 1
	return failures, locked
}

func wantThrottled(t *testing.T, what string, r response) {
	t.Helper()
	wantStatus(t, what, r, http.StatusTooManyRequests)
	msg := problem(r)
	if !strings.HasPrefix(msg, "Too many failed sign-ins. For your security, try again in ") || !strings.HasSuffix(msg, ", or reset your password.") {
		t.Errorf("%s: problem %q", what, msg)
	}
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 60 || ra > 16*60 || ra%60 != 0 {
		t.Errorf("%s: Retry-After %q, want whole minutes up to the 15-minute lock", what, r.header.Get("Retry-After"))
	}
	if mins := fmt.Sprintf("try again in %d minute", ra/60); !strings.Contains(msg, mins) {
		t.Errorf("%s: message %q disagrees with Retry-After %d", what, msg, ra)
	}
	if r.cookie("rapport_session") != nil {
		t.Errorf("%s: a throttled attempt set a session cookie", what)
	}
}

func TestAccountLocksAfterFiveFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "victim@example.com")
	a.user("customer", "bystander@example.com")
	b := a.browser()

	// The account key is the normalised email, whatever case the attacker types.
	for i, email := range []string{"victim@example.com", "Victim@Example.com", "VICTIM@EXAMPLE.COM", " victim@example.com", "victim@EXAMPLE.com"} {
		r := b.signInWith(email, fmt.Sprintf("wrong password %d", i))
		wantStatus(t, fmt.Sprintf("failure %d", i+1), r, http.StatusUnauthorized)
		if f, locked := a.throttleRow(t, "account:victim@example.com"); f != i+1 || locked != (i == 4) {
			t.Fatalf("after failure %d: failures %d locked %v", i+1, f, locked)
		}
	}
	// Sixth attempt, with the right password: refused.
	wantThrottled(t, "right password while locked", b.signInWith("victim@example.com", testPassword))
	wantThrottled(t, "from another client too", a.browser().signInWith("victim@example.com", testPassword))
	if f, _ := a.throttleRow(t, "account:victim@example.com"); f != 5 {
		t.Errorf("a refused attempt was counted: failures %d", f)
	}

	// The address has five failures, far from its limit: another account signs in.
	if f, locked := a.throttleRow(t, "address:127.0.0.1"); f != 5 || locked {
		t.Errorf("address: failures %d locked %v", f, locked)
	}
	wantRedirect(t, "another account, same client", b.signInWith("bystander@example.com", testPassword), "/support")
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key = 'account:bystander@example.com'`); n != 0 {
		t.Errorf("the bystander has a throttle row")
	}
}

// A successful sign-in forgets the account's earlier failures.
func TestSuccessfulSignInClearsAccountFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	b := a.browser()
	for i := range 4 {
		wantStatus(t, "failure", b.signInWith("c@example.com", fmt.Sprintf("wrong %d password", i)), http.StatusUnauthorized)
	}
	wantRedirect(t, "fifth attempt, right password", b.signInWith("c@example.com", testPassword), "/support")
	if f, _ := a.throttleRow(t, "account:c@example.com"); f != 0 {
		t.Fatalf("account failures %d after a success", f)
	}
	// Four more failures do not lock: the count started again.
	for i := range 4 {
		wantStatus(t, "failure", a.browser().signInWith("c@example.com", fmt.Sprintf("again wrong %d", i)), http.StatusUnauthorized)
	}
	wantRedirect(t, "right password", a.browser().signInWith("c@example.com", testPassword), "/support")
}

// A locked account can still reset its password, and the reset lifts the lock.
func TestPasswordResetLiftsAccountLock(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	for i := range 5 {
		a.browser().signInWith("c@example.com", fmt.Sprintf("guess number %d", i))
	}
	wantThrottled(t, "locked", a.browser().signInWith("c@example.com", testPassword))

	b := a.browser()
	wantStatus(t, "forgot", b.post("/forgot-password", url.Values{"email": {"c@example.com"}}), http.StatusOK)
	msgs := a.deliverMail()
	if len(msgs) != 1 {
		t.Fatalf("%d emails", len(msgs))
	}
	path := resetPath(t, msgs[0])
	wantRedirect(t, "reset", b.post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"brand new password"}}), "/signin")
	wantRedirect(t, "sign in after reset", b.signInWith("c@example.com", "brand new password"), "/support")
}

func TestAddressLocksAfterThirtyFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "real@example.com")
	b := a.browser()
	for i := range 30 {
		r := b.post("/signin", url.Values{"email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password"}})
		wantStatus(t, fmt.Sprintf("failure %d", i+1), r, http.StatusUnauthorized)
	}
	if f, locked := a.throttleRow(t, "address:127.0.0.1"); f != 30 || !locked {
		t.Fatalf("address: failures %d locked %v, want 30 and locked", f, locked)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key LIKE 'account:%' AND failures = 1 AND locked_until IS NULL`); n != 30 {
		t.Errorf("%d unlocked single-failure account rows, want 30", n)
	}
	// Every account is now refused from this address, even with the right password.
	wantThrottled(t, "real account from the locked address", a.browser().signInWith("real@example.com", testPassword))
}

// Without TRUST_PROXY, a client cannot dodge the address limit with X-Forwarded-For.
func TestForwardedForIsIgnoredWithoutTrustProxy(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()
	for i := range 3 {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/signin",
			strings.NewReader(url.Values{"email": {"x@example.com"}, "password": {"wrong password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.srv.URL)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		wantStatus(t, "failure", b.do(req), http.StatusUnauthorized)
	}
	if f, _ := a.throttleRow(t, "address:127.0.0.1"); f != 3 {
		t.Errorf("address:127.0.0.1 failures %d, want 3", f)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key LIKE 'address:10.%'`); n != 0 {
		t.Errorf("%d rows keyed by a forged address", n)
	}
}

// Behind a trusted proxy, the address is the last X-Forwarded-For hop.
func TestForwardedForWithTrustProxy(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"TRUST_PROXY": "true"})
	b := a.browser()
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/signin",
		strings.NewReader(url.Values{"email": {"x@example.com"}, "password": {"wrong password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.srv.URL)
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	wantStatus(t, "failure", b.do(req), http.StatusUnauthorized)
	if f, _ := a.throttleRow(t, "address:203.0.113.7"); f != 1 {
		t.Errorf("address:203.0.113.7 failures %d, want 1", f)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key IN ('address:6.6.6.6', 'address:127.0.0.1')`); n != 0 {
		t.Errorf("the client-supplied hop or the proxy's address was used")
	}
}
