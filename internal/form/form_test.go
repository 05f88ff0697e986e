package form

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	good := []string{"a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie"}
	bad := []string{"", "plain", "@example.com", "a@", "a@localhost", "a@example.", "A <a@example.com>",
		"a b@example.com", "a@exa mple.com", "a\x00@example.com", "a\xff@example.com", strings.Repeat("a", 250) + "@example.com",
		`"quoted"@example.com`, "a@example.com\n"}
	for _, v := range good {
		errs := Errors{}
		Email(errs, "email", NormalizeEmail(v))
		if !errs.OK() {
			t.Errorf("%q refused: %s", v, errs["email"])
		}
	}
	for _, v := range bad {
		errs := Errors{}
		Email(errs, "email", v)
		if errs.OK() {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestNormalizeEmailKeepsInvalidUTF8ForTheCheck(t *testing.T) {
	t.Parallel()
	if got := NormalizeEmail("  Ann@Example.COM "); got != "ann@example.com" {
		t.Errorf("got %q", got)
	}
	if got := NormalizeEmail("A\xffb@example.com"); got != "A\xffb@example.com" {
		t.Errorf("invalid UTF-8 was rewritten to %q", got)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v         string
		max       int
		multiline bool
		ok        bool
	}{
		{`O'Brien "\" <b>x</b> $1 -- ; DROP TABLE`, 100, false, true},
		{"مرحبا \u200f right-to-left", 100, false, true},
		{"line one\nline two", 100, true, true},
		{"line one\nline two", 100, false, false},
		{"nul\x00byte", 100, true, false},
		{"bad \xff utf8", 100, false, false},
		{"bell\a", 100, true, false},
		{strings.Repeat("é", 10), 10, false, true},
		{strings.Repeat("é", 11), 10, false, false},
	}
	for _, c := range cases {
		if got := Check(c.v, c.max, c.multiline) == ""; got != c.ok {
			t.Errorf("Check(%q, %d, %v): ok=%v, want %v", c.v, c.max, c.multiline, got, c.ok)
		}
	}
}

func TestParseRefusesOversizedBodies(t *testing.T) {
	t.Parallel()
	body := "name=" + strings.Repeat("x", MaxBody)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	err := Parse(httptest.NewRecorder(), r)
	if Status(err) != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %v (status %d)", err, Status(err))
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("name=%zz"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := Parse(httptest.NewRecorder(), r); err == nil || Status(err) != http.StatusBadRequest {
		t.Fatalf("malformed body: %v", err)
	}
}

// FuzzCheck: whatever the input, Check never panics, and what it accepts is valid
// UTF-8 without NUL or (single-line) control characters, within the limit.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00b", "\xff", "tab\there", "new\nline", `<script>alert(1)</script>`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, v string, multiline bool) {
		if Check(v, 64, multiline) != "" {
			return
		}
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > 64 {
			t.Fatalf("accepted %q", v)
		}
		for _, r := range v {
			if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
				t.Fatalf("accepted control character in %q", v)
			}
		}
	})
}

// FuzzEmail: an accepted address is normalised, one plain addr-spec with a dotted domain.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "A@B.C", "x", "a@b", "\"a\"@b.com", "a@b.com>", "é@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n := NormalizeEmail(v)
		errs := Errors{}
		Email(errs, "email", n)
		if !errs.OK() {
			return
		}
		at := strings.LastIndexByte(n, '@')
		if at < 1 || !strings.Contains(n[at+1:], ".") || strings.ContainsAny(n, " <>\"\r\n\x00") || len(n) > 254 || !utf8.ValidString(n) {
			t.Fatalf("accepted %q", n)
		}
	})
}
