package form

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// What an email address may be. RFC 5322 allows far more than anyone types, and some of
// it is an attack where the address ends up: in a mailto: link "?" and "&" start headers
// ("boss?cc=attacker@evil.example&body=..."), "%" is an escape and was a relay's source
// route ("user%host@relay"), "#" cuts a URL, "," and ";" make a list, and quoted local
// parts, comments and display names carry spaces, quotes and angle brackets. No mailbox
// provider people sign up with hands out such addresses, so Email takes one plain
// addr-spec of what they do use:
//
//   - the local part (at most 64 characters): ASCII letters, digits and . _ + - '
//     ("+" for sub-addresses, "'" for O'Brien), not starting or ending with a dot, no two
//     dots in a row;
//   - the domain (at most 253 characters): two or more labels of ASCII letters, digits
//     and hyphens (an internationalised domain in its xn-- form), each 1..63 characters,
//     not starting or ending with a hyphen, the last one not all digits;
//   - the whole at most 254 characters.
//
// Refused, then: the RFC's other atext (! # $ % & * / = ? ^ ` { | } ~), quoted local
// parts, comments, display names, domain literals ([192.0.2.1]) and non-ASCII addresses
// (RFC 6531), which the outbox could not deliver without SMTPUTF8 anyway.

// NormalizeEmail lower-cases and trims an address. Invalid UTF-8 is returned as typed:
// lower-casing would turn the bad bytes into U+FFFD, and Email must see them to refuse
// the address rather than store a different one.
func NormalizeEmail(v string) string {
	if !utf8.ValidString(v) {
		return v
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// emailLike is the message for what is not an address at all.
const emailLike = "Enter an email address like name@example.com."

// Email checks an address (see above) and records the problem beside field.
func Email(errs Errors, field, v string) {
	switch {
	case v == "":
		errs.Add(field, "Email is required.")
		return
	case len(v) > 254:
		errs.Add(field, "Email is too long: at most 254 characters.")
		return
	}
	if msg := Check(v, 254, false); msg != "" {
		errs.Add(field, msg)
		return
	}
	if msg := emailProblem(v); msg != "" {
		errs.Add(field, msg)
	}
}

// emailProblem is what is wrong with v as an address (see above), or "" when it is one.
// It does not check the text itself: Email runs Check first.
func emailProblem(v string) string {
	at := strings.LastIndexByte(v, '@')
	if at < 1 || len(v) > 254 {
		return emailLike
	}
	local, domain := v[:at], v[at+1:]
	for _, r := range v {
		switch {
		case r == '@' || isLocalRune(r):
		case strings.ContainsRune(`<>"(),;:[]\`, r) || unicode.IsSpace(r):
			return emailLike // a display name, a comment, a list, a quoted or bracketed part
		default:
			return "Enter an email address like name@example.com: “" + string(r) + "” cannot be part of one."
		}
	}
	if strings.IndexByte(local, '@') >= 0 || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' ||
		strings.Contains(local, "..") || !validDomain(domain) {
		return emailLike
	}
	return ""
}

// isLocalRune reports whether r may stand in a local part.
func isLocalRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+-'", r)
}

// validDomain reports whether d is a host name of two or more LDH labels.
func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
