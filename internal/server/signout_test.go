package server_test

import (
	"net/http"
	"testing"
)

func TestSignOutInvalidatesSessionServerSide(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("sales", "s@example.com")
	b := a.browser()
	b.signIn("s@example.com")
	old := b.sessionCookie()
	if n := a.sessionRows(t, old); n != 1 {
		t.Fatalf("%d sessions rows for the signed-in token", n)
	}
	// Another device holds a session of the same user: signing out here leaves it alone.
	other := a.browser()
	other.signIn("s@example.com")

	r := b.post("/signout", nil)
	wantRedirect(t, "sign out", r, "/signin")
	if a.sessionRows(t, old) != 0 {
		t.Fatal("the sessions row survived sign-out")
	}
	page := b.get("/signin")
	wantStatus(t, "sign-in page", page, http.StatusOK)
	if got := flash(page); got != "You have been signed out." {
		t.Errorf("flash %q", got)
	}
	mustNotContain(t, page, "Sign out")
	wantRedirect(t, "after sign-out", b.get("/crm"), "/signin?next=%2Fcrm")

	// Someone who copied the cookie before sign-out gets nothing from it.
	thief := a.browser()
	thief.useSession(old)
	wantRedirect(t, "old cookie", thief.get("/crm"), "/signin?next=%2Fcrm")
	wantRedirect(t, "old cookie, a POST", thief.post("/account/password", nil), "/signin")
	if n := a.sessionRows(t, old); n != 0 {
		t.Errorf("presenting the old cookie recreated its row")
	}

	wantStatus(t, "the other device", other.get("/crm"), http.StatusOK)
}

func TestSignOutNeedsAPost(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	b := a.browser()
	b.signIn("c@example.com")
	r := b.get("/signout")
	wantStatus(t, "GET /signout", r, http.StatusMethodNotAllowed)
	wantStatus(t, "still signed in", b.get("/support"), http.StatusOK)
}
