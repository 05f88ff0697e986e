package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

func TestHashUsesTheCurrentParametersAndVerifies(t *testing.T) {
	h := NewHasher(1)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=12288,t=3,p=1$") {
		t.Fatalf("hash %q does not carry the current parameters", hash)
	}
	if NeedsRehash(hash) {
		t.Errorf("a fresh hash needs a rehash")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horse ": false, "": false} {
		ok, err := h.Verify(ctx, pw, hash)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

// Hashes stored before the switch to 12 MiB × 3 passes were 19 MiB × 2 passes: they
// must keep verifying, since the parameters travel in the hash.
func TestHashWithEarlierParametersStillVerifies(t *testing.T) {
	salt := []byte("0123456789abcdef")
	old := encode(19*1024, 2, 1, salt, argon2.IDKey([]byte("s3cret"), salt, 2, 19*1024, 1, 32))
	h := NewHasher(1)
	ok, err := h.Verify(context.Background(), "s3cret", old)
	if err != nil || !ok {
		t.Fatalf("Verify(old hash) = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(context.Background(), "S3cret", old); ok {
		t.Fatal("the wrong password verified against an old hash")
	}
	// Fewer passes than today's: flagged, though OWASP counts the two as equivalent.
	if !NeedsRehash(old) {
		t.Error("a 2-pass hash is not flagged for rehashing")
	}
}

func TestVerifyOfAnUnknownUserIsFalse(t *testing.T) {
	ok, err := NewHasher(1).Verify(context.Background(), "anything", "")
	if err != nil || ok {
		t.Fatalf("Verify(unknown) = %v, %v; want false, nil", ok, err)
	}
}

// A hasher whose slots stay taken until the request gives up answers ErrHasherBusy, and
// that error is back-pressure (Busy), so httpx answers 503 with Retry-After (issue 9,
// defect 13; httpx's TestBusyErrorsAnswer503WithRetryAfter shows the page).
func TestHasherBusyIsBackPressure(t *testing.T) {
	h := NewHasher(1)
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := h.Verify(ctx, "correct horse", "")
	if !errors.Is(err, ErrHasherBusy) {
		t.Fatalf("Verify with every slot taken: %v, want ErrHasherBusy", err)
	}
	var b interface{ Busy() bool }
	if !errors.As(err, &b) || !b.Busy() {
		t.Errorf("ErrHasherBusy does not report Busy()")
	}
}
