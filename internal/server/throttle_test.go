package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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

// postFrom posts form as a client at ip (the app must trust the proxy: TRUST_PROXY=true).
// It never calls t.Fatal, so goroutines may use it.
func (b *browser) postFrom(ip, path string, form url.Values) (response, error) {
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}, err
}

// signInFrom signs in as a client at ip.
func (b *browser) signInFrom(ip, email, password string) response {
	b.a.t.Helper()
	r, err := b.postFrom(ip, "/signin", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		b.a.t.Fatal(err)
	}
	return r
}

// burst posts every form at once, each from browsers[i] (nil: a fresh browser each) at
// ips[i] (nil: the test's own address), and counts the answers by status.
func burst(t *testing.T, a *app, path string, forms []url.Values, browsers []*browser, ips []string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	statuses := map[int]int{}
	start := make(chan struct{})
	for i, f := range forms {
		b := a.browser()
		if browsers != nil {
			b = browsers[i]
		}
		ip := ""
		if ips != nil {
			ip = ips[i]
		}
		wg.Go(func() {
			<-start
			r, err := b.postFrom(ip, path, f)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			statuses[r.status]++
			if r.status == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
				t.Errorf("a 429 without Retry-After")
			}
			if r.status == http.StatusSeeOther && path == "/signin" {
				t.Errorf("a burst of wrong passwords signed in")
			}
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// waitFor polls the test's database until sql returns at least n (at most 30 s).
func (a *app) waitFor(t *testing.T, n int, sql string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if a.count(t, sql, args...) >= n {
			return
		}
	}
	t.Fatalf("still under %d after 30 s: %s", n, sql)
}

// Issue 9, defect 1: parallel wrong passwords used to pass the lock check together and
// all be hashed. Now each attempt is reserved before its hash: of 25 at once, exactly the
// pair's limit (5) are tried (401) and 20 get 429 with Retry-After. Seen failing on
// af25b2d: "25 parallel wrong passwords: map[401:15 500:8 503:2], want 5 x 401 and 20 x
// 429" (every attempt queued for the hasher; the 500s are defect 13).
// Then a burst of 20 with the right password sent last: once the first attempts are
// reserved, the right one is refused too (the issue saw it sign in on af25b2d, the lock
// check running before any failure was recorded; there this test stops at the 25).
func TestParallelSignInsAreReservedBeforeTheHash(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "victim@example.com")
	a.user("customer", "other@example.com")
	wrong := func(n int, email string) []url.Values {
		var f []url.Values
		for i := range n {
			f = append(f, url.Values{"email": {email}, "password": {fmt.Sprintf("wrong password %d", i)}})
		}
		return f
	}
	got := burst(t, a, "/signin", wrong(25, "victim@example.com"), nil, nil)
	if got[http.StatusUnauthorized] != 5 || got[http.StatusTooManyRequests] != 20 || len(got) != 2 {
		t.Fatalf("25 parallel wrong passwords: %v, want 5 x 401 and 20 x 429", got)
	}
	if f, locked := a.throttleRow(t, "pair:victim@example.com|127.0.0.1"); f != 5 || !locked {
		t.Errorf("pair: failures %d locked %v, want the 5 tried, locked", f, locked)
	}
	if f, _ := a.throttleRow(t, "account:victim@example.com"); f != 5 {
		t.Errorf("account ceiling counts %d, want 5: refused attempts were counted", f)
	}

	// The burst of 20 on another account, the right password last.
	done := make(chan map[int]int)
	go func() { done <- burst(t, a, "/signin", wrong(19, "other@example.com"), nil, nil) }()
	a.waitFor(t, 5, `SELECT coalesce(max(failures), 0) FROM auth_throttle WHERE key = 'pair:other@example.com|127.0.0.1'`)
	last := a.browser().signInWith("other@example.com", testPassword)
	got = <-done
	wantThrottled(t, "the right password, last of the burst", last)
	if got[http.StatusUnauthorized] != 5 || got[http.StatusTooManyRequests] != 14 {
		t.Errorf("19 parallel wrong passwords: %v, want 5 x 401 and 14 x 429", got)
	}
}

// Issue 9, defect 7: five wrong passwords from anywhere used to lock the account for
// everyone. Now they lock that (account, address) pair only: the owner at another address
// signs in. Seen failing on af25b2d: "the owner from another address: status 429, want 303".
func TestPairLocksAfterFiveFailures(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"TRUST_PROXY": "true"})
	a.user("customer", "victim@example.com")
	a.user("customer", "bystander@example.com")
	b := a.browser()
	const attacker = "198.51.100.66"

	// The key is the normalised email, whatever case the attacker types.
	for i, email := range []string{"victim@example.com", "Victim@Example.com", "VICTIM@EXAMPLE.COM", " victim@example.com", "victim@EXAMPLE.com"} {
		r := b.signInFrom(attacker, email, fmt.Sprintf("wrong password %d", i))
		wantStatus(t, fmt.Sprintf("failure %d", i+1), r, http.StatusUnauthorized)
	}
	// The owner, elsewhere, signs in.
	wantRedirect(t, "the owner from another address", a.browser().signInFrom("203.0.113.7", "victim@example.com", testPassword), "/support")
	if f, locked := a.throttleRow(t, "pair:victim@example.com|"+attacker); f != 5 || !locked {
		t.Fatalf("after five failures: pair failures %d locked %v", f, locked)
	}
	// From the attacker's address, even the right password is refused, and not counted.
	wantThrottled(t, "right password from the locked pair", b.signInFrom(attacker, "victim@example.com", testPassword))
	wantThrottled(t, "another client at that address", a.browser().signInFrom(attacker, "victim@example.com", testPassword))
	if f, _ := a.throttleRow(t, "pair:victim@example.com|"+attacker); f != 5 {
		t.Errorf("a refused attempt was counted: failures %d", f)
	}
	// The account's ceiling has five, far from its limit, and no lock.
	if f, locked := a.throttleRow(t, "account:victim@example.com"); f != 5 || locked {
		t.Errorf("account: failures %d locked %v", f, locked)
	}

	// The address has five failures, far from its limit: another account signs in from it.
	if f, locked := a.throttleRow(t, "address:"+attacker); f != 5 || locked {
		t.Errorf("address: failures %d locked %v", f, locked)
	}
	wantRedirect(t, "another account, same client", b.signInFrom(attacker, "bystander@example.com", testPassword), "/support")
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key LIKE '%bystander@example.com%'`); n != 0 {
		t.Errorf("the bystander has a throttle row")
	}
}

// A successful sign-in forgets the pair's earlier failures.
func TestSuccessfulSignInClearsAccountFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	b := a.browser()
	for i := range 4 {
		wantStatus(t, "failure", b.signInWith("c@example.com", fmt.Sprintf("wrong %d password", i)), http.StatusUnauthorized)
	}
	wantRedirect(t, "fifth attempt, right password", b.signInWith("c@example.com", testPassword), "/support")
	if f, _ := a.throttleRow(t, "pair:c@example.com|127.0.0.1"); f != 0 {
		t.Fatalf("pair failures %d after a success", f)
	}
	// The success was no failure: the ceiling keeps the four, not five.
	if f, _ := a.throttleRow(t, "account:c@example.com"); f != 4 {
		t.Errorf("account ceiling %d after four failures and a success, want 4", f)
	}
	// Four more failures do not lock: the count started again.
	for i := range 4 {
		wantStatus(t, "failure", a.browser().signInWith("c@example.com", fmt.Sprintf("again wrong %d", i)), http.StatusUnauthorized)
	}
	wantRedirect(t, "right password", a.browser().signInWith("c@example.com", testPassword), "/support")
}

// A locked account can still reset its password, and the completed reset clears all of
// the account's counters: every pair and the ceiling (issue 9, defect 7). Seen failing on
// af25b2d: "address:198.51.100.1 counts 0 after the reset, want 5": the five attempts from
// the second address were refused unseen, the account being locked for everyone.
func TestPasswordResetLiftsAccountLock(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"TRUST_PROXY": "true"})
	a.user("customer", "c@example.com")
	for _, ip := range []string{"127.0.0.1", "198.51.100.1"} {
		for i := range 5 {
			a.browser().signInFrom(ip, "c@example.com", fmt.Sprintf("guess number %d", i))
		}
	}
	wantThrottled(t, "locked", a.browser().signInWith("c@example.com", testPassword))
	if _, err := a.db.DB.Exec(context.Background(), `UPDATE auth_throttle SET failures = 60, locked_until = now() + interval '1 minute' WHERE key = 'account:c@example.com'`); err != nil {
		t.Fatal(err)
	}

	b := a.browser()
	wantStatus(t, "forgot", b.post("/forgot-password", url.Values{"email": {"c@example.com"}}), http.StatusOK)
	msgs := a.deliverMail()
	if len(msgs) != 1 {
		t.Fatalf("%d emails", len(msgs))
	}
	path := resetPath(t, msgs[0])
	wantRedirect(t, "reset", b.post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"brand new password"}}), "/signin")
	for _, key := range []string{"pair:c@example.com|127.0.0.1", "pair:c@example.com|198.51.100.1", "account:c@example.com"} {
		if f, _ := a.throttleRow(t, key); f != 0 {
			t.Errorf("%s still counts %d after the reset", key, f)
		}
	}
	// The addresses' own counts are theirs, not the account's.
	if f, _ := a.throttleRow(t, "address:198.51.100.1"); f != 5 {
		t.Errorf("address:198.51.100.1 counts %d after the reset, want 5", f)
	}
	wantRedirect(t, "sign in after reset", b.signInWith("c@example.com", "brand new password"), "/support")
	wantRedirect(t, "and from the other address", a.browser().signInFrom("198.51.100.1", "c@example.com", "brand new password"), "/support")
}

// Past its ceiling (50 failures in 15 minutes from all addresses), an account slows
// rather than locks: one attempt a minute from anywhere, 429 with Retry-After between
// (issue 9, defect 7). Below it, failures elsewhere never touch the owner. The 45 earlier
// failures are written directly (the counting itself is internal/auth's test); seen
// failing on af25b2d: "failure from address 2: status 429, want 401" (the 45 written
// failures locked the account for every address).
func TestAccountCeilingSlowsRatherThanLocks(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"TRUST_PROXY": "true"})
	a.user("customer", "ceo@example.com")
	if _, err := a.db.DB.Exec(context.Background(), `INSERT INTO auth_throttle (key, failures, window_start) VALUES ('account:ceo@example.com', 45, now())`); err != nil {
		t.Fatal(err)
	}
	// Five more from five addresses: each its own pair, all allowed; the 50th reaches the ceiling.
	for i := range 5 {
		wantStatus(t, fmt.Sprintf("failure from address %d", i+1),
			a.browser().signInFrom(fmt.Sprintf("198.51.100.%d", i+1), "ceo@example.com", "a wrong guess"), http.StatusUnauthorized)
	}
	if f, locked := a.throttleRow(t, "account:ceo@example.com"); f != 50 || !locked {
		t.Fatalf("account: failures %d, next slot taken %v; want 50, taken", f, locked)
	}
	// Past it: the next attempt, from any address, waits for the next slot (a minute).
	for _, ip := range []string{"198.51.100.99", "203.0.113.7"} {
		r := a.browser().signInFrom(ip, "ceo@example.com", testPassword)
		wantThrottled(t, "past the ceiling from "+ip, r)
		if ra := r.header.Get("Retry-After"); ra != "60" {
			t.Errorf("past the ceiling: Retry-After %q, want 60 (one attempt a minute, not a lock)", ra)
		}
	}
	// A minute later (the slot moved in the database), one attempt gets through: the owner's.
	if _, err := a.db.DB.Exec(context.Background(), `UPDATE auth_throttle SET locked_until = now() - interval '1 second' WHERE key = 'account:ceo@example.com'`); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, "the owner when the slot is due", a.browser().signInFrom("203.0.113.7", "ceo@example.com", testPassword), "/support")
}

// The address limit: 50 failures in 15 minutes over any accounts lock the address (45
// written directly, five through the server, each for another email). It was 30 (on
// af25b2d: "failure 47: status 429"); 50 leaves room for the bench's 32 sign-ins at once
// from one address, each reserved while it waits for the hasher.
func TestAddressLocksAfterFiftyFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "real@example.com")
	if _, err := a.db.DB.Exec(context.Background(), `INSERT INTO auth_throttle (key, failures, window_start) VALUES ('address:127.0.0.1', 45, now())`); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	for i := range 5 {
		r := b.post("/signin", url.Values{"email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password"}})
		wantStatus(t, fmt.Sprintf("failure %d", i+46), r, http.StatusUnauthorized)
	}
	if f, locked := a.throttleRow(t, "address:127.0.0.1"); f != 50 || !locked {
		t.Fatalf("address: failures %d locked %v, want 50 and locked", f, locked)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_throttle WHERE key LIKE 'pair:guess%' AND failures = 1 AND locked_until IS NULL`); n != 5 {
		t.Errorf("%d unlocked single-failure pair rows, want 5", n)
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
