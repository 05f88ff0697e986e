package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
)

// addressOwner is what the verification emails need of the account using an address.
type addressOwner struct {
	ID       string
	Name     string
	Email    string
	Banned   bool
	Verified bool
}

func ownerOf(ctx context.Context, q db.Querier, email string) (*addressOwner, error) {
	o := &addressOwner{}
	err := q.QueryRow(ctx, `SELECT id, name, email, banned, email_verified FROM "user" WHERE email = $1`, email).
		Scan(&o.ID, &o.Name, &o.Email, &o.Banned, &o.Verified)
	if err != nil {
		return nil, db.Translate(err)
	}
	return o, nil
}

// sendVerification issues a verification link and queues the email carrying it.
func (s *Service) sendVerification(ctx context.Context, tx pgx.Tx, userID, name, email string) error {
	token, err := issueToken(ctx, tx, purposeVerify, userID, verifyTokenTTL)
	if err != nil {
		return err
	}
	return enqueueEmail(ctx, tx, "email_verify", email, accountEmail{Name: name, Link: s.link("/verify-email", token)})
}

// EmailVerifyShow is where the emailed link lands (GET /verify-email?token=…). It only looks
// the token up and asks for a click: mail filters and link previews open links on their
// own, and a GET that used the token up would confirm the address (and spend the link)
// before its owner saw it. Without a token, it shows the resend form.
func (s *Service) EmailVerifyShow(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		s.Pages.Render(w, r, http.StatusOK, "Confirm your email", verifyPage(verifyForm{Errors: form.Errors{}}))
		return
	}
	if len(token) <= maxTokenLen {
		_, _, err := peekToken(r.Context(), s.DB, token, purposeVerify)
		switch {
		case err == nil:
			s.Pages.Render(w, r, http.StatusOK, "Confirm your email", verifyPage(verifyForm{Token: token}))
			return
		case !errors.Is(err, db.ErrNotFound):
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	s.Pages.Render(w, r, http.StatusNotFound, "Confirm your email", verifyPage(verifyForm{Invalid: true, Errors: form.Errors{}}))
}

// EmailVerifyConfirm proves an address (POST /verify-email/confirm, the button on the page
// the link opens): it sets email_verified and uses up every verification link of the
// account. An unknown, used or expired token is a 404 page with the resend form.
func (s *Service) EmailVerifyConfirm(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	token := r.PostFormValue("token")
	invalid := token == "" || len(token) > maxTokenLen
	ctx := r.Context()
	if !invalid {
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			uid, _, err := consumeToken(ctx, tx, token, purposeVerify)
			if err != nil {
				return err
			}
			var email string
			if err := tx.QueryRow(ctx, `UPDATE "user" SET email_verified = true, updated_at = now() WHERE id = $1 RETURNING email`, uid).
				Scan(&email); err != nil {
				return db.Translate(err)
			}
			e := ownEntry(audit.EmailVerified, uid, email)
			e.After = map[string]bool{"email_verified": true}
			return audit.Record(ctx, tx, e)
		})
		switch {
		case errors.Is(err, db.ErrNotFound):
			invalid = true
		case err != nil:
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	if invalid {
		s.Pages.Render(w, r, http.StatusNotFound, "Confirm your email", verifyPage(verifyForm{Invalid: true, Errors: form.Errors{}}))
		return
	}
	home := "/signin"
	if u := UserFrom(ctx); u != nil {
		home = u.Role.Home()
	}
	s.Pages.Render(w, r, http.StatusOK, "Confirm your email", verifyPage(verifyForm{Done: true, Home: home}))
}

// EmailVerifyResend emails a new verification link (POST /verify-email). The answer
// is the same whatever the address; a link goes only to an account that exists, is
// active and unconfirmed, at most once a minute.
func (s *Service) EmailVerifyResend(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	f := verifyForm{Email: emailField(r), Errors: form.Errors{}}
	form.Email(f.Errors, "email", f.Email)
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Confirm your email", verifyPage(f))
		return
	}
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		o, err := ownerOf(ctx, tx, f.Email)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil || o.Banned || o.Verified {
			return err
		}
		recent, err := recentToken(ctx, tx, purposeVerify, o.ID, floodGap)
		if err != nil || recent {
			return err
		}
		return s.sendVerification(ctx, tx, o.ID, o.Name, o.Email)
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	f.Sent = true
	s.Pages.Render(w, r, http.StatusOK, "Confirm your email", verifyPage(f))
}
