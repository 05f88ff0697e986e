package server_test

import (
	"net/url"
	"testing"
	"time"

	"rapport/internal/auth"
)

// TestHostileCorpusFormsTwoStep: every corpus value as the first code of an enrolment,
// as the code of a pending sign-in's second step, and as a role the admin requires
// two-step sign-in of. None is a code or a role: each is refused (422, never a guess
// counted nor a 500) with a message beside the field, and shown escaped if at all.
func TestHostileCorpusFormsTwoStep(t *testing.T) {
	t.Parallel()
	h := newHostileWorld(t)
	wantRedirect(t, "start an enrolment", h.rep.post("/account/two-step/setup", url.Values{}), "/account/two-step")

	u := h.a.user(auth.RoleAgent, "two-step@example.com")
	b := h.a.timedBrowser()
	b.signIn(u.Email)
	b.enrol(t)
	pending := h.a.timedBrowser()
	wantRedirect(t, "password", pending.signInWith(u.Email, testPassword), "/signin/two-step")

	at := func(p string) func(int) string { return func(int) string { return p } }
	none := func(int) url.Values { return url.Values{} }
	h.runForms(t, []hostileForm{
		{name: "enrolment code", as: func() *browser { return h.rep }, path: at("/account/two-step/confirm"), field: "code",
			base: none, choices: true},
		{name: "second step code", as: func() *browser { return pending }, path: at("/signin/two-step"), field: "code",
			base: none, choices: true},
		{name: "required roles", as: func() *browser { return h.admin }, path: at("/admin/security"), field: "twostep_roles",
			base: none, choices: true},
	})
	// Nothing was counted as a guess: the right code still passes.
	h.a.advance(30 * time.Second)
	r := pending.post("/signin/two-step", url.Values{"code": {h.a.code(t, h.a.storedKey(t, u.ID))}})
	wantRedirect(t, "the right code after the corpus", r, "/desk")
	if n := h.a.count(t, `SELECT count(*) FROM workspace_settings WHERE twostep_roles <> '{}'`); n != 0 {
		t.Error("a hostile value was stored as a required role")
	}
	if n := h.a.count(t, `SELECT count(*) FROM user_twostep WHERE user_id = $1 AND enabled_at IS NOT NULL`, h.repU.ID); n != 0 {
		t.Error("a hostile value turned two-step sign-in on")
	}
}
