package auth

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/form"
	"rapport/internal/httpx"
)

const maxNameLen = 100

// SignUpPage shows the customer sign-up form (GET /signup).
func (s *Service) SignUpPage(w http.ResponseWriter, r *http.Request) {
	if u := UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Create your account", signUpPage(signUpForm{}))
}

// SignUp creates a customer account and signs it in (POST /signup). Staff accounts are
// made by an admin, never here.
func (s *Service) SignUp(w http.ResponseWriter, r *http.Request) {
	if u := UserFrom(r.Context()); u != nil {
		// Signed in already: a second account would silently replace this session.
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	f := signUpForm{Name: form.Text(r, "name"), Email: emailField(r), Errors: form.Errors{}}
	password := r.PostFormValue("password")
	form.Required(f.Errors, "name", f.Name, "Name", maxNameLen)
	form.Email(f.Errors, "email", f.Email)
	checkPassword(f.Errors, "password", password, f.Email)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Create your account", signUpPage(f))
		return
	}
	ctx := r.Context()
	// Throttle (issue 9, defect 10): every valid sign-up counts, per client address and
	// per email, reserved before the hash; past the limit, 429 with Retry-After.
	if allowed, retry, err := reserve(ctx, s.DB, signUpAddress.On(s.clientIP(r)), signUpEmail.On(f.Email)); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	} else if !allowed {
		mins := retryMinutes(w, retry)
		s.Pages.ErrorWith(w, r, http.StatusTooManyRequests, "Too many sign-ups",
			"Too many accounts were asked for from here or for this email. Try again in "+strconv.Itoa(mins)+" minute"+plural(mins)+".")
		return
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	var u *User
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		u, err = CreateUser(ctx, tx, NewUser{Name: f.Name, Email: f.Email, Role: RoleCustomer, PasswordHash: hash})
		return err
	})
	if errors.Is(err, ErrEmailTaken) {
		f.Errors.Add("email", "An account with this email already exists. Sign in, or reset your password if you forgot it.")
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Create your account", signUpPage(f))
		return
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if err := s.start(r, u); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Welcome to Rapport, "+u.Name+". Your account is ready.")
	httpx.Redirect(w, r, u.Role.Home())
}
