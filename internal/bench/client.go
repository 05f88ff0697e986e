package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// Password is every bench user's password (seed.DemoPassword).
const Password = "rapport-demo"

// requestTimeout bounds one request; the server's own deadline is 10 s.
const requestTimeout = 30 * time.Second

// User is one simulated person: a role, a signed-in session (cookie jar) and their own
// kept-alive connection, as a browser has. Redirects are not followed: a form post is
// measured alone, and its 303 is its success.
type User struct {
	Email string
	Role  Role
	base  string
	hc    *http.Client

	// What the user works on, found in the database before the load.
	Deals   []string      // sales: deals they own (deal page, activity)
	Replies []ReplyTicket // agents: open tickets only this user replies to
}

// ReplyTicket is an open ticket with the form values that keep it as it is: a reply
// changes only its thread and version.
type ReplyTicket struct {
	ID, Status, Priority, Assignee, Team string
	Version                              int
}

// NewUser is a user of base (the server's origin) who has not signed in.
func NewUser(base, email string, role Role) *User {
	jar, _ := cookiejar.New(nil)
	return &User{Email: email, Role: role, base: base, hc: &http.Client{
		Jar:     jar,
		Timeout: requestTimeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is one request's outcome.
type answer struct {
	status   int
	location string
	body     []byte
	latency  time.Duration
	err      error
}

// do sends one request and reads the whole answer. A form is posted same-origin: the
// Origin header is the server's, as a browser sends it, which Go's
// CrossOriginProtection accepts.
func (u *User) do(ctx context.Context, method, path string, form url.Values, keepBody bool) answer {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.base+path, body)
	if err != nil {
		return answer{err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.base)
	}
	start := time.Now()
	resp, err := u.hc.Do(req)
	if err != nil {
		return answer{err: err, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, location: resp.Header.Get("Location")}
	if keepBody || resp.StatusCode >= 400 {
		a.body, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	a.latency = time.Since(start)
	if err != nil {
		a.err = fmt.Errorf("reading the body: %w", err)
	}
	return a
}

// SignIn posts the sign-in form; a 303 is a new session in the jar.
func (u *User) SignIn(ctx context.Context) answer {
	return u.do(ctx, http.MethodPost, "/signin", url.Values{"email": {u.Email}, "password": {Password}}, false)
}

// MustSignIn signs in or says why not.
func (u *User) MustSignIn(ctx context.Context) error {
	a := u.SignIn(ctx)
	if a.err != nil {
		return fmt.Errorf("sign in %s: %w", u.Email, a.err)
	}
	if a.status != http.StatusSeeOther || a.location == "/signin" {
		return fmt.Errorf("sign in %s: %d to %q: %.300s", u.Email, a.status, a.location, a.body)
	}
	return nil
}

// Close drops the user's idle connections.
func (u *User) Close() { u.hc.CloseIdleConnections() }
