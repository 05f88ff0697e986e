package crm

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
	}{
		{"https://www.Acme.com/about", "acme.com", nil},
		{"acme.com", "acme.com", nil},
		{"ACME.COM.", "acme.com", nil},
		{"www.acme.com:443", "acme.com", nil},
		{"  http://acme.com?x=1#top ", "acme.com", nil},
		{"https://user:pw@Acme.com:8443/x", "acme.com", nil},
		{"//acme.com/path", "acme.com", nil},
		{"eu.shop.acme.co.uk", "eu.shop.acme.co.uk", nil},
		{"www2.acme.com", "www2.acme.com", nil},
		{"www.www.acme.com", "acme.com", nil},
		{"www.com", "www.com", nil},
		{"xn--bcher-kva.de", "xn--bcher-kva.de", nil},
		{"my-company.io", "my-company.io", nil},
		{"3m.com", "3m.com", nil},
		// International domains are stored in their ASCII form, whichever way typed.
		{"bücher.de", "xn--bcher-kva.de", nil},
		{"https://www.Bücher.DE/über-uns", "xn--bcher-kva.de", nil},
		{"bu\u0308cher.de", "xn--bcher-kva.de", nil}, // ü decomposed
		{"ｂüｃｈｅｒ．ｄｅ", "xn--bcher-kva.de", nil},       // full-width letters and dot
		{"straße.de", "xn--strae-oqa.de", nil},       // ß kept (non-transitional), not "strasse.de"
		{"日本語.jp", "xn--wgv71a119e.jp", nil},
		{"ｍｉｎｅ.com", "mine.com", nil},

		{"", "", ErrDomainInvalid},
		{"acme", "", ErrDomainInvalid},
		{"localhost", "", ErrDomainInvalid},
		{"http://", "", ErrDomainInvalid},
		{"10.0.0.1", "", ErrDomainInvalid},
		{"acme..com", "", ErrDomainInvalid},
		{"-acme.com", "", ErrDomainInvalid},
		{"acme-.com", "", ErrDomainInvalid},
		{"ac me.com", "", ErrDomainInvalid},
		{"acme.com:http", "", ErrDomainInvalid},
		{"acme.com:", "", ErrDomainInvalid},
		{"a_b.com", "", ErrDomainInvalid},
		{"<script>.com", "", ErrDomainInvalid},
		{"javascript:alert(1)", "", ErrDomainInvalid},
		{"1http://acme.com", "", ErrDomainInvalid},
		{"acme.com\x00", "", ErrDomainInvalid},
		{"bü cher.de", "", ErrDomainInvalid},
		{"ü-.de", "", ErrDomainInvalid},
		{"a\u200db.com", "", ErrDomainInvalid}, // a joiner where none may be
		{"aא.com", "", ErrDomainInvalid},       // right-to-left mixed into a left-to-right label
		{"münchen", "", ErrDomainInvalid},
		{strings.Repeat("a", 64) + ".com", "", ErrDomainInvalid},
		{strings.Repeat("abcdefgh.", 30) + "com", "", ErrDomainTooLong},
	}
	for _, tc := range tests {
		got, err := NormalizeDomain(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// The Unicode form is what pages show; ASCII domains are shown as they are.
func TestShowDomain(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]string{
		"xn--bcher-kva.de": "bücher.de", "xn--strae-oqa.de": "straße.de", "acme.com": "acme.com",
		"xn--80ak6aa92e.com": "аррӏе.com",   // shown, and the company page shows the ASCII form beside it
		"xn--zz--.de":        "xn--zz--.de", // not a label that decodes: as stored
	} {
		if got := ShowDomain(d); got != want {
			t.Errorf("ShowDomain(%q) = %q, want %q", d, got, want)
		}
	}
}

// A normalised domain is a fixed point: normalising it again changes nothing, it is
// always a plain lower-case ASCII host name, and normalising its shown form gives it
// back (the edit form shows that form).
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"https://www.Acme.com/about", "acme.com", "ACME.COM.", "www.acme.com:443", "a@b.c:1/x", "bücher.de", "www.x", "www.www.acme.com",
		"ｂüｃｈｅｒ．ｄｅ", "straße.de", "xn--zzz.de", "www.日本語.jp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizeDomain(s)
		if err != nil {
			if d != "" {
				t.Fatalf("NormalizeDomain(%q) = %q with error %v", s, d, err)
			}
			return
		}
		if len(d) > 253 || d != strings.ToLower(d) || strings.ContainsAny(d, ":/?#@ \t\r\n") || strings.HasSuffix(d, ".") {
			t.Fatalf("NormalizeDomain(%q) = %q: not a plain host name", s, d)
		}
		if !ascii(d) {
			t.Fatalf("NormalizeDomain(%q) = %q: not ASCII", s, d)
		}
		again, err := NormalizeDomain(d)
		if err != nil || again != d {
			t.Fatalf("NormalizeDomain(%q) = %q, but normalising that gives %q, %v", s, d, again, err)
		}
		if back, err := NormalizeDomain(ShowDomain(d)); err != nil || back != d {
			t.Fatalf("NormalizeDomain(%q) = %q, shown as %q, which normalises to %q, %v", s, d, ShowDomain(d), back, err)
		}
	})
}
