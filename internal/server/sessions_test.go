package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/seed"
)

// signInAs signs the browser in presenting userAgent, as a browser on another device
// would.
func (b *browser) signInAs(email, userAgent string) {
	b.a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+"/signin",
		strings.NewReader(url.Values{"email": {email}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	if r := b.do(req); r.status != http.StatusSeeOther {
		b.a.t.Fatalf("sign in %s: %d", email, r.status)
	}
}

// sessionID is the id the account page names the browser's session by.
func (a *app) sessionID(t testing.TB, b *browser) string {
	t.Helper()
	var id string
	if err := a.db.DB.QueryRow(t.Context(), `SELECT id::text FROM auth_session WHERE token_hash = $1`, sessionHash(b.sessionCookie())).Scan(&id); err != nil {
		t.Fatalf("the browser's session: %v", err)
	}
	return id
}

var sessionFormRE = regexp.MustCompile(`action="/account/sessions/([0-9a-f-]{36})/signout"`)

// The account page lists where the user is signed in: each device by its browser and
// system, its address, when it was last seen in the viewer's zone, this one marked.
// One session can be signed out from another, then all but this one; a session that
// ended already, or someone else's, is left alone and said to have ended. (Seen failing
// with the sign-out's user scope dropped: the stranger signed the phone out.)
func TestActiveSessionsOnTheAccountPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleSales, "rep@example.com")
	a.user(auth.RoleCustomer, "other@example.com")
	laptop, phone, tablet := a.browser(), a.browser(), a.browser()
	laptop.signInAs("rep@example.com", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
	a.advance(2 * time.Hour)
	phone.signInAs("rep@example.com", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1")
	tablet.signInAs("rep@example.com", "<script>alert(1)</script>")
	stranger := a.browser()
	stranger.signIn("other@example.com")

	page := laptop.get("/account")
	wantStatus(t, "account page", page, http.StatusOK)
	mustContain(t, page, "Active sessions", "Firefox on Linux", "Safari on iPhone", "&lt;script&gt;alert(1)&lt;/script&gt;",
		"This device", "127.0.0.1", "Sign out everywhere else")
	mustNotContain(t, page, "<script>alert(1)</script>")
	if n := strings.Count(page.body, "This device"); n != 1 {
		t.Errorf(`"This device" %d times`, n)
	}
	// The phone was last seen when it signed in, two hours after the laptop: written in
	// the viewer's zone (UTC until accounts choose one).
	if seen := a.clock().UTC().Format("15:04"); !strings.Contains(page.body, seen+" UTC") {
		t.Errorf("the phone's last visit (%s UTC) is not on the page", seen)
	}
	forms := sessionFormRE.FindAllStringSubmatch(page.body, -1)
	if len(forms) != 2 {
		t.Fatalf("%d sign-out buttons, want one per other session (2)", len(forms))
	}
	// Which button is the phone's: the row that names Safari.
	var phoneID string
	for _, row := range strings.Split(page.body, "<tr>") {
		if m := sessionFormRE.FindStringSubmatch(row); m != nil && strings.Contains(row, "Safari on iPhone") {
			phoneID = m[1]
		}
	}
	if phoneID == "" {
		t.Fatal("no sign-out button on the phone's row")
	}

	// Someone else cannot end the phone's session, and is told nothing about it.
	r := stranger.post("/account/sessions/"+phoneID+"/signout", url.Values{})
	wantRedirect(t, "a stranger signs the phone out", r, "/account")
	mustContain(t, stranger.get("/account"), "That session had ended already.")
	wantStatus(t, "the phone after the stranger tried", phone.get("/crm"), http.StatusOK)

	// The laptop signs the phone out.
	wantRedirect(t, "sign the phone out", laptop.post("/account/sessions/"+phoneID+"/signout", url.Values{}), "/account")
	mustContain(t, laptop.get("/account"), "Signed out Safari on iPhone.")
	wantRedirect(t, "the phone", phone.get("/crm"), "/signin?next=%2Fcrm")
	wantRedirect(t, "again", laptop.post("/account/sessions/"+phoneID+"/signout", url.Values{}), "/account")
	mustContain(t, laptop.get("/account"), "That session had ended already.")
	wantStatus(t, "the tablet", tablet.get("/crm"), http.StatusOK)

	// Everywhere else: the tablet goes, the laptop stays, the stranger is untouched.
	wantRedirect(t, "sign out everywhere else", laptop.post("/account/sessions/signout-others", url.Values{}), "/account")
	page = laptop.get("/account")
	mustContain(t, page, "Signed out 1 other session.")
	mustNotContain(t, page, "Sign out everywhere else")
	if n := len(sessionFormRE.FindAllString(page.body, -1)); n != 0 {
		t.Errorf("%d sign-out buttons left, want none (this device has none)", n)
	}
	wantRedirect(t, "the tablet", tablet.get("/crm"), "/signin?next=%2Fcrm")
	wantStatus(t, "the laptop", laptop.get("/crm"), http.StatusOK)
	wantStatus(t, "the stranger", stranger.get("/support"), http.StatusOK)
	wantRedirect(t, "nowhere else now", laptop.post("/account/sessions/signout-others", url.Values{}), "/account")
	mustContain(t, laptop.get("/account"), "You were signed in nowhere else.")

	// A malformed id is a 404, as for any page.
	wantStatus(t, "malformed id", laptop.post("/account/sessions/not-an-id/signout", url.Values{}), http.StatusNotFound)
}

// The store keeps a hash of each token, never the token: nothing in the table holds the
// cookie's value, as text or as the key's bytes in the cookie's encoding. (Seen failing
// with the token's own bytes stored as the key: "1 rows hold the token in clear".)
func TestSessionTokensAreStoredHashed(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleCustomer, "c@example.com")
	b := a.browser()
	b.signIn("c@example.com")
	token := b.sessionCookie()
	if n := a.count(t, `SELECT count(*) FROM auth_session s
		WHERE strpos(s::text, $1) > 0 OR strpos(translate(rtrim(encode(s.token_hash, 'base64'), '='), '+/', '-_'), $1) > 0`, token); n != 0 {
		t.Errorf("%d rows hold the token in clear", n)
	}
	if a.sessionRows(t, token) != 1 {
		t.Error("no row under the token's hash")
	}
	if n := a.count(t, `SELECT count(*) FROM auth_session WHERE user_agent = 'Go-http-client/1.1' AND address = '127.0.0.1'`); n != 1 {
		t.Error("the session does not record its browser and address")
	}
}

// A session ends SESSION_LIFETIME after sign-in however active it is, and a visit
// does not move that end. (Seen failing with the lookup's expiry condition left out:
// "past the lifetime: got 200".)
func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"SESSION_LIFETIME": "24h", "SESSION_IDLE_TIMEOUT": "12h"})
	a.user(auth.RoleCustomer, "c@example.com")
	b := a.browser()
	b.signIn("c@example.com")
	for range 2 {
		a.advance(11 * time.Hour)
		wantStatus(t, "active, within the lifetime", b.get("/support"), http.StatusOK)
	}
	a.advance(3 * time.Hour) // 25 hours after sign-in, 3 after the last visit
	wantRedirect(t, "past the lifetime", b.get("/support"), "/signin?next=%2Fsupport")
	if got := flash(b.get("/signin")); got != "Your session has ended. Please sign in again." {
		t.Errorf("flash %q", got)
	}
}

// TestSessionStatementBudget holds the active-sessions routes to their statements,
// counted as TestStatementBudget counts them (the session's lookup included): the
// account page reads the list in its session statement (SessionListing), so a
// customer's is 1 and a rep's 2 (their two-step state), as before the list; a
// sign-out is the session and one DELETE.
func TestSessionStatementBudget(t *testing.T) {
	t.Parallel()
	e := newStmtApp(t)
	a := e.a
	signIn := func(email string) *browser {
		b := a.browser()
		if r := b.post("/signin", url.Values{"email": {email}, "password": {seed.DemoPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", email, r.status)
		}
		return b
	}
	cust, phone, rep := signIn("customer1@example.com"), signIn("customer1@example.com"), signIn("sales1@example.com")
	for _, c := range []struct {
		what   string
		b      *browser
		post   bool
		path   string
		status int
		max    int
		want   string
	}{
		{"a customer's account page", cust, false, "/account", http.StatusOK, 1, "Sign out everywhere else"},
		{"a rep's account page", rep, false, "/account", http.StatusOK, 2, "This device"},
		{"sign one session out", cust, true, "/account/sessions/" + a.sessionID(t, phone) + "/signout", http.StatusSeeOther, 2, ""},
		{"a session ended already", cust, true, "/account/sessions/" + a.sessionID(t, phone) + "/signout", http.StatusSeeOther, 2, ""},
		{"sign out everywhere else", rep, true, "/account/sessions/signout-others", http.StatusSeeOther, 2, ""},
	} {
		var r response
		var sqls []string
		if c.post {
			r, sqls, _ = e.probe.measurePost(t, c.b, c.path, url.Values{})
		} else {
			r, sqls, _ = e.probe.measure(t, c.b, c.path)
		}
		if r.status != c.status || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: %d, want %d with %q", c.what, r.status, c.status, c.want)
		}
		if len(sqls) > c.max {
			t.Errorf("%s: %d statements, budget %d:\n\t%s", c.what, len(sqls), c.max, strings.Join(sqls, "\n\t"))
		}
	}
}
