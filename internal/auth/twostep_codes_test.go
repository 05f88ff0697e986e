package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// A set of recovery codes: ten, distinct, two groups of five of Crockford's alphabet
// (50 bits each), each hash the hash of the code as typed back in any readable way.
func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes, hashes := newRecoveryCodes()
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		for _, typed := range []string{c, " " + c + " ", c[:5] + c[6:], strings.ToUpper(c)} {
			n, ok := recoveryCode(typed)
			if !ok || !bytes.Equal(recoveryCodeHash(n), hashes[i]) {
				t.Errorf("typed %q: %q, %v", typed, n, ok)
			}
		}
	}
	// Upper case, and the letters Crockford reads as digits.
	if n, ok := recoveryCode("IL0OA-BCDEF"); !ok || n != "1100abcdef" {
		t.Errorf("IL0OA-BCDEF: %q, %v", n, ok)
	}
	for _, bad := range []string{"", "123456", "abcde-abcd", "abcde-abcdeu", "abcde_abcde", "ábcde-abcde"} {
		if _, ok := recoveryCode(bad); ok {
			t.Errorf("%q taken for a recovery code", bad)
		}
	}
}

// Codes from an app match within one step either side and say which step; further off
// or malformed they do not.
func TestMatchStep(t *testing.T) {
	t.Parallel()
	raw := newTOTPSecret()
	secret := base32NoPad.EncodeToString(raw)
	now := time.Unix(1_800_000_015, 0)
	for off := int64(-2); off <= 2; off++ {
		code, err := totp.GenerateCode(secret, now.Add(time.Duration(off)*totpPeriod*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		step, ok := matchStep(raw, code, now)
		if want := off >= -1 && off <= 1; ok != want || (ok && step != now.Unix()/totpPeriod+off) {
			t.Errorf("offset %d steps: step %d, %v", off, step, ok)
		}
	}
	for _, typed := range []string{"123 456", "123-456", " 123456 "} {
		if c, ok := totpCode(typed); !ok || c != "123456" {
			t.Errorf("totpCode(%q) = %q, %v", typed, c, ok)
		}
	}
	for _, bad := range []string{"12345", "1234567", "12345a", "١٢٣٤٥٦"} {
		if _, ok := totpCode(bad); ok {
			t.Errorf("totpCode(%q) accepted", bad)
		}
	}
}
