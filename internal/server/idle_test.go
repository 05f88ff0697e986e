package server_test

import (
	"net/http"
	"testing"
	"time"
)

func TestIdleSessionIsSignedOut(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	b := a.browser()
	b.signIn("c@example.com")
	token := b.sessionCookie()

	// Activity keeps the session alive: each visit within 12 hours moves the idle clock.
	for range 3 {
		a.advance(11 * time.Hour)
		wantStatus(t, "visit within the idle timeout", b.get("/support"), http.StatusOK)
	}
	if b.sessionCookie() != token {
		t.Error("the token changed on an ordinary visit")
	}

	a.advance(13 * time.Hour)
	wantRedirect(t, "after 13 idle hours", b.get("/support"), "/signin?next=%2Fsupport")
	if a.sessionRows(t, token) != 0 {
		t.Error("the idle session is still in the store")
	}
	page := b.get("/signin")
	wantStatus(t, "sign-in page", page, http.StatusOK)
	if got := flash(page); got != "You were signed out after a period of inactivity. Please sign in again." {
		t.Errorf("flash %q", got)
	}
	// The old token is dead for anyone presenting it.
	thief := a.browser()
	thief.useSession(token)
	wantRedirect(t, "old token", thief.get("/support"), "/signin?next=%2Fsupport")
	// Signing in again works.
	wantRedirect(t, "sign in again", b.signIn("c@example.com"), "/support")
	wantStatus(t, "home", b.get("/support"), http.StatusOK)
}

func TestIdleTimeoutIsConfigurable(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"SESSION_IDLE_TIMEOUT": "30m"})
	a.user("agent", "ag@example.com")
	b := a.browser()
	b.signIn("ag@example.com")
	a.advance(29 * time.Minute)
	wantStatus(t, "after 29 minutes", b.get("/desk"), http.StatusOK)
	a.advance(31 * time.Minute)
	wantRedirect(t, "31 idle minutes later", b.get("/desk"), "/signin?next=%2Fdesk")
}
