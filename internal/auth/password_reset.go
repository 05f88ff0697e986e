package auth

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// PasswordResetShow shows the new-password form for a live reset or invitation token
// (GET /reset-password?token=…).
func (s *Service) PasswordResetShow(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	f := resetForm{Token: token}
	status := http.StatusOK
	if token == "" || len(token) > maxTokenLen {
		f.Invalid = true
	} else if _, _, err := peekToken(r.Context(), s.DB, token, setPasswordPurposes...); errors.Is(err, db.ErrNotFound) {
		f.Invalid = true
	} else if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if f.Invalid {
		status = http.StatusNotFound
	}
	s.Pages.Render(w, r, status, "Choose a new password", resetPage(f))
}

// PasswordResetSubmit sets the new password and uses the token up, with every other reset or
// invitation link of the account (POST /reset-password). Every session of the account
// ends; the person then signs in with the new password. An invited staff member
// chooses their first password here.
func (s *Service) PasswordResetSubmit(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	f := resetForm{Token: r.PostFormValue("token"), Errors: form.Errors{}}
	password := r.PostFormValue("password")
	checkPassword(f.Errors, "password", password, "")
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Choose a new password", resetPage(f))
		return
	}
	ctx := r.Context()
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	var email string
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		uid, purpose, err := consumeToken(ctx, tx, f.Token, setPasswordPurposes...)
		if err != nil {
			return err
		}
		if _, err := setPassword(ctx, tx, uid, hash); err != nil {
			return err
		}
		// Following the emailed link proves the address.
		if err := tx.QueryRow(ctx, `UPDATE "user" SET email_verified = true, updated_at = now() WHERE id = $1 RETURNING email`, uid).Scan(&email); err != nil {
			return db.Translate(err)
		}
		// Whoever followed the link reads the account's mailbox: the entry names them.
		e := ownEntry(audit.PasswordReset, uid, email)
		e.After = map[string]string{"link": linkKind(purpose)}
		return audit.Record(ctx, tx, e)
	})
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.Render(w, r, http.StatusNotFound, "Choose a new password", resetPage(resetForm{Invalid: true}))
		return
	}
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	// The mailbox proved the owner: the account's throttle (its ceiling and every pair)
	// starts again, so a lockout cannot outlast a reset.
	if err := forgetAccount(ctx, s.DB, email); err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if UserFrom(ctx) != nil {
		if err := s.endCurrent(w, r); err != nil {
			s.Log.WarnContext(ctx, "end session after reset", "err", err)
		}
	}
	s.Pages.Flash(w, r, "success", "Your password has been changed. Sign in with your new password.")
	httpx.Redirect(w, r, "/signin")
}

// linkKind names a set-password link's purpose for the audit log.
func linkKind(purpose string) string {
	if purpose == purposeInvite {
		return "invitation"
	}
	return "password reset"
}
