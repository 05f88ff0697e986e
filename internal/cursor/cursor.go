// Package cursor is the one codec of keyset paging cursors: the opaque "after" (or
// "before") value a list's page link carries, holding the last row's sort key and id.
//
// A cursor is a short list of typed fields (times, integers, text, UUIDs), encoded as a
// version byte and the fields, each a kind byte and its payload, in base64url without
// padding. Every field is checked when read back: times lie in 0001..9999 (what Go
// formats and Postgres's timestamptz reads without surprises), texts are valid UTF-8
// without NUL, UUIDs have 16 bytes, and the encoding is canonical (a cursor decodes only
// if it re-encodes to itself). Anything else, however it got into the link, is
// ErrInvalid, which handlers answer with a 400 page: a doctored cursor never reaches the
// database.
package cursor

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/db"
)

// ErrInvalid is every decoding error: the cursor is malformed, out of range, or not of
// the list's shape. Answer it with 400.
var ErrInvalid = errors.New("cursor: malformed or out of range")

// ErrValue means Encode was given a value no cursor holds (a time out of range, text
// that is not valid UTF-8, a malformed UUID): the caller's bug or the database's, never
// the visitor's.
var ErrValue = errors.New("cursor: a value no cursor holds")

// Kind is a field's type.
type Kind byte

// The kinds of fields a cursor holds.
const (
	KindTime   Kind = 1 // a time with microsecond precision
	KindNoTime Kind = 2 // the absence of a time (a NULL or 'infinity' in the sort key)
	KindInt    Kind = 3 // a signed 64-bit integer
	KindText   Kind = 4 // UTF-8 text without NUL, at most MaxText bytes
	KindUUID   Kind = 5 // a UUID
)

// version is the first byte of every cursor; a change of layout takes the next one.
const version = 1

// Bounds of what a cursor carries.
const (
	MaxText   = 4096 // bytes of one text field
	maxFields = 8
	maxLen    = 8192 // characters of an encoded cursor
)

// MinTime and MaxTime bound a time field: years 1 to 9999 in UTC.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// Value is one field of a cursor.
type Value struct {
	Kind Kind
	Time time.Time // KindTime, in UTC, whole microseconds
	Int  int64     // KindInt
	Text string    // KindText; KindUUID in its lowercase 36-character form
}

// Time is a time field (kept to the microsecond, as Postgres keeps it).
func Time(t time.Time) Value {
	return Value{Kind: KindTime, Time: time.UnixMicro(t.UnixMicro()).UTC()}
}

// OptTime is a time field, or a KindNoTime field when t is nil.
func OptTime(t *time.Time) Value {
	if t == nil {
		return Value{Kind: KindNoTime}
	}
	return Time(*t)
}

// Int is an integer field.
func Int(n int64) Value { return Value{Kind: KindInt, Int: n} }

// Text is a text field.
func Text(s string) Value { return Value{Kind: KindText, Text: s} }

// UUID is a UUID field, given in its 36-character form (either case).
func UUID(s string) Value { return Value{Kind: KindUUID, Text: strings.ToLower(s)} }

var b64 = base64.RawURLEncoding.Strict()

// Encode is the cursor of the fields. It fails (ErrValue) only for a value no cursor
// may hold: a time out of range, text that is not valid UTF-8 or too long, a malformed
// UUID, no fields or too many.
func Encode(vals ...Value) (string, error) {
	s, ok := encode(vals)
	if !ok {
		return "", ErrValue
	}
	return s, nil
}

func encode(vals []Value) (string, bool) {
	if len(vals) == 0 || len(vals) > maxFields {
		return "", false
	}
	b := []byte{version}
	for _, v := range vals {
		b = append(b, byte(v.Kind))
		switch v.Kind {
		case KindTime:
			if v.Time.Before(MinTime) || v.Time.After(MaxTime) {
				return "", false
			}
			b = binary.AppendVarint(b, v.Time.UnixMicro())
		case KindNoTime:
		case KindInt:
			b = binary.AppendVarint(b, v.Int)
		case KindText:
			if !validText(v.Text) {
				return "", false
			}
			b = binary.AppendUvarint(b, uint64(len(v.Text)))
			b = append(b, v.Text...)
		case KindUUID:
			u, ok := db.ParseUUID(v.Text)
			if !ok {
				return "", false
			}
			b = append(b, u[:]...)
		default:
			return "", false
		}
	}
	return b64.EncodeToString(b), true
}

// Decode reads a cursor's fields. Every failure is ErrInvalid.
func Decode(s string) ([]Value, error) {
	if s == "" || len(s) > maxLen {
		return nil, ErrInvalid
	}
	b, err := b64.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != version {
		return nil, ErrInvalid
	}
	b = b[1:]
	var vals []Value
	for len(b) > 0 {
		if len(vals) == maxFields {
			return nil, ErrInvalid
		}
		k := Kind(b[0])
		b = b[1:]
		v := Value{Kind: k}
		switch k {
		case KindTime:
			us, n := binary.Varint(b)
			if n <= 0 || us < MinTime.UnixMicro() || us > MaxTime.UnixMicro() {
				return nil, ErrInvalid
			}
			v.Time, b = time.UnixMicro(us).UTC(), b[n:]
		case KindNoTime:
		case KindInt:
			i, n := binary.Varint(b)
			if n <= 0 {
				return nil, ErrInvalid
			}
			v.Int, b = i, b[n:]
		case KindText:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > MaxText || l > uint64(len(b)-n) {
				return nil, ErrInvalid
			}
			v.Text, b = string(b[n:n+int(l)]), b[n+int(l):]
			if !validText(v.Text) {
				return nil, ErrInvalid
			}
		case KindUUID:
			if len(b) < 16 {
				return nil, ErrInvalid
			}
			v.Text, b = db.FormatUUID([16]byte(b[:16])), b[16:]
		default:
			return nil, ErrInvalid
		}
		vals = append(vals, v)
	}
	// One spelling per cursor: a varint with redundant bytes reads like the short one,
	// so anything that does not re-encode to itself is refused.
	if again, ok := encode(vals); !ok || again != s {
		return nil, ErrInvalid
	}
	return vals, nil
}

func validText(s string) bool {
	return len(s) <= MaxText && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
