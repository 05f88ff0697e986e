package form

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	good := []string{"a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "a_b-c@xn--bcher-kva.de",
		"x@123.example.org", strings.Repeat("a", 64) + "@example.com"}
	bad := []string{"", "plain", "@example.com", "a@", "a@localhost", "a@example.", "A <a@example.com>",
		"a b@example.com", "a@exa mple.com", "a\x00@example.com", "a\xff@example.com", strings.Repeat("a", 250) + "@example.com",
		`"quoted"@example.com`, "a@example.com\n", "a@b@example.com", ".a@example.com", "a.@example.com", "a..b@example.com",
		"a@-example.com", "a@example-.com", "a@example..com", "a@1.2.3.4", "a@[192.0.2.1]", "a(comment)@example.com",
		strings.Repeat("a", 65) + "@example.com", "a@" + strings.Repeat("b", 64) + ".com", "josé@example.es", "a@bücher.de",
		"a,b@example.com", "a;b@example.com", "a\u202e@example.com", "a\ufeff@example.com"}
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

// TestEmailRefusesURLAndHeaderSyntax: the atext RFC 5322 allows but nobody types is
// refused, each with the character named. On af25b2d mail.ParseAddress accepted all of
// them, "boss?cc=attacker@evil.example&body=..." included, and the contact page's
// mailto: link carried the cc.
func TestEmailRefusesURLAndHeaderSyntax(t *testing.T) {
	t.Parallel()
	errs := Errors{}
	Email(errs, "email", "boss?cc=attacker@evil.example&body=hi")
	if want := "Enter an email address like name@example.com: “?” cannot be part of one."; errs["email"] != want {
		t.Errorf("got %q, want %q", errs["email"], want)
	}
	for _, c := range "!#$%&*/=?^`{|}~" {
		errs := Errors{}
		v := "a" + string(c) + "b@example.com"
		if Email(errs, "email", v); !strings.Contains(errs["email"], "“"+string(c)+"”") {
			t.Errorf("%q: got %q", v, errs["email"])
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
		// Invisible and control characters (issue 9, defect 12).
		{"\ufeff", 100, false, false},
		{"\u202e", 100, false, false},
		{"\u0085", 100, false, false},
		{"\u007f", 100, false, false},
		{"a\u0085b", 100, true, false},
		{"a\u007fb", 100, true, false},
		{"invoice\u202etxt.exe", 100, true, false},
		{"a\u2066b\u2069", 100, true, false},
		{"a\u200bb", 100, false, false},
		{"a\u200bb", 100, true, true},    // pasted from mail
		{"\ufeffHello", 100, true, true}, // a byte order mark at the start of a paste
		{"soft\u00adhyphen", 100, true, true},
		{"soft\u00adhyphen", 100, false, false},
		{"a\u2028b", 100, false, false},
		{"a\u2028b", 100, true, true},
		{"a\u2061b", 100, true, false}, // invisible function application
		{"\u00a0no-break\u00a0space", 100, false, true},
		{"👩\u200d💻 می\u200cخواهم", 100, false, true}, // ZWJ in emoji, ZWNJ in Persian
		{"\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 100, false, true}, // the flag of Scotland
		{"a\U000E0041\U000E0042", 100, true, false},                                                  // tags outside a flag: hidden ASCII
		{"\U0001F3F4\U000E0067\U000E0062", 100, false, false},                                        // a flag sequence that does not end
		{"\u3164", 100, false, false},                                                                // a Hangul filler alone
		{"\u2800", 100, false, false},                                                                // braille blank alone
		{"\u0301", 100, false, false},                                                                // a combining mark alone
		{"\u200d\u200c\u200e", 100, false, false},                                                    // allowed, and nothing to see
		{"\u200b \ufeff", 100, true, false},
		{"", 100, false, true},
	}
	for _, c := range cases {
		if got := Check(c.v, c.max, c.multiline) == ""; got != c.ok {
			t.Errorf("Check(%+q, %d, %v): ok=%v, want %v (%s)", c.v, c.max, c.multiline, got, c.ok, Check(c.v, c.max, c.multiline))
		}
	}
}

func TestRequiredRefusesInvisibleValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"\ufeff", "\u202e", "\u0085", "\u007f", "\u200b", "\u3164"} {
		errs := Errors{}
		if Required(errs, "subject", v, "Subject", 200); errs.OK() {
			t.Errorf("%+q accepted", v)
		}
	}
}

// TestCleanComposes: NFD as typed becomes NFC; invalid UTF-8 stays for Check to refuse.
func TestCleanComposes(t *testing.T) {
	t.Parallel()
	if got := Clean("Cafe\u0301"); got != "Caf\u00e9" {
		t.Errorf("got %+q", got)
	}
	if got := Clean("bad \xff"); got != "bad \xff" {
		t.Errorf("invalid UTF-8 was rewritten to %q", got)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("name=+Cafe%CC%81+&body=+e%CC%81%0A"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := Text(r, "name"); got != "Caf\u00e9" {
		t.Errorf("Text: %+q", got)
	}
	if got := Body(r, "body"); got != " \u00e9\n" {
		t.Errorf("Body: %+q", got)
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
// UTF-8 without NUL, control or direction characters (nor, single-line, the invisible
// ones allowed in bodies), shows something, and is within the limit.
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
		visible := v == ""
		for _, r := range v {
			if unicode.Is(unicode.Cc, r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
				t.Fatalf("accepted control character in %+q", v)
			}
			if r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || !multiline && (r == 0xFEFF || r == 0x200B || r == 0x2028) {
				t.Fatalf("accepted an invisible character in %+q", v)
			}
			visible = visible || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
		}
		if !visible {
			t.Fatalf("accepted %+q, which shows nothing", v)
		}
	})
}

// FuzzEmail: an accepted address is normalised, one plain addr-spec with a dotted domain,
// without the characters that mean something in a URL or a header.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "A@B.C", "x", "a@b", "\"a\"@b.com", "a@b.com>", "é@example.com", "boss?cc=x@evil.example&body=y", "a%b@c.com"} {
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
		if at < 1 || !strings.Contains(n[at+1:], ".") || strings.ContainsAny(n, " <>\"\r\n\x00?&%#=,;/") || len(n) > 254 || !utf8.ValidString(n) {
			t.Fatalf("accepted %q", n)
		}
	})
}
