package httpx

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"rapport/internal/cursor"
	"rapport/internal/db"
	"rapport/internal/form"
)

// The preamble every handler shares: the path's id, the form, and the page a store
// error is answered with. Handlers call these instead of spelling each one out.

// PageError is an error with the page it is answered with: a status the user caused,
// and a heading and message they can act on. Declare one per case as a sentinel
// (errors.Is finds it through wrapping).
type PageError struct {
	Status           int
	Heading, Message string
}

func (e *PageError) Error() string { return e.Heading }

// PathID is the route's {name} parameter when it is a UUID; otherwise it answers 404
// (a doctored or stale link) and returns false.
func (p *Pages) PathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id := chi.URLParam(r, name)
	if !db.ValidUUID(id) {
		p.Error(w, r, http.StatusNotFound)
		return "", false
	}
	return id, true
}

// ParseForm reads a form body; a malformed or oversized one is answered 400 or 413.
func (p *Pages) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := form.Parse(w, r); err != nil {
		p.Error(w, r, form.Status(err))
		return false
	}
	return true
}

// Fail answers an error from a store: 404 for a missing (or invisible) record, 400 for
// a doctored page link or a value the database could not read, a PageError's own page,
// 503 for back-pressure and 500 for the rest (logged, never shown).
func (p *Pages) Fail(w http.ResponseWriter, r *http.Request, err error) {
	err = db.Translate(err) // a store that passed a driver error through raw
	var pe *PageError
	switch {
	case errors.Is(err, db.ErrNotFound):
		p.Error(w, r, http.StatusNotFound)
	case errors.Is(err, cursor.ErrInvalid), errors.Is(err, db.ErrBadValue):
		p.Error(w, r, http.StatusBadRequest)
	case errors.As(err, &pe):
		p.ErrorWith(w, r, pe.Status, pe.Heading, pe.Message)
	default:
		p.ServerError(w, r, err)
	}
}
