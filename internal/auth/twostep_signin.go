package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

// A pending sign-in: the password was right for an account with two-step sign-in, and
// the browser's session remembers for whom (and which session_version, so a password
// reset in between voids it), where to go next, and until when (5 minutes). The
// session is anonymous meanwhile: nothing of the account is reachable until the second
// step passes.
const pendingSignInTTL = 5 * time.Minute

type pendingSignIn struct {
	userID  string
	version int
	next    string
	until   time.Time
}

// awaitSecondStep starts a session holding a pending sign-in for u, under a fresh
// token (as start does, so a planted cookie cannot be used to finish someone else's
// sign-in).
func (s *Service) awaitSecondStep(w http.ResponseWriter, r *http.Request, u *User, next string) error {
	now := s.now()
	return s.write(w, r, newSession{version: u.SessionVersion, expires: now.Add(pendingKeep),
		pending: &pendingSignIn{userID: u.ID, version: u.SessionVersion, next: next, until: now.Add(pendingSignInTTL)}})
}

// pending returns the session's pending sign-in, if it has one.
func (s *Service) pending(ctx context.Context) (pendingSignIn, bool) {
	sess := sessionFrom(ctx)
	if sess == nil || sess.pending == nil {
		return pendingSignIn{}, false
	}
	p := *sess.pending
	p.next = httpx.LocalPath(p.next)
	return p, true
}

// forgetPending drops the session's pending sign-in (and with it the session).
func (s *Service) forgetPending(w http.ResponseWriter, r *http.Request) {
	if err := s.endCurrent(w, r); err != nil {
		s.Log.WarnContext(r.Context(), "forget pending sign-in", "err", err)
	}
}

// livePending is the session's pending sign-in when it has not expired. Otherwise it
// answers itself: back to sign in, saying why when the pending sign-in timed out.
func (s *Service) livePending(w http.ResponseWriter, r *http.Request) (pendingSignIn, bool) {
	ctx := r.Context()
	p, ok := s.pending(ctx)
	if !ok {
		httpx.Redirect(w, r, "/signin")
		return p, false
	}
	if !s.now().Before(p.until) {
		s.forgetPending(w, r)
		s.Pages.Flash(w, r, "info", "Signing in took longer than 5 minutes. Enter your email and password again.")
		httpx.Redirect(w, r, "/signin")
		return p, false
	}
	return p, true
}

// TwoStepSignInShow asks for the code of a pending sign-in (GET /signin/two-step).
func (s *Service) TwoStepSignInShow(w http.ResponseWriter, r *http.Request) {
	if u := UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	if _, ok := s.livePending(w, r); !ok {
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Two-step sign-in", secondStepPage(secondStepForm{Available: s.Secrets != nil}))
}

// TwoStepSignInSubmit checks the code of a pending sign-in (POST /signin/two-step): a code from
// the authenticator app, used once, or an unused recovery code. Attempts are throttled
// like the password (reserved before the check: see twoStepPair, twoStepAccount), and
// every outcome is in the audit log. Success starts the session as a password-only
// sign-in does.
func (s *Service) TwoStepSignInSubmit(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	if u := UserFrom(ctx); u != nil {
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	p, ok := s.livePending(w, r)
	if !ok {
		return
	}
	f := secondStepForm{Available: s.Secrets != nil}
	typed := r.PostFormValue("code")
	code, isTOTP := totpCode(typed)
	recovery, isRecovery := recoveryCode(typed)
	switch {
	case typed == "":
		f.Error = "Enter the 6-digit code from your authenticator app, or a recovery code."
	case !isTOTP && !isRecovery:
		f.Error = "That is neither a 6-digit code nor a recovery code (two groups of five letters and digits)."
	case isTOTP && s.Secrets == nil:
		f.Error = "Codes from your app cannot be checked right now (the server is missing its key). Use one of your recovery codes, or ask your administrator."
	}
	if f.Error != "" {
		status := http.StatusUnprocessableEntity
		if isTOTP {
			status = http.StatusServiceUnavailable
		}
		s.Pages.Render(w, r, status, "Two-step sign-in", secondStepPage(f))
		return
	}

	counters := twoStepCounters(p.userID, s.clientIP(r))
	v, err := reserveVerdict(ctx, s.DB, counters)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !v.allowed {
		if v.firstRefusal {
			target := &User{ID: p.userID}
			if u, _, err := secondStepUser(ctx, s.DB, p.userID); err == nil {
				target = u
			}
			if err := audit.Record(ctx, s.DB, signInEvent(audit.SignInRefused, target.Email, target, why{Reason: "two-step throttled"})); err != nil {
				s.Pages.ServerError(w, r, err)
				return
			}
		}
		mins := retryMinutes(w, v.retry)
		f.Error = "Too many wrong codes. For your security, try again in " + web.Count(mins, "minute", "minutes") + "."
		s.Pages.Render(w, r, http.StatusTooManyRequests, "Two-step sign-in", secondStepPage(f))
		return
	}
	u, sealed, err := secondStepUser(ctx, s.DB, p.userID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		s.giveBack(ctx, counters)
		s.Pages.ServerError(w, r, err)
		return
	}
	if u == nil || u.Banned || u.SessionVersion != p.version || !u.TwoStep {
		// Deleted, deactivated, its password changed or its two-step sign-in reset since
		// the password was checked: start again (and nothing was tried).
		s.giveBack(ctx, counters)
		s.forgetPending(w, r)
		s.Pages.Flash(w, r, "info", "Your sign-in could not be completed. Sign in again.")
		httpx.Redirect(w, r, "/signin")
		return
	}

	var passed bool
	var event audit.Entry
	if isTOTP {
		passed, f.Error, err = s.checkCode(ctx, u, sealed, code)
		event = userEvent(audit.TwoStepPassed, u, u)
		event.After = why{Step: "code"}
	} else {
		var left int
		left, passed, err = useRecoveryCode(ctx, s.DB, u.ID, recoveryCodeHash(recovery))
		if !passed {
			f.Error = "That recovery code is not right, or it was used already."
		}
		event = userEvent(audit.TwoStepRecovery, u, u)
		event.After = why{Left: &left}
	}
	if err != nil {
		s.giveBack(ctx, counters)
		s.Pages.ServerError(w, r, err)
		return
	}
	if !passed {
		if err := audit.Record(ctx, s.DB, signInEvent(audit.TwoStepFailed, u.Email, u, why{Reason: f.Error})); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnauthorized, "Two-step sign-in", secondStepPage(f))
		return
	}
	step := "code"
	if !isTOTP {
		step = "recovery_code"
	}
	for _, e := range []audit.Entry{event, signInEvent(audit.SignIn, u.Email, u, why{Step: step})} {
		if err := audit.Record(ctx, s.DB, e); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	if err := release(ctx, s.DB, counters...); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	// The signed-in session replaces the pending one (a new token again).
	if err := s.start(w, r, u); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !isTOTP {
		s.Pages.Flash(w, r, "info", "You signed in with a recovery code; it cannot be used again. If you lost your phone, set up two-step sign-in again from your account page.")
	}
	s.Log.InfoContext(ctx, "signed in", "user_id", u.ID, "second_step", step, "request_id", httpx.RequestID(ctx))
	httpx.Redirect(w, r, orHome(p.next, u))
}

// checkCode checks an authenticator code against the user's secret and uses its time
// step: a right code passes once. It returns why not for the page.
func (s *Service) checkCode(ctx context.Context, u *User, sealed []byte, code string) (bool, string, error) {
	raw, err := s.Secrets.Open(sealed, twoStepPurpose(u.ID))
	if err != nil {
		return false, "", err
	}
	step, ok := matchStep(raw, code, s.now())
	if !ok {
		return false, "That code is not right. Enter the code your app shows now.", nil
	}
	fresh, err := acceptStep(ctx, s.DB, u.ID, step)
	if err != nil || !fresh {
		return false, "That code was used already. Wait for your app to show a new one.", err
	}
	return true, "", nil
}
