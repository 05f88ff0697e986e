package auth

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes session data compactly. Every page view decodes its session, and
// scs's default (gob) builds a decoder and its type information each time: a tenth of
// the server's CPU on a cheap page. A session holds a few strings and integers, which
// this format writes directly:
//
//	0x00 'R' 0x01                  header (a gob stream never starts with a zero byte)
//	varint                         deadline, Unix nanoseconds
//	uvarint                        number of values
//	per value: uvarint len, key; one tag byte; the value:
//	  's' uvarint len, bytes       string
//	  'i' varint                   int
//	  'I' varint                   int64
//	  'b' 0 or 1                   bool
//
// A value of any other type makes Encode fall back to gob for that session, and Decode
// reads gob when the header is missing (sessions saved before this codec), so no session
// is ever lost to the format.
type sessionCodec struct{}

var sessionHeader = [3]byte{0x00, 'R', 0x01}

var errSessionData = errors.New("session data: malformed")

// Encode implements scs.Codec.
func (sessionCodec) Encode(deadline time.Time, values map[string]interface{}) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, sessionHeader[:]...)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case string:
			b = append(b, 's')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int:
			b = append(b, 'i')
			b = binary.AppendVarint(b, int64(v))
		case int64:
			b = append(b, 'I')
			b = binary.AppendVarint(b, v)
		case bool:
			b = append(b, 'b')
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		default:
			return scs.GobCodec{}.Encode(deadline, values)
		}
	}
	return b, nil
}

// Decode implements scs.Codec.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	if len(b) < len(sessionHeader) || [3]byte(b[:3]) != sessionHeader {
		return scs.GobCodec{}.Decode(b)
	}
	r := sessionReader{b: b[len(sessionHeader):]}
	deadline := time.Unix(0, r.varint())
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) { // each value takes at least one byte
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]interface{}, n)
	for range n {
		k := r.string()
		switch r.byte() {
		case 's':
			values[k] = r.string()
		case 'i':
			values[k] = int(r.varint())
		case 'I':
			values[k] = r.varint()
		case 'b':
			switch r.byte() {
			case 0:
				values[k] = false
			case 1:
				values[k] = true
			default:
				r.err = errSessionData
			}
		default:
			r.err = errSessionData
		}
		if r.err != nil {
			return time.Time{}, nil, r.err
		}
	}
	if len(r.b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return deadline, values, nil
}

// sessionReader reads the format above; the first error sticks and zero values follow.
type sessionReader struct {
	b   []byte
	err error
}

func (r *sessionReader) fail() { r.err, r.b = errSessionData, nil }

func (r *sessionReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sessionReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
