package db

import "github.com/google/uuid"

// NewUUID returns a random (version 4) UUID in its text form, for a row whose id the
// code must know before the insert: a create form's answer (the new row's page) is
// stored with the form's one-time key in the same statement (form.Claim).
func NewUUID() string { return uuid.NewString() }

// ParseUUID reads a UUID in its 36-character form (8-4-4-4-12 hex digits, either case)
// and nothing else: not the braced, URN or 32-digit spellings uuid.Parse also takes, so
// that one id has one spelling in a URL or a cursor.
func ParseUUID(s string) ([16]byte, bool) {
	if len(s) != 36 {
		return [16]byte{}, false
	}
	u, err := uuid.Parse(s)
	return u, err == nil
}

// ValidUUID reports whether s is a UUID in its 36-character form, so that a mangled id
// in a URL is a 404 rather than a database error.
func ValidUUID(s string) bool {
	_, ok := ParseUUID(s)
	return ok
}

// FormatUUID is the 36-character lower-case form of u.
func FormatUUID(u [16]byte) string { return uuid.UUID(u).String() }
