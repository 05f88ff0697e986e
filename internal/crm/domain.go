package crm

import (
	"errors"
	"strings"

	"golang.org/x/net/idna"
)

// The messages NormalizeDomain returns, shown beside the domain field as they are.
var (
	ErrDomainInvalid = errors.New("Enter a web domain like acme.com (a full address such as https://www.acme.com/about works too).")
	ErrDomainTooLong = errors.New("That domain is too long: at most 253 characters.")
)

// International domains are stored in their ASCII form (IDNA's A-labels: bücher.de is
// xn--bcher-kva.de) and shown in their Unicode form (ShowDomain). The ASCII form is the
// one spelling of a name: Unicode has several for it (Bücher.de, a decomposed ü, full-
// width letters), which IDNA's mapping folds into one A-label, so companies_domain_unique
// keeps de-duplicating without a second column or a migration. It is also what the rows
// already hold (the form asked for it until now, and the seeds and CSV files use it), so
// an import in either form finds the same company, and it is what DNS, mail and links use.

// NormalizeDomain reduces what people paste for a company's web site to the domain that
// companies are de-duplicated on: "https://www.Acme.com/about", "acme.com", "ACME.COM."
// and "www.acme.com:443" are all "acme.com". The scheme, user info, port, path, query,
// fragment, trailing dot and leading "www." go; the rest must be a host name of two
// or more labels of letters, digits and hyphens (no IP addresses, no "localhost").
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrDomainInvalid
	}
	if i := strings.Index(s, "://"); i >= 0 {
		if !isScheme(s[:i]) {
			return "", ErrDomainInvalid
		}
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if host, port, ok := strings.Cut(s, ":"); ok {
		if port == "" || len(port) > 5 || !digits(port) {
			return "", ErrDomainInvalid
		}
		s = host
	}
	if !ascii(s) {
		// UTS 46 for lookups, as browsers do: maps case and width, keeps ß and ς
		// (non-transitional), and refuses what no domain may hold.
		a, err := idna.Lookup.ToASCII(s)
		if err != nil || !ascii(a) {
			return "", ErrDomainInvalid
		}
		s = a
	}
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	for {
		rest, ok := strings.CutPrefix(s, "www.")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		s = rest
	}
	if len(s) > 253 {
		return "", ErrDomainTooLong
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "", ErrDomainInvalid
	}
	for _, l := range labels {
		if !isLabel(l) {
			return "", ErrDomainInvalid
		}
	}
	if digits(labels[len(labels)-1]) {
		return "", ErrDomainInvalid
	}
	return s, nil
}

// ShowDomain is a stored domain as people read it: its Unicode form (bücher.de for
// xn--bcher-kva.de), or the domain as stored when an A-label does not decode to a form
// that normalises back to it. The edit form shows this form, so saving it unchanged
// keeps the domain.
func ShowDomain(d string) string {
	if !strings.Contains(d, "xn--") {
		return d
	}
	u, err := idna.Display.ToUnicode(d)
	if err != nil {
		return d
	}
	if back, err := NormalizeDomain(u); err != nil || back != d {
		return d
	}
	return u
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// isLabel reports whether l is a lower-case DNS label: 1 to 63 letters, digits and
// hyphens, not starting or ending with a hyphen.
func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
