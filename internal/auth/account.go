package auth

import "net/http"

// AccountShow is the signed-in user's account overview (GET /account): who they are,
// their password, and for staff their two-step sign-in.
func (s *Service) AccountShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := UserFrom(ctx)
	v := accountView{User: u, Offered: offersTwoStep(u.Role), Available: s.Secrets != nil}
	if v.Offered {
		var err error
		if v.TwoStep, err = loadTwoStep(ctx, s.DB, u.ID); err != nil {
			s.Pages.ServerError(w, r, err)
			return
		}
	}
	s.Pages.Render(w, r, http.StatusOK, "Your account", accountPage(v))
}
