package auth

import (
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
	"rapport/web"
)

// TwoStepDisable turns the signed-in user's two-step sign-in off, after their current
// password (POST /account/two-step/disable); the recovery codes go with it. Other
// sessions are left alone. When the workspace requires two-step sign-in of the user's
// role, they are sent to set it up again at once (how a new phone replaces an old one).
func (s *Service) TwoStepDisable(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	st, err := loadTwoStep(ctx, s.DB, u.ID)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !st.Enabled {
		s.Pages.Flash(w, r, "info", "Two-step sign-in is already off.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	problem, status, err := s.confirmPassword(w, r, u, r.PostFormValue("current_password"))
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if problem != "" {
		v := s.twoStepView(ctx, u, st)
		v.DisableError = problem
		s.Pages.Render(w, r, status, twoStepTitle, twoStepPage(v))
		return
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := removeTwoStep(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, userEvent(audit.TwoStepDisabled, u, u))
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if u.TwoStepRequired {
		s.Pages.Flash(w, r, "info", "Two-step sign-in is off. Your administrator requires it for your role: set it up again to continue.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	s.Pages.Flash(w, r, "success", "Two-step sign-in is off. Your password alone now signs you in.")
	httpx.Redirect(w, r, "/account")
}

// confirmPassword checks the signed-in user's current password before a change to their
// two-step sign-in. Guessing it from a stolen session counts against the sign-in
// counters, reserved before the hash, as on the change-password form. It returns a
// message for the password field and the status to answer with ("" when the password
// is right), or an error.
func (s *Service) confirmPassword(w http.ResponseWriter, r *http.Request, u *User, password string) (string, int, error) {
	if password == "" {
		return "Enter your current password.", http.StatusUnprocessableEntity, nil
	}
	if len(password) > 4*maxPasswordLen {
		return "That is not your current password.", http.StatusUnprocessableEntity, nil
	}
	ctx := r.Context()
	counters := signInCounters(u.Email, s.clientIP(r))
	allowed, retry, err := reserve(ctx, s.DB, counters...)
	if err != nil {
		return "", 0, err
	}
	if !allowed {
		mins := retryMinutes(w, retry)
		return "Too many wrong passwords. Try again in " + web.Count(mins, "minute", "minutes") + ".", http.StatusTooManyRequests, nil
	}
	hash, err := passwordHash(ctx, s.DB, u.ID)
	if err != nil {
		s.giveBack(ctx, counters)
		return "", 0, err
	}
	ok, err := s.verifyPassword(ctx, password, hash, u.ID)
	if err != nil {
		s.giveBack(ctx, counters)
		return "", 0, err
	}
	if !ok {
		return "That is not your current password.", http.StatusUnprocessableEntity, nil
	}
	return "", 0, release(ctx, s.DB, counters...)
}
