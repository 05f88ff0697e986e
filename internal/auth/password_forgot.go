package auth

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
)

// PasswordForgotShow shows the forgot-password form (GET /forgot-password).
func (s *Service) PasswordForgotShow(w http.ResponseWriter, r *http.Request) {
	s.Pages.Render(w, r, http.StatusOK, "Reset your password", forgotPage(forgotForm{}))
}

// PasswordForgotSubmit emails a one-time reset link (POST /forgot-password). The answer is the same
// whether or not the account exists; at most one email a minute goes to an account.
// An earlier link stays valid until it expires or any of the user's links is used.
func (s *Service) PasswordForgotSubmit(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	f := forgotForm{Email: emailField(r), Errors: form.Errors{}}
	form.Email(f.Errors, "email", f.Email)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Reset your password", forgotPage(f))
		return
	}
	ctx := r.Context()
	u, err := UserByEmail(ctx, s.DB, f.Email)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		s.Pages.ServerError(w, r, err)
		return
	case !u.Banned:
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			recent, err := recentToken(ctx, tx, purposeReset, u.ID, floodGap)
			if err != nil || recent {
				return err
			}
			token, err := issueToken(ctx, tx, purposeReset, u.ID, resetTokenTTL)
			if err != nil {
				return err
			}
			// Only a link that goes out is logged: at most one a minute per account,
			// where every anonymous request would let anyone fill the log (and the
			// answer says nothing about which addresses have accounts).
			if err := audit.Record(ctx, tx, accountEntry(audit.PasswordForgot, nil, u.ID, u.Email)); err != nil {
				return err
			}
			return enqueueEmail(ctx, tx, "password_reset", u.Email, accountEmail{Name: u.Name, Link: s.link("/reset-password", token)})
		})
		if err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	f.Sent = true
	s.Pages.Render(w, r, http.StatusOK, "Reset your password", forgotPage(f))
}

// link is an absolute URL on BASE_URL carrying a one-time token.
func (s *Service) link(path, token string) string { return tokenLink(s.BaseURL, path, token) }
