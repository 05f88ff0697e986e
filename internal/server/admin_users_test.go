package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// newAdmin makes an admin and a browser signed in as them.
func newAdmin(a *app) (*auth.User, *browser) {
	u := a.user(auth.RoleAdmin, "admin@example.com")
	b := a.browser()
	b.signIn("admin@example.com")
	return u, b
}

func TestAdminCreatesStaffWhoChoosesAPassword(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)

	form := admin.get("/admin/users/new")
	wantStatus(t, "form", form, http.StatusOK)
	mustContain(t, form, `<option value="sales" selected>`)

	r := admin.post("/admin/users", url.Values{"name": {"Sam Seller"}, "email": {"Sam@Example.com"}, "role": {"sales"}})
	wantRedirect(t, "create", r, "/admin/users")
	list := admin.get("/admin/users")
	if got := flash(list); got != "Sam Seller was added and invited by email." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, list, "<td>sam@example.com</td>", "<td>Sales rep</td>")

	var id, role string
	var hash *string
	err := a.db.DB.QueryRow(context.Background(), `SELECT u.id, u.role, a.password FROM "user" u JOIN account a ON a.user_id = u.id AND a.provider_id = 'credential' WHERE u.email = 'sam@example.com'`).
		Scan(&id, &role, &hash)
	if err != nil {
		t.Fatal(err)
	}
	if role != "sales" || (hash != nil && *hash != "") {
		t.Errorf("role %q, password %v: want sales and no password until they choose one", role, hash)
	}
	if n := a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1`, id); n != 0 {
		t.Errorf("a sales rep got an agents row")
	}
	// No password yet: nothing signs in.
	wantStatus(t, "before choosing", a.browser().signInWith("sam@example.com", testPassword), http.StatusUnauthorized)

	msgs := a.deliverMail()
	if len(msgs) != 1 || msgs[0].To != "sam@example.com" || msgs[0].Subject != "You have been invited to Rapport" {
		t.Fatalf("sent %+v, want one invitation to sam@example.com", msgs)
	}
	mustContainText(t, msgs[0].Body, "Hello Sam Seller,", "Test admin has given you a Rapport account (Sales rep).")
	if n := a.count(t, `SELECT count(*) FROM verification WHERE value = $1 AND expires_at > now() + interval '71 hours'`, id); n != 1 {
		t.Errorf("the invitation does not last three days")
	}
	path := resetPath(t, msgs[0])
	sam := a.browser()
	wantStatus(t, "invitation link", sam.get(path), http.StatusOK)
	wantRedirect(t, "choose password", sam.post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"sams own password"}}), "/signin")
	wantRedirect(t, "sign in", sam.signInWith("sam@example.com", "sams own password"), "/crm")
	home := sam.get("/crm")
	wantStatus(t, "home", home, http.StatusOK)
	mustContain(t, home, "Welcome, Sam Seller.")
}

func TestAdminCreateStaffValidation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	a.user(auth.RoleCustomer, "taken@example.com")
	tests := []struct {
		name, email, role, team string
		field, message          string
	}{
		{"Ann Agent", "ann@example.com", "agent", "", "team", "Support agents need a team."},
		{"Ann Agent", "ann@example.com", "agent", "   ", "team", "Support agents need a team."},
		{"Ann Agent", "ann@example.com", "agent", strings.Repeat("t", 61), "team", "Too long: at most 60 characters (this has 61)."},
		{"Ann Agent", "ann@example.com", "superuser", "", "role", "Choose one of the roles."},
		{"Ann Agent", "ann@example.com", "", "", "role", "Choose one of the roles."},
		{"Ann Agent", "Taken@Example.com", "sales", "", "email", "A user with this email already exists."},
		{"Ann Agent", "ann@", "sales", "", "email", "Enter an email address like name@example.com."},
		{"", "ann@example.com", "sales", "", "name", "Name is required."},
		{"Ann\x00", "ann@example.com", "sales", "", "name", "Contains a NUL character, which is not allowed."},
	}
	for _, tc := range tests {
		r := admin.post("/admin/users", url.Values{"name": {tc.name}, "email": {tc.email}, "role": {tc.role}, "team": {tc.team}})
		what := tc.field + ": " + tc.message
		wantStatus(t, what, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.message {
			t.Errorf("%s: beside %s: %q", what, tc.field, got)
		}
		if tc.field != "name" {
			if got, _ := inputValue(r, "name"); got != tc.name {
				t.Errorf("%s: name kept as %q", what, got)
			}
		}
		if got, _ := inputValue(r, "email"); got != strings.ToLower(tc.email) {
			t.Errorf("%s: email kept as %q", what, got)
		}
	}
	if n := a.users(t); n != 2 {
		t.Errorf("%d users, want the admin and the customer", n)
	}
	if n := a.count(t, `SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d invitations queued by refused forms", n)
	}
}

func TestAdminCreatesAgentWithTeam(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	r := admin.post("/admin/users", url.Values{"name": {"Ann Agent"}, "email": {"ann@example.com"}, "role": {"agent"}, "team": {"  Billing "}})
	wantRedirect(t, "create agent", r, "/admin/users")
	if n := a.count(t, `SELECT count(*) FROM agents g JOIN "user" u ON u.id = g.user_id WHERE u.email = 'ann@example.com' AND u.role = 'agent' AND g.team = 'Billing'`); n != 1 {
		t.Fatalf("no agents row with team Billing for ann")
	}
	path := resetPath(t, a.deliverMail()[0])
	ann := a.browser()
	wantRedirect(t, "choose password", ann.post("/reset-password", url.Values{"token": {tokenOf(t, path)}, "password": {"anns own password"}}), "/signin")
	wantRedirect(t, "sign in", ann.signInWith("ann@example.com", "anns own password"), "/desk")
}

func TestAdminChangesRole(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	rep := a.user(auth.RoleSales, "rep@example.com")
	repBrowser := a.browser()
	repBrowser.signIn("rep@example.com")

	edit := admin.get("/admin/users/" + rep.ID)
	wantStatus(t, "edit page", edit, http.StatusOK)
	mustContain(t, edit, `<option value="sales" selected>`, "/admin/users/"+rep.ID+"/deactivate")

	bad := admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {""}})
	wantStatus(t, "agent without team", bad, http.StatusUnprocessableEntity)
	if got := fieldError(bad, "team"); got != "Support agents need a team." {
		t.Errorf("beside team: %q", got)
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND role = 'sales'`, rep.ID); n != 1 {
		t.Fatal("a refused change was applied")
	}

	r := admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {"Tier 2"}})
	wantRedirect(t, "change role", r, "/admin/users/"+rep.ID)
	if got := flash(admin.get(r.location)); got != "Test sales is now Support agent. They were signed out everywhere." {
		t.Errorf("flash %q", got)
	}
	if n := a.count(t, `SELECT count(*) FROM "user" u JOIN agents g ON g.user_id = u.id WHERE u.id = $1 AND u.role = 'agent' AND g.team = 'Tier 2'`, rep.ID); n != 1 {
		t.Fatal("role agent with team Tier 2 not stored")
	}
	// A new role ends their sessions; a verified staff member keeps their password
	// (only a customer made staff, or an unproven address, must choose a new one).
	wantRedirect(t, "old session", repBrowser.get("/crm"), "/signin?next=%2Fcrm")
	wantRedirect(t, "sign in again", repBrowser.signIn("rep@example.com"), "/desk")
	wantStatus(t, "old home", repBrowser.get("/crm"), http.StatusForbidden)
	wantStatus(t, "new home", repBrowser.get("/desk"), http.StatusOK)
	wantRedirect(t, "root", repBrowser.get("/"), "/desk")

	// Changing the team of an agent updates their one agents row.
	wantRedirect(t, "change team", admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {"Billing"}}), "/admin/users/"+rep.ID)
	if n := a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1`, rep.ID); n != 1 {
		t.Errorf("%d agents rows, want 1", n)
	}
	if n := a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1 AND team = 'Billing'`, rep.ID); n != 1 {
		t.Errorf("team not changed to Billing")
	}

	// An unknown user is a 404 page.
	for _, r := range []response{admin.get("/admin/users/nobody"), admin.post("/admin/users/nobody", url.Values{"role": {"sales"}})} {
		wantStatus(t, "unknown user", r, http.StatusNotFound)
		mustContain(t, r, "Page not found")
	}
}

func TestAdminDeactivatesAndReactivates(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	c := a.user(auth.RoleCustomer, "c@example.com")
	cb := a.browser()
	cb.signIn("c@example.com")
	wantStatus(t, "customer home", cb.get("/support"), http.StatusOK)

	r := admin.post("/admin/users/"+c.ID+"/deactivate", nil)
	wantRedirect(t, "deactivate", r, "/admin/users/"+c.ID)
	page := admin.get(r.location)
	if got := flash(page); got != "Test customer was deactivated and signed out everywhere." {
		t.Errorf("flash %q", got)
	}
	mustContain(t, page, "This account is deactivated: it cannot sign in.", "/admin/users/"+c.ID+"/reactivate")
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND banned`, c.ID); n != 1 {
		t.Fatal("banned not set")
	}
	mustContain(t, admin.get("/admin/users"), `<span class="badge bad">Deactivated</span>`)

	// Their open session ends on its next request.
	token := cb.sessionCookie()
	wantRedirect(t, "deactivated session", cb.get("/support"), "/signin?next=%2Fsupport")
	if a.sessionRows(t, token) != 0 {
		t.Error("the deactivated user's session row is still there")
	}
	if got := flash(cb.get("/signin")); got != "Your session has ended. Please sign in again." {
		t.Errorf("flash %q", got)
	}
	// The right password does not let them back in.
	in := cb.signInWith("c@example.com", testPassword)
	wantStatus(t, "deactivated sign-in", in, http.StatusForbidden)
	if got := problem(in); got != "This account has been deactivated. Ask your administrator if you need access again." {
		t.Errorf("problem %q", got)
	}
	wantRedirect(t, "still signed out", cb.get("/support"), "/signin?next=%2Fsupport")
	// A wrong password still gets the ordinary answer (it reveals nothing about the account).
	wantStatus(t, "deactivated, wrong password", a.browser().signInWith("c@example.com", "wrong password!"), http.StatusUnauthorized)
	// Nor can they reset their way back in.
	wantStatus(t, "forgot", a.browser().post("/forgot-password", url.Values{"email": {"c@example.com"}}), http.StatusOK)
	if n := a.count(t, `SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d reset emails for a deactivated account", n)
	}

	wantRedirect(t, "reactivate", admin.post("/admin/users/"+c.ID+"/reactivate", nil), "/admin/users/"+c.ID)
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND NOT banned`, c.ID); n != 1 {
		t.Fatal("banned not cleared")
	}
	wantRedirect(t, "sign in after reactivation", cb.signInWith("c@example.com", testPassword), "/support")
	wantStatus(t, "home after reactivation", cb.get("/support"), http.StatusOK)
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	me, admin := newAdmin(a)
	page := admin.get("/admin/users/" + me.ID)
	wantStatus(t, "own page", page, http.StatusOK)
	mustContain(t, page, "This is your own account")
	mustNotContain(t, page, "/deactivate")

	for _, r := range []response{
		admin.post("/admin/users/"+me.ID+"/deactivate", nil),
		admin.post("/admin/users/"+me.ID, url.Values{"role": {"customer"}}),
	} {
		wantStatus(t, "self", r, http.StatusForbidden)
		mustContain(t, r, "403 · Forbidden")
	}
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE id = $1 AND role = 'admin' AND NOT banned`, me.ID); n != 1 {
		t.Fatal("the admin changed their own role or access")
	}
	wantStatus(t, "still admin", admin.get("/admin/users"), http.StatusOK)
}

func TestAdminUserSearchAndRoleFilter(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	for _, u := range []struct {
		role  auth.Role
		email string
	}{
		{auth.RoleCustomer, "ada@example.com"},
		{auth.RoleCustomer, "bob@example.org"},
		{auth.RoleSales, "carol@example.com"},
		{auth.RoleAgent, "dave@example.net"},
		{auth.RoleAgent, "erin_100@example.com"},
	} {
		a.user(u.role, u.email)
	}
	cell := regexp.MustCompile(`<td>([^<@]+@[^<]+)</td>`)
	emails := func(r response) []string {
		var out []string
		for _, m := range cell.FindAllStringSubmatch(r.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"ada@example.com", "admin@example.com", "bob@example.org", "carol@example.com", "dave@example.net", "erin_100@example.com"}},
		{"?q=ADA", []string{"ada@example.com"}},
		{"?q=example.com", []string{"ada@example.com", "admin@example.com", "carol@example.com", "erin_100@example.com"}},
		{"?role=agent", []string{"dave@example.net", "erin_100@example.com"}},
		{"?q=example.com&role=agent", []string{"erin_100@example.com"}},
		{"?q=Test+sales", []string{"carol@example.com"}}, // by name
		{"?q=%25", nil}, // LIKE wildcards are literal
		{"?q=_1", []string{"erin_100@example.com"}},
		{"?q=n_1", []string{"erin_100@example.com"}},
		{"?q=a_a", nil},
		{"?role=nonsense", []string{"ada@example.com", "admin@example.com", "bob@example.org", "carol@example.com", "dave@example.net", "erin_100@example.com"}},
		{"?q=%00", []string{"ada@example.com", "admin@example.com", "bob@example.org", "carol@example.com", "dave@example.net", "erin_100@example.com"}},
	}
	for _, tc := range tests {
		r := admin.get("/admin/users" + tc.query)
		wantStatus(t, tc.query, r, http.StatusOK)
		if got := emails(r); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: listed %v, want %v", tc.query, got, tc.want)
		}
		if len(tc.want) == 0 {
			mustContain(t, r, "No users match.")
		}
	}
	r := admin.get("/admin/users?q=ada&role=customer")
	// The top bar's global search box is also named q; the list's own field keeps the value.
	mustContain(t, r, `value="ada"`)
	mustContain(t, r, `<option value="customer" selected>`)
}

func mustContainText(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("text lacks %q:\n%s", w, s)
		}
	}
}
