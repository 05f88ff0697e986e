package desk

import (
	"errors"
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

const setAwaySQL = `UPDATE agents SET away = $2 WHERE user_id = $1`

// AwayUpdate sets the agent's own away flag (POST /desk/away, away=on or off): round
// robin gives no tickets to an agent who is away. Admins set anyone's on /admin/agents.
func (s *Service) AwayUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	var away bool
	switch r.PostFormValue("away") {
	case "on":
		away = true
	case "off":
	default:
		s.Pages.Error(w, r, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	tag, err := s.DB.Exec(ctx, setAwaySQL, auth.UserFrom(ctx).ID, away)
	if err == nil && tag.RowsAffected() == 0 {
		err = db.ErrNotFound
	}
	if errors.Is(err, db.ErrNotFound) {
		s.Pages.ErrorWith(w, r, http.StatusForbidden, "You have no agent profile",
			"Only agents take tickets from round robin. An admin can add you under Agents.")
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	msg := "You are back: round robin gives you new tickets again."
	if away {
		msg = "You are away: round robin gives you no new tickets until you are back."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, "/desk")
}
