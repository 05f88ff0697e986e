package auth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"rapport/internal/testenv"
)

// The hashes in testdata/better-auth-hashes.jsonl were made by better-auth 1.7.25's own
// hashPassword (../shared/fixtures/seed-stack): each verifies with its password and the
// inputs better-auth also accepts (its NFKC normalisation), and refuses the ones it
// refuses.
func TestBetterAuthHashesVerify(t *testing.T) {
	f, err := os.Open("testdata/better-auth-hashes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := NewHasher(0)
	ctx := context.Background()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c struct {
			Password     string   `json:"password"`
			Hash         string   `json:"hash"`
			AlsoAccepted []string `json:"also_accepted"`
			Rejected     []string `json:"rejected"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		if !isBetterAuth(c.Hash) {
			t.Errorf("%q: not recognised as a Better Auth hash", c.Hash)
		}
		if !NeedsRehash(c.Hash) {
			t.Errorf("%q: a Better Auth hash must be rehashed", c.Hash)
		}
		for _, pw := range append([]string{c.Password}, c.AlsoAccepted...) {
			if ok, err := h.Verify(ctx, pw, c.Hash); err != nil || !ok {
				t.Errorf("%q against %s: %v, %v; want accepted", pw, c.Hash[:8], ok, err)
			}
		}
		for _, pw := range c.Rejected {
			if ok, err := h.Verify(ctx, pw, c.Hash); err != nil || ok {
				t.Errorf("%q against %s: %v, %v; want refused", pw, c.Hash[:8], ok, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Fatalf("read %d fixture hashes, want 6", n)
	}
}

// A stored hash in no known shape is refused with ErrUnknownHash (for the log), never
// a panic, whatever the password.
func TestUnknownHashFormatsAreRefused(t *testing.T) {
	h := NewHasher(0)
	for _, enc := range []string{
		"plain text password",
		"$2a$10$abcdefghijklmnopqrstuv",            // bcrypt
		"$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$a2V5", // argon2i
		"$argon2id$v=19$m=0,t=0,p=0$$",
		strings.Repeat("a", 32) + ":" + strings.Repeat("0", 127), // one short
		strings.Repeat("A", 32) + ":" + strings.Repeat("0", 128), // upper-case hex
		strings.Repeat("a", 32) + ";" + strings.Repeat("0", 128),
		":",
	} {
		ok, err := h.Verify(context.Background(), "plain text password", enc)
		if ok || !errors.Is(err, ErrUnknownHash) {
			t.Errorf("%q: got %v, %v; want refused with ErrUnknownHash", enc, ok, err)
		}
	}
}

// At start-up the hasher learns whether adopted hashes remain, so refusals cost both
// algorithms from the first request on; once every hash is argon2id, they do not.
func TestNoteAdoptedHashes(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	s := &Service{DB: d.DB, Hasher: NewHasher(1), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.NoteAdoptedHashes(ctx)
	if s.Hasher.legacy.Load() {
		t.Fatal("no adopted hash, yet the hasher pays for scrypt")
	}
	if _, err := d.DB.Exec(ctx, `INSERT INTO "user" (id, name, email) VALUES ('u1', 'U', 'u1@example.com');
		INSERT INTO account (id, account_id, provider_id, user_id, password)
		VALUES ('a1', 'u1', 'credential', 'u1', '87477d85a3eb362fb7394298736fe2a1:7eedb2d5290d6ed28f13e47ea8d1394b3df379cf7ca2f1d0ec0a809e76dd236af8a955650ccee303c51a35510164e14288a16a87041f55fb28adce108a0d2856')`); err != nil {
		t.Fatal(err)
	}
	s.NoteAdoptedHashes(ctx)
	if !s.Hasher.legacy.Load() {
		t.Fatal("an adopted hash remains, and the hasher does not know")
	}
}

// The sign-in's check turns an unknown format into a wrong password and a warning that
// names the user, for whoever runs Rapport.
func TestUnknownHashIsLogged(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	s := &Service{Hasher: NewHasher(1), Log: slog.New(slog.NewTextHandler(&buf, nil))}
	ok, err := s.verifyPassword(context.Background(), "secret", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "user_42")
	if ok || err != nil {
		t.Fatalf("got %v, %v; want a plain refusal", ok, err)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "unknown format") || !strings.Contains(buf.String(), "user_42") {
		t.Fatalf("log: %q", buf.String())
	}
}
