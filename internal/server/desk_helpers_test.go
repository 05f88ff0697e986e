package server_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/testenv"
)

// newDeskApp is newApp with the direct URL set, as production has it: the live queue's
// LISTEN session needs it (a transaction-mode pooler drops notifications). It also
// loads the four default SLA policies.
func newDeskApp(t testing.TB) *app { return newDeskAppWith(t, nil, nil) }

// newDeskAppWith is newDeskApp with extra environment variables and a chance to set the
// HTTP server's own settings (timeouts) before it starts.
func newDeskAppWith(t testing.TB, extra map[string]string, configure func(*http.Server)) *app {
	t.Helper()
	d := testenv.NewDB(t)
	a := &app{t: t, db: d, now: time.Now()}
	env := map[string]string{"DATABASE_URL": d.PooledURL(), "DATABASE_URL_UNPOOLED": d.DirectURL(), "BASE_URL": "http://rapport.test",
		"SECRET_KEY": testenv.SecretKey()}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d.DB, server.Options{Now: a.clock})
	a.srv = httptest.NewUnstartedServer(s.Handler())
	if configure != nil {
		configure(a.srv.Config)
	}
	a.srv.Start()
	t.Cleanup(func() { a.srv.Close(); s.Close() })
	a.exec(t, `INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins) VALUES
		('Standard – Low', 'low', 480, 2880), ('Standard – Normal', 'normal', 240, 1440),
		('Standard – High', 'high', 60, 480), ('Standard – Urgent', 'urgent', 30, 240)`)
	return a
}

func (a *app) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := a.db.DB.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// desk is a desk with its people, each signed in in their own browser.
type desk struct {
	a                            *app
	carol, dev                   *auth.User // customers
	jordan, morgan               *auth.User // agents (team Tier 1)
	ada, sam                     *auth.User // admin, sales
	carolB, devB                 *browser
	jordanB, morganB, adaB, samB *browser
}

func newDesk(t testing.TB) *desk {
	t.Helper()
	a := newDeskApp(t)
	d := &desk{a: a}
	people := []struct {
		u    **auth.User
		b    **browser
		role auth.Role
		mail string
	}{
		{&d.carol, &d.carolB, auth.RoleCustomer, "carol@example.com"},
		{&d.dev, &d.devB, auth.RoleCustomer, "dev@example.com"},
		{&d.jordan, &d.jordanB, auth.RoleAgent, "jordan@example.com"},
		{&d.morgan, &d.morganB, auth.RoleAgent, "morgan@example.com"},
		{&d.ada, &d.adaB, auth.RoleAdmin, "ada@example.com"},
		{&d.sam, &d.samB, auth.RoleSales, "sam@example.com"},
	}
	for _, p := range people {
		*p.u = a.user(p.role, p.mail)
		*p.b = a.browser()
		(*p.b).signIn(p.mail)
	}
	return d
}

var ticketPathRE = regexp.MustCompile(`^/support/tickets/([0-9a-f-]{36})$`)

// file files a ticket through the portal and returns its id.
func (d *desk) file(t testing.TB, b *browser, subject, body string) string {
	t.Helper()
	r := b.post("/support/tickets", url.Values{"subject": {subject}, "body": {body}})
	m := ticketPathRE.FindStringSubmatch(r.location)
	if r.status != http.StatusSeeOther || m == nil {
		t.Fatalf("file a ticket: %d to %q\n%s", r.status, r.location, r.body)
	}
	return m[1]
}

// version is the ticket's current version, as the desk's form carries it.
func (d *desk) version(t testing.TB, id string) int {
	return d.a.count(t, `SELECT version FROM tickets WHERE id = $1`, id)
}

// submit posts the desk's ticket form as b, at the ticket's current version unless
// form has one. Fields left out keep the ticket's current status and priority.
func (d *desk) submit(t testing.TB, b *browser, id string, form url.Values) response {
	t.Helper()
	if form.Get("version") == "" {
		form.Set("version", strconv.Itoa(d.version(t, id)))
	}
	var status, priority string
	if err := d.a.db.DB.QueryRow(context.Background(), `SELECT status, priority FROM tickets WHERE id = $1`, id).Scan(&status, &priority); err != nil {
		t.Fatal(err)
	}
	if form.Get("status") == "" {
		form.Set("status", status)
	}
	if form.Get("priority") == "" {
		form.Set("priority", priority)
	}
	return b.post("/desk/tickets/"+id, form)
}

func (d *desk) status(t testing.TB, id string) string {
	t.Helper()
	var s string
	if err := d.a.db.DB.QueryRow(context.Background(), `SELECT status FROM tickets WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// outbox is every email written so far, in order, as "to|subject|body".
func (d *desk) outbox(t testing.TB) []string {
	t.Helper()
	rows, err := d.a.db.DB.Query(context.Background(), `SELECT to_addr || '|' || subject || '|' || body FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// textareaValue is the content of the textarea called name, unescaped, and whether
// there is one.
func textareaValue(r response, name string) (string, bool) {
	m := regexp.MustCompile(`(?s)<textarea [^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(r.body)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// regexpFind is the first submatch of pattern in s, or "".
func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// regexpAll is every first submatch of pattern in s.
func regexpAll(s, pattern string) []string {
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
