package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"rapport/internal/auth"
)

// Sessions carry their user: deactivating a user or changing their password deletes
// their other sessions from the table, not only refuses them, and a browser holding an
// ended session is told why on its next page.
func TestEndedSessionsAreDeletedAndExplained(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleAdmin, "boss@example.com")
	rep := a.user(auth.RoleSales, "rep@example.com")

	phone, laptop := a.browser(), a.browser()
	phone.signIn("rep@example.com")
	laptop.signIn("rep@example.com")
	if n := a.count(t, `SELECT count(*) FROM auth_session WHERE user_id = $1`, rep.ID); n != 2 {
		t.Fatalf("two signed-in browsers: %d session rows with the user, want 2", n)
	}

	r := laptop.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"another good password"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change password: %d", r.status)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_session WHERE user_id = $1`, rep.ID); n != 1 {
		t.Fatalf("after a password change: %d session rows, want 1 (this browser's)", n)
	}
	r = phone.get("/crm")
	if r.status != http.StatusSeeOther || r.location != "/signin?next=%2Fcrm" {
		t.Fatalf("the other browser: %d %q", r.status, r.location)
	}
	mustContain(t, phone.get("/signin"), "Your session has ended")

	boss := a.browser()
	boss.signIn("boss@example.com")
	if r := boss.post("/admin/users/"+rep.ID+"/deactivate", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.status)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_session WHERE user_id = $1`, rep.ID); n != 0 {
		t.Fatalf("after deactivation: %d session rows, want 0", n)
	}
	if r := laptop.get("/crm"); r.status != http.StatusSeeOther {
		t.Fatalf("deactivated user's browser: %d", r.status)
	}
}
