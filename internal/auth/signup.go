package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

const maxNameLen = 100

// SignUpShow shows the customer sign-up form (GET /signup).
func (s *Service) SignUpShow(w http.ResponseWriter, r *http.Request) {
	if u := UserFrom(r.Context()); u != nil {
		httpx.Redirect(w, r, u.Role.Home())
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Create your account", signUpPage(signUpForm{}))
}

// SignUpSubmit creates a customer account and emails a link that confirms its address
// (POST /signup). Staff accounts are made by an admin, never here.
//
// The answer is the same page, with the same status, whether or not the address already
// has an account, and nobody is signed in by it: the owner of an existing account gets
// an email saying so (at most one a minute) instead of a confirmation link. A new
// customer signs in with the password they chose and may use the portal at once; the
// address counts as theirs (for staff roles and the CRM link) once they follow the link.
func (s *Service) SignUpSubmit(w http.ResponseWriter, r *http.Request) {
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
			"Too many accounts were asked for from here or for this email. Try again in "+web.Count(mins, "minute", "minutes")+".")
		return
	}
	// Hashed whether or not the address is taken, so both answers cost the same.
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error { return s.register(ctx, tx, f, hash) })
	if errors.Is(err, ErrEmailTaken) {
		// A sign-up with the same address won a race: it sends its own email.
		err = nil
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	f.Sent = true
	s.Pages.Render(w, r, http.StatusOK, "Check your inbox", signUpPage(f))
}

// register creates the customer and queues its confirmation link or, when the address
// has an account already, queues the "you already have an account" email.
func (s *Service) register(ctx context.Context, tx pgx.Tx, f signUpForm, hash string) error {
	o, err := ownerOf(ctx, tx, f.Email)
	switch {
	case errors.Is(err, db.ErrNotFound):
		u, err := CreateUser(ctx, tx, NewUser{Name: f.Name, Email: f.Email, Role: RoleCustomer, PasswordHash: hash})
		if err != nil {
			return err
		}
		// Nobody is signed in, and nothing proves who typed the form: no actor.
		e := accountEntry(audit.UserSignedUp, nil, u.ID, u.Email)
		e.After = map[string]string{"name": u.Name, "email": u.Email, "role": string(u.Role)}
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, u.ID, u.Name, u.Email)
	case err != nil:
		return err
	case o.Banned:
		return nil
	}
	send, err := oncePer(ctx, tx, purposeNotice, o.ID, floodGap)
	if err != nil || !send {
		return err
	}
	return enqueueEmail(ctx, tx, "account_exists", o.Email,
		accountEmail{Name: o.Name, SignIn: pageLink(s.BaseURL, "/signin"), Forgot: pageLink(s.BaseURL, "/forgot-password")})
}
