package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
)

func newBox(t *testing.T) *Box {
	t.Helper()
	key := make([]byte, KeySize)
	_, _ = rand.Read(key)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A sealed value opens for its purpose under its key, and for nothing else: another
// purpose, another key, a flipped bit anywhere, a cut value or an unknown version all
// fail with ErrOpen. (Opening with the purpose ignored, as a first draft did, made the
// "another purpose" case fail.)
func TestSealOpen(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	plain := []byte("JBSWY3DPEHPK3PXP")
	sealed := b.Seal(plain, "twostep:u1")
	if sealed[0] != 1 {
		t.Errorf("version byte %d, want 1", sealed[0])
	}
	if bytes.Contains(sealed, plain) {
		t.Error("the sealed value contains the plaintext")
	}
	if again := b.Seal(plain, "twostep:u1"); bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	got, err := b.Open(sealed, "twostep:u1")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q, %v", got, err)
	}
	bad := map[string][]byte{"empty": nil, "version only": sealed[:1], "cut": sealed[:len(sealed)-1]}
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		bad[fmt.Sprintf("byte %d flipped", i)] = c
	}
	for name, v := range bad {
		if _, err := b.Open(v, "twostep:u1"); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	if _, err := b.Open(sealed, "twostep:u2"); !errors.Is(err, ErrOpen) {
		t.Errorf("another purpose: %v, want ErrOpen", err)
	}
	if _, err := newBox(t).Open(sealed, "twostep:u1"); !errors.Is(err, ErrOpen) {
		t.Errorf("another key: %v, want ErrOpen", err)
	}
}

func TestNewRefusesAShortKey(t *testing.T) {
	t.Parallel()
	if _, err := New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

// SECRET_KEY's forms: base64 in either alphabet, padded or not; anything else, or
// another length, is refused without the value in the message.
func TestParseKey(t *testing.T) {
	t.Parallel()
	key := make([]byte, KeySize)
	_, _ = rand.Read(key)
	for _, s := range []string{base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key),
		" " + base64.StdEncoding.EncodeToString(key) + "\n"} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(key[:16]), "hunter2hunter2"} {
		_, err := ParseKey(s)
		if err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		} else if s != "" && bytes.Contains([]byte(err.Error()), []byte(s)) {
			t.Errorf("ParseKey's error repeats the value: %v", err)
		}
	}
}
