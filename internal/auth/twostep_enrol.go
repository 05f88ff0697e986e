package auth

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const twoStepTitle = "Two-step sign-in"

// twoStepView builds the two-step page for u in state st: while an enrolment is pending,
// its QR code and key (opened from the sealed secret).
func (s *Service) twoStepView(ctx context.Context, u *User, st twoStepState) twoStepPageView {
	v := twoStepPageView{User: u, State: st, Available: s.Secrets != nil, Required: u.TwoStepRequired}
	if !st.Pending || s.Secrets == nil {
		return v
	}
	raw, err := s.Secrets.Open(st.Sealed, twoStepPurpose(u.ID))
	if err != nil {
		// Sealed under another key (SECRET_KEY changed): the enrolment starts over.
		s.Log.WarnContext(ctx, "two-step: a pending secret does not open", "user_id", u.ID, "request_id", httpx.RequestID(ctx))
		v.State.Pending = false
		return v
	}
	key, err := totpKey(u, raw)
	if err == nil {
		v.QR, err = qrDataURI(key)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "two-step: QR code", "err", err, "request_id", httpx.RequestID(ctx))
	}
	v.Key = groupedSecret(raw)
	return v
}

// TwoStepShow shows the signed-in staff member's two-step sign-in (GET /account/two-step):
// how to set it up, the QR code and key of a pending enrolment with the field for its
// first code, or, once it is on, how to replace the recovery codes or turn it off.
func (s *Service) TwoStepShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := UserFrom(ctx)
	st, err := loadTwoStep(ctx, s.DB, u.ID)
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, twoStepTitle, twoStepPage(s.twoStepView(ctx, u, st)))
}

// TwoStepSetup starts an enrolment (POST /account/two-step/setup): a new secret, sealed,
// pending until a code from it is confirmed. Starting again replaces a pending secret.
func (s *Service) TwoStepSetup(w http.ResponseWriter, r *http.Request) {
	if err := form.Parse(w, r); err != nil {
		s.Pages.Error(w, r, form.Status(err))
		return
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	if s.Secrets == nil {
		s.Pages.ErrorWith(w, r, http.StatusServiceUnavailable, "Two-step sign-in is unavailable",
			"The server is not configured for it yet (SECRET_KEY is not set). Ask your administrator.")
		return
	}
	started, err := beginEnrolment(ctx, s.DB, u.ID, s.Secrets.Seal(newTOTPSecret(), twoStepPurpose(u.ID)))
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !started {
		s.Pages.Flash(w, r, "info", "Two-step sign-in is already on.")
	}
	httpx.Redirect(w, r, enrolPath)
}

// TwoStepConfirm turns two-step sign-in on with the first code from the app (POST
// /account/two-step/confirm): only a right code does, so a mis-scanned QR code never
// locks anyone out. The new recovery codes are shown on this answer, once (they are
// stored only hashed, so no later page could show them).
func (s *Service) TwoStepConfirm(w http.ResponseWriter, r *http.Request) {
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
	if st.Enabled {
		s.Pages.Flash(w, r, "info", "Two-step sign-in is already on.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	v := s.twoStepView(ctx, u, st)
	if !v.State.Pending {
		s.Pages.Flash(w, r, "info", "Start the set-up first: it shows the QR code to scan.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	code, ok := totpCode(r.PostFormValue("code"))
	if !ok {
		v.CodeError = "Enter the 6-digit code your app shows."
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, twoStepTitle, twoStepPage(v))
		return
	}
	raw, err := s.Secrets.Open(st.Sealed, twoStepPurpose(u.ID))
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	step, ok := matchStep(raw, code, s.now())
	if !ok {
		v.CodeError = "That code does not match. Check that your phone sets its time automatically, and enter the code it shows now."
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, twoStepTitle, twoStepPage(v))
		return
	}
	codes, hashes := newRecoveryCodes()
	confirmed := false
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if confirmed, err = confirmEnrolment(ctx, tx, u.ID, step, st.Sealed); err != nil || !confirmed {
			return err
		}
		if err := replaceRecoveryCodes(ctx, tx, u.ID, hashes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, userEvent(audit.TwoStepEnrolled, u, u))
	})
	if err != nil {
		s.Pages.ServerError(w, r, err)
		return
	}
	if !confirmed {
		// Another tab started over (a new secret) or finished first.
		s.Pages.Flash(w, r, "info", "The set-up changed in another window. Scan the QR code shown here.")
		httpx.Redirect(w, r, enrolPath)
		return
	}
	s.Log.InfoContext(ctx, "two-step sign-in on", "user_id", u.ID, "request_id", httpx.RequestID(ctx))
	s.Pages.Render(w, r, http.StatusOK, "Save your recovery codes", recoveryCodesPage(recoveryCodesView{Codes: codes, Home: u.Role.Home(), Enrolled: true}))
}
