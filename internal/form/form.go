// Package form parses and checks what people type. Handlers decode a request into a typed
// struct, call its Validate, and on failure re-render the same page with status 422, the
// messages beside their fields and the typed values kept.
package form

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
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

// Text returns the named field, trimmed of surrounding white space.
func Text(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// Check validates a free-text value: valid UTF-8, no NUL or other control characters
// (other than tab and newlines when multiline), at most max characters. It returns a
// message for the person, or "".
func Check(v string, max int, multiline bool) string {
	if !utf8.ValidString(v) {
		return "Contains characters that are not valid text."
	}
	for _, r := range v {
		if r == 0 {
			return "Contains a NUL character, which is not allowed."
		}
		if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return "Contains control characters, which are not allowed."
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "Too long: at most " + strconv.Itoa(max) + " characters (this has " + strconv.Itoa(n) + ")."
	}
	return ""
}

// Required checks a non-empty free-text value (see Check).
func Required(errs Errors, field, v, label string, max int) {
	if v == "" {
		errs.Add(field, label+" is required.")
		return
	}
	if msg := Check(v, max, false); msg != "" {
		errs.Add(field, msg)
	}
}

// NormalizeEmail lower-cases and trims an address. Invalid UTF-8 is returned as typed:
// lower-casing would turn the bad bytes into U+FFFD, and Email must see them to refuse
// the address rather than store a different one.
func NormalizeEmail(v string) string {
	if !utf8.ValidString(v) {
		return v
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// Email checks an address: one plain addr-spec (no display name), with a dot in the
// domain, at most 254 characters.
func Email(errs Errors, field, v string) {
	switch {
	case v == "":
		errs.Add(field, "Email is required.")
		return
	case len(v) > 254:
		errs.Add(field, "Email is too long: at most 254 characters.")
		return
	}
	if msg := Check(v, 254, false); msg != "" {
		errs.Add(field, msg)
		return
	}
	a, err := mail.ParseAddress(v)
	at := strings.LastIndexByte(v, '@')
	if err != nil || a.Address != v || at < 1 || !strings.Contains(v[at+1:], ".") ||
		strings.HasSuffix(v, ".") || strings.ContainsAny(v, " <>\"") {
		errs.Add(field, "Enter an email address like name@example.com.")
	}
}
