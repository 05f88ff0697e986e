package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"rapport/internal/auth"
)

func TestEachRoleLandsOnItsHome(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for role, home := range map[auth.Role]string{
		auth.RoleCustomer: "/support", auth.RoleSales: "/crm", auth.RoleAgent: "/desk", auth.RoleAdmin: "/admin",
	} {
		a.user(role, string(role)+"@example.com")
		b := a.browser()
		r := b.signIn(string(role) + "@example.com")
		if r.location != home {
			t.Errorf("%s: landed on %q, want %q", role, r.location, home)
		}
		page := b.get(home)
		if page.status != http.StatusOK {
			t.Errorf("%s: home %s answered %d", role, home, page.status)
		}
		mustContain(t, page, "Sign out")
	}
}

func TestAnonymousIsSentToSignIn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	r := a.browser().get("/crm?pipeline=x")
	if r.status != http.StatusSeeOther || r.location != "/signin?next="+url.QueryEscape("/crm?pipeline=x") {
		t.Fatalf("got %d %q", r.status, r.location)
	}
}
