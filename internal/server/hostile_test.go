package server_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const goodPassword = "a long enough password"

// Hostile sign-ups are refused with a message beside the field, never a 500, and write
// nothing at all.
func TestHostileSignUpIsRefusedCleanly(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	long := strings.Repeat("x", 10_000)
	tests := []struct {
		what                  string
		name, email, password string
		field, message        string
	}{
		{"10k-character name", long, "a@example.com", goodPassword, "name", "Too long: at most 100 characters (this has 10000)."},
		{"101-character name", strings.Repeat("é", 101), "a@example.com", goodPassword, "name", "Too long: at most 100 characters (this has 101)."},
		{"NUL in name", "Ada\x00Lovelace", "a@example.com", goodPassword, "name", "Contains a NUL character, which is not allowed."},
		{"line break in name", "Ada\r\nBcc: x@evil.example", "a@example.com", goodPassword, "name", "Contains control characters, which are not allowed."},
		{"invalid UTF-8 in name", "Ada \xff\xfe Lovelace", "a@example.com", goodPassword, "name", "Contains characters that are not valid text."},
		{"NUL in email", "Ada", "a\x00b@example.com", goodPassword, "email", "Contains a NUL character, which is not allowed."},
		{"invalid UTF-8 in email", "Ada", "a\xffb@example.com", goodPassword, "email", "Contains characters that are not valid text."},
		{"invalid UTF-8 in upper-case email", "Ada", "A\xffB@EXAMPLE.COM", goodPassword, "email", "Contains characters that are not valid text."},
		{"10k-character email", "Ada", long + "@example.com", goodPassword, "email", "Email is too long: at most 254 characters."},
		{"header injection in email", "Ada", "a@example.com\r\nBcc: x@evil.example", goodPassword, "email", "Contains control characters, which are not allowed."},
		{"NUL in password", "Ada", "a@example.com", "long enough\x00password", "password", "Password contains characters that are not allowed."},
		{"invalid UTF-8 in password", "Ada", "a@example.com", "long enough \xff password", "password", "Password contains characters that are not allowed."},
		{"10k-character password", "Ada", "a@example.com", long, "password", "Password is too long: at most 128 characters."},
	}
	for _, tc := range tests {
		r := a.browser().signUp(tc.name, tc.email, tc.password)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.what, r.status)
			continue
		}
		if got := fieldError(r, tc.field); got != tc.message {
			t.Errorf("%s: message beside %s is %q, want %q", tc.what, tc.field, got, tc.message)
		}
		if len(tc.password) >= 10 && strings.Contains(r.body, tc.password) {
			t.Errorf("%s: the password is echoed back", tc.what)
		}
	}
	if n := a.users(t); n != 0 {
		t.Errorf("hostile sign-ups wrote %d users", n)
	}
	if n := a.count(t, `SELECT count(*) FROM account`); n != 0 {
		t.Errorf("hostile sign-ups wrote %d accounts", n)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_session`); n != 0 {
		t.Errorf("hostile sign-ups wrote %d sessions", n)
	}
}

// Names that are odd but valid text are stored exactly as typed and always rendered
// escaped.
func TestHostileNamesAreStoredVerbatimAndEscaped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	names := []string{
		`O'Brien "\" <b>x</b>`,
		`<script>alert("x")</script>`,
		`Robert'); DROP TABLE "user"; --`,
		`back\\slash \' \" %s %d`,
		"Zoë 李 \u200fמרים\u200f 🦄", // RLM marks are kept; overrides are refused (issue 9)
	}
	for i, name := range names {
		email := fmt.Sprintf("hostile%d@example.com", i)
		b := a.browser()
		wantStatus(t, name, b.signUp(name, email, goodPassword), http.StatusOK)
		wantRedirect(t, name+": sign in", b.signInWith(email, goodPassword), "/support")
		var stored string
		if err := a.db.DB.QueryRow(context.Background(), `SELECT name FROM "user" WHERE email = $1`, email).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != name {
			t.Errorf("stored %q, want %q verbatim", stored, name)
		}
		home := b.get("/support")
		wantStatus(t, name, home, http.StatusOK)
		escaped := html.EscapeString(name)
		mustContain(t, home,
			`<span class="who">`+escaped+` <span class="role">`, // the top bar
			"Welcome, "+escaped+".")
		if strings.ContainsAny(name, "<>") {
			mustNotContain(t, home, name)
		}
		mustNotContain(t, home, "<b>x</b>", "<script>alert")
	}
	if n := a.users(t); n != len(names) {
		t.Errorf("%d users, want %d", n, len(names))
	}
	// The admin's user list escapes them too.
	a.user("admin", "admin@example.com")
	admin := a.browser()
	admin.signIn("admin@example.com")
	list := admin.get("/admin/users")
	wantStatus(t, "user list", list, http.StatusOK)
	for _, name := range names {
		mustContain(t, list, ">"+html.EscapeString(name)+"</a>")
	}
	mustNotContain(t, list, "<b>x</b>", "<script>alert")
}

func TestHostileSignInIsRefusedCleanly(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user("customer", "c@example.com")
	long := strings.Repeat("y", 10_000)
	tests := []struct {
		what            string
		email, password string
		status          int
		field, message  string // field "" means the whole-form problem
	}{
		{"NUL in email", "c\x00@example.com", testPassword, 422, "email", "Contains a NUL character, which is not allowed."},
		{"invalid UTF-8 in email", "c\xff@example.com", testPassword, 422, "email", "Contains characters that are not valid text."},
		{"10k-character email", long + "@example.com", testPassword, 422, "email", "Email is too long: at most 254 characters."},
		{"10k-character password", "c@example.com", long, 422, "password", "Password is too long."},
		{"NUL in password", "c@example.com", testPassword + "\x00", 401, "", "The email or password is incorrect."},
		{"invalid UTF-8 in password", "c@example.com", "\xff" + testPassword, 401, "", "The email or password is incorrect."},
		{"quotes and backslashes", `c'"\@example.com`, `' OR 1=1 --\`, 422, "email", "Enter an email address like name@example.com."},
		{"SQL in password", "c@example.com", `' OR '1'='1`, 401, "", "The email or password is incorrect."},
	}
	for _, tc := range tests {
		b := a.browser()
		r := b.signInWith(tc.email, tc.password)
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.what, r.status, tc.status)
			continue
		}
		got := problem(r)
		if tc.field != "" {
			got = fieldError(r, tc.field)
		}
		if got != tc.message {
			t.Errorf("%s: message %q, want %q", tc.what, got, tc.message)
		}
		if len(tc.password) >= 10 && strings.Contains(r.body, tc.password) {
			t.Errorf("%s: the password is echoed back", tc.what)
		}
		if b.sessionCookie() != "" {
			t.Errorf("%s: a session was started", tc.what)
		}
	}
	// Only the wrong passwords for a real address counted as failures.
	if n := a.count(t, `SELECT coalesce(sum(failures), 0) FROM auth_throttle WHERE key LIKE 'account:%'`); n != 3 {
		t.Errorf("%d account failures recorded, want 3", n)
	}
	wantRedirect(t, "the real password still works", a.browser().signInWith("c@example.com", testPassword), "/support")
}

// postRaw sends a form body of n bytes over a raw connection and reads the answer: a
// server may close the connection before a large body is written, and this way the
// answer is still read.
func postRaw(t *testing.T, a *app, path string, n int) (int, string) {
	t.Helper()
	u, _ := url.Parse(a.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nSec-Fetch-Site: same-origin\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		path, u.Host, a.srv.URL, n)
	go func() {
		prefix := "email=big%40example.com&password=long+enough+pw&name="
		_, _ = io.WriteString(conn, head+prefix)
		_, _ = io.Copy(conn, io.LimitReader(repeatReader('n'), int64(n-len(prefix))))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: read answer: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestOversizedBodyIsRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, path := range []string{"/signup", "/signin", "/forgot-password", "/reset-password"} {
		status, body := postRaw(t, a, path, 2<<20)
		if status < 400 || status >= 500 {
			t.Errorf("POST %s with 2 MiB: status %d, want 4xx", path, status)
		}
		if !strings.Contains(body, "Request id:") {
			t.Errorf("POST %s with 2 MiB: not the error page", path)
		}
	}
	// Just under the limit is an ordinary validation problem (the name is too long).
	status, body := postRaw(t, a, "/signup", 1<<20-1)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Too long: at most 100 characters") {
		t.Errorf("POST /signup with 1 MiB - 1: status %d", status)
	}
	if n := a.users(t); n != 0 {
		t.Errorf("oversized bodies wrote %d users", n)
	}
	if n := a.count(t, `SELECT count(*) FROM auth_throttle`); n != 0 {
		t.Errorf("oversized bodies wrote %d throttle rows", n)
	}
}
