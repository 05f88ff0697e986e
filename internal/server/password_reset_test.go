package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPasswordResetEndToEnd(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user("customer", "pat@example.com")
	const newPassword = "a brand new password"

	// Another browser is signed in as the same person; the reset will end that session.
	elsewhere := a.browser()
	elsewhere.signIn("pat@example.com")

	b := a.browser()
	forgot := b.post("/forgot-password", url.Values{"email": {"  Pat@Example.com "}})
	wantStatus(t, "forgot", forgot, http.StatusOK)
	mustContain(t, forgot, "If an account exists for <strong>pat@example.com</strong>, we have emailed it a link")

	msgs := a.deliverMail()
	if len(msgs) != 1 {
		t.Fatalf("%d emails sent, want 1", len(msgs))
	}
	m := msgs[0]
	if m.To != "pat@example.com" || m.Subject != "Reset your Rapport password" {
		t.Errorf("email to %q subject %q", m.To, m.Subject)
	}
	path := resetPath(t, m)
	token := tokenOf(t, path)
	// The table holds only a hash of the token.
	if n := a.count(t, `SELECT count(*) FROM verification WHERE value = $1 AND identifier LIKE 'reset-password:%' AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'`, u.ID); n != 1 {
		t.Errorf("%d live reset rows for the user, want 1 expiring in an hour", n)
	}
	if n := a.count(t, `SELECT count(*) FROM verification WHERE identifier LIKE '%' || $1 || '%' OR value = $1`, token); n != 0 {
		t.Error("the token is stored in clear")
	}

	form := b.get(path)
	wantStatus(t, "reset page", form, http.StatusOK)
	if got, _ := inputValue(form, "token"); got != token {
		t.Errorf("the form carries token %q, want the link's", got)
	}
	mustContain(t, form, `name="password" type="password"`)

	short := b.post("/reset-password", url.Values{"token": {token}, "password": {"too short"}})
	wantStatus(t, "short password", short, http.StatusUnprocessableEntity)
	if got := fieldError(short, "password"); got != "Password is too short: use at least 10 characters." {
		t.Errorf("beside password: %q", got)
	}
	if got, _ := inputValue(short, "token"); got != token {
		t.Error("the token was dropped from the re-rendered form")
	}
	mustNotContain(t, short, "too short\"")

	done := b.post("/reset-password", url.Values{"token": {token}, "password": {newPassword}})
	wantRedirect(t, "reset", done, "/signin")
	signin := b.get("/signin")
	if got := flash(signin); got != "Your password has been changed. Sign in with your new password." {
		t.Errorf("flash %q", got)
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND email_verified`, u.ID); n != 1 {
		t.Error("following the emailed link did not verify the email")
	}
	if n := a.count(t, `SELECT count(*) FROM verification WHERE value = $1`, u.ID); n != 0 {
		t.Errorf("%d tokens left for the user after the reset", n)
	}

	wantStatus(t, "old password", a.browser().signInWith("pat@example.com", testPassword), http.StatusUnauthorized)
	wantRedirect(t, "new password", a.browser().signInWith("pat@example.com", newPassword), "/support")

	// The token works once.
	again := a.browser().post("/reset-password", url.Values{"token": {token}, "password": {"yet another password"}})
	wantStatus(t, "second use", again, http.StatusNotFound)
	mustContain(t, again, "This link is invalid or has expired.")
	wantStatus(t, "second visit", a.browser().get(path), http.StatusNotFound)
	wantRedirect(t, "still the new password", a.browser().signInWith("pat@example.com", newPassword), "/support")

	// The other browser's session ended with the reset.
	wantRedirect(t, "the other browser", elsewhere.get("/support"), "/signin?next=%2Fsupport")
	if got := flash(elsewhere.get("/signin")); got != "Your session has ended. Please sign in again." {
		t.Errorf("other browser's flash %q", got)
	}
}

// The answer does not tell whether an account exists, and nothing is sent for a
// stranger.
func TestForgotPasswordDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "known@example.com")
	known := a.browser().post("/forgot-password", url.Values{"email": {"known@example.com"}})
	unknown := a.browser().post("/forgot-password", url.Values{"email": {"stranger@example.com"}})
	wantStatus(t, "known", known, http.StatusOK)
	wantStatus(t, "unknown", unknown, http.StatusOK)
	if strings.ReplaceAll(known.body, "known@example.com", "EMAIL") != strings.ReplaceAll(unknown.body, "stranger@example.com", "EMAIL") {
		t.Errorf("the pages differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox WHERE to_addr = 'stranger@example.com'`); n != 0 {
		t.Errorf("%d emails queued for an unknown address", n)
	}
	if n := a.count(t, `SELECT count(*) FROM verification`); n != 1 {
		t.Errorf("%d tokens, want 1 (the known account's)", n)
	}
	msgs := a.deliverMail()
	if len(msgs) != 1 || msgs[0].To != "known@example.com" {
		t.Fatalf("sent %+v, want one email to known@example.com", msgs)
	}
}

func TestForgotPasswordAtMostOneEmailPerMinute(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	for range 3 {
		wantStatus(t, "forgot", a.browser().post("/forgot-password", url.Values{"email": {"c@example.com"}}), http.StatusOK)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox`); n != 1 {
		t.Errorf("%d emails queued, want 1", n)
	}
	msgs := a.deliverMail()
	if len(msgs) != 1 {
		t.Fatalf("%d emails sent, want 1", len(msgs))
	}
	// The one link sent still works.
	path := resetPath(t, msgs[0])
	wantRedirect(t, "reset", a.browser().post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"another good password"}}), "/signin")
	if again := a.deliverMail(); len(again) != 0 {
		t.Errorf("a second pass sent %d more emails", len(again))
	}
}

func TestForgotPasswordValidation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	r := a.browser().post("/forgot-password", url.Values{"email": {"not an email"}})
	wantStatus(t, "bad email", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "email"); got != "Enter an email address like name@example.com." {
		t.Errorf("beside email: %q", got)
	}
	if got, _ := inputValue(r, "email"); got != "not an email" {
		t.Errorf("email kept as %q", got)
	}
}

func TestResetPasswordRefusesBadTokens(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user("customer", "c@example.com")
	for _, path := range []string{
		"/reset-password",
		"/reset-password?token=",
		"/reset-password?token=not-a-real-token",
		"/reset-password?token=" + strings.Repeat("A", 5000),
		"/reset-password?token=%00%ff%27%22",
	} {
		r := a.browser().get(path)
		wantStatus(t, path, r, http.StatusNotFound)
		mustContain(t, r, "This link is invalid or has expired.")
		mustNotContain(t, r, `name="password"`)
	}
	for _, token := range []string{"", "not-a-real-token", "\x00", strings.Repeat("B", 5000)} {
		r := a.browser().post("/reset-password", url.Values{"token": {token}, "password": {"a perfectly good password"}})
		wantStatus(t, "POST token "+token[:min(len(token), 10)], r, http.StatusNotFound)
		mustContain(t, r, "This link is invalid or has expired.")
	}
	wantRedirect(t, "password unchanged", a.browser().signIn("c@example.com"), "/support")
	if n := a.count(t, `SELECT session_version FROM "user" WHERE id = $1`, u.ID); n != 1 {
		t.Errorf("session_version %d: a bad token changed the user", n)
	}
}

// An expired link is refused even though its row is still in the table.
func TestResetPasswordRefusesExpiredToken(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user("customer", "c@example.com")
	wantStatus(t, "forgot", a.browser().post("/forgot-password", url.Values{"email": {"c@example.com"}}), http.StatusOK)
	path := resetPath(t, a.deliverMail()[0])
	if _, err := a.db.DB.Exec(t.Context(), `UPDATE verification SET expires_at = now() - interval '1 second' WHERE value = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "expired link", a.browser().get(path), http.StatusNotFound)
	r := a.browser().post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"a perfectly good password"}})
	wantStatus(t, "expired POST", r, http.StatusNotFound)
	mustContain(t, r, "This link is invalid or has expired.")
	wantRedirect(t, "old password still works", a.browser().signIn("c@example.com"), "/support")
}

// Resetting from a browser that is signed in signs it out too.
func TestResetPasswordSignsOutThisBrowser(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("sales", "s@example.com")
	b := a.browser()
	b.signIn("s@example.com")
	wantStatus(t, "forgot", b.post("/forgot-password", url.Values{"email": {"s@example.com"}}), http.StatusOK)
	path := resetPath(t, a.deliverMail()[0])
	wantRedirect(t, "reset", b.post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"a perfectly good password"}}), "/signin")
	wantRedirect(t, "after reset", b.get("/crm"), "/signin?next=%2Fcrm")
}
