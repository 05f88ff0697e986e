package httpx

import (
	"net/http"

	"rapport/internal/form"
)

// FormKey returns the one-time key a parsed create form carries. Without a usable one
// (a page from before keys, a hand-made request) it answers 400, "This form is out of
// date", and false: the user reloads the form, which gives it a fresh key.
func (p *Pages) FormKey(w http.ResponseWriter, r *http.Request) (form.Key, bool) {
	k, err := form.KeyFrom(r)
	if err != nil {
		p.ErrorWith(w, r, http.StatusBadRequest, "This form is out of date",
			"This form is out of date; reload the page and send it again. Nothing was saved.")
		return "", false
	}
	return k, true
}

// Repeated answers a create form sent again with a key already used (err holds a
// *form.Repeat): the first submit's redirect, 303, so a double click or a retry lands
// where the first did, and nothing was created twice. It reports whether it answered.
func (p *Pages) Repeated(w http.ResponseWriter, r *http.Request, err error) bool {
	rep := form.IsRepeat(err)
	if rep == nil {
		return false
	}
	p.Flash(w, r, "info", "This form had already been sent, so nothing was added twice.")
	Redirect(w, r, rep.To)
	return true
}
