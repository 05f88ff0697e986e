package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/mail"
	"rapport/internal/server"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testPassword is every fixture user's password.
const testPassword = "correct horse battery"

var (
	hashOnce sync.Once
	hashed   string
)

// passwordHash hashes testPassword once per test binary (argon2id is slow on purpose).
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := auth.NewHasher(0).Hash(context.Background(), testPassword)
		if err != nil {
			t.Fatal(err)
		}
		hashed = h
	})
	return hashed
}

// app is a running Rapport on its own database, reached over real HTTP.
type app struct {
	t   testing.TB
	db  *testenv.Database
	srv *httptest.Server
	// metrics is the server's metrics listener (METRICS_ADDR in production); newAppEnv
	// starts it.
	metrics *httptest.Server
	now     time.Time // the clock the server sees; move it with advance
	mu      sync.Mutex
}

func newApp(t testing.TB) *app { return newAppEnv(t, nil) }

// newAppEnv is newApp with extra environment variables (BASE_URL, SESSION_IDLE_TIMEOUT, …).
func newAppEnv(t testing.TB, extra map[string]string) *app {
	t.Helper()
	return newAppOn(t, testenv.NewDB(t), extra)
}

// newAppOn is newAppEnv on a database the test made (an adopted one, say).
func newAppOn(t testing.TB, d *testenv.Database, extra map[string]string) *app {
	t.Helper()
	a := &app{t: t, db: d, now: time.Now()}
	env := map[string]string{"DATABASE_URL": d.PooledURL(), "BASE_URL": "http://rapport.test", "SECRET_KEY": testenv.SecretKey()}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := server.New(cfg, log, d.DB, server.Options{Now: a.clock})
	a.srv = httptest.NewServer(s.Handler())
	a.metrics = httptest.NewServer(s.MetricsHandler())
	t.Cleanup(func() { a.srv.Close(); a.metrics.Close(); s.Close() })
	return a
}

func (a *app) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *app) advance(d time.Duration) {
	a.mu.Lock()
	a.now = a.now.Add(d)
	a.mu.Unlock()
}

// user creates a user of role with testPassword, with a verified address: an
// established account (unverifiedUser makes a fresh self-sign-up).
func (a *app) user(role auth.Role, email string) *auth.User {
	a.t.Helper()
	ctx := context.Background()
	var u *auth.User
	err := a.db.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = auth.CreateUser(ctx, tx, auth.NewUser{Name: "Test " + string(role), Email: email, Role: role, PasswordHash: passwordHash(a.t), Team: "Tier 1", EmailVerified: true})
		return err
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// browser is a client with its own cookie jar that does not follow redirects.
type browser struct {
	a *app
	c *http.Client
}

func (a *app) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{a: a, c: &http.Client{Jar: jar, Transport: formKeys{}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// formKeys plays the page's part in a form post: every create form a page renders
// carries a fresh one-time key (form.KeyInput), so a urlencoded POST without a
// form_key field is sent with a fresh random one, as if the test had loaded the form
// first. A test that means to send no key, or the same key twice, sets form_key itself
// (to "" for none). Multipart posts set it themselves (withKey).
type formKeys struct{}

func (formKeys) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.Body != nil &&
		req.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		if v, err := url.ParseQuery(string(body)); err == nil && !v.Has(keyField) {
			body = append(body, "&"+keyField+"="+newKey()...)
			if len(v) == 0 {
				body = body[1:]
			}
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return http.DefaultTransport.RoundTrip(req)
}

// keyField is the hidden field of a create form's one-time key (form.KeyField), spelt
// out so these helpers read like the HTML they stand in for.
const keyField = "form_key"

// newKey is a fresh one-time key as a page would render it: the key is the client's
// choice, any 16 to 64 URL-safe characters.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// withKey returns fields with a fresh form_key unless it has one, for a multipart post.
func withKey(fields map[string]string) map[string]string {
	if _, ok := fields[keyField]; ok {
		return fields
	}
	out := map[string]string{keyField: newKey()}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

// response is a finished request: status, Location, headers and body.
type response struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) do(req *http.Request) response {
	b.a.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.a.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// What a browser sends for a same-origin form post.
	req.Header.Set("Origin", b.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) signIn(email string) response {
	b.a.t.Helper()
	r := b.post("/signin", url.Values{"email": {email}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		b.a.t.Fatalf("sign in %s: status %d\n%s", email, r.status, r.body)
	}
	return r
}

// sessionCookie is the browser's current session token.
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.a.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "rapport_session" {
			return c.Value
		}
	}
	return ""
}

// recorder is a mail.Sender that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// deliverMail runs one pass of the outbox worker and returns what it sent.
func (a *app) deliverMail() []mail.Message {
	a.t.Helper()
	rec := &recorder{}
	if _, err := mail.NewWorker(a.db.DB, rec, slog.New(slog.NewTextHandler(io.Discard, nil))).DeliverDue(context.Background()); err != nil {
		a.t.Fatal(err)
	}
	return rec.sent
}

func mustContain(t testing.TB, r response, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("response (status %d) lacks %q", r.status, w)
		}
	}
}

func mustNotContain(t testing.TB, r response, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(r.body, n) {
			t.Errorf("response (status %d) contains %q", r.status, n)
		}
	}
}

// count runs a query returning one number (SELECT count(*) …) on the test's database.
func (a *app) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := a.db.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// users is the number of rows in "user".
func (a *app) users(t testing.TB) int { return a.count(t, `SELECT count(*) FROM "user"`) }

// sessionRows is the number of session rows for token (the store keys them by the
// token's SHA-256: sessionHash).
func (a *app) sessionRows(t testing.TB, token string) int {
	return a.count(t, `SELECT count(*) FROM auth_session WHERE token_hash = $1`, sessionHash(token))
}

// sessionHash is what the session store keeps of a cookie's token: its SHA-256 (of an
// unreadable token, a hash no row has).
func sessionHash(token string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		b = []byte("not a token: " + token)
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// useSession makes the browser present token as its session cookie.
func (b *browser) useSession(token string) {
	u, _ := url.Parse(b.a.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "rapport_session", Value: token, Path: "/"}})
}

// signUp posts the public sign-up form.
func (b *browser) signUp(name, email, password string) response {
	return b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {password}})
}

// signInWith posts the sign-in form with any password.
func (b *browser) signInWith(email, password string) response {
	return b.post("/signin", url.Values{"email": {email}, "password": {password}})
}

// cookie is the named cookie the response set, or nil.
func (r response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// fieldError is the message shown beside the form field name, or "".
func fieldError(r response, name string) string {
	m := regexp.MustCompile(`<p class="field-error" id="f-` + regexp.QuoteMeta(name) + `-error">([^<]*)</p>`).FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// inputValue is the value attribute of the input called name, and whether it has one.
func inputValue(r response, name string) (string, bool) {
	tag := regexp.MustCompile(`<input [^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>`).FindString(r.body)
	m := regexp.MustCompile(` value="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// flash is the text of the page's flash message, or "".
func flash(r response) string {
	m := regexp.MustCompile(`<div class="flash flash-\w+" role="status">([^<]*)</div>`).FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// problem is the text of a form's whole-form alert (wrong credentials, throttled), or "".
func problem(r response) string {
	m := regexp.MustCompile(`<div class="error-summary" role="alert"><p>([^<]*)</p></div>`).FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

var resetLinkRE = regexp.MustCompile(`http://rapport\.test(/reset-password\?token=[A-Za-z0-9_-]+)`)

// resetPath finds the one reset link in m and returns its path and query.
func resetPath(t testing.TB, m mail.Message) string {
	t.Helper()
	links := resetLinkRE.FindAllStringSubmatch(m.Body, -1)
	if len(links) != 1 {
		t.Fatalf("mail to %s has %d reset links, want 1:\n%s", m.To, len(links), m.Body)
	}
	return links[0][1]
}

var verifyLinkRE = regexp.MustCompile(`http://rapport\.test(/verify-email\?token=[A-Za-z0-9_-]+)`)

// verifyPath finds the one email-confirmation link in m and returns its path and query.
func verifyPath(t testing.TB, m mail.Message) string {
	t.Helper()
	links := verifyLinkRE.FindAllStringSubmatch(m.Body, -1)
	if len(links) != 1 {
		t.Fatalf("mail to %s has %d confirmation links, want 1:\n%s", m.To, len(links), m.Body)
	}
	return links[0][1]
}

// confirmEmail follows an email-confirmation link as a person does: opens it (which
// confirms nothing) and presses the page's button. It returns the button's answer.
func (b *browser) confirmEmail(t testing.TB, path string) response {
	t.Helper()
	page := b.get(path)
	token, ok := inputValue(page, "token")
	if page.status != http.StatusOK || !ok {
		return page
	}
	return b.post("/verify-email/confirm", url.Values{"token": {token}})
}

// unverifiedUser creates a customer with testPassword whose address is not proven, as
// a fresh self-sign-up is.
func (a *app) unverifiedUser(email string) *auth.User {
	a.t.Helper()
	u := a.user(auth.RoleCustomer, email)
	if _, err := a.db.DB.Exec(context.Background(), `UPDATE "user" SET email_verified = false WHERE id = $1`, u.ID); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// tokenOf is the token in a reset path.
func tokenOf(t testing.TB, path string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func wantStatus(t testing.TB, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, r.body)
	}
}

func wantRedirect(t testing.TB, what string, r response, location string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != location {
		t.Fatalf("%s: got %d to %q, want 303 to %q\n%s", what, r.status, r.location, location, r.body)
	}
}
