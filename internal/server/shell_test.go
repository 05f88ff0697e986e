package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	b := a.browser()
	anon := b.get("/signin")
	b.signIn("c@example.com")
	for what, r := range map[string]response{"sign-in page": anon, "signed-in page": b.get("/support"), "404 page": b.get("/nope")} {
		h := r.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", what, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
			t.Errorf("%s: CSP %q allows too much", what, csp)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
			"X-Frame-Options":        "DENY",
			"Cache-Control":          "no-store",
			"Content-Type":           "text/html; charset=utf-8",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", what, name, got, want)
			}
		}
		// The CSP forbids inline code, so the pages must not have any.
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\son\w+=|style="`).MatchString(r.body) {
			t.Errorf("%s: inline script or style in a page the CSP would break", what)
		}
	}
}

func TestEveryResponseHasARequestID(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()
	hostile := func(method, path string) response {
		req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader("email=x%40example.com&password=whatever"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		return b.do(req)
	}
	put, _ := http.NewRequest(http.MethodPut, a.srv.URL+"/signin", nil)
	responses := map[string]response{
		"page":              b.get("/signin"),
		"redirect":          b.get("/crm"),
		"404":               b.get("/no/such/page"),
		"405":               b.do(put),
		"healthz":           b.get("/healthz"),
		"readyz":            b.get("/readyz"),
		"metrics":           b.get("/metrics"),
		"static":            b.get(stylesheet(t, b)),
		"unknown static":    b.get("/static/nope.css"),
		"form error":        b.signInWith("", ""),
		"cross-origin POST": hostile(http.MethodPost, "/signin"),
	}
	idRE := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]string{}
	for what, r := range responses {
		id := r.header.Get("X-Request-Id")
		if !idRE.MatchString(id) {
			t.Errorf("%s (%d): X-Request-Id %q", what, r.status, id)
			continue
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share request id %s", what, other, id)
		}
		seen[id] = what
	}
	if r := responses["405"]; r.status != http.StatusMethodNotAllowed || !strings.Contains(r.body, r.header.Get("X-Request-Id")) {
		t.Errorf("405: status %d, or the page lacks its request id", r.status)
	}
}

func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, path := range []string{"/no/such/page", "/admin/../etc/passwd", "/%3Cscript%3Ealert(1)%3C/script%3E"} {
		r := a.browser().get(path)
		id := r.header.Get("X-Request-Id")
		if r.status != http.StatusNotFound {
			// A path that cleans to a real route may redirect; it must never be a 500.
			if r.status >= 500 {
				t.Errorf("%s: status %d", path, r.status)
			}
			continue
		}
		mustContain(t, r, "404 · Not Found", "Page not found", "Request id: <code>"+id+"</code>", `<a href="/">Go to your home page</a>`)
		mustNotContain(t, r, "<script>alert(1)</script>", "goroutine", ".go:")
	}
	// A signed-in visitor gets the same page inside their shell.
	a.user("agent", "ag@example.com")
	b := a.browser()
	b.signIn("ag@example.com")
	r := b.get("/desk/nothing-here")
	wantStatus(t, "signed-in 404", r, http.StatusNotFound)
	mustContain(t, r, "Page not found", "Sign out", r.header.Get("X-Request-Id"))
}

// Cross-origin state changes are refused before they reach a handler.
func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	send := func(b *browser, path string, form url.Values, headers map[string]string) response {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return b.do(req)
	}
	creds := url.Values{"email": {"c@example.com"}, "password": {testPassword}}
	for what, headers := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site": {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
		"Sec-Fetch-Site same-site":  {"Origin": "https://evil.rapport.test", "Sec-Fetch-Site": "same-site"},
		"Origin only":               {"Origin": "https://evil.example"},
		"Origin null":               {"Origin": "null"},
	} {
		b := a.browser()
		r := send(b, "/signin", creds, headers)
		wantStatus(t, what, r, http.StatusForbidden)
		mustContain(t, r, "403 · Forbidden")
		if r.cookie("rapport_session") != nil || b.sessionCookie() != "" {
			t.Errorf("%s: a session was started", what)
		}
		if r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: the refusal lacks the security headers", what)
		}
		wantStatus(t, what+": sign-up", send(b, "/signup", url.Values{"name": {"Eve"}, "email": {"eve@example.com"}, "password": {"evil password 123"}}, headers), http.StatusForbidden)
		wantStatus(t, what+": forgot", send(b, "/forgot-password", url.Values{"email": {"c@example.com"}}, headers), http.StatusForbidden)
	}
	// A signed-in user's session cannot be driven from another site either.
	victim := a.browser()
	victim.signIn("c@example.com")
	token := victim.sessionCookie()
	r := send(victim, "/account/password", url.Values{"current_password": {testPassword}, "password": {"attacker chosen pw"}},
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	wantStatus(t, "cross-site password change", r, http.StatusForbidden)
	wantStatus(t, "cross-site sign-out", send(victim, "/signout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)
	if victim.sessionCookie() != token || a.sessionRows(t, token) != 1 {
		t.Error("a refused request changed the victim's session")
	}
	wantStatus(t, "victim still signed in", victim.get("/support"), http.StatusOK)

	if n := a.users(t); n != 1 {
		t.Errorf("%d users: a cross-site sign-up got through", n)
	}
	for table, want := range map[string]int{"auth_throttle": 0, "mail_outbox": 0, "verification": 0} {
		if n := a.count(t, `SELECT count(*) FROM `+table); n != want {
			t.Errorf("%s has %d rows after refused requests", table, n)
		}
	}
	wantStatus(t, "old password still works", a.browser().signInWith("c@example.com", testPassword), http.StatusSeeOther)
	// Same-origin and header-less (non-browser) posts are let through.
	wantStatus(t, "same-origin", send(a.browser(), "/signin", creds, map[string]string{"Sec-Fetch-Site": "same-origin"}), http.StatusSeeOther)
}

// stylesheet is the href of the page's stylesheet.
func stylesheet(t *testing.T, b *browser) string {
	t.Helper()
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(b.get("/signin").body)
	if m == nil {
		t.Fatal("no stylesheet link on /signin")
	}
	return m[1]
}

func TestStaticAssetsAreHashedAndImmutable(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()
	href := stylesheet(t, b)
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{10}\.css$`).MatchString(href) {
		t.Fatalf("stylesheet href %q is not a content-hashed name", href)
	}
	r := b.get(href)
	wantStatus(t, href, r, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	if len(r.body) < 100 || r.header.Get("Set-Cookie") != "" {
		t.Errorf("stylesheet: %d bytes, Set-Cookie %q", len(r.body), r.header.Get("Set-Cookie"))
	}
	// The other assets the layout links are served the same way.
	page := b.get("/signin")
	for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(page.body, -1) {
		if r := b.get(m[1]); r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", m[1], r.status, r.header.Get("Cache-Control"))
		}
	}
	// Unhashed or stale names are not served.
	for _, stale := range []string{"/static/app.css", "/static/app.0000000000.css", "/static/../assets.go", "/static/"} {
		if r := b.get(stale); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", stale, r.status)
		}
	}
}

func TestFormsAreAccessible(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.browser()
	for _, path := range []string{"/signin", "/signup", "/forgot-password"} {
		r := b.get(path)
		wantStatus(t, path, r, http.StatusOK)
		inputs := regexp.MustCompile(`<input id="(f-[a-z_]+)"`).FindAllStringSubmatch(r.body, -1)
		if len(inputs) == 0 {
			t.Errorf("%s: no labelled inputs", path)
		}
		for _, in := range inputs {
			mustContain(t, r, `<label for="`+in[1]+`">`)
		}
		mustContain(t, r, `<meta name="viewport" content="width=device-width, initial-scale=1">`, `<html lang="en">`, `<main id="main">`)
	}
	r := b.signInWith("", "")
	mustContain(t, r, `aria-invalid="true"`, `aria-describedby="f-email-error"`)
}
