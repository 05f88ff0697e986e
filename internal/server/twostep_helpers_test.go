package server_test

import (
	"context"
	"encoding/base32"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"rapport/internal/secret"
	"rapport/internal/testenv"
)

// The two-step pages as a person sees them: the key shown for typing into an app, and
// the recovery codes shown once.
var (
	twoStepKeyRE   = regexp.MustCompile(`<code id="twostep-key" class="secret-key">([A-Z2-7 ]+)</code>`)
	recoveryCodeRE = regexp.MustCompile(`<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>`)
)

// codeAt is an authenticator app's code for key (as the page shows it, spaces allowed) at t.
func codeAt(t testing.TB, key string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(strings.ReplaceAll(key, " ", ""), at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// code is the app's code for key now, by the server's clock (a.now: tests move it, and
// a code is accepted once per 30-second step, so a test advances it between sign-ins).
func (a *app) code(t testing.TB, key string) string { return codeAt(t, key, a.clock()) }

// enrol sets up two-step sign-in for b's user through the pages, as a person does: start,
// read the key off the page, confirm with the app's code. It returns the key and the
// recovery codes shown. The code confirmed is spent, so it moves the clock to the next
// 30-second step, as a person signing in afterwards waits for the next code.
func (b *browser) enrol(t testing.TB) (key string, codes []string) {
	t.Helper()
	wantRedirect(t, "start the set-up", b.post("/account/two-step/setup", url.Values{}), "/account/two-step")
	page := b.get("/account/two-step")
	m := twoStepKeyRE.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil {
		t.Fatalf("the set-up page (%d) shows no key:\n%s", page.status, page.body)
	}
	key = m[1]
	r := b.post("/account/two-step/confirm", url.Values{"code": {b.a.code(t, key)}})
	wantStatus(t, "confirm the first code", r, http.StatusOK)
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(r.body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("the confirmation shows %d recovery codes, want 10:\n%s", len(codes), r.body)
	}
	b.a.advance(30 * time.Second)
	return key, codes
}

// signInTwoStep signs b in with the password and then code, and returns the second
// step's answer.
func (b *browser) signInTwoStep(t testing.TB, email, code string) response {
	t.Helper()
	wantRedirect(t, "password of "+email, b.signInWith(email, testPassword), "/signin/two-step")
	return b.post("/signin/two-step", url.Values{"code": {code}})
}

// storedKey opens the user's stored secret (pending or on) with the test servers' key,
// for tests that do not read it off the page; it returns it as the page shows it.
func (a *app) storedKey(t testing.TB, userID string) string {
	t.Helper()
	var sealed []byte
	if err := a.db.DB.QueryRow(context.Background(), `SELECT secret FROM user_twostep WHERE user_id = $1`, userID).Scan(&sealed); err != nil {
		t.Fatalf("the secret of %s: %v", userID, err)
	}
	key, err := secret.ParseKey(testenv.SecretKey())
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := box.Open(sealed, "twostep:"+userID)
	if err != nil {
		t.Fatalf("open the secret of %s: %v", userID, err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
}

// audits is the number of audit entries of action about target (a user id).
func (a *app) audits(t testing.TB, action, target string) int {
	return a.count(t, `SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2`, action, target)
}
