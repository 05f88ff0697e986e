// Package httpx is what every handler package shares for answering a request: the
// request id, the signed-in viewer for the page shell, flash messages, rendering a page
// in the layout, redirects, and error pages that never show internals to a user.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"rapport/internal/db"
	"rapport/web"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	viewerKey
	clientIPKey
	locationKey
)

// WithClientIP stores the client's address (see ClientAddr).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// ClientIP returns the client's address stored by WithClientIP, or "".
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

// ClientAddr is the address the request came from: with trustProxy, the last entry of
// X-Forwarded-For (the one the trusted proxy itself appended) when it is an address;
// otherwise the connection's peer.
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// WithRequestID stores the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Viewer is the signed-in person as the page shell shows them.
type Viewer struct {
	Name      string
	Role      string
	RoleLabel string
	// DueActivities is the count of the viewer's planned activities overdue or due
	// today, for the navigation (0 shows nothing).
	DueActivities int
}

// WithViewer stores the viewer for the page shell.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// WithLocation stores the time zone the viewer reads times in (see Location).
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locationKey, loc)
}

// Location is the viewer's time zone, in which pages write times (web.Moment): the one
// stored by WithLocation (the session stores the account's zone when it loads the
// viewer, so every page follows it), or UTC.
func Location(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(locationKey).(*time.Location); ok && loc != nil {
		return loc
	}
	return time.UTC
}

// Pages renders pages, flashes and errors. One value is shared by every handler package.
type Pages struct {
	Log *slog.Logger
	// Secure says the site is served over https: the flash cookie is then a __Host-
	// cookie (Secure, no Domain), which no other host can set for this one.
	Secure bool
}

// Shell builds the layout's data for this request, taking any pending flash.
func (p *Pages) Shell(w http.ResponseWriter, r *http.Request, title string) web.Shell {
	s := web.Shell{Title: title, Path: r.URL.Path}
	if v, ok := r.Context().Value(viewerKey).(Viewer); ok {
		s.UserName, s.UserRole, s.RoleLabel = v.Name, v.Role, v.RoleLabel
		s.Nav = web.NavFor(v.Role)
		s.DueActivities = v.DueActivities
	}
	s.Flash = p.popFlash(w, r)
	return s
}

// Render writes body inside the layout with the given status.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, title string, body templ.Component) {
	p.write(w, r, status, web.Layout(p.Shell(w, r, title)), body)
}

func (p *Pages) write(w http.ResponseWriter, r *http.Request, status int, layout, body templ.Component) {
	// The page is rendered whole before a byte is sent: one write to the socket instead
	// of one per few kilobytes (a board is ~100 kB), a Content-Length instead of chunks,
	// and a component that fails half-way gives an error page, not half a page.
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	// An error page must render even when the request's deadline is what failed.
	ctx := templ.WithChildren(context.WithoutCancel(r.Context()), body)
	if err := layout.Render(ctx, buf); err != nil {
		if status < http.StatusInternalServerError {
			p.ServerError(w, r, fmt.Errorf("render: %w", err))
			return
		}
		p.Log.ErrorContext(r.Context(), "render", "err", err, "request_id", RequestID(r.Context()))
		http.Error(w, errorBody, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// pageBuffers holds the buffers pages are rendered into; one bigger than maxPooledPage
// (a huge export, say) is left to the garbage collector rather than kept.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledPage = 1 << 20

// errorBody is the answer when even the error page fails to render.
const errorBody = "Something went wrong on our side. Please try again."

// Redirect answers 303 See Other: the browser follows with a GET.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Error renders the error page for a status the user caused or may see: 400, 403, 404,
// 405, 413, 429 or 503.
func (p *Pages) Error(w http.ResponseWriter, r *http.Request, status int) {
	heading, msg := errorText(status)
	p.ErrorWith(w, r, status, heading, msg)
}

// ErrorWith renders an error page with a specific heading and message.
func (p *Pages) ErrorWith(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	p.Render(w, r, status, heading, web.ErrorPage(status, heading, msg, RequestID(r.Context())))
}

// IsBusy reports whether err is back-pressure: somewhere in its chain an error has a
// Busy() bool method that returns true (db.ErrBusy, auth.ErrHasherBusy, and any later
// one: a bounded resource that stayed taken until the request gave up), or the driver's
// error translates to db.ErrBusy. Such an error is answered 503 with Retry-After.
func IsBusy(err error) bool {
	var b interface{ Busy() bool }
	if errors.As(err, &b) && b.Busy() {
		return true
	}
	return errors.Is(db.Translate(err), db.ErrBusy)
}

// ServerError logs err with the request id and answers 503 with Retry-After for
// back-pressure (IsBusy: the database or another bounded resource is busy or
// unreachable), 500 otherwise. The user sees a sentence and the request id, never err.
func (p *Pages) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if r.Context().Err() == context.Canceled {
		// The client went away; nobody will read the answer.
		p.Log.InfoContext(r.Context(), "client went away", "request_id", RequestID(r.Context()), "path", r.URL.Path)
		return
	}
	if IsBusy(err) {
		status = http.StatusServiceUnavailable
		p.Log.WarnContext(r.Context(), "busy", "err", err, "request_id", RequestID(r.Context()), "path", r.URL.Path)
	} else {
		p.Log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", RequestID(r.Context()), "path", r.URL.Path)
	}
	p.Error(w, r, status)
}

func errorText(status int) (string, string) {
	switch status {
	case http.StatusBadRequest:
		return "That request could not be read", "Something in the request was malformed. Go back, check what you entered and try again."
	case http.StatusForbidden:
		return "You don't have access to this page", "Your account's role does not allow this. If you think it should, ask an administrator."
	case http.StatusNotFound:
		return "Page not found", "There is nothing here, or it is not yours to see. Check the address, or start again from your home page."
	case http.StatusMethodNotAllowed:
		return "Not allowed", "This page does not accept that kind of request."
	case http.StatusRequestEntityTooLarge:
		return "Too much data", "What you sent is larger than we accept. Shorten it and try again."
	case http.StatusTooManyRequests:
		return "Too many requests", "Slow down a little and try again in a minute."
	case http.StatusServiceUnavailable:
		return "We're busy right now", "Rapport is under heavy load or briefly unavailable. Nothing you did caused this; please try again in a few seconds."
	}
	return "Something went wrong", "An unexpected error stopped this page. It has been logged; please try again."
}

// LocalPath returns next when it is a path on this site ("/crm?x=1"), "" otherwise:
// only local targets are honoured after sign-in, so a link cannot bounce a user elsewhere.
func LocalPath(next string) string {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\\\r\n\t\x00") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}
