package crm

import (
	"errors"
	"strings"
)

// The messages NormalizeDomain returns, shown beside the domain field as they are.
var (
	ErrDomainInvalid = errors.New("Enter a web domain like acme.com (a full address such as https://www.acme.com/about works too).")
	ErrDomainASCII   = errors.New("Enter the domain in its ASCII form, like xn--bcher-kva.de for bücher.de.")
	ErrDomainTooLong = errors.New("That domain is too long: at most 253 characters.")
)

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
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", ErrDomainASCII
		}
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
