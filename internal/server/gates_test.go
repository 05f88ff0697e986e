package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// TestRoleGates reads as the access spec: every protected route, every kind of visitor.
func TestRoleGates(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	browsers := map[string]*browser{"anonymous": a.browser()}
	for _, role := range auth.Roles {
		email := string(role) + "@example.com"
		a.user(role, email)
		b := a.browser()
		b.signIn(email)
		browsers[string(role)] = b
	}

	const (
		ok        = http.StatusOK
		forbidden = http.StatusForbidden
		see       = http.StatusSeeOther
	)
	staff := url.Values{"name": {"New Rep"}, "email": {"new.rep@example.com"}, "role": {"sales"}}
	tests := []struct {
		method, path, who string
		status            int
		location          string // for redirects
	}{
		{"GET", "/support", "anonymous", see, "/signin?next=%2Fsupport"},
		{"GET", "/support", "customer", ok, ""},
		{"GET", "/support", "sales", forbidden, ""},
		{"GET", "/support", "agent", forbidden, ""},
		{"GET", "/support", "admin", ok, ""},

		{"GET", "/crm", "anonymous", see, "/signin?next=%2Fcrm"},
		{"GET", "/crm", "customer", forbidden, ""},
		{"GET", "/crm", "sales", ok, ""},
		{"GET", "/crm", "agent", forbidden, ""},
		{"GET", "/crm", "admin", ok, ""},

		{"GET", "/desk", "anonymous", see, "/signin?next=%2Fdesk"},
		{"GET", "/desk", "customer", forbidden, ""},
		{"GET", "/desk", "sales", forbidden, ""},
		{"GET", "/desk", "agent", ok, ""},
		{"GET", "/desk", "admin", ok, ""},

		{"GET", "/admin", "anonymous", see, "/signin?next=%2Fadmin"},
		{"GET", "/admin", "customer", forbidden, ""},
		{"GET", "/admin", "sales", forbidden, ""},
		{"GET", "/admin", "agent", forbidden, ""},
		{"GET", "/admin", "admin", ok, ""},

		{"GET", "/admin/users", "anonymous", see, "/signin?next=%2Fadmin%2Fusers"},
		{"GET", "/admin/users", "customer", forbidden, ""},
		{"GET", "/admin/users", "sales", forbidden, ""},
		{"GET", "/admin/users", "agent", forbidden, ""},
		{"GET", "/admin/users", "admin", ok, ""},

		{"GET", "/admin/users?q=a&role=sales", "anonymous", see, "/signin?next=%2Fadmin%2Fusers%3Fq%3Da%26role%3Dsales"},

		{"GET", "/admin/users/new", "anonymous", see, "/signin?next=%2Fadmin%2Fusers%2Fnew"},
		{"GET", "/admin/users/new", "customer", forbidden, ""},
		{"GET", "/admin/users/new", "sales", forbidden, ""},
		{"GET", "/admin/users/new", "agent", forbidden, ""},
		{"GET", "/admin/users/new", "admin", ok, ""},

		// A POST cannot be replayed after sign-in, so it carries no next.
		{"POST", "/admin/users", "anonymous", see, "/signin"},
		{"POST", "/admin/users", "customer", forbidden, ""},
		{"POST", "/admin/users", "sales", forbidden, ""},
		{"POST", "/admin/users", "agent", forbidden, ""},
		{"POST", "/admin/users", "admin", see, "/admin/users"},

		{"GET", "/account/password", "anonymous", see, "/signin?next=%2Faccount%2Fpassword"},
		{"GET", "/account/password", "customer", ok, ""},
		{"GET", "/account/password", "sales", ok, ""},
		{"GET", "/account/password", "agent", ok, ""},
		{"GET", "/account/password", "admin", ok, ""},

		{"POST", "/account/password", "anonymous", see, "/signin"},

		// The root sends everyone to the right place.
		{"GET", "/", "anonymous", see, "/signin"},
		{"GET", "/", "customer", see, "/support"},
		{"GET", "/", "sales", see, "/crm"},
		{"GET", "/", "agent", see, "/desk"},
		{"GET", "/", "admin", see, "/admin"},
	}
	for _, tc := range tests {
		b := browsers[tc.who]
		var r response
		if tc.method == http.MethodPost {
			r = b.post(tc.path, staff)
		} else {
			r = b.get(tc.path)
		}
		what := tc.method + " " + tc.path + " as " + tc.who
		if r.status != tc.status || r.location != tc.location {
			t.Errorf("%s: %d to %q, want %d to %q", what, r.status, r.location, tc.status, tc.location)
			continue
		}
		switch tc.status {
		case forbidden:
			mustContain(t, r, "403 · Forbidden", "You don&#39;t have access to this page", "Request id: <code>"+r.header.Get("X-Request-Id")+"</code>")
		case ok:
			mustContain(t, r, "Sign out")
			mustNotContain(t, r, "403 · Forbidden")
		}
	}
	// The one admin POST created exactly one user, and the refused ones nothing.
	if n := a.count(t, `SELECT count(*) FROM "user" WHERE email = 'new.rep@example.com' AND role = 'sales'`); n != 1 {
		t.Errorf("%d new.rep rows, want 1", n)
	}
}

// The navigation matches the role; it is a convenience, the gates above are the rule.
func TestNavigationByRole(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	links := regexp.MustCompile(`<nav aria-label="Main"><ul>(.*?)</ul></nav>`)
	for role, want := range map[auth.Role][]string{
		auth.RoleCustomer: {"/support", "/support/new"},
		auth.RoleSales:    {"/crm", "/crm/activities", "/crm/overview", "/crm/forecast", "/crm/deals", "/crm/contacts", "/crm/companies", "/crm/import"},
		auth.RoleAgent:    {"/desk", "/desk/reports"},
		auth.RoleAdmin: {"/crm", "/crm/activities", "/crm/overview", "/crm/forecast", "/crm/deals", "/crm/contacts", "/crm/companies", "/crm/import",
			"/desk", "/desk/reports", "/admin"},
	} {
		a.user(role, string(role)+"@example.com")
		b := a.browser()
		r := b.get(b.signIn(string(role) + "@example.com").location)
		m := links.FindStringSubmatch(r.body)
		if m == nil {
			t.Errorf("%s: no main navigation", role)
			continue
		}
		got := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(m[1], -1)
		var hrefs []string
		for _, g := range got {
			hrefs = append(hrefs, g[1])
		}
		if strings.Join(hrefs, " ") != strings.Join(want, " ") {
			t.Errorf("%s: navigation %v, want %v", role, hrefs, want)
		}
		mustContain(t, r, `aria-current="page"`)
	}
	if r := a.browser().get("/signin"); strings.Contains(r.body, `aria-label="Main"`) {
		t.Error("an anonymous visitor sees the main navigation")
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()

	h := b.get("/healthz")
	if h.status != http.StatusOK || strings.TrimSpace(h.body) != "ok" {
		t.Errorf("/healthz: %d %q", h.status, h.body)
	}
	r := b.get("/readyz")
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != "ready" {
		t.Errorf("/readyz: %d %q", r.status, r.body)
	}

	a.user("admin", "admin@example.com")
	b.get("/signin")
	b.signIn("admin@example.com")
	b.get("/admin/users")
	b.get("/no/such/page")

	// The public port has no /metrics; the metrics listener serves Prometheus' text
	// format, from client_golang's registry. On af25b2d the public port answered 200.
	wantStatus(t, "public /metrics", b.get("/metrics"), http.StatusNotFound)
	m := b.do(mustRequest(t, http.MethodGet, a.metrics.URL+"/metrics"))
	wantStatus(t, "/metrics", m, http.StatusOK)
	if ct := m.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("/metrics content type %q", ct)
	}
	mustContain(t, m,
		"# TYPE http_request_duration_seconds histogram",
		`http_request_duration_seconds_count{code="200",method="GET",route="/signin"} 1`,
		`http_request_duration_seconds_count{code="303",method="POST",route="/signin"} 1`,
		`http_request_duration_seconds_count{code="200",method="GET",route="/admin/users"} 1`,
		`http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 1`,
		`http_request_duration_seconds_bucket{code="200",method="GET",route="/signin",le="+Inf"} 1`,
		"# TYPE rapport_db_pool_max_conns gauge",
		"\nrapport_db_pool_max_conns ",
		"\nrapport_db_pool_acquired_conns ",
		"\ngo_goroutines ",
		"\ngo_gc_duration_seconds{",
		"\nprocess_resident_memory_bytes ",
		"\nprocess_cpu_seconds_total ",
	)
	// Routes are labelled by pattern, never by the raw path (unbounded cardinality).
	mustNotContain(t, m, `route="/no/such/page"`)
	mustContain(t, m, `code="404",method="GET",route="unmatched"`)
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestMetricsToken(t *testing.T) {
	t.Parallel()
	a := newAppEnv(t, map[string]string{"METRICS_TOKEN": "s3cret-metrics"})
	b := a.browser()
	wantStatus(t, "no token", b.do(mustRequest(t, http.MethodGet, a.metrics.URL+"/metrics")), http.StatusUnauthorized)
	req := mustRequest(t, http.MethodGet, a.metrics.URL+"/metrics")
	req.Header.Set("Authorization", "Bearer s3cret-metrics-and-more")
	wantStatus(t, "a longer token", b.do(req), http.StatusUnauthorized)
	req = mustRequest(t, http.MethodGet, a.metrics.URL+"/metrics")
	req.Header.Set("Authorization", "Bearer s3cret-metrics")
	r := b.do(req)
	wantStatus(t, "with token", r, http.StatusOK)
	mustContain(t, r, "rapport_db_pool_max_conns")
}
