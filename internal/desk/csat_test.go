package desk

import (
	"strings"
	"testing"
)

func TestCSATSignature(t *testing.T) {
	key := CSATKey([]byte(strings.Repeat("k", 32)))
	if CSATKey(nil) != nil || len(key) != 32 || string(key) == strings.Repeat("k", 32) {
		t.Fatalf("derived key %x", key)
	}
	id := "0b5e6d3c-1111-4222-8333-944455556666"
	good := csatSignature(key, id, "good")
	if !csatValid(key, id, "good", good) {
		t.Fatal("its own signature is refused")
	}
	other := CSATKey([]byte(strings.Repeat("j", 32)))
	for _, c := range []struct {
		key             []byte
		id, rating, sig string
	}{
		{key, id, "bad", good},
		{key, "0b5e6d3c-1111-4222-8333-944455556667", "good", good},
		{key, id, "good", good[:len(good)-1]},
		{key, id, "great", csatSignature(key, id, "great")},
		{other, id, "good", good},
		{nil, id, "good", csatSignature(nil, id, "good")},
	} {
		if csatValid(c.key, c.id, c.rating, c.sig) {
			t.Errorf("accepted %q for %s %s", c.sig, c.id, c.rating)
		}
	}
}

func TestRefRange(t *testing.T) {
	for _, c := range []struct{ in, lo, hi string }{
		{"#0B5E6D3C", "0b5e6d3c-0000-0000-0000-000000000000", "0b5e6d3c-ffff-ffff-ffff-ffffffffffff"},
		{" 0b5e6d3c ", "0b5e6d3c-0000-0000-0000-000000000000", "0b5e6d3c-ffff-ffff-ffff-ffffffffffff"},
		{"https://x.test/desk/tickets/0b5e6d3c-1111-4222-8333-944455556666#m-1", "0b5e6d3c-1111-4222-8333-944455556666", "0b5e6d3c-1111-4222-8333-944455556666"},
	} {
		lo, hi, ok := refRange(c.in)
		if !ok || lo != c.lo || hi != c.hi {
			t.Errorf("refRange(%q) = %q, %q, %v", c.in, lo, hi, ok)
		}
	}
	for _, bad := range []string{"", "#0b5e6d3", "#0b5e6d3cz", "0b5e6d3c'--", "#g0000000"} {
		if _, _, ok := refRange(bad); ok {
			t.Errorf("refRange(%q) accepted", bad)
		}
	}
}
