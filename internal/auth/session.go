package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"

	"rapport/internal/db"
	"rapport/internal/httpx"
	"rapport/internal/secret"
)

// Session keys. The session holds who is signed in, the user's session_version at
// sign-in (a bump ends every older session), and when it was signed in. From then on
// the idle timeout's clock is the sessions.seen_at column, which the statement that
// loads the session moves at most once a minute: a page view never saves the session
// only to say "still here".
const (
	keyUID     = "uid"
	keyVersion = "ver"
	keySeen    = "seen"
)

// seenRefresh is how stale a session's seen time may get before a request moves it.
const seenRefresh = time.Minute

// NewSessions configures scs on the Postgres store: HttpOnly, SameSite=Lax, and on an
// https site Secure with the __Host- prefix (the browser then refuses the cookie unless
// it is Secure, Path=/ and has no Domain, so a sibling subdomain or a plain-http page
// cannot plant or shadow it); the absolute lifetime is scs's, the idle timeout ours (now
// is the clock it is measured by; nil for the real one).
func NewSessions(d *db.DB, secure bool, lifetime, idle, cleanup, wait time.Duration, now func() time.Time) *scs.SessionManager {
	if now == nil {
		now = time.Now
	}
	m := scs.New()
	m.Codec = sessionCodec{}
	m.Store = sessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(d.Pool, cleanup), db: d, wait: wait,
		codec: m.Codec, idle: idle, now: now}
	m.Lifetime = lifetime
	m.Cookie.Name = SessionCookie(secure)
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = secure
	m.Cookie.Path = "/"
	return m
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
	Sessions   *scs.SessionManager
	Hasher     *Hasher
	Pages      *httpx.Pages
	Log        *slog.Logger
	BaseURL    *url.URL
	Idle       time.Duration
	TrustProxy bool
	// Secrets seals two-step sign-in secrets (SECRET_KEY); nil when the key is unset,
	// and two-step sign-in is then unavailable (see twostep.go).
	Secrets *secret.Box
	// Now is the clock; tests move it.
	Now func() time.Time
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

// WithUser stores the signed-in user (the Load middleware does this).
func WithUser(ctx context.Context, u *User) context.Context {
	ctx = context.WithValue(ctx, userKey{}, u)
	// Every page writes dates in the viewer's zone (httpx.Location).
	ctx = httpx.WithLocation(ctx, u.Location())
	return httpx.WithViewer(ctx, httpx.Viewer{Name: u.Name, Role: string(u.Role), RoleLabel: u.Role.Label(),
		DueActivities: u.DueActivities})
}

// Session is the session middleware for pages: it loads the scs session (and, in the
// same statement, its user), validates it (Load), and saves it after the handler.
func (s *Service) Session(next http.Handler) http.Handler {
	inner := s.Sessions.LoadAndSave(s.Load(next))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, withSlot(r))
	})
}

// Load validates the session on every request that carries one: the user must exist,
// not be deactivated, hold the current session_version and have been seen within the
// idle timeout. A session that fails is destroyed server-side and the request goes on
// anonymous (a protected route then sends it to sign in).
func (s *Service) Load(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		uid := s.Sessions.GetString(ctx, keyUID)
		if uid == "" {
			if slot := slotFrom(ctx); slot != nil && slot.missing && r.Method == http.MethodGet {
				// The browser's session was ended elsewhere (sign-out everywhere,
				// password change, deactivation) or expired: say so once.
				s.Pages.Flash(w, r, "info", "Your session has ended. Please sign in again.")
			}
			next.ServeHTTP(w, r)
			return
		}
		var u *User
		if slot := slotFrom(ctx); slot != nil && slot.user != nil && slot.user.ID == uid {
			u = slot.user
		} else {
			var err error
			u, err = UserByID(ctx, s.DB, uid)
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				s.Pages.ServerError(w, r, err)
				return
			}
		}
		now := s.now()
		// When the session was last seen: its seen_at, which the lookup has already
		// moved if it was more than a minute old; for a session saved before that
		// column, the time in its data, refreshed below by saving the session.
		seen, legacy := time.Unix(s.Sessions.GetInt64(ctx, keySeen), 0), true
		if slot := slotFrom(ctx); slot != nil && slot.seen != nil {
			seen, legacy = *slot.seen, false
		}
		switch {
		case u == nil, u.Banned, u.SessionVersion != s.Sessions.GetInt(ctx, keyVersion):
			s.end(w, r, "Your session has ended. Please sign in again.")
			next.ServeHTTP(w, r)
			return
		case now.Sub(seen) > s.Idle:
			s.end(w, r, "You were signed out after a period of inactivity. Please sign in again.")
			next.ServeHTTP(w, r)
			return
		case legacy && now.Sub(seen) > seenRefresh:
			s.Sessions.Put(ctx, keySeen, now.Unix())
		}
		next.ServeHTTP(w, r.WithContext(WithUser(ctx, u)))
	})
}

// end destroys the session in the store and leaves a flash for the sign-in page.
func (s *Service) end(w http.ResponseWriter, r *http.Request, msg string) {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.Log.WarnContext(r.Context(), "destroy session", "err", err)
	}
	s.Pages.Flash(w, r, "info", msg)
}

// start begins a fresh session for u: a new token (no fixation), the user's current
// session_version, and the idle clock.
func (s *Service) start(r *http.Request, u *User) error {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Put(ctx, keyUID, u.ID)
	s.Sessions.Put(ctx, keyVersion, u.SessionVersion)
	s.Sessions.Put(ctx, keySeen, s.now().Unix())
	return nil
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
