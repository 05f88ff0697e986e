package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// /admin/agents: make a user an agent in a team, change teams; mistakes are messages.
func TestAdminAgents(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	page := d.adaB.get("/admin/agents")
	wantStatus(t, "agents", page, http.StatusOK)
	mustContain(t, page, d.jordan.Name, d.morgan.Email, `value="Tier 1"`)
	mustNotContain(t, page, d.carol.Email)

	cases := []struct {
		email, team, field, want string
	}{
		{"", "Tier 2", "email", "Email is required."},
		{"nobody@example.com", "Tier 2", "email", "No account uses this email. Add the person under Users first."},
		{"dev@example.com", "", "team", "Agents need a team, like Tier 1 or Billing."},
		{"dev@example.com", "Tier\x002", "team", "Contains a NUL character, which is not allowed."},
		{"dev@example.com", strings.Repeat("t", 61), "team", "Too long: at most 60 characters (this has 61)."},
	}
	for _, tc := range cases {
		r := d.adaB.post("/admin/agents", url.Values{"email": {tc.email}, "team": {tc.team}})
		wantStatus(t, tc.email+"/"+tc.team, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.want {
			t.Errorf("%q/%q: %s error %q, want %q", tc.email, tc.team, tc.field, got, tc.want)
		}
		if v, _ := inputValue(r, "email"); v != tc.email {
			t.Errorf("email kept as %q", v)
		}
	}

	// A customer becomes an agent; an admin keeps the admin role and gains a team.
	team := `Tier 2 <b>"night"</b>`
	wantRedirect(t, "make agent", d.adaB.post("/admin/agents", url.Values{"email": {"DEV@example.com"}, "team": {team}}), "/admin/agents")
	page = d.adaB.get("/admin/agents")
	mustContain(t, page, html.EscapeString(team), d.dev.Name+" is an agent in "+html.EscapeString(team)+
		". They were signed out everywhere and invited by email to choose a new password.")
	mustNotContain(t, page, "<b>\"night\"</b>")
	if n := d.a.count(t, `SELECT count(*) FROM "user" u JOIN agents a ON a.user_id = u.id WHERE u.id = $1 AND u.role = 'agent' AND a.team = $2`, d.dev.ID, team); n != 1 {
		t.Fatal("dev is not an agent in the team")
	}
	wantRedirect(t, "admin on the desk", d.adaB.post("/admin/agents", url.Values{"email": {"ada@example.com"}, "team": {"Escalations"}}), "/admin/agents")
	if n := d.a.count(t, `SELECT count(*) FROM "user" u JOIN agents a ON a.user_id = u.id WHERE u.id = $1 AND u.role = 'admin' AND a.team = 'Escalations'`, d.ada.ID); n != 1 {
		t.Fatal("the admin lost the role or got no team")
	}
	// Dev now works the desk and is no longer a customer, once they have chosen a new
	// password from the invitation (the customer's password no longer works).
	wantStatus(t, "dev's old password", d.a.browser().signInWith("dev@example.com", testPassword), http.StatusUnauthorized)
	var invite string
	for _, m := range d.a.deliverMail() {
		if m.To == "dev@example.com" {
			invite = resetPath(t, m)
		}
	}
	if invite == "" {
		t.Fatal("no invitation to dev@example.com")
	}
	wantRedirect(t, "dev's new password", d.a.browser().post("/reset-password", url.Values{"token": {tokenOf(t, invite)}, "password": {testPassword + " 2"}}), "/signin")
	dev := d.a.browser()
	wantRedirect(t, "dev signs in", dev.signInWith("dev@example.com", testPassword+" 2"), "/desk")
	wantStatus(t, "dev's desk", dev.get("/desk"), http.StatusOK)
	wantStatus(t, "dev's portal", dev.get("/support"), http.StatusForbidden)

	// Changing a team.
	r := d.adaB.post("/admin/agents/"+d.jordan.ID, url.Values{"team": {""}})
	wantStatus(t, "empty team", r, http.StatusUnprocessableEntity)
	mustContain(t, r, `<p class="field-error" id="team-`+d.jordan.ID+`-error">Agents need a team, like Tier 1 or Billing.</p>`)
	wantRedirect(t, "team", d.adaB.post("/admin/agents/"+d.jordan.ID, url.Values{"team": {"Billing"}}), "/admin/agents")
	if n := d.a.count(t, `SELECT count(*) FROM agents WHERE user_id = $1 AND team = 'Billing'`, d.jordan.ID); n != 1 {
		t.Fatal("team not changed")
	}
	// Someone who is not on the desk has no team to change.
	wantStatus(t, "team of a customer", d.adaB.post("/admin/agents/"+d.carol.ID, url.Values{"team": {"Billing"}}), http.StatusNotFound)
	if u, _ := auth.UserByID(t.Context(), d.a.db.DB, d.carol.ID); u.Role != auth.RoleCustomer {
		t.Fatal("a customer changed role")
	}
}

// /admin/sla: list, create, edit; minutes must be whole positive numbers, said plainly.
func TestAdminSLAPolicies(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	list := d.adaB.get("/admin/sla")
	wantStatus(t, "list", list, http.StatusOK)
	mustContain(t, list, "Standard – Urgent", "Applies to urgent tickets", "the strictest applies")

	good := url.Values{"name": {"Enterprise – Urgent"}, "priority": {"urgent"}, "first_response_mins": {"15"}, "resolve_mins": {"120"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range good {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	cases := []struct {
		form        url.Values
		field, want string
	}{
		{with("name", ""), "name", "Name is required."},
		{with("priority", "critical"), "priority", "Choose one of the priorities."},
		{with("first_response_mins", ""), "first_response_mins", "The first response target is required: a whole number of minutes, like 240."},
		{with("first_response_mins", "abc"), "first_response_mins", "The first response target must be a whole number of minutes, like 240."},
		{with("first_response_mins", "1.5"), "first_response_mins", "The first response target must be a whole number of minutes, without decimals."},
		{with("first_response_mins", "0"), "first_response_mins", "The first response target must be at least 1 minute."},
		{with("resolve_mins", "-30"), "resolve_mins", "The resolution target must be at least 1 minute."},
		{with("resolve_mins", "99999999999999999999"), "resolve_mins", "The resolution target must be at most 525,600 minutes (a year)."},
		{with("resolve_mins", "10"), "resolve_mins", "The resolution target cannot be shorter than the first response target."},
	}
	for _, tc := range cases {
		r := d.adaB.post("/admin/sla", tc.form)
		wantStatus(t, tc.want, r, http.StatusUnprocessableEntity)
		if got := fieldError(r, tc.field); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.field, got, tc.want)
		}
		for _, k := range []string{"name", "first_response_mins", "resolve_mins"} {
			if v, _ := inputValue(r, k); v != tc.form.Get(k) {
				t.Errorf("%s kept as %q, want %q", k, v, tc.form.Get(k))
			}
		}
	}
	if n := d.a.count(t, `SELECT count(*) FROM sla_policies`); n != 4 {
		t.Fatalf("%d policies after refused forms", n)
	}

	create := with("first_response_mins", "1,000")
	create.Set("resolve_mins", "2,000")
	wantRedirect(t, "create", d.adaB.post("/admin/sla", create), "/admin/sla")
	var id string
	if err := d.a.db.DB.QueryRow(t.Context(), `SELECT id::text FROM sla_policies WHERE name = 'Enterprise – Urgent' AND first_response_mins = 1000`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, "edit", d.adaB.post("/admin/sla/"+id, with("first_response_mins", "10")), "/admin/sla")
	list = d.adaB.get("/admin/sla")
	mustContain(t, list, "SLA policy “Enterprise – Urgent” saved.", "10m <span class=\"muted\">(10 min)</span>")
	// The stricter new policy now applies to urgent tickets, and a new urgent ticket says so.
	if strings.Count(list.body, "Applies to urgent tickets") != 1 || strings.Index(list.body, "Enterprise – Urgent") > strings.Index(list.body, "Applies to urgent tickets") {
		t.Error("the stricter policy is not the one applying")
	}
	tid := d.file(t, d.carolB, "Down", "All down.")
	wantRedirect(t, "urgent", d.submit(t, d.jordanB, tid, url.Values{"priority": {"urgent"}}), "/desk/tickets/"+tid)
	mustContain(t, d.jordanB.get("/desk/tickets/"+tid), "Policy: <strong>Enterprise – Urgent</strong>")
	edit := d.adaB.get("/admin/sla/" + id)
	if v, _ := inputValue(edit, "first_response_mins"); v != "10" {
		t.Errorf("edit form shows %q", v)
	}
}
