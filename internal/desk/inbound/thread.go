package inbound

import (
	"regexp"
	"strconv"
	"strings"
)

// The ways a mail says which ticket it answers, for mail clients that drop headers: a
// "[#123]" tag in the subject, or a "+token" in the address it was sent to
// (support+<token>@example.com, the Reply-To of our notifications).
var subjectTag = regexp.MustCompile(`\[#([0-9]{1,12})\]`)

// TicketNumber is the number of the "[#123]" tag in the subject, or 0.
func (m *Message) TicketNumber() int64 {
	sm := subjectTag.FindStringSubmatch(m.Subject)
	if sm == nil {
		return 0
	}
	n, err := strconv.ParseInt(sm[1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// ReplyToken is the "+token" of the first recipient at mailbox (an address such as
// support@example.com) that carries one, or "".
func (m *Message) ReplyToken(mailbox string) string {
	local, domain, ok := strings.Cut(strings.ToLower(mailbox), "@")
	if !ok {
		return ""
	}
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		l, d, ok := strings.Cut(strings.ToLower(a.Email), "@")
		if !ok || d != domain {
			continue
		}
		base, token, ok := strings.Cut(l, "+")
		if ok && base == local && token != "" && len(token) <= 64 && isToken(token) {
			return token
		}
	}
	return ""
}

func isToken(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Answers lists the Message-IDs this message answers, nearest first: In-Reply-To, then
// References from the newest.
func (m *Message) Answers() []string {
	out := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		out = append(out, m.References[i])
	}
	return out
}
