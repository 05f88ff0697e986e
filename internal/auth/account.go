package auth

import "net/http"

// AccountShow is the signed-in user's account overview (GET /account): who they are,
// their password, their time zone, morning email and email choices (all loaded with the
// user), for staff their two-step sign-in,
// and where they are signed in (the route's session lookup reads that list in its one
// statement: SessionListing).
func (s *Service) AccountShow(w http.ResponseWriter, r *http.Request) {
	u := UserFrom(r.Context())
	f := preferencesForm{TimeZone: u.TimeZone, Digest: u.ActivityDigest,
		NotifyReceipt: u.NotifyReceipt, NotifyAssigned: u.NotifyAssigned, NotifyNew: u.NotifyNew}
	s.renderAccount(w, r, http.StatusOK, f)
}

// renderAccount shows the account page with the preferences form as given.
func (s *Service) renderAccount(w http.ResponseWriter, r *http.Request, status int, prefs preferencesForm) {
	ctx := r.Context()
	u := UserFrom(ctx)
	v := accountView{User: u, Offered: offersTwoStep(u.Role), Available: s.Secrets != nil, Prefs: prefs, Digest: offersDigest(u.Role),
		Sessions: SessionsOf(ctx)}
	if v.Offered {
		var err error
		if v.TwoStep, err = loadTwoStep(ctx, s.DB, u.ID); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	s.Pages.Render(w, r, status, "Your account", accountPage(v))
}
