package auth

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// A signed-in session as Rapport writes it, with a pending flash.
func typicalSession() map[string]interface{} {
	return map[string]interface{}{
		keyUID: "0b0f6c9e-2f7a-4c1e-9d6b-5b1d3f2a8c71", keyVersion: 3, keySeen: int64(1795000000),
		"flash_kind": "ok", "flash_msg": "Reply sent; the ticket is pending.",
	}
}

func TestSessionCodecRoundTripKeepsTypes(t *testing.T) {
	deadline := time.Date(2026, 11, 30, 12, 0, 0, 123, time.UTC)
	values := typicalSession()
	values["remember"] = true
	values["off"] = false
	values[""] = "" // empty key and value
	values["neg"] = -42
	values["nul\x00key"] = "quote ' \" and NUL \x00 and invalid \xff utf-8"
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0 || b[1] != 'R' {
		t.Fatalf("not the compact format: % x", b[:3])
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) {
		t.Errorf("deadline %s, want %s", gotDeadline, deadline)
	}
	// DeepEqual compares dynamic types too: an int must come back an int, not an int64.
	if !reflect.DeepEqual(got, values) {
		t.Errorf("values\n got %#v\nwant %#v", got, values)
	}
}

// Sessions saved before the compact codec were gob; they must still load.
func TestSessionCodecReadsGob(t *testing.T) {
	deadline := time.Now().Add(time.Hour).Round(0)
	b, err := scs.GobCodec{}.Encode(deadline, typicalSession())
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, typicalSession()) {
		t.Errorf("gob session decoded as %s %#v", gotDeadline, got)
	}
}

// A value the format does not know is not dropped: the whole session goes to gob.
func TestSessionCodecFallsBackToGob(t *testing.T) {
	values := typicalSession()
	values["ratio"] = 0.25 // a float64, which gob knows and this format does not
	b, err := sessionCodec{}.Encode(time.Now(), values)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] == 0 {
		t.Fatal("a float was written in the compact format")
	}
	_, got, err := sessionCodec{}.Decode(b)
	if err != nil || !reflect.DeepEqual(got, values) {
		t.Fatalf("fallback round trip: %v %#v", err, got)
	}
}

func TestSessionCodecRejectsMalformedData(t *testing.T) {
	good, err := sessionCodec{}.Encode(time.Now(), typicalSession())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"header only":      sessionHeader[:],
		"truncated":        good[:len(good)-1],
		"trailing bytes":   append(append([]byte{}, good...), 0),
		"huge count":       append(append([]byte{}, sessionHeader[:]...), 0, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"unknown tag":      append(append([]byte{}, sessionHeader[:]...), 0, 1, 1, 'k', 'x', 0),
		"bad bool":         append(append([]byte{}, sessionHeader[:]...), 0, 1, 1, 'k', 'b', 2),
		"string too long":  append(append([]byte{}, sessionHeader[:]...), 0, 1, 1, 'k', 's', 9, 'a'),
		"empty, not gob":   {},
		"garbage, not gob": {0x01, 0x02, 0x03},
	}
	for name, b := range cases {
		if _, _, err := (sessionCodec{}).Decode(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func FuzzSessionCodec(f *testing.F) {
	good, _ := sessionCodec{}.Encode(time.Unix(1795000000, 0), typicalSession())
	old, _ := scs.GobCodec{}.Encode(time.Unix(1795000000, 0), typicalSession())
	f.Add(good)
	f.Add(old)
	f.Add([]byte{0, 'R', 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		deadline, values, err := sessionCodec{}.Decode(b)
		if err != nil || len(b) < 3 || b[0] != 0 {
			return
		}
		again, err := sessionCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		d2, v2, err := sessionCodec{}.Decode(again)
		if err != nil || !d2.Equal(deadline) || !reflect.DeepEqual(v2, values) {
			t.Fatalf("round trip changed the session: %v %#v -> %#v", err, values, v2)
		}
	})
}

func BenchmarkSessionDecode(b *testing.B) {
	deadline := time.Now().Add(time.Hour)
	for _, c := range []struct {
		name  string
		codec scs.Codec
	}{{"gob", scs.GobCodec{}}, {"compact", sessionCodec{}}} {
		data, err := c.codec.Encode(deadline, typicalSession())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.codec.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
