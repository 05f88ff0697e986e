package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/cursor"
	"rapport/internal/httpx"
)

// record writes an entry as if a request from ip had made it.
func (a *app) record(t testing.TB, ip string, e audit.Entry) {
	t.Helper()
	if err := audit.Record(httpx.WithClientIP(context.Background(), ip), a.db.DB, e); err != nil {
		t.Fatal(err)
	}
}

// fromAddr sends every request as if through a trusted proxy that saw ip.
type fromAddr struct {
	ip   string
	next http.RoundTripper
}

func (f fromAddr) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("X-Forwarded-For", f.ip)
	return f.next.RoundTrip(req)
}

// browserFrom is a browser whose requests come from ip (the app must trust the proxy).
func (a *app) browserFrom(ip string) *browser {
	b := a.browser()
	b.c.Transport = fromAddr{ip: ip, next: b.c.Transport}
	return b
}

// auditRow is one row of the audit page: each cell's text (tags stripped, entities
// decoded, white space collapsed) and the row's HTML.
type auditRow struct {
	when, who, action, target, ip, changes string
	raw                                    string
}

var (
	auditTableRE = regexp.MustCompile(`(?s)<table class="audit-log">.*?<tbody>(.*?)</tbody>`)
	auditTrRE    = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	auditTdRE    = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	auditLiRE    = regexp.MustCompile(`(?s)<li>(.*?)</li>`)
	tagRE        = regexp.MustCompile(`<[^>]*>`)
)

func cellText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(s, " "))), " ")
}

// auditRows parses the audit page's entries; nil when the page has no table.
func auditRows(t testing.TB, r response) []auditRow {
	t.Helper()
	m := auditTableRE.FindStringSubmatch(r.body)
	if m == nil {
		return nil
	}
	var rows []auditRow
	for _, tr := range auditTrRE.FindAllStringSubmatch(m[1], -1) {
		tds := auditTdRE.FindAllStringSubmatch(tr[1], -1)
		if len(tds) == 1 { // "No entries match."
			continue
		}
		if len(tds) != 6 {
			t.Fatalf("an audit row with %d cells:\n%s", len(tds), tr[0])
		}
		var changes []string
		for _, li := range auditLiRE.FindAllStringSubmatch(tds[5][1], -1) {
			changes = append(changes, cellText(li[1]))
		}
		rows = append(rows, auditRow{when: cellText(tds[0][1]), who: cellText(tds[1][1]), action: cellText(tds[2][1]),
			target: cellText(tds[3][1]), ip: cellText(tds[4][1]), changes: strings.Join(changes, "; "), raw: tr[0]})
	}
	return rows
}

// auditPage gets the audit page with query q as b, which must be an admin's, and
// returns its entries.
func auditPage(t testing.TB, b *browser, q url.Values) (response, []auditRow) {
	t.Helper()
	r := b.get("/admin/audit?" + q.Encode())
	if r.status != http.StatusOK {
		t.Fatalf("GET /admin/audit?%s: %d\n%s", q.Encode(), r.status, r.body)
	}
	if m := rawMarkup(r.body); m != "" {
		t.Fatalf("GET /admin/audit?%s shows %s unescaped", q.Encode(), m)
	}
	return r, auditRows(t, r)
}

// wantEntry is what the newest entry of an action must show.
type wantEntry struct {
	action       audit.Action
	who, whoLink string // whoLink: the actor's user id when the cell must link to them
	target       string
	targetLink   string // a path the target cell links to, or ""
	ip, changes  string
}

// checkNewest checks the newest entry of w.action, reached through the action filter
// (which must list that action only).
func checkNewest(t *testing.T, admin *browser, w wantEntry) {
	t.Helper()
	_, rows := auditPage(t, admin, url.Values{"action": {string(w.action)}})
	if len(rows) == 0 {
		t.Errorf("%s: no entry", w.action)
		return
	}
	for _, r := range rows {
		if r.action != w.action.Label() {
			t.Errorf("the filter on %s lists a %q entry", w.action, r.action)
		}
	}
	got := rows[0]
	if got.who != w.who || got.target != w.target || got.ip != w.ip || got.changes != w.changes {
		t.Errorf("%s: got who %q, target %q, address %q, changes %q\n\twant who %q, target %q, address %q, changes %q",
			w.action, got.who, got.target, got.ip, got.changes, w.who, w.target, w.ip, w.changes)
	}
	if w.whoLink != "" && !strings.Contains(got.raw, `<a href="/admin/users/`+w.whoLink+`">`) {
		t.Errorf("%s: the actor does not link to their page:\n%s", w.action, got.raw)
	}
	if w.whoLink == "" && strings.Contains(cellOf(got.raw, 1), "<a ") {
		t.Errorf("%s: the actor links somewhere:\n%s", w.action, got.raw)
	}
	if w.targetLink != "" && !strings.Contains(got.raw, `<a href="`+w.targetLink+`">`) {
		t.Errorf("%s: the target does not link to %s:\n%s", w.action, w.targetLink, got.raw)
	}
	if _, err := time.Parse("Mon 2 Jan 2006, 15:04 MST", got.when); err != nil {
		t.Errorf("%s: when %q: %v", w.action, got.when, err)
	}
}

// cellOf is the HTML of the i-th cell of a row.
func cellOf(row string, i int) string {
	tds := auditTdRE.FindAllStringSubmatch(row, -1)
	if i >= len(tds) {
		return ""
	}
	return tds[i][1]
}

// TestAuditLogRecordsEachChange makes every change the audit log records through the
// pages, each from its own address, and reads each back on /admin/audit: who, the
// target, the address and the changed fields. Seen failing: without ChangeRole's
// Record, the role and team changes had no entry; with the rename returning the new
// name instead of the one it replaced, the rename looked like no change and had none.
// (And TestAuditLogFilters, with the address filter ignored in listSQL, listed all.)
func TestAuditLogRecordsEachChange(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"TRUST_PROXY": "true"})
	adm := a.user(auth.RoleAdmin, "admin@example.com")
	admin := a.browserFrom("198.51.100.1")
	admin.signIn(adm.Email)
	self := func(u *auth.User) string { return "User " + u.Email }

	// Staff added, then the invitation followed.
	wantRedirect(t, "add staff", admin.post("/admin/users", url.Values{"name": {"Sam Seller"}, "email": {"Sam@Example.com"}, "role": {"sales"}}), "/admin/users")
	var samID string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id FROM "user" WHERE email = 'sam@example.com'`).Scan(&samID); err != nil {
		t.Fatal(err)
	}
	checkNewest(t, admin, wantEntry{action: audit.UserCreated, who: adm.Email, whoLink: adm.ID, target: "User sam@example.com",
		targetLink: "/admin/users/" + samID, ip: "198.51.100.1", changes: "Name: Sam Seller; Email: sam@example.com; Role: sales"})
	invite := resetPath(t, a.deliverMail()[0])
	sam := a.browserFrom("198.51.100.2")
	wantRedirect(t, "choose a password", sam.post("/reset-password", url.Values{"token": {tokenOf(t, invite)}, "password": {"sams own password"}}), "/signin")
	checkNewest(t, admin, wantEntry{action: audit.PasswordReset, who: "sam@example.com", whoLink: samID, target: "User sam@example.com",
		targetLink: "/admin/users/" + samID, ip: "198.51.100.2", changes: "Link: invitation"})

	// A customer signs up, confirms the address, asks for a reset link, follows it and
	// later changes the password while signed in.
	cust := a.browserFrom("203.0.113.5")
	wantStatus(t, "sign up", cust.signUp("Cora Customer", "cora@example.com", "coras first password"), http.StatusOK)
	cora, err := auth.UserByEmail(context.Background(), a.db.DB, "cora@example.com")
	if err != nil {
		t.Fatal(err)
	}
	checkNewest(t, admin, wantEntry{action: audit.UserSignedUp, who: "(nobody signed in)", target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "203.0.113.5", changes: "Name: Cora Customer; Email: cora@example.com; Role: customer"})
	wantStatus(t, "confirm", cust.confirmEmail(t, verifyPath(t, a.deliverMail()[0])), http.StatusOK)
	checkNewest(t, admin, wantEntry{action: audit.EmailVerified, who: cora.Email, whoLink: cora.ID, target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "203.0.113.5", changes: "Email confirmed: yes"})
	forgot := a.browserFrom("203.0.113.6")
	wantStatus(t, "forgot", forgot.post("/forgot-password", url.Values{"email": {"cora@example.com"}}), http.StatusOK)
	checkNewest(t, admin, wantEntry{action: audit.PasswordForgot, who: "(nobody signed in)", target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "203.0.113.6"})
	// Asked again within the minute (no email goes out), or for an address without an
	// account: nothing more is logged.
	wantStatus(t, "forgot again", forgot.post("/forgot-password", url.Values{"email": {"cora@example.com"}}), http.StatusOK)
	wantStatus(t, "forgot, nobody", forgot.post("/forgot-password", url.Values{"email": {"nobody@example.com"}}), http.StatusOK)
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'password.forgot'`); n != 1 {
		t.Errorf("%d reset-link entries, want 1 (the one link sent)", n)
	}
	reset := resetPath(t, a.deliverMail()[0])
	wantRedirect(t, "reset", forgot.post("/reset-password", url.Values{"token": {tokenOf(t, reset)}, "password": {"coras second password"}}), "/signin")
	checkNewest(t, admin, wantEntry{action: audit.PasswordReset, who: cora.Email, whoLink: cora.ID, target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "203.0.113.6", changes: "Link: password reset"})
	wantRedirect(t, "sign in", cust.signInWith(cora.Email, "coras second password"), "/support")
	wantRedirect(t, "change password", cust.post("/account/password", url.Values{"current_password": {"coras second password"},
		"password": {"coras third password"}}), "/support")
	checkNewest(t, admin, wantEntry{action: audit.PasswordChanged, who: cora.Email, whoLink: cora.ID, target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "203.0.113.5"})

	// Roles and teams, on the user page and on /admin/agents.
	rep := a.user(auth.RoleSales, "rep@example.com")
	wantRedirect(t, "make agent", admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {"Billing"}}), "/admin/users/"+rep.ID)
	checkNewest(t, admin, wantEntry{action: audit.RoleChanged, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Role: sales → agent; Team: Billing"})
	wantRedirect(t, "make customer staff", admin.post("/admin/users/"+cora.ID, url.Values{"role": {"sales"}}), "/admin/users/"+cora.ID)
	checkNewest(t, admin, wantEntry{action: audit.RoleChanged, who: adm.Email, whoLink: adm.ID, target: self(cora),
		targetLink: "/admin/users/" + cora.ID, ip: "198.51.100.1", changes: "Role: customer → sales; Invitation: sent: the password was cleared"})
	wantRedirect(t, "same role, new team", admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {"Tier 2"}}), "/admin/users/"+rep.ID)
	checkNewest(t, admin, wantEntry{action: audit.AgentTeamsChanged, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Team: Billing → Tier 2"})
	wantRedirect(t, "agents page, edit", admin.post("/admin/agents/"+rep.ID, url.Values{"team": {"Tier 3"}}), "/admin/agents")
	checkNewest(t, admin, wantEntry{action: audit.AgentTeamsChanged, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Team: Tier 2 → Tier 3"})
	wantRedirect(t, "agents page, add", admin.post("/admin/agents", url.Values{"email": {rep.Email}, "team": {"Tier 4"}}), "/admin/agents")
	checkNewest(t, admin, wantEntry{action: audit.AgentTeamsChanged, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Team: Tier 3 → Tier 4"})
	// A save that changes nothing logs nothing.
	before := a.count(t, `SELECT count(*) FROM audit_log`)
	wantRedirect(t, "same team", admin.post("/admin/agents/"+rep.ID, url.Values{"team": {"Tier 4"}}), "/admin/agents")
	wantRedirect(t, "same role and team", admin.post("/admin/users/"+rep.ID, url.Values{"role": {"agent"}, "team": {"Tier 4"}}), "/admin/users/"+rep.ID)
	if n := a.count(t, `SELECT count(*) FROM audit_log`); n != before {
		t.Errorf("saves that changed nothing logged %d entries", n-before)
	}

	// Deactivation, twice (the second click changes nothing), and reactivation.
	for range 2 {
		wantRedirect(t, "deactivate", admin.post("/admin/users/"+rep.ID+"/deactivate", url.Values{}), "/admin/users/"+rep.ID)
	}
	checkNewest(t, admin, wantEntry{action: audit.UserDeactivated, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Status: active → deactivated"})
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.deactivate'`); n != 1 {
		t.Errorf("%d deactivation entries, want 1", n)
	}
	wantRedirect(t, "reactivate", admin.post("/admin/users/"+rep.ID+"/reactivate", url.Values{}), "/admin/users/"+rep.ID)
	checkNewest(t, admin, wantEntry{action: audit.UserReactivated, who: adm.Email, whoLink: adm.ID, target: self(rep),
		targetLink: "/admin/users/" + rep.ID, ip: "198.51.100.1", changes: "Status: deactivated → active"})

	// SLA policies: created, then changed; the entry lists only what changed.
	wantRedirect(t, "new policy", admin.post("/admin/sla", url.Values{"name": {"Gold"}, "priority": {"high"},
		"first_response_mins": {"30"}, "resolve_mins": {"240"}}), "/admin/sla")
	var policy string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id::text FROM sla_policies WHERE name = 'Gold'`).Scan(&policy); err != nil {
		t.Fatal(err)
	}
	checkNewest(t, admin, wantEntry{action: audit.SLAPolicyCreated, who: adm.Email, whoLink: adm.ID, target: "SLA policy Gold",
		targetLink: "/admin/sla/" + policy, ip: "198.51.100.1",
		changes: "Name: Gold; Priority: high; First response (minutes): 30; Resolution (minutes): 240"})
	wantRedirect(t, "edit policy", admin.post("/admin/sla/"+policy, url.Values{"name": {"Platinum"}, "priority": {"high"},
		"first_response_mins": {"15"}, "resolve_mins": {"240"}}), "/admin/sla")
	checkNewest(t, admin, wantEntry{action: audit.SLAPolicyUpdated, who: adm.Email, whoLink: adm.ID, target: "SLA policy Platinum",
		targetLink: "/admin/sla/" + policy, ip: "198.51.100.1", changes: "Name: Gold → Platinum; First response (minutes): 30 → 15"})

	// Pipelines: created, then renamed.
	wantRedirect(t, "new pipeline", admin.post("/admin/pipelines", url.Values{"name": {"Inbound"}}), "/admin/pipelines")
	var pipe string
	if err := a.db.DB.QueryRow(context.Background(), `SELECT id::text FROM pipelines WHERE name = 'Inbound'`).Scan(&pipe); err != nil {
		t.Fatal(err)
	}
	checkNewest(t, admin, wantEntry{action: audit.PipelineCreated, who: adm.Email, whoLink: adm.ID, target: "Pipeline Inbound",
		targetLink: "/admin/pipelines/" + pipe, ip: "198.51.100.1", changes: "Name: Inbound"})
	wantRedirect(t, "rename pipeline", admin.post("/admin/pipelines/"+pipe, url.Values{"name": {"Inbound EMEA"}}), "/admin/pipelines")
	checkNewest(t, admin, wantEntry{action: audit.PipelineRenamed, who: adm.Email, whoLink: adm.ID, target: "Pipeline Inbound EMEA",
		targetLink: "/admin/pipelines/" + pipe, ip: "198.51.100.1", changes: "Name: Inbound → Inbound EMEA"})

	// Refused changes log nothing: forms with a mistake, the admin's own account, an
	// agent on an admin page.
	agent := a.browserFrom("198.51.100.9")
	agent.signIn(rep.Email)
	before = a.count(t, `SELECT count(*) FROM audit_log`)
	wantStatus(t, "bad pipeline", admin.post("/admin/pipelines/"+pipe, url.Values{"name": {""}}), http.StatusUnprocessableEntity)
	wantStatus(t, "bad team", admin.post("/admin/agents/"+rep.ID, url.Values{"team": {""}}), http.StatusUnprocessableEntity)
	wantStatus(t, "bad policy", admin.post("/admin/sla/"+policy, url.Values{"name": {"Gold"}, "priority": {"high"},
		"first_response_mins": {"0"}, "resolve_mins": {"240"}}), http.StatusUnprocessableEntity)
	wantStatus(t, "own account", admin.post("/admin/users/"+adm.ID+"/deactivate", url.Values{}), http.StatusForbidden)
	wantStatus(t, "agent renames", agent.post("/admin/pipelines/"+pipe, url.Values{"name": {"Agent's"}}), http.StatusForbidden)
	wantStatus(t, "agent deactivates", agent.post("/admin/users/"+cora.ID+"/deactivate", url.Values{}), http.StatusForbidden)
	if n := a.count(t, `SELECT count(*) FROM audit_log`); n != before {
		t.Errorf("refused requests logged %d entries", n-before)
	}

	// Every entry came from a request, with its id.
	if n := a.count(t, `SELECT count(*) FROM audit_log WHERE request_id = '' OR ip = ''`); n != 0 {
		t.Errorf("%d entries without a request id or an address", n)
	}
}

// auditFixture is a log of entries that differ in one way each, to filter on.
type auditFixture struct {
	a     *app
	admin *browser
	adm   *auth.User
	ann   *auth.User // a user who is both an actor and a target
	all   []string   // every entry's marker (its target label), newest first
}

// newAuditFixture writes entries with known actions, actors, targets, addresses and
// days; each entry's target label is its marker.
func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	a := newApp(t)
	adm, admin := newAdmin(a)
	ann := a.user(auth.RoleSales, "ann@example.com")
	f := &auditFixture{a: a, admin: admin, adm: adm, ann: ann}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	entries := []struct {
		marker, action, actorID, actorEmail, targetType, targetID, ip string
		at                                                            time.Time
	}{
		{"m1", "user.role", adm.ID, adm.Email, "user", ann.ID, "192.0.2.1", day(1)},
		{"m2", "sla.update", adm.ID, adm.Email, "sla_policy", "6f1c2a9e-1111-4a2b-8c3d-000000000001", "192.0.2.1", day(2)},
		{"m3", "password.change", ann.ID, ann.Email, "user", ann.ID, "192.0.2.2", day(3)},
		{"m4", "signin.failure", "", "annette@example.org", "", "", "192.0.2.3", day(4)},
		{"m5", "pipeline.rename", adm.ID, adm.Email, "pipeline", "6f1c2a9e-2222-4a2b-8c3d-000000000002", "2001:db8::1", day(5)},
		{"m6", "password.forgot", "", "", "user", adm.ID, "192.0.2.3", day(6)},
		{"m7", "user.role", adm.ID, adm.Email, "user", adm.ID, "192.0.2.1", day(7)},
		{"m8", "password.change", ann.ID, ann.Email, "user", ann.ID, "192.0.2.2", day(7).Add(time.Hour)},
	}
	for _, e := range entries {
		a.exec(t, `INSERT INTO audit_log (at, actor_id, actor_email, action, target_type, target_id, target_label, ip)
			VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7, $8)`, e.at, e.actorID, e.actorEmail, e.action, e.targetType, e.targetID, e.marker, e.ip)
		f.all = append([]string{e.marker}, f.all...)
	}
	return f
}

// markers lists the page's entries by marker (their target cell's last word), leaving
// out the admin's own sign-in (TestSignInAudit checks those entries).
func (f *auditFixture) markers(t *testing.T, q url.Values) ([]string, response) {
	t.Helper()
	r, rows := auditPage(t, f.admin, q)
	var out []string
	for _, row := range rows {
		w := strings.Fields(row.target)
		if m := w[len(w)-1]; m != "admin@example.com" {
			out = append(out, m)
		}
	}
	return out, r
}

// TestAuditLogFilters: each filter alone lists exactly the entries it names (a strict,
// non-empty part of the log, so a filter ignored would fail), and they combine.
func TestAuditLogFilters(t *testing.T) {
	t.Parallel()
	f := newAuditFixture(t)
	got, _ := f.markers(t, nil)
	if !slices.Equal(got, f.all) {
		t.Fatalf("unfiltered: %v, want every entry newest first %v", got, f.all)
	}
	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"action": {"user.role"}}, []string{"m7", "m1"}},
		{url.Values{"action": {"signin.failure"}}, []string{"m4"}},
		{url.Values{"actor": {"admin@example.com"}}, []string{"m7", "m5", "m2", "m1"}},
		{url.Values{"actor": {" ANN@example.com "}}, []string{"m8", "m3"}}, // exact: not annette@
		{url.Values{"actor": {"ann"}}, []string{"m8", "m4", "m3"}},         // a beginning: annette@ too
		{url.Values{"actor": {"annette@"}}, []string{"m4"}},
		{url.Values{"actor": {"a%"}}, nil}, // % is a character, not a wildcard
		{url.Values{"target": {"ann@example.com"}}, []string{"m8", "m3", "m1"}},
		{url.Values{"target": {f.adm.ID}}, []string{"m7", "m6"}},
		{url.Values{"target": {"6F1C2A9E-2222-4A2B-8C3D-000000000002"}}, []string{"m5"}},
		{url.Values{"target": {"nobody@example.com"}}, nil},
		{url.Values{"ip": {"192.0.2.3"}}, []string{"m6", "m4"}},
		{url.Values{"ip": {"2001:0db8:0000::1"}}, []string{"m5"}}, // spelt another way
		{url.Values{"from": {"2026-03-05"}}, []string{"m8", "m7", "m6", "m5"}},
		{url.Values{"to": {"2026-03-02"}}, []string{"m2", "m1"}},
		{url.Values{"from": {"2026-03-03"}, "to": {"2026-03-04"}}, []string{"m4", "m3"}},
		{url.Values{"from": {"2026-03-07"}, "to": {"2026-03-07"}}, []string{"m8", "m7"}}, // "to" is inclusive
		{url.Values{"action": {"password.change"}, "from": {"2026-03-04"}}, []string{"m8"}},
		{url.Values{"actor": {"admin@example.com"}, "ip": {"192.0.2.1"}, "target": {f.ann.Email}}, []string{"m1"}},
	} {
		got, r := f.markers(t, tc.q)
		if !slices.Equal(got, tc.want) {
			t.Errorf("?%s: %v, want %v", tc.q.Encode(), got, tc.want)
		}
		if len(tc.want) == 0 && !strings.Contains(r.body, "No entries match.") {
			t.Errorf("?%s: no entries, and the page does not say so", tc.q.Encode())
		}
		// The form shows the filter as it applies.
		for k := range tc.q {
			if k == "action" {
				mustContain(t, r, `<option value="`+tc.q.Get(k)+`" selected>`)
			} else if v, _ := inputValue(r, k); v == "" {
				t.Errorf("?%s: the %s field is not kept", tc.q.Encode(), k)
			}
		}
	}
}

// TestAuditLogRefusesBadFilters: a value that cannot filter gets a message beside its
// field, the page lists nothing (never everything, never a 500), and the value is kept.
func TestAuditLogRefusesBadFilters(t *testing.T) {
	t.Parallel()
	f := newAuditFixture(t)
	for _, tc := range []struct{ field, value, msg string }{
		{"action", "made.up", "Choose one of the actions in the list."},
		{"actor", "ann\x01", "Enter an email address, or its beginning (at most 254 characters, no control characters)."},
		{"actor", strings.Repeat("a", 255), "Enter an email address, or its beginning (at most 254 characters, no control characters)."},
		{"target", "ann@", "Enter a user's whole email address, like name@example.com, or an id."},
		{"target", "<script>", "Enter a user's email address, or an id: letters, digits and dashes, at most 64."},
		{"target", strings.Repeat("a", 65), "Enter a user's email address, or an id: letters, digits and dashes, at most 64."},
		{"ip", "192.0.2", "Enter an IP address like 192.0.2.7 or 2001:db8::1."},
		{"from", "03/01/2026", "Enter a date like 2026-01-31."},
		{"from", "2026-02-30", "Enter a date like 2026-01-31."},
		{"to", "0000-01-01", "Enter a date like 2026-01-31."},
		{"to", "tomorrow", "Enter a date like 2026-01-31."},
	} {
		what := tc.field + "=" + tc.value
		r, rows := auditPage(t, f.admin, url.Values{tc.field: {tc.value}})
		if got := fieldError(r, tc.field); got != tc.msg {
			t.Errorf("%s: beside the field %q, want %q", what, got, tc.msg)
		}
		if rows != nil || !strings.Contains(r.body, "Correct the highlighted filters to see entries.") {
			t.Errorf("%s: the page lists %d entries", what, len(rows))
		}
		if tc.field != "action" && !strings.ContainsRune(tc.value, 1) {
			if v, _ := inputValue(r, tc.field); v != tc.value {
				t.Errorf("%s: the field came back as %q", what, v)
			}
		}
	}
	r, _ := auditPage(t, f.admin, url.Values{"from": {"2026-03-05"}, "to": {"2026-03-04"}})
	if got := fieldError(r, "to"); got != "The end date is before the start date." {
		t.Errorf("from after to: %q", got)
	}
}

// TestAuditLogPages: 50 entries a page, newest first, each exactly once, the filter
// kept on the next page's link; a malformed cursor is a 400.
func TestAuditLogPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	// 120 entries, the odd ones for one action; two share each time, so the keyset's id
	// breaks ties.
	a.exec(t, `INSERT INTO audit_log (at, action, target_label, ip)
		SELECT timestamptz '2026-01-01' + (i / 2) * interval '1 minute', CASE WHEN i % 2 = 1 THEN 'user.role' ELSE 'sla.update' END,
		       'n' || i, '192.0.2.1'
		FROM generate_series(1, 120) i`)
	walk := func(q url.Values) []string {
		var seen []string
		path := "/admin/audit?" + q.Encode()
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("more pages than entries")
			}
			r := admin.get(path)
			wantStatus(t, path, r, http.StatusOK)
			rows := auditRows(t, r)
			if len(rows) > 50 {
				t.Errorf("%s: %d entries on a page", path, len(rows))
			}
			for _, row := range rows {
				seen = append(seen, row.target)
			}
			path = ""
			if m := regexp.MustCompile(`<a href="([^"]+)">Older entries`).FindStringSubmatch(r.body); m != nil {
				path = html.UnescapeString(m[1])
				if len(rows) != 50 {
					t.Errorf("a page of %d entries links to a next one", len(rows))
				}
				for k, v := range q {
					if u, _ := url.Parse(path); u.Query().Get(k) != v[0] {
						t.Errorf("the next page's link %s drops %s", path, k)
					}
				}
			}
		}
		return seen
	}
	want := func(odd bool) []string {
		var out []string
		for i := 120; i >= 1; i-- {
			if !odd || i%2 == 1 {
				out = append(out, fmt.Sprintf("n%d", i))
			}
		}
		return out
	}
	// Unfiltered, the admin's own sign-in (the newest entry) comes first.
	if got := walk(url.Values{}); !slices.Equal(got, append([]string{"User admin@example.com"}, want(false)...)) {
		t.Errorf("every page: %d entries\n%v", len(got), got)
	}
	if got := walk(url.Values{"action": {"user.role"}}); !slices.Equal(got, want(true)) {
		t.Errorf("every page of user.role: %d entries\n%v", len(got), got)
	}
	for _, bad := range []string{"not-a-cursor", pageCursor(t, cursor.Text("n1")),
		pageCursor(t, cursor.Time(time.Now()), cursor.Int(0)), pageCursor(t, cursor.Time(time.Now()), cursor.Int(1), cursor.Int(2))} {
		wantStatus(t, "after="+bad, admin.get("/admin/audit?"+url.Values{"after": {bad}}.Encode()), http.StatusBadRequest)
	}
}

// TestAuditLogShowsHostileValuesEscaped: what the log keeps verbatim (a typed address,
// a label, a before and after) is shown escaped, as typed; an actor whose account is
// gone is named without a link.
func TestAuditLogShowsHostileValuesEscaped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := newAdmin(a)
	hostile := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	a.record(t, "192.0.2.1", audit.Entry{ActorEmail: hostile + "@example.com", Action: audit.SignInFailed})
	a.record(t, "192.0.2.1", audit.Entry{ActorID: "gone-user-id", ActorEmail: "gone@example.com", Action: audit.PipelineRenamed,
		TargetType: audit.TargetPipeline, TargetID: "6f1c2a9e-2222-4a2b-8c3d-000000000002", TargetLabel: hostile,
		Before: map[string]any{"name": "Old</td>"}, After: map[string]any{"name": hostile, "nested": map[string]string{"x": "<b>"}}})
	r, rows := auditPage(t, admin, nil)
	if len(rows) != 3 { // the two above and, oldest, the admin's own sign-in
		t.Fatalf("%d entries", len(rows))
	}
	renamed, failed := rows[0], rows[1]
	if failed.who != hostile+"@example.com (not signed in)" {
		t.Errorf("the typed address shows as %q", failed.who)
	}
	if renamed.who != "gone@example.com (account no longer exists)" || strings.Contains(cellOf(renamed.raw, 1), "<a ") {
		t.Errorf("the actor whose account is gone: %q\n%s", renamed.who, renamed.raw)
	}
	if renamed.target != "Pipeline "+hostile || renamed.changes != `Name: Old</td> → `+hostile+`; Nested: {"x":"<b>"}` {
		t.Errorf("target %q, changes %q", renamed.target, renamed.changes)
	}
	mustContain(t, r, html.EscapeString(hostile))
	mustNotContain(t, r, "<script>", "<img", "<b>")
}

// TestAuditLogIsForAdmins: everyone else is refused, and nothing in the page's answer
// shows an entry.
func TestAuditLogIsForAdmins(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.record(t, "192.0.2.1", audit.Entry{ActorEmail: "secret-actor@example.com", Action: audit.SignInFailed})
	anon := a.browser().get("/admin/audit")
	wantRedirect(t, "anonymous", anon, "/signin?next=%2Fadmin%2Faudit")
	for _, role := range []auth.Role{auth.RoleCustomer, auth.RoleSales, auth.RoleAgent} {
		email := string(role) + "@example.com"
		a.user(role, email)
		b := a.browser()
		b.signIn(email)
		r := b.get("/admin/audit?actor=secret")
		wantStatus(t, string(role), r, http.StatusForbidden)
		mustNotContain(t, r, "secret-actor")
	}
	_, admin := newAdmin(a)
	mustContain(t, admin.get("/admin"), `href="/admin/audit"`)
	mustContain(t, admin.get("/admin/audit"), "secret-actor@example.com")
}
