package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"rapport/internal/auth"
)

// Every sign-in outcome is in the audit log with the client's address: a success and a
// sign-out as the user's own; a failure with the email as typed (verbatim, an unknown
// one too); a refusal for a deactivated account and, once per lock, for a throttled one.
func TestSignInAudit(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleSales, "rep@example.com")
	b := a.browser()
	b.signIn(u.Email)
	wantRedirect(t, "sign out", b.post("/signout", url.Values{}), "/signin")
	hostile := `"><script>alert(1)</script>@example.com`
	wantStatus(t, "unknown email", a.browser().signInWith("nobody@example.com", "whatever it is"), http.StatusUnauthorized)
	wantStatus(t, "hostile email", a.browser().signInWith(hostile, "whatever it is"), http.StatusUnprocessableEntity)
	for range 5 {
		wantStatus(t, "wrong password", a.browser().signInWith(u.Email, "not the password"), http.StatusUnauthorized)
	}
	for range 3 {
		wantStatus(t, "throttled", a.browser().signInWith(u.Email, testPassword), http.StatusTooManyRequests)
	}
	banned := a.user(auth.RoleAgent, "gone@example.com")
	if _, _, err := auth.SetBanned(context.Background(), a.db.DB, banned.ID, true); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "deactivated", a.browser().signInWith(banned.Email, testPassword), http.StatusForbidden)

	for _, c := range []struct {
		what, sql string
		args      []any
		want      int
	}{
		{"success", `action = 'signin.success' AND actor_id = $1 AND target_id = $1 AND ip = '127.0.0.1' AND request_id <> ''`, []any{u.ID}, 1},
		{"sign-out", `action = 'signin.signout' AND actor_id = $1`, []any{u.ID}, 1},
		{"unknown email", `action = 'signin.failure' AND actor_id IS NULL AND actor_email = 'nobody@example.com' AND target_id = ''`, nil, 1},
		{"wrong password", `action = 'signin.failure' AND actor_id IS NULL AND actor_email = $1 AND target_id = $2`, []any{u.Email, u.ID}, 5},
		{"throttled, once per lock", `action = 'signin.refused' AND target_id = $1 AND after->>'reason' = 'throttled'`, []any{u.ID}, 1},
		{"deactivated", `action = 'signin.refused' AND target_id = $1 AND after->>'reason' = 'deactivated'`, []any{banned.ID}, 1},
	} {
		if n := a.count(t, `SELECT count(*) FROM audit_log WHERE `+c.sql, c.args...); n != c.want {
			t.Errorf("%s: %d audit entries, want %d", c.what, n, c.want)
		}
	}
	// A malformed email is a form error, not a sign-in: not recorded.
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE actor_email = $1`, hostile); n != 0 {
		t.Errorf("the malformed email was recorded %d times", n)
	}
}
