package form

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
)

// KeyField is the hidden field in which every create form carries its one-time key.
const KeyField = "form_key"

// Key is a create form's one-time key (an idempotency key): random, chosen when the form
// is shown, claimed when it is sent (see Claim). Showing a form stores nothing; the same
// key sent twice creates one row, and the repeat gets the first answer's redirect.
type Key string

// NewKey returns a fresh key, 128 random bits in 22 URL-safe characters.
func NewKey() Key {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return Key(base64.RawURLEncoding.EncodeToString(b))
}

// ErrNoKey means a create form came without a usable key: a page from before keys, or a
// hand-made request. It is the user's to fix by reloading the form (answer 400).
var ErrNoKey = errors.New("form: no valid one-time key")

// Key lengths accepted: the key is the client's choice, but it must be one we could
// have made, so nothing odd reaches the table.
const (
	minKey = 16
	maxKey = 64
)

// KeyFrom returns the key a parsed form carries, or ErrNoKey when it is missing or not
// 16 to 64 characters of A-Z, a-z, 0-9, '-' and '_'.
func KeyFrom(r *http.Request) (Key, error) {
	k := r.PostFormValue(KeyField)
	if !validKey(k) {
		return "", ErrNoKey
	}
	return Key(k), nil
}

func validKey(k string) bool {
	if len(k) < minKey || len(k) > maxKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
