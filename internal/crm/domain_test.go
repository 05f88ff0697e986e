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
		{"bücher.de", "", ErrDomainASCII},
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

// A normalised domain is a fixed point: normalising it again changes nothing, and it is
// always a plain lower-case host name.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"https://www.Acme.com/about", "acme.com", "ACME.COM.", "www.acme.com:443", "a@b.c:1/x", "bücher.de", "www.x", "www.www.acme.com"} {
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
		again, err := NormalizeDomain(d)
		if err != nil || again != d {
			t.Fatalf("NormalizeDomain(%q) = %q, but normalising that gives %q, %v", s, d, again, err)
		}
	})
}
