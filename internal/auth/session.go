package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/secret"
)

// Sessions are Rapport's own (session_store.go): a random token in an HttpOnly cookie,
// and a row keyed by the token's SHA-256 holding who is signed in, at which
// session_version (a bump ends every older session), since when, when last seen, and
// from which browser and address. The statement that loads a request's session also
// loads its user and moves the idle clock (at most once a minute), so a page view pays
// one statement for "who is asking" and never writes the session only to say "still
// here". Nothing is saved after the handler: sign-in, sign-out and the second step
// write their row and cookie as they happen.

// seenRefresh is how stale a session's seen time may get before a request moves it.
const seenRefresh = time.Minute

// pendingKeep is how long the row of a sign-in waiting for its second step is kept,
// past its five minutes, so a late second step still hears why it must start again.
const pendingKeep = time.Hour

// SessionSettings is how sessions behave.
type SessionSettings struct {
	// Secure is an https site: the cookie is then Secure with the __Host- prefix (the
	// browser refuses it unless it is Secure, Path=/ and has no Domain, so a sibling
	// subdomain or a plain-http page cannot plant or shadow it).
	Secure bool
	// Lifetime ends a session that long after sign-in, however active (absolute); Idle
	// ends it after that long without a request.
	Lifetime, Idle time.Duration
	// Wait bounds each session statement on its own: a saturated pool costs a bounded
	// wait and a 503, never a whole request's deadline (the live queue's stream has none).
	Wait time.Duration
}

// SessionCookie is the session cookie's name: __Host-rapport_session on an https site.
func SessionCookie(secure bool) string {
	if secure {
		return "__Host-rapport_session"
	}
	return "rapport_session"
}

// Service is identity for the web: it signs people in and out and gates routes.
type Service struct {
	DB         *db.DB
	Sessions   SessionSettings
	Hasher     *Hasher
	Pages      *httpx.Pages
	Log        *slog.Logger
	BaseURL    *url.URL
	TrustProxy bool
	// Secrets seals two-step sign-in secrets (SECRET_KEY); nil when the key is unset,
	// and two-step sign-in is then unavailable (see twostep.go).
	Secrets *secret.Box
	// Now is the clock sessions are timed by; tests move it.
	Now func() time.Time
	// Provision makes the workspace's defaults in the first run's transaction (a
	// pipeline, a team, SLA policies: packages auth may not import) and says what it made.
	Provision func(ctx context.Context, tx pgx.Tx, admin *User) ([]string, error)
	// Deactivated runs in the transaction of a user's deactivation, or of a role change
	// that takes them off the desk (to customer or sales): the desk gives their open
	// tickets back to their teams (a package auth may not import); nil does nothing.
	Deactivated func(ctx context.Context, tx pgx.Tx, userID string, by *User) error

	setup setupGate
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

type userKey struct{}

// UserFrom returns the signed-in user, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// WithUser stores the signed-in user (the Session middleware does this).
func WithUser(ctx context.Context, u *User) context.Context {
	ctx = context.WithValue(ctx, userKey{}, u)
	// Every page writes dates in the viewer's zone (httpx.Location).
	ctx = httpx.WithLocation(ctx, u.Location())
	return httpx.WithViewer(ctx, httpx.Viewer{Name: u.Name, Role: string(u.Role), RoleLabel: u.Role.Label(),
		DueActivities: u.DueActivities})
}

type sessionKey struct{}

// sessionFrom is the request's session as loaded, or nil (none, ended or expired).
func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// Session is the session middleware for pages. On every request that carries a
// session cookie it loads the session and its user in one statement and validates it:
// the user must not be deactivated, must hold the session_version the session signed
// in at, and must have been seen within the idle timeout (the absolute lifetime is in
// the statement). A session that fails is deleted and the request goes on anonymous (a
// protected route then sends it to sign in), with a flash saying why.
func (s *Service) Session(next http.Handler) http.Handler { return s.session(next, false) }

// SessionListing is Session for the account page: the same one statement also reads
// the user's live sessions (SessionsOf), for its "Active sessions" list.
func (s *Service) SessionListing(next http.Handler) http.Handler { return s.session(next, true) }

func (s *Service) session(next http.Handler, list bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie(s.Sessions.Secure))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		var sess *session
		if hash, ok := hashSessionToken(c.Value); ok {
			qctx, cancel := context.WithTimeout(ctx, s.Sessions.Wait)
			sess, err = findSession(qctx, s.DB, hash, s.now(), s.Sessions.Idle, list)
			cancel()
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				s.Pages.ServerError(w, r, err)
				return
			}
		}
		if sess == nil {
			if r.Method == http.MethodGet {
				// The browser's session was ended elsewhere (sign-out everywhere,
				// password change, deactivation) or expired: say so.
				s.Pages.Flash(w, r, "info", "Your session has ended. Please sign in again.")
			}
			next.ServeHTTP(w, r)
			return
		}
		ctx = context.WithValue(ctx, sessionKey{}, sess)
		u := sess.user
		switch {
		case u == nil: // a sign-in waiting for its second step: anonymous until then
			next.ServeHTTP(w, r.WithContext(ctx))
		case u.Banned, u.SessionVersion != sess.version:
			s.end(w, r.WithContext(ctx), "Your session has ended. Please sign in again.")
			next.ServeHTTP(w, r)
		case s.now().Sub(sess.seen) > s.Sessions.Idle:
			s.end(w, r.WithContext(ctx), "You were signed out after a period of inactivity. Please sign in again.")
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r.WithContext(WithUser(ctx, u)))
		}
	})
}

// SessionsOf is the signed-in user's live sessions, most recently seen first with the
// request's own first (Current), on a route behind SessionListing; nil elsewhere.
func SessionsOf(ctx context.Context) []SessionInfo {
	if sess := sessionFrom(ctx); sess != nil && UserFrom(ctx) != nil {
		return sess.list
	}
	return nil
}

// start begins a fresh session for u in place of the request's own (if any): a new
// token (no fixation), the user's current session_version, and the idle clock.
func (s *Service) start(w http.ResponseWriter, r *http.Request, u *User) error {
	return s.write(w, r, newSession{userID: u.ID, version: u.SessionVersion})
}

// write stores n as the browser's session under a new token, replacing the request's
// session, and sends the cookie.
func (s *Service) write(w http.ResponseWriter, r *http.Request, n newSession) error {
	now := s.now()
	token, hash := newSessionToken()
	n.hash, n.now = hash, now
	if n.expires.IsZero() {
		n.expires = now.Add(s.Sessions.Lifetime)
	}
	n.userAgent, n.address = clip(r.UserAgent(), 512), clip(s.clientIP(r), 64)
	var replaced tokenHash
	if sess := sessionFrom(r.Context()); sess != nil {
		replaced = sess.hash
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.Sessions.Wait)
	defer cancel()
	if err := startSession(ctx, s.DB, n, replaced); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(token, int(n.expires.Sub(now)/time.Second), n.expires))
	return nil
}

// endCurrent deletes the request's session, if any, and tells the browser to drop
// its cookie.
func (s *Service) endCurrent(w http.ResponseWriter, r *http.Request) error {
	if sess := sessionFrom(r.Context()); sess != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.Sessions.Wait)
		defer cancel()
		if err := deleteSession(ctx, s.DB, sess.hash); err != nil {
			return err
		}
	}
	if _, err := r.Cookie(SessionCookie(s.Sessions.Secure)); err == nil {
		http.SetCookie(w, s.cookie("", -1, time.Unix(1, 0)))
	}
	return nil
}

// end ends the request's session and leaves a flash for the sign-in page.
func (s *Service) end(w http.ResponseWriter, r *http.Request, msg string) {
	if err := s.endCurrent(w, r); err != nil {
		s.Log.WarnContext(r.Context(), "end session", "err", err)
	}
	s.Pages.Flash(w, r, "info", msg)
}

// cookie is the session cookie carrying token (maxAge < 0 deletes it).
func (s *Service) cookie(token string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: SessionCookie(s.Sessions.Secure), Value: token, Path: "/", MaxAge: maxAge, Expires: expires,
		HttpOnly: true, Secure: s.Sessions.Secure, SameSite: http.SameSiteLaxMode}
}

// clip is v as valid UTF-8 without NULs (Postgres text holds neither), cut to at most
// n bytes on a character boundary: what a browser sends is stored, never trusted.
func clip(v string, n int) string {
	v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
	for len(v) > n {
		_, size := utf8.DecodeLastRuneInString(v)
		v = v[:len(v)-size]
	}
	return v
}

// RequireUser sends anonymous requests to sign in, remembering where they were going.
func (s *Service) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if UserFrom(r.Context()) == nil {
			to := "/signin"
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			httpx.Redirect(w, r, to)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireRole answers 403 unless the signed-in user has one of roles (admins pass).
// Use it after RequireUser.
func (s *Service) RequireRole(roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !UserFrom(r.Context()).Can(roles...) {
				s.Pages.Error(w, r, http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// clientIP is the address failed sign-ins are counted against: the one the server's
// middleware stored for the request (httpx.ClientIP, which the audit log records too),
// or, for a handler mounted without it, the same derivation (httpx.ClientAddr).
func (s *Service) clientIP(r *http.Request) string {
	if ip := httpx.ClientIP(r.Context()); ip != "" {
		return ip
	}
	return httpx.ClientAddr(r, s.TrustProxy)
}
