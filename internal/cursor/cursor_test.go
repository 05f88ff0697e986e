package cursor

import (
	"encoding/base64"
	"errors"
	"math"
	"testing"
	"time"

	"rapport/internal/db"
)

const id = "0b5e6d3c-1111-4222-8333-944455556666"

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.FixedZone("CET", 3600))
	for _, vals := range [][]Value{
		{Time(at), UUID(id)},
		{Time(MinTime), Time(MaxTime), UUID(id)},
		{Int(3), OptTime(nil), UUID(id)},
		{Int(math.MinInt64), Int(math.MaxInt64), Text(""), Text("jane doe ü 🙂")},
		{UUID("0B5E6D3C-1111-4222-8333-944455556666")},
	} {
		s, err := Encode(vals...)
		if err != nil {
			t.Fatalf("encode %v: %v", vals, err)
		}
		got, err := Decode(s)
		if err != nil {
			t.Fatalf("decode %q: %v", s, err)
		}
		if !same(got, vals) {
			t.Errorf("round trip of %v: %v", vals, got)
		}
	}
}

func TestEncodeRefusesWhatNoCursorHolds(t *testing.T) {
	t.Parallel()
	long := make([]byte, MaxText+1)
	for i := range long {
		long[i] = 'a'
	}
	for name, vals := range map[string][]Value{
		"nothing":     nil,
		"year 0":      {Time(MinTime.Add(-time.Microsecond))},
		"year 10000":  {Time(MaxTime.Add(time.Microsecond))},
		"NUL":         {Text("a\x00b")},
		"not UTF-8":   {Text("\xff")},
		"too long":    {Text(string(long))},
		"bad uuid":    {UUID(id + "x")},
		"bad kind":    {{Kind: 9}},
		"many fields": {Int(1), Int(2), Int(3), Int(4), Int(5), Int(6), Int(7), Int(8), Int(9)},
	} {
		if s, err := Encode(vals...); !errors.Is(err, ErrValue) {
			t.Errorf("%s: encoded as %q, %v", name, s, err)
		}
	}
}

// The cursors the old desk encoding let through to Postgres (and a 500) are refused
// here, as are the usual forgeries.
func TestDecodeRefusesGarbage(t *testing.T) {
	t.Parallel()
	raw := func(b ...byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	good, _ := Encode(Time(time.Unix(0, 0)), UUID(id))
	for name, s := range map[string]string{
		"empty":          "",
		"old desk":       "-9223372036854775808_" + id,
		"old queue":      "0_-210866803200000000_" + id,
		"padding":        good + "=",
		"not base64":     "%%%",
		"version 0":      raw(0, byte(KindInt), 2),
		"no fields":      raw(version),
		"bad kind":       raw(version, 9),
		"short uuid":     raw(version, byte(KindUUID), 1, 2, 3),
		"short varint":   raw(version, byte(KindInt), 0x80),
		"long varint":    raw(version, byte(KindInt), 0x82, 0x00), // 1, spelled in two bytes
		"min int64 time": raw(append([]byte{version, byte(KindTime)}, varint(math.MinInt64)...)...),
		"text past end":  raw(version, byte(KindText), 5, 'a'),
		"text with NUL":  raw(version, byte(KindText), 1, 0),
		"text not UTF-8": raw(version, byte(KindText), 1, 0xff),
		"trailing bits":  good[:len(good)-1] + string(flipLow(good[len(good)-1])),
		"too long":       string(make([]byte, maxLen+1)),
	} {
		if v, err := Decode(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %q decoded as %v, %v", name, s, v, err)
		}
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, _ := Encode(Int(2), OptTime(&at), UUID(id))
	r := Read(s)
	if n, due, got := r.Int(0, 3), r.OptTime(), r.UUID(); r.Err() != nil || n != 2 || due == nil || !due.Equal(at) || got != id {
		t.Fatalf("read %d %v %q: %v", n, due, got, r.Err())
	}
	for name, read := range map[string]func(*Reader){
		"out of range": func(r *Reader) { r.Int(0, 1) },
		"wrong kind":   func(r *Reader) { r.Time() },
		"left over":    func(r *Reader) { r.Int(0, 3); r.OptTime() },
		"past the end": func(r *Reader) { r.Int(0, 3); r.OptTime(); r.UUID(); r.UUID() },
	} {
		r := Read(s)
		read(r)
		if !errors.Is(r.Err(), ErrInvalid) {
			t.Errorf("%s: %v", name, r.Err())
		}
	}
	if r := Read("x"); r.UUID() != "" || !errors.Is(r.Err(), ErrInvalid) {
		t.Error("garbage read")
	}
}

// FuzzDecode: Decode never panics; a cursor it accepts re-encodes to exactly itself;
// and fields built from the other inputs decode to themselves whenever they encode.
func FuzzDecode(f *testing.F) {
	good, _ := Encode(Time(time.Now()), UUID(id))
	f.Add(good, int64(0), int64(0), "", []byte(id))
	f.Add("-9223372036854775808_"+id, int64(math.MinInt64), int64(-1), "jane doe", []byte{1, 2})
	f.Add("AQMC", int64(253402300799999999), int64(math.MaxInt64), "\x00", []byte(nil))
	f.Fuzz(func(t *testing.T, s string, micros, n int64, text string, u []byte) {
		if vals, err := Decode(s); err == nil {
			again, err := Encode(vals...)
			if err != nil || again != s {
				t.Fatalf("%q decodes to %v, which encodes to %q, %v", s, vals, again, err)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%q: error %v is not ErrInvalid", s, err)
		}
		var b [16]byte
		copy(b[:], u)
		x := []Value{Time(time.UnixMicro(micros)), Int(n), Text(text), UUID(db.FormatUUID(b)), OptTime(nil)}
		enc, err := Encode(x...)
		if err != nil {
			return // a time or text no cursor holds
		}
		got, err := Decode(enc)
		if err != nil || !same(got, x) {
			t.Fatalf("%v encodes to %q, which decodes to %v, %v", x, enc, got, err)
		}
	})
}

func same(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || !a[i].Time.Equal(b[i].Time) || a[i].Int != b[i].Int || a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

func varint(n int64) []byte {
	var b [10]byte
	l := 0
	u := uint64(n)<<1 ^ uint64(n>>63)
	for u >= 0x80 {
		b[l] = byte(u) | 0x80
		u >>= 7
		l++
	}
	b[l] = byte(u)
	return b[:l+1]
}

// flipLow changes a base64url character's lowest bit (a padding bit of the last one).
func flipLow(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		if alphabet[i] == c {
			return alphabet[i^1]
		}
	}
	return c
}
