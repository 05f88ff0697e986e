package auth

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const badCredentials = "The email or password is incorrect."

// SignInPage shows the sign-in form (GET /signin). A signed-in user goes home.
func (s *Service) SignInPage(w http.ResponseWriter, r *http.Request) {
	next := httpx.LocalPath(r.URL.Query().Get("next"))
	if u := UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, orHome(next, u))
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Sign in", signInPage(signInForm{Next: next}))
}

// SignIn checks the credentials (POST /signin). Unknown email and wrong password get the
// same answer after the same work (a dummy hash is verified); failures are throttled per
// account and per address.
func (s *Service) SignIn(w http.ResponseWriter, r *http.Request) {
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

	ip := s.clientIP(r)
	until, err := lockedUntil(ctx, s.DB, accountKey(f.Email), addressKey(ip))
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !until.IsZero() {
		mins := int(math.Ceil(until.Sub(s.now()).Minutes()))
		if mins < 1 {
			mins = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(mins*60))
		f.Problem = "Too many failed sign-ins. For your security, try again in " + strconv.Itoa(mins) + " minute" + plural(mins) + ", or reset your password."
		s.Pages.Render(w, r, http.StatusTooManyRequests, "Sign in", signInPage(f))
		return
	}

	u, hash, err := credentialByEmail(ctx, s.DB, f.Email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		s.Pages.ServerError(w, r, err)
		return
	}
	ok, err := s.Hasher.Verify(ctx, password, hash)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !ok {
		if err := recordFailure(ctx, s.DB, f.Email, ip); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
		f.Problem = badCredentials
		s.Pages.Render(w, r, http.StatusUnauthorized, "Sign in", signInPage(f))
		return
	}
	if u.Banned {
		f.Problem = "This account has been deactivated. Ask your administrator if you need access again."
		s.Pages.Render(w, r, http.StatusForbidden, "Sign in", signInPage(f))
		return
	}
	if err := clearFailures(ctx, s.DB, f.Email); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if err := s.start(r, u); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Log.InfoContext(ctx, "signed in", "user_id", u.ID, "request_id", httpx.RequestID(ctx))
	httpx.Redirect(w, r, orHome(f.Next, u))
}

// orHome returns next when the user may go there, their role's home otherwise.
func orHome(next string, u *User) string {
	if next != "" {
		return next
	}
	return u.Role.Home()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
