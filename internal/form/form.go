// Package form parses and checks what people type. Handlers decode a request into a typed
// struct, call its Validate, and on failure re-render the same page with status 422, the
// messages beside their fields and the typed values kept.
package form

import (
	"errors"
	"net/http"
	"strings"
)

// Errors maps a field name to the message shown beside it.
type Errors map[string]string

// Add records the first problem found for a field.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// OK reports whether no field has a problem.
func (e Errors) OK() bool { return len(e) == 0 }

// MaxBody caps a form request's body: nothing we accept through a plain form is larger.
const MaxBody = 1 << 20

// Parse reads a urlencoded form body, capped at MaxBody. An oversized or malformed body
// is a user error (400), never a 500.
func Parse(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return ErrTooLarge
		}
		return err
	}
	return nil
}

// ErrTooLarge means the body was over MaxBody (answer 413).
var ErrTooLarge = errors.New("request body too large")

// Status is the HTTP status for a Parse error: 413 when too large, 400 otherwise.
func Status(err error) int {
	if errors.Is(err, ErrTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Text returns the named field, trimmed of surrounding white space and normalised to NFC
// (see Clean): for single-line fields.
func Text(r *http.Request, name string) string {
	return Clean(strings.TrimSpace(r.PostFormValue(name)))
}

// Body returns the named multi-line field (a message, a note) normalised to NFC and
// otherwise as typed: its white space, leading and trailing, is the writer's.
func Body(r *http.Request, name string) string { return Clean(r.PostFormValue(name)) }
