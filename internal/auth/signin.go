package auth

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

const badCredentials = "The email or password is incorrect."

// SignInShow shows the sign-in form (GET /signin). A signed-in user goes home.
func (s *Service) SignInShow(w http.ResponseWriter, r *http.Request) {
	next := httpx.LocalPath(r.URL.Query().Get("next"))
	if u := UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, orHome(next, u))
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Sign in", signInPage(signInForm{Next: next}))
}

// SignInSubmit checks the credentials (POST /signin). Unknown email and wrong password get the
// same answer after the same work (a dummy hash is verified); attempts are throttled per
// account and address, per address, and (slowing, not locking) per account: see throttle.go.
// An account with two-step sign-in on is not signed in yet: the browser is sent to the
// second step (twostep_signin.go). Every outcome is in the audit log (a throttled
// attacker's refusals once per lock).
func (s *Service) SignInSubmit(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	f := signInForm{Email: emailField(r), Next: httpx.LocalPath(r.PostFormValue("next")), Errors: form.Errors{}}
	password := r.PostFormValue("password")
	form.Email(f.Errors, "email", f.Email)
	if password == "" {
		f.Errors.Add("password", "Password is required.")
	} else if len(password) > 4*maxPasswordLen {
		f.Errors.Add("password", "Password is too long.")
	}
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Sign in", signInPage(f))
		return
	}

	// The attempt is reserved before any hash runs: parallel attempts cannot slip past the
	// limit (issue 9, defect 1). It stays counted as a failure unless it succeeds. The
	// same statement loads the account.
	counters := signInCounters(f.Email, s.clientIP(r))
	v, u, hash, err := reserveSignIn(ctx, s.DB, counters, f.Email)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !v.allowed {
		if v.firstRefusal {
			if err := audit.Record(ctx, s.DB, signInEvent(audit.SignInRefused, f.Email, u, why{Reason: "throttled"})); err != nil {
				s.Pages.ServerError(w, r, err)
				return
			}
		}
		mins := retryMinutes(w, v.retry)
		f.Problem = "Too many failed sign-ins. For your security, try again in " + web.Count(mins, "minute", "minutes") + ", or reset your password."
		s.Pages.Render(w, r, http.StatusTooManyRequests, "Sign in", signInPage(f))
		return
	}

	var uid string
	if u != nil {
		uid = u.ID
	}
	ok, err := s.verifyPassword(ctx, password, hash, uid)
	if err != nil {
		// Nothing was tried (the hasher was busy): the attempt must not count.
		s.giveBack(ctx, counters)
		s.Pages.ServerError(w, r, err)
		return
	}
	if !ok {
		if err := audit.Record(ctx, s.DB, signInEvent(audit.SignInFailed, f.Email, u, nil)); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		f.Problem = badCredentials
		s.Pages.Render(w, r, http.StatusUnauthorized, "Sign in", signInPage(f))
		return
	}
	// The right password: the attempt was no failure, deactivated account or not.
	if err := release(ctx, s.DB, counters...); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if u.Banned {
		if err := audit.Record(ctx, s.DB, signInEvent(audit.SignInRefused, f.Email, u, why{Reason: "deactivated"})); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		f.Problem = "This account has been deactivated. Ask your administrator if you need access again."
		s.Pages.Render(w, r, http.StatusForbidden, "Sign in", signInPage(f))
		return
	}
	s.rehash(ctx, u.ID, password, hash)
	if u.TwoStep {
		if err := s.awaitSecondStep(w, r, u, f.Next); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		httpx.Redirect(w, r, secondStepPath)
		return
	}
	if err := audit.Record(ctx, s.DB, signInEvent(audit.SignIn, f.Email, u, nil)); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if err := s.start(w, r, u); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Log.InfoContext(ctx, "signed in", "user_id", u.ID, "request_id", httpx.RequestID(ctx))
	httpx.Redirect(w, r, s.landing(u, f.Next))
}

// orHome returns next when the user may go there, their role's home otherwise.
func orHome(next string, u *User) string {
	if next != "" {
		return next
	}
	return u.Role.Home()
}

// landing is where a user goes once signed in: to set up two-step sign-in first when
// the workspace requires it of them (RequireEnrolment would send them there anyway),
// else next or their home.
func (s *Service) landing(u *User, next string) string {
	if s.mustEnrol(u) {
		return enrolPath
	}
	return orHome(next, u)
}

// retryMinutes sets Retry-After to retry rounded up to whole minutes (at least one) and
// returns the minutes, for the message.
func retryMinutes(w http.ResponseWriter, retry time.Duration) int {
	mins := max(int(math.Ceil(retry.Minutes())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(mins*60))
	return mins
}

// giveBack unreserves an attempt whose work never ran, even when the request's
// context is already over (a hasher that stayed busy until the deadline); a failure to do
// so is logged: the attempt then counts, which errs on the safe side.
func (s *Service) giveBack(ctx context.Context, counters []counter) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := unreserve(ctx, s.DB, counters...); err != nil {
		s.Log.WarnContext(ctx, "throttle: could not give an attempt back", "err", err, "request_id", httpx.RequestID(ctx))
	}
}
